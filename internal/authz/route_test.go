package authz_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/authz/authztest"
	"github.com/vendredi-app/vendredi/internal/errs"
)

const bob = "0193a000-0000-7000-8000-0000000000b0" // employee at Globex

// Hosts of the test app, and each user's home: the stand-in identity layer
// below gives a principal only to a user on her home host.
var (
	hosts = map[string]string{"vendredi.test": authz.Platform, "acme.vendredi.test": acme, "globex.vendredi.test": globex}
	homes = map[string]string{alice: acme, hannah: acme, bob: globex, sam: authz.Platform, maria: authz.Platform}
)

func identity(c *fiber.Ctx) error {
	user, host := c.Get("X-User"), hosts[c.Hostname()]
	if user != "" && homes[user] == host {
		c.SetUserContext(authz.WithPrincipal(c.UserContext(), authz.Principal{Subject: user, Domain: host}))
	}
	return c.Next()
}

// errorHandler is httpapi's mapping, reduced to what these routes return.
func errorHandler(c *fiber.Ctx, err error) error {
	status := map[errs.Code]int{
		errs.Unauthorized: 401, errs.Forbidden: 403, errs.NotFound: 404, errs.Unavailable: 503,
	}[errs.CodeOf(err)]
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status = fe.Code
	}
	if status == 0 {
		status = 500
	}
	return c.SendStatus(status)
}

func done(c *fiber.Ctx) error { return c.SendStatus(http.StatusNoContent) }

func testApp(e *authz.Enforcer) *fiber.App {
	app := fiber.New(fiber.Config{ErrorHandler: errorHandler})
	app.Use(identity)
	app.Get("/healthz", authz.Public(), done)
	api := app.Group("/api")
	api.Get("/campaigns", e.Route("campaigns", "read"), done)
	api.Post("/campaigns", e.Route("campaigns", "create"), done)
	api.Get("/members", e.Route("members", "read"), done)
	api.Post("/participations", e.Route("participations", "create"), done)
	api.Post("/tenants", e.Route("companies", "create"), done)
	api.Get("/stats", e.Route("platform_stats", "read"), done)
	inAssoc := authz.AssociationParam("association")
	api.Post("/associations/:association/missions", e.RouteIn(inAssoc, "missions", "create"), done)
	api.Post("/associations/:association/participations/:id/approve", e.RouteIn(inAssoc, "participations", "approve"), done)
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return app
}

var restosID = strings.TrimPrefix(restos, "association:")

func request(method, host, user, path string) *http.Request {
	req := httptest.NewRequest(method, path, nil)
	req.Host = host
	if user != "" {
		req.Header.Set("X-User", user)
	}
	return req
}

func TestMiddleware(t *testing.T) {
	src := people()
	src.Grant(bob, globex, "employee")
	app := testApp(newEnforcer(t, src, authz.Options{}))
	const acmeHost, platform = "acme.vendredi.test", "vendredi.test"
	type req struct{ method, host, user, path string }
	byStatus := map[int][]req{
		http.StatusNoContent: {
			{"GET", acmeHost, "", "/healthz"},
			{"GET", acmeHost, alice, "/api/campaigns"},
			{"POST", acmeHost, hannah, "/api/campaigns"},
			{"POST", acmeHost, hannah, "/api/participations"}, // inherited from employee
			{"POST", platform, sam, "/api/tenants"},
			{"POST", platform, maria, "/api/associations/" + restosID + "/missions"},
			{"POST", platform, maria, "/api/associations/" + strings.ToUpper(restosID) + "/participations/1/approve"},
		},
		http.StatusUnauthorized: {
			{"GET", acmeHost, "", "/api/campaigns"},
			{"GET", acmeHost, bob, "/api/campaigns"}, // Globex's employee on Acme's host
			{"POST", acmeHost, sam, "/api/tenants"},  // staff on a company's host
			{"POST", acmeHost, "", "/api/associations/" + restosID + "/missions"},
		},
		http.StatusForbidden: {
			{"POST", acmeHost, alice, "/api/campaigns"},
			{"GET", acmeHost, alice, "/api/members"},
			{"GET", platform, sam, "/api/campaigns"},
			{"GET", platform, maria, "/api/stats"},
			{"POST", platform, maria, "/api/associations/" + uuid.NewString() + "/missions"}, // not her association
			{"POST", acmeHost, alice, "/api/associations/" + restosID + "/missions"},
		},
		http.StatusNotFound: {
			{"POST", platform, maria, "/api/associations/restos/missions"},
			{"GET", acmeHost, alice, "/api/nowhere"},
		},
	}
	for want, reqs := range byStatus {
		for _, r := range reqs {
			resp, err := app.Test(request(r.method, r.host, r.user, r.path), -1)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != want {
				t.Errorf("%s %s%s as %q: got %d, want %d", r.method, r.host, r.path, r.user, resp.StatusCode, want)
			}
		}
	}
}

func TestMiddlewareWhenRolesCannotBeRead(t *testing.T) {
	src := people()
	app := testApp(newEnforcer(t, src, authz.Options{}))
	src.Fail(errs.E(errs.Unavailable, "the database is unavailable; please retry"))
	resp, err := app.Test(request("GET", "acme.vendredi.test", alice, "/api/campaigns"), -1)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("got %d, want 503: a failed role look-up must neither pass nor pretend to be a 403", resp.StatusCode)
	}
}

func TestCheckRoutes(t *testing.T) {
	e := newEnforcer(t, people(), authz.Options{})

	t.Run("passes when every route declares", func(t *testing.T) {
		app := testApp(e)
		app.Static("/static", t.TempDir()) // middleware, like Use: not a route
		if err := authz.CheckRoutes(app); err != nil {
			t.Fatal(err)
		}
		decls, _ := authz.Declarations(app)
		if len(decls) != 9 {
			t.Fatalf("got %d declarations, want the 9 routes (HEAD, Use and Static aside)", len(decls))
		}
	})

	failing := map[string]struct {
		add  func(app *fiber.App)
		want string
	}{
		"a route without declaration": {
			func(app *fiber.App) { app.Get("/naked", done) },
			"GET /naked: no declaration",
		},
		"a declaration after the handler": {
			func(app *fiber.App) { app.Post("/late", done, e.Route("campaigns", "create")) },
			"POST /late: the declaration must be the first handler",
		},
		"a declaration on the group only": {
			func(app *fiber.App) { app.Group("/admin", e.Route("companies", "read")).Delete("/tenant", done) },
			"DELETE /admin/tenant: no declaration",
		},
		"two declarations": {
			func(app *fiber.App) { app.Put("/twice", e.Route("campaigns", "update"), authz.Public(), done) },
			"PUT /twice: 2 declarations",
		},
		"an association parameter the path lacks": {
			func(app *fiber.App) {
				app.Patch("/missions/:id", e.RouteIn(authz.AssociationParam("association"), "missions", "update"), done)
			},
			"PATCH /missions/:id: checked in association :association",
		},
	}
	for name, c := range failing {
		t.Run(name, func(t *testing.T) {
			app := testApp(e)
			c.add(app)
			err := authz.CheckRoutes(app)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error naming %q", err, c.want)
			}
		})
	}
}

func TestRouteRefusesImpossibleDeclarations(t *testing.T) {
	e := newEnforcer(t, people(), authz.Options{})
	cases := map[string]func(){
		"a pair no role holds":                func() { e.Route("campaigns", "launch") },
		"an object that does not exist":       func() { e.Route("campaign", "read") },
		"a host route only associations hold": func() { e.Route("missions", "create") },
		"an association route for HR":         func() { e.RouteIn(authz.AssociationParam("a"), "campaigns", "create") },
		"no scope":                            func() { e.RouteIn(authz.Scope{}, "campaigns", "read") },
	}
	for name, declare := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("the declaration was accepted")
				}
			}()
			declare()
		})
	}
}

func personas() []authztest.Persona {
	as := func(host, user string) func(*http.Request) {
		return func(r *http.Request) {
			r.Host = host
			if user != "" {
				r.Header.Set("X-User", user)
			}
		}
	}
	return []authztest.Persona{
		{Name: "anonymous", Prepare: as("acme.vendredi.test", "")},
		{Name: "employee", Role: "employee", Prepare: as("acme.vendredi.test", alice)},
		{Name: "hr_admin", Role: "hr_admin", Prepare: as("acme.vendredi.test", hannah)},
		{Name: "staff", Role: "staff", Prepare: as("vendredi.test", sam)},
		{Name: "assoc_manager", Role: "assoc_manager", Prepare: as("vendredi.test", maria),
			Params: map[string]string{"association": restosID}},
		{Name: "other_tenant", Prepare: as("acme.vendredi.test", bob), Denied: http.StatusUnauthorized},
	}
}

func TestPermissionMatrix(t *testing.T) {
	src := people()
	src.Grant(bob, globex, "employee")
	e := newEnforcer(t, src, authz.Options{})
	authztest.Check(t, testApp(e), e.Matrix(), personas())
}

// TestPermissionMatrixReportsDifferences runs the matrix with a persona
// whose role is not what the persona claims: the run must fail on exactly
// the routes where the roles differ, and print them in the table.
func TestPermissionMatrixReportsDifferences(t *testing.T) {
	e := newEnforcer(t, people(), authz.Options{})
	ps := personas()
	ps[1].Role = "hr_admin" // alice is an employee
	res, err := authztest.Run(testApp(e), e.Matrix(), ps)
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Failures(); n != 2 {
		t.Fatalf("got %d differing cells, want 2 (POST /api/campaigns, GET /api/members):\n%s", n, res)
	}
	table := res.String()
	for _, want := range []string{"POST /api/campaigns", "campaigns:create", "✗403≠pass", "assoc_manager", "participations:approve in association(:association)"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
}

func TestPermissionMatrixNeedsDeclarations(t *testing.T) {
	e := newEnforcer(t, people(), authz.Options{})
	app := testApp(e)
	app.Get("/forgotten", done)
	if _, err := authztest.Run(app, e.Matrix(), personas()); err == nil || !strings.Contains(err.Error(), "/forgotten") {
		t.Fatalf("got %v, want the undeclared route named", err)
	}
}

package authz

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/valyala/fasthttp"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/policies"
)

// Scope says in which domain a route is checked.
type Scope struct {
	kind  string // "host" or policies.ScopeAssociation
	param string
}

// Host checks a route in the principal's domain: the platform on the base
// domain, the company on a company's host. Most routes use it.
var Host = Scope{kind: "host"}

// AssociationParam checks a route in the domain of the association whose
// id is the path parameter param, as in /associations/:association/missions.
// A parameter that is not a UUID answers 404.
func AssociationParam(param string) Scope {
	return Scope{kind: policies.ScopeAssociation, param: param}
}

// Kind is "host" or "association".
func (s Scope) Kind() string { return s.kind }

// Param is the path parameter naming the domain, if any.
func (s Scope) Param() string { return s.param }

func (s Scope) String() string {
	if s.param != "" {
		return s.kind + "(:" + s.param + ")"
	}
	return s.kind
}

// fits reports whether a role of the given scope can be held in the
// domains this route is checked in.
func (s Scope) fits(roleScope string) bool {
	if s.kind == policies.ScopeAssociation {
		return roleScope == policies.ScopeAssociation
	}
	return roleScope == policies.ScopePlatform || roleScope == policies.ScopeTenant
}

func (s Scope) domain(c *fiber.Ctx, p Principal) (string, error) {
	if s.kind != policies.ScopeAssociation {
		return p.Domain, nil
	}
	id, err := uuid.Parse(c.Params(s.param))
	if err != nil {
		return "", errs.E(errs.NotFound, "There is no such association.")
	}
	return AssociationDomain(id), nil
}

// Declaration is what a route needs: an object and an action of the
// matrix in a scope, or nothing (Public).
type Declaration struct {
	// Method and Path are the route's, filled by Declarations.
	Method, Path string
	// Params are the route's path parameters, in order.
	Params []string
	Public bool
	Obj    string
	Act    string
	Scope  Scope
}

func (d Declaration) String() string {
	if d.Public {
		return "public"
	}
	s := d.Obj + ":" + d.Act
	if d.Scope.kind != Host.kind {
		s += " in " + d.Scope.String()
	}
	return s
}

// guard is a declaration and the middleware that enforces it: the same
// value, so that a route cannot declare one thing and check another.
type guard struct {
	e *Enforcer
	d Declaration
}

// Route declares that a route needs act on obj in the principal's domain,
// and enforces it. Put it first in the route's handlers:
//
//	api.Get("/campaigns", enf.Route("campaigns", "read"), h.listCampaigns)
//
// It panics, at start-up, when no role of the matrix may do act on obj in
// such a domain: that is a typo, or a route nobody can use.
func (e *Enforcer) Route(obj, act string) fiber.Handler { return e.RouteIn(Host, obj, act) }

// RouteIn is Route checked in the domain scope names.
func (e *Enforcer) RouteIn(scope Scope, obj, act string) fiber.Handler {
	if scope.kind == "" {
		panic("authz: RouteIn needs a scope: authz.Host or authz.AssociationParam(name)")
	}
	holdable := false
	for _, r := range e.matrix.Rules {
		role, _ := e.matrix.Role(r.Role)
		if r.Obj == obj && r.Act == act && scope.fits(role.Scope) {
			holdable = true
			break
		}
	}
	if !holdable {
		panic(fmt.Sprintf("authz: no role of policies %s may %s %s in a %s domain: check the route's declaration or the matrix", e.matrix.Version, act, obj, scope))
	}
	g := &guard{e: e, d: Declaration{Obj: obj, Act: act, Scope: scope}}
	return g.serve
}

var public = &guard{d: Declaration{Public: true}}

// Public declares that a route needs no principal: sign-in, invitations,
// landing pages, health checks.
func Public() fiber.Handler { return public.serve }

// inspectKey marks the context in which Declarations calls a guard to read
// its declaration instead of enforcing it.
type inspectKey struct{}

func (g *guard) serve(c *fiber.Ctx) error {
	if out, ok := c.Locals(inspectKey{}).(*Declaration); ok {
		*out = g.d
		return nil
	}
	if g.d.Public {
		return c.Next()
	}
	ctx := c.UserContext()
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return errs.E(errs.Unauthorized, "Sign in to continue.")
	}
	dom, err := g.d.Scope.domain(c, p)
	if err != nil {
		return err
	}
	allowed, err := g.e.Allowed(ctx, p.Subject, dom, g.d.Obj, g.d.Act)
	if err != nil {
		return err
	}
	if !allowed {
		return errs.E(errs.Forbidden, "Your role does not allow this.")
	}
	if g.e.gate != nil {
		if err := g.e.gate(ctx, g.d.Obj, g.d.Act, c.Route().Path); err != nil {
			return err
		}
	}
	return c.Next()
}

// guardCode is the code pointer every guard's serve method value shares:
// how Declarations tells a guard from another handler without calling it.
var guardCode = reflect.ValueOf(public.serve).Pointer()

func isGuard(h fiber.Handler) bool { return reflect.ValueOf(h).Pointer() == guardCode }

// Declarations returns the declaration of every route of app, HEAD routes
// (Fiber adds one per GET) and middleware (Use, Static) aside. The error
// lists every route whose first handler is not a declaration: one that
// declares nothing, or that lets another handler run before the check.
func Declarations(app *fiber.App) ([]Declaration, error) {
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)
	var (
		out []Declaration
		bad []string
	)
	for _, r := range app.GetRoutes(true) {
		if r.Method == fiber.MethodHead {
			continue
		}
		route := r.Method + " " + r.Path
		n := 0
		for _, h := range r.Handlers {
			if isGuard(h) {
				n++
			}
		}
		switch {
		case n == 0:
			bad = append(bad, route+": no declaration")
			continue
		case n > 1:
			bad = append(bad, route+fmt.Sprintf(": %d declarations; keep one", n))
			continue
		case !isGuard(r.Handlers[0]):
			bad = append(bad, route+": the declaration must be the first handler, so that nothing runs before the check")
			continue
		}
		var d Declaration
		c.Locals(inspectKey{}, &d)
		if err := r.Handlers[0](c); err != nil {
			return nil, fmt.Errorf("authz: inspect %s: %w", route, err)
		}
		d.Method, d.Path, d.Params = r.Method, r.Path, r.Params
		if d.Scope.param != "" && !slices.Contains(r.Params, d.Scope.param) {
			bad = append(bad, route+": checked in association :"+d.Scope.param+", which is not a parameter of the path")
			continue
		}
		out = append(out, d)
	}
	if len(bad) > 0 {
		return out, errors.New("authz: every route must declare what it needs: put enf.Route(obj, act), enf.RouteIn(scope, obj, act) or authz.Public() first in its handlers:\n  " + strings.Join(bad, "\n  "))
	}
	return out, nil
}

// CheckRoutes fails for any route of app that does not declare what it
// needs (see Declarations). Tests call it on the real app.
func CheckRoutes(app *fiber.App) error {
	_, err := Declarations(app)
	return err
}

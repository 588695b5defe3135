package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// scimClient speaks to /scim/v2 as an identity provider does.
type scimClient struct {
	t     *testing.T
	app   *fiber.App
	host  string
	token string
}

func (s scimClient) do(method, path, body string, headers ...string) (*http.Response, map[string]any) {
	s.t.Helper()
	req := httptest.NewRequest(method, "/scim/v2"+path, strings.NewReader(body))
	req.Host = s.host
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := s.app.Test(req, 10000)
	if err != nil {
		s.t.Fatal(err)
	}
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	return res, out
}

func (s scimClient) want(status int, method, path, body string, headers ...string) map[string]any {
	s.t.Helper()
	res, out := s.do(method, path, body, headers...)
	if res.StatusCode != status {
		s.t.Fatalf("%s %s: %d %v; want %d", method, path, res.StatusCode, out, status)
	}
	if ct := res.Header.Get("Content-Type"); status != http.StatusNoContent && !strings.HasPrefix(ct, "application/scim+json") {
		s.t.Fatalf("%s %s: Content-Type %q; want application/scim+json", method, path, ct)
	}
	return out
}

// scimToken makes an API token with the scim scope, as an HR admin does.
func scimToken(t *testing.T, app *fiber.App, host, session string, scopes string) string {
	t.Helper()
	res, body := do(t, app, "POST", host, "/api/v1/api-tokens", `{"name":"entra","scopes":`+scopes+`}`, session)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create a token with scopes %s: %d %v", scopes, res.StatusCode, body)
	}
	return body["token"].(string)
}

// member reads a member as the product's HR admins see them.
func productMember(t *testing.T, app *fiber.App, host, session, email string) map[string]any {
	t.Helper()
	res, body := do(t, app, "GET", host, "/api/v1/members", "", session)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("members: %d %v", res.StatusCode, body)
	}
	for _, m := range body["members"].([]any) {
		if mm := m.(map[string]any); mm["email"] == email {
			return mm
		}
	}
	return nil
}

func filterQuery(f string) string { return url.QueryEscape(f) }

// The request sequences Entra ID's provisioning service sends, replayed:
// look the user up by userName, create them, disable them with Entra's
// "Replace"/"False" PATCH, rename them, delete them. Each step is checked
// on the product's side: the member, their status and name.
func TestSCIMEntraIDSequence(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Contoso")
	host := tn.Slug + ".localhost"
	pp := people{t: t, db: env.App}
	hr := pp.session(tn, pp.member(tn, "hr_admin"))
	idp := scimClient{t: t, app: app, host: host, token: scimToken(t, app, host, hr, `["scim"]`)}
	email := "alex.wilber@contoso.example"

	list := idp.want(200, "GET", "/Users?filter="+filterQuery(`userName eq "`+email+`"`), "")
	if list["totalResults"].(float64) != 0 || len(list["Resources"].([]any)) != 0 {
		t.Fatalf("lookup before creation: %v", list)
	}
	created := idp.want(201, "POST", "/Users", `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
		"userName": "Alex.Wilber@contoso.example",
		"active": true,
		"displayName": "Alex Wilber",
		"emails": [{"primary": true, "type": "work", "value": "Alex.Wilber@contoso.example"}],
		"meta": {"resourceType": "User"},
		"name": {"formatted": "Alex Wilber", "familyName": "Wilber", "givenName": "Alex"},
		"title": "Sales", "preferredLanguage": "fr-FR",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ventes"}
	}`)
	id := created["id"].(string)
	if created["userName"] != email || created["meta"].(map[string]any)["version"] == "" {
		t.Fatalf("created: %v", created)
	}
	m := productMember(t, app, host, hr, email)
	if m == nil || m["status"] != "active" || m["full_name"] != "Alex Wilber" || m["department"] != "Ventes" || m["role"] != "employee" {
		t.Fatalf("in the product after creation: %v", m)
	}
	// Entra looks up again before each change, by userName, any case.
	list = idp.want(200, "GET", "/Users?filter="+filterQuery(`userName eq "ALEX.WILBER@contoso.example"`), "")
	if list["totalResults"].(float64) != 1 || list["Resources"].([]any)[0].(map[string]any)["id"] != id {
		t.Fatalf("lookup after creation: %v", list)
	}
	// Creating the same person twice: 409 uniqueness.
	dup := idp.want(409, "POST", "/Users", `{"userName": "alex.wilber@contoso.example", "active": true}`)
	if dup["scimType"] != "uniqueness" || dup["status"] != "409" {
		t.Errorf("duplicate: %v; want scimType uniqueness, status \"409\"", dup)
	}

	// The person signs in meanwhile (single sign-on or a mailed link).
	session := pp.session(tn, uuidOf(t, id))
	if res, _ := do(t, app, "GET", host, "/api/v1/me", "", session); res.StatusCode != 200 {
		t.Fatalf("the provisioned person's session: %d", res.StatusCode)
	}

	// Disable: Entra ID sends "Replace" and the string "False".
	got := idp.want(200, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}`)
	if got["active"] != false {
		t.Fatalf("after active=False: %v", got)
	}
	if m := productMember(t, app, host, hr, email); m["status"] != "disabled" {
		t.Fatalf("in the product after active=False: %v", m)
	}
	if res, _ := do(t, app, "GET", host, "/api/v1/me", "", session); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a disabled person's session: %d; want 401", res.StatusCode)
	}

	// A stale version is refused: 412, nothing changes.
	version := got["meta"].(map[string]any)["version"].(string)
	stale := idp.want(412, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "Replace", "path": "displayName", "value": "Nope"}]}`, "If-Match", `W/"0000000000000000"`)
	if stale["status"] != "412" {
		t.Errorf("stale If-Match: %v", stale)
	}
	// The name changes, with the current version.
	got = idp.want(200, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "Replace", "path": "name.givenName", "value": "Alexandra"},
			{"op": "Add", "path": "name.familyName", "value": "Wilber-Durand"},
			{"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Marketing"},
			{"op": "Replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+33 1 23 45 67 89"}]}`, "If-Match", version)
	if got["displayName"] != "Alexandra Wilber-Durand" {
		t.Fatalf("after the name's patch: %v", got)
	}
	if m := productMember(t, app, host, hr, email); m["full_name"] != "Alexandra Wilber-Durand" || m["department"] != "Marketing" {
		t.Fatalf("in the product after the name's patch: %v", m)
	}
	if res, _ := idp.do("GET", "/Users/"+id, "", "If-None-Match", got["meta"].(map[string]any)["version"].(string)); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the current version: %d; want 304", res.StatusCode)
	}

	// Delete: the member stays in the product, disabled; SCIM forgets them.
	idp.want(204, "DELETE", "/Users/"+id, "")
	gone := idp.want(404, "GET", "/Users/"+id, "")
	if gone["schemas"].([]any)[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Errorf("a deleted user: %v; want a SCIM error", gone)
	}
	if m := productMember(t, app, host, hr, email); m == nil || m["status"] != "disabled" {
		t.Fatalf("in the product after DELETE: %v; want the member kept, disabled", m)
	}
	if list := idp.want(200, "GET", "/Users?filter="+filterQuery(`userName eq "`+email+`"`), ""); list["totalResults"].(float64) != 0 {
		t.Errorf("lookup after DELETE: %v", list)
	}
	// Provisioned again later: the same member comes back, active.
	back := idp.want(201, "POST", "/Users", `{"userName": "alex.wilber@contoso.example", "active": true, "displayName": "Alex Wilber"}`)
	if back["id"] != id {
		t.Errorf("re-created: id %v; want the same member %s", back["id"], id)
	}
	if m := productMember(t, app, host, hr, email); m["status"] != "active" {
		t.Errorf("in the product after re-creation: %v", m)
	}
}

// Okta's sequence: lookup with pagination, create, read, profile update
// by PUT, deactivation by a path-less PATCH, reactivation.
func TestSCIMOktaSequence(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Umbrella")
	host := tn.Slug + ".localhost"
	pp := people{t: t, db: env.App}
	hr := pp.session(tn, pp.member(tn, "hr_admin"))
	idp := scimClient{t: t, app: app, host: host, token: scimToken(t, app, host, hr, `["scim"]`)}
	email := "jill.valentine@umbrella.example"

	idp.want(200, "GET", "/Users?filter="+filterQuery(`userName eq "`+email+`"`)+"&startIndex=1&count=100", "")
	created := idp.want(201, "POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": "jill.valentine@umbrella.example", "name": {"givenName": "Jill", "familyName": "Valentine"},
		"emails": [{"primary": true, "value": "jill.valentine@umbrella.example", "type": "work"}],
		"displayName": "Jill Valentine", "locale": "en-US", "externalId": "00u1a2b3c4", "groups": [],
		"password": "okta-sends-one-sometimes", "active": true}`)
	id := created["id"].(string)
	got := idp.want(200, "GET", "/Users/"+id, "")
	if got["externalId"] != "00u1a2b3c4" || got["name"].(map[string]any)["givenName"] != "Jill" {
		t.Fatalf("read back: %v", got)
	}
	idp.want(200, "PUT", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "`+id+`",
		"userName": "jill.valentine@umbrella.example", "name": {"givenName": "Jill", "familyName": "Redfield"},
		"emails": [{"primary": true, "value": "jill.valentine@umbrella.example", "type": "work"}],
		"displayName": "Jill Redfield", "externalId": "00u1a2b3c4", "active": true}`)
	if m := productMember(t, app, host, hr, email); m["full_name"] != "Jill Redfield" || m["status"] != "active" {
		t.Fatalf("in the product after PUT: %v", m)
	}
	idp.want(200, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "replace", "value": {"active": false}}]}`)
	if m := productMember(t, app, host, hr, email); m["status"] != "disabled" {
		t.Fatalf("in the product after Okta's deactivation: %v", m)
	}
	idp.want(200, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "replace", "value": {"active": true}}]}`)
	if m := productMember(t, app, host, hr, email); m["status"] != "active" {
		t.Fatalf("in the product after reactivation: %v", m)
	}
}

// Groups are departments: a group's members have its name as department;
// a removal (Okta's path filter) or a rename shows in the product.
// Pagination, filters the product cannot honour, tokens without the scope
// and another company's ids answer as SCIM says.
func TestSCIMGroupsPagesAndRefusals(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn, other := newTenant(t, env.App, "Wayne"), newTenant(t, env.App, "Stark")
	host := tn.Slug + ".localhost"
	pp := people{t: t, db: env.App}
	hr := pp.session(tn, pp.member(tn, "hr_admin"))
	idp := scimClient{t: t, app: app, host: host, token: scimToken(t, app, host, hr, `["scim"]`)}
	var ids []string
	for i := range 3 {
		u := idp.want(201, "POST", "/Users", fmt.Sprintf(`{"userName": "p%d@wayne.example", "displayName": "Person %d", "active": true}`, i, i))
		ids = append(ids, u["id"].(string))
	}
	g := idp.want(201, "POST", "/Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Finance",
		"externalId": "grp-1", "members": [{"value": "`+ids[0]+`"}, {"value": "`+ids[1]+`"}]}`)
	gid := g["id"].(string)
	for i, want := range []string{"Finance", "Finance", ""} {
		if m := productMember(t, app, host, hr, fmt.Sprintf("p%d@wayne.example", i)); m["department"] != want {
			t.Errorf("person %d's department: %v; want %q", i, m["department"], want)
		}
	}
	// Entra's membership check.
	list := idp.want(200, "GET", "/Groups?filter="+filterQuery(`id eq "`+gid+`" and members[value eq "`+ids[1]+`"]`)+"&excludedAttributes=members", "")
	if list["totalResults"].(float64) != 1 {
		t.Errorf("membership check: %v", list)
	}
	idp.want(200, "PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "remove", "path": "members[value eq \"`+ids[1]+`\"]"},
			{"op": "add", "path": "members", "value": [{"value": "`+ids[2]+`"}]},
			{"op": "replace", "value": {"id": "`+gid+`", "displayName": "Finance & Achats"}}]}`)
	for i, want := range []string{"Finance & Achats", "", "Finance & Achats"} {
		if m := productMember(t, app, host, hr, fmt.Sprintf("p%d@wayne.example", i)); m["department"] != want {
			t.Errorf("after the group's patch, person %d's department: %v; want %q", i, m["department"], want)
		}
	}
	idp.want(204, "DELETE", "/Groups/"+gid, "")
	if m := productMember(t, app, host, hr, "p0@wayne.example"); m["department"] != "" {
		t.Errorf("after the group's deletion: %v", m)
	}

	// Pages: startIndex counts from 1.
	page := idp.want(200, "GET", "/Users?startIndex=2&count=1", "")
	if page["totalResults"].(float64) != 4 || page["itemsPerPage"].(float64) != 1 || page["startIndex"].(float64) != 2 {
		t.Errorf("page 2 of 1: %v; want 4 in all (3 provisioned and the HR admin), 1 shown, from 2", page)
	}
	// A filter the product does not honour is refused, never widened.
	bad := idp.want(400, "GET", "/Users?filter="+filterQuery(`userName co "wayne"`), "")
	if bad["scimType"] != "invalidFilter" {
		t.Errorf("unsupported filter: %v", bad)
	}
	idp.want(400, "GET", "/Users?filter="+filterQuery(`userName eq "a" or userName eq "b"`), "")

	// Without a token: 401 in SCIM's format. A token without the scim
	// scope reaches no SCIM route, and a SCIM token no API route.
	anon := idp
	anon.token = ""
	if body := anon.want(401, "GET", "/Users", ""); body["status"] != "401" {
		t.Errorf("anonymous: %v", body)
	}
	apiOnly := idp
	apiOnly.token = scimToken(t, app, host, hr, `["api"]`)
	apiOnly.want(403, "GET", "/Users", "")
	if res, _ := do(t, app, "GET", host, "/api/v1/members", "", "", "Authorization", "Bearer "+idp.token); res.StatusCode != http.StatusForbidden {
		t.Errorf("a SCIM token on the API: %d; want 403", res.StatusCode)
	}
	// Another company's token sees none of these users.
	otherHR := pp.session(other, pp.member(other, "hr_admin"))
	stranger := scimClient{t: t, app: app, host: other.Slug + ".localhost", token: scimToken(t, app, other.Slug+".localhost", otherHR, `["scim"]`)}
	stranger.want(404, "GET", "/Users/"+ids[0], "")
	stranger.want(404, "PATCH", "/Users/"+ids[0], `{"Operations": [{"op": "replace", "path": "active", "value": false}]}`)
	// Discovery.
	cfg := idp.want(200, "GET", "/ServiceProviderConfig", "")
	if cfg["patch"].(map[string]any)["supported"] != true || cfg["etag"].(map[string]any)["supported"] != true {
		t.Errorf("ServiceProviderConfig: %v", cfg)
	}
	if rt := idp.want(200, "GET", "/ResourceTypes", ""); rt["totalResults"].(float64) != 2 {
		t.Errorf("ResourceTypes: %v", rt)
	}
	if sc := idp.want(200, "GET", "/Schemas", ""); sc["totalResults"].(float64) != 3 {
		t.Errorf("Schemas: %v", sc)
	}
}

func uuidOf(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Two identity providers' changes with the same If-Match at once: the row
// lock lets one through and the other finds the version changed (412).
func TestSCIMConcurrentChangesWithIfMatch(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Racers")
	host := tn.Slug + ".localhost"
	pp := people{t: t, db: env.App}
	hr := pp.session(tn, pp.member(tn, "hr_admin"))
	idp := scimClient{t: t, app: app, host: host, token: scimToken(t, app, host, hr, `["scim"]`)}
	u := idp.want(201, "POST", "/Users", `{"userName": "race@racers.example", "displayName": "Race", "active": true}`)
	id, version := u["id"].(string), u["meta"].(map[string]any)["version"].(string)
	codes := make(chan int, 2)
	for i := range 2 {
		go func() {
			res, _ := idp.do("PATCH", "/Users/"+id, fmt.Sprintf(`{"Operations": [{"op": "replace", "path": "displayName", "value": "Racer %d"}]}`, i),
				"If-Match", version)
			codes <- res.StatusCode
		}()
	}
	a, b := <-codes, <-codes
	if a+b != http.StatusOK+http.StatusPreconditionFailed {
		t.Errorf("two PATCHes with one If-Match: %d and %d; want 200 and 412", a, b)
	}
}

package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// An API token made to expire works until its day, then stops by itself;
// the tokens page says so. A lifetime beyond two years is refused.
func TestAPITokensExpire(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	tn := newTenant(t, env.App, "Initech")
	host := tn.Slug + ".localhost"
	pp := people{t: t, db: env.App}
	session := pp.session(tn, pp.member(tn, "hr_admin"))

	res, body := do(t, app, "POST", host, "/api/v1/api-tokens", `{"name":"crm","role":"employee","expires_in_days":1000}`, session)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body["errors"].([]any)[0].(map[string]any)["field"].(string), "expires_in_days") {
		t.Fatalf("a three-year token: %d %v; want 400 naming expires_in_days", res.StatusCode, body)
	}
	res, body = do(t, app, "POST", host, "/api/v1/api-tokens", `{"name":"crm","role":"employee","expires_in_days":30}`, session)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %v", res.StatusCode, body)
	}
	token := body["token"].(string)
	expires, err := time.Parse(time.RFC3339Nano, body["api_token"].(map[string]any)["expires_at"].(string))
	if err != nil || expires.Sub(time.Now().AddDate(0, 0, 30)).Abs() > time.Minute {
		t.Fatalf("expires_at %v, %v; want in 30 days", body["api_token"], err)
	}
	bearer := func() int {
		res, _ := do(t, app, "GET", host, "/api/v1/campaigns", "", "", "Authorization", "Bearer "+token)
		return res.StatusCode
	}
	if code := bearer(); code != http.StatusOK {
		t.Fatalf("a fresh token: %d; want 200", code)
	}
	// A month later.
	if err := env.App.TenantTx(tenants.NewContext(context.Background(), tn), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET created_at = now() - interval '31 days', expires_at = now() - interval '1 day'
			WHERE name = 'crm'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if code := bearer(); code != http.StatusUnauthorized {
		t.Errorf("an expired token: %d; want 401", code)
	}
	admin := browserless{t: t, app: app, host: host, session: session}
	if _, page := admin.get("/admin/tokens"); !strings.Contains(page, "Expiré le") {
		t.Errorf("the tokens page does not say the token expired")
	}
	if res, page := admin.post("/admin/tokens", url.Values{"name": {"paie"}, "role": {"employee"}, "expires_in_days": {"9999"}}); res.StatusCode != http.StatusBadRequest ||
		!strings.Contains(page, `id="expires_in_days-error"`) || !strings.Contains(page, `value="paie"`) {
		t.Errorf("the form with a lifetime not offered: %d; want the error next to the field, the name kept", res.StatusCode)
	}
}

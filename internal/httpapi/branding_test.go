package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// A company onboarded with its colour and logo shows them in its pages'
// header; the logo is served from its own host, cached by version.
func TestCompanyBrandingFromOnboarding(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	pp := people{t: t, db: env.App}
	staff := pp.session(nil, pp.account(true, nil))

	var logo bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 26, G: 107, B: 79, A: 255})
	if err := png.Encode(&logo, img); err != nil {
		t.Fatal(err)
	}
	onboard := func(slug, accent string, logo []byte) (*http.Response, map[string]any) {
		body, _ := json.Marshal(map[string]any{"slug": slug, "name": "Initech " + slug, "admin_email": "bill@" + slug + ".example",
			"accent": accent, "logo": base64.StdEncoding.EncodeToString(logo)})
		return do(t, app, "POST", "localhost", "/api/v1/platform/companies", string(body), staff)
	}

	t.Run("too light a colour is refused, naming the field", func(t *testing.T) {
		resp, body := onboard("pale-"+uuid.NewString()[:6], "#ffee88", nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body["errors"].([]any)[0].(map[string]any)["field"].(string), "accent") {
			t.Fatalf("%d %v", resp.StatusCode, body)
		}
	})
	t.Run("a file that is not an image is refused", func(t *testing.T) {
		resp, body := onboard("txt-"+uuid.NewString()[:6], "", []byte("not an image at all"))
		if resp.StatusCode != http.StatusBadRequest || body["errors"].([]any)[0].(map[string]any)["field"] != "logo" {
			t.Fatalf("%d %v", resp.StatusCode, body)
		}
	})

	slug := "brand-" + uuid.NewString()[:6]
	resp, body := onboard(slug, "#1A6B4F", logo.Bytes())
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("onboard: %d %v", resp.StatusCode, body)
	}
	company := body["company"].(map[string]any)
	path, _ := company["logo_path"].(string)
	if company["accent"] != "#1a6b4f" || !strings.HasPrefix(path, "/brand/logo?v=") {
		t.Fatalf("company %v", company)
	}
	_, page := get(t, app, slug+".localhost", "/", "text/html")
	for _, want := range []string{"--accent:#1a6b4f", `src="` + strings.ReplaceAll(path, "&", "&amp;") + `"`, "Initech " + slug} {
		if !strings.Contains(page, want) {
			t.Errorf("the company's page lacks %q", want)
		}
	}
	resp, served := get(t, app, slug+".localhost", path, "image/*")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || served != logo.String() ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("logo: %d %q %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"), len(served))
	}

	// A company without branding keeps the product's look, and has no logo.
	plain := "plain-" + uuid.NewString()[:6]
	if resp, body := onboard(plain, "", nil); resp.StatusCode != http.StatusCreated {
		t.Fatalf("onboard: %d %v", resp.StatusCode, body)
	}
	if _, page := get(t, app, plain+".localhost", "/", "text/html"); strings.Contains(page, "--accent:") || strings.Contains(page, "/brand/logo") {
		t.Error("an unbranded company's page carries branding")
	}
	if resp, _ := get(t, app, plain+".localhost", "/brand/logo", "image/*"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("no logo: %d", resp.StatusCode)
	}
}

// An SVG logo could carry a script: it is served sandboxed.
func TestSVGLogoIsSandboxed(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	pp := people{t: t, db: env.App}
	staff := pp.session(nil, pp.account(true, nil))
	slug := "svg-" + uuid.NewString()[:6]
	svg := `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`
	body, _ := json.Marshal(map[string]any{"slug": slug, "name": "Svg", "admin_email": "a@" + slug + ".example",
		"logo": base64.StdEncoding.EncodeToString([]byte(svg))})
	if resp, b := do(t, app, "POST", "localhost", "/api/v1/platform/companies", string(body), staff); resp.StatusCode != http.StatusCreated {
		t.Fatalf("%d %v", resp.StatusCode, b)
	}
	resp, _ := get(t, app, slug+".localhost", "/brand/logo", "image/*")
	if resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("svg served with %v", resp.Header)
	}
}

// An HR admin rebrands the company after onboarding: the pages follow at
// once, a pale colour is refused next to its field, the logo can be
// replaced or removed, and the audit log says who did it.
func TestHRAdminRebrandsTheCompany(t *testing.T) {
	t.Parallel()
	w := newHRWorld(t)
	admin, employee := w.admin, w.as("employee")
	var logo bytes.Buffer
	if err := png.Encode(&logo, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}

	if res, _ := employee.get("/admin/branding"); res.StatusCode != http.StatusForbidden {
		t.Errorf("an employee opening the branding page: %d; want 403", res.StatusCode)
	}
	body, ct := onboardingForm(t, map[string]string{"accent": "#ffee88"}, nil)
	res, page := admin.upload("/admin/branding", body, ct)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="accent-error"`) || !strings.Contains(page, `value="#ffee88"`) {
		t.Fatalf("a pale colour: %d; want it refused next to the field, kept:\n%s", res.StatusCode, page)
	}
	body, ct = onboardingForm(t, map[string]string{"accent": "#1A6B4F"}, logo.Bytes())
	if res, page := admin.upload("/admin/branding", body, ct); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rebrand: %d\n%s", res.StatusCode, page)
	}
	_, home := employee.get("/")
	if !strings.Contains(home, "--accent:#1a6b4f") || !strings.Contains(home, `src="/brand/logo?v=`) {
		t.Errorf("the employee's page does not show the new branding")
	}
	// Saving the colour alone keeps the logo; "remove" drops it.
	body, ct = onboardingForm(t, map[string]string{"accent": "#6d28d9"}, nil)
	admin.upload("/admin/branding", body, ct)
	if _, home := employee.get("/"); !strings.Contains(home, "--accent:#6d28d9") || !strings.Contains(home, "/brand/logo?v=") {
		t.Errorf("a colour change lost the logo, or did not apply")
	}
	body, ct = onboardingForm(t, map[string]string{"accent": "#2f5bea", "remove_logo": "1"}, nil)
	admin.upload("/admin/branding", body, ct)
	if _, home := employee.get("/"); strings.Contains(home, "--accent:") || strings.Contains(home, "/brand/logo") {
		t.Errorf("back to the product's colour without a logo: the page still carries branding")
	}
	if _, audit := admin.get("/admin/audit"); strings.Count(audit, `class="event action-branding_changed"`) != 3 {
		t.Errorf("the audit log does not list the three changes:\n%s", audit)
	}
}

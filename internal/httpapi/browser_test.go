package httpapi_test

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// browserTest is where a browser test starts: headless Chromium and the
// whole product served on a free port.
type browserTest struct {
	t    *testing.T
	ctx  context.Context // the browser's, without a time limit
	env  *pgtest.Env
	port string
}

// newBrowserTest serves the product on the package's shared database.
func newBrowserTest(t *testing.T) *browserTest {
	t.Helper()
	return newBrowserTestOn(t, func() *pgtest.Env { return pgtest.New(t) })
}

// newBrowserTestOn serves the product on the database newEnv makes (and
// fills) once Chromium is known to be there: a test skipped for want of
// Chromium clones no database.
func newBrowserTestOn(t *testing.T, newEnv func() *pgtest.Env) *browserTest {
	t.Helper()
	ctx := browser(t)
	env := newEnv()
	return &browserTest{t: t, ctx: ctx, env: env, port: liveServer(t, env)}
}

// site is the address of a company's pages (the platform's with slug "").
func (b *browserTest) site(slug string) string {
	if slug == "" {
		return "http://localhost:" + b.port
	}
	return "http://" + slug + ".localhost:" + b.port
}

// page is the browser, for as long as the test may take from now on.
func (b *browserTest) page(limit time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(b.ctx, limit)
	b.t.Cleanup(cancel)
	return ctx
}

// signedIn is page, signed in on site as email.
func (b *browserTest) signedIn(limit time.Duration, site, email string) context.Context {
	b.t.Helper()
	ctx := b.page(limit)
	if err := chromedp.Run(ctx, signIn(site, email)); err != nil {
		b.t.Fatalf("sign in as %s: %v", email, err)
	}
	return ctx
}

// leoEmail signs in Léo Martin, an employee of the company leoAtInitech
// makes.
const leoEmail = "leo@initech.example"

// leoAtInitech makes a company, Initech, where Léo Martin is an employee
// who signs in as leoEmail with the fixtures' password.
func (b *browserTest) leoAtInitech() (*tenants.Tenant, uuid.UUID) {
	b.t.Helper()
	tn := newTenant(b.t, b.env.App, "Initech")
	return tn, memberWithPassword(b.t, b.env.App, tn, leoEmail, "Léo Martin", "employee")
}

// browser starts headless Chromium (Debian's package), with opts added to
// the usual options. Without it the test is skipped with a clear message,
// except in CI, where it fails.
func browser(t *testing.T, opts ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed: .ci/run installs it (apt-get install chromium)")
		}
		t.Skip("browser tests need chromium (Debian: apt-get install chromium); skipped")
	}
	all := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(all, opts...)...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		if t.Failed() {
			screenshot(t, ctx, "failure")
		}
		cancel()
		cancelAlloc()
	})
	return ctx
}

// screenshot saves the page as PNG under .local/screenshots (or
// $VENDREDI_SCREENSHOTS), for a person to look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("VENDREDI_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", ".local", "screenshots")
	}
	_ = os.MkdirAll(dir, 0o755)
	if c := chromedp.FromContext(ctx); c == nil || c.Browser == nil {
		// No browser started (it failed to, or the test never used one):
		// Run would start a second one on the same context, and chromedp
		// panics when both exit, hiding the test's own failure.
		t.Logf("no screenshot: no browser")
		return
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	file := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+"-"+name+".png")
	if err := os.WriteFile(file, png, 0o644); err == nil {
		t.Logf("screenshot: %s", file)
	}
}

// signIn signs in on site's sign-in page as email, with the fixtures'
// password, and waits for the page it leads to.
func signIn(site, email string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(site + "/sign-in"),
		typeInto("#email", email, "#password", password),
		chromedp.Submit("#password", chromedp.ByQuery),
		chromedp.WaitVisible(".who", chromedp.ByQuery),
	}
}

// shown waits for sel to show and reads its text into text: what a page
// says once an action is done.
func shown(sel string, text *string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Text(sel, text, chromedp.ByQuery),
	}
}

// typeInto types each text into its field, given as selector and text in
// turn.
func typeInto(fieldsAndTexts ...string) chromedp.Tasks {
	var tasks chromedp.Tasks
	for i := 0; i+1 < len(fieldsAndTexts); i += 2 {
		tasks = append(tasks, chromedp.SendKeys(fieldsAndTexts[i], fieldsAndTexts[i+1], chromedp.ByQuery))
	}
	return tasks
}

// values reads what the fields (by selector) hold into their strings: what
// a form sent back kept.
func values(fields map[string]*string) chromedp.Tasks {
	var tasks chromedp.Tasks
	for sel, v := range fields {
		tasks = append(tasks, chromedp.Value(sel, v, chromedp.ByQuery))
	}
	return tasks
}

// fieldError waits for the error a form shows next to the field with id
// field and reads it into message, and the field's attr (aria-invalid or
// aria-describedby, which tie the field to its error) into tie.
func fieldError(field, attr string, message, tie *string) chromedp.Tasks {
	return chromedp.Tasks{
		shown("#"+field+"-error", message),
		chromedp.AttributeValue("#"+field, attr, tie, nil, chromedp.ByQuery),
	}
}

// liveServer serves the whole product on env's database on a free port
// and returns its port.
func liveServer(t *testing.T, env *pgtest.Env) string {
	t.Helper()
	return serveLive(t, func(publicURL string) *fiber.App {
		app, _ := serverAt(t, env.App, env.AppURL, publicURL, io.Discard, true)
		return app
	})
}

// serveLive serves the app newApp builds for its public address on a free
// port, and returns the port.
func serveLive(t *testing.T, newApp func(publicURL string) *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	app := newApp("http://localhost:" + port)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return port
}

func TestBrowserSignInAndLanguage(t *testing.T) {
	t.Parallel()
	b := newBrowserTest(t)
	tn := newTenant(t, b.env.App, "Initech")
	memberWithPassword(t, b.env.App, tn, "rose@initech.example", "Rose Hubert", "hr_admin")
	site := b.site(tn.Slug)
	ctx := b.page(60 * time.Second)

	var errorText, kept, who, htmlLang, signOut string
	err := chromedp.Run(ctx,
		chromedp.Navigate(site+"/sign-in"),
		typeInto("#email", "rose@initech.example", "#password", "wrong horse battery"),
		chromedp.Submit("#password", chromedp.ByQuery),
		shown("#form-error", &errorText),
		chromedp.Value("#email", &kept, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("wrong password: %v", err)
	}
	if !strings.Contains(errorText, "Adresse e-mail ou mot de passe incorrect") || kept != "rose@initech.example" {
		t.Fatalf("after a wrong password: message %q, email kept %q; want the message and the address kept", errorText, kept)
	}
	screenshot(t, ctx, "sign-in-error-1280")
	err = chromedp.Run(ctx,
		chromedp.SendKeys("#password", "correct horse battery", chromedp.ByQuery),
		chromedp.Submit("#password", chromedp.ByQuery),
		shown(".who", &who),
		// The person chooses English; the choice stays after a reload.
		chromedp.Click(`button[value="en"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[value="fr"]`, chromedp.ByQuery),
		chromedp.Reload(),
		chromedp.WaitVisible(`button[value="fr"]`, chromedp.ByQuery),
		chromedp.AttributeValue("html", "lang", &htmlLang, nil, chromedp.ByQuery),
		chromedp.Text(".tools button.link", &signOut, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("sign in and choose English: %v", err)
	}
	if who != "Rose Hubert" || htmlLang != "en" || signOut != "Sign out" {
		t.Fatalf("signed in as %q, page language %q, button %q; want Rose Hubert, en, Sign out", who, htmlLang, signOut)
	}
	screenshot(t, ctx, "home-en-1280")
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(site+"/")); err == nil {
		screenshot(t, ctx, "home-en-390")
	}
}

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

	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// browser starts headless Chromium (Debian's package). Without it the
// test is skipped with a clear message, except in CI, where it fails.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed: .ci/run installs it (apt-get install chromium)")
		}
		t.Skip("browser tests need chromium (Debian: apt-get install chromium); skipped")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
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
		chromedp.SendKeys("#email", email, chromedp.ByQuery),
		chromedp.SendKeys("#password", password, chromedp.ByQuery),
		chromedp.Submit("#password", chromedp.ByQuery),
		chromedp.WaitVisible(".who", chromedp.ByQuery),
	}
}

// liveServer serves the whole product on a free port and returns its port.
func liveServer(t *testing.T, env *pgtest.Env) string {
	t.Helper()
	return liveServerOn(t, env.App, env.AppURL)
}

// liveServerOn is liveServer on a database of the test's own, reached as
// the server's role at appURL.
func liveServerOn(t *testing.T, db *postgres.DB, appURL string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	app, _ := serverAt(t, db, appURL, "http://localhost:"+port, io.Discard, true)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return port
}

func TestBrowserSignInAndLanguage(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	env := pgtest.New(t)
	port := liveServer(t, env)
	tn := newTenant(t, env.App, "Initech")
	memberWithPassword(t, env.App, tn, "rose@initech.example", "Rose Hubert", "hr_admin")
	site := "http://" + tn.Slug + ".localhost:" + port
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	var errorText, kept, who, htmlLang, signOut string
	err := chromedp.Run(ctx,
		chromedp.Navigate(site+"/sign-in"),
		chromedp.SendKeys("#email", "rose@initech.example", chromedp.ByQuery),
		chromedp.SendKeys("#password", "wrong horse battery", chromedp.ByQuery),
		chromedp.Submit("#password", chromedp.ByQuery),
		chromedp.WaitVisible("#form-error", chromedp.ByQuery),
		chromedp.Text("#form-error", &errorText, chromedp.ByQuery),
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
		chromedp.WaitVisible(".who", chromedp.ByQuery),
		chromedp.Text(".who", &who, chromedp.ByQuery),
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

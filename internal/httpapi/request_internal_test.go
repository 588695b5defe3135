package httpapi

import (
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		// Kept: paths of this site.
		{"/", "/"},
		{"/campaigns/0193?filter=remote#m-1", "/campaigns/0193?filter=remote#m-1"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"}, // a path segment, not a host
		// Refused: anything a browser could read as another site.
		{"", "/"},
		{"campaigns", "/"},
		{"//evil.example", "/"},
		{"/\\evil.example/", "/"},
		{"\\\\evil.example", "/"},
		{"/\t/evil.example/", "/"},
		{"/\n/evil.example/", "/"},
		{"/\r\n/evil.example/", "/"},
		{" /evil", "/"},
		{"/\u00a0/evil.example", "/"},
		{"/\u2028/evil.example", "/"},
		{"https://evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/a\x00b", "/"},
	} {
		if got := localPath(tc.in); got != tc.want {
			t.Errorf("localPath(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// The client's address is the peer's, unless the peer is a trusted proxy:
// then the right-most address of X-Forwarded-For that is not a trusted
// proxy itself. What the client wrote on the left is never believed.
func TestClientAddress(t *testing.T) {
	t.Parallel()
	trusted, err := parseProxies([]string{"0.0.0.0", "10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, proxies, xff, want string
	}{
		{"no proxy trusted: the peer", "none", "203.0.113.7", "0.0.0.0"},
		{"one trusted proxy", "trusted", "203.0.113.7", "203.0.113.7"},
		{"a spoofed left part", "trusted", "192.0.2.1, 203.0.113.7", "203.0.113.7"},
		{"two trusted proxies", "trusted", "192.0.2.1, 203.0.113.7, 10.1.2.3", "203.0.113.7"},
		{"garbage in the chain", "trusted", "not-an-ip, 203.0.113.7", "203.0.113.7"},
		{"garbage last: the proxy", "trusted", "203.0.113.7, junk", "0.0.0.0"},
		{"no header", "trusted", "", "0.0.0.0"},
	} {
		s := &Server{}
		if tc.proxies == "trusted" {
			s.trusted = trusted
		}
		app := fiber.New()
		app.Use(s.resolveClient)
		app.Get("/", func(c *fiber.Ctx) error { return c.SendString(client(c).IP) })
		req := httptest.NewRequest("GET", "/", nil)
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		res, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 64)
		n, _ := res.Body.Read(b)
		if got := string(b[:n]); got != tc.want {
			t.Errorf("%s (X-Forwarded-For %q): %q; want %q", tc.name, tc.xff, got, tc.want)
		}
	}
	if _, err := parseProxies([]string{"10.0.0.0/33"}); err == nil {
		t.Error("a bad CIDR range is accepted")
	}
}

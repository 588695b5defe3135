package sso

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

func TestMatchEmail(t *testing.T) {
	acme := &tenants.Tenant{Name: "Acme", EmailDomains: []string{"acme.example", "acme.fr"}}
	for _, tc := range []struct {
		email    string
		verified bool
		want     string
		code     errs.Code
	}{
		{"Claire.Martin@ACME.example", true, "claire.martin@acme.example", ""},
		{"paul@acme.fr", true, "paul@acme.fr", ""},
		{"paul@acme.fr", false, "", errs.Unauthorized},         // the provider does not vouch for it
		{"eve@evil.example", true, "", errs.Forbidden},         // another company's domain
		{"eve@sub.acme.example", true, "", errs.Forbidden},     // a subdomain is another domain
		{"eve@acme.example.evil.io", true, "", errs.Forbidden}, // a suffix trick
		{"", true, "", errs.Unauthorized},
		{"not an address", true, "", errs.Unauthorized},
	} {
		got, err := MatchEmail(acme, tc.email, tc.verified)
		if got != tc.want || errs.CodeOf(err) != tc.code {
			t.Errorf("MatchEmail(%q, %v) = %q, %v; want %q, %s", tc.email, tc.verified, got, err, tc.want, tc.code)
		}
	}
}

func TestEnableRules(t *testing.T) {
	now := time.Now()
	if err := CanEnable(&Connection{}); errs.FieldOf(err) != "enabled" {
		t.Errorf("an untested connection can be turned on: %v", err)
	}
	if err := CanEnable(&Connection{TestedAt: &now}); err != nil {
		t.Errorf("a tested connection cannot be turned on: %v", err)
	}
	if err := CanRequireSSO(&Connection{TestedAt: &now}, false); errs.FieldOf(err) != "sso_only" {
		t.Errorf("SSO only on a connection that is off: %v", err)
	}
	base := Connection{Protocol: OIDC, Issuer: "https://idp", ClientID: "a", ClientSecret: []byte{1}, DisplayName: "X"}
	for name, change := range map[string]func(*Connection){
		"issuer":    func(c *Connection) { c.Issuer = "https://other" },
		"client id": func(c *Connection) { c.ClientID = "b" },
		"secret":    func(c *Connection) { c.ClientSecret = []byte{2} },
		"protocol":  func(c *Connection) { c.Protocol = SAML },
		"metadata":  func(c *Connection) { c.IdPMetadata = "<x/>" },
	} {
		next := base
		change(&next)
		if !SettingsChanged(&base, &next) {
			t.Errorf("a change of %s does not ask for a new test", name)
		}
	}
	same := base
	same.DisplayName, same.JIT = "Y", true
	if SettingsChanged(&base, &same) {
		t.Error("renaming the button or turning JIT on asks for a new test")
	}
}

func TestIssuer(t *testing.T) {
	for issuer, ok := range map[string]bool{
		"https://login.microsoftonline.com/abc/v2.0": true,
		"https://acme.okta.com":                      true,
		"http://127.0.0.1:5556/dex":                  true,
		"http://localhost:8080":                      true,
		"http://idp.example":                         false, // a secret over plain HTTP
		"ftp://idp.example":                          false,
		"https://user:pw@idp.example":                false,
		"idp.example":                                false,
	} {
		if err := checkIssuer(issuer); (err == nil) != ok {
			t.Errorf("checkIssuer(%q) = %v; want ok=%v", issuer, err, ok)
		}
	}
}

func TestCipherBindsSecretsToTheirCompanyAndField(t *testing.T) {
	key, err := ParseKey("c3NvLXRlc3Qta2V5LXRoaXJ0eS10d28tYnl0ZXMhISE=")
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	a, b := uuid.New(), uuid.New()
	sealed := c.Seal(a, "client_secret", []byte("s3cret"))
	if bytes.Contains(sealed, []byte("s3cret")) {
		t.Fatal("the secret is readable in its sealed form")
	}
	if again := c.Seal(a, "client_secret", []byte("s3cret")); bytes.Equal(again, sealed) {
		t.Fatal("two seals of one secret are equal: the nonce is not random")
	}
	if plain, err := c.Open(a, "client_secret", sealed); err != nil || string(plain) != "s3cret" {
		t.Fatalf("Open = %q, %v", plain, err)
	}
	if _, err := c.Open(b, "client_secret", sealed); err == nil {
		t.Error("a secret copied to another company opens")
	}
	if _, err := c.Open(a, "sp_key", sealed); err == nil {
		t.Error("a secret copied to another field opens")
	}
	other, _ := NewCipher(bytes.Repeat([]byte{7}, 32))
	if _, err := other.Open(a, "client_secret", sealed); err == nil {
		t.Error("a secret opens under another key")
	}
	for _, bad := range []string{"", "short", "c3NvLXRlc3Q="} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
	if k, err := ParseKey("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"); err != nil || k[31] != 0x1f {
		t.Errorf("hex key: %v", err)
	}
}

package tenants

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Addresses builds every absolute URL the product writes (links in mails,
// the expected Origin of a browser's request) from configuration: the
// platform's public URL and the company's slug. Never from a request's
// Host or X-Forwarded-* headers, which any client can set: a link built
// from them would carry a sign-in token to the attacker's site.
type Addresses struct {
	scheme string // "https"
	host   string // the platform's host, "vendredi.fr", without www.
	port   string // ":3000", or "" for the scheme's default
}

// ParseAddresses reads the platform's public URL (PUBLIC_URL), such as
// https://vendredi.fr or http://localhost:3000; a company's space is its
// slug under the same host.
func ParseAddresses(publicURL string) (Addresses, error) {
	u, err := url.Parse(strings.TrimSpace(publicURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return Addresses{}, fmt.Errorf("invalid public URL %q: want http(s)://host[:port], such as https://vendredi.fr", publicURL)
	}
	a := Addresses{scheme: u.Scheme, host: strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")}
	if p := u.Port(); p != "" && !(u.Scheme == "http" && p == "80") && !(u.Scheme == "https" && p == "443") {
		a.port = ":" + p
	}
	return a, nil
}

// MustAddresses is ParseAddresses for constants and tests.
func MustAddresses(publicURL string) Addresses {
	a, err := ParseAddresses(publicURL)
	if err != nil {
		panic(err)
	}
	return a
}

// Scheme is "http" or "https".
func (a Addresses) Scheme() string { return a.scheme }

// Host is the platform's host name, the base domain of the companies.
func (a Addresses) Host() string { return a.host }

// Platform is the platform's address, with no trailing slash.
func (a Addresses) Platform() string { return a.scheme + "://" + a.host + a.port }

// Company is the address of a company's space: its slug under the
// platform's host.
func (a Addresses) Company(slug string) string {
	return a.scheme + "://" + slug + "." + a.host + a.port
}

// For is the address of the side of the product ctx belongs to: the
// company of its tenant, else the platform.
func (a Addresses) For(ctx context.Context) string {
	if t, ok := FromContext(ctx); ok {
		return a.Company(t.Slug)
	}
	return a.Platform()
}

// Origin is the origin a browser sends from a page served at host (the
// request's Host header, port included): the configured scheme, so that
// an http page cannot post to an https site nor the reverse.
func (a Addresses) Origin(host string) string {
	h := strings.ToLower(host)
	if hn, p, err := net.SplitHostPort(h); err == nil && ((a.scheme == "http" && p == "80") || (a.scheme == "https" && p == "443")) {
		h = hn
	}
	return a.scheme + "://" + h
}

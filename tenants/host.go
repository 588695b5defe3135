package tenants

import (
	"net"
	"strings"
)

// Site says which side of the product a host serves.
type Site struct {
	// Platform is true on the bare base domain: the staff side.
	Platform bool
	// Slug is set for {slug}.{base domain}.
	Slug string
	// Host is set when the host is neither: it may be a custom domain.
	Host string
}

// ParseHost classifies a request's Host header against the base domain.
// Ports and letter case are ignored, as browsers and proxies vary on both.
func ParseHost(hostHeader, baseDomain string) Site {
	host := strings.ToLower(strings.TrimSuffix(stripPort(hostHeader), "."))
	base := strings.ToLower(strings.TrimSuffix(stripPort(baseDomain), "."))
	switch {
	case host == base:
		return Site{Platform: true}
	case strings.HasSuffix(host, "."+base):
		label := strings.TrimSuffix(host, "."+base)
		if label == "www" {
			return Site{Platform: true}
		}
		if !strings.Contains(label, ".") {
			return Site{Slug: label}
		}
	}
	return Site{Host: host}
}

func stripPort(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return strings.Trim(host, "[]")
	}
	return h
}

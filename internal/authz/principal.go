package authz

import "context"

// Principal is who a request acts as, as the identity layer established
// it: a user and the domain of the host the request came to (Platform on
// the base domain, TenantDomain on a company's host).
//
// The identity layer puts a principal in the request's context only when
// the user belongs to that host: a member of another company is
// anonymous here. So this package never has to ask "which tenant".
type Principal struct {
	// Subject is the user id (a UUID string).
	Subject string
	// Domain is the domain of the host.
	Domain string
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of ctx; ok is false for an anonymous
// request (none, or one without a subject or domain).
func PrincipalFrom(ctx context.Context) (p Principal, ok bool) {
	p, ok = ctx.Value(principalKey{}).(Principal)
	return p, ok && p.Subject != "" && p.Domain != ""
}

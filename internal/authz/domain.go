package authz

import (
	"strings"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/policies"
)

// Platform is the domain of Vendredi's own staff.
const Platform = "platform"

const (
	tenantPrefix      = "tenant:"
	associationPrefix = "association:"
)

// TenantDomain is the domain of a company.
func TenantDomain(id uuid.UUID) string { return tenantPrefix + id.String() }

// AssociationDomain is the domain of an association.
func AssociationDomain(id uuid.UUID) string { return associationPrefix + id.String() }

// ScopeOf returns the kind of a domain (policies.ScopePlatform, ScopeTenant
// or ScopeAssociation) and "" when domain is not well formed.
func ScopeOf(domain string) string {
	if domain == Platform {
		return policies.ScopePlatform
	}
	scope, id, ok := strings.Cut(domain, ":")
	if !ok || (scope != policies.ScopeTenant && scope != policies.ScopeAssociation) {
		return ""
	}
	// Only the canonical form: "tenant:<UUID>" and "tenant:<uuid>" must not
	// be two cache entries, nor two ways to name one company.
	if u, err := uuid.Parse(id); err != nil || u.String() != id {
		return ""
	}
	return scope
}

package postgres

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/tenants"
)

// AuthzChannel is where membership changes are announced, so that every
// server instance drops its cached roles of the domain at once. It equals
// authz.Channel (a test checks): postgres does not import the HTTP-facing
// authz package.
const AuthzChannel = "vendredi_authz"

// RoleSource answers Casbin's role manager from the memberships: a
// company's active members and live API tokens (a token's role with
// the "api" scope, scim_client with the "scim" scope), the platform's active
// accounts (every account holds "account", staff also "staff"), and the
// managers of an association.
type RoleSource struct{ db *DB }

// NewRoleSource returns an authz.RoleSource on db.
func NewRoleSource(db *DB) *RoleSource { return &RoleSource{db: db} }

// Roles implements authz.RoleSource.
func (s *RoleSource) Roles(ctx context.Context, subject, domain string) ([]string, error) {
	id, err := uuid.Parse(subject)
	if err != nil {
		return nil, nil
	}
	var roles []string
	switch {
	case domain == "platform":
		err = s.db.NewRaw(`SELECT unnest(CASE WHEN is_staff THEN ARRAY['account', 'staff'] ELSE ARRAY['account'] END)
			FROM accounts WHERE id = ? AND status = 'active'`, id).Scan(ctx, &roles)
	case strings.HasPrefix(domain, "tenant:"):
		tid, perr := uuid.Parse(strings.TrimPrefix(domain, "tenant:"))
		if perr != nil {
			return nil, nil
		}
		err = s.db.TenantRead(tenants.NewContext(ctx, &tenants.Tenant{ID: tid}), func(ctx context.Context, tx bun.IDB) error {
			// Each table says its company (ownRows), so that the plan
			// prepared once reads its index alone.
			return s.db.selectArgs(ctx, tx, &roles, `SELECT role FROM members mb WHERE `+ownRows("mb")+` AND id = $1 AND status = 'active'
				UNION ALL SELECT r FROM api_tokens t, unnest(ARRAY[CASE WHEN 'api' = ANY (scopes) THEN role END,
					CASE WHEN 'scim' = ANY (scopes) THEN 'scim_client' END]) AS r
				WHERE `+ownRows("t")+` AND id = $1 AND r IS NOT NULL AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`, id)
		})
	case strings.HasPrefix(domain, "association:"):
		aid, perr := uuid.Parse(strings.TrimPrefix(domain, "association:"))
		if perr != nil {
			return nil, nil
		}
		err = s.db.NewRaw(`SELECT 'assoc_manager' FROM association_managers m JOIN accounts a ON a.id = m.account_id
			WHERE m.association_id = ? AND m.account_id = ? AND a.status = 'active'`, aid, id).Scan(ctx, &roles)
	}
	return roles, translate(err)
}

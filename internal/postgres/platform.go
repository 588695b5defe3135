package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// PlatformStore implements the platform side's multi-table operations.
type PlatformStore struct {
	db       *DB
	accounts *People
}

// NewPlatformStore returns an identity.Platform on db.
func NewPlatformStore(db *DB) *PlatformStore {
	return &PlatformStore{db: db, accounts: NewAccountDirectory(db)}
}

var _ identity.Platform = (*PlatformStore)(nil)

// Onboard creates a company and its first HR admin in one transaction: a
// company never exists without someone invited to run it.
func (s *PlatformStore) Onboard(ctx context.Context, t *tenants.Tenant, logo *tenants.Logo, admin *identity.Person, tokenHash []byte, expires time.Time) error {
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row := tenantRowOf(t)
		if _, err := tx.NewInsert().Model(row).Returning("created_at").Exec(ctx); err != nil {
			if violates(err, "tenants_slug_key") {
				return errs.Wrap(err, errs.Conflict, "slug %q is already taken by another company", t.Slug)
			}
			return err
		}
		t.CreatedAt = row.CreatedAt
		if logo != nil {
			if _, err := tx.ExecContext(ctx, "UPDATE tenants SET logo = ?, logo_type = ?, logo_version = ? WHERE id = ?",
				logo.Content, logo.ContentType, logo.Version(), t.ID); err != nil {
				return err
			}
			t.LogoVersion = logo.Version()
		}
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.tenant_id', ?, true)", t.ID.String()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO members (tenant_id, id, email, full_name, role, status, invited_at)
			VALUES (?, ?, ?, ?, 'hr_admin', 'invited', now())`, t.ID, admin.ID, admin.Email, admin.FullName); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO member_tokens (tenant_id, token_hash, member_id, purpose, expires_at)
			VALUES (?, ?, ?, 'invite', ?)`, t.ID, tokenHash, admin.ID, expires)
		return err
	})
	return err
}

// SignUpManager creates a manager's account and their association, or
// claims an existing association that nobody manages.
func (s *PlatformStore) SignUpManager(ctx context.Context, p *identity.Person, a *identity.AssociationDraft, tokenHash []byte, expires time.Time) (bool, error) {
	claimed := false
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, full_name, status, password_hash)
			VALUES (?, ?, ?, 'pending_verification', ?)`, p.ID, p.Email, p.FullName, p.PasswordHash); err != nil {
			if errs.Is(translate(err), errs.Conflict) {
				return errs.Wrap(err, errs.Conflict, "an account already exists for %s: sign in or reset your password", p.Email)
			}
			return err
		}
		var existing struct {
			ID       uuid.UUID `bun:"id"`
			Name     string    `bun:"name"`
			Managers int       `bun:"managers"`
		}
		err := tx.NewRaw(`SELECT a.id, a.name, (SELECT count(*) FROM association_managers m WHERE m.association_id = a.id) AS managers
			FROM associations a WHERE a.legal_id = ? FOR UPDATE`, a.LegalID).Scan(ctx, &existing)
		switch {
		case err == nil && existing.Managers > 0:
			return errs.Field("association.legal_id", "this association already has managers on Vendredi; ask one of them to invite you")
		case err == nil:
			// A legal id is public: the claim waits for staff, and the
			// account manages nothing meanwhile.
			a.ID, a.Name, claimed = existing.ID, existing.Name, true
			if _, err := tx.ExecContext(ctx, "INSERT INTO association_claims (id, association_id, account_id) VALUES (?, ?, ?)",
				uuid.Must(uuid.NewV7()), a.ID, p.ID); err != nil {
				return err
			}
		case errs.Is(translate(err), errs.NotFound):
			if _, err := tx.ExecContext(ctx, `INSERT INTO associations (id, name, legal_id, description, city, website, status)
				VALUES (?, ?, ?, ?, ?, ?, 'pending_review')`, a.ID, a.Name, a.LegalID, a.Description, a.City, a.Website); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO association_managers (association_id, account_id) VALUES (?, ?)", a.ID, p.ID); err != nil {
				return err
			}
		default:
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at) VALUES (?, ?, 'verify', ?)`,
			tokenHash, p.ID, expires)
		return err
	})
	return claimed, err
}

const claimColumns = `c.id, c.association_id, a.name AS association_name, a.legal_id, a.status AS association_status,
	c.account_id, ac.email, ac.full_name, ac.status <> 'pending_verification' AS email_verified, c.status, c.reason,
	c.created_at, c.decided_at`

const claimFrom = ` FROM association_claims c JOIN associations a ON a.id = c.association_id JOIN accounts ac ON ac.id = c.account_id `

// Claims lists the claims of one status, oldest first.
func (s *PlatformStore) Claims(ctx context.Context, status string) ([]identity.Claim, error) {
	var out []identity.Claim
	err := s.db.NewRaw("SELECT "+claimColumns+claimFrom+"WHERE c.status = ? ORDER BY c.created_at LIMIT 500", status).Scan(ctx, &out)
	return out, translate(err)
}

// ClaimsOf lists an account's claims, newest first.
func (s *PlatformStore) ClaimsOf(ctx context.Context, accountID uuid.UUID) ([]identity.Claim, error) {
	var out []identity.Claim
	err := s.db.NewRaw("SELECT "+claimColumns+claimFrom+"WHERE c.account_id = ? ORDER BY c.created_at DESC LIMIT 50", accountID).Scan(ctx, &out)
	return out, translate(err)
}

// DecideClaim decides a pending claim under a lock on it and on its
// association, so that two staff deciding at once, or two claims on one
// association approved at once, leave one manager-making decision.
func (s *PlatformStore) DecideClaim(ctx context.Context, id uuid.UUID, approve bool, reason string, by uuid.UUID) (*identity.Claim, error) {
	var out identity.Claim
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var cur struct {
			Status        string    `bun:"status"`
			AssociationID uuid.UUID `bun:"association_id"`
			AccountID     uuid.UUID `bun:"account_id"`
		}
		err := tx.NewRaw("SELECT status, association_id, account_id FROM association_claims WHERE id = ? FOR UPDATE", id).Scan(ctx, &cur)
		if errs.Is(translate(err), errs.NotFound) {
			return errs.E(errs.NotFound, "no such claim")
		}
		if err != nil {
			return err
		}
		if cur.Status != identity.ClaimPending {
			return errs.E(errs.Conflict, "this claim was already decided")
		}
		status := identity.ClaimRejected
		if approve {
			status = identity.ClaimApproved
			var managers int
			if err := tx.NewRaw(`SELECT (SELECT count(*) FROM association_managers WHERE association_id = a.id)
				FROM associations a WHERE a.id = ? FOR UPDATE`, cur.AssociationID).Scan(ctx, &managers); err != nil {
				return err
			}
			if managers > 0 {
				return errs.E(errs.Conflict, "this association has a manager now: reject the claim, and the claimer can ask that manager for an invitation")
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO association_managers (association_id, account_id) VALUES (?, ?)",
				cur.AssociationID, cur.AccountID); err != nil {
				return err
			}
			// Every instance's role cache learns of the new manager.
			if err := Notify(ctx, tx, AuthzChannel, "association:"+cur.AssociationID.String()); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE association_claims SET status = ?, reason = ?, decided_at = now(), decided_by = ?
			WHERE id = ?`, status, reason, by, id); err != nil {
			return err
		}
		return tx.NewRaw("SELECT "+claimColumns+claimFrom+"WHERE c.id = ?", id).Scan(ctx, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// InviteManager invites an account to manage an association; an existing
// account keeps its password and status and just gets the link.
func (s *PlatformStore) InviteManager(ctx context.Context, associationID uuid.UUID, p *identity.Person, tokenHash []byte, expires time.Time) (*identity.Person, string, error) {
	var out *identity.Person
	var name string
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("SELECT name FROM associations WHERE id = ?", associationID).Scan(ctx, &name); err != nil {
			if errs.Is(translate(err), errs.NotFound) {
				return errs.E(errs.NotFound, "no such association")
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, full_name, status) VALUES (?, ?, ?, 'invited')
			ON CONFLICT (email) DO NOTHING`, p.ID, p.Email, p.FullName); err != nil {
			return err
		}
		var err error
		if out, err = s.accounts.one(ctx, tx, "email = ?", p.Email, false); err != nil {
			return err
		}
		return s.accounts.insertToken(ctx, tx, out.ID, identity.PurposeInvite, tokenHash, expires, &associationID)
	})
	return out, name, err
}

// RecordPlatform appends to the platform's audit log.
func (s *PlatformStore) RecordPlatform(ctx context.Context, ev identity.Event) error {
	return s.accounts.Record(ctx, ev)
}

// TenantTables lists the tables holding a company's rows, parents first.
func (s *PlatformStore) TenantTables(ctx context.Context) ([]string, error) {
	var names []string
	err := s.db.NewRaw(`SELECT c.relname FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		WHERE c.relkind IN ('r', 'p') ORDER BY c.relname`).Scan(ctx, &names)
	return names, translate(err)
}

// credentialTables hold nothing but credentials (sessions, mailed links):
// an export leaves them out whole.
var credentialTables = map[string]bool{"member_sessions": true, "member_tokens": true}

// credentialColumn is the SQL pattern of the columns an export never
// carries: password and token hashes, secrets, keys. A new column of that
// kind is left out without anyone remembering to; the export test's
// allow-list catches any other new column.
const credentialColumn = `(hash|secret|password|token|_key$)`

// exportColumns lists, per table, the columns an export carries.
func (s *PlatformStore) exportColumns(ctx context.Context, tables []string) (map[string][]string, error) {
	var rows []struct {
		Table  string `bun:"relname"`
		Column string `bun:"attname"`
	}
	err := s.db.NewRaw(`SELECT c.relname, a.attname FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE c.relname IN (?) AND a.attname !~ ? ORDER BY c.relname, a.attnum`, bun.List(tables), credentialColumn).Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Table] = append(out[r.Table], r.Column)
	}
	return out, nil
}

// Export writes the company's data as one JSON document: the company,
// then for each of its tables the rows as objects. It is the company's
// data, never secrets: no password, session, link or token hashes.
// Rows stream from PostgreSQL to w; nothing holds the whole archive in
// memory.
func (s *PlatformStore) Export(ctx context.Context, t *tenants.Tenant, w io.Writer) error {
	all, err := s.TenantTables(ctx)
	if err != nil {
		return err
	}
	var tables []string
	for _, table := range all {
		if !credentialTables[table] {
			tables = append(tables, table)
		}
	}
	columns, err := s.exportColumns(ctx, tables)
	if err != nil {
		return err
	}
	company := map[string]any{"slug": t.Slug, "name": t.Name, "id": t.ID, "email_domains": t.EmailDomains,
		"custom_domains": t.CustomDomains, "locale": t.Locale, "status": t.Status, "created_at": t.CreatedAt, "accent": t.Accent}
	if logo, err := NewTenantStore(s.db).Logo(ctx, t.ID); err == nil {
		company["logo"] = map[string]any{"content_type": logo.ContentType, "content": logo.Content} // base64
	} else if !errs.Is(err, errs.NotFound) {
		return err
	}
	head, _ := json.Marshal(company)
	if _, err := fmt.Fprintf(w, `{"format":"vendredi-export/1","exported_at":%q,"tenant":%s,"tables":{`,
		time.Now().UTC().Format(time.RFC3339), head); err != nil {
		return err
	}
	err = s.db.TenantTx(tenants.NewContext(ctx, t), func(ctx context.Context, tx bun.Tx) error {
		for i, table := range tables {
			sep := ","
			if i == 0 {
				sep = ""
			}
			if _, err := fmt.Fprintf(w, "%s%q:[", sep, table); err != nil {
				return err
			}
			cols := make([]string, len(columns[table]))
			for i, c := range columns[table] {
				cols[i] = pgx.Identifier{c}.Sanitize()
			}
			rows, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT row_to_json(t)::text FROM (SELECT %s FROM %s) t",
				strings.Join(cols, ", "), pgx.Identifier{table}.Sanitize()))
			if err != nil {
				return err
			}
			n := 0
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					rows.Close()
					return err
				}
				if n > 0 {
					line = "," + line
				}
				n++
				if _, err := io.WriteString(w, line); err != nil {
					rows.Close()
					return err
				}
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if _, err := io.WriteString(w, "]"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "}}\n")
	return err
}

// Delete removes the company and, by cascade, every row it owns.
func (s *PlatformStore) Delete(ctx context.Context, t *tenants.Tenant) error {
	return s.db.TenantTx(tenants.NewContext(ctx, t), func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM tenants WHERE id = ?", t.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "no company with slug %q", t.Slug)
		}
		return nil
	})
}

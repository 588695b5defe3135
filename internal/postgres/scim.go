package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/scim"
)

// SCIMStore is the SCIM view of a company's members and departments.
type SCIMStore struct{ db *DB }

// NewSCIMStore returns a scim.Store on db.
func NewSCIMStore(db *DB) *SCIMStore { return &SCIMStore{db: db} }

var _ scim.Store = (*SCIMStore)(nil)

// The filter attributes, each with its SQL: what ParseFilter allowed.
var (
	scimUserConds = map[string]string{
		"username":              "m.email = lower(?)",
		"emails.value":          "m.email = lower(?)",
		"externalid":            "s.external_id = ?",
		"id":                    "m.id::text = lower(?)",
		"active":                "(m.status = 'active') = (lower(?) = 'true')",
		"displayname":           "m.full_name = ?",
		"enterprise:department": "m.department = ?",
	}
	scimGroupConds = map[string]string{
		"displayname": "g.display_name = ?",
		"externalid":  "g.external_id = ?",
		"id":          "g.id::text = lower(?)",
		"members.value": `EXISTS (SELECT 1 FROM members gm LEFT JOIN scim_users gs ON gs.tenant_id = gm.tenant_id AND gs.member_id = gm.id
			WHERE gm.department = g.display_name AND gm.id::text = lower(?) AND gm.erased_at IS NULL AND gs.deleted_at IS NULL)`,
	}
)

// SCIMUserFilters and SCIMGroupFilters are the attributes lists may be
// filtered on.
var SCIMUserFilters, SCIMGroupFilters = keys(scimUserConds), keys(scimGroupConds)

func keys(m map[string]string) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func where(conds []scim.Cond, sql map[string]string) (string, []any, error) {
	var parts []string
	var args []any
	for _, c := range conds {
		q, ok := sql[c.Attr]
		if !ok {
			return "", nil, scim.Invalid("invalidFilter", "filtering on %s is not supported", c.Attr)
		}
		parts = append(parts, q)
		args = append(args, c.Value)
	}
	if len(parts) == 0 {
		return "", nil, nil
	}
	return " AND " + strings.Join(parts, " AND "), args, nil
}

type scimUserRow struct {
	ID         uuid.UUID `bun:"id"`
	Email      string    `bun:"email"`
	FullName   string    `bun:"full_name"`
	Status     string    `bun:"status"`
	Department string    `bun:"department"`
	Created    time.Time `bun:"created_at"`
	ExternalID string    `bun:"external_id"`
	GivenName  string    `bun:"given_name"`
	FamilyName string    `bun:"family_name"`
	Modified   time.Time `bun:"modified"`
}

func (r scimUserRow) user() scim.User {
	return scim.User{ID: r.ID, UserName: r.Email, FullName: r.FullName, Active: r.Status == "active", Department: r.Department,
		Created: r.Created, Modified: r.Modified, ExternalID: r.ExternalID, GivenName: r.GivenName, FamilyName: r.FamilyName}
}

// A SCIM user: a member not erased and not deleted through SCIM.
const scimUserSelect = `SELECT m.id, m.email, m.full_name, m.status, m.department, m.created_at,
	coalesce(s.external_id, '') AS external_id, coalesce(s.given_name, '') AS given_name, coalesce(s.family_name, '') AS family_name,
	coalesce(s.updated_at, m.created_at) AS modified
	FROM members m LEFT JOIN scim_users s ON s.tenant_id = m.tenant_id AND s.member_id = m.id
	WHERE m.erased_at IS NULL AND s.deleted_at IS NULL`

func page(q scim.Query) (limit, offset int) {
	offset = max(q.StartIndex, 1) - 1
	return q.Count, offset
}

// Users lists a page of users, oldest first, and how many match.
func (s *SCIMStore) Users(ctx context.Context, q scim.Query) ([]scim.User, int, error) {
	cond, args, err := where(q.Filter, scimUserConds)
	if err != nil {
		return nil, 0, err
	}
	var rows []scimUserRow
	var total int
	err = s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("SELECT count(*) FROM ("+scimUserSelect+cond+") x", args...).Scan(ctx, &total); err != nil {
			return err
		}
		limit, offset := page(q)
		if limit == 0 {
			return nil
		}
		return tx.NewRaw(scimUserSelect+cond+" ORDER BY m.created_at, m.id LIMIT ? OFFSET ?", append(args, limit, offset)...).Scan(ctx, &rows)
	})
	out := make([]scim.User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, total, err
}

func scimUser(ctx context.Context, tx bun.Tx, id uuid.UUID, lock bool) (*scim.User, error) {
	var row scimUserRow
	q := scimUserSelect + " AND m.id = ?"
	if lock {
		q += " FOR UPDATE OF m"
	}
	if err := tx.NewRaw(q, id).Scan(ctx, &row); err != nil {
		return nil, translate(err)
	}
	u := row.user()
	return &u, nil
}

// User reads one user.
func (s *SCIMStore) User(ctx context.Context, id uuid.UUID) (*scim.User, error) {
	var u *scim.User
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) (err error) {
		u, err = scimUser(ctx, tx, id, false)
		return err
	})
	return u, err
}

func recordSCIM(ctx context.Context, tx bun.Tx, ev scim.Event) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_events (tenant_id, id, actor_kind, actor_id, actor_label, action, object, ip)
		VALUES (app.current_tenant_id(), ?, 'api_token', ?, ?, ?, ?, ?)`,
		uuid.Must(uuid.NewV7()), ev.ActorID, ev.ActorLabel, ev.Action, ev.Object, ev.IP)
	return err
}

// saveSCIM writes the user's SCIM attributes, alive.
func saveSCIM(ctx context.Context, tx bun.Tx, u *scim.User) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO scim_users (tenant_id, member_id, external_id, given_name, family_name)
		VALUES (app.current_tenant_id(), ?, ?, ?, ?)
		ON CONFLICT (tenant_id, member_id) DO UPDATE SET external_id = excluded.external_id, given_name = excluded.given_name,
			family_name = excluded.family_name, deleted_at = NULL, updated_at = clock_timestamp()`,
		u.ID, u.ExternalID, u.GivenName, u.FamilyName)
	return err
}

// saveMember writes the member's side: address, name, department and
// status (active, or disabled with its sessions ended).
func saveMember(ctx context.Context, tx bun.Tx, u *scim.User) error {
	if _, err := tx.ExecContext(ctx, `UPDATE members SET email = ?, full_name = ?, department = ?,
		status = CASE WHEN ? THEN 'active' ELSE 'disabled' END,
		email_verified_at = coalesce(email_verified_at, CASE WHEN ? THEN now() END)
		WHERE id = ?`, u.UserName, u.FullName, u.Department, u.Active, u.Active, u.ID); err != nil {
		return err
	}
	if !u.Active {
		if _, err := tx.ExecContext(ctx, "DELETE FROM member_sessions WHERE member_id = ?", u.ID); err != nil {
			return err
		}
	}
	return nil
}

// CreateUser adds a member, active and verified (the identity provider
// vouches for the address) with no password: they sign in through single
// sign-on or a mailed link. A member SCIM deleted before comes back.
func (s *SCIMStore) CreateUser(ctx context.Context, u *scim.User, ev scim.Event) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var existing struct {
			ID      uuid.UUID `bun:"id"`
			Deleted bool      `bun:"deleted"`
		}
		err := tx.NewRaw(`SELECT m.id, s.deleted_at IS NOT NULL AS deleted FROM members m
			LEFT JOIN scim_users s ON s.tenant_id = m.tenant_id AND s.member_id = m.id
			WHERE m.email = ? AND m.erased_at IS NULL FOR UPDATE OF m`, u.UserName).Scan(ctx, &existing)
		switch {
		case err == nil && !existing.Deleted:
			return errs.E(errs.Conflict, "a user with userName %s already exists", u.UserName)
		case err == nil:
			u.ID = existing.ID
			if err := saveMember(ctx, tx, u); err != nil {
				return err
			}
		case errs.Is(translate(err), errs.NotFound):
			u.ID = uuid.Must(uuid.NewV7())
			status := "disabled"
			if u.Active {
				status = "active"
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO members (tenant_id, id, email, full_name, role, department, status, email_verified_at)
				VALUES (app.current_tenant_id(), ?, ?, ?, 'employee', ?, ?, now())`, u.ID, u.UserName, u.FullName, u.Department, status); err != nil {
				return err
			}
		default:
			return err
		}
		if err := saveSCIM(ctx, tx, u); err != nil {
			return err
		}
		got, err := scimUser(ctx, tx, u.ID, false)
		if err != nil {
			return err
		}
		*u = *got
		return recordSCIM(ctx, tx, ev)
	})
}

// UpdateUser applies fn under the member's row lock.
func (s *SCIMStore) UpdateUser(ctx context.Context, id uuid.UUID, fn func(*scim.User) error, ev scim.Event) (*scim.User, error) {
	var out *scim.User
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		u, err := scimUser(ctx, tx, id, true)
		if err != nil {
			return err
		}
		before := *u
		if err := fn(u); err != nil {
			return err
		}
		u.ID = id
		if err := saveMember(ctx, tx, u); err != nil {
			return err
		}
		if err := saveSCIM(ctx, tx, u); err != nil {
			return err
		}
		if out, err = scimUser(ctx, tx, id, false); err != nil {
			return err
		}
		if before.Version() == out.Version() {
			return nil // nothing changed: nothing to log
		}
		ev.Object = "member:" + out.UserName
		return recordSCIM(ctx, tx, ev)
	})
	s.db.cache.forgetPersonAfter(id, err)
	return out, err
}

// DeleteUser disables the member (participations and hours stay) and
// forgets them in SCIM.
func (s *SCIMStore) DeleteUser(ctx context.Context, id uuid.UUID, check func(*scim.User) error, ev scim.Event) error {
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		u, err := scimUser(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := check(u); err != nil {
			return err
		}
		u.Active = false
		if err := saveMember(ctx, tx, u); err != nil {
			return err
		}
		if err := saveSCIM(ctx, tx, u); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE scim_users SET deleted_at = now() WHERE member_id = ?", id); err != nil {
			return err
		}
		ev.Object = "member:" + u.UserName
		return recordSCIM(ctx, tx, ev)
	})
	s.db.cache.forgetPersonAfter(id, err)
	return err
}

type scimGroupRow struct {
	ID          uuid.UUID `bun:"id"`
	DisplayName string    `bun:"display_name"`
	ExternalID  string    `bun:"external_id"`
	Created     time.Time `bun:"created_at"`
	Modified    time.Time `bun:"updated_at"`
}

func (r scimGroupRow) group() scim.Group {
	return scim.Group{ID: r.ID, DisplayName: r.DisplayName, ExternalID: r.ExternalID, Created: r.Created, Modified: r.Modified}
}

const scimGroupSelect = `SELECT g.id, g.display_name, g.external_id, g.created_at, g.updated_at FROM scim_groups g WHERE true`

func groupMembers(ctx context.Context, tx bun.Tx, groups []scim.Group) error {
	if len(groups) == 0 {
		return nil
	}
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.DisplayName
	}
	var rows []struct {
		ID         uuid.UUID `bun:"id"`
		Name       string    `bun:"full_name"`
		Department string    `bun:"department"`
	}
	if err := tx.NewRaw(`SELECT m.id, m.full_name, m.department FROM members m
		LEFT JOIN scim_users s ON s.tenant_id = m.tenant_id AND s.member_id = m.id
		WHERE m.department = ANY (?) AND m.erased_at IS NULL AND s.deleted_at IS NULL ORDER BY m.id`,
		pgdialect.Array(names)).Scan(ctx, &rows); err != nil {
		return err
	}
	for i := range groups {
		groups[i].Members = []scim.Member{}
		for _, r := range rows {
			if r.Department == groups[i].DisplayName {
				groups[i].Members = append(groups[i].Members, scim.Member{ID: r.ID, Display: r.Name})
			}
		}
	}
	return nil
}

// Groups lists a page of groups with their members.
func (s *SCIMStore) Groups(ctx context.Context, q scim.Query) ([]scim.Group, int, error) {
	cond, args, err := where(q.Filter, scimGroupConds)
	if err != nil {
		return nil, 0, err
	}
	var out []scim.Group
	var total int
	err = s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("SELECT count(*) FROM ("+scimGroupSelect+cond+") x", args...).Scan(ctx, &total); err != nil {
			return err
		}
		limit, offset := page(q)
		if limit == 0 {
			return nil
		}
		var rows []scimGroupRow
		if err := tx.NewRaw(scimGroupSelect+cond+" ORDER BY g.created_at, g.id LIMIT ? OFFSET ?", append(args, limit, offset)...).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, r.group())
		}
		return groupMembers(ctx, tx, out)
	})
	return out, total, err
}

func scimGroup(ctx context.Context, tx bun.Tx, id uuid.UUID, lock bool) (*scim.Group, error) {
	var row scimGroupRow
	q := scimGroupSelect + " AND g.id = ?"
	if lock {
		q += " FOR UPDATE"
	}
	if err := tx.NewRaw(q, id).Scan(ctx, &row); err != nil {
		return nil, translate(err)
	}
	g := []scim.Group{row.group()}
	if err := groupMembers(ctx, tx, g); err != nil {
		return nil, err
	}
	return &g[0], nil
}

// Group reads one group.
func (s *SCIMStore) Group(ctx context.Context, id uuid.UUID) (*scim.Group, error) {
	var g *scim.Group
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) (err error) {
		g, err = scimGroup(ctx, tx, id, false)
		return err
	})
	return g, err
}

// setDepartment puts the users in the department; an unknown user is a
// 400 naming it.
func setDepartment(ctx context.Context, tx bun.Tx, ids []uuid.UUID, name string) error {
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, `UPDATE members m SET department = ? WHERE id = ? AND erased_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM scim_users s WHERE s.member_id = m.id AND s.deleted_at IS NOT NULL)`, name, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return scim.Invalid("invalidValue", "no user %s", id)
		}
	}
	return nil
}

func memberSet(g *scim.Group) map[uuid.UUID]bool {
	out := map[uuid.UUID]bool{}
	for _, m := range g.Members {
		out[m.ID] = true
	}
	return out
}

// CreateGroup makes the group; its members move to its department.
func (s *SCIMStore) CreateGroup(ctx context.Context, g *scim.Group, ev scim.Event) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g.ID = uuid.Must(uuid.NewV7())
		if _, err := tx.ExecContext(ctx, `INSERT INTO scim_groups (tenant_id, id, display_name, external_id)
			VALUES (app.current_tenant_id(), ?, ?, ?)`, g.ID, g.DisplayName, g.ExternalID); err != nil {
			if errs.Is(translate(err), errs.Conflict) {
				return errs.E(errs.Conflict, "a group named %s already exists", g.DisplayName)
			}
			return err
		}
		ids := make([]uuid.UUID, 0, len(g.Members))
		for id := range memberSet(g) {
			ids = append(ids, id)
		}
		if err := setDepartment(ctx, tx, ids, g.DisplayName); err != nil {
			return err
		}
		return recordSCIM(ctx, tx, ev)
	})
}

// UpdateGroup applies fn under the group's lock: a new name renames the
// department of every member; members added move to it, members removed
// leave it.
func (s *SCIMStore) UpdateGroup(ctx context.Context, id uuid.UUID, fn func(*scim.Group) error, ev scim.Event) (*scim.Group, error) {
	var out *scim.Group
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g, err := scimGroup(ctx, tx, id, true)
		if err != nil {
			return err
		}
		before := *g
		before.Members = append([]scim.Member(nil), g.Members...)
		if err := fn(g); err != nil {
			return err
		}
		if g.DisplayName != before.DisplayName {
			if _, err := tx.ExecContext(ctx, `UPDATE scim_groups SET display_name = ? WHERE id = ?`, g.DisplayName, id); err != nil {
				if errs.Is(translate(err), errs.Conflict) {
					return errs.E(errs.Conflict, "a group named %s already exists", g.DisplayName)
				}
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE members SET department = ? WHERE department = ? AND erased_at IS NULL`,
				g.DisplayName, before.DisplayName); err != nil {
				return err
			}
		}
		was, now := memberSet(&before), memberSet(g)
		var added []uuid.UUID
		for m := range now {
			if !was[m] {
				added = append(added, m)
			}
		}
		for m := range was {
			if !now[m] {
				if _, err := tx.ExecContext(ctx, `UPDATE members SET department = '' WHERE id = ? AND department = ?`, m, g.DisplayName); err != nil {
					return err
				}
			}
		}
		if err := setDepartment(ctx, tx, added, g.DisplayName); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scim_groups SET external_id = ?, updated_at = clock_timestamp() WHERE id = ?`, g.ExternalID, id); err != nil {
			return err
		}
		if out, err = scimGroup(ctx, tx, id, false); err != nil {
			return err
		}
		ev.Object = "group:" + g.DisplayName
		return recordSCIM(ctx, tx, ev)
	})
	return out, err
}

// DeleteGroup removes the group; its members leave the department.
func (s *SCIMStore) DeleteGroup(ctx context.Context, id uuid.UUID, check func(*scim.Group) error, ev scim.Event) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g, err := scimGroup(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := check(g); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE members SET department = '' WHERE department = ? AND erased_at IS NULL`, g.DisplayName); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM scim_groups WHERE id = ?`, id); err != nil {
			return err
		}
		ev.Object = "group:" + g.DisplayName
		return recordSCIM(ctx, tx, ev)
	})
}

package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// People stores the people of one realm: a company's members (under
// row-level security, the company taken from the context) or the platform's
// accounts. The two share their shape, so one implementation serves both.
type People struct {
	db       *DB
	tenant   bool
	people   string // members | accounts
	sessions string
	tokens   string
	fk       string // member_id | account_id
	audit    string
	cols     string
	// Concurrent requests' sessions not cached are read together, by
	// lookupSQL.
	lookups   *combiner[*sessionLookup, string]
	lookupSQL string
}

// sessionLookup is one request's session on its way through lookUp.
type sessionLookup struct {
	combined
	realm string // the company's id, "" on the platform side
	hash  []byte
	row   *sessionRow // nil: no live session
}

type sessionRow struct {
	personRow
	Stale   bool      `bun:"stale"`
	Expires time.Time `bun:"session_expires_at"`
}

// withLookups is s reading sessions not cached together: at most 64 of a
// company in one statement, one statement per company at once, four in
// all.
func (s *People) withLookups() *People {
	s.lookups = &combiner[*sessionLookup, string]{inFlight: 4, size: 64, apply: s.lookUp,
		group: func(l *sessionLookup) string { return l.realm }}
	// Each session is read by the statement one session alone was read
	// by, its hash that of its row.
	s.lookupSQL = fmt.Sprintf(`SELECT h.n, x.* FROM unnest($1::bytea[]) WITH ORDINALITY AS h(hash, n)
		CROSS JOIN LATERAL (
			SELECT %[1]s, se.last_seen_at < now() - interval '1 minute' AS stale, se.expires_at AS session_expires_at
			FROM %[2]s se JOIN %[3]s ON %[3]s.id = se.%[4]s AND %[3]s.status = 'active' AND %[5]s
			WHERE se.token_hash = h.hash AND se.expires_at > now() AND %[6]s OFFSET 0) x`, s.cols, s.sessions, s.people, s.fk,
		s.own(s.people), s.own("se"))
	return s
}

// NewMemberDirectory returns the company side's directory.
func NewMemberDirectory(db *DB) *People {
	return (&People{db: db, tenant: true, people: "members", sessions: "member_sessions", tokens: "member_tokens",
		fk: "member_id", audit: "audit_events",
		cols: `id, email, full_name, status, coalesce(password_hash, '') AS password_hash, role, department, site,
			false AS staff, '{}'::uuid[] AS associations`}).withLookups()
}

// NewAccountDirectory returns the platform side's directory.
func NewAccountDirectory(db *DB) *People {
	return (&People{db: db, people: "accounts", sessions: "account_sessions", tokens: "account_tokens",
		fk: "account_id", audit: "platform_audit_events",
		cols: `id, email, full_name, status, coalesce(password_hash, '') AS password_hash, '' AS role, '' AS department,
			'' AS site, is_staff AS staff,
			ARRAY(SELECT am.association_id FROM association_managers am WHERE am.account_id = accounts.id ORDER BY 1) AS associations`}).withLookups()
}

var (
	_ identity.Members   = (*People)(nil)
	_ identity.Directory = (*People)(nil)
)

type personRow struct {
	ID           uuid.UUID   `bun:"id"`
	Email        string      `bun:"email"`
	FullName     string      `bun:"full_name"`
	Status       string      `bun:"status"`
	PasswordHash string      `bun:"password_hash"`
	Role         string      `bun:"role"`
	Department   string      `bun:"department"`
	Site         string      `bun:"site"`
	Staff        bool        `bun:"staff"`
	Associations []uuid.UUID `bun:"associations,array"`
	Loaded       bool        `bun:"-"`
}

func (r *personRow) person() *identity.Person {
	return &identity.Person{ID: r.ID, Email: r.Email, FullName: r.FullName, Status: r.Status, PasswordHash: r.PasswordHash,
		Role: r.Role, Department: r.Department, Site: r.Site, Staff: r.Staff, Associations: r.Associations, Loaded: r.Loaded}
}

func (s *People) tx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	if s.tenant {
		return s.db.TenantTx(ctx, fn)
	}
	return s.db.Tx(ctx, fn)
}

// domain is the authorization domain of the realm of ctx.
func (s *People) domain(ctx context.Context) string {
	if t, ok := tenants.FromContext(ctx); ok && s.tenant {
		return "tenant:" + t.ID.String()
	}
	return "platform"
}

// tenantCol and tenantVal prefix inserts into tenant-owned tables.
func (s *People) tenantCol() string {
	if s.tenant {
		return "tenant_id, "
	}
	return ""
}

func (s *People) tenantVal() string {
	if s.tenant {
		return "app.current_tenant_id(), "
	}
	return ""
}

// own is ownRows for a company's table under alias a ("true" on the
// platform's side): row-level security ORs the company's policy with an
// association's view of its applicants, and a statement that does not say
// its company itself gets a plan that computes that view (4.5 ms for a
// role lookup prepared once, against 0.1 ms).
func (s *People) own(a string) string {
	if s.tenant {
		return ownRows(a)
	}
	return "true"
}

func (s *People) one(ctx context.Context, tx bun.IDB, where string, arg any, lock bool) (*identity.Person, error) {
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s", s.cols, s.people, where)
	if lock {
		q += " FOR UPDATE"
	}
	var row personRow
	if err := tx.NewRaw(q, arg).Scan(ctx, &row); err != nil {
		if err = translate(err); errs.Is(err, errs.NotFound) {
			return nil, errs.Wrap(err, errs.NotFound, "no such person")
		}
		return nil, err
	}
	return row.person(), nil
}

// ByEmail finds a person by address.
func (s *People) ByEmail(ctx context.Context, email string) (p *identity.Person, err error) {
	err = s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, err = s.one(ctx, tx, "email = ?", email, false)
		return err
	})
	return p, err
}

// ByID finds a person by id.
func (s *People) ByID(ctx context.Context, id uuid.UUID) (p *identity.Person, err error) {
	err = s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, err = s.one(ctx, tx, "id = ?", id, false)
		return err
	})
	return p, err
}

// Create inserts a person and their first one-time link in one transaction.
func (s *People) Create(ctx context.Context, p *identity.Person, purpose string, tokenHash []byte, expires time.Time) error {
	return s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if s.tenant {
			_, err = tx.ExecContext(ctx, `INSERT INTO members (tenant_id, id, email, full_name, role, department, site, status,
				password_hash, invited_at) VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?, ?, nullif(?, ''),
				CASE WHEN ? = 'invited' THEN now() END)`,
				p.ID, p.Email, p.FullName, p.Role, p.Department, p.Site, p.Status, p.PasswordHash, p.Status)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO accounts (id, email, full_name, status, password_hash, is_staff)
				VALUES (?, ?, ?, ?, nullif(?, ''), ?)`, p.ID, p.Email, p.FullName, p.Status, p.PasswordHash, p.Staff)
		}
		if err != nil {
			return err
		}
		if tokenHash == nil {
			return nil
		}
		return s.insertToken(ctx, tx, p.ID, purpose, tokenHash, expires, nil)
	})
}

func (s *People) insertToken(ctx context.Context, tx bun.IDB, id uuid.UUID, purpose string, hash []byte, expires time.Time, association *uuid.UUID) error {
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s = ? AND purpose = ? AND used_at IS NULL", s.tokens, s.fk), id, purpose); err != nil {
		return err
	}
	if association != nil {
		_, err := tx.ExecContext(ctx, `INSERT INTO account_tokens (token_hash, account_id, purpose, association_id, expires_at)
			VALUES (?, ?, ?, ?, ?)`, hash, id, purpose, association, expires)
		return err
	}
	_, err := tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (%stoken_hash, %s, purpose, expires_at) VALUES (%s?, ?, ?, ?)",
		s.tokens, s.tenantCol(), s.fk, s.tenantVal()), hash, id, purpose, expires)
	return err
}

// Update changes a person under a row lock.
func (s *People) Update(ctx context.Context, id uuid.UUID, fn func(*identity.Person) error) (p *identity.Person, err error) {
	err = s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, err = s.update(ctx, tx, id, fn)
		return err
	})
	s.db.cache.forgetPersonAfter(id, err)
	return p, err
}

func (s *People) update(ctx context.Context, tx bun.Tx, id uuid.UUID, fn func(*identity.Person) error) (*identity.Person, error) {
	// Dropped before the change commits and again after (the trigger's
	// notification, on every server including this one).
	s.db.cache.forgetPerson(id)
	p, err := s.one(ctx, tx, "id = ?", id, true)
	if err != nil {
		return nil, err
	}
	before := *p
	if err := fn(p); err != nil {
		return nil, err
	}
	if p.Role != before.Role || p.Status != before.Status || p.Staff != before.Staff {
		// Cached roles of the domain are stale on every instance from now.
		if err := Notify(ctx, tx, AuthzChannel, s.domain(ctx)); err != nil {
			return nil, err
		}
	}
	if s.tenant {
		_, err = tx.ExecContext(ctx, `UPDATE members SET full_name = ?, status = ?, password_hash = nullif(?, ''), role = ?,
			department = ?, site = ? WHERE id = ?`, p.FullName, p.Status, p.PasswordHash, p.Role, p.Department, p.Site, p.ID)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET full_name = ?, status = ?, password_hash = nullif(?, ''), is_staff = ?
			WHERE id = ?`, p.FullName, p.Status, p.PasswordHash, p.Staff, p.ID)
	}
	return p, err
}

// StartSession records a sign-in.
func (s *People) StartSession(ctx context.Context, personID uuid.UUID, hash []byte, expires time.Time, c identity.Client, ev identity.Event) error {
	return s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s (%stoken_hash, %s, expires_at, ip, user_agent)
			VALUES (%s?, ?, ?, ?, ?)`, s.sessions, s.tenantCol(), s.fk, s.tenantVal()),
			hash, personID, expires, c.IP, truncate(c.UserAgent, 300))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET last_sign_in_at = now() WHERE id = ?", s.people), personID); err != nil {
			return err
		}
		return s.record(ctx, tx, ev)
	})
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Session returns the person of a live session, extending it at most once
// a minute so that busy pages do not write on every request. While the
// server listens for changes (ListenForCaches), a session verified in the
// last minute is served from memory: its end, or a change to its person,
// drops it on every server as soon as it is committed.
func (s *People) Session(ctx context.Context, hash []byte, extendTo time.Time) (*identity.Person, error) {
	realm := ""
	if t, ok := tenants.FromContext(ctx); ok && s.tenant {
		realm = t.ID.String()
	}
	return s.db.cachedSession(realm, hash, func() (*identity.Person, time.Time, error) {
		return s.session(ctx, realm, hash, extendTo)
	})
}

// session reads the session hash of realm (Session's) and its person.
func (s *People) session(ctx context.Context, realm string, hash []byte, extendTo time.Time) (*identity.Person, time.Time, error) {
	l := &sessionLookup{realm: realm, hash: hash}
	if err := s.lookups.do(ctx, l); err != nil {
		return nil, time.Time{}, err
	}
	if l.row == nil {
		return nil, time.Time{}, errs.E(errs.NotFound, "no live session")
	}
	r := *l.row
	r.Loaded = true
	if !r.Stale {
		return r.person(), r.Expires, nil
	}
	err := s.read(ctx, func(ctx context.Context, db bun.IDB) error {
		_, err := db.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET last_seen_at = now(), expires_at = ? WHERE token_hash = ?",
			s.sessions), extendTo, hash)
		return err
	})
	return r.person(), extendTo, err
}

// lookUp reads sessions of one realm and their people, in one statement
// that is its own transaction: a request whose session is not cached
// costs one round trip, shared with the requests of its company that came
// meanwhile, and one more when its session is extended (once a minute).
func (s *People) lookUp(ctx context.Context, batch []*sessionLookup) error {
	hashes := make([][]byte, len(batch))
	for i, l := range batch {
		hashes[i] = l.hash
	}
	var rows []struct {
		N int `bun:"n"`
		sessionRow
	}
	err := s.read(ctx, func(ctx context.Context, db bun.IDB) error {
		return s.db.selectArgs(ctx, db, &rows, s.lookupSQL, hashes)
	})
	if err != nil {
		return err
	}
	for i := range rows {
		if n := rows[i].N; n >= 1 && n <= len(batch) {
			batch[n-1].row = &rows[i].sessionRow
		}
	}
	return nil
}

// read runs fn's statements each as its own transaction, bound to the
// tenant of ctx on the company side (DB.TenantRead, DB.Read).
func (s *People) read(ctx context.Context, fn func(ctx context.Context, db bun.IDB) error) error {
	if s.tenant {
		return s.db.TenantRead(ctx, fn)
	}
	return s.db.Read(ctx, fn)
}

// EndSession deletes one session.
// This server forgets it at once; the others when the trigger's
// notification reaches them.
func (s *People) EndSession(ctx context.Context, hash []byte) error {
	defer s.db.cache.sessions.drop(hex.EncodeToString(hash))
	return s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE token_hash = ?", s.sessions), hash)
		return err
	})
}

// EndSessions deletes every session of a person.
func (s *People) EndSessions(ctx context.Context, personID uuid.UUID) error {
	defer s.db.cache.forgetPerson(personID)
	return s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s = ?", s.sessions, s.fk), personID)
		return err
	})
}

// IssueToken stores a one-time link, voiding older unused ones.
func (s *People) IssueToken(ctx context.Context, personID uuid.UUID, purpose string, hash []byte, expires time.Time) error {
	return s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return s.insertToken(ctx, tx, personID, purpose, hash, expires, nil)
	})
}

// RedeemToken uses a link once. A redeemed link proves the person reads
// mail at their address, so it also marks the address verified. An account
// invitation tied to an association makes the person its manager.
func (s *People) RedeemToken(ctx context.Context, hash []byte, purpose string, fn func(*identity.Person) error) (p *identity.Person, err error) {
	err = s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row struct {
			PersonID    uuid.UUID  `bun:"person_id"`
			Association *uuid.UUID `bun:"association_id"`
		}
		assoc := "NULL::uuid"
		if !s.tenant {
			assoc = "association_id"
		}
		err := tx.NewRaw(fmt.Sprintf(`UPDATE %s SET used_at = now()
			WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > now()
			RETURNING %s AS person_id, %s AS association_id`, s.tokens, s.fk, assoc), hash, purpose).Scan(ctx, &row)
		if err != nil {
			return err
		}
		if _, err = s.update(ctx, tx, row.PersonID, fn); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = ?", s.people), row.PersonID); err != nil {
			return err
		}
		if row.Association != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO association_managers (association_id, account_id) VALUES (?, ?)
				ON CONFLICT DO NOTHING`, row.Association, row.PersonID); err != nil {
				return err
			}
			if err := Notify(ctx, tx, AuthzChannel, "association:"+row.Association.String()); err != nil {
				return err
			}
		}
		p, err = s.one(ctx, tx, "id = ?", row.PersonID, false)
		return err
	})
	return p, err
}

// Record appends to the audit log.
func (s *People) Record(ctx context.Context, ev identity.Event) error {
	return s.tx(ctx, func(ctx context.Context, tx bun.Tx) error { return s.record(ctx, tx, ev) })
}

func (s *People) record(ctx context.Context, tx bun.IDB, ev identity.Event) error {
	detail, err := json.Marshal(ev.Detail)
	if err != nil || ev.Detail == nil {
		detail = []byte("{}")
	}
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s (%sid, actor_kind, actor_id, actor_label, action, object, detail, ip)
		VALUES (%s?, ?, ?, ?, ?, ?, ?::jsonb, ?)`, s.audit, s.tenantCol(), s.tenantVal()),
		uuid.Must(uuid.NewV7()), ev.ActorKind, ev.ActorID, ev.ActorLabel, ev.Action, ev.Object, string(detail), ev.IP)
	return err
}

// Audit reads the company's log, newest first.
func (s *People) Audit(ctx context.Context, q identity.AuditQuery) ([]identity.Event, error) {
	var rows []struct {
		ID         uuid.UUID  `bun:"id"`
		At         time.Time  `bun:"at"`
		ActorKind  string     `bun:"actor_kind"`
		ActorID    *uuid.UUID `bun:"actor_id"`
		ActorLabel string     `bun:"actor_label"`
		Action     string     `bun:"action"`
		Object     string     `bun:"object"`
		Detail     []byte     `bun:"detail"`
		IP         string     `bun:"ip"`
	}
	err := s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// Keyset paging on (at, id): events of the same instant are
		// neither skipped nor shown twice across pages.
		return tx.NewRaw(fmt.Sprintf(`SELECT id, at, actor_kind, actor_id, actor_label, action, object, detail::text AS detail, ip
			FROM %s WHERE (at, id) < (?, ?) AND (? = '' OR action = ?) ORDER BY at DESC, id DESC LIMIT ?`, s.audit),
			q.Before, q.BeforeID, q.Action, q.Action, q.Limit).Scan(ctx, &rows)
	})
	if err != nil {
		return nil, err
	}
	out := make([]identity.Event, len(rows))
	for i, r := range rows {
		out[i] = identity.Event{ID: r.ID, At: r.At, ActorKind: r.ActorKind, ActorID: r.ActorID, ActorLabel: r.ActorLabel,
			Action: r.Action, Object: r.Object, IP: r.IP}
		_ = json.Unmarshal(r.Detail, &out[i].Detail)
	}
	return out, nil
}

// List returns the company's members by name.
func (s *People) List(ctx context.Context) ([]identity.Person, error) {
	var rows []personRow
	err := s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(fmt.Sprintf("SELECT %s FROM %s ORDER BY full_name, email", s.cols, s.people)).Scan(ctx, &rows)
	})
	out := make([]identity.Person, len(rows))
	for i := range rows {
		out[i] = *rows[i].person()
		out[i].PasswordHash = ""
	}
	return out, err
}

// APITokenStore keeps a company's API tokens.
type APITokenStore struct{ db *DB }

// NewAPITokenStore returns an identity.APITokens on db.
func NewAPITokenStore(db *DB) *APITokenStore { return &APITokenStore{db: db} }

type apiTokenRow struct {
	ID         uuid.UUID  `bun:"id"`
	Name       string     `bun:"name"`
	Role       string     `bun:"role"`
	Prefix     string     `bun:"prefix"`
	CreatedBy  uuid.UUID  `bun:"created_by"`
	CreatedAt  time.Time  `bun:"created_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
	ExpiresAt  *time.Time `bun:"expires_at"`
	Scopes     []string   `bun:"scopes,array"`
	Stale      bool       `bun:"stale"`
}

const apiTokenCols = "id, name, role, prefix, created_by, created_at, last_used_at, revoked_at, expires_at, scopes"

func (r apiTokenRow) token() identity.APIToken {
	return identity.APIToken{ID: r.ID, Name: r.Name, Role: r.Role, Prefix: r.Prefix, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt, ExpiresAt: r.ExpiresAt, Scopes: r.Scopes}
}

// CreateToken stores a new token.
func (s *APITokenStore) CreateToken(ctx context.Context, t *identity.APIToken, hash []byte) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		scopes := t.Scopes
		if len(scopes) == 0 {
			scopes = []string{identity.ScopeAPI}
		}
		return tx.NewRaw(`INSERT INTO api_tokens (tenant_id, id, name, role, token_hash, prefix, created_by, expires_at, scopes)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?, ?, ?) RETURNING created_at, scopes`,
			t.ID, t.Name, t.Role, hash, t.Prefix, t.CreatedBy, t.ExpiresAt, pgdialect.Array(scopes)).Scan(ctx, &t.CreatedAt, pgdialect.Array(&t.Scopes))
	})
}

// TokenByHash returns a live token and notes its use (at most once a minute).
func (s *APITokenStore) TokenByHash(ctx context.Context, hash []byte) (*identity.APIToken, error) {
	var row apiTokenRow
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw(`SELECT `+apiTokenCols+`, coalesce(last_used_at < now() - interval '1 minute', true) AS stale
			FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`, hash).Scan(ctx, &row)
		if err != nil || !row.Stale {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = now() WHERE id = ?", row.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	t := row.token()
	return &t, nil
}

// Tokens lists every token of the company, newest first.
func (s *APITokenStore) Tokens(ctx context.Context) ([]identity.APIToken, error) {
	var rows []apiTokenRow
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT `+apiTokenCols+` FROM api_tokens ORDER BY created_at DESC`).Scan(ctx, &rows)
	})
	out := make([]identity.APIToken, len(rows))
	for i, r := range rows {
		out[i] = r.token()
	}
	return out, err
}

// RevokeToken stops a token.
func (s *APITokenStore) RevokeToken(ctx context.Context, id uuid.UUID) (*identity.APIToken, error) {
	var row apiTokenRow
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`UPDATE api_tokens SET revoked_at = now() WHERE id = ? AND revoked_at IS NULL RETURNING `+apiTokenCols, id).Scan(ctx, &row)
	})
	if errs.Is(err, errs.NotFound) {
		return nil, errs.E(errs.NotFound, "no active API token with this id")
	}
	if err != nil {
		return nil, err
	}
	t := row.token()
	return &t, nil
}

// Limiter counts attempts in PostgreSQL so that every server instance
// shares the count. Keys are stored hashed: they contain email addresses.
//
// Counts are kept per fixed window, and a limit applies to a sliding one:
// the current window's count plus the previous window's, weighted by the
// share of it that the last window-long span still covers. A fixed window
// alone let twice the limit through around each turn (the limit at the
// end of one window, the limit again at the start of the next).
type Limiter struct{ db *DB }

// NewLimiter returns an identity.Limiter on db.
func NewLimiter(db *DB) *Limiter { return &Limiter{db: db} }

// windowCounts is a key's count in the current fixed window, in the one
// before it, and how far into the current one now is.
type windowCounts struct {
	Cur     int     `bun:"cur"`
	Prev    int     `bun:"prev"`
	Elapsed float64 `bun:"elapsed"` // seconds
}

// slide is the count of the last window-long span, and how long until it
// is back within limit if nothing more is counted.
func (c windowCounts) slide(limit int, window time.Duration) (float64, time.Duration) {
	w := window.Seconds()
	f := min(max(c.Elapsed/w, 0), 1)
	est := float64(c.Prev)*(1-f) + float64(c.Cur)
	lim := float64(limit)
	var wait float64 // in windows
	switch {
	case est <= lim:
	case float64(c.Cur) <= lim: // the previous window's share fades first
		wait = 1 - f - (lim-float64(c.Cur))/float64(c.Prev)
	default: // this window alone is over: its own share must fade after the turn
		wait = 1 - f + 1 - lim/float64(c.Cur)
	}
	return est, max(time.Duration(wait*w*float64(time.Second)), 0)
}

// windowStart is the start of the fixed window (of $2 seconds) now is in.
const windowStart = `to_timestamp(floor(extract(epoch FROM now()) / $2) * $2)`

// Hits reads the count of the last window, without counting an attempt,
// and how long until it is below limit.
func (l *Limiter) Hits(ctx context.Context, key string, limit int, window time.Duration) (int, time.Duration, error) {
	sum := sha256.Sum256([]byte(key))
	var rows []windowCounts
	err := l.db.Read(ctx, func(ctx context.Context, db bun.IDB) error {
		return l.db.selectArgs(ctx, db, &rows, `SELECT
				coalesce(max(hits) FILTER (WHERE window_start = `+windowStart+`), 0) AS cur,
				coalesce(max(hits) FILTER (WHERE window_start = `+windowStart+` - make_interval(secs => $2)), 0) AS prev,
				extract(epoch FROM now() - `+windowStart+`)::float8 AS elapsed
			FROM rate_limits WHERE key = $1 AND window_start >= `+windowStart+` - make_interval(secs => $2)`,
			hex.EncodeToString(sum[:]), window.Seconds())
	})
	if err != nil || len(rows) == 0 {
		return 0, 0, translate(err)
	}
	est, retry := rows[0].slide(limit, window)
	// Back to limit, it is still at it: a second more.
	return int(est), retry + time.Second, nil
}

// Hit counts one attempt and says whether the last window's count is
// within limit, and if not, how long until it is.
func (l *Limiter) Hit(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	sum := sha256.Sum256([]byte(key))
	var rows []windowCounts
	err := l.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if rand.IntN(200) == 0 { // keep the table small without a scheduler
			if _, err := tx.ExecContext(ctx, "DELETE FROM rate_limits WHERE window_start < now() - interval '1 day'"); err != nil {
				return err
			}
		}
		return l.db.selectArgs(ctx, tx, &rows, `WITH cur AS (
				INSERT INTO rate_limits AS r (key, window_start, hits) VALUES ($1, `+windowStart+`, 1)
				ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1
				RETURNING r.hits, r.window_start)
			SELECT cur.hits AS cur, coalesce(p.hits, 0) AS prev, extract(epoch FROM now() - cur.window_start)::float8 AS elapsed
			FROM cur LEFT JOIN rate_limits p ON p.key = $1 AND p.window_start = cur.window_start - make_interval(secs => $2)`,
			hex.EncodeToString(sum[:]), window.Seconds())
	})
	if err != nil {
		return false, 0, err
	}
	if len(rows) == 0 {
		return false, 0, errors.New("postgres: the attempt was not counted")
	}
	est, retry := rows[0].slide(limit, window)
	return est <= float64(limit), retry, nil
}

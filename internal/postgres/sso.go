package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/sso"
)

// SSOStore keeps the companies' identity provider connections and the
// sign-ins under way, under row-level security (the company of the
// context).
type SSOStore struct{ db *DB }

// NewSSOStore returns the store.
func NewSSOStore(db *DB) *SSOStore { return &SSOStore{db: db} }

var _ sso.Store = (*SSOStore)(nil)

const ssoCols = `protocol, display_name, oidc_issuer, oidc_client_id, oidc_client_secret, saml_idp_metadata,
	saml_sp_key, saml_sp_cert, jit, enabled, sso_only, tested_at, tested_email, test_error, updated_at`

type ssoRow struct {
	Protocol     string     `bun:"protocol"`
	DisplayName  string     `bun:"display_name"`
	Issuer       string     `bun:"oidc_issuer"`
	ClientID     string     `bun:"oidc_client_id"`
	ClientSecret []byte     `bun:"oidc_client_secret"`
	IdPMetadata  string     `bun:"saml_idp_metadata"`
	SPKey        []byte     `bun:"saml_sp_key"`
	SPCert       []byte     `bun:"saml_sp_cert"`
	JIT          bool       `bun:"jit"`
	Enabled      bool       `bun:"enabled"`
	SSOOnly      bool       `bun:"sso_only"`
	TestedAt     *time.Time `bun:"tested_at"`
	TestedEmail  string     `bun:"tested_email"`
	TestError    string     `bun:"test_error"`
	UpdatedAt    time.Time  `bun:"updated_at"`
}

func (r *ssoRow) connection() *sso.Connection {
	c := sso.Connection(*r)
	return &c
}

func (s *SSOStore) one(ctx context.Context, tx bun.IDB, lock bool) (*sso.Connection, error) {
	q := `SELECT ` + ssoCols + ` FROM sso_connections`
	if lock {
		q += " FOR UPDATE"
	}
	var row ssoRow
	if err := tx.NewRaw(q).Scan(ctx, &row); err != nil {
		if err = translate(err); errs.Is(err, errs.NotFound) {
			return nil, errs.Wrap(err, errs.NotFound, "no identity provider connected")
		}
		return nil, err
	}
	return row.connection(), nil
}

// Connection returns the company's connection.
func (s *SSOStore) Connection(ctx context.Context) (c *sso.Connection, err error) {
	err = s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err = s.one(ctx, tx, false)
		return err
	})
	return c, err
}

// SaveConnection creates or changes the connection under a row lock; a
// first save of two racing ones wins, the other sees it on retry as a
// conflict.
func (s *SSOStore) SaveConnection(ctx context.Context, fn func(*sso.Connection) (*sso.Connection, error)) (c *sso.Connection, err error) {
	err = s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur, err := s.one(ctx, tx, true)
		if errs.Is(err, errs.NotFound) {
			cur, err = nil, nil
		}
		if err != nil {
			return err
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		var row ssoRow
		err = tx.NewRaw(`INSERT INTO sso_connections (tenant_id, protocol, display_name, oidc_issuer, oidc_client_id,
				oidc_client_secret, saml_idp_metadata, saml_sp_key, saml_sp_cert, jit, enabled, sso_only, tested_at, tested_email, test_error)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET protocol = excluded.protocol, display_name = excluded.display_name,
				oidc_issuer = excluded.oidc_issuer, oidc_client_id = excluded.oidc_client_id,
				oidc_client_secret = excluded.oidc_client_secret, saml_idp_metadata = excluded.saml_idp_metadata,
				saml_sp_key = excluded.saml_sp_key, saml_sp_cert = excluded.saml_sp_cert, jit = excluded.jit,
				enabled = excluded.enabled, sso_only = excluded.sso_only, tested_at = excluded.tested_at,
				tested_email = excluded.tested_email, test_error = excluded.test_error, updated_at = now()
			RETURNING `+ssoCols,
			next.Protocol, next.DisplayName, next.Issuer, next.ClientID, next.ClientSecret, next.IdPMetadata,
			next.SPKey, next.SPCert, next.JIT, next.Enabled, next.SSOOnly, next.TestedAt, next.TestedEmail, next.TestError).Scan(ctx, &row)
		c = row.connection()
		return err
	})
	return c, err
}

// DeleteConnection removes the connection and the flows under way.
func (s *SSOStore) DeleteConnection(ctx context.Context) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sso_connections`)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "no identity provider connected")
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sso_flows`)
		return err
	})
}

// StartFlow records a flow, and forgets the company's expired ones.
func (s *SSOStore) StartFlow(ctx context.Context, f *sso.Flow) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sso_flows WHERE expires_at < now()`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sso_flows (tenant_id, flow_key, protocol, purpose, nonce, verifier, actor_id, expires_at)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?, ?)`, f.Key, f.Protocol, f.Purpose, f.Nonce, f.Verifier, f.ActorID, f.ExpiresAt)
		return err
	})
}

// TakeFlow deletes and returns an unexpired flow: of two concurrent
// callbacks with the same state, one gets it.
func (s *SSOStore) TakeFlow(ctx context.Context, key []byte) (f *sso.Flow, err error) {
	err = s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row struct {
			Protocol  string     `bun:"protocol"`
			Purpose   string     `bun:"purpose"`
			Nonce     string     `bun:"nonce"`
			Verifier  string     `bun:"verifier"`
			ActorID   *uuid.UUID `bun:"actor_id"`
			ExpiresAt time.Time  `bun:"expires_at"`
		}
		err := tx.NewRaw(`DELETE FROM sso_flows WHERE flow_key = ? AND expires_at > now()
			RETURNING protocol, purpose, nonce, verifier, actor_id, expires_at`, key).Scan(ctx, &row)
		if err != nil {
			return err
		}
		f = &sso.Flow{Key: key, Protocol: row.Protocol, Purpose: row.Purpose, Nonce: row.Nonce, Verifier: row.Verifier,
			ActorID: row.ActorID, ExpiresAt: row.ExpiresAt}
		return nil
	})
	return f, err
}

package postgres

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/notify"
)

// NotificationStore keeps what people receive: the kinds of mail they
// turned off, their calendar feeds, and the platform's signing keys. A
// member's rows are read under their company's row-level security; an
// account's on the platform.
type NotificationStore struct {
	db   *DB
	mu   sync.Mutex
	keys map[string][]byte
}

// NewNotificationStore returns the store on db.
func NewNotificationStore(db *DB) *NotificationStore {
	return &NotificationStore{db: db, keys: map[string][]byte{}}
}

var (
	_ notify.Store     = (*NotificationStore)(nil)
	_ notify.FeedStore = (*NotificationStore)(nil)
)

// OptOuts implements notify.Store.
func (s *NotificationStore) OptOuts(ctx context.Context, p notify.Person) (out []notify.Kind, err error) {
	if p.Tenant == uuid.Nil {
		err = s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT kind FROM account_mail_opt_outs WHERE account_id = ? ORDER BY kind", p.ID).Scan(ctx, &out)
		})
		return out, err
	}
	err = s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT kind FROM member_mail_opt_outs WHERE tenant_id = app.current_tenant_id() AND member_id = ?
			ORDER BY kind`, p.ID).Scan(ctx, &out)
	})
	return out, err
}

// SetOptOut implements notify.Store. A member or account that is not
// there is errs.NotFound.
func (s *NotificationStore) SetOptOut(ctx context.Context, p notify.Person, k notify.Kind, off bool) error {
	run, table, owner := s.db.TenantTx, "member_mail_opt_outs", "member_id"
	insert := `INSERT INTO member_mail_opt_outs (tenant_id, member_id, kind)
		SELECT tenant_id, id, ? FROM members WHERE tenant_id = app.current_tenant_id() AND id = ? ON CONFLICT DO NOTHING`
	exists := "SELECT EXISTS (SELECT 1 FROM members WHERE tenant_id = app.current_tenant_id() AND id = ?)"
	if p.Tenant == uuid.Nil {
		run, table, owner = s.db.Tx, "account_mail_opt_outs", "account_id"
		insert = `INSERT INTO account_mail_opt_outs (account_id, kind) SELECT id, ? FROM accounts WHERE id = ? ON CONFLICT DO NOTHING`
		exists = "SELECT EXISTS (SELECT 1 FROM accounts WHERE id = ?)"
	}
	return run(ctx, func(ctx context.Context, tx bun.Tx) error {
		var found bool
		if err := tx.NewRaw(exists, p.ID).Scan(ctx, &found); err != nil {
			return err
		}
		if !found {
			return errs.E(errs.NotFound, "no such person")
		}
		if off {
			_, err := tx.ExecContext(ctx, insert, string(k), p.ID)
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE "+owner+" = ? AND kind = ?", p.ID, string(k))
		return err
	})
}

// SigningKey implements notify.Store; keys never change, so each is read
// once per process.
func (s *NotificationStore) SigningKey(ctx context.Context, name string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[name]; ok {
		return k, nil
	}
	var key []byte
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT key FROM signing_keys WHERE name = ?", name).Scan(ctx, &key)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.Internal, "no signing key %q: run `vendredi migrate up`", name)
	}
	if err != nil {
		return nil, err
	}
	s.keys[name] = key
	return key, nil
}

// SetFeed implements notify.FeedStore.
func (s *NotificationStore) SetFeed(ctx context.Context, member uuid.UUID, hash []byte) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO calendar_feeds (tenant_id, member_id, token_hash)
			SELECT tenant_id, id, ? FROM members WHERE tenant_id = app.current_tenant_id() AND id = ?
			ON CONFLICT (tenant_id, member_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = now()`, hash, member)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "no such member")
		}
		return nil
	})
}

// DeleteFeed implements notify.FeedStore.
func (s *NotificationStore) DeleteFeed(ctx context.Context, member uuid.UUID) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM calendar_feeds WHERE tenant_id = app.current_tenant_id() AND member_id = ?", member)
		return err
	})
}

// FeedOwner implements notify.FeedStore: an active member's feed only.
func (s *NotificationStore) FeedOwner(ctx context.Context, hash []byte) (uuid.UUID, error) {
	var id uuid.UUID
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT f.member_id FROM calendar_feeds f
			JOIN members m ON m.tenant_id = f.tenant_id AND m.id = f.member_id AND m.status = 'active'
			WHERE f.tenant_id = app.current_tenant_id() AND f.token_hash = ?`, hash).Scan(ctx, &id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return uuid.Nil, errs.E(errs.NotFound, "no such calendar")
	}
	return id, err
}

// FeedSince implements notify.FeedStore.
func (s *NotificationStore) FeedSince(ctx context.Context, member uuid.UUID) (time.Time, error) {
	var at time.Time
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT created_at FROM calendar_feeds WHERE tenant_id = app.current_tenant_id() AND member_id = ?", member).
			Scan(ctx, &at)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, errs.E(errs.NotFound, "no calendar feed")
	}
	return at, err
}

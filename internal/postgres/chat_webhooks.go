package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/notify"
)

// ChatWebhookStore keeps each company's Slack or Teams webhook, under its
// row-level security.
type ChatWebhookStore struct{ db *DB }

// NewChatWebhookStore returns the store on db.
func NewChatWebhookStore(db *DB) *ChatWebhookStore { return &ChatWebhookStore{db: db} }

var _ notify.WebhookStore = (*ChatWebhookStore)(nil)

// Webhook implements notify.WebhookStore.
func (s *ChatWebhookStore) Webhook(ctx context.Context) (*notify.Webhook, error) {
	var r struct {
		Provider    string     `bun:"provider"`
		URL         string     `bun:"url"`
		UpdatedAt   time.Time  `bun:"updated_at"`
		LastOKAt    *time.Time `bun:"last_ok_at"`
		LastError   string     `bun:"last_error"`
		LastErrorAt *time.Time `bun:"last_error_at"`
	}
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT provider, url, updated_at, last_ok_at, last_error, last_error_at FROM chat_webhooks
			WHERE tenant_id = app.current_tenant_id()`).Scan(ctx, &r)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "no chat webhook")
	}
	if err != nil {
		return nil, err
	}
	return &notify.Webhook{Provider: notify.Provider(r.Provider), URL: r.URL, UpdatedAt: r.UpdatedAt, LastOKAt: r.LastOKAt,
		LastError: r.LastError, LastErrorAt: r.LastErrorAt}, nil
}

// SaveWebhook implements notify.WebhookStore: a new webhook starts with a
// clean record.
func (s *ChatWebhookStore) SaveWebhook(ctx context.Context, w *notify.Webhook, by uuid.UUID) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO chat_webhooks (tenant_id, provider, url, updated_by, updated_at, last_ok_at)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET provider = excluded.provider, url = excluded.url,
				updated_by = excluded.updated_by, updated_at = excluded.updated_at, last_ok_at = excluded.last_ok_at,
				last_error = '', last_error_at = NULL`, string(w.Provider), w.URL, by, w.UpdatedAt, w.LastOKAt)
		return err
	})
}

// DeleteWebhook implements notify.WebhookStore.
func (s *ChatWebhookStore) DeleteWebhook(ctx context.Context) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM chat_webhooks WHERE tenant_id = app.current_tenant_id()")
		return err
	})
}

// RecordPost implements notify.WebhookStore.
func (s *ChatWebhookStore) RecordPost(ctx context.Context, failure error) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if failure == nil {
			// A post through says the channel works again: the last
			// failure is over (the posts that failed for good stay listed).
			_, err = tx.ExecContext(ctx, `UPDATE chat_webhooks SET last_ok_at = now(), last_error = '', last_error_at = NULL
				WHERE tenant_id = app.current_tenant_id()`)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE chat_webhooks SET last_error = ?, last_error_at = now()
				WHERE tenant_id = app.current_tenant_id()`, errs.MessageOf(failure))
		}
		return err
	})
}

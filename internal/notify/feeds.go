package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// FeedStore keeps members' private calendar feeds, under the company of
// ctx. Only a token's SHA-256 is stored, as for sessions: the address is
// shown once, when it is made.
type FeedStore interface {
	// SetFeed makes hash the member's feed, replacing any earlier one.
	SetFeed(ctx context.Context, member uuid.UUID, hash []byte) error
	// DeleteFeed removes the member's feed; none is no error.
	DeleteFeed(ctx context.Context, member uuid.UUID) error
	// FeedOwner is the member whose feed hash is; errs.NotFound otherwise.
	FeedOwner(ctx context.Context, hash []byte) (uuid.UUID, error)
	// FeedSince is when the member's feed was made; errs.NotFound for none.
	FeedSince(ctx context.Context, member uuid.UUID) (time.Time, error)
}

// Feeds are members' private calendar feeds: an address with a secret
// token that a calendar application subscribes to, listing the member's
// upcoming validated missions. Rotating it makes a new address and kills
// the old one; revoking kills it.
type Feeds struct{ store FeedStore }

// NewFeeds wires the feeds to their store.
func NewFeeds(store FeedStore) *Feeds { return &Feeds{store: store} }

// FeedPath is where a feed is served, under the company's address.
func FeedPath(token string) string { return "/calendar/" + token + ".ics" }

// Rotate gives the member a new feed token, and the old one stops
// working: the token is returned once, never stored.
func (f *Feeds) Rotate(ctx context.Context, member uuid.UUID) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	if err := f.store.SetFeed(ctx, member, hashOf(token)); err != nil {
		return "", err
	}
	return token, nil
}

// Revoke ends the member's feed.
func (f *Feeds) Revoke(ctx context.Context, member uuid.UUID) error {
	return f.store.DeleteFeed(ctx, member)
}

// Since is when the member's feed was made, and whether they have one.
func (f *Feeds) Since(ctx context.Context, member uuid.UUID) (time.Time, bool, error) {
	at, err := f.store.FeedSince(ctx, member)
	if errs.Is(err, errs.NotFound) {
		return time.Time{}, false, nil
	}
	return at, err == nil, err
}

// Owner is the member whose feed token is; errs.NotFound for a token
// revoked, rotated or never made.
func (f *Feeds) Owner(ctx context.Context, token string) (uuid.UUID, error) {
	if len(token) < 40 || len(token) > 64 {
		return uuid.Nil, errs.E(errs.NotFound, "no such calendar")
	}
	return f.store.FeedOwner(ctx, hashOf(token))
}

func hashOf(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

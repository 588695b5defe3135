// Package notify is what people choose to receive, and where: the kinds of
// mail each person turns off (from a preferences page, or from a one-click
// unsubscribe link signed by the platform, RFC 8058), their private
// calendar feed, and their company's Slack or Microsoft Teams channel.
//
// Mails that answer something the person did or must act on (sign-in
// links, invitations, a decision on their sign-up) cannot be turned off;
// the recurring ones (reminders, weekly digests) can.
package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

// Kind is a kind of mail a person may turn off.
type Kind string

// The kinds of mail a person may turn off.
const (
	// Reminders: 48 h and 2 h before a mission.
	Reminders Kind = "reminders"
	// Digest: the weekly digest (association managers, HR admins).
	Digest Kind = "digest"
)

// Kinds are every kind, in the order the preferences page shows them.
var Kinds = []Kind{Reminders, Digest}

// ParseKind reads a kind; errs.Invalid on field "kind" otherwise.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", errs.Field("kind", "%q is not a kind of mail one can turn off (reminders, digest)", s)
}

// Person is whose preferences: a member of a company (Tenant set), or a
// platform account (an association manager, Tenant nil).
type Person struct {
	Tenant uuid.UUID
	ID     uuid.UUID
}

// Member is a company's member as a Person.
func Member(tenant, id uuid.UUID) Person { return Person{Tenant: tenant, ID: id} }

// Account is a platform account as a Person.
func Account(id uuid.UUID) Person { return Person{ID: id} }

// Store keeps the preferences. A member's are read and written under the
// company of ctx (row-level security); an account's on the platform.
type Store interface {
	// OptOuts lists the kinds p turned off.
	OptOuts(ctx context.Context, p Person) ([]Kind, error)
	// SetOptOut turns kind k off (off) or back on for p.
	SetOptOut(ctx context.Context, p Person, k Kind, off bool) error
	// SigningKey is the platform's key named name (errs.Internal when
	// missing: the migrations create it).
	SigningKey(ctx context.Context, name string) ([]byte, error)
}

// Preferences are the kinds of mail each person receives.
type Preferences struct{ store Store }

// NewPreferences wires the preferences to their store.
func NewPreferences(store Store) *Preferences { return &Preferences{store: store} }

// Settings say, per kind, whether the person receives it.
type Settings map[Kind]bool

// Get returns what p receives: everything but what they turned off.
func (s *Preferences) Get(ctx context.Context, p Person) (Settings, error) {
	if err := sameCompany(ctx, p); err != nil {
		return nil, err
	}
	off, err := s.store.OptOuts(ctx, p)
	if err != nil {
		return nil, err
	}
	out := Settings{}
	for _, k := range Kinds {
		out[k] = true
	}
	for _, k := range off {
		out[k] = false
	}
	return out, nil
}

// Change is a typed change of preferences: a nil field is left as it is.
type Change struct {
	Reminders *bool `json:"reminders"`
	Digest    *bool `json:"digest"`
}

// Set applies ch to p's preferences and returns them.
func (s *Preferences) Set(ctx context.Context, p Person, ch Change) (Settings, error) {
	if err := sameCompany(ctx, p); err != nil {
		return nil, err
	}
	for k, on := range map[Kind]*bool{Reminders: ch.Reminders, Digest: ch.Digest} {
		if on == nil {
			continue
		}
		if err := s.store.SetOptOut(ctx, p, k, !*on); err != nil {
			return nil, err
		}
	}
	return s.Get(ctx, p)
}

// Wants reports whether p receives kind k.
func (s *Preferences) Wants(ctx context.Context, p Person, k Kind) (bool, error) {
	got, err := s.Get(ctx, p)
	if err != nil {
		return false, err
	}
	return got[k], nil
}

// sameCompany refuses a member's preferences outside their company, and
// an account's inside one: the stores would find nothing, and saying so
// early keeps a link for one company from acting in another.
func sameCompany(ctx context.Context, p Person) error {
	t, ok := tenants.FromContext(ctx)
	if p.Tenant == uuid.Nil && !ok || ok && t.ID == p.Tenant {
		return nil
	}
	return errs.E(errs.NotFound, "no such person here")
}

// unsubscribeKey names the key that signs unsubscribe links.
const unsubscribeKey = "unsubscribe"

// UnsubscribeToken is the token of a link that turns kind k off for p with
// one click, without signing in: the person, the company and the kind,
// signed with the platform's key (HMAC-SHA256). It does not expire: a link
// in an old mail keeps working, and it can only ever turn one kind off.
func (s *Preferences) UnsubscribeToken(ctx context.Context, p Person, k Kind) (string, error) {
	key, err := s.store.SigningKey(ctx, unsubscribeKey)
	if err != nil {
		return "", err
	}
	payload := strings.Join([]string{tenantPart(p.Tenant), p.ID.String(), string(k)}, ".")
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + sign(key, payload), nil
}

func tenantPart(id uuid.UUID) string {
	if id == uuid.Nil {
		return "-"
	}
	return id.String()
}

func sign(key []byte, payload string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// ReadUnsubscribe checks token and returns whom and what it is for;
// errs.NotFound for a token that is not one of ours (altered, or
// truncated by a mail client), so that a guess learns nothing.
func (s *Preferences) ReadUnsubscribe(ctx context.Context, token string) (Person, Kind, error) {
	bad := errs.E(errs.NotFound, "this unsubscribe link is not valid (it may have been cut: copy it whole)")
	enc, sig, ok := strings.Cut(strings.TrimSpace(token), ".")
	if !ok {
		return Person{}, "", bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return Person{}, "", bad
	}
	key, err := s.store.SigningKey(ctx, unsubscribeKey)
	if err != nil {
		return Person{}, "", err
	}
	if !hmac.Equal([]byte(sign(key, string(raw))), []byte(sig)) {
		return Person{}, "", bad
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 3 {
		return Person{}, "", bad
	}
	var p Person
	if parts[0] != "-" {
		if p.Tenant, err = uuid.Parse(parts[0]); err != nil {
			return Person{}, "", bad
		}
	}
	if p.ID, err = uuid.Parse(parts[1]); err != nil {
		return Person{}, "", bad
	}
	k, err := ParseKind(parts[2])
	if err != nil {
		return Person{}, "", bad
	}
	return p, k, nil
}

// Unsubscribe turns off the kind of mail token names, for its person: the
// one-click link of a mail. Doing it twice is no error.
func (s *Preferences) Unsubscribe(ctx context.Context, token string) (Person, Kind, error) {
	p, k, err := s.ReadUnsubscribe(ctx, token)
	if err != nil {
		return Person{}, "", err
	}
	if err := sameCompany(ctx, p); err != nil {
		return Person{}, "", err
	}
	return p, k, s.store.SetOptOut(ctx, p, k, true)
}

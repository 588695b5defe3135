// Package privacy is what a person may ask of the data Vendredi holds about
// them (GDPR): a copy of all of it, machine-readable (articles 15 and 20),
// and its erasure (article 17), by themselves or by an HR admin of their
// company for them; and the company's retention, which purges the personal
// data of campaigns ended long enough ago.
//
// Erasure keeps the figures whole: the person's row stays as an anonymous
// one (no address, no name, no credential, no profile, no free text), so
// the participations and hours that point at it still count for the
// company and the associations, by department and site as before.
package privacy

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// FormatV1 names the layout of an export, so that a reader can tell it.
const FormatV1 = "vendredi.personal-data.v1"

// ErasedName is the name an erased person's row carries: readable in French
// and English on every list that shows it.
const ErasedName = "Anonyme"

// Audit actions.
const (
	ActionErased   = "personal_data_erased"
	ActionExported = "personal_data_exported"
	ActionPurged   = "personal_data_purged"
	ActionSettings = "retention_changed"
)

// Export is everything the product holds about one person. Each section
// is the stored rows as JSON, the columns' names as keys, less what only
// identifies a credential (password and token hashes) and the company id.
type Export struct {
	Format      string    `json:"format"`
	GeneratedAt time.Time `json:"generated_at"`
	Company     Company   `json:"company"`
	// Person is the account: address, name, role, department, site,
	// status, dates of creation, invitation, verification, last sign-in.
	Person json.RawMessage `json:"person"`
	// Provisioning is what the company's identity provider sent (SCIM).
	Provisioning json.RawMessage `json:"provisioning"`
	Profile      json.RawMessage `json:"profile"`
	Skills       json.RawMessage `json:"skills"`
	// Participations carry their mission, association and campaign.
	Participations json.RawMessage `json:"participations"`
	Hours          json.RawMessage `json:"hours"`
	// Proposals are the missions a campaign's allocation proposed.
	Proposals json.RawMessage `json:"proposals"`
	// HourlyCost is the cost the company values the person's hours at
	// (mécénat de compétences), when set for them.
	HourlyCost json.RawMessage `json:"hourly_cost"`
	// Sessions are the live and past sign-ins (address, browser, dates).
	Sessions json.RawMessage `json:"sessions"`
	// AuditEvents are the company's log entries the person did or that
	// name them.
	AuditEvents json.RawMessage `json:"audit_events"`
	// Mails are the mails sent or to be sent to the person that the
	// outbox still keeps (a week after delivery, 90 days after a failure).
	Mails json.RawMessage `json:"mails"`
}

// Company is the controller of the data.
type Company struct {
	ID   uuid.UUID `json:"id"`
	Slug string    `json:"slug"`
	Name string    `json:"name"`
}

// Erasure is what an erasure did, in counts only: it names nobody.
type Erasure struct {
	MemberID       uuid.UUID `json:"member_id"`
	At             time.Time `json:"erased_at"`
	Participations int       `json:"participations_kept_anonymous"`
	Hours          int       `json:"hour_logs_kept_anonymous"`
	AuditRedacted  int       `json:"audit_events_redacted"`
	MailsRemoved   int       `json:"mails_removed"`
}

// Settings are a company's retention rules.
type Settings struct {
	// RetentionMonths: the personal data of campaigns ended more than
	// this many months ago is purged; nil keeps it until erasure.
	RetentionMonths *int `json:"retention_months"`
}

// MaxRetentionMonths bounds the setting: twenty years.
const MaxRetentionMonths = 240

// Check tells what is wrong with the settings, naming the field.
func (s Settings) Check() error {
	if s.RetentionMonths != nil && (*s.RetentionMonths < 1 || *s.RetentionMonths > MaxRetentionMonths) {
		return errs.Field("retention_months", "retention_months must be between 1 and %d months, or null to keep the data", MaxRetentionMonths)
	}
	return nil
}

// PurgeDue tells whether a campaign that ended on endsOn is past a
// retention of months at now: ended more than months ago, counted in
// calendar months from the day after its last day.
func PurgeDue(endsOn time.Time, months int, now time.Time) bool {
	if months <= 0 {
		return false
	}
	end := time.Date(endsOn.Year(), endsOn.Month(), endsOn.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	return !now.Before(end.AddDate(0, months, 0))
}

// RetentionCutoff is the last end date a campaign may have to be purged at
// now: the SQL form of PurgeDue.
func RetentionCutoff(months int, now time.Time) time.Time {
	d := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, -months, -1)
}

// Purge is what one company's retention pass did.
type Purge struct {
	Campaigns int `json:"campaigns"`
	People    int `json:"people"`
}

// Actor is who asks: the person themselves, or an HR admin for them.
type Actor struct {
	Kind  string // identity.KindMember, KindAPIToken
	ID    uuid.UUID
	Label string
	IP    string
}

// Store keeps the personal data of the company of the context. Failure
// codes: errs.NotFound for an unknown or already erased person;
// errs.Conflict when erasing the company's last active HR admin.
type Store interface {
	Export(ctx context.Context, memberID uuid.UUID) (*Export, error)
	// Erase anonymises the person and records ev (with the erasure's
	// counts in its detail) in the same transaction, once check accepts
	// the person's current address (under their row lock).
	Erase(ctx context.Context, memberID uuid.UUID, check func(email string) error, ev Event) (*Erasure, error)
	// Record writes an audit event of the company.
	Record(ctx context.Context, ev Event) error
	Settings(ctx context.Context) (Settings, error)
	SaveSettings(ctx context.Context, s Settings, ev Event) error
	// PurgeEnded anonymises the participations of the campaigns that
	// ended on or before cutoff and were not purged yet.
	PurgeEnded(ctx context.Context, cutoff time.Time) (Purge, error)
}

// Event is an audit entry of a privacy operation. It never names the
// person whose data it is about: Object is their id.
type Event struct {
	Actor  Actor
	Action string
	Object string
	Detail map[string]string
}

// Service runs the personal-data operations.
type Service struct {
	store Store
	Now   func() time.Time
}

// NewService returns a Service on store.
func NewService(store Store) *Service { return &Service{store: store, Now: time.Now} }

// ExportInput says whose data and who asks.
type ExportInput struct {
	Actor    Actor
	MemberID uuid.UUID
}

// Export returns everything about the person. An export made by someone
// else than the person (an HR admin answering a request) is audited.
func (s *Service) Export(ctx context.Context, in ExportInput) (*Export, error) {
	x, err := s.store.Export(ctx, in.MemberID)
	if err != nil {
		return nil, err
	}
	x.Format, x.GeneratedAt = FormatV1, s.Now().UTC()
	if in.Actor.ID != in.MemberID {
		if err := s.store.Record(ctx, Event{Actor: in.Actor, Action: ActionExported, Object: "member:" + in.MemberID.String()}); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// EraseInput says whose data, who asks, and the confirmation typed: the
// person's email address, so that no click erases by mistake.
type EraseInput struct {
	Actor    Actor
	MemberID uuid.UUID
	Confirm  string
}

// Confirmed tells whether the confirmation typed is the address.
func Confirmed(confirm, email string) bool {
	return email != "" && strings.EqualFold(strings.TrimSpace(confirm), email)
}

// Erase erases the person's personal data (article 17).
func (s *Service) Erase(ctx context.Context, in EraseInput) (*Erasure, error) {
	if strings.TrimSpace(in.Confirm) == "" {
		return nil, errs.Field("confirm", "type the person's email address to confirm the erasure")
	}
	by := "hr_admin"
	actor := in.Actor
	if actor.ID == in.MemberID {
		by = "self"
		// The person's own label is their address: it goes with them.
		actor.Label = "[erased]"
		actor.IP = ""
	}
	check := func(email string) error {
		if !Confirmed(in.Confirm, email) {
			return errs.Field("confirm", "the confirmation is not the person's email address")
		}
		return nil
	}
	return s.store.Erase(ctx, in.MemberID, check, Event{Actor: actor, Action: ActionErased,
		Object: "member:" + in.MemberID.String(), Detail: map[string]string{"by": by}})
}

// Settings returns the company's retention.
func (s *Service) Settings(ctx context.Context) (Settings, error) { return s.store.Settings(ctx) }

// SaveSettings changes the company's retention.
func (s *Service) SaveSettings(ctx context.Context, actor Actor, in Settings) (Settings, error) {
	if err := in.Check(); err != nil {
		return Settings{}, err
	}
	v := "none"
	if in.RetentionMonths != nil {
		v = strconv.Itoa(*in.RetentionMonths)
	}
	if err := s.store.SaveSettings(ctx, in, Event{Actor: actor, Action: ActionSettings, Object: "privacy",
		Detail: map[string]string{"retention_months": v}}); err != nil {
		return Settings{}, err
	}
	return in, nil
}

// PurgeExpired applies the company's retention (ctx carries the company):
// the campaigns ended more than its retention ago lose their personal data.
func (s *Service) PurgeExpired(ctx context.Context) (Purge, error) {
	set, err := s.store.Settings(ctx)
	if err != nil || set.RetentionMonths == nil {
		return Purge{}, err
	}
	return s.store.PurgeEnded(ctx, RetentionCutoff(*set.RetentionMonths, s.Now()))
}

// Package catalog is what associations offer: associations, vetted by
// staff, and their missions (needs) with skills, format, place, commitment,
// dates and places, plus the four vital missions of spring 2020 that the
// platform curates. It holds the types, their rules and the interfaces the
// stores implement; it knows no database and no HTTP.
package catalog

import (
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/geo"
	"github.com/vendredi-app/vendredi/internal/taxonomy"
)

// Formats of a mission.
const (
	Remote = "remote"
	OnSite = "on_site"
	Hybrid = "hybrid"
)

// Statuses of a mission.
const (
	MissionDraft   = "draft"
	MissionOpen    = "open"
	MissionFull    = "full"
	MissionClosed  = "closed"
	MissionFlagged = "flagged"
)

// Statuses of an association.
const (
	AssociationDraft         = "draft"
	AssociationPendingReview = "pending_review"
	AssociationVerified      = "verified"
	AssociationRejected      = "rejected"
	AssociationSuspended     = "suspended"
)

// Vital categories, in the official order of the national call.
var VitalCategories = []string{"food_aid", "childcare", "isolated_people", "local_solidarity"}

// SkillNeed is a skill a mission asks for.
type SkillNeed struct {
	Skill    string `json:"skill"`
	Level    int    `json:"level"`    // 1 (notions) to 4 (expert)
	Required bool   `json:"required"` // false: nice to have
}

// Slot is a dated time slot of a one-off mission.
type Slot struct {
	ID       uuid.UUID `json:"id"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

// Mission is a need posted by an association, or a vital mission curated
// by the platform (no association; sign-up happens at ExternalURL).
type Mission struct {
	ID              uuid.UUID   `json:"id"`
	AssociationID   *uuid.UUID  `json:"association_id,omitempty"`
	Association     string      `json:"association"` // its name, or the organizer of a vital mission
	Organizer       string      `json:"-"`
	Title           string      `json:"title"`
	Description     string      `json:"description"`
	Cause           string      `json:"cause,omitempty"`
	Format          string      `json:"format"`
	Address         string      `json:"address,omitempty"`
	PostalCode      string      `json:"postal_code,omitempty"`
	City            string      `json:"city,omitempty"`
	Lat             *float64    `json:"lat,omitempty"`
	Lon             *float64    `json:"lon,omitempty"`
	CommitmentKind  string      `json:"commitment_kind"` // total | per_week
	CommitmentHours float64     `json:"commitment_hours"`
	DurationWeeks   *int        `json:"duration_weeks,omitempty"`
	DateKind        string      `json:"date_kind"` // one_off | recurring | ongoing
	StartsOn        *time.Time  `json:"starts_on,omitempty"`
	EndsOn          *time.Time  `json:"ends_on,omitempty"`
	Recurrence      string      `json:"recurrence,omitempty"` // "every Tuesday evening"
	Slots           []Slot      `json:"slots,omitempty"`
	Places          int         `json:"places"`
	PlacesLeft      int         `json:"places_left"`
	Status          string      `json:"status"`
	Visibility      string      `json:"visibility"` // all | listed
	VisibleTo       []uuid.UUID `json:"visible_to,omitempty"`
	VitalCategory   string      `json:"vital_category,omitempty"`
	ExternalURL     string      `json:"external_url,omitempty"`
	// RequiresSanitaryAck: the volunteer acknowledges the sanitary rules
	// before signing up, or before the redirect of a vital mission
	// (NeedsSanitaryAck, kept with the mission so that SQL reads it).
	RequiresSanitaryAck bool        `json:"requires_sanitary_ack"`
	Skills              []SkillNeed `json:"skills"`
	FlaggedReason       string      `json:"flagged_reason,omitempty"`
	Source              string      `json:"source,omitempty"`
	ExternalID          string      `json:"external_id,omitempty"`
	CreatedAt           time.Time   `json:"created_at"`
	UpdatedAt           time.Time   `json:"updated_at"`
	// DistanceKM is set by searches from a point.
	DistanceKM *float64 `json:"distance_km,omitempty"`
}

// NeedsSanitaryAck is the rule of the sanitary acknowledgement: whoever
// goes on site (on-site and hybrid missions, vital or not) acknowledges the
// health ministry's rules before signing up or being sent to sign up.
func (m *Mission) NeedsSanitaryAck() bool { return m.Format != Remote }

// ManagersPath is the page where those who run the mission edit it: its
// association's managers, or staff for a vital mission (no association).
// Mails that point at a mission link here.
func (m *Mission) ManagersPath() string {
	if m.AssociationID == nil {
		return "/platform/missions/" + m.ID.String()
	}
	return "/associations/" + m.AssociationID.String() + "/missions/" + m.ID.String()
}

// Association is a nonprofit on the platform.
type Association struct {
	ID              uuid.UUID  `json:"id"`
	Name            string     `json:"name"`
	LegalID         string     `json:"legal_id"`
	Description     string     `json:"description"`
	Causes          []string   `json:"causes"`
	Address         string     `json:"address,omitempty"`
	PostalCode      string     `json:"postal_code,omitempty"`
	City            string     `json:"city,omitempty"`
	Lat             *float64   `json:"lat,omitempty"`
	Lon             *float64   `json:"lon,omitempty"`
	Website         string     `json:"website,omitempty"`
	LogoURL         string     `json:"logo_url,omitempty"`
	Status          string     `json:"status"`
	RejectionReason string     `json:"rejection_reason,omitempty"`
	SubmittedAt     *time.Time `json:"submitted_at,omitempty"`
	ReviewedAt      *time.Time `json:"reviewed_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
}

var postalRE = regexp.MustCompile(`^[0-9]{5}$`)

// Normalize trims a mission's texts, fills defaults and checks every rule a
// person can break; the error names the field.
func (m *Mission) Normalize() error {
	m.Title = strings.TrimSpace(m.Title)
	m.Description = strings.TrimSpace(m.Description)
	m.City = strings.TrimSpace(m.City)
	m.Address = strings.TrimSpace(m.Address)
	m.PostalCode = strings.TrimSpace(m.PostalCode)
	if m.CommitmentKind == "" {
		m.CommitmentKind = "total"
	}
	if m.DateKind == "" {
		m.DateKind = "ongoing"
	}
	if m.Visibility == "" {
		m.Visibility = "all"
	}
	// Every rule is checked, so that the mission form shows all its
	// mistakes at once.
	var bad errs.Checks
	check := bad.Check
	check(m.Title == "" || utf8.RuneCountInString(m.Title) > 200, "title", "the title is required (200 characters at most)")
	check(utf8.RuneCountInString(m.Description) > 20000, "description", "the description is longer than 20 000 characters")
	check(m.Format != Remote && m.Format != OnSite && m.Format != Hybrid, "format", "format %q is not one of remote, on_site, hybrid", m.Format)
	check(m.Cause != "" && !knownCause(m.Cause), "cause", "cause %q is not in the list of causes", m.Cause)
	// A mission whose sign-up happens elsewhere (a vital mission) counts no places here.
	check((m.Places < 1 && m.ExternalURL == "") || m.Places < 0 || m.Places > 10000, "places", "a mission offers 1 to 10 000 places")
	check(m.CommitmentKind != "total" && m.CommitmentKind != "per_week",
		"commitment_kind", "commitment_kind %q is not one of total, per_week", m.CommitmentKind)
	check(m.CommitmentHours < 0 || m.CommitmentHours > 2000, "commitment_hours", "commitment_hours must be between 0 and 2 000")
	check(m.DurationWeeks != nil && (*m.DurationWeeks < 1 || *m.DurationWeeks > 520), "duration_weeks", "duration_weeks must be between 1 and 520")
	check(m.DateKind != "one_off" && m.DateKind != "recurring" && m.DateKind != "ongoing",
		"date_kind", "date_kind %q is not one of one_off, recurring, ongoing", m.DateKind)
	check(m.StartsOn != nil && m.EndsOn != nil && m.EndsOn.Before(*m.StartsOn), "ends_on", "the mission ends before it starts")
	check(m.DateKind == "one_off" && len(m.Slots) == 0 && m.StartsOn == nil, "slots", "a one-off mission needs a date or time slots")
	check(m.Visibility != "all" && m.Visibility != "listed", "visibility", "visibility %q is not one of all, listed", m.Visibility)
	check(m.Visibility == "listed" && len(m.VisibleTo) == 0, "visible_to", "a mission shown only to listed companies needs at least one company")
	check(m.PostalCode != "" && !postalRE.MatchString(m.PostalCode), "postal_code", "postal code %q is not five digits", m.PostalCode)
	if m.Format != Remote {
		if m.Lat == nil && m.Lon == nil {
			if c, ok := geo.Lookup(m.City); ok {
				m.Lat, m.Lon = &c.Lat, &c.Lon
			}
		}
		if !check(m.Lat == nil || m.Lon == nil, "lat", "an on-site or hybrid mission needs its place: a city we know, or its coordinates (lat, lon)") {
			check(*m.Lat < -90 || *m.Lat > 90 || *m.Lon < -180 || *m.Lon > 180, "lat", "lat must be within ±90 and lon within ±180")
		}
	}
	for i := range m.Slots {
		check(!m.Slots[i].EndsAt.After(m.Slots[i].StartsAt), "slots", "slot %d ends before it starts", i+1)
		if m.Slots[i].ID == uuid.Nil {
			m.Slots[i].ID = uuid.Must(uuid.NewV7())
		}
	}
	check(m.VitalCategory != "" && !isVital(m.VitalCategory), "vital_category", "%q is not one of the four vital missions", m.VitalCategory)
	m.RequiresSanitaryAck = m.NeedsSanitaryAck()
	if m.ExternalURL != "" {
		u, err := url.Parse(m.ExternalURL)
		check(err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "", "external_url", "external_url must be an http(s) address")
	}
	seen := map[string]bool{}
	for _, s := range m.Skills {
		_, known := taxonomy.SkillByCode(s.Skill)
		check(!known, "skills", "skill %q is not in the taxonomy", s.Skill)
		check(s.Level < 1 || s.Level > 4, "skills", "the level of %s must be between 1 and 4", taxonomy.SkillWords(s.Skill))
		check(seen[s.Skill], "skills", "skill %s is listed twice", taxonomy.SkillWords(s.Skill))
		seen[s.Skill] = true
	}
	if err := bad.Err(); err != nil {
		return err
	}
	if m.PlacesLeft > m.Places {
		m.PlacesLeft = m.Places
	}
	return nil
}

func knownCause(code string) bool { _, ok := taxonomy.CauseByCode(code); return ok }

func isVital(code string) bool {
	for _, c := range VitalCategories {
		if c == code {
			return true
		}
	}
	return false
}

// PlacesEvent says what a change of places left means to the managers:
// "almost_full" when one place is left, "full" when none, "reopened" when a
// full mission gets a place back, "" otherwise.
func PlacesEvent(before, after int) string {
	switch {
	case after == 0 && before > 0:
		return "full"
	case after == 1 && before > 1:
		return "almost_full"
	case after > 0 && before == 0:
		return "reopened"
	}
	return ""
}

package campaign

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/geo"
	"github.com/vendredi-app/vendredi/internal/taxonomy"
)

// Profile is what an employee tells matching about themself: skills with
// levels, availability, formats, home and radius, languages and causes.
// It belongs to one member; nobody else edits it.
type Profile struct {
	MemberID     uuid.UUID      `json:"member_id"`
	Skills       []ProfileSkill `json:"skills"`
	HoursPerWeek float64        `json:"hours_per_week"`
	Days         []string       `json:"days"`    // mon … sun
	Formats      []string       `json:"formats"` // remote, on_site, hybrid
	HomeLat      *float64       `json:"home_lat"`
	HomeLon      *float64       `json:"home_lon"`
	HomeCity     string         `json:"home_city"`
	RadiusKM     int            `json:"radius_km"`
	Languages    []string       `json:"languages"` // ISO 639-1
	Causes       []string       `json:"causes"`
	// UpdatedAt is nil for a profile never saved (the defaults).
	UpdatedAt *time.Time `json:"updated_at"`
}

// ProfileInput is a change to a profile: the fields given replace the
// profile's, the others stay. A city given without coordinates is placed
// from the gazetteer. MemberID and UpdatedAt are accepted and ignored, so
// that a profile read can be sent back as it is.
type ProfileInput struct {
	Skills       *[]ProfileSkill `json:"skills"`
	HoursPerWeek *float64        `json:"hours_per_week"`
	Days         *[]string       `json:"days"`
	Formats      *[]string       `json:"formats"`
	HomeLat      *float64        `json:"home_lat"`
	HomeLon      *float64        `json:"home_lon"`
	HomeCity     *string         `json:"home_city"`
	RadiusKM     *int            `json:"radius_km"`
	Languages    *[]string       `json:"languages"`
	Causes       *[]string       `json:"causes"`
	MemberID     *uuid.UUID      `json:"member_id"`
	UpdatedAt    *time.Time      `json:"updated_at"`
}

func (in ProfileInput) applyTo(p *Profile) {
	set(&p.Skills, in.Skills)
	set(&p.HoursPerWeek, in.HoursPerWeek)
	set(&p.Days, in.Days)
	set(&p.Formats, in.Formats)
	set(&p.HomeCity, in.HomeCity)
	set(&p.RadiusKM, in.RadiusKM)
	set(&p.Languages, in.Languages)
	set(&p.Causes, in.Causes)
	if in.HomeLat != nil {
		p.HomeLat = in.HomeLat
	}
	if in.HomeLon != nil {
		p.HomeLon = in.HomeLon
	}
}

// ProfileSkill is a skill an employee has, from 1 (notions) to 4 (expert).
type ProfileSkill struct {
	Skill string `json:"skill"`
	Level int    `json:"level"`
}

// DefaultProfile is the profile of a member who never filled theirs: the
// schema's defaults (2 hours a week, remote, 20 km, French).
func DefaultProfile(member uuid.UUID) *Profile {
	return &Profile{MemberID: member, Skills: []ProfileSkill{}, HoursPerWeek: 2, Days: []string{},
		Formats: []string{"remote"}, RadiusKM: 20, Languages: []string{"fr"}, Causes: []string{}}
}

// Weekdays in the order of a French week.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

var profileFormats = []string{"remote", "on_site", "hybrid"}

// asField is err as the field error it is (inSet answers only those).
func asField(err error) *errs.Error {
	if fs := errs.FieldsOf(err); len(fs) > 0 {
		return fs[0]
	}
	return errs.Field("", "%s", errs.MessageOf(err))
}

// Normalize checks a profile and puts its lists in a canonical order; the
// error names the field at fault.
func (p *Profile) Normalize() error {
	p.HomeCity = strings.TrimSpace(p.HomeCity)
	// Every rule is checked, so that the profile form shows all its
	// mistakes at once.
	var bad errs.Checks
	check := bad.Check
	seen := map[string]bool{}
	for i, s := range p.Skills {
		code := strings.TrimSpace(s.Skill)
		_, known := taxonomy.SkillByCode(code)
		check(!known, fmt.Sprintf("skills[%d].skill", i), "skill %q is not in the taxonomy", s.Skill)
		check(s.Level < 1 || s.Level > 4, fmt.Sprintf("skills[%d].level", i), "the level of %s must be between 1 (notions) and 4 (expert)", taxonomy.SkillWords(code))
		check(known && seen[code], fmt.Sprintf("skills[%d].skill", i), "skill %s is listed twice", taxonomy.SkillWords(code))
		seen[code] = true
		p.Skills[i].Skill = code
	}
	check(len(p.Skills) > 100, "skills", "a profile holds 100 skills at most")
	check(p.HoursPerWeek < 0 || p.HoursPerWeek > 60, "hours_per_week", "the hours per week must be between 0 and 60")
	check(p.RadiusKM < 0 || p.RadiusKM > 1000, "radius_km", "the distance must be between 0 and 1 000 km")
	check((p.HomeLat == nil) != (p.HomeLon == nil), "home_lat", "give both home_lat and home_lon, or neither")
	check(p.HomeLat != nil && (*p.HomeLat < -90 || *p.HomeLat > 90), "home_lat", "home_lat must be within ±90")
	check(p.HomeLon != nil && (*p.HomeLon < -180 || *p.HomeLon > 180), "home_lon", "home_lon must be within ±180")
	check(len([]rune(p.HomeCity)) > 200, "home_city", "home_city is longer than 200 characters")
	var err error
	if p.Days, err = inSet("days", p.Days, Weekdays); err != nil {
		bad.Add(asField(err))
	}
	if p.Formats, err = inSet("formats", p.Formats, profileFormats); err != nil {
		bad.Add(asField(err))
	} else {
		check(len(p.Formats) == 0, "formats", "accept at least one format: remote, on_site or hybrid")
	}
	p.Languages = cleanList(lower(p.Languages))
	for _, l := range p.Languages {
		check(!isISO6391(l), "languages", "%q is not an ISO 639-1 language code (such as fr, en, es)", l)
	}
	p.Causes = cleanList(p.Causes)
	for _, c := range p.Causes {
		_, ok := taxonomy.CauseByCode(c)
		check(!ok, "causes", "cause %q is not in the list of causes", c)
	}
	if err := bad.Err(); err != nil {
		return err
	}
	slices.SortFunc(p.Skills, func(a, b ProfileSkill) int { return strings.Compare(a.Skill, b.Skill) })
	return nil
}

// inSet checks that every value is one of allowed and returns them in
// allowed's order, without duplicates.
func inSet(field string, values, allowed []string) ([]string, error) {
	for _, v := range values {
		if !slices.Contains(allowed, v) {
			return nil, errs.Field(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
		}
	}
	out := []string{}
	for _, a := range allowed {
		if slices.Contains(values, a) {
			out = append(out, a)
		}
	}
	return out, nil
}

func lower(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.ToLower(strings.TrimSpace(s))
	}
	return out
}

// iso6391 lists the two-letter codes of ISO 639-1 (184 languages).
const iso6391 = "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy " +
	"da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz " +
	"ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt " +
	"lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt " +
	"qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to " +
	"tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"

func isISO6391(code string) bool {
	return len(code) == 2 && strings.Contains(" "+iso6391+" ", " "+code+" ")
}

// ProfileStore keeps employees' profiles, in the company of the context.
// The member is always the caller: the HTTP layer passes the principal's
// id, never one from the request.
type ProfileStore interface {
	// Profile returns the member's profile, or nil when none was saved.
	Profile(ctx context.Context, memberID uuid.UUID) (*Profile, error)
	// SaveProfile writes the whole profile of p.MemberID.
	SaveProfile(ctx context.Context, p *Profile) error
}

// Profile returns the member's profile, the defaults if never saved.
func (s *Service) Profile(ctx context.Context, member uuid.UUID) (*Profile, error) {
	p, err := s.st.Profiles.Profile(ctx, member)
	if err != nil || p != nil {
		return p, err
	}
	return DefaultProfile(member), nil
}

// SaveProfile changes the member's profile: the fields given replace the
// profile's (ProfileInput).
func (s *Service) SaveProfile(ctx context.Context, member uuid.UUID, in ProfileInput) (*Profile, error) {
	p, err := s.Profile(ctx, member)
	if err != nil {
		return nil, err
	}
	city, placed := p.HomeCity, p.HomeLat != nil && p.HomeLon != nil
	var lat, lon float64
	if placed {
		lat, lon = *p.HomeLat, *p.HomeLon
	}
	in.applyTo(p)
	p.MemberID = member
	// A city without coordinates of its own is placed from the gazetteer, or
	// left unplaced: coordinates of a former home would measure wrong.
	given := p.HomeLat != nil && p.HomeLon != nil && (!placed || *p.HomeLat != lat || *p.HomeLon != lon)
	if !given && (strings.TrimSpace(p.HomeCity) != city || p.HomeLat == nil) {
		p.HomeLat, p.HomeLon = nil, nil
		if c, ok := geo.Lookup(p.HomeCity); ok {
			p.HomeLat, p.HomeLon = &c.Lat, &c.Lon
		}
	}
	if p.Skills == nil {
		p.Skills = []ProfileSkill{}
	}
	if err := p.Normalize(); err != nil {
		return nil, err
	}
	if err := s.st.Profiles.SaveProfile(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

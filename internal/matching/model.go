package matching

import (
	"math"
	"time"
)

// Format says where a mission takes place.
type Format uint8

const (
	Remote Format = iota // done from anywhere
	OnSite               // done at the mission's place
)

func (f Format) String() string {
	if f == OnSite {
		return "on_site"
	}
	return "remote"
}

// FormatPref says which missions an employee accepts.
type FormatPref uint8

const (
	AnyFormat  FormatPref = iota // remote or on site
	RemoteOnly                   // e.g. aged 70+ or chronically ill during a crisis
	OnSiteOnly
)

// Accepts reports whether an employee with this preference may take a
// mission of format f.
func (p FormatPref) Accepts(f Format) bool {
	switch p {
	case RemoteOnly:
		return f == Remote
	case OnSiteOnly:
		return f == OnSite
	}
	return true
}

// Level is a skill level from 1 (notions) to 4 (expert); 0 means none.
type Level uint8

// MaxLevel is the highest skill level.
const MaxLevel Level = 4

// SkillLevel is a skill an employee has.
type SkillLevel struct {
	Code  string `json:"code"`
	Level Level  `json:"level"`
}

// SkillNeed is a skill a mission asks for.
type SkillNeed struct {
	Code     string `json:"code"`
	Level    Level  `json:"level"`    // minimum level wanted; 0 counts as 1
	Required bool   `json:"required"` // required skills weigh more than nice-to-have ones
}

// GeoPoint is a WGS84 position in degrees.
type GeoPoint struct {
	Lat, Lon float64
}

// DistanceKm is the great-circle distance between two points.
func DistanceKm(a, b GeoPoint) float64 {
	const r = 6371.0
	la1, la2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dLat := la2 - la1
	dLon := (b.Lon - a.Lon) * math.Pi / 180
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Employee is what matching needs to know of one employee in one campaign.
type Employee struct {
	ID           string
	Skills       []SkillLevel
	Causes       []string // cause codes the employee cares about; empty = no preference
	Format       FormatPref
	Home         GeoPoint // where on-site distances are measured from
	RadiusKm     float64  // on-site missions farther than this are out
	HoursPerWeek float64  // hours the employee offers per week
	// AvailableFrom and AvailableTo bound the employee's availability; a zero
	// value leaves that side open.
	AvailableFrom, AvailableTo time.Time
	// Taken is how many participations the employee already has in the
	// campaign; it counts against the campaign limit.
	Taken int
	// Declined lists missions the employee declined in this campaign; they
	// are not proposed again.
	Declined []string
}

// Mission is what matching needs to know of one mission.
type Mission struct {
	ID           string
	Association  string
	Skills       []SkillNeed
	Cause        string
	Format       Format
	Place        GeoPoint // meaningful for on-site missions
	HoursPerWeek float64  // commitment asked
	Start, End   time.Time
	PlacesLeft   int
	Places       int  // total places, for the popularity measure; 0 = PlacesLeft
	Vital        bool // one of the four vital missions of a crisis drive
}

// popularity is the share of the mission's places already taken, in [0, 1].
func (m *Mission) popularity() float64 {
	if m.Places <= 0 || m.PlacesLeft >= m.Places {
		return 0
	}
	if m.PlacesLeft <= 0 {
		return 1
	}
	return float64(m.Places-m.PlacesLeft) / float64(m.Places)
}

// Campaign holds the campaign-wide settings that change eligibility and scores.
type Campaign struct {
	// MaxPerEmployee is the campaign limit: how many missions one employee may
	// take in the campaign (default 1).
	MaxPerEmployee int
	// Crisis turns on the vital-mission boost.
	Crisis bool
	// SpreadVolunteers turns on the popularity penalty, which spreads
	// volunteers over more associations.
	SpreadVolunteers bool
	// MinScore is the threshold below which a pair is neither recommended nor
	// allocated (default 1).
	MinScore int
}

func (c Campaign) limit() int {
	if c.MaxPerEmployee <= 0 {
		return 1
	}
	return c.MaxPerEmployee
}

func (c Campaign) minScore() int {
	if c.MinScore <= 0 {
		return 1
	}
	return c.MinScore
}

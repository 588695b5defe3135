package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // dates are read in Europe/Paris whatever the host's zoneinfo

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/taxonomy"
)

// MaxImport is the most missions one import file may hold: a bigger file
// is refused before anything is stored, so that a report stays readable
// and one request stays within minutes.
const MaxImport = 20000

// FieldFile names the import file itself in errors about its shape.
const FieldFile = "file"

// ImportMission is one mission of an import file, in a schema close to the
// public "API Engagement" mission format (docs/search.md): the same field
// names, reduced to what Vendredi uses. Fields it does not know are
// ignored, so that an API Engagement export can be sent as it is.
type ImportMission struct {
	ClientID          string       `json:"clientId"`
	ExternalID        string       `json:"externalId"` // an alias of clientId
	Title             string       `json:"title"`
	Description       string       `json:"description"`
	OrganizationName  string       `json:"organizationName"`
	OrganizationRNA   string       `json:"organizationRNA"`
	OrganizationSiret string       `json:"organizationSiret"`
	Address           string       `json:"address"`
	PostalCode        string       `json:"postalCode"`
	City              string       `json:"city"`
	Location          *ImportPoint `json:"location"`
	Places            *int         `json:"places"`
	Remote            string       `json:"remote"` // no | possible | full
	Domain            string       `json:"domain"`
	Skills            []string     `json:"skills"`
	StartAt           string       `json:"startAt"`
	EndAt             string       `json:"endAt"`
}

// ImportPoint is the geo point of an imported mission.
type ImportPoint struct {
	Lat *float64 `json:"lat"`
	Lon *float64 `json:"lon"`
}

// ImportKey is what identifies an imported mission's association.
type ImportKey struct {
	LegalID string // RNA (W + 9 digits) or SIRET (14 digits)
	Field   string // organizationRNA or organizationSiret: where it came from
}

// ImportItem is one mission of an import file, decoded and checked: ready
// to store, or rejected (Err, an *errs.Error whose Field names the file's
// field at fault).
type ImportItem struct {
	Index            int
	ExternalID       string
	Organization     ImportKey
	OrganizationName string
	Mission          Mission
	Err              *errs.Error
}

// Domains of API Engagement and the causes they map to. Our own cause codes
// are accepted too; "autre" and "benevolat-competences" name no cause.
var importDomains = map[string]string{
	"environnement":          "environment",
	"solidarite-insertion":   "solidarity",
	"sante":                  "health",
	"culture-loisirs":        "culture",
	"education":              "education",
	"emploi":                 "solidarity",
	"sport":                  "sport",
	"humanitaire":            "international",
	"animaux":                "environment",
	"vivre-ensemble":         "citizenship",
	"prevention-protection":  "emergency",
	"memoire-et-citoyennete": "memory",
	"autre":                  "",
	"benevolat-competences":  "",
}

// Which field of the file each field of Mission comes from, to name the
// file's field when Normalize refuses a mission.
var importFieldOf = map[string]string{
	"title":       "title",
	"description": "description",
	"format":      "remote",
	"cause":       "domain",
	"places":      "places",
	"lat":         "location",
	"postal_code": "postalCode",
	"ends_on":     "endAt",
	"slots":       "startAt",
	"skills":      "skills",
}

var (
	rnaRE   = regexp.MustCompile(`^W[0-9]{9}$`)
	siretRE = regexp.MustCompile(`^[0-9]{14}$`)
	paris   = mustZone("Europe/Paris")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is embedded: cannot happen
	}
	return loc
}

// ReadImport reads an import file: a JSON array of missions, or an object
// whose "missions" member is that array. It makes two passes over file. The
// first checks the JSON and counts the missions without keeping any: a
// syntax error, a wrong shape or more than max missions is an errs.Invalid
// naming "file", and fn is never called. The second decodes one mission at
// a time, so that a big file never sits whole in memory, and calls fn with
// each, rejected or not; an error from fn stops the reading.
func ReadImport(file io.ReadSeeker, max int, fn func(ImportItem) error) error {
	n := 0
	err := walkImport(file, func(dec *json.Decoder, _ int) error {
		n++
		if n > max {
			return errs.Field(FieldFile, "the file holds more than %d missions: split it", max)
		}
		var skip json.RawMessage
		return dec.Decode(&skip)
	})
	if err != nil {
		return err
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind the import file: %w", err)
	}
	return walkImport(file, func(dec *json.Decoder, i int) error {
		var m ImportMission
		err := dec.Decode(&m)
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr):
			// The value was read whole: the file goes on after it.
			id := strings.TrimSpace(m.ClientID)
			if id == "" {
				id = strings.TrimSpace(m.ExternalID)
			}
			return fn(ImportItem{Index: i, ExternalID: id, Err: typeError(typeErr)})
		case err != nil:
			return err
		}
		return fn(m.Item(i))
	})
}

// typeError names the field whose JSON type is wrong and the type wanted.
func typeError(e *json.UnmarshalTypeError) *errs.Error {
	if e.Field == "" {
		return errs.Field("mission", "each mission must be a JSON object, not a %s", e.Value)
	}
	want := "another type"
	switch e.Type.String() {
	case "string":
		want = "a string"
	case "int", "*int":
		want = "a whole number"
	case "float64", "*float64":
		want = "a number"
	case "[]string":
		want = "an array of strings"
	case "catalog.ImportPoint", "*catalog.ImportPoint":
		want = "an object {\"lat\": …, \"lon\": …}"
	}
	return errs.Field(e.Field, "%s is a JSON %s; want %s", e.Field, e.Value, want)
}

// walkImport finds the array of missions in file and calls each with the
// decoder positioned on each element in turn; each must consume it. The
// whole file is read: anything after the JSON document is an error.
func walkImport(file io.Reader, each func(dec *json.Decoder, i int) error) error {
	dec := json.NewDecoder(file)
	shape := errs.Field(FieldFile, "the file must be a JSON array of missions, or an object whose \"missions\" member is that array")
	// skipMembers reads an object's members up to "missions" (true) or to
	// its end (false).
	skipMembers := func() (bool, error) {
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return false, err
			}
			if key == "missions" {
				return true, nil
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return false, err
			}
		}
		_, err := dec.Token() // the closing brace
		return false, err
	}
	tok, err := dec.Token()
	if err != nil {
		return syntaxError(dec, err)
	}
	wrapped := tok == json.Delim('{')
	if wrapped {
		found, err := skipMembers()
		if err != nil {
			return syntaxError(dec, err)
		}
		if !found {
			return shape
		}
		if tok, err = dec.Token(); err != nil {
			return syntaxError(dec, err)
		}
	}
	if tok != json.Delim('[') {
		return shape
	}
	for i := 0; dec.More(); i++ {
		if err := each(dec, i); err != nil {
			return syntaxError(dec, err)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return syntaxError(dec, err)
	}
	if wrapped {
		if _, err := skipMembers(); err != nil {
			return syntaxError(dec, err)
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return errs.Field(FieldFile, "the file goes on after its JSON document (byte %d)", dec.InputOffset())
		}
		return syntaxError(dec, err)
	}
	return nil
}

// syntaxError turns a decoding failure into a 400 that says where the file
// is broken; errors of ours and of the callback pass through.
func syntaxError(dec *json.Decoder, err error) error {
	var e *errs.Error
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &e):
		return err
	case errors.As(err, &syn):
		return &errs.Error{Code: errs.Invalid, Field: FieldFile, Err: err,
			Message: fmt.Sprintf("the file is not valid JSON near byte %d: %s", syn.Offset, syn.Error())}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &errs.Error{Code: errs.Invalid, Field: FieldFile, Err: err,
			Message: fmt.Sprintf("the file ends in the middle of its JSON (byte %d)", dec.InputOffset())}
	}
	return err
}

// Item checks an imported mission and maps it to a Mission: format from
// remote, cause from domain, dates from startAt and endAt (in Europe/Paris),
// one place when places is missing. The mission is open, shown to every
// company; its association is found by the caller from Organization.
func (im ImportMission) Item(index int) ImportItem {
	it := ImportItem{Index: index, ExternalID: strings.TrimSpace(im.ClientID), OrganizationName: strings.TrimSpace(im.OrganizationName)}
	if it.ExternalID == "" {
		it.ExternalID = strings.TrimSpace(im.ExternalID)
	}
	it.Err = it.fill(im)
	return it
}

func (it *ImportItem) fill(im ImportMission) *errs.Error {
	switch {
	case it.ExternalID == "":
		return errs.Field("clientId", "clientId is required: it tells a new mission from an update")
	case len(it.ExternalID) > 200:
		return errs.Field("clientId", "clientId is longer than 200 characters")
	}
	rna := strings.ToUpper(strings.TrimSpace(im.OrganizationRNA))
	siret := strings.ReplaceAll(strings.TrimSpace(im.OrganizationSiret), " ", "")
	switch {
	case rna != "":
		if !rnaRE.MatchString(rna) {
			return errs.Field("organizationRNA", "organizationRNA %q is not an RNA number (W and 9 digits)", rna)
		}
		it.Organization = ImportKey{LegalID: rna, Field: "organizationRNA"}
	case siret != "":
		if !siretRE.MatchString(siret) {
			return errs.Field("organizationSiret", "organizationSiret %q is not a SIRET number (14 digits)", siret)
		}
		it.Organization = ImportKey{LegalID: siret, Field: "organizationSiret"}
	default:
		return errs.Field("organizationRNA", "the organisation's organizationRNA or organizationSiret is required")
	}
	m := &it.Mission
	m.Title, m.Description = im.Title, im.Description
	m.Address, m.PostalCode, m.City = strings.TrimSpace(im.Address), im.PostalCode, strings.TrimSpace(im.City)
	m.Status, m.Visibility, m.ExternalID = MissionOpen, "all", it.ExternalID
	switch strings.TrimSpace(im.Remote) {
	case "", "no":
		m.Format = OnSite
	case "possible":
		m.Format = Hybrid
	case "full":
		m.Format = Remote
	default:
		return errs.Field("remote", "remote %q is not one of no, possible, full", im.Remote)
	}
	if l := im.Location; l != nil && (l.Lat != nil || l.Lon != nil) {
		if l.Lat == nil || l.Lon == nil {
			return errs.Field("location", "location needs both lat and lon")
		}
		m.Lat, m.Lon = l.Lat, l.Lon
	}
	domain := strings.TrimSpace(im.Domain)
	if cause, ok := importDomains[domain]; ok {
		m.Cause = cause
	} else if _, ok := taxonomy.CauseByCode(domain); ok {
		m.Cause = domain
	} else if domain != "" {
		return errs.Field("domain", "domain %q is not one Vendredi knows (see docs/search.md)", domain)
	}
	m.Places = 1
	if im.Places != nil {
		m.Places = *im.Places
	}
	m.PlacesLeft = m.Places
	seen := map[string]bool{}
	for _, code := range im.Skills {
		code = strings.TrimSpace(code)
		if code == "" || seen[code] {
			continue
		}
		if _, ok := taxonomy.SkillByCode(code); !ok {
			return errs.Field("skills", "skill %q is not in Vendredi's taxonomy", code)
		}
		seen[code] = true
		m.Skills = append(m.Skills, SkillNeed{Skill: code, Level: 2, Required: true})
	}
	var err *errs.Error
	if m.StartsOn, err = importDate("startAt", im.StartAt); err != nil {
		return err
	}
	if m.EndsOn, err = importDate("endAt", im.EndAt); err != nil {
		return err
	}
	m.DateKind = "ongoing"
	if m.StartsOn != nil && m.EndsOn != nil && m.StartsOn.Equal(*m.EndsOn) {
		m.DateKind = "one_off"
	}
	if err := m.Normalize(); err != nil {
		var e *errs.Error
		if errors.As(err, &e) {
			field := importFieldOf[e.Field]
			if field == "" {
				field = e.Field
			}
			return errs.Field(field, "%s", e.Message)
		}
		return errs.Field("mission", "%s", err.Error())
	}
	return nil
}

// importDate reads an RFC 3339 time (API Engagement's) or a plain date, as
// a date in Europe/Paris.
func importDate(field, s string) (*time.Time, *errs.Error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var t time.Time
	var err error
	if len(s) == len(time.DateOnly) {
		t, err = time.Parse(time.DateOnly, s)
	} else {
		t, err = time.Parse(time.RFC3339, s)
		if err == nil {
			y, mo, d := t.In(paris).Date()
			t = time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
		}
	}
	if err != nil {
		return nil, errs.Field(field, "%s %q is not a date (2020-03-23) or a time (2020-03-23T09:00:00+01:00)", field, s)
	}
	return &t, nil
}

package catalog_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
)

func read(t *testing.T, file string, max int) ([]catalog.ImportItem, error) {
	t.Helper()
	var items []catalog.ImportItem
	err := catalog.ReadImport(strings.NewReader(file), max, func(it catalog.ImportItem) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

const mission = `{"clientId": "c-%d", "title": "Mission %d", "organizationRNA": "W123456789", "remote": "full"}`

func missions(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(mission, i, i)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func TestReadImportAcceptsAnArrayOrAnObjectWithMissions(t *testing.T) {
	t.Parallel()
	for name, file := range map[string]string{
		"array":   missions(3),
		"wrapped": `{"total": 3, "missions": ` + missions(3) + `, "next": null}`,
	} {
		items, err := read(t, file, 10)
		if err != nil || len(items) != 3 || items[2].Index != 2 || items[2].ExternalID != "c-2" || items[2].Err != nil {
			t.Errorf("%s: %d items, %v", name, len(items), err)
		}
	}
	if items, err := read(t, "[]", 10); err != nil || len(items) != 0 {
		t.Errorf("an empty array: %v %v", items, err)
	}
}

func TestReadImportRefusesABadFileBeforeAnyMission(t *testing.T) {
	t.Parallel()
	for name, file := range map[string]string{
		"syntax error at the end":  strings.TrimSuffix(missions(3), "]") + ", {",
		"truncated":                missions(3)[:40],
		"not JSON":                 "clientId,title\nc-1,Mission",
		"a string":                 `"missions"`,
		"an object without them":   `{"data": ` + missions(2) + `}`,
		"missions is not an array": `{"missions": {"clientId": "c-1"}}`,
		"two documents":            missions(1) + missions(1),
		"too many":                 missions(6),
	} {
		items, err := read(t, file, 5)
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != catalog.FieldFile || len(items) != 0 {
			t.Errorf("%s: %v after %d missions; want invalid naming file, before any mission", name, err, len(items))
		}
	}
	if _, err := read(t, missions(5), 5); err != nil {
		t.Errorf("exactly the most allowed: %v", err)
	}
}

func TestReadImportStopsWhenTheCallbackFails(t *testing.T) {
	t.Parallel()
	stop := errors.New("database down")
	calls := 0
	err := catalog.ReadImport(strings.NewReader(missions(4)), 10, func(catalog.ImportItem) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Fatalf("%v after %d calls; want the callback's error after 2", err, calls)
	}
}

// chunky is a seekable reader that records the biggest read asked of it:
// the decoder reads in small chunks, it never needs the whole file at
// once.
type chunky struct {
	*strings.Reader
	biggest int
}

func (c *chunky) Read(p []byte) (int, error) {
	n, err := c.Reader.Read(p)
	c.biggest = max(c.biggest, len(p))
	return n, err
}

func TestReadImportReadsInChunks(t *testing.T) {
	t.Parallel()
	file := missions(2000) // about 200 kB
	r := &chunky{Reader: strings.NewReader(file)}
	n := 0
	if err := catalog.ReadImport(r, 5000, func(catalog.ImportItem) error { n++; return nil }); err != nil || n != 2000 {
		t.Fatalf("%d missions, %v", n, err)
	}
	if r.biggest > len(file)/10 {
		t.Errorf("the decoder asked for %d bytes at once of a %d-byte file", r.biggest, len(file))
	}
	var _ io.ReadSeeker = r
}

func TestImportMissionMapsAPIEngagementFields(t *testing.T) {
	t.Parallel()
	items, err := read(t, `[
		{"clientId": " ext-1 ", "title": " Distribution de repas ", "description": "Servir des repas chauds.",
		 "organizationName": "Les Restos", "organizationSiret": "123 456 789 00012", "address": "1 rue de la Paix",
		 "postalCode": "75002", "city": "Paris", "location": {"lat": 48.869, "lon": 2.331}, "places": 8, "remote": "possible",
		 "domain": "solidarite-insertion", "skills": ["logistics.food-distribution", "care.active-listening"],
		 "startAt": "2020-04-01T08:00:00+02:00", "endAt": "2020-06-30", "activity": "ignored", "tags": ["ignored"]},
		{"externalId": "ext-2", "title": "Soutien scolaire", "organizationRNA": "w123456789", "remote": "full", "domain": "education",
		 "startAt": "2020-05-04", "endAt": "2020-05-04"}
	]`, 10)
	if err != nil || len(items) != 2 || items[0].Err != nil || items[1].Err != nil {
		t.Fatalf("%v %+v", err, items)
	}
	a, b := items[0], items[1]
	m := a.Mission
	switch {
	case a.ExternalID != "ext-1" || a.Organization != (catalog.ImportKey{LegalID: "12345678900012", Field: "organizationSiret"}) || a.OrganizationName != "Les Restos":
		t.Errorf("identity: %+v", a)
	case m.Title != "Distribution de repas" || m.Format != catalog.Hybrid || m.Cause != "solidarity" || m.Places != 8 || m.PlacesLeft != 8:
		t.Errorf("mission: %+v", m)
	case *m.Lat != 48.869 || *m.Lon != 2.331 || m.City != "Paris" || m.PostalCode != "75002" || m.Address != "1 rue de la Paix":
		t.Errorf("place: %+v", m)
	case len(m.Skills) != 2 || m.Skills[0] != (catalog.SkillNeed{Skill: "logistics.food-distribution", Level: 2, Required: true}):
		t.Errorf("skills: %+v", m.Skills)
	case m.StartsOn.Format("2006-01-02") != "2020-04-01" || m.EndsOn.Format("2006-01-02") != "2020-06-30" || m.DateKind != "ongoing":
		t.Errorf("dates: %v %v %s", m.StartsOn, m.EndsOn, m.DateKind)
	case m.Status != catalog.MissionOpen || m.Visibility != "all" || m.ExternalID != "ext-1":
		t.Errorf("status: %+v", m)
	}
	if b.ExternalID != "ext-2" || b.Organization.LegalID != "W123456789" || b.Mission.Format != catalog.Remote ||
		b.Mission.Places != 1 || b.Mission.DateKind != "one_off" || b.Mission.Cause != "education" {
		t.Errorf("second: %+v", b)
	}
}

func TestImportMissionRejectionsNameTheField(t *testing.T) {
	t.Parallel()
	const ok = `"clientId": "x", "title": "T", "organizationRNA": "W123456789", "remote": "full"`
	for _, tc := range []struct{ mission, field string }{
		{`{"title": "T", "organizationRNA": "W123456789", "remote": "full"}`, "clientId"},
		{`{"clientId": "x", "title": "T", "remote": "full"}`, "organizationRNA"},
		{`{"clientId": "x", "title": "T", "organizationRNA": "123", "remote": "full"}`, "organizationRNA"},
		{`{"clientId": "x", "title": "T", "organizationSiret": "123", "remote": "full"}`, "organizationSiret"},
		{`{` + ok + `, "title": ""}`, "title"},
		{`{` + ok + `, "remote": "sometimes"}`, "remote"},
		{`{` + ok + `, "remote": "no"}`, "location"},
		{`{` + ok + `, "location": {"lat": 48.8}}`, "location"},
		{`{` + ok + `, "location": "Paris"}`, "location"},
		{`{` + ok + `, "domain": "astrologie"}`, "domain"},
		{`{` + ok + `, "skills": ["it.web-dev", "it.cobol"]}`, "skills"},
		{`{` + ok + `, "skills": "it.web-dev"}`, "skills"},
		{`{` + ok + `, "places": 0}`, "places"},
		{`{` + ok + `, "places": "8"}`, "places"},
		{`{` + ok + `, "startAt": "1er avril"}`, "startAt"},
		{`{` + ok + `, "startAt": "2020-05-01", "endAt": "2020-04-01"}`, "endAt"},
		{`{` + ok + `, "postalCode": "7500"}`, "postalCode"},
		{`"a string"`, "mission"},
	} {
		items, err := read(t, "["+tc.mission+`, {`+ok+`}]`, 10)
		if err != nil || len(items) != 2 {
			t.Fatalf("%s: %v, %d items", tc.mission, err, len(items))
		}
		if e := items[0].Err; e == nil || e.Code != errs.Invalid || e.Field != tc.field || e.Message == "" {
			t.Errorf("%s: %v; want rejected naming %s", tc.mission, e, tc.field)
		}
		if items[1].Err != nil {
			t.Errorf("%s: the next mission is rejected too: %v", tc.mission, items[1].Err)
		}
	}
}

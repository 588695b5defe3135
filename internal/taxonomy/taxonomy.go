// Package taxonomy holds the reference data shared by the catalogue and the
// matching engine: a curated skills taxonomy (grouped in families, so that a
// close skill can earn partial credit) and the cause domains associations work
// for. The data is embedded so that the catalogue can seed PostgreSQL from it
// and tests can use it without a database.
//
// ROME 4.0 and ESCO codes are filled in only where they are known for certain;
// an empty code means "not mapped yet", never "no equivalent".
package taxonomy

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/vendredi-app/vendredi/internal/errs"
)

//go:embed data/*.csv
var dataFS embed.FS

// Family groups skills that are close enough for one to stand in, partly,
// for another.
type Family struct {
	Code    string
	LabelFR string
	LabelEN string
}

// Skill is one entry of the skills taxonomy.
type Skill struct {
	Code    string // stable, e.g. "it.web-dev"; never reused for another meaning
	Family  string // a Family code
	LabelFR string
	LabelEN string
	ROME    string // ROME 4.0 code, empty when not mapped
	ESCO    string // ESCO URI, empty when not mapped
}

// Cause is a cause domain an association works for and an employee may care about.
type Cause struct {
	Code    string
	LabelFR string
	LabelEN string
	// SpecialRate: gifts to this cause's organisations help people in
	// difficulty and earn the full mécénat rate whatever their amount
	// (CGI art. 238 bis 1, second paragraph). Staff may change it.
	SpecialRate bool
}

type catalogue struct {
	families []Family
	skills   []Skill
	causes   []Cause
	famIdx   map[string]int
	skillIdx map[string]int
	causeIdx map[string]int
}

var (
	loadOnce sync.Once
	loaded   *catalogue
	loadErr  error
)

func load() *catalogue {
	loadOnce.Do(func() { loaded, loadErr = parseAll() })
	if loadErr != nil {
		// The data is compiled in; a parse error is a build defect caught by the tests.
		panic(loadErr)
	}
	return loaded
}

func parseAll() (*catalogue, error) {
	c := &catalogue{famIdx: map[string]int{}, skillIdx: map[string]int{}, causeIdx: map[string]int{}}
	err := readCSV("data/families.csv", 3, func(r []string) error {
		c.families = append(c.families, Family{Code: r[0], LabelFR: r[1], LabelEN: r[2]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV("data/skills.csv", 6, func(r []string) error {
		c.skills = append(c.skills, Skill{Code: r[0], Family: r[1], LabelFR: r[2], LabelEN: r[3], ROME: r[4], ESCO: r[5]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV("data/causes.csv", 4, func(r []string) error {
		c.causes = append(c.causes, Cause{Code: r[0], LabelFR: r[1], LabelEN: r[2], SpecialRate: r[3] == "true"})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, f := range c.families {
		c.famIdx[f.Code] = i
	}
	for i, s := range c.skills {
		c.skillIdx[s.Code] = i
	}
	for i, s := range c.causes {
		c.causeIdx[s.Code] = i
	}
	return c, nil
}

func readCSV(name string, cols int, row func([]string) error) error {
	f, err := dataFS.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = cols
	header := true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("taxonomy %s: %w", name, err)
		}
		if header {
			header = false
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if err := row(rec); err != nil {
			return err
		}
	}
}

// Families lists the skill families in their reference order.
func Families() []Family { return append([]Family(nil), load().families...) }

// Skills lists every skill, grouped by family in reference order.
func Skills() []Skill { return append([]Skill(nil), load().skills...) }

// Causes lists the cause domains in reference order.
func Causes() []Cause { return append([]Cause(nil), load().causes...) }

// SkillByCode finds a skill by its stable code.
func SkillByCode(code string) (Skill, bool) {
	c := load()
	i, ok := c.skillIdx[code]
	if !ok {
		return Skill{}, false
	}
	return c.skills[i], true
}

// FamilyByCode finds a family by its code.
func FamilyByCode(code string) (Family, bool) {
	c := load()
	i, ok := c.famIdx[code]
	if !ok {
		return Family{}, false
	}
	return c.families[i], true
}

// CauseByCode finds a cause domain by its code.
func CauseByCode(code string) (Cause, bool) {
	c := load()
	i, ok := c.causeIdx[code]
	if !ok {
		return Cause{}, false
	}
	return c.causes[i], true
}

// SkillsOf lists the skills of one family, sorted by code.
func SkillsOf(family string) []Skill {
	var out []Skill
	for _, s := range load().skills {
		if s.Family == family {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// SkillWords is a skill as each language names it, for a message that
// speaks of it (errs.Words): its code when it is not in the taxonomy.
func SkillWords(code string) errs.Words {
	if s, ok := SkillByCode(code); ok {
		return errs.Words{"fr": s.LabelFR, "en": s.LabelEN}
	}
	return errs.Words{"en": code}
}

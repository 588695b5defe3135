package campaign

import (
	"testing"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

func TestProfileRulesNameTheField(t *testing.T) {
	t.Parallel()
	for field, edit := range map[string]func(*Profile){
		"skills[0].skill": func(p *Profile) { p.Skills = []ProfileSkill{{Skill: "juggling", Level: 2}} },
		"skills[1].skill": func(p *Profile) {
			p.Skills = []ProfileSkill{{Skill: "it.web-dev", Level: 2}, {Skill: "it.web-dev", Level: 3}}
		},
		"skills[0].level": func(p *Profile) { p.Skills = []ProfileSkill{{Skill: "it.web-dev", Level: 5}} },
		"formats":         func(p *Profile) { p.Formats = []string{"remote", "by_pigeon"} },
		"radius_km":       func(p *Profile) { p.RadiusKM = 1001 },
		"languages":       func(p *Profile) { p.Languages = []string{"fra"} },
		"causes":          func(p *Profile) { p.Causes = []string{"knitting"} },
		"days":            func(p *Profile) { p.Days = []string{"monday"} },
		"home_lon":        func(p *Profile) { p.HomeLat, p.HomeLon = ptr(45.0), ptr(200.0) },
	} {
		p := DefaultProfile(uuid.Nil)
		edit(p)
		var e *errs.Error
		if err := p.Normalize(); !asErr(err, &e) || e.Field != field {
			t.Errorf("%s: %v; want an error naming it", field, err)
		}
	}
	p := DefaultProfile(uuid.Nil)
	p.Languages, p.Days, p.Formats = []string{" EN", "fr", "en"}, []string{"sun", "mon"}, []string{"on_site", "remote"}
	p.Skills = []ProfileSkill{{Skill: "it.web-dev", Level: 4}, {Skill: "communication.writing", Level: 1}}
	if err := p.Normalize(); err != nil || p.Languages[0] != "en" || len(p.Languages) != 2 || p.Days[0] != "mon" ||
		p.Formats[0] != "remote" || p.Skills[0].Skill != "communication.writing" {
		t.Fatalf("normalized %+v (%v); want lower-case languages without repeats, days and formats in order, skills sorted", p, err)
	}
}

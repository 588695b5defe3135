package taxonomy

import (
	"strings"
	"testing"
)

func TestReferenceDataIsConsistent(t *testing.T) {
	if _, err := parseAll(); err != nil {
		t.Fatalf("embedded data does not parse: %v", err)
	}
	fams := Families()
	if len(fams) < 8 {
		t.Errorf("want about ten families, got %d", len(fams))
	}
	seen := map[string]bool{}
	for _, f := range fams {
		if f.Code == "" || f.LabelFR == "" || f.LabelEN == "" {
			t.Errorf("family %+v has an empty field", f)
		}
		if seen["family:"+f.Code] {
			t.Errorf("family code %q is not unique", f.Code)
		}
		seen["family:"+f.Code] = true
	}
	skills := Skills()
	if len(skills) < 60 {
		t.Errorf("want at least 60 skills, got %d", len(skills))
	}
	perFamily := map[string]int{}
	for _, s := range skills {
		if s.Code == "" || s.LabelFR == "" || s.LabelEN == "" {
			t.Errorf("skill %+v has an empty code or label", s)
		}
		if seen["skill:"+s.Code] {
			t.Errorf("skill code %q is not unique", s.Code)
		}
		seen["skill:"+s.Code] = true
		if _, ok := FamilyByCode(s.Family); !ok {
			t.Errorf("skill %q belongs to unknown family %q", s.Code, s.Family)
		}
		if !strings.HasPrefix(s.Code, s.Family+".") {
			t.Errorf("skill code %q should start with its family %q", s.Code, s.Family)
		}
		perFamily[s.Family]++
	}
	for _, f := range fams {
		if perFamily[f.Code] < 2 {
			t.Errorf("family %q has %d skills; partial credit needs at least two", f.Code, perFamily[f.Code])
		}
	}
	causes := Causes()
	if len(causes) < 8 {
		t.Errorf("want at least 8 causes, got %d", len(causes))
	}
	for _, c := range causes {
		if c.Code == "" || c.LabelFR == "" || c.LabelEN == "" {
			t.Errorf("cause %+v has an empty field", c)
		}
		if seen["cause:"+c.Code] {
			t.Errorf("cause code %q is not unique", c.Code)
		}
		seen["cause:"+c.Code] = true
	}
}

func TestLookups(t *testing.T) {
	s, ok := SkillByCode("it.web-dev")
	if !ok || s.Family != "it" || s.LabelEN != "Web development" {
		t.Errorf("SkillByCode(it.web-dev) = %+v, %v", s, ok)
	}
	if _, ok := SkillByCode("it.quantum-knitting"); ok {
		t.Error("unknown skill code was found")
	}
	if c, ok := CauseByCode("emergency"); !ok || c.LabelFR == "" {
		t.Errorf("CauseByCode(emergency) = %+v, %v", c, ok)
	}
	if _, ok := CauseByCode("nope"); ok {
		t.Error("unknown cause code was found")
	}
	it := SkillsOf("it")
	if len(it) < 5 {
		t.Errorf("SkillsOf(it) = %d skills", len(it))
	}
	for i := 1; i < len(it); i++ {
		if it[i-1].Code >= it[i].Code {
			t.Errorf("SkillsOf not sorted: %q before %q", it[i-1].Code, it[i].Code)
		}
	}
	// Callers get copies: changing one must not change the reference data.
	all := Skills()
	all[0].LabelEN = "changed"
	if Skills()[0].LabelEN == "changed" {
		t.Error("Skills returns the shared slice")
	}
}

package matching

import "slices"

// Score weights, in points; a score is an integer from 0 to 100 so that the
// allocation works on integer levels (see docs/matching.md).
const (
	SkillPoints      = 60 // full coverage of the mission's skills
	CausePoints      = 20 // the mission's cause is one the employee cares about
	VitalBoostPoints = 20 // vital mission during a crisis campaign
	PopularityPoints = 10 // largest penalty, for a mission whose places are all taken
	MaxScore         = 100

	weightRequired = 3 // a required skill weighs three nice-to-have ones
	weightNice     = 1

	openCoverageMilli = 500 // a mission that asks for no skill is half a skills match for anyone

	// DefaultRadiusKm applies to employees who did not state a radius.
	DefaultRadiusKm = 30
)

// Reason tells why a pair is not eligible; the empty Reason means eligible.
type Reason string

const (
	Eligible       Reason = ""
	ReasonLimit    Reason = "campaign_limit"  // employee already has as many missions as the campaign allows
	ReasonFull     Reason = "full"            // no places left
	ReasonDeclined Reason = "declined"        // employee declined this mission in this campaign
	ReasonFormat   Reason = "format"          // e.g. remote-only employee, on-site mission
	ReasonDistance Reason = "distance"        // on-site mission beyond the employee's radius
	ReasonDates    Reason = "dates"           // mission dates outside the employee's availability
	ReasonHours    Reason = "hours"           // mission needs more hours per week than offered
	ReasonNoSkill  Reason = "no_skill_match"  // mission needs skills the employee has none of, nor close ones
	ReasonLowScore Reason = "below_threshold" // scores under the campaign's minimum score
)

// MatchKind says how a mission skill was covered.
type MatchKind string

const (
	MatchExact      MatchKind = "exact"       // the skill at the level asked, or above
	MatchBelowLevel MatchKind = "below_level" // the skill, below the level asked: half credit per level missing
	MatchFamily     MatchKind = "same_family" // a close skill of the same family
	MatchMissing    MatchKind = "missing"
)

// SkillMatch explains the credit one mission skill earned.
type SkillMatch struct {
	Code     string    `json:"code"`
	Required bool      `json:"required"`
	Need     Level     `json:"need"`
	Have     Level     `json:"have"`          // level of the skill itself, 0 if absent
	Via      string    `json:"via,omitempty"` // the close skill used, for same-family credit
	Kind     MatchKind `json:"kind"`
	Credit   float64   `json:"credit"` // 0..1
}

// Explanation is what the UI shows next to a score.
type Explanation struct {
	Eligible bool   `json:"eligible"`
	Reason   Reason `json:"reason,omitempty"`
	Score    int    `json:"score"`
	// Points per component; Score = clamp(Skills + Cause + Vital - Popularity, 0, 100).
	SkillPoints       int          `json:"skill_points"`
	CausePoints       int          `json:"cause_points"`
	VitalBoost        int          `json:"vital_boost"`
	PopularityPenalty int          `json:"popularity_penalty"`
	Coverage          float64      `json:"coverage"` // weighted skill coverage, 0..1
	Skills            []SkillMatch `json:"skills"`   // one per mission skill, in the mission's order
	Missing           []string     `json:"missing"`  // codes of mission skills that earned nothing
	CauseMatch        bool         `json:"cause_match"`
}

// Evaluate applies the hard filters to one pair and, if they pass, scores it
// with its explanation. It is meant for one pair at a time (a mission page);
// ranking many missions goes through an Index (RecommendExplained explains
// what it ranks).
func Evaluate(c Campaign, e *Employee, m *Mission) Explanation {
	ix := NewIndex(c, []Mission{*m})
	return ix.explain(ix.compileEmployee(e), 0)
}

// explain is the explanation of the index's mission mi for a compiled
// employee: its skills in the mission's order, as its needs keep them.
func (ix *Index) explain(ce *cEmployee, mi int32) Explanation {
	ex := Explanation{Skills: []SkillMatch{}, Missing: []string{}}
	if r := ix.eligible(ce, mi); r != Eligible {
		ex.Reason = r
		return ex
	}
	parts := ix.points(ce, mi)
	ex.Coverage = parts.coverage
	ex.SkillPoints, ex.CausePoints, ex.VitalBoost, ex.PopularityPenalty = parts.skill, parts.cause, parts.vital, parts.pop
	ex.CauseMatch = parts.causeMatch
	for _, n := range ix.missions[mi].needs {
		sm := SkillMatch{Code: ix.dict.codes[n.skill], Required: n.weight == weightRequired, Need: n.level}
		if int(n.skill) < len(ce.level) {
			sm.Have = ce.level[n.skill]
		}
		milli, kind := credit(sm.Need, sm.Have, n.family, ce)
		sm.Credit, sm.Kind = float64(milli)/1000, kind
		if sm.Kind == MatchFamily {
			sm.Via = ix.dict.codes[ce.famSkill[n.family]]
		}
		if sm.Kind == MatchMissing {
			ex.Missing = append(ex.Missing, sm.Code)
		}
		ex.Skills = append(ex.Skills, sm)
	}
	if parts.coverage == 0 {
		ex.Reason = ReasonNoSkill
		return ex
	}
	ex.Score = parts.total()
	ex.Eligible = ex.Score >= ix.camp.minScore()
	if !ex.Eligible {
		ex.Reason = ReasonLowScore
	}
	return ex
}

// Credits are in thousandths so that every path that scores a pair (one
// explanation, the index's accumulators) does the same integer arithmetic
// and gets the same score.
const (
	creditFull   = 1000
	creditFamily = 300 // a skill of the same family stands in for 30% of the skill
)

// creditBelow is the credit of a skill held 1, 2 or 3 levels below the level
// asked; it never falls under the same-family credit.
var creditBelow = [...]int32{creditFull, 500, 400, 350}

// credit is the share, in thousandths, of one mission skill an employee covers.
func credit(need, have Level, fam int16, ce *cEmployee) (int32, MatchKind) {
	switch {
	case have >= need:
		return creditFull, MatchExact
	case have > 0:
		return creditBelow[min(int(need-have), len(creditBelow)-1)], MatchBelowLevel
	case fam >= 0 && int(fam) < len(ce.famLevel) && ce.famLevel[fam] > 0:
		return creditFamily, MatchFamily
	}
	return 0, MatchMissing
}

// skillPoints turns a weighted credit sum (thousandths times weights) into
// points, rounding half up.
func skillPoints(got, weight int32) int {
	if weight == 0 {
		return SkillPoints * openCoverageMilli / 1000
	}
	den := int64(1000) * int64(weight)
	return int((int64(SkillPoints)*int64(got)*2 + den) / (2 * den))
}

type parts struct {
	coverage                 float64
	skill, cause, vital, pop int
	causeMatch               bool
}

func (p parts) total() int {
	return min(MaxScore, max(0, p.skill+p.cause+p.vital-p.pop))
}

// points computes the score components of a pair, one need at a time.
func (ix *Index) points(ce *cEmployee, mi int32) parts {
	cm := &ix.missions[mi]
	var p parts
	var got int32
	if len(cm.needs) == 0 {
		got = openCoverageMilli
		p.coverage = openCoverageMilli / 1000.0
	} else {
		for _, n := range cm.needs {
			var have Level
			if int(n.skill) < len(ce.level) {
				have = ce.level[n.skill]
			}
			c, _ := credit(n.level, have, n.family, ce)
			got += c * n.weight
		}
		p.coverage = float64(got) / float64(1000*cm.weight)
	}
	if got == 0 {
		return p
	}
	p.skill = skillPoints(got, cm.weight)
	p.cause = ix.causePoints(ce, mi)
	p.causeMatch = p.cause == CausePoints
	p.vital, p.pop = ix.vital[mi], ix.pop[mi]
	return p
}

func (ix *Index) causePoints(ce *cEmployee, mi int32) int {
	c := ix.missions[mi].cause
	switch {
	case ce.causes == 0:
		return CausePoints / 2 // no stated preference: neither for nor against
	case c >= 0 && ce.causes&(1<<uint(c)) != 0:
		return CausePoints
	}
	return 0
}

// eligible applies the hard filters, cheapest first.
func (ix *Index) eligible(ce *cEmployee, mi int32) Reason {
	cm := &ix.missions[mi]
	if ce.taken >= ix.camp.limit() {
		return ReasonLimit
	}
	if cm.placesLeft <= 0 {
		return ReasonFull
	}
	if !ce.format.Accepts(cm.format) {
		return ReasonFormat
	}
	if cm.hours > 0 && ce.hours > 0 && cm.hours > ce.hours {
		return ReasonHours
	}
	if (ce.from != 0 && cm.end != 0 && cm.end < ce.from) || (ce.to != 0 && cm.start != 0 && cm.start > ce.to) {
		return ReasonDates
	}
	if cm.format == OnSite {
		if !ce.located || ce.geo.distanceKm(cm.geo) > ce.radius {
			return ReasonDistance
		}
	}
	if len(ce.declined) > 0 && slices.Contains(ce.declined, mi) {
		return ReasonDeclined
	}
	return Eligible
}

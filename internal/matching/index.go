package matching

import (
	"maps"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/vendredi-app/vendredi/internal/taxonomy"
)

// dictionary maps skill, family and cause codes to dense ids so that scoring
// a pair touches small arrays rather than maps.
type dictionary struct {
	skill  map[string]int32
	codes  []string
	family []int16 // per skill id; -1 for codes outside the taxonomy
	fam    map[string]int16
	cause  map[string]int8
	shared bool // the base dictionary: clone before adding
}

var (
	baseOnce sync.Once
	base     *dictionary
)

// baseDictionary is the taxonomy's dictionary, shared read-only by every
// index whose missions use only taxonomy codes.
func baseDictionary() *dictionary {
	baseOnce.Do(func() {
		d := &dictionary{skill: map[string]int32{}, fam: map[string]int16{}, cause: map[string]int8{}}
		for i, f := range taxonomy.Families() {
			d.fam[f.Code] = int16(i)
		}
		for _, s := range taxonomy.Skills() {
			d.addSkill(s.Code, d.fam[s.Family])
		}
		for _, c := range taxonomy.Causes() {
			d.addCause(c.Code)
		}
		d.shared = true
		base = d
	})
	return base
}

func (d *dictionary) clone() *dictionary {
	c := &dictionary{
		skill:  maps.Clone(d.skill),
		codes:  slices.Clone(d.codes),
		family: slices.Clone(d.family),
		fam:    d.fam, // families are fixed by the taxonomy
		cause:  maps.Clone(d.cause),
	}
	return c
}

// skillID finds or adds a skill code, copying a shared dictionary first.
func (ix *Index) skillID(code string, fam int16) int32 {
	if id, ok := ix.dict.skill[code]; ok {
		return id
	}
	if ix.dict.shared {
		ix.dict = ix.dict.clone()
	}
	return ix.dict.addSkill(code, fam)
}

func (ix *Index) causeID(code string) int8 {
	if id, ok := ix.dict.cause[code]; ok {
		return id
	}
	if ix.dict.shared {
		ix.dict = ix.dict.clone()
	}
	return ix.dict.addCause(code)
}

func (d *dictionary) addSkill(code string, fam int16) int32 {
	if id, ok := d.skill[code]; ok {
		return id
	}
	id := int32(len(d.codes))
	d.skill[code] = id
	d.codes = append(d.codes, code)
	d.family = append(d.family, fam)
	return id
}

// addCause returns the cause's bit, or -1 once 64 causes are known (a
// cause beyond that earns no cause points).
func (d *dictionary) addCause(code string) int8 {
	if id, ok := d.cause[code]; ok {
		return id
	}
	if len(d.cause) >= 64 {
		return -1
	}
	id := int8(len(d.cause))
	d.cause[code] = id
	return id
}

type geo struct {
	lat, lon, cosLat float64 // radians
}

func toGeo(p GeoPoint) geo {
	la := p.Lat * math.Pi / 180
	return geo{lat: la, lon: p.Lon * math.Pi / 180, cosLat: math.Cos(la)}
}

func (a geo) distanceKm(b geo) float64 {
	const r = 6371.0
	sLat := math.Sin((b.lat - a.lat) / 2)
	sLon := math.Sin((b.lon - a.lon) / 2)
	h := sLat*sLat + a.cosLat*b.cosLat*sLon*sLon
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

type need struct {
	skill  int32
	family int16
	level  Level
	weight int32
}

type cMission struct {
	needs      []need
	weight     int32
	cause      int8
	format     Format
	geo        geo
	hours      float64
	start, end int64
	placesLeft int
	places     int // total, for the popularity penalty
}

type cEmployee struct {
	level    []Level // by skill id
	famLevel []Level // best level in each family
	famSkill []int32 // the skill giving famLevel
	fams     []int16 // families the employee has a skill in
	causes   uint64
	format   FormatPref
	geo      geo
	located  bool
	radius   float64
	hours    float64
	from, to int64
	taken    int
	declined []int32
}

// Index holds a campaign's missions compiled for fast ranking:
//   - posting lists by skill and by skill family, which let a ranking add up
//     every mission's skill credit in one pass over the lists of the
//     employee's few skills and families, touching no mission that cannot
//     score (a mission scores only if the employee has one of its skills or a
//     close one);
//   - the missions open to everyone (no skill asked);
//   - a grid of on-site missions by place, used instead for on-site-only
//     employees when the cells within their radius hold fewer missions.
//
// It is read-only once built and safe for concurrent use.
type Index struct {
	camp      Campaign
	dict      *dictionary
	missions  []cMission
	ids       []string
	byID      map[string]int32
	skillPost [][]skillPosting // skill id -> missions asking for it
	famPost   [][]famPosting   // family id -> missions asking for a skill of it
	open      []bool           // mission asks for no skill
	vital     []int            // vital boost points per mission
	pop       []int            // popularity penalty points per mission
	// Compact copies of what the ranking loop reads for every mission.
	weight  []int32 // total need weight
	cause   []int8
	bonus   []int16 // vital boost minus popularity penalty
	grid    map[cell][]int32
	scratch sync.Pool
}

type skillPosting struct {
	mission int32
	level   Level
	weight  int32
	family  bool // the skill has a family, whose posting already gave the family credit

}

type famPosting struct {
	mission int32
	weight  int32 // total weight of the mission's needs in the family
}

type cell struct{ lat, lon int32 }

// Grid cells are about 28 km high and, at French latitudes, about 27 km wide.
const cellLatDeg, cellLonDeg = 0.25, 0.35

func cellOf(p GeoPoint) cell {
	return cell{int32(math.Floor(p.Lat / cellLatDeg)), int32(math.Floor(p.Lon / cellLonDeg))}
}

// NewIndex compiles the missions of a campaign. Missions keep their order,
// which is also the tie-break between equal scores.
func NewIndex(c Campaign, missions []Mission) *Index {
	n := len(missions)
	ix := &Index{
		camp:     c,
		dict:     baseDictionary(),
		missions: make([]cMission, n),
		ids:      make([]string, n),
		byID:     make(map[string]int32, n),
		open:     make([]bool, n),
		vital:    make([]int, n),
		pop:      make([]int, n),
		weight:   make([]int32, n),
		cause:    make([]int8, n),
		bonus:    make([]int16, n),
		grid:     map[cell][]int32{},
	}
	ix.famPost = make([][]famPosting, len(ix.dict.fam))
	famW := map[int16]int32{}
	for i := range missions {
		m := &missions[i]
		mi := int32(i)
		ix.ids[i] = m.ID
		ix.byID[m.ID] = mi
		cm := &ix.missions[i]
		cm.cause = -1
		if m.Cause != "" {
			cm.cause = ix.causeID(m.Cause)
		}
		cm.format = m.Format
		cm.geo = toGeo(m.Place)
		cm.hours = m.HoursPerWeek
		cm.start, cm.end = unix(m.Start), unix(m.End)
		cm.placesLeft, cm.places = m.PlacesLeft, m.Places
		if c.Crisis && m.Vital {
			ix.vital[i] = VitalBoostPoints
		}
		ix.pop[i] = ix.popularityPenalty(cm)
		clear(famW)
		var fams []int16
		for _, s := range m.Skills {
			fam, known := ix.dict.fam[familyOf(s.Code)]
			if !known {
				fam = -1
			}
			id := ix.skillID(s.Code, fam)
			fam = ix.dict.family[id]
			w := int32(weightNice)
			if s.Required {
				w = weightRequired
			}
			nd := need{skill: id, family: fam, level: max(s.Level, 1), weight: w}
			cm.needs = append(cm.needs, nd)
			cm.weight += w
			for int(id) >= len(ix.skillPost) {
				ix.skillPost = append(ix.skillPost, nil)
			}
			ix.skillPost[id] = append(ix.skillPost[id], skillPosting{mission: mi, level: nd.level, weight: w, family: fam >= 0})
			if fam >= 0 {
				if _, seen := famW[fam]; !seen {
					fams = append(fams, fam)
				}
				famW[fam] += w
			}
		}
		ix.open[i] = len(m.Skills) == 0
		ix.weight[i], ix.cause[i], ix.bonus[i] = cm.weight, cm.cause, int16(ix.vital[i]-ix.pop[i])
		for _, f := range fams {
			ix.famPost[f] = append(ix.famPost[f], famPosting{mission: mi, weight: famW[f]})
		}
		if m.Format == OnSite {
			c := cellOf(m.Place)
			ix.grid[c] = append(ix.grid[c], mi)
		}
	}
	return ix
}

// popularityPenalty is the points a mission loses for the share of its
// places already taken, when the campaign spreads volunteers.
func (ix *Index) popularityPenalty(cm *cMission) int {
	if !ix.camp.SpreadVolunteers {
		return 0
	}
	m := Mission{Places: cm.places, PlacesLeft: cm.placesLeft}
	return int(math.Round(PopularityPoints * m.popularity()))
}

// WithPlaces returns the index with the places left of some missions
// changed (placesLeft by mission id; missions not in it keep theirs), the
// index itself unchanged. Places move with every sign-up, and nothing else
// about a mission: this costs a copy of the per-mission arrays, where
// NewIndex reads and compiles every mission again.
func (ix *Index) WithPlaces(placesLeft map[string]int) *Index {
	n := &Index{camp: ix.camp, dict: ix.dict, ids: ix.ids, byID: ix.byID, skillPost: ix.skillPost,
		famPost: ix.famPost, open: ix.open, vital: ix.vital, weight: ix.weight, cause: ix.cause, grid: ix.grid,
		missions: slices.Clone(ix.missions), pop: slices.Clone(ix.pop), bonus: slices.Clone(ix.bonus)}
	for id, left := range placesLeft {
		i, ok := ix.byID[id]
		if !ok {
			continue
		}
		cm := &n.missions[i]
		cm.placesLeft = left
		n.pop[i] = n.popularityPenalty(cm)
		n.bonus[i] = int16(n.vital[i] - n.pop[i])
	}
	return n
}

// familyOf reads the family from a code outside the taxonomy ("it.foo" is
// in family "it"), so that new skills still earn same-family credit.
func familyOf(code string) string {
	if s, ok := taxonomy.SkillByCode(code); ok {
		return s.Family
	}
	for i := 0; i < len(code); i++ {
		if code[i] == '.' {
			return code[:i]
		}
	}
	return ""
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func (ix *Index) compileEmployee(e *Employee) *cEmployee {
	nf := len(ix.dict.fam)
	ce := &cEmployee{
		level:    make([]Level, len(ix.dict.codes)),
		famLevel: make([]Level, nf),
		famSkill: make([]int32, nf),
		format:   e.Format,
		geo:      toGeo(e.Home),
		located:  e.Home != (GeoPoint{}),
		radius:   e.RadiusKm,
		hours:    e.HoursPerWeek,
		from:     unix(e.AvailableFrom),
		to:       unix(e.AvailableTo),
		taken:    e.Taken,
	}
	if ce.radius <= 0 {
		ce.radius = DefaultRadiusKm
	}
	for _, s := range e.Skills {
		id, ok := ix.dict.skill[s.Code]
		if !ok || s.Level == 0 {
			continue // no mission of this campaign asks for it
		}
		if s.Level > ce.level[id] {
			ce.level[id] = s.Level
		}
		if f := ix.dict.family[id]; f >= 0 {
			if ce.famLevel[f] == 0 {
				ce.fams = append(ce.fams, f)
			}
			// Ties go to the smaller code, so that explanations are stable.
			if s.Level > ce.famLevel[f] || (s.Level == ce.famLevel[f] && s.Code < ix.dict.codes[ce.famSkill[f]]) {
				ce.famLevel[f] = s.Level
				ce.famSkill[f] = id
			}
		}
	}
	slices.Sort(ce.fams)
	for _, c := range e.Causes {
		if id, ok := ix.dict.cause[c]; ok && id >= 0 {
			ce.causes |= 1 << uint(id)
		}
	}
	for _, id := range e.Declined {
		if mi, ok := ix.byID[id]; ok {
			ce.declined = append(ce.declined, mi)
		}
	}
	return ce
}

// Recommendation is one ranked mission for an employee.
type Recommendation struct {
	MissionID string `json:"mission_id"`
	Score     int    `json:"score"`
}

// Recommend returns the employee's k best eligible missions, best first; ties
// keep the missions' order. Only missions reachable through the index are
// scored: those sharing a skill family with the employee, those open to
// everyone, and, for on-site-only employees, those in grid cells within reach.
func (ix *Index) Recommend(e *Employee, k int) []Recommendation {
	_, top := ix.rank(e, k)
	out := make([]Recommendation, len(top))
	for i, t := range top {
		out[i] = Recommendation{MissionID: ix.ids[t.mission], Score: int(t.score)}
	}
	return out
}

// Explained is a recommendation with its explanation.
type Explained struct {
	Recommendation
	Explanation Explanation
}

// RecommendExplained is Recommend with each mission's explanation,
// computed on the index that ranked it: the employee is compiled once, and
// the explanation's score is the ranking's (a mission scored on its own
// knows fewer skill codes, which can change a close skill's credit).
func (ix *Index) RecommendExplained(e *Employee, k int) []Explained {
	ce, top := ix.rank(e, k)
	out := make([]Explained, len(top))
	for i, t := range top {
		out[i] = Explained{Recommendation: Recommendation{MissionID: ix.ids[t.mission], Score: int(t.score)},
			Explanation: ix.explain(ce, t.mission)}
	}
	return out
}

// rank is the employee compiled and its k best eligible missions.
func (ix *Index) rank(e *Employee, k int) (*cEmployee, []scored) {
	if k <= 0 {
		return nil, nil
	}
	ce := ix.compileEmployee(e)
	sc := ix.getScratch()
	defer ix.scratch.Put(sc)
	return ce, ix.topK(ce, k, ix.camp.minScore(), sc)
}

type scored struct {
	mission int32
	score   int32
}

// better orders candidates: higher score first, then earlier mission.
func better(a, b scored) bool {
	return a.score > b.score || (a.score == b.score && a.mission < b.mission)
}

type scratch struct {
	acc     []int32 // weighted credit per mission, thousandths
	buckets [MaxScore + 1][]int32
}

func (ix *Index) getScratch() *scratch {
	if v := ix.scratch.Get(); v != nil {
		return v.(*scratch)
	}
	return &scratch{acc: make([]int32, len(ix.missions))}
}

// topK returns the k best eligible missions scoring at least minScore, best
// first, ties in mission order.
func (ix *Index) topK(ce *cEmployee, k, minScore int, sc *scratch) []scored {
	if ce.taken >= ix.camp.limit() || k <= 0 {
		return nil
	}
	if ce.format == OnSiteOnly && ce.located {
		if cells, n := ix.cellsWithin(ce); n < ix.postingWork(ce) {
			return ix.topKByPlace(ce, k, minScore, cells)
		}
	}
	return ix.topKBySkill(ce, k, minScore, sc)
}

// postingWork is how many postings a ranking by skill reads.
func (ix *Index) postingWork(ce *cEmployee) int {
	n := 0
	for _, f := range ce.fams {
		n += len(ix.famPost[f])
	}
	for id, l := range ce.level {
		if l > 0 && id < len(ix.skillPost) {
			n += len(ix.skillPost[id])
		}
	}
	return n + len(ix.missions)/8
}

// topKBySkill adds up every mission's credit from the posting lists, then
// walks the missions from the best score down, checking the hard filters
// only until k missions pass. A need in a family the employee has earns the
// family credit; if the employee has the skill itself, its posting adds the
// difference.
func (ix *Index) topKBySkill(ce *cEmployee, k, minScore int, sc *scratch) []scored {
	acc := sc.acc
	for _, f := range ce.fams {
		for _, p := range ix.famPost[f] {
			acc[p.mission] += creditFamily * p.weight
		}
	}
	for id, have := range ce.level {
		if have == 0 || id >= len(ix.skillPost) {
			continue
		}
		for _, p := range ix.skillPost[id] {
			c := creditFull
			if have < p.level {
				c = int(creditBelow[min(int(p.level-have), len(creditBelow)-1)])
			}
			if p.family {
				c -= creditFamily
			}
			acc[p.mission] += int32(c) * p.weight
		}
	}
	for b := range sc.buckets {
		sc.buckets[b] = sc.buckets[b][:0]
	}
	noPref := ce.causes == 0
	for mi, got := range acc {
		var pts int
		switch {
		case got != 0:
			acc[mi] = 0
			w := ix.weight[mi]
			if int(w) < len(pointsTable) && int(got) < len(pointsTable[w]) {
				pts = int(pointsTable[w][got])
			} else {
				pts = skillPoints(got, w)
			}
		case ix.open[mi]:
			pts = openPoints
		default:
			continue
		}
		if noPref {
			pts += CausePoints / 2
		} else if c := ix.cause[mi]; c >= 0 && ce.causes&(1<<uint(c)) != 0 {
			pts += CausePoints
		}
		s := min(MaxScore, max(0, pts+int(ix.bonus[mi])))
		if s >= minScore {
			sc.buckets[s] = append(sc.buckets[s], int32(mi))
		}
	}
	var out []scored
	for s := MaxScore; s >= minScore && len(out) < k; s-- {
		for _, mi := range sc.buckets[s] {
			if ix.eligible(ce, mi) == Eligible {
				out = append(out, scored{mission: mi, score: int32(s)})
				if len(out) == k {
					break
				}
			}
		}
	}
	return out
}

// topKByPlace scores, one by one, the on-site missions in reach.
func (ix *Index) topKByPlace(ce *cEmployee, k, minScore int, cells []cell) []scored {
	var all []scored
	for _, c := range cells {
		for _, mi := range ix.grid[c] {
			if ix.eligible(ce, mi) != Eligible {
				continue
			}
			p := ix.points(ce, mi)
			if p.coverage == 0 {
				continue
			}
			if s := p.total(); s >= minScore {
				all = append(all, scored{mission: mi, score: int32(s)})
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return better(all[i], all[j]) })
	if len(all) > k {
		all = all[:k]
	}
	return all
}

// cellsWithin lists the non-empty grid cells that may hold missions within
// the employee's radius, and how many missions they hold.
func (ix *Index) cellsWithin(ce *cEmployee) ([]cell, int) {
	latDeg := ce.geo.lat * 180 / math.Pi
	lonDeg := ce.geo.lon * 180 / math.Pi
	dLat := ce.radius / 111.19
	dLon := ce.radius / (111.19 * math.Max(0.1, ce.geo.cosLat))
	lo := cellOf(GeoPoint{latDeg - dLat, lonDeg - dLon})
	hi := cellOf(GeoPoint{latDeg + dLat, lonDeg + dLon})
	var out []cell
	n := 0
	for a := lo.lat; a <= hi.lat; a++ {
		for b := lo.lon; b <= hi.lon; b++ {
			if l, ok := ix.grid[cell{a, b}]; ok {
				out = append(out, cell{a, b})
				n += len(l)
			}
		}
	}
	return out, n
}

var openPoints = skillPoints(openCoverageMilli, 0)

// pointsTable[w][got] is skillPoints(got, w) for the usual small weights, so
// that ranking a mission costs a lookup rather than a division.
var pointsTable = func() [][]uint8 {
	t := make([][]uint8, 25)
	for w := 1; w < len(t); w++ {
		t[w] = make([]uint8, 1000*w+1)
		for got := range t[w] {
			t[w][got] = uint8(skillPoints(int32(got), int32(w)))
		}
	}
	return t
}()

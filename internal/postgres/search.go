package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

// Search finds the missions a company may see (catalog.Searcher) and reads
// one of them (catalog.MissionReader).
//
// A search is cut in segments, each one SQL query whose ORDER BY an index
// can serve, run in turn until the page is full: the default order is the
// vital missions (a few, sorted by their official position) then the
// others (newest first, straight from the (created_at, id) index, or by
// rank); the date order, dated missions then undated ones; the distance
// order, missions with a place then those that are everywhere (remote).
// One query over everything would have to compute every candidate's sort
// key before returning the first row. The cursor says which segment a page
// stopped in and the sort key values of its last row.
type Search struct {
	db   *DB
	walk searchWalks
}

// NewSearch returns a Search on db.
func NewSearch(db *DB) *Search { return &Search{db: db, walk: searchWalkDefault} }

var (
	_ catalog.Searcher      = (*Search)(nil)
	_ catalog.MissionReader = (*Search)(nil)
)

// Search implements catalog.Searcher. It needs no transaction: every
// table it reads is the catalogue's, shared by the companies, and the
// company it searches for is an argument of the SQL. Most searches are one
// statement, one round trip: the segments go in one query, and so do the
// page's skills.
func (s *Search) Search(ctx context.Context, q catalog.Query) (*catalog.Page, error) {
	sp, err := s.prepare(ctx, &q)
	if err != nil {
		return nil, err
	}
	rows, err := sp.run(func(query string, args []any) ([]searchRow, error) {
		// Sized for the page: appended one by one, the wide rows were
		// copied at each doubling of the slice.
		part := make([]searchRow, 0, q.Limit+1)
		var err error
		if sp.bound() {
			err = s.db.selectArgs(ctx, s.db.DB, &part, query, args...)
		} else {
			err = s.db.NewRaw(query, args...).Scan(ctx, &part)
		}
		return part, err
	})
	if err != nil {
		return nil, translate(err)
	}
	page := &catalog.Page{Missions: []catalog.Mission{}}
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		page.Next = sp.cursor(rows[len(rows)-1])
	}
	page.Missions = make([]catalog.Mission, len(rows))
	for i := range rows {
		if page.Missions[i], err = rows[i].mission(q.Platform); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// Explain runs the queries of q's page as Search does, each under EXPLAIN
// (ANALYZE, BUFFERS) too, and returns their SQL and plans: what
// docs/search.md quotes.
func (s *Search) Explain(ctx context.Context, q catalog.Query) ([]string, error) {
	sp, err := s.prepare(ctx, &q)
	if err != nil {
		return nil, err
	}
	sp.interpolate = true // EXPLAIN takes no bind parameters
	var plans []string
	_, err = sp.run(func(query string, args []any) ([]searchRow, error) {
		var lines []string
		if err := s.db.NewRaw("EXPLAIN (ANALYZE, BUFFERS) "+query, args...).Scan(ctx, &lines); err != nil {
			return nil, err
		}
		plans = append(plans, s.db.QueryGen().FormatQuery(query, args...)+"\n"+strings.Join(lines, "\n"))
		var part []searchRow
		err := s.db.NewRaw(query, args...).Scan(ctx, &part)
		return part, err
	})
	return plans, err
}

// run reads the segments from the cursor's on until it has one row more
// than a page (which says there is a next page), in one query: a LIMIT
// over a UNION ALL of the segments' queries stops pulling rows once it has
// enough, so a later segment runs only when the earlier ones fall short.
// In the distance order, the missions with a place are read first, on
// their own, within a growing reach: the nearest rows come from the GiST
// index within a small box, and only a sparse region makes the box grow.
func (sp *searchPlan) run(scan func(query string, args []any) ([]searchRow, error)) ([]searchRow, error) {
	g, after, need := sp.from.seg, sp.from.keys, sp.q.Limit+1
	var rows []searchRow
	if g < len(sp.segs) && sp.segs[g].byDistance {
		for reach := sp.firstReach(g, after); ; reach = sp.nextReach(reach) {
			query, args := sp.query([]int{g}, after, need, reach)
			part, err := scan(query, args)
			if err != nil {
				return nil, err
			}
			if reach == 0 || len(part) >= need {
				rows = part
				break
			}
		}
		g, after, need = g+1, nil, need-len(rows)
	}
	if g >= len(sp.segs) || need <= 0 {
		return rows, nil
	}
	segs := make([]int, 0, len(sp.segs)-g)
	for ; g < len(sp.segs); g++ {
		segs = append(segs, g)
	}
	query, args := sp.query(segs, after, need, 0)
	part, err := scan(query, args)
	if err != nil || len(rows) == 0 {
		return part, err // not copied: a page's rows are wide
	}
	return append(rows, part...), nil
}

// Reaches of the distance order, in km. 0 means no reach: the radius, if
// any, is the only cut.
const (
	searchFirstReach = 2.0
	searchMaxReach   = 2500.0 // farther, a box is no cut at all
)

func (sp *searchPlan) firstReach(g int, after []any) float64 {
	if !sp.segs[g].byDistance {
		return 0
	}
	reach := searchFirstReach
	if after != nil {
		reach += after[0].(float64) * 1.25
	}
	return sp.capReach(reach)
}

func (sp *searchPlan) nextReach(reach float64) float64 {
	if r := sp.q.RadiusKM; r > 0 && reach >= r || reach >= searchMaxReach {
		return 0
	}
	return sp.capReach(reach * 4)
}

// capReach keeps a reach within the radius; a reach that would cover it is
// no reach.
func (sp *searchPlan) capReach(reach float64) float64 {
	if r := sp.q.RadiusKM; r > 0 && reach >= r || reach >= searchMaxReach {
		return 0
	}
	return reach
}

// Mission implements catalog.MissionReader: an open or full mission the
// company sees (visibility), of a verified association or vital.
func (s *Search) Mission(ctx context.Context, id uuid.UUID, platform bool) (*catalog.Mission, error) {
	var tenant string
	if !platform {
		t, err := tenants.Require(ctx)
		if err != nil {
			return nil, err
		}
		tenant = t.ID.String()
	}
	// With bind parameters, as a search without a text (bound): one
	// mission by primary key has one plan whatever the values. Its skills
	// come with it, in loadSkills' order, and its slots in the same round
	// trip: the catalogue's tables need no tenant nor transaction.
	b := &searchSQL{}
	b.WriteString("SELECT " + missionCols + ", NULL::float8 AS distance_km, 0::float8 AS rank, 0 AS vital_position,\n" +
		searchSkills + "\n" + searchFrom)
	fmt.Fprintf(b, "\nWHERE m.id = %s::uuid", b.arg(id.String()))
	company := ""
	if !platform {
		company = b.arg(tenant)
	}
	b.WriteString("\n  AND " + missionVisibleSQL(company))
	query, args := b.bind(b.String())
	var rows []searchRow
	var slots []catalog.Slot
	if err := s.db.queryEach(ctx, s.db.DB, []part{{sql: query, args: args}, {
		sql:  `SELECT id, starts_at, ends_at FROM mission_slots WHERE mission_id = $1::uuid ORDER BY starts_at, id`,
		args: []any{id.String()}}}, &rows, &slots); err != nil {
		return nil, translate(err)
	}
	if len(rows) == 0 {
		// The same answer for a missing mission and another company's:
		// which ids exist is nobody else's business.
		return nil, errs.E(errs.NotFound, "There is no such mission.")
	}
	m, err := rows[0].mission(platform)
	if err != nil {
		return nil, err
	}
	m.Slots = slots
	return &m, nil
}

// searchRow is a mission as the search queries return it, with its sort
// key values, the segment it came from and its skills (JSON, ordered as
// loadSkills orders them; [] without any, read as none, as loadSkills
// leaves them).
type searchRow struct {
	missionRow
	DistanceKM    *float64        `bun:"distance_km"`
	Rank          float64         `bun:"rank"`
	VitalPosition int             `bun:"vital_position"`
	Seg           int             `bun:"seg"`
	Skills        json.RawMessage `bun:"skills,type:json"`
}

// mission is the row as the API shows it. Which companies a listed
// mission is shown to is the platform's business: a company sees only
// that it is listed.
func (r *searchRow) mission(platform bool) (catalog.Mission, error) {
	m := r.domain()
	m.DistanceKM = r.DistanceKM
	if !platform {
		m.VisibleTo = nil
	}
	if len(r.Skills) > 0 && string(r.Skills) != "null" && string(r.Skills) != "[]" {
		// Into a variable of its own: &m.Skills would move each mission
		// (about 600 bytes) to the heap.
		var skills []catalog.SkillNeed
		if err := json.Unmarshal(r.Skills, &skills); err != nil {
			return m, fmt.Errorf("skills of mission %s: %w", m.ID, err)
		}
		m.Skills = skills
	}
	return m, nil
}

// searchSkills is a mission's skills as JSON, in loadSkills' order: the
// copy on the mission (migration 20261205000000).
const searchSkills = `m.skills AS skills`

const searchFrom = `FROM missions AS m
LEFT JOIN associations AS a ON a.id = m.association_id`

// searchSQL writes SQL with numbered bun placeholders (?0, ?1, …), so
// that a value used twice is sent once; bind turns them into bind
// parameters.
type searchSQL struct {
	strings.Builder
	args []any
}

func (b *searchSQL) arg(v any) string {
	b.args = append(b.args, v)
	return "?" + strconv.Itoa(len(b.args)-1)
}

// list is a text[] argument: bun's array for a value written in, the
// slice itself for pgx's bind parameter.
func (b *searchSQL) list(v []string, bound bool) string {
	if bound {
		return b.arg(v)
	}
	return b.arg(pgdialect.Array(v))
}

var searchPlaceholder = regexp.MustCompile(`\?[0-9]+`)

// bind is query, SQL written with b's placeholders, with bind parameters
// ($1, $2 …) for the placeholders it uses, in order, and their values:
// the arguments every query starts with (the text, Near) are left out
// when unused, since PostgreSQL cannot tell the type of a parameter no
// expression uses. A search's SQL is the same for every request of its
// shape, whatever the values: its rewriting is kept (searchBinds), which
// spared an eighth of the bytes a text search allocated.
func (b *searchSQL) bind(query string) (string, []any) {
	sb := searchBinds.get(query)
	args := make([]any, len(sb.order))
	for i, n := range sb.order {
		args[i] = b.args[n]
	}
	return sb.sql, args
}

// searchBound is a query rewritten by bind: its SQL, and which of the
// builder's arguments each bind parameter is.
type searchBound struct {
	sql   string
	order []int
}

// searchBindCache keeps the rewritten queries by their placeholders'
// SQL. The shapes are finite (filters given or not, the page's size) but
// many: past searchBindMax it starts again, rather than grow.
type searchBindCache struct {
	mu sync.RWMutex
	m  map[string]searchBound
}

const searchBindMax = 1024

var searchBinds = &searchBindCache{m: make(map[string]searchBound)}

func (c *searchBindCache) get(query string) searchBound {
	c.mu.RLock()
	sb, ok := c.m[query]
	c.mu.RUnlock()
	if ok {
		return sb
	}
	num := make(map[string]string)
	sb.sql = searchPlaceholder.ReplaceAllStringFunc(query, func(p string) string {
		if n, ok := num[p]; ok {
			return n
		}
		i, _ := strconv.Atoi(p[1:])
		sb.order = append(sb.order, i)
		num[p] = "$" + strconv.Itoa(len(sb.order))
		return num[p]
	})
	c.mu.Lock()
	if len(c.m) >= searchBindMax {
		clear(c.m)
	}
	c.m[query] = sb
	c.mu.Unlock()
	return sb
}

// Sort keys. Each knows its SQL expression, its PostgreSQL type (for the
// cursor's values) and how to read its value from a row.
type searchKeyKind int

const (
	skVital searchKeyKind = iota
	skCreated
	skRank
	skStarts
	skDistance
	skID
)

type searchSortKey struct {
	kind searchKeyKind
	desc bool
}

// searchSegment is one query of a search: its own condition and order.
type searchSegment struct {
	where      string
	keys       []searchSortKey
	vital      bool // sorted by the vital categories' position
	titled     bool // the missions whose title matches the text
	described  bool // the others that match it (description, city, organiser)
	byDistance bool // the missions with a place, nearest first
}

// searchPlan is a checked query turned into segments, with the position a
// cursor asks to start from.
type searchPlan struct {
	walk   searchWalks
	q      *catalog.Query
	tenant string // "" in the platform's view
	hash   string // what a cursor must carry to continue this search
	segs   []searchSegment
	from   searchPosition
	// interpolate writes the values into the SQL (Explain); see bound.
	interpolate bool
}

// bound says whether the queries go with bind parameters, prepared once
// per connection by SQL text (selectArgs), rather than with the values
// written in: those of a search whose plan suits every value (shared),
// but in Explain. Planning was about half of a search's database CPU.
func (sp *searchPlan) bound() bool { return sp.shared() && !sp.interpolate }

// shared says whether one plan of the search's statement suits every
// value of its parameters, so that after five calls of the prepared
// statement PostgreSQL can keep the generic plan, made without the
// values. A search without a text: its conditions are the same whatever
// the values, each served by the same index. A text search in the
// default or relevance order whose other conditions leave most missions
// in (causes, formats, the number of places, a point without a radius):
// the text's segments walk the newest-first index before they ask the
// GIN indexes (walkHits), and the planner never sees the words. Other text searches (skills,
// dates, a radius, an association, the distance order) are planned at
// each call, their values written in: their best plan depends on how
// common the words are, and on the other conditions (the skills' GIN
// index for a rare skill, the title's for a rare word).
func (sp *searchPlan) shared() bool {
	q := sp.q
	if q.Text == "" {
		return true
	}
	return (q.Sort == catalog.SortDefault || q.Sort == catalog.SortRelevance) && len(q.Skills) == 0 && q.From == nil && q.To == nil &&
		q.RadiusKM == 0 && q.AssociationID == nil
}

type searchPosition struct {
	seg  int
	keys []any
}

func (s *Search) prepare(ctx context.Context, q *catalog.Query) (*searchPlan, error) {
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	sp := &searchPlan{walk: s.walk, q: q, hash: searchHash(q)}
	if !q.Platform {
		t, err := tenants.Require(ctx)
		if err != nil {
			return nil, err
		}
		sp.tenant = t.ID.String()
	}
	newest := []searchSortKey{{skCreated, true}, {skID, true}}
	switch q.Sort {
	case catalog.SortDefault:
		if q.Text == "" {
			sp.segs = []searchSegment{
				{where: "m.vital_category IS NOT NULL", keys: append([]searchSortKey{{skVital, false}}, newest...), vital: true},
				{where: "m.vital_category IS NULL", keys: newest},
			}
			break
		}
		// The vital missions are few: their title match is a sort key
		// computed for each. The others come in two segments, each
		// served newest first by an index.
		sp.segs = []searchSegment{
			{where: "m.vital_category IS NOT NULL", keys: []searchSortKey{{skVital, false}, {skRank, true}, {skCreated, true}, {skID, true}}, vital: true},
			{where: "m.vital_category IS NULL", keys: newest, titled: true},
			{where: "m.vital_category IS NULL AND NOT " + searchTitled, keys: newest, described: true},
		}
	case catalog.SortRelevance:
		sp.segs = []searchSegment{{where: "true", keys: newest, titled: true}, {where: "NOT " + searchTitled, keys: newest, described: true}}
	case catalog.SortDate:
		sp.segs = []searchSegment{
			{where: "m.starts_on IS NOT NULL", keys: []searchSortKey{{skStarts, false}, {skID, false}}},
			{where: "m.starts_on IS NULL", keys: newest},
		}
	case catalog.SortDistance:
		sp.segs = []searchSegment{
			{where: searchPlaced, keys: []searchSortKey{{skDistance, false}, {skID, false}}, byDistance: true},
			{where: "NOT (" + searchPlaced + ")", keys: newest},
		}
	}
	var err error
	if sp.from, err = sp.decode(q.After); err != nil {
		return nil, err
	}
	return sp, nil
}

// searchPlaced is true of a mission that has a place it must be done at: on
// site or hybrid, with a point. Remote missions are everywhere, and so is a
// national vital mission without a point.
const searchPlaced = "m.format <> 'remote' AND m.geo IS NOT NULL"

// The text's rank, its query and the distance from Near, on the arguments
// every segment query starts with: ?0 the text, ?1 the latitude, ?2 the
// longitude.
//
// Relevance is whether the title matches the text (1) or only the
// description, city or organiser do (0); newest first within each. Both
// are decided by the GIN indexes and a test of a small tsvector, where
// ts_rank_cd read and scored every match's whole tsvector (2 800 rows for
// a common text) before the first row came out; and "newest first" lets a
// frequent word walk the (created_at, id) index and stop after a page.
// The rank is read and compared as float8 so that a cursor carries the
// exact same number.
const (
	searchTSQuery  = "websearch_to_tsquery('app.french_unaccent', ?0)"
	searchTitled   = "(m.search_title @@ " + searchTSQuery + ")"
	searchMatched  = "(m.search @@ " + searchTSQuery + ")"
	searchRank     = searchTitled + "::int::float8"
	searchLead     = "(SELECT l.lexeme FROM lead AS l)" // walkHits' lead, chosen once
	searchDistance = "app.distance_km(?1::float8, ?2::float8, m.lat, m.lon)"
)

// query is the SQL reading segments segs (the first after the keys of a
// cursor if any; the missions with a place within reach km if reach > 0),
// limit rows at most. It runs in two steps: the hits, only ids and sort
// keys, filtered, sorted and cut to the page in each segment (a narrow
// sort, whatever the number of candidates), the segments one after the
// other until limit rows; then the page's missions in full, by primary
// key, with their skills.
func (sp *searchPlan) query(segs []int, after []any, limit int, reach float64) (string, []any) {
	q := sp.q
	b := &searchSQL{}
	b.Grow(8 << 10) // a text search's is 6 KB: one allocation, not five
	b.arg(q.Text)
	lat, lon := 0.0, 0.0
	if q.Near != nil {
		lat, lon = q.Near.Lat, q.Near.Lon
	}
	b.arg(lat)
	b.arg(lon)
	b.WriteString("hits AS MATERIALIZED (\nSELECT h.*, row_number() OVER () AS ord FROM (")
	with := "WITH "
	for i, g := range segs {
		if i > 0 {
			b.WriteString("\nUNION ALL")
			after = nil
		}
		b.WriteString("\nSELECT * FROM (")
		if walk := sp.hits(b, g, after, limit, reach); walk != "" {
			with += walk + ",\n"
		}
		fmt.Fprintf(b, ") AS s%d", g)
	}
	fmt.Fprintf(b, "\nLIMIT %d) AS h)\nSELECT %s, h.seg, h.distance_km, h.rank, h.vital_position,\n%s\nFROM hits AS h\nJOIN missions AS m ON m.id = h.id\n"+
		"LEFT JOIN associations AS a ON a.id = m.association_id\nORDER BY h.ord", limit, missionCols, searchSkills)
	query := with + b.String()
	if sp.shared() && q.Text != "" {
		// The text's query as a scalar subquery, an InitPlan that
		// PostgreSQL computes once per run: with the text a bind
		// parameter, the call would be made for every row a condition
		// tests (the walk's hundreds of titles); and the planner,
		// seeing no constant, estimates every text alike, so that the
		// custom plan is the generic one whatever the words.
		query = strings.ReplaceAll(query, searchTSQuery, "(SELECT "+searchTSQuery+")")
	}
	if sp.bound() {
		return b.bind(query)
	}
	return query, b.args
}

// hits writes the query of segment g's hits, and returns the common table
// expression it reads if any (a text segment's walk: walkHits).
func (sp *searchPlan) hits(b *searchSQL, g int, after []any, limit int, reach float64) string {
	q, seg := sp.q, sp.segs[g]
	rank, dist, position := "0::float8", "NULL::float8", "0"
	if q.Text != "" {
		rank = searchRank
	}
	if q.Near != nil {
		dist = "CASE WHEN " + searchPlaced + " THEN " + searchDistance + " END"
	}
	if seg.vital {
		position = "v.position"
	}
	conds := sp.conditions(b, g, reach)
	exprs := make([]string, len(seg.keys))
	for i, k := range seg.keys {
		exprs[i] = searchExpr(k.kind)
	}
	if after != nil {
		conds = append(conds, searchCond{searchAfter(b, seg.keys, exprs, after, sp.shared()), true})
	}
	order := searchOrder(seg.keys, exprs)
	selectHits := fmt.Sprintf("SELECT %d AS seg, m.id, %s AS rank, %s AS distance_km, %s AS vital_position\n", g, rank, dist, position)
	if sp.shared() {
		switch {
		case seg.titled:
			// The title segment's keys are newest's: a word's list is
			// in their order, and starts after the cursor as they do.
			termsAfter := "true"
			if after != nil {
				termsAfter = searchAfter(b, seg.keys, []string{"t.created_at", "t.mission_id"}, after, true)
			}
			return sp.walkHits(b, "walk", searchTitled, sp.walk.title, selectHits, conds, order, limit, termsAfter)
		case seg.described:
			return sp.walkHits(b, "dwalk", searchMatched, sp.walk.described, selectHits, conds, order, limit, "")
		}
	}
	b.WriteString(selectHits + "FROM missions AS m")
	if seg.vital {
		b.WriteString("\nJOIN vital_categories AS v ON v.code = m.vital_category")
	}
	b.WriteString("\nWHERE " + searchWhere(conds, false))
	fmt.Fprintf(b, "\nORDER BY %s\nLIMIT %d", order, limit)
	return ""
}

// searchWalkSizes bound a segment's walk (walkHits): it looks at
// glance×limit entries first, and walks on up to walk×limit entries only
// if at least one in dense of those matched. Tests make them small, so
// that a small catalogue takes every path.
type searchWalkSizes struct{ glance, walk, dense int }

// searchWalks are the sizes of the title segment's walk, whose entries
// cost about 1 µs (index only, the title tested on the entry), and of the
// description segment's, whose entries are rows read from the heap, about
// half as costly as a match read through the GIN bitmap, which reads every
// match older than the walk: that walk goes on from one mission in 128.
// Its glance is 16 × the page so that a word of 2 % seldom looks rarer
// than that (8 ×, with one in 64, sent one page in five of collégiens,
// 2 543 matches, through the bitmap: 7.9 ms where the walk takes 1.5).
type searchWalks struct{ title, described searchWalkSizes }

var searchWalkDefault = searchWalks{
	title:     searchWalkSizes{glance: 32, walk: 200, dense: 128},
	described: searchWalkSizes{glance: 16, walk: 128, dense: 128},
}

// walkHits writes the hits of a segment of text matches, newest first
// (the title segment's, test searchTitled; the others', searchMatched),
// and returns the walk they read, a common table expression named name.
// termsAfter, the title segment's only, is the cursor's condition on the
// lists of words (true without a cursor): that walk goes down the lead
// word's list when the text has one (below).
// The walk is the entries of the newest-first index after the cursor
// that pass the conditions the index covers, each with test's answer,
// in a MATERIALIZED common table expression that the parts below read
// as far as they need: the title's test is made on the index entries
// (an index-only scan, migration 20261204000050) and only the matches'
// rows are read, by primary key, for the rest of the conditions; the
// description's needs the row. Three parts, that a LIMIT over their
// UNION ALL reads in turn:
//
//   - the glance: the first glance×limit entries of the walk. A word in
//     one title in 30 or more fills its page there;
//   - the rest of the walk, up to walk×limit entries, if at least one in
//     dense of the glance's entries matched: walking on to the page's
//     end then costs less than sorting the word's matches;
//   - the matches older than the last entry walked, from the GIN index
//     of the title or of the whole text, sorted: a rarer word's, a few
//     hundred at most. Walking was the costlier way for it: a title
//     entry costs about 1 µs, a match's row read from the bitmap about 5
//     µs warm.
//
// The statement's plan is then the same whatever the words: PostgreSQL
// keeps one generic plan for every text. Left to plan each text, the
// planner chose between a walk of the heap and the bitmap by its estimate
// of the matches, which it misses by ten to thirty times for words of 1
// to 3 % (two words that go together, "urgence sociale", it thought 116
// where there are 3 182): it read every match's heap page through the
// bitmap (3 088 for that one), or walked the heap one page per row (900
// for emploi); and planning a text search was half its CPU.
//
// The walk's parts have no ORDER BY: they come in the walk's order because
// the walk is the outer side of a nested loop, which the LATERAL subquery
// (kept one by OFFSET 0) forces; PostgreSQL 15 does not know a common
// table expression's order, and a sort would read the whole walk first.
func (sp *searchPlan) walkHits(b *searchSQL, name, test string, size searchWalkSizes, selectHits string, conds []searchCond, order string,
	limit int, termsAfter string) string {
	glance, walk := size.glance*limit, size.walk*limit
	cte := fmt.Sprintf("%s AS MATERIALIZED (SELECT m.id, m.created_at, %s AS matched FROM missions AS m\nWHERE %s\nORDER BY %s\nLIMIT %d)",
		name, test, searchWhere(conds, true), order, walk)
	// How far the walk went: to its last entry when it walked on
	// (dense), else to the glance's.
	last := "CASE WHEN %[1]s THEN %[2]d ELSE %[3]d END"
	if termsAfter != "" {
		// The title's walk goes down the list of the text's lead word
		// when it has one (mission_title_terms and app.search_lead,
		// migration 20261206000000): the list holds every title match,
		// in the walk's order, so its glance is all of the walk; its
		// entries are read by primary key and tested. A text without
		// a lead (an "or", a negation) walks the newest-first index.
		// Both are in the statement, the one not taken cut by a
		// one-time filter: one generic plan for every text. The lead
		// is chosen once, in a CTE of its own, though three places ask
		// for it: each a subquery calling app.search_lead, a word
		// rare in titles had it chosen (its lists counted) twice.
		cte = fmt.Sprintf("lead AS MATERIALIZED (SELECT app.search_lead("+searchTSQuery+") AS lexeme),\n"+
			"%[1]s AS MATERIALIZED ((SELECT m.id, m.created_at, %[2]s AS matched\n"+
			"FROM (SELECT t.mission_id, t.created_at FROM mission_title_terms AS t WHERE t.lexeme = %[3]s AND %[4]s\n"+
			"ORDER BY t.created_at DESC, t.mission_id DESC) AS t\n"+
			"CROSS JOIN LATERAL (SELECT m.* FROM missions AS m WHERE m.id = t.mission_id\n  AND %[5]s OFFSET 0) AS m\nLIMIT %[6]d)\n"+
			"UNION ALL\n(SELECT m.id, m.created_at, %[2]s AS matched FROM missions AS m\nWHERE %[3]s IS NULL\n  AND %[5]s\nORDER BY %[7]s\nLIMIT %[8]d))",
			name, test, searchLead, termsAfter, searchWhere(conds, true), glance, order, walk)
		last = "CASE WHEN " + searchLead + " IS NULL AND %[1]s THEN %[2]d ELSE %[3]d END"
	}
	// The walk's entries passed the conditions it covers and say whether
	// they matched: its matches need only the other conditions (fewer
	// clauses: less planning).
	var others []string
	for _, c := range conds {
		if !c.walk && c.sql != test {
			others = append(others, c.sql)
		}
	}
	rest := ""
	if len(others) > 0 {
		rest = "\n  AND " + strings.Join(others, "\n  AND ")
	}
	dense := fmt.Sprintf("(SELECT count(*) FILTER (WHERE g.matched) * %d >= %d FROM (SELECT w.matched FROM %s AS w LIMIT %d) AS g)",
		size.dense, glance, name, glance)
	part := func(part, walked string) {
		fmt.Fprintf(b, "SELECT * FROM (%[1]sFROM (%[2]s) AS %[5]s\nCROSS JOIN LATERAL (SELECT m.* FROM missions AS m WHERE m.id = %[5]s.id OFFSET 0) AS m\n"+
			"WHERE %[5]s.matched%[3]s\nLIMIT %[4]d) AS %[5]s_hits\nUNION ALL\n", selectHits, walked, rest, limit, part)
	}
	part(name+"_glanced", fmt.Sprintf("SELECT * FROM %s LIMIT %d", name, glance))
	part(name+"_walked", fmt.Sprintf("SELECT * FROM %s WHERE %s OFFSET %d", name, dense, glance))
	// IS TRUE keeps the boundary from being an index condition: ANDed
	// with a btree bitmap of every mission older than it, the planner
	// read 770 index pages for nothing.
	fmt.Fprintf(b, "SELECT * FROM (%sFROM missions AS m\nWHERE %s\n"+
		"  AND ((m.created_at, m.id) < (SELECT w.created_at, w.id FROM %s AS w OFFSET %s LIMIT 1)) IS TRUE\n"+
		"ORDER BY %s\nLIMIT %d) AS %s_unwalked",
		selectHits, searchWhere(conds, false), name, fmt.Sprintf(last, dense, walk-1, glance-1), order, limit, name)
	return cte
}

// searchCond is one condition of a segment's WHERE clause; walk says
// whether the entries of missions_open_newest_idx hold its columns.
type searchCond struct {
	sql  string
	walk bool
}

// searchWhere ANDs conds, or only those the walk's index covers.
func searchWhere(conds []searchCond, walk bool) string {
	var and []string
	for _, c := range conds {
		if c.walk || !walk {
			and = append(and, c.sql)
		}
	}
	return strings.Join(and, "\n  AND ")
}

func searchOrder(keys []searchSortKey, exprs []string) string {
	var o strings.Builder
	for i, k := range keys {
		if i > 0 {
			o.WriteString(", ")
		}
		o.WriteString(exprs[i])
		if k.desc {
			o.WriteString(" DESC")
		}
	}
	return o.String()
}

// conditions are segment g's conditions, the cursor's aside.
func (sp *searchPlan) conditions(b *searchSQL, g int, reach float64) []searchCond {
	q, seg := sp.q, sp.segs[g]
	conds := []searchCond{{"m.status = 'open'", true}, {seg.where, true}}
	if seg.titled {
		// The title's test, which the walk makes on the index entries.
		conds = append(conds, searchCond{searchTitled, false})
	}
	// Places are counted here for the associations' missions; a vital
	// mission curated by the platform signs volunteers up on the national
	// platform, which counts its own.
	// The values a plan depends on and that take few values (a number of
	// places, causes, formats: checked by Normalize) are written in,
	// even with bind parameters: each has its own prepared statement,
	// whose generic plan knows them. As parameters, their selectivity
	// unknown (a third for places_left >= $1, where 1 keeps nearly every
	// mission), the generic plans cost more than the custom ones and
	// PostgreSQL kept planning every call.
	conds = append(conds, searchCond{fmt.Sprintf("(m.association_id IS NULL OR m.places_left >= %d)", q.MinPlacesLeft), false})
	company := ""
	if sp.tenant != "" {
		company = b.arg(sp.tenant)
	}
	// status = 'open' above is stricter than the visibility rule's status:
	// the rest of the rule only (missionShownSQL). Whether the
	// association is verified is the mission's listable flag: no
	// association is read for a candidate.
	conds = append(conds, searchCond{missionShownSQL(company), true})
	// A title matching a text without negation is a mission matching it
	// (search holds the title's words at the same positions): the title
	// segment leaves the second test out, or the planner, taking the two
	// for independent, thinks a title match rarer than it is (0.064² for
	// a word in 6.4 % of the titles) and reads every one of them through
	// the bitmap instead of walking the newest-first index for a page.
	// "-word" is websearch's negation; a hyphen within a word only keeps
	// the test.
	switch {
	case q.Text == "" || seg.titled && !strings.Contains(q.Text, "-"):
	default:
		// In the vital segment, an index condition of
		// missions_vital_search_idx, the vital missions' own GIN index
		// (migration 20261203000101), whose predicate the segment's
		// vital_category IS NOT NULL meets: only the matches' rows are
		// read, where the 200 open vital missions were read and tested.
		conds = append(conds, searchCond{searchMatched, false})
	}
	if len(q.Skills) > 0 {
		// skill_codes is mission_skills' copy on the mission (migration
		// 20261202000101): its GIN index and the cause's btree AND their
		// bitmaps before a mission is read.
		conds = append(conds, searchCond{fmt.Sprintf("m.skill_codes && %s::text[]", b.list(q.Skills, sp.bound())), false})
	}
	if len(q.Causes) > 0 {
		conds = append(conds, searchCond{fmt.Sprintf("m.cause = ANY (%s::text[])", searchTextArray(q.Causes)), true})
	}
	if len(q.Formats) > 0 {
		conds = append(conds, searchCond{fmt.Sprintf("m.format = ANY (%s::text[])", searchTextArray(q.Formats)), true})
	}
	if q.AssociationID != nil {
		conds = append(conds, searchCond{fmt.Sprintf("m.association_id = %s::uuid", b.arg(q.AssociationID.String())), true})
	}
	// A mission takes place within [From, To] when its dates overlap them;
	// a one-off mission without an end ends the day it starts, and a
	// mission without dates is always on.
	end := "coalesce(m.ends_on, CASE WHEN m.date_kind = 'one_off' THEN m.starts_on END)"
	if q.From != nil {
		conds = append(conds, searchCond{fmt.Sprintf("(%[1]s IS NULL OR %[1]s >= %[2]s::date)", end, b.arg(q.From.Format(time.DateOnly))), false})
	}
	if q.To != nil {
		conds = append(conds, searchCond{fmt.Sprintf("(m.starts_on IS NULL OR m.starts_on <= %s::date)", b.arg(q.To.Format(time.DateOnly))), false})
	}
	switch {
	case seg.byDistance && (reach > 0 || q.RadiusKM > 0):
		// The missions with a place only: the GiST index can lead.
		if reach == 0 {
			reach = q.RadiusKM
		}
		conds = append(conds, searchCond{sp.within(b, reach), false})
	case q.Near != nil && q.RadiusKM > 0:
		// Missions that are everywhere stay, whatever the radius.
		conds = append(conds, searchCond{fmt.Sprintf("(NOT (%s) OR (%s))", searchPlaced, sp.within(b, q.RadiusKM)), false})
	}
	return conds
}

// within is the condition "a place within km of Near": the bounding box
// lets the GiST index on geo cut first, the haversine keeps the circle.
func (sp *searchPlan) within(b *searchSQL, km float64) string {
	cond := fmt.Sprintf("%s <= %s::float8", searchDistance, b.arg(km))
	if box, ok := searchBox(*sp.q.Near, km); ok {
		cond = fmt.Sprintf("m.geo <@ box(point(%s::float8, %s::float8), point(%s::float8, %s::float8)) AND %s",
			b.arg(box[0]), b.arg(box[1]), b.arg(box[2]), b.arg(box[3]), cond)
	}
	return cond
}

// searchTextArray is codes as an array literal: codes Normalize checked
// (letters, digits, dots, dashes, underscores), quoted all the same.
func searchTextArray(codes []string) string {
	q := make([]string, len(codes))
	for i, c := range codes {
		q[i] = "'" + strings.ReplaceAll(c, "'", "''") + "'"
	}
	return "ARRAY[" + strings.Join(q, ", ") + "]"
}

func searchExpr(k searchKeyKind) string {
	switch k {
	case skVital:
		return "v.position"
	case skCreated:
		return "m.created_at"
	case skRank:
		return searchRank
	case skStarts:
		return "m.starts_on"
	case skDistance:
		return searchDistance
	}
	return "m.id"
}

var searchKeyCast = map[searchKeyKind]string{skVital: "int", skCreated: "timestamptz", skRank: "float8", skStarts: "date",
	skDistance: "float8", skID: "uuid"}

// searchAfter is the condition "after these key values" in the segment's
// order: a row comparison when every key goes the same way (a btree index
// on those columns serves it), else the expanded form.
//
// hidden puts the values in scalar subqueries, InitPlans whose results
// the planner does not know, as it does not know a bind parameter's: so
// that the custom plans of a prepared search with a cursor cost what its
// generic plan does, and PostgreSQL keeps the generic one. With the values
// known, a cursor near the newest missions made every custom plan look
// three times cheaper than the generic one (which takes (created_at, id)
// < $n for a third of the rows), and PostgreSQL planned every page after
// the first: 0 generic plans for 128 custom ones on the pages of a word
// found in descriptions only, and the past-vital pages of the searches
// without a text. The row comparison with a subquery is still an index
// condition: PostgreSQL compares the row with the InitPlan's outputs.
func searchAfter(b *searchSQL, keys []searchSortKey, exprs []string, vals []any, hidden bool) string {
	ph := make([]string, len(keys))
	same := true
	for i, k := range keys {
		ph[i] = b.arg(vals[i]) + "::" + searchKeyCast[k.kind]
		same = same && k.desc == keys[0].desc
	}
	if hidden && same {
		return fmt.Sprintf("(%s) %s (SELECT %s)", strings.Join(exprs, ", "), searchAfterOp(keys[0]), strings.Join(ph, ", "))
	}
	if hidden {
		for i := range ph {
			ph[i] = "(SELECT " + ph[i] + ")"
		}
	}
	if same {
		return fmt.Sprintf("(%s) %s (%s)", strings.Join(exprs, ", "), searchAfterOp(keys[0]), strings.Join(ph, ", "))
	}
	var or []string
	for i := range keys {
		var and []string
		for j := 0; j < i; j++ {
			and = append(and, fmt.Sprintf("%s = %s", exprs[j], ph[j]))
		}
		and = append(and, fmt.Sprintf("%s %s %s", exprs[i], searchAfterOp(keys[i]), ph[i]))
		or = append(or, "("+strings.Join(and, " AND ")+")")
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// searchAfterOp is the comparison "after" for key k.
func searchAfterOp(k searchSortKey) string {
	if k.desc {
		return "<"
	}
	return ">"
}

// searchBox is the smallest lon/lat box holding every point within km of
// p, as (lon1, lat1, lon2, lat2); false when it would cross a pole or the
// antimeridian, where the distance alone decides.
func searchBox(p catalog.Point, km float64) ([4]float64, bool) {
	const earth = 6371.0088 // as app.distance_km
	d := km / earth         // angular radius
	lat := p.Lat * math.Pi / 180
	minLat, maxLat := p.Lat-d*180/math.Pi, p.Lat+d*180/math.Pi
	if minLat <= -90 || maxLat >= 90 || math.Sin(d) >= math.Cos(lat) {
		return [4]float64{}, false
	}
	// The widest longitude span of the circle (not at its centre's
	// latitude): asin(sin d / cos lat).
	dLon := math.Asin(math.Sin(d)/math.Cos(lat)) * 180 / math.Pi
	minLon, maxLon := p.Lon-dLon, p.Lon+dLon
	if minLon < -180 || maxLon > 180 {
		return [4]float64{}, false
	}
	// A hair wider, for the rounding of the two formulas.
	const eps = 1e-9
	return [4]float64{minLon - eps, minLat - eps, maxLon + eps, maxLat + eps}, true
}

// Cursors.
//
// A cursor is base64url(JSON || checksum): the version, a hash of the
// search it continues, the segment and the sort key values of the last row
// shown. The checksum (SHA-256, truncated, unkeyed) catches a damaged or
// hand-edited cursor; it is no secret, and need not be: a forged cursor
// only moves the start of a page, the WHERE clause still decides what the
// company may see.

// Version 2: the text's segments (title matches, then the others) and
// the rank (the title's match) changed; an older cursor is refused.
const searchCursorVersion = 2

type searchCursor struct {
	V int               `json:"v"`
	Q string            `json:"q"`
	G int               `json:"g"`
	K []json.RawMessage `json:"k"`
}

func searchCursorSum(payload []byte) []byte {
	h := sha256.Sum256(append([]byte("vendredi/missions/cursor\x00"), payload...))
	return h[:8]
}

// searchHash identifies a search, limit and cursor aside: a cursor works
// only for the search it came from.
func searchHash(q *catalog.Query) string {
	h := sha256.New()
	fmt.Fprintf(h, "%q|%q|%q|%q|%s|%v|%v|%d|%s|%s|%v", q.Text, q.Skills, q.Causes, q.Formats, q.Sort, q.RadiusKM,
		q.Platform, q.MinPlacesLeft, searchDate(q.From), searchDate(q.To), q.AssociationID)
	if q.Near != nil {
		fmt.Fprintf(h, "|%v,%v", q.Near.Lat, q.Near.Lon)
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

func searchDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func (sp *searchPlan) cursor(r searchRow) string {
	keys := sp.segs[r.Seg].keys
	c := searchCursor{V: searchCursorVersion, Q: sp.hash, G: r.Seg, K: make([]json.RawMessage, len(keys))}
	for i, k := range keys {
		var v any
		switch k.kind {
		case skVital:
			v = r.VitalPosition
		case skCreated:
			v = r.CreatedAt.UTC().Format(time.RFC3339Nano)
		case skRank:
			v = r.Rank
		case skStarts:
			v = r.StartsOn.Format(time.DateOnly) // the dated segment: never nil
		case skDistance:
			v = *r.DistanceKM // the placed segment: never nil
		case skID:
			v = r.ID.String()
		}
		c.K[i], _ = json.Marshal(v) // numbers and strings: cannot fail
	}
	payload, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(append(payload, searchCursorSum(payload)...))
}

// decode reads a cursor into typed key values, so that a bad one answers
// 400 naming "after" and never reaches PostgreSQL as a type error.
func (sp *searchPlan) decode(after string) (searchPosition, error) {
	if after == "" {
		return searchPosition{}, nil
	}
	bad := errs.Field(catalog.FieldAfter, "this cursor is damaged: start the search again without it")
	raw, err := base64.RawURLEncoding.DecodeString(after)
	if err != nil || len(raw) < 9 {
		return searchPosition{}, bad
	}
	payload, sum := raw[:len(raw)-8], raw[len(raw)-8:]
	if !bytes.Equal(sum, searchCursorSum(payload)) {
		return searchPosition{}, bad
	}
	var c searchCursor
	if err := json.Unmarshal(payload, &c); err != nil || c.V != searchCursorVersion {
		return searchPosition{}, bad
	}
	if c.Q != sp.hash {
		return searchPosition{}, errs.Field(catalog.FieldAfter, "this cursor belongs to another search: send it with the same filters and sort")
	}
	if c.G < 0 || c.G >= len(sp.segs) || len(c.K) != len(sp.segs[c.G].keys) {
		return searchPosition{}, bad
	}
	keys := make([]any, len(c.K))
	for i, k := range sp.segs[c.G].keys {
		var ok bool
		if keys[i], ok = searchDecodeKey(k.kind, c.K[i]); !ok {
			return searchPosition{}, bad
		}
	}
	return searchPosition{seg: c.G, keys: keys}, nil
}

func searchDecodeKey(k searchKeyKind, raw json.RawMessage) (any, bool) {
	switch k {
	case skVital:
		var n int
		return n, json.Unmarshal(raw, &n) == nil
	case skRank, skDistance:
		var f float64
		return f, json.Unmarshal(raw, &f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, false
	}
	switch k {
	case skCreated:
		t, err := time.Parse(time.RFC3339Nano, s)
		return t, err == nil
	case skStarts:
		_, err := time.Parse(time.DateOnly, s)
		return s, err == nil
	}
	id, err := uuid.Parse(s)
	return id.String(), err == nil
}

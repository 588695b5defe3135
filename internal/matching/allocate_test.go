package matching_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/vendredi-app/vendredi/internal/matching"
	"github.com/vendredi-app/vendredi/internal/matching/synth"
)

// bruteTopK ranks every mission with Evaluate, the reference the index must match.
func bruteTopK(c matching.Campaign, e *matching.Employee, ms []matching.Mission, k int) []matching.Recommendation {
	var all []matching.Recommendation
	order := map[string]int{}
	for i := range ms {
		order[ms[i].ID] = i
		if ex := matching.Evaluate(c, e, &ms[i]); ex.Eligible {
			all = append(all, matching.Recommendation{MissionID: ms[i].ID, Score: ex.Score})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Score != all[j].Score {
			return all[i].Score > all[j].Score
		}
		return order[all[i].MissionID] < order[all[j].MissionID]
	})
	if len(all) > k {
		all = all[:k]
	}
	return all
}

func TestRecommendMatchesScoringEveryMission(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		inst := synth.Generate(seed, 150, 300, 2)
		r := rand.New(rand.NewPCG(seed, 5))
		for i := range inst.Employees {
			e := &inst.Employees[i]
			switch i % 10 {
			case 0:
				e.Format, e.RadiusKm = matching.OnSiteOnly, 8 // small radius: ranked through the place grid
			case 1:
				e.Declined = []string{inst.Missions[r.IntN(len(inst.Missions))].ID}
			case 2:
				e.Taken = 1
			}
		}
		ix := matching.NewIndex(inst.Campaign, inst.Missions)
		for i := range inst.Employees {
			e := &inst.Employees[i]
			for _, k := range []int{1, 5, 40} {
				got := ix.Recommend(e, k)
				want := bruteTopK(inst.Campaign, e, inst.Missions, k)
				if len(got) == 0 && len(want) == 0 {
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("seed %d employee %d k=%d:\n index %v\n brute %v", seed, i, k, got, want)
				}
				for j, x := range ix.RecommendExplained(e, k) {
					m := slices.IndexFunc(inst.Missions, func(m matching.Mission) bool { return m.ID == x.MissionID })
					if x.Recommendation != got[j] || !reflect.DeepEqual(x.Explanation, matching.Evaluate(inst.Campaign, e, &inst.Missions[m])) {
						t.Fatalf("seed %d employee %d k=%d: explained %+v, ranked %+v, evaluated alone %+v",
							seed, i, k, x, got[j], matching.Evaluate(inst.Campaign, e, &inst.Missions[m]))
					}
				}
			}
		}
	}
}

// tinyInstance is a campaign small enough to try every allocation.
func tinyInstance(seed uint64) *synth.Instance {
	r := rand.New(rand.NewPCG(seed, 11))
	inst := synth.Generate(seed, 3+r.IntN(4), 2+r.IntN(3), 1+r.IntN(2))
	for i := range inst.Missions {
		inst.Missions[i].Format = matching.Remote
		inst.Missions[i].PlacesLeft = 1 + r.IntN(2)
	}
	for i := range inst.Employees {
		inst.Employees[i].Format = matching.AnyFormat
		inst.Employees[i].HoursPerWeek = 10
		inst.Employees[i].AvailableFrom, inst.Employees[i].AvailableTo = inst.Missions[0].Start.AddDate(-1, 0, 0), inst.Missions[0].End.AddDate(1, 0, 0)
	}
	for i := range inst.Missions {
		inst.Missions[i].Start, inst.Missions[i].End = inst.Missions[0].Start, inst.Missions[0].End
	}
	return inst
}

func bruteAllocation(inst *synth.Instance) int {
	type pair struct{ e, m, s int }
	var pairs []pair
	for i := range inst.Employees {
		for j := range inst.Missions {
			if ex := matching.Evaluate(inst.Campaign, &inst.Employees[i], &inst.Missions[j]); ex.Eligible {
				pairs = append(pairs, pair{i, j, ex.Score})
			}
		}
	}
	best := 0
	for mask := 0; mask < 1<<len(pairs); mask++ {
		eu := make([]int, len(inst.Employees))
		mu := make([]int, len(inst.Missions))
		total, ok := 0, true
		for k, p := range pairs {
			if mask&(1<<k) == 0 {
				continue
			}
			eu[p.e]++
			mu[p.m]++
			if eu[p.e] > inst.Campaign.MaxPerEmployee || mu[p.m] > inst.Missions[p.m].PlacesLeft {
				ok = false
				break
			}
			total += p.s
		}
		if ok && total > best {
			best = total
		}
	}
	return best
}

func TestAllocationIsOptimalOnTinyCampaigns(t *testing.T) {
	tried := 0
	for seed := uint64(0); tried < 60 && seed < 1000; seed++ {
		inst := tinyInstance(seed)
		ix := matching.NewIndex(inst.Campaign, inst.Missions)
		p, err := ix.Pairs(context.Background(), inst.Employees, 100, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.Len() > 16 || p.Len() < 3 {
			continue
		}
		tried++
		a, err := ix.Solve(context.Background(), inst.Employees, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteAllocation(inst); a.TotalScore != int64(want) {
			t.Fatalf("seed %d: allocation total %d, best possible %d", seed, a.TotalScore, want)
		}
	}
	if tried < 60 {
		t.Fatalf("only %d tiny instances had a brute-forceable size", tried)
	}
}

func TestAllocationRespectsPlacesLimitsAndEligibility(t *testing.T) {
	inst := synth.Generate(42, 2000, 150, 2)
	a, err := matching.Allocate(context.Background(), inst.Campaign, inst.Missions, inst.Employees, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Proposals) == 0 {
		t.Fatal("no proposals")
	}
	emp := map[string]*matching.Employee{}
	for i := range inst.Employees {
		emp[inst.Employees[i].ID] = &inst.Employees[i]
	}
	mis := map[string]*matching.Mission{}
	for i := range inst.Missions {
		mis[inst.Missions[i].ID] = &inst.Missions[i]
	}
	perEmp, perMis := map[string]int{}, map[string]int{}
	seen := map[[2]string]bool{}
	var total int64
	for _, p := range a.Proposals {
		key := [2]string{p.EmployeeID, p.MissionID}
		if seen[key] {
			t.Fatalf("pair %v proposed twice", key)
		}
		seen[key] = true
		perEmp[p.EmployeeID]++
		perMis[p.MissionID]++
		ex := matching.Evaluate(inst.Campaign, emp[p.EmployeeID], mis[p.MissionID])
		if !ex.Eligible || ex.Score != p.Score {
			t.Fatalf("proposal %+v: evaluate says eligible=%v score=%d reason=%s", p, ex.Eligible, ex.Score, ex.Reason)
		}
		total += int64(p.Score)
	}
	for id, n := range perEmp {
		if n > inst.Campaign.MaxPerEmployee {
			t.Fatalf("employee %s got %d proposals, limit %d", id, n, inst.Campaign.MaxPerEmployee)
		}
	}
	for id, n := range perMis {
		if n > mis[id].PlacesLeft {
			t.Fatalf("mission %s got %d proposals for %d places", id, n, mis[id].PlacesLeft)
		}
	}
	if total != a.TotalScore {
		t.Fatalf("proposals add up to %d, reported optimum %d", total, a.TotalScore)
	}
}

func TestAllocationIsDeterministic(t *testing.T) {
	// One mission per employee goes to cost scaling, two to the simplex.
	for perEmployee := 1; perEmployee <= 2; perEmployee++ {
		allocationIsDeterministic(t, perEmployee)
	}
}

func allocationIsDeterministic(t *testing.T, perEmployee int) {
	inst := synth.Generate(7, 1500, 120, perEmployee)
	ix := matching.NewIndex(inst.Campaign, inst.Missions)
	var first *matching.Allocation
	for _, workers := range []int{1, 2, 3} {
		p, err := ix.Pairs(context.Background(), inst.Employees, 0, workers, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := ix.Solve(context.Background(), inst.Employees, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = a
			continue
		}
		if !reflect.DeepEqual(first.Proposals, a.Proposals) || first.TotalScore != a.TotalScore {
			t.Fatalf("%d per employee: with %d workers the allocation changed", perEmployee, workers)
		}
	}
}

func TestRerunAfterDeclineFreesThePlaceAndDoesNotReproposeIt(t *testing.T) {
	inst := synth.Generate(9, 800, 60, 1)
	a, err := matching.Allocate(context.Background(), inst.Campaign, inst.Missions, inst.Employees, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Everyone accepts except the first proposal, which is declined.
	declined := a.Proposals[0]
	accepted := map[string]bool{}
	places := map[string]int{}
	for _, p := range a.Proposals[1:] {
		accepted[p.EmployeeID] = true
		places[p.MissionID]++
	}
	for i := range inst.Employees {
		e := &inst.Employees[i]
		if accepted[e.ID] {
			e.Taken = 1
		}
		if e.ID == declined.EmployeeID {
			e.Declined = []string{declined.MissionID}
		}
	}
	for i := range inst.Missions {
		inst.Missions[i].PlacesLeft -= places[inst.Missions[i].ID]
	}
	b, err := matching.Allocate(context.Background(), inst.Campaign, inst.Missions, inst.Employees, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range b.Proposals {
		if accepted[p.EmployeeID] {
			t.Fatalf("employee %s at the campaign limit got %s", p.EmployeeID, p.MissionID)
		}
		if p.EmployeeID == declined.EmployeeID && p.MissionID == declined.MissionID {
			t.Fatal("the declined mission was proposed again")
		}
	}
	if len(b.Proposals) == 0 {
		t.Fatal("the re-run proposed nothing although a place was freed")
	}
}

func TestAllocationCanBeCancelled(t *testing.T) {
	inst := synth.Generate(3, 500, 50, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := matching.Allocate(ctx, inst.Campaign, inst.Missions, inst.Employees, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled allocation returned %v", err)
	}
	var stages []string
	_, err := matching.Allocate(context.Background(), inst.Campaign, inst.Missions, inst.Employees, func(p matching.Progress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stages, []string{"candidates", "solve"}) {
		t.Fatalf("progress stages %v", stages)
	}
	// Two per employee: the simplex, cancelled once it has started.
	inst = synth.Generate(3, 500, 50, 2)
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	_, err = matching.Allocate(ctx, inst.Campaign, inst.Missions, inst.Employees, func(p matching.Progress) {
		if p.Stage == "solve" {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("allocation cancelled while solving returned %v", err)
	}
}

// TestWithPlacesRanksAsANewIndex: an index whose places left were moved
// (some missions filled, some emptied, some half taken) ranks every
// employee as an index compiled from the moved missions, and the index it
// came from still ranks as before.
func TestWithPlacesRanksAsANewIndex(t *testing.T) {
	inst := synth.Generate(7, 120, 300, 2)
	r := rand.New(rand.NewPCG(7, 9))
	before := matching.NewIndex(inst.Campaign, inst.Missions)
	moved := slices.Clone(inst.Missions)
	left := map[string]int{}
	for i := range moved {
		m := &moved[i]
		switch r.IntN(4) {
		case 0:
			m.PlacesLeft = 0 // full: no longer recommended
		case 1:
			m.PlacesLeft = r.IntN(m.Places + 1) // popularity penalty changes
		default:
			continue
		}
		left[m.ID] = m.PlacesLeft
	}
	patched := before.WithPlaces(left)
	fresh := matching.NewIndex(inst.Campaign, moved)
	changed := 0
	for i := range inst.Employees {
		e := &inst.Employees[i]
		got, want := patched.Recommend(e, 20), fresh.Recommend(e, 20)
		if len(got) != 0 || len(want) != 0 {
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("employee %d: patched index %v\n new index %v", i, got, want)
			}
		}
		old, brute := before.Recommend(e, 20), bruteTopK(inst.Campaign, e, inst.Missions, 20)
		if (len(old) != 0 || len(brute) != 0) && !reflect.DeepEqual(old, brute) {
			t.Fatalf("employee %d: the original index changed with its patched copy", i)
		}
		if len(old) != len(got) || (len(got) != 0 && !reflect.DeepEqual(old, got)) {
			changed++
		}
	}
	if changed == 0 {
		t.Fatal("no employee's ranking moved with the places: the test proves nothing")
	}
}

// TestExplanationsAgreeWithTheRanking: a recommended mission's explanation
// gives the score it was ranked by, even when the credit comes from a
// skill outside the taxonomy that another mission of the campaign asks
// for (scored on its own, the mission would not know that skill, and the
// employee's close skill would earn nothing).
func TestExplanationsAgreeWithTheRanking(t *testing.T) {
	missions := []matching.Mission{
		{ID: "rare", Skills: []matching.SkillNeed{{Code: "it.cobol", Level: 2, Required: true}}, Format: matching.Remote, PlacesLeft: 1},
		{ID: "web", Skills: []matching.SkillNeed{{Code: "it.web-dev", Level: 2, Required: true}}, Format: matching.Remote, PlacesLeft: 1},
	}
	e := &matching.Employee{Skills: []matching.SkillLevel{{Code: "it.cobol", Level: 3}}, Format: matching.AnyFormat}
	recs := matching.NewIndex(matching.Campaign{}, missions).RecommendExplained(e, 5)
	if len(recs) != 2 {
		t.Fatalf("recommended %+v, want both missions", recs)
	}
	for _, r := range recs {
		if !r.Explanation.Eligible || r.Explanation.Score != r.Score {
			t.Errorf("%s ranked at %d, explained as %+v", r.MissionID, r.Score, r.Explanation)
		}
	}
	web := recs[1].Explanation.Skills
	if recs[1].MissionID != "web" || len(web) != 1 || web[0].Kind != matching.MatchFamily || web[0].Via != "it.cobol" {
		t.Errorf("web development explained as %+v, want a close skill: it.cobol", recs[1])
	}
}

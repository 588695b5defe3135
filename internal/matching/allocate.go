package matching

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/vendredi-app/vendredi/internal/matching/mcf"
)

// DefaultPerEmployee is how many candidate missions each employee keeps for
// the allocation: the best ones by score. Pruning to a few dozen keeps the
// network small (100 000 employees -> about 4 M arcs) and, in practice,
// loses nothing: a place taken by the 41st choice of someone is rare and
// almost always has a better taker.
const DefaultPerEmployee = 40

// Progress is reported while a campaign allocation runs.
type Progress struct {
	Stage string // "candidates" or "solve"
	Done  int
	Total int
}

// Pairs are the candidate (employee, mission) pairs of a campaign, grouped by
// employee in input order, each group best first.
type Pairs struct {
	Start     []int32 // pairs of employee i are Start[i]..Start[i+1]-1
	Mission   []int32 // mission index in the Index
	Score     []int32
	Allowance []int32 // missions employee i may still take in the campaign
}

// Len is the number of pairs.
func (p *Pairs) Len() int { return len(p.Mission) }

// Pairs generates, for every employee, its perEmployee best eligible
// missions scoring at least the campaign's minimum. Work is split over
// workers goroutines (0 = GOMAXPROCS); the result does not depend on it.
func (ix *Index) Pairs(ctx context.Context, employees []Employee, perEmployee, workers int, progress func(Progress)) (*Pairs, error) {
	if perEmployee <= 0 {
		perEmployee = DefaultPerEmployee
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	n := len(employees)
	const chunk = 1024
	chunks := (n + chunk - 1) / chunk
	lists := make([][]scored, n)
	allow := make([]int32, n)
	var (
		mu   sync.Mutex
		done int
		next int
		wg   sync.WaitGroup
		cerr error
	)
	limit := ix.camp.limit()
	minScore := ix.camp.minScore()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := ix.getScratch()
			defer ix.scratch.Put(sc)
			for {
				mu.Lock()
				c := next
				next++
				mu.Unlock()
				if c >= chunks {
					return
				}
				if err := ctx.Err(); err != nil {
					mu.Lock()
					cerr = err
					mu.Unlock()
					return
				}
				for i := c * chunk; i < min(n, (c+1)*chunk); i++ {
					ce := ix.compileEmployee(&employees[i])
					lists[i] = ix.topK(ce, perEmployee, minScore, sc)
					allow[i] = int32(min(max(limit-ce.taken, 0), len(lists[i])))
				}
				if progress != nil {
					mu.Lock()
					done++
					progress(Progress{Stage: "candidates", Done: done, Total: chunks})
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if cerr != nil {
		return nil, cerr
	}
	p := &Pairs{Start: make([]int32, n+1), Allowance: allow}
	total := 0
	for i, l := range lists {
		p.Start[i] = int32(total)
		total += len(l)
	}
	p.Start[n] = int32(total)
	p.Mission = make([]int32, 0, total)
	p.Score = make([]int32, 0, total)
	for _, l := range lists {
		for _, s := range l {
			p.Mission = append(p.Mission, s.mission)
			p.Score = append(p.Score, s.score)
		}
	}
	return p, nil
}

// Network is the campaign as a min-cost flow: source -> employee (capacity:
// missions the employee may still take) -> mission (capacity 1, cost -score)
// -> sink (capacity: places left), plus a zero-cost source -> sink arc for
// the employees and places that stay unassigned. Node 0 is the source,
// nodes 1..E the employees, then the missions, and the sink is last.
type Network struct {
	*mcf.Network
	PairArc0 int // arc index of the first pair; pair k is arc PairArc0+k
}

// Network builds the flow network of the pairs.
func (ix *Index) Network(p *Pairs) *Network {
	ne, nm := len(p.Allowance), len(ix.missions)
	src, sink := 0, 1+ne+nm
	var supply int64
	for _, a := range p.Allowance {
		supply += int64(a)
	}
	net := mcf.NewNetwork(ne+nm+2, ne+p.Len()+nm+1)
	net.Supply[src], net.Supply[sink] = supply, -supply
	for i, a := range p.Allowance {
		net.AddArc(src, 1+i, int64(a), 0)
	}
	first := net.Arcs()
	for i := 0; i < ne; i++ {
		for k := p.Start[i]; k < p.Start[i+1]; k++ {
			net.AddArc(1+i, 1+ne+int(p.Mission[k]), 1, -int64(p.Score[k]))
		}
	}
	for j := range ix.missions {
		net.AddArc(1+ne+j, sink, int64(max(ix.missions[j].placesLeft, 0)), 0)
	}
	net.AddArc(src, sink, supply, 0)
	return &Network{Network: net, PairArc0: first}
}

// Proposal is one mission proposed to one employee; accepting it creates the
// participation, declining it frees the place for a re-run.
type Proposal struct {
	EmployeeID string `json:"employee_id"`
	MissionID  string `json:"mission_id"`
	Score      int    `json:"score"`
}

// Allocation is the optimal set of proposals of a campaign.
type Allocation struct {
	Proposals  []Proposal // by employee, in input order, then best score first
	TotalScore int64      // the optimum: no set of proposals within the limits scores more
	Pairs      int        // candidate pairs the optimum was taken over
	Stats      mcf.Stats
}

// Solve finds the proposals of maximum total score such that no mission gets
// more proposals than places left and no employee more than the campaign
// allows. It is exact and deterministic; ctx cancels it.
func (ix *Index) Solve(ctx context.Context, employees []Employee, p *Pairs, progress func(Progress)) (*Allocation, error) {
	if len(employees) != len(p.Allowance) {
		return nil, fmt.Errorf("matching: %d employees but pairs for %d", len(employees), len(p.Allowance))
	}
	nw := ix.Network(p)
	opt := mcf.Options{}
	if progress != nil {
		opt.Progress = func(pr mcf.Progress) {
			progress(Progress{Stage: "solve", Done: pr.Phase - 1, Total: pr.Phases})
		}
	}
	res, err := mcf.Solve(ctx, nw.Network, opt)
	if err != nil {
		return nil, err
	}
	a := &Allocation{Pairs: p.Len(), Stats: res.Stats}
	for i := range employees {
		for k := p.Start[i]; k < p.Start[i+1]; k++ {
			if res.Flow[nw.PairArc0+int(k)] > 0 {
				a.Proposals = append(a.Proposals, Proposal{
					EmployeeID: employees[i].ID,
					MissionID:  ix.ids[p.Mission[k]],
					Score:      int(p.Score[k]),
				})
				a.TotalScore += int64(p.Score[k])
			}
		}
	}
	if a.TotalScore != -res.Cost {
		return nil, fmt.Errorf("matching: internal error: proposals score %d but the flow costs %d", a.TotalScore, res.Cost)
	}
	return a, nil
}

// Allocate runs a whole campaign: candidate pairs, then the exact solve.
func Allocate(ctx context.Context, c Campaign, missions []Mission, employees []Employee, progress func(Progress)) (*Allocation, error) {
	ix := NewIndex(c, missions)
	p, err := ix.Pairs(ctx, employees, DefaultPerEmployee, 0, progress)
	if err != nil {
		return nil, err
	}
	return ix.Solve(ctx, employees, p, progress)
}

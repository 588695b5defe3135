package mcf

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// ErrInfeasible means no flow meets every supply within the arc capacities.
var ErrInfeasible = errors.New("mcf: infeasible: no flow meets the supplies within the capacities")

// Algorithm selects the method Solve uses.
type Algorithm int

const (
	// Auto picks per instance; see chooseAlgorithm.
	Auto Algorithm = iota
	// CostScaling is Goldberg's cost-scaling push-relabel method.
	CostScaling
	// NetworkSimplex is the primal network simplex with block-search pivots.
	NetworkSimplex
)

// Options tunes the solver; the zero value is the recommended setting.
type Options struct {
	// Algorithm is Auto unless a test or a benchmark wants one method.
	Algorithm Algorithm
	// ArtificialStart makes the network simplex start from LEMON's
	// artificial basis even on the allocation shape (tests, benchmarks).
	ArtificialStart bool
	// Alpha is the factor by which ε shrinks between phases of cost
	// scaling (default 8).
	Alpha int64
	// Progress, if set, is called at the start of every phase and once at the
	// end (the network simplex has one phase and reports every 16 384
	// pivots), from the solving goroutine; keep it cheap.
	Progress func(Progress)
}

// Progress is what a long solve reports while running.
type Progress struct {
	Phase    int   // 1-based phase about to run; Phases+1 when done
	Phases   int   // number of phases the solve will run
	Epsilon  int64 // ε of that phase, in scaled cost units
	Pushes   int64 // totals so far
	Relabels int64
	Pivots   int64 // network simplex only
}

// Stats describe the work a solve did.
type Stats struct {
	Phases        int
	Pushes        int64
	Relabels      int64
	GlobalUpdates int64
	EarlyStop     bool // optimality was proved before the last phase
	Pivots        int64
	Simplex       bool // solved by the network simplex
}

// Result is an optimal flow.
type Result struct {
	Cost  int64   // total cost, sum of Flow[a]*Cost[a]
	Flow  []int64 // per arc of the input network
	Stats Stats
}

// Solve returns a minimum-cost flow of net. It returns ErrInfeasible when the
// supplies cannot be routed, ctx.Err() when cancelled, and a descriptive error
// when the network is malformed or its costs are too large to scale safely.
func Solve(ctx context.Context, net *Network, opt Options) (*Result, error) {
	if err := net.Validate(); err != nil {
		return nil, err
	}
	n := net.Nodes()
	var maxC, maxCap int64
	for a, c := range net.Cost {
		if c < 0 {
			c = -c
		}
		maxC = max(maxC, c)
		maxCap = max(maxCap, net.Cap[a])
	}
	var supplies int64
	for _, s := range net.Supply {
		if s > 0 {
			supplies += s
		}
	}
	var lowers int64
	if net.Lower != nil {
		for _, l := range net.Lower {
			lowers += l
		}
	}
	alg := opt.Algorithm
	var shape *matchingShape
	if alg != CostScaling {
		shape = detectMatchingShape(net)
	}
	if alg == Auto {
		alg = chooseAlgorithm(shape)
	}
	if opt.ArtificialStart {
		shape = nil
	}
	if alg == NetworkSimplex {
		return solveSimplex(ctx, net, shape, maxC, maxCap+supplies+lowers, opt.Progress)
	}
	// Potentials move by less than about 3·n·ε per phase and ε starts at
	// maxC·(n+1); keep the whole range well inside int64.
	if float64(maxC)*float64(n+1)*float64(n+1)*8 > math.MaxInt64/4 {
		return nil, fmt.Errorf("mcf: costs up to %d on %d nodes are too large to scale exactly", maxC, n)
	}
	alpha := opt.Alpha
	if alpha < 2 {
		alpha = 8
	}
	small := maxC*int64(n+1) < math.MaxInt32/2 && maxCap+supplies < math.MaxInt32/2
	if small {
		s := newSolver[int32](net)
		if err := s.run(ctx, alpha, opt.Progress); err != nil {
			return nil, err
		}
		return s.result(net), nil
	}
	s := newSolver[int64](net)
	if err := s.run(ctx, alpha, opt.Progress); err != nil {
		return nil, err
	}
	return s.result(net), nil
}

// num is the integer type of residual capacities and scaled costs: int32
// when they fit, which halves the memory the hot loops stream through.
type num interface{ ~int32 | ~int64 }

// arc is one residual arc; the fields the loops read together sit together.
type arc[T num] struct {
	head int32
	rev  int32 // index of the opposite residual arc
	rcap T
	cost T // scaled by n+1
	// back mirrors the opposite arc's rcap, so that the global update,
	// which walks arcs backwards, reads one arc rather than two far apart.
	back T
}

type solver[T num] struct {
	n      int
	first  []int32 // residual arcs of node u are first[u]..first[u+1]-1
	arcs   []arc[T]
	fwd    []int32 // residual index of each input arc
	pot    []int64
	excess []int64
	cur    []int32

	queue      []int32 // FIFO ring of active nodes
	qhead, qn  int
	inQueue    []bool
	relabelsGU int64 // relabels since the last global update

	// global update scratch
	dist    []int64
	done    []bool
	buckets [][]int32

	stats Stats
	eps   int64
	scale int64 // n+1, the factor costs were multiplied by
}

func newSolver[T num](net *Network) *solver[T] {
	n := net.Nodes()
	m := net.Arcs()
	s := &solver[T]{
		n:       n,
		first:   make([]int32, n+1),
		arcs:    make([]arc[T], 2*m),
		fwd:     make([]int32, m),
		pot:     make([]int64, n),
		excess:  make([]int64, n),
		cur:     make([]int32, n),
		queue:   make([]int32, n),
		inQueue: make([]bool, n),
	}
	copy(s.excess, net.Supply)
	pos := make([]int32, n+1)
	for a := 0; a < m; a++ {
		pos[net.Tail[a]]++
		pos[net.Head[a]]++
	}
	var acc int32
	for u := 0; u < n; u++ {
		s.first[u] = acc
		acc += pos[u]
		pos[u] = s.first[u]
	}
	s.first[n] = acc
	scale := int64(n + 1)
	s.scale = scale
	for a := 0; a < m; a++ {
		t, h := net.Tail[a], net.Head[a]
		lo := int64(0)
		if net.Lower != nil {
			lo = net.Lower[a]
		}
		if lo != 0 {
			s.excess[t] -= lo
			s.excess[h] += lo
		}
		fa := pos[t]
		pos[t]++
		ba := pos[h]
		pos[h]++
		c := net.Cost[a] * scale
		s.arcs[fa] = arc[T]{head: h, rev: ba, rcap: T(net.Cap[a] - lo), cost: T(c)}
		s.arcs[ba] = arc[T]{head: t, rev: fa, rcap: 0, cost: T(-c), back: T(net.Cap[a] - lo)}
		s.fwd[a] = fa
	}
	return s
}

func (s *solver[T]) result(net *Network) *Result {
	m := net.Arcs()
	r := &Result{Flow: make([]int64, m), Stats: s.stats}
	for a := 0; a < m; a++ {
		lo := int64(0)
		if net.Lower != nil {
			lo = net.Lower[a]
		}
		f := int64(s.arcs[s.arcs[s.fwd[a]].rev].rcap) + lo
		r.Flow[a] = f
		r.Cost += f * net.Cost[a]
	}
	return r
}

func (s *solver[T]) run(ctx context.Context, alpha int64, progress func(Progress)) error {
	var maxC int64
	for i := range s.arcs {
		maxC = max(maxC, int64(s.arcs[i].cost))
	}
	// The first phase starts at ε = n+1 at most: the zero flow is
	// maxC-optimal anyway, global updates move potentials by many ε at once,
	// and the phases above n+1 were measured to cost more than they save.
	first := max(min(maxC/alpha, s.scale), 1)
	phases := 1
	for e := first; e > 1; e = max(e/alpha, 1) {
		phases++
	}
	eps := first
	for phase := 1; ; phase++ {
		if phase > 1 {
			eps = max(eps/alpha, 1)
		}
		if progress != nil {
			progress(Progress{Phase: phase, Phases: phases, Epsilon: eps, Pushes: s.stats.Pushes, Relabels: s.stats.Relabels})
		}
		if err := s.refine(ctx, eps); err != nil {
			return err
		}
		s.stats.Phases++
		if eps == 1 {
			break
		}
		// Costs are scaled by n+1 only so that the last phase is provably
		// optimal; with small integer costs the flow is usually optimal
		// phases earlier, which a cheap check can prove.
		if eps <= s.scale && s.provedOptimal() {
			s.stats.EarlyStop = true
			break
		}
	}
	if progress != nil {
		progress(Progress{Phase: phases + 1, Phases: phases, Epsilon: 1, Pushes: s.stats.Pushes, Relabels: s.stats.Relabels})
	}
	return nil
}

// globalUpdateEvery is how many relabels per node go between two global
// price updates within a phase (each phase starts with one). A global
// update reads every residual arc, and on the allocation networks the
// relabels in between are cheap: every 8n relabels rather than every n,
// the large size (100 000 × 10 000, one mission each) solved in 4.9-5.5 s
// instead of 6.6-7.8 s over three seeds, 29 global updates down to 5, and
// 30k in 1.06-1.40 s instead of 1.18-1.41 s (docs/matching.md). 4n cost an
// extra phase on 30k: the early optimality proof failed after phase 2.
const globalUpdateEvery = 8

// globalUpdateDue says whether enough relabels have gone since the last
// global update for the next one.
func (s *solver[T]) globalUpdateDue() bool {
	return s.relabelsGU > globalUpdateEvery*int64(s.n)
}

func (s *solver[T]) enqueue(u int32) {
	if s.inQueue[u] {
		return
	}
	s.inQueue[u] = true
	i := s.qhead + s.qn
	if i >= len(s.queue) {
		i -= len(s.queue)
	}
	s.queue[i] = u
	s.qn++
}

func (s *solver[T]) dequeue() int32 {
	u := s.queue[s.qhead]
	s.qhead++
	if s.qhead == len(s.queue) {
		s.qhead = 0
	}
	s.qn--
	s.inQueue[u] = false
	return u
}

// refine turns a 2αε-optimal flow into an ε-optimal one.
func (s *solver[T]) refine(ctx context.Context, eps int64) error {
	s.eps = eps
	arcs, pot := s.arcs, s.pot
	// Saturating every arc of negative reduced cost leaves a 0-optimal
	// pseudoflow; its excesses are what the phase repairs.
	for u := 0; u < s.n; u++ {
		pu := pot[u]
		for a := s.first[u]; a < s.first[u+1]; a++ {
			ar := &arcs[a]
			if ar.rcap > 0 && int64(ar.cost)+pu-pot[ar.head] < 0 {
				f := ar.rcap
				r := &arcs[ar.rev]
				r.rcap += f
				r.back = 0
				ar.rcap = 0
				ar.back = r.rcap
				s.excess[u] -= int64(f)
				s.excess[ar.head] += int64(f)
			}
		}
	}
	for u := 0; u < s.n; u++ {
		s.cur[u] = s.first[u]
		if s.excess[u] > 0 {
			s.enqueue(int32(u))
		}
	}
	if err := s.globalUpdate(); err != nil {
		return err
	}
	iter := 0
	for s.qn > 0 {
		iter++
		if iter&0x3fff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		u := s.dequeue()
		if err := s.discharge(u); err != nil {
			return err
		}
		if s.globalUpdateDue() {
			if err := s.globalUpdate(); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

func (s *solver[T]) discharge(u int32) error {
	arcs, pot, excess := s.arcs, s.pot, s.excess
	end := s.first[u+1]
	for excess[u] > 0 {
		a := s.cur[u]
		pu := pot[u]
		for ; a < end; a++ {
			ar := &arcs[a]
			if ar.rcap == 0 {
				continue
			}
			v := ar.head
			if int64(ar.cost)+pu-pot[v] >= 0 {
				continue
			}
			// Look-ahead: pushing into a node that could only push back is
			// wasted work; relabel it first and re-check the arc.
			// A node without any residual arc (a mission with no place
			// left, say) cannot be relabelled; the push goes ahead and
			// comes back.
			if excess[v] >= 0 && !s.hasAdmissible(v) && s.relabel(v) == nil {
				if int64(ar.cost)+pu-pot[v] >= 0 {
					continue
				}
			}
			f := T(min(excess[u], int64(ar.rcap)))
			ar.rcap -= f
			r := &arcs[ar.rev]
			r.rcap += f
			r.back = ar.rcap
			ar.back = r.rcap
			excess[u] -= int64(f)
			wasActive := excess[v] > 0
			excess[v] += int64(f)
			s.stats.Pushes++
			if !wasActive && excess[v] > 0 {
				s.enqueue(v)
			}
			if excess[u] == 0 {
				break
			}
		}
		if excess[u] == 0 {
			s.cur[u] = a
			return nil
		}
		if err := s.relabel(u); err != nil {
			return err
		}
		if s.globalUpdateDue() {
			// Time for a global update, which also notices excess that can
			// reach no deficit; u stays active.
			s.enqueue(u)
			return nil
		}
	}
	return nil
}

// hasAdmissible advances v's current arc to its first admissible arc.
func (s *solver[T]) hasAdmissible(v int32) bool {
	arcs, pot := s.arcs, s.pot
	pv := pot[v]
	end := s.first[v+1]
	for a := s.cur[v]; a < end; a++ {
		ar := &arcs[a]
		if ar.rcap > 0 && int64(ar.cost)+pv-pot[ar.head] < 0 {
			s.cur[v] = a
			return true
		}
	}
	s.cur[v] = end
	return false
}

func (s *solver[T]) relabel(u int32) error {
	arcs, pot := s.arcs, s.pot
	best := int64(math.MinInt64)
	for a := s.first[u]; a < s.first[u+1]; a++ {
		ar := &arcs[a]
		if ar.rcap > 0 {
			best = max(best, pot[ar.head]-int64(ar.cost))
		}
	}
	if best == math.MinInt64 {
		return ErrInfeasible
	}
	pot[u] = best - s.eps
	s.cur[u] = s.first[u]
	s.stats.Relabels++
	s.relabelsGU++
	return nil
}

// globalUpdate lowers potentials by ε times each node's distance to the
// nearest deficit, where a residual arc of reduced cost c is 1+⌊c/ε⌋ long, so
// that every active node gets an admissible path towards a deficit. The
// search stops as soon as every active node is reached; nodes it did not
// settle get the distance it stopped at, which keeps the flow ε-optimal.
func (s *solver[T]) globalUpdate() error {
	s.stats.GlobalUpdates++
	s.relabelsGU = 0
	n := s.n
	if s.dist == nil {
		s.dist = make([]int64, n)
		s.done = make([]bool, n)
	}
	maxBucket := int64(n) + 1
	dist, done := s.dist, s.done
	active := 0
	for u := 0; u < n; u++ {
		done[u] = false
		dist[u] = math.MaxInt64
		if s.excess[u] > 0 {
			active++
		}
	}
	for i := range s.buckets {
		s.buckets[i] = s.buckets[i][:0]
	}
	push := func(u int32, d int64) {
		for int64(len(s.buckets)) <= d {
			s.buckets = append(s.buckets, nil)
		}
		s.buckets[d] = append(s.buckets[d], u)
	}
	deficits := 0
	for u := 0; u < n; u++ {
		if s.excess[u] < 0 {
			dist[u] = 0
			push(int32(u), 0)
			deficits++
		}
	}
	if active == 0 {
		return nil
	}
	if deficits == 0 {
		return ErrInfeasible
	}
	arcs, pot, eps := s.arcs, s.pot, s.eps
	dropped := false
	reached := 0
	level := int64(0)
	for ; level < int64(len(s.buckets)); level++ {
		for i := 0; i < len(s.buckets[level]); i++ {
			v := s.buckets[level][i]
			if done[v] || dist[v] != level {
				continue
			}
			done[v] = true
			if s.excess[v] > 0 {
				reached++
				if reached == active {
					break
				}
			}
			pv := pot[v]
			for b := s.first[v]; b < s.first[v+1]; b++ {
				ab := &arcs[b] // v->u; its opposite u->v is the arc of interest
				if ab.back == 0 {
					continue
				}
				u := ab.head
				if done[u] {
					continue
				}
				rc := -int64(ab.cost) + pot[u] - pv
				l := int64(0)
				if rc >= 0 {
					l = rc/eps + 1
				}
				nd := level + l
				if nd < dist[u] {
					if nd > maxBucket {
						dropped = true
						continue
					}
					dist[u] = nd
					push(u, nd)
				}
			}
		}
		if reached == active {
			break
		}
	}
	if reached < active {
		if !dropped || !s.activeReachDeficits() {
			return ErrInfeasible
		}
		level = maxBucket + 1
	}
	for u := 0; u < n; u++ {
		d := level
		if done[u] {
			d = dist[u]
		}
		pot[u] -= d * eps
		s.cur[u] = s.first[u]
	}
	return nil
}

// activeReachDeficits reports whether every node with excess has a residual
// path to a node with a deficit, which a feasible problem guarantees.
func (s *solver[T]) activeReachDeficits() bool {
	seen := make([]bool, s.n)
	var stack []int32
	for u := 0; u < s.n; u++ {
		if s.excess[u] < 0 {
			seen[u] = true
			stack = append(stack, int32(u))
		}
	}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for b := s.first[v]; b < s.first[v+1]; b++ {
			u := s.arcs[b].head
			if !seen[u] && s.arcs[b].back > 0 {
				seen[u] = true
				stack = append(stack, u)
			}
		}
	}
	for u := 0; u < s.n; u++ {
		if s.excess[u] > 0 && !seen[u] {
			return false
		}
	}
	return true
}

// provedOptimal looks for node potentials, in unscaled cost units, under
// which no residual arc has a negative reduced cost: if they exist, no
// negative cycle does and the current flow is optimal. It starts from the
// scaled potentials divided by the scale, which after a few phases are
// nearly right, and corrects them Bellman-Ford style (FIFO) within a budget
// of relaxations; running out of budget (a negative cycle, or just too much
// work) answers false and the phases go on.
func (s *solver[T]) provedOptimal() bool {
	n := s.n
	pi := make([]int64, n)
	for u := range pi {
		q := s.pot[u] / s.scale
		if s.pot[u]%s.scale != 0 && s.pot[u] < 0 {
			q-- // floor
		}
		pi[u] = q
	}
	arcs := s.arcs
	inQ := make([]bool, n)
	queue := make([]int32, 0, 1024)
	relax := func(u int32) bool {
		pu := pi[u]
		for a := s.first[u]; a < s.first[u+1]; a++ {
			ar := &arcs[a]
			if ar.rcap == 0 {
				continue
			}
			if d := pu + int64(ar.cost)/s.scale; d < pi[ar.head] {
				pi[ar.head] = d
				if !inQ[ar.head] {
					inQ[ar.head] = true
					queue = append(queue, ar.head)
				}
			}
		}
		return true
	}
	for u := 0; u < n; u++ {
		relax(int32(u))
	}
	budget := n
	for head := 0; head < len(queue); head++ {
		if budget--; budget < 0 {
			return false
		}
		u := queue[head]
		inQ[u] = false
		relax(u)
		if head > 1<<16 && head*2 > len(queue) { // keep the queue compact
			queue = append(queue[:0], queue[head+1:]...)
			head = -1
		}
	}
	return true
}

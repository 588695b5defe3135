package mcf

// The primal network simplex below follows the design of LEMON 1.3.1's
// NetworkSimplex (lemon/network_simplex.h, Copyright (C) 2003-2013 the
// Egerváry Research Group on Combinatorial Optimization, EGRES; Boost
// Software License 1.0): a spanning tree stored as parent, predecessor arc,
// thread (preorder) and reverse thread, subtree size and last successor;
// block-search pivots over arcs stored in a mixed order; an artificial root
// joined to every node. What differs: on the allocation shape (see
// matchingShape) the first basis carries a greedy assignment instead of
// LEMON's artificial basis and few heuristic pivots; blocks are smaller;
// pricing reads one packed array (see nsArc). docs/matching.md has the
// measurements behind each.

import (
	"context"
	"fmt"
	"math"
)

// Arc states, as in LEMON: for an arc out of the tree, the sign of its flow
// change when it enters.
const (
	stateUpper int8 = -1
	stateTree  int8 = 0
	stateLower int8 = 1
)

// Direction of a node's tree arc: up means the arc goes from the node to
// its parent.
const (
	dirDown int8 = -1
	dirUp   int8 = 1
)

// nsArc is what pricing reads, packed so that a block scan streams one
// array. An arc at its upper bound is stored reversed (ends swapped, cost
// negated), so that its reduced cost as stored is negative exactly when it
// is eligible, as for an arc at its lower bound; a tree arc's is 0. Pricing
// then needs neither the state nor a multiplication.
type nsArc[T num] struct {
	src, dst int32
	cost     T
}

type simplex[T num] struct {
	n, m   int // real nodes and real arcs; the root is node n
	arcs   []nsArc[T]
	state  []int8
	capa   []T
	flow   []T
	pi     []T
	supply []T
	id     []int32 // input arc -> internal arc
	lower  []int64 // the input's lower bounds, or nil

	parent, pred, thread, revThread, succNum, lastSucc []int32
	predDir                                            []int8
	dirty                                              []int32
	root                                               int32

	blockSize int
	nextArc   int

	inArc, join, uIn, vIn, uOut, vOut int32
	delta                             T
	inf                               T

	pivots int64
}

func newSimplex[T num](net *Network, inf T) *simplex[T] {
	n, m := net.Nodes(), net.Arcs()
	all := m + n
	s := &simplex[T]{
		n: n, m: m,
		arcs:      make([]nsArc[T], all),
		state:     make([]int8, all),
		capa:      make([]T, all),
		flow:      make([]T, all),
		pi:        make([]T, n+1),
		supply:    make([]T, n+1),
		id:        make([]int32, m),
		parent:    make([]int32, n+1),
		pred:      make([]int32, n+1),
		thread:    make([]int32, n+1),
		revThread: make([]int32, n+1),
		succNum:   make([]int32, n+1),
		lastSucc:  make([]int32, n+1),
		predDir:   make([]int8, n+1),
		root:      int32(n),
		inf:       inf,
		lower:     net.Lower,
	}
	for u, v := range net.Supply {
		s.supply[u] = T(v)
	}
	// Arcs are stored in a mixed order, so that one pricing block holds
	// arcs of many nodes rather than all of a few (LEMON's arc mixing).
	skip := max(m/max(n, 1), 3)
	i, j := 0, 0
	for a := 0; a < m; a++ {
		s.id[a] = int32(i)
		lo := int64(0)
		if net.Lower != nil {
			lo = net.Lower[a]
		}
		t, h := net.Tail[a], net.Head[a]
		s.arcs[i] = nsArc[T]{src: t, dst: h, cost: T(net.Cost[a])}
		s.state[i] = stateLower
		s.capa[i] = T(net.Cap[a] - lo)
		if lo != 0 {
			s.supply[t] -= T(lo)
			s.supply[h] += T(lo)
		}
		if i += skip; i >= m {
			j++
			i = j
		}
	}
	// LEMON's blocks are √m arcs. Ours are eight times smaller: on the
	// allocation networks that takes about as many pivots (122 k on 30k
	// with two per employee, against 124 k) for a fifth of the arcs
	// priced, and pricing was most of the time (docs/matching.md).
	s.blockSize = max(int(math.Sqrt(float64(m))/8), 10)
	return s
}

// initArtificial is LEMON's start: every node hangs from the root by an
// artificial arc carrying its supply, and demands pay artCost per unit so
// that the simplex drives them out.
func (s *simplex[T]) initArtificial(artCost T) {
	n, m, root := s.n, s.m, s.root
	s.parent[root] = -1
	s.pred[root] = -1
	s.thread[root] = 0
	s.revThread[0] = root
	s.succNum[root] = int32(n + 1)
	s.lastSucc[root] = root - 1
	s.pi[root] = 0
	for u := 0; u < n; u++ {
		e := m + u
		s.parent[u] = root
		s.pred[u] = int32(e)
		s.thread[u] = int32(u + 1)
		s.revThread[u+1] = int32(u)
		s.succNum[u] = 1
		s.lastSucc[u] = int32(u)
		s.capa[e] = s.inf
		if s.supply[u] >= 0 {
			s.predDir[u] = dirUp
			s.pi[u] = 0
			s.arcs[e] = nsArc[T]{src: int32(u), dst: root, cost: 0}
			s.state[e] = stateTree
			s.flow[e] = s.supply[u]
		} else {
			s.predDir[u] = dirDown
			s.pi[u] = artCost
			s.arcs[e] = nsArc[T]{src: root, dst: int32(u), cost: artCost}
			s.state[e] = stateTree
			s.flow[e] = -s.supply[u]
		}
	}
}

// initialPivots is LEMON's heuristic: with one source and one sink, pivot
// in the arcs of a path that can carry the whole supply; otherwise each
// demand node's cheapest incoming arc.
func (s *simplex[T]) initialPivots(net *Network) {
	var total T
	var supplyNodes, demandNodes []int32
	for u := 0; u < s.n; u++ {
		if c := s.supply[u]; c > 0 {
			total += c
			supplyNodes = append(supplyNodes, int32(u))
		} else if c < 0 {
			demandNodes = append(demandNodes, int32(u))
		}
	}
	if total <= 0 {
		return
	}
	// incoming arcs per node, in input order
	first := make([]int32, s.n+1)
	for _, h := range net.Head {
		first[h+1]++
	}
	for u := 0; u < s.n; u++ {
		first[u+1] += first[u]
	}
	in := make([]int32, s.m)
	pos := append([]int32(nil), first[:s.n]...)
	for a, h := range net.Head {
		in[pos[h]] = int32(a)
		pos[h]++
	}
	var arcVector []int32
	if len(supplyNodes) == 1 && len(demandNodes) == 1 {
		reached := make([]bool, s.n)
		src, t := supplyNodes[0], demandNodes[0]
		reached[t] = true
		stack := []int32{t}
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if v == src {
				break
			}
			for k := first[v]; k < first[v+1]; k++ {
				a := in[k]
				u := net.Tail[a]
				if reached[u] {
					continue
				}
				j := s.id[a]
				if s.capa[j] >= total {
					arcVector = append(arcVector, j)
					reached[u] = true
					stack = append(stack, u)
				}
			}
		}
	} else {
		for _, v := range demandNodes {
			best, bestArc := T(0), int32(-1)
			for k := first[v]; k < first[v+1]; k++ {
				j := s.id[in[k]]
				if c := s.arcs[j].cost; bestArc < 0 || c < best {
					best, bestArc = c, j
				}
			}
			if bestArc >= 0 {
				arcVector = append(arcVector, bestArc)
			}
		}
	}
	for _, e := range arcVector {
		a := &s.arcs[e]
		if a.cost+s.pi[a.src]-s.pi[a.dst] >= 0 {
			continue
		}
		s.inArc = e
		s.pivot()
	}
}

// findEntering is block search: scan blocks of arcs from where the last
// search stopped and take the most negative reduced cost of the first block
// that has one.
func (s *simplex[T]) findEntering() bool {
	arcs, pi := s.arcs[:s.m], s.pi // artificial arcs never enter
	m := len(arcs)
	start := s.nextArc
	for scanned := 0; scanned < m; {
		stop := min(start+s.blockSize, m)
		in := scanBlock(arcs[start:stop], pi)
		scanned += stop - start
		if in >= 0 {
			s.inArc = int32(start + in)
			if stop == m {
				stop = 0
			}
			s.nextArc = stop
			return true
		}
		if start = stop; start == m {
			start = 0
		}
	}
	return false
}

// scanBlock returns the index of the arc of most negative reduced cost in
// blk, or -1. It is a function of its own so that the compiler keeps the
// loop's few variables in registers.
//
//go:noinline
func scanBlock[T num](blk []nsArc[T], pi []T) int {
	var best T
	in := -1
	for i := range blk {
		a := &blk[i]
		if c := a.cost + pi[a.src] - pi[a.dst]; c < best {
			best, in = c, i
		}
	}
	return in
}

// pivot brings s.inArc into the tree, pushing flow round its cycle.
func (s *simplex[T]) pivot() {
	s.pivots++
	s.findJoinNode()
	change := s.findLeavingArc()
	s.changeFlow(change)
	if change {
		s.updateTreeStructure()
		s.updatePotential()
	}
}

// flip reverses the stored arc e, on entering or leaving the upper bound.
func (s *simplex[T]) flip(e int32) {
	a := &s.arcs[e]
	a.src, a.dst, a.cost = a.dst, a.src, -a.cost
}

func (s *simplex[T]) findJoinNode() {
	a := &s.arcs[s.inArc]
	u, v := a.src, a.dst
	for u != v {
		if s.succNum[u] < s.succNum[v] {
			u = s.parent[u]
		} else {
			v = s.parent[v]
		}
	}
	s.join = u
}

// findLeavingArc finds the arc of the cycle that blocks first. Ties go to
// the last blocking arc met when walking the cycle in the direction of the
// flow change from the join node (strict < on the first side, <= on the
// second), LEMON's rule, which keeps the tree strongly feasible and so
// prevents cycling on degenerate pivots.
func (s *simplex[T]) findLeavingArc() bool {
	// The stored orientation is the direction flow increases in.
	a := &s.arcs[s.inArc]
	first, second := a.src, a.dst
	delta := s.capa[s.inArc]
	result := 0
	join := s.join
	for u := first; u != join; u = s.parent[u] {
		e := s.pred[u]
		d := s.flow[e]
		if s.predDir[u] == dirDown {
			d = s.capa[e] - d
		}
		if d < delta {
			delta = d
			s.uOut = u
			result = 1
		}
	}
	for u := second; u != join; u = s.parent[u] {
		e := s.pred[u]
		d := s.flow[e]
		if s.predDir[u] == dirUp {
			d = s.capa[e] - d
		}
		if d <= delta {
			delta = d
			s.uOut = u
			result = 2
		}
	}
	s.delta = delta
	if result == 1 {
		s.uIn, s.vIn = first, second
	} else {
		s.uIn, s.vIn = second, first
	}
	return result != 0
}

func (s *simplex[T]) changeFlow(change bool) {
	in := s.inArc
	st := s.state[in]
	if st == stateUpper {
		s.flip(in) // back to the input orientation
	}
	a := &s.arcs[in]
	if s.delta > 0 {
		val := T(st) * s.delta
		s.flow[in] += val
		for u := a.src; u != s.join; u = s.parent[u] {
			s.flow[s.pred[u]] -= T(s.predDir[u]) * val
		}
		for u := a.dst; u != s.join; u = s.parent[u] {
			s.flow[s.pred[u]] += T(s.predDir[u]) * val
		}
	}
	if change {
		s.state[in] = stateTree
		out := s.pred[s.uOut]
		if s.flow[out] == 0 {
			s.state[out] = stateLower
		} else {
			s.state[out] = stateUpper
			s.flip(out)
		}
	} else {
		s.state[in] = -st
		if st == stateLower {
			s.flip(in)
		}
	}
}

func (s *simplex[T]) updateTreeStructure() {
	parent, thread, revThread, lastSucc, succNum := s.parent, s.thread, s.revThread, s.lastSucc, s.succNum
	uIn, vIn, uOut := s.uIn, s.vIn, s.uOut
	oldRevThread := revThread[uOut]
	oldSuccNum := succNum[uOut]
	oldLastSucc := lastSucc[uOut]
	vOut := parent[uOut]
	s.vOut = vOut
	inDir := dirDown
	if uIn == s.arcs[s.inArc].src {
		inDir = dirUp
	}

	if uIn == uOut {
		parent[uIn] = vIn
		s.pred[uIn] = s.inArc
		s.predDir[uIn] = inDir
		if thread[vIn] != uOut {
			after := thread[oldLastSucc]
			thread[oldRevThread] = after
			revThread[after] = oldRevThread
			after = thread[vIn]
			thread[vIn] = uOut
			revThread[uOut] = vIn
			thread[oldLastSucc] = after
			revThread[after] = oldLastSucc
		}
	} else {
		// When oldRevThread is vIn, join and vOut coincide.
		threadContinue := thread[vIn]
		if oldRevThread == vIn {
			threadContinue = thread[oldLastSucc]
		}
		// Reverse the stem from uIn up to uOut, moving each stem node's
		// subtree in the thread after its new parent.
		stem := uIn
		parStem := vIn
		last := lastSucc[uIn]
		after := thread[last]
		thread[vIn] = uIn
		dirty := append(s.dirty[:0], vIn)
		for stem != uOut {
			nextStem := parent[stem]
			thread[last] = nextStem
			dirty = append(dirty, last)

			before := revThread[stem]
			thread[before] = after
			revThread[after] = before

			parent[stem] = parStem
			parStem = stem
			stem = nextStem

			if lastSucc[stem] == lastSucc[parStem] {
				last = revThread[parStem]
			} else {
				last = lastSucc[stem]
			}
			after = thread[last]
		}
		parent[uOut] = parStem
		thread[last] = threadContinue
		revThread[threadContinue] = last
		lastSucc[uOut] = last

		if oldRevThread != vIn {
			thread[oldRevThread] = after
			revThread[after] = oldRevThread
		}
		for _, u := range dirty {
			revThread[thread[u]] = u
		}
		s.dirty = dirty

		var tmpSc int32
		tmpLs := lastSucc[uOut]
		for u := uOut; u != uIn; {
			p := parent[u]
			s.pred[u] = s.pred[p]
			s.predDir[u] = -s.predDir[p]
			tmpSc += succNum[u] - succNum[p]
			succNum[u] = tmpSc
			lastSucc[p] = tmpLs
			u = p
		}
		s.pred[uIn] = s.inArc
		s.predDir[uIn] = inDir
		succNum[uIn] = oldSuccNum
	}

	join := s.join
	upLimitOut := int32(-1)
	if lastSucc[join] == vIn {
		upLimitOut = join
	}
	lastSuccOut := lastSucc[uOut]
	for u := vIn; u != -1 && lastSucc[u] == vIn; u = parent[u] {
		lastSucc[u] = lastSuccOut
	}
	if join != oldRevThread && vIn != oldRevThread {
		for u := vOut; u != upLimitOut && lastSucc[u] == oldLastSucc; u = parent[u] {
			lastSucc[u] = oldRevThread
		}
	} else if lastSuccOut != oldLastSucc {
		for u := vOut; u != upLimitOut && lastSucc[u] == oldLastSucc; u = parent[u] {
			lastSucc[u] = lastSuccOut
		}
	}
	for u := vIn; u != join; u = parent[u] {
		succNum[u] += oldSuccNum
	}
	for u := vOut; u != join; u = parent[u] {
		succNum[u] -= oldSuccNum
	}
}

// updatePotential shifts the potentials of the subtree that moved.
func (s *simplex[T]) updatePotential() {
	uIn := s.uIn
	sigma := s.pi[s.vIn] - s.pi[uIn] - T(s.predDir[uIn])*s.arcs[s.inArc].cost
	end := s.thread[s.lastSucc[uIn]]
	pi, thread := s.pi, s.thread
	for u := uIn; u != end; u = thread[u] {
		pi[u] += sigma
	}
}

// run pivots until no arc is eligible. ctx is checked, and progress
// reported, every 1<<14 pivots.
func (s *simplex[T]) run(ctx context.Context, progress func(Progress)) error {
	for s.findEntering() {
		s.pivot()
		if s.pivots&(1<<14-1) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if progress != nil {
				progress(Progress{Phase: 1, Phases: 1, Pivots: s.pivots})
			}
		}
	}
	for e := s.m; e < len(s.arcs); e++ {
		if s.flow[e] != 0 {
			return ErrInfeasible
		}
	}
	return ctx.Err()
}

func (s *simplex[T]) result(net *Network) *Result {
	m := net.Arcs()
	r := &Result{Flow: make([]int64, m), Stats: Stats{Pivots: s.pivots}}
	for a := 0; a < m; a++ {
		f := int64(s.flow[s.id[a]])
		if net.Lower != nil {
			f += net.Lower[a]
		}
		r.Flow[a] = f
		r.Cost += f * net.Cost[a]
	}
	return r
}

// solveSimplex runs the network simplex in int32 when flows and potentials
// fit, int64 otherwise. flowBound bounds every flow and capacity; potentials
// are sums of at most n+1 arc costs plus the artificial cost.
func solveSimplex(ctx context.Context, net *Network, shape *matchingShape, maxC, flowBound int64, progress func(Progress)) (*Result, error) {
	n := int64(net.Nodes())
	if float64(maxC+1)*float64(n+1)*8 > math.MaxInt64/2 {
		return nil, fmt.Errorf("mcf: costs up to %d on %d nodes are too large for exact potentials", maxC, n)
	}
	if (maxC+1)*(n+1)*8 < math.MaxInt32/2 && flowBound < math.MaxInt32/4 {
		return runSimplex[int32](ctx, net, shape, maxC, math.MaxInt32/2, progress)
	}
	return runSimplex[int64](ctx, net, shape, maxC, math.MaxInt64/2, progress)
}

func runSimplex[T num](ctx context.Context, net *Network, shape *matchingShape, maxC int64, inf T, progress func(Progress)) (*Result, error) {
	s := newSimplex[T](net, inf)
	started := shape != nil && s.initFromFlow(shape.greedy(net))
	if !started {
		s.initArtificial(T((maxC + 1) * int64(s.n+1)))
		s.initialPivots(net)
	}
	if progress != nil {
		progress(Progress{Phase: 1, Phases: 1})
	}
	if err := s.run(ctx, progress); err != nil {
		return nil, err
	}
	if progress != nil {
		progress(Progress{Phase: 2, Phases: 1, Pivots: s.pivots})
	}
	r := s.result(net)
	r.Stats.Simplex = true
	r.Stats.Phases = 1
	return r, nil
}

// initFromFlow builds the first basis from a feasible flow (per input arc,
// lower bounds included) and wished-for potentials: arcs strictly between
// their bounds must be in the tree, so each component of them hangs from
// the root by an artificial arc into the root. Those arcs carry no flow
// and never can (nothing leaves the root), so their costs are free: each is
// set so that its component's first node gets its wished-for potential.
// It reports false, leaving s untouched for another start, when the free
// arcs hold a cycle.
func (s *simplex[T]) initFromFlow(flow, pot []int64) bool {
	n, m, root := s.n, s.m, s.root
	// union-find over free arcs
	uf := make([]int32, n)
	for i := range uf {
		uf[i] = int32(i)
	}
	find := func(x int32) int32 {
		for uf[x] != x {
			uf[x] = uf[uf[x]]
			x = uf[x]
		}
		return x
	}
	net := func(a int) T { // flow above the lower bound
		if s.lower != nil {
			return T(flow[a] - s.lower[a])
		}
		return T(flow[a])
	}
	deg := make([]int32, n+1)
	for a := 0; a < m; a++ {
		e := s.id[a]
		f := net(a)
		if f > 0 && f < s.capa[e] {
			ar := &s.arcs[e]
			x, y := find(ar.src), find(ar.dst)
			if x == y {
				return false
			}
			uf[x] = y
			deg[ar.src+1]++
			deg[ar.dst+1]++
		}
	}
	for u := 0; u < n; u++ {
		deg[u+1] += deg[u]
	}
	adj := make([]int32, deg[n])
	pos := append([]int32(nil), deg[:n]...)
	for a := 0; a < m; a++ {
		e := s.id[a]
		f := net(a)
		s.flow[e] = f
		ar := &s.arcs[e]
		switch {
		case f > 0 && f < s.capa[e]:
			s.state[e] = stateTree
			adj[pos[ar.src]] = e
			pos[ar.src]++
			adj[pos[ar.dst]] = e
			pos[ar.dst]++
		case f > 0:
			s.state[e] = stateUpper
			s.flip(e)
		default:
			s.state[e] = stateLower
		}
	}
	for u := 0; u < n; u++ {
		e := m + u
		s.arcs[e] = nsArc[T]{src: int32(u), dst: root}
		s.state[e] = stateLower
		s.capa[e] = s.inf
		s.flow[e] = 0
	}
	// Preorder walk from the root: its children are the components' first
	// nodes, each with its artificial arc; below them, the free arcs.
	seen := make([]bool, n)
	s.parent[root], s.pred[root], s.pi[root] = -1, -1, 0
	order := make([]int32, 0, n+1)
	order = append(order, root)
	stack := make([]int32, 0, 64)
	for r := 0; r < n; r++ {
		if seen[r] {
			continue
		}
		seen[r] = true
		e := int32(m + r)
		s.arcs[e].cost = -T(pot[r])
		s.state[e] = stateTree
		s.parent[r], s.pred[r], s.predDir[r], s.pi[r] = root, e, dirUp, T(pot[r])
		stack = append(stack[:0], int32(r))
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			order = append(order, u)
			for k := deg[u+1] - 1; k >= deg[u]; k-- {
				e := adj[k]
				ar := &s.arcs[e]
				v := ar.dst
				if v == u {
					v = ar.src
				}
				if seen[v] {
					continue
				}
				seen[v] = true
				s.parent[v], s.pred[v] = u, e
				if ar.src == v {
					s.predDir[v] = dirUp
					s.pi[v] = s.pi[u] - ar.cost
				} else {
					s.predDir[v] = dirDown
					s.pi[v] = s.pi[u] + ar.cost
				}
				stack = append(stack, v)
			}
		}
	}
	for i, u := range order {
		next := root
		if i+1 < len(order) {
			next = order[i+1]
		}
		s.thread[u] = next
		s.revThread[next] = u
		s.succNum[u] = 1
		s.lastSucc[u] = u
	}
	for i := len(order) - 1; i > 0; i-- {
		u := order[i]
		p := s.parent[u]
		s.succNum[p] += s.succNum[u]
		if s.lastSucc[p] == p {
			s.lastSucc[p] = s.lastSucc[u]
		}
	}
	return true
}

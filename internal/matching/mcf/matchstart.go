package mcf

import (
	"cmp"
	"slices"
)

// matchingShape is the allocation network recognised in any Network: one
// source s and one sink t, an s→t bypass that can carry the whole supply,
// arcs s→x into "left" nodes (employees), arcs x→y from left to "right"
// nodes (pairs), and arcs y→t (missions), no lower bounds, and zero costs
// except on the pairs. On that shape any set of pairs within the left and
// right capacities is a feasible flow, so a greedy assignment is a start.
type matchingShape struct {
	s, t     int32
	bypass   int32   // the s→t arc
	nodeArc  []int32 // s→x arc of a left node, y→t arc of a right node, else -1
	pairs    []int32 // pair arcs, in input order
	maxLeft  int64   // largest s→x capacity
	supply   int64
	costSpan int64 // largest minus smallest pair cost
}

// detectMatchingShape returns the shape of net, or nil if net has another.
func detectMatchingShape(net *Network) *matchingShape {
	n := net.Nodes()
	if net.Lower != nil {
		for _, l := range net.Lower {
			if l != 0 {
				return nil
			}
		}
	}
	sh := &matchingShape{s: -1, t: -1, bypass: -1}
	for u, v := range net.Supply {
		switch {
		case v > 0 && sh.s < 0:
			sh.s, sh.supply = int32(u), v
		case v < 0 && sh.t < 0:
			sh.t = int32(u)
		case v != 0:
			return nil
		}
	}
	if sh.s < 0 || sh.t < 0 {
		return nil
	}
	// side: 1 left, 2 right, 0 unknown
	side := make([]int8, n)
	sh.nodeArc = make([]int32, n)
	for i := range sh.nodeArc {
		sh.nodeArc[i] = -1
	}
	s, t := sh.s, sh.t
	for a := range net.Tail {
		x, y := net.Tail[a], net.Head[a]
		switch {
		case x == s && y == t:
			if sh.bypass >= 0 || net.Cost[a] != 0 || net.Cap[a] < sh.supply {
				return nil
			}
			sh.bypass = int32(a)
		case x == s:
			if y == s || side[y] != 0 || net.Cost[a] != 0 {
				return nil
			}
			side[y] = 1
			sh.nodeArc[y] = int32(a)
			sh.maxLeft = max(sh.maxLeft, net.Cap[a])
		case y == t:
			if x == t || side[x] != 0 || net.Cost[a] != 0 {
				return nil
			}
			side[x] = 2
			sh.nodeArc[x] = int32(a)
		}
	}
	if sh.bypass < 0 {
		return nil
	}
	lo, hi := int64(0), int64(0)
	for a := range net.Tail {
		x, y := net.Tail[a], net.Head[a]
		if x == s || y == t {
			continue
		}
		if x == t || y == s || side[x] != 1 || side[y] != 2 {
			return nil
		}
		if len(sh.pairs) == 0 {
			lo, hi = net.Cost[a], net.Cost[a]
		}
		lo, hi = min(lo, net.Cost[a]), max(hi, net.Cost[a])
		sh.pairs = append(sh.pairs, int32(a))
	}
	for u := range side {
		if side[u] == 0 && int32(u) != s && int32(u) != t {
			return nil
		}
	}
	sh.costSpan = hi - lo
	return sh
}

// greedy is the first basis's flow: pairs taken cheapest (best score)
// first while both ends have room, ties in input order, the rest of the
// supply on the bypass. Every pair costs at most the bypass, so the flow is
// feasible. Its potentials are all zero: pricing the greedy assignment
// (a full mission at the best pair it turned away, an employee at what its
// best pair not taken would gain) was tried and took as many pivots.
func (sh *matchingShape) greedy(net *Network) (flow, pot []int64) {
	n := net.Nodes()
	flow = make([]int64, net.Arcs())
	pot = make([]int64, n)
	room := make([]int64, n)
	for u, a := range sh.nodeArc {
		if a >= 0 {
			room[u] = net.Cap[a]
		}
	}
	var total int64
	for _, a := range sh.byCost(net) {
		x, y := net.Tail[a], net.Head[a]
		f := min(net.Cap[a], room[x], room[y])
		if f <= 0 {
			continue
		}
		flow[a] = f
		room[x] -= f
		room[y] -= f
		total += f
	}
	for u, a := range sh.nodeArc {
		if a >= 0 {
			flow[a] = net.Cap[a] - room[u]
		}
	}
	flow[sh.bypass] = sh.supply - total
	return flow, pot
}

// byCost returns the pair arcs of negative cost, cheapest first, ties in
// input order: a counting sort when the costs span a small range, as
// scores do.
func (sh *matchingShape) byCost(net *Network) []int32 {
	if sh.costSpan > 1<<20 {
		var order []int32
		for _, a := range sh.pairs {
			if net.Cost[a] < 0 {
				order = append(order, a)
			}
		}
		slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(net.Cost[a], net.Cost[b]) })
		return order
	}
	lo := int64(0)
	for _, a := range sh.pairs {
		lo = min(lo, net.Cost[a])
	}
	count := make([]int32, -lo+1)
	for _, a := range sh.pairs {
		if c := net.Cost[a]; c < 0 {
			count[c-lo]++
		}
	}
	var acc int32
	for i, c := range count {
		count[i] = acc
		acc += c
	}
	order := make([]int32, acc)
	for _, a := range sh.pairs {
		if c := net.Cost[a]; c < 0 {
			order[count[c-lo]] = a
			count[c-lo]++
		}
	}
	return order
}

// chooseAlgorithm picks the method per instance. See docs/matching.md,
// "The algorithm", for the measurements behind it.
func chooseAlgorithm(sh *matchingShape) Algorithm {
	if sh != nil && sh.maxLeft >= 2 {
		return NetworkSimplex
	}
	return CostScaling
}

// EXPERIMENT of 2026-12-02 (issue 14), kept in history only and removed in
// the next commit: a forward auction for the allocation's b-matching, with
// ε-scaling attempts (release at phase change, reverse bids) and a warm start
// of the general solver. docs/matching.md ("Tried on 2026-12-02 and set
// aside") gives what it measured and why it was not kept. The phase loop as
// committed here (release + reverse bids) is the last variant tried and does
// not converge well; MCF_AUCTION_DEBUG=1 prints per-phase figures.
package mcf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"time"
)

// Bipartite is a maximum-weight b-matching problem: left nodes send at most
// LeftCap units, right nodes receive at most RightCap, and every arc carries
// at most one unit. Nothing has to be matched: the optimum is the largest
// total weight of a set of arcs within the capacities. It is the allocation's
// network (source -> left -> right -> sink plus a bypass) without the source,
// the sink and the bypass, which a specialised solver handles implicitly.
type Bipartite struct {
	LeftCap  []int64
	RightCap []int64
	Start    []int32 // arcs of left node i are Start[i]..Start[i+1]-1
	Right    []int32 // right node of each arc
	Weight   []int64 // weight of each arc
}

// BipartiteResult is an optimal b-matching.
type BipartiteResult struct {
	Weight int64  // the maximum total weight
	Used   []bool // per arc: in the matching
	Stats  Stats
}

// Network is the min-cost flow form of b: node 0 the source, then the left
// nodes, the right nodes and the sink, arcs in the order of Start, each of
// cost -Weight, then the right -> sink arcs and the source -> sink bypass.
// Arc k of b is arc len(LeftCap)+k of the network.
func (b *Bipartite) Network() *Network {
	nl, nr := len(b.LeftCap), len(b.RightCap)
	src, sink := 0, 1+nl+nr
	var supply int64
	for _, c := range b.LeftCap {
		supply += c
	}
	net := NewNetwork(nl+nr+2, nl+len(b.Right)+nr+1)
	net.Supply[src], net.Supply[sink] = supply, -supply
	for i, c := range b.LeftCap {
		net.AddArc(src, 1+i, c, 0)
	}
	for i := 0; i < nl; i++ {
		for k := b.Start[i]; k < b.Start[i+1]; k++ {
			net.AddArc(1+i, 1+nl+int(b.Right[k]), 1, -b.Weight[k])
		}
	}
	for j, c := range b.RightCap {
		net.AddArc(1+nl+j, sink, c, 0)
	}
	net.AddArc(src, sink, supply, 0)
	return net
}

func (b *Bipartite) validate() error {
	nl, nr, m := len(b.LeftCap), len(b.RightCap), len(b.Right)
	if len(b.Start) != nl+1 || len(b.Weight) != m {
		return errors.New("mcf: bipartite slices have inconsistent lengths")
	}
	if b.Start[0] != 0 || int(b.Start[nl]) != m {
		return errors.New("mcf: bipartite Start must run from 0 to the number of arcs")
	}
	if nl+nr > math.MaxInt32-4 || m > math.MaxInt32/2-2 {
		return errors.New("mcf: network too large")
	}
	for i := 0; i < nl; i++ {
		if b.Start[i] > b.Start[i+1] {
			return fmt.Errorf("mcf: bipartite Start decreases at left node %d", i)
		}
		if b.LeftCap[i] < 0 {
			return fmt.Errorf("mcf: left node %d has capacity %d", i, b.LeftCap[i])
		}
	}
	for j, c := range b.RightCap {
		if c < 0 {
			return fmt.Errorf("mcf: right node %d has capacity %d", j, c)
		}
	}
	for k, j := range b.Right {
		if j < 0 || int(j) >= nr {
			return fmt.Errorf("mcf: arc %d goes to right node %d, outside 0..%d", k, j, nr-1)
		}
	}
	return nil
}

// SolveBipartite returns a maximum-weight b-matching of b. It is exact: an
// auction (below) finds a matching and prices, and the matching is returned
// only once potentials proving it optimal have been found; when they cannot
// be found within a budget, the general solver (Solve) runs on b.Network().
func SolveBipartite(ctx context.Context, b *Bipartite, opt Options) (*BipartiteResult, error) {
	if err := b.validate(); err != nil {
		return nil, err
	}
	var maxW int64
	for _, w := range b.Weight {
		maxW = max(maxW, w, -w)
	}
	var ws *warmStart
	if maxW <= math.MaxInt64/(1<<24)/auctionScale {
		t1 := time.Now()
		a := newAuction(b)
		debugf("DEBUG new %v\n", time.Since(t1))
		t1 = time.Now()
		defer func() { debugf("DEBUG auction+proof %v\n", time.Since(t1)) }()
		err := a.run(ctx, opt.Progress)
		debugf("DEBUG run err %v bids %d reverse %d\n", err, a.stats.Pushes, a.stats.Relabels)
		if err != nil && err != errGiveUp {
			return nil, err
		}
		t0 := time.Now()
		ok := a.provedOptimal()
		rr := a.result()
		debugf("DEBUG auction bids %d weight %d proof %v in %v\n", a.stats.Pushes, rr.Weight, ok, time.Since(t0))
		if ok {
			return rr, nil
		}
		ws = a.warmStart()
	}
	t2 := time.Now()
	res, err := solve(ctx, b.Network(), opt, ws)
	debugf("DEBUG generic %v %+v\n", time.Since(t2), res.Stats)
	if err != nil {
		return nil, err
	}
	nl := len(b.LeftCap)
	r := &BipartiteResult{Weight: -res.Cost, Used: make([]bool, len(b.Right)), Stats: res.Stats}
	for k := range r.Used {
		r.Used[k] = res.Flow[nl+k] > 0
	}
	r.Stats.Fallback = true
	return r, nil
}

// auctionScale multiplies the weights so that ε can be a fraction of one.
const auctionScale = 64

// ε of the first and last phases, in weights × auctionScale, and its ratio.
var (
	auctionEps0    int64 = 256
	auctionEpsLast int64 = 8
	auctionAlpha   int64 = 4
	auctionRepeats       = 0
	genericDiv     int64 = 1
)

// auction is a forward auction for the b-matching (Bertsekas; in flow
// terms, Goldberg and Kennedy's cost scaling specialised to the bipartite
// case): each free unit of a left node bids for the right node of best
// profit (weight - price) among the arcs it does not use yet, raising that
// right node's price by the margin over the second best plus ε, and
// evicting the holder of the cheapest of its places. A profit of 0 is
// always available (staying unmatched), so a unit whose best profit is not
// positive stays unmatched. Prices only rise, so a place never bid for keeps
// price 0, and every left node uses arcs within ε of its best choices: on
// integer weights the result is optimal or nearly, and provedOptimal decides.
type auction struct {
	b       *Bipartite
	nl, nr  int
	val     []int64 // weight × auctionScale
	used    []bool
	free    []int64 // units of each left node still to place
	matched []int64 // units of each left node on real arcs
	units   []int64 // units each left node can place: capacity, at most its degree
	paid    []int64 // per used arc, the price of the place it holds

	// Places of right node j are a min-heap by price in
	// slot[slotStart[j]:slotStart[j+1]]; top[j] is its cheapest price.
	slotStart []int32
	slotPrice []int64
	slotArc   []int32 // arc holding the place, -1 when free
	slotLeft  []int32 // its left node
	top       []int64

	queue   []int32
	qh, qn  int
	inQueue []bool

	// Right nodes with a free place priced above 0, for reverse bids;
	// arcs by right node (revStart, revArc) and each arc's left node.
	rq       []int32
	inRQ     []bool
	revStart []int32
	revArc   []int32
	arcLeft  []int32

	stats Stats
	eps   int64 // of the last phase
}

const noPlace = math.MaxInt64 / 4

// errGiveUp: the auction did too much work; the general solver takes over.
var errGiveUp = errors.New("mcf: auction gave up")

func newAuction(b *Bipartite) *auction {
	nl, nr, m := len(b.LeftCap), len(b.RightCap), len(b.Right)
	a := &auction{
		b: b, nl: nl, nr: nr,
		val:       make([]int64, m),
		used:      make([]bool, m),
		free:      make([]int64, nl),
		matched:   make([]int64, nl),
		units:     make([]int64, nl),
		paid:      make([]int64, m),
		slotStart: make([]int32, nr+1),
		top:       make([]int64, nr),
		queue:     make([]int32, nl),
		inQueue:   make([]bool, nl),
	}
	indeg := make([]int64, nr)
	for k, j := range b.Right {
		a.val[k] = b.Weight[k] * auctionScale
		indeg[j]++
	}
	// A right node never fills more places than it has arcs.
	var acc int32
	for j := 0; j < nr; j++ {
		a.slotStart[j] = acc
		acc += int32(min(b.RightCap[j], indeg[j]))
		if a.slotStart[j] == acc {
			a.top[j] = noPlace
		}
	}
	a.slotStart[nr] = acc
	a.slotPrice = make([]int64, acc)
	a.slotArc = make([]int32, acc)
	a.slotLeft = make([]int32, acc)
	for s := range a.slotArc {
		a.slotArc[s] = -1
	}
	a.inRQ = make([]bool, nr)
	a.revStart = make([]int32, nr+1)
	for j := 0; j < nr; j++ {
		a.revStart[j+1] = a.revStart[j] + int32(indeg[j])
	}
	a.revArc = make([]int32, m)
	a.arcLeft = make([]int32, m)
	pos := make([]int32, nr)
	copy(pos, a.revStart[:nr])
	for i := 0; i < nl; i++ {
		for k := b.Start[i]; k < b.Start[i+1]; k++ {
			j := b.Right[k]
			a.revArc[pos[j]] = k
			pos[j]++
			a.arcLeft[k] = int32(i)
		}
	}
	return a
}

func (a *auction) pushReverse(j int32) {
	if !a.inRQ[j] {
		a.inRQ[j] = true
		a.rq = append(a.rq, j)
	}
}

func (a *auction) enqueue(i int32) {
	if a.inQueue[i] {
		return
	}
	a.inQueue[i] = true
	k := a.qh + a.qn
	if k >= len(a.queue) {
		k -= len(a.queue)
	}
	a.queue[k] = i
	a.qn++
}

func (a *auction) run(ctx context.Context, progress func(Progress)) error {
	for i := 0; i < a.nl; i++ {
		deg := int64(a.b.Start[i+1] - a.b.Start[i])
		a.units[i] = min(a.b.LeftCap[i], deg)
		a.free[i] = a.units[i]
		if a.free[i] > 0 {
			a.enqueue(int32(i))
		}
	}
	phases := 0
	for e := auctionEps0; e >= auctionEpsLast; e /= auctionAlpha {
		phases++
	}
	eps := int64(auctionEps0)
	repeats := 0
	for phase := 1; ; phase++ {
		if progress != nil {
			progress(Progress{Phase: phase, Phases: phases, Epsilon: eps, Pushes: a.stats.Pushes})
		}
		if phase > 1 {
			a.release(eps)
		}
		iter := 0
		for a.qn > 0 || len(a.rq) > 0 {
			for a.qn > 0 {
				iter++
				if iter&0x3fff == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				i := a.queue[a.qh]
				a.qh++
				if a.qh == len(a.queue) {
					a.qh = 0
				}
				a.qn--
				a.inQueue[i] = false
				a.bid(i, eps)
			}
			// Prices only rise in forward bids, so a place freed at
			// the start of a phase may keep a price nobody pays while
			// staying unmatched would be worth 0; reverse bids lower it.
			for len(a.rq) > 0 {
				iter++
				if iter&0x3fff == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				j := a.rq[len(a.rq)-1]
				a.rq = a.rq[:len(a.rq)-1]
				a.inRQ[j] = false
				a.reverse(j, eps)
				if a.stats.Relabels > int64(len(a.used)+a.nl) {
					return errGiveUp
				}
			}
		}
		a.stats.Phases++
		a.eps = eps
		{
			var w, mu, fr int64
			for k, u := range a.used {
				if u {
					w += a.b.Weight[k]
					mu++
				}
			}
			for i := range a.free {
				fr += a.free[i]
			}
			bad, nullu := 0, int64(0)
			for i := 0; i < a.nl; i++ {
				nu := a.units[i] - a.matched[i] - a.free[i]
				nullu += nu
				if nu > 0 {
					for k := a.b.Start[i]; k < a.b.Start[i+1]; k++ {
						if !a.used[k] && a.val[k]-a.top[a.b.Right[k]] > 0 {
							bad++
							break
						}
					}
				}
			}
			debugf("DEBUG bad %d null %d freePriced %d\n", bad, nullu, a.freePriced())
			debugf("DEBUG phase %d eps %d weight %d used %d free %d bids %d reverse %d\n", phase, eps, w, mu, fr, a.stats.Pushes, a.stats.Relabels)
		}
		if eps/auctionAlpha < auctionEpsLast {
			if a.freePriced() == 0 || repeats == auctionRepeats {
				break
			}
			repeats++
			continue
		}
		eps /= auctionAlpha
	}
	if progress != nil {
		progress(Progress{Phase: phases + 1, Phases: phases, Epsilon: eps, Pushes: a.stats.Pushes})
	}
	return ctx.Err()
}

// freePriced counts the free places with a positive price.
func (a *auction) freePriced() int {
	n := 0
	for s, k := range a.slotArc {
		if k < 0 && a.slotPrice[s] > 0 {
			n++
		}
	}
	return n
}

// reset starts a phase: every unit is free again, and the places nobody
// took in the last phase are priced 0 again, the price an unmatched place
// must have at the optimum.
func (a *auction) reset() {
	for s, k := range a.slotArc {
		if k < 0 {
			a.slotPrice[s] = 0
		}
		a.slotArc[s] = -1
	}
	for j := 0; j < a.nr; j++ {
		base, end := a.slotStart[j], a.slotStart[j+1]
		if base == end {
			continue
		}
		for s := (end - base) / 2; s >= 0; s-- {
			a.siftDown(base+s, end, base)
		}
		a.top[j] = a.slotPrice[base]
	}
	clear(a.used)
	for i := 0; i < a.nl; i++ {
		a.matched[i] = 0
		a.free[i] = a.units[i]
		if a.free[i] > 0 {
			a.enqueue(int32(i))
		}
	}
}

// release frees, at the start of a phase of a smaller ε, the units that are
// no longer within ε of their left node's best alternative.
func (a *auction) release(eps int64) {
	right, val, used, top := a.b.Right, a.val, a.used, a.top
	for i := 0; i < a.nl; i++ {
		start, end := a.b.Start[i], a.b.Start[i+1]
		best := int64(0) // staying unmatched
		worst := int64(math.MaxInt64)
		for k := start; k < end; k++ {
			if used[k] {
				worst = min(worst, val[k]-a.paid[k])
				continue
			}
			best = max(best, val[k]-top[right[k]])
		}
		null := a.units[i] - a.matched[i] - a.free[i]
		if null > 0 {
			worst = min(worst, 0)
		}
		if worst >= best-eps {
			continue
		}
		for k := start; k < end; k++ {
			if used[k] && val[k]-a.paid[k] < best-eps {
				a.unplace(k)
				a.matched[i]--
				a.free[i]++
			}
		}
		if null > 0 && best > eps {
			a.free[i] += null
		}
		if a.free[i] > 0 {
			a.enqueue(int32(i))
		}
	}
}

// unplace frees the place arc k holds; the place keeps its price, and a
// positive one is queued for a reverse bid.
func (a *auction) unplace(k int32) {
	j := a.b.Right[k]
	for s := a.slotStart[j]; s < a.slotStart[j+1]; s++ {
		if a.slotArc[s] == k {
			a.slotArc[s] = -1
			if a.slotPrice[s] > 0 {
				a.pushReverse(j)
			}
			break
		}
	}
	a.used[k] = false
}

// worst is left node i's least profitable unit: its profit and arc, -1 for
// an unmatched unit (profit 0); ok is false when i has none placed.
func (a *auction) worst(i int32) (profit int64, arc int32, ok bool) {
	profit, arc = math.MaxInt64, -1
	if a.units[i]-a.matched[i]-a.free[i] > 0 {
		profit, ok = 0, true
	}
	for k := a.b.Start[i]; k < a.b.Start[i+1]; k++ {
		if a.used[k] {
			if p := a.val[k] - a.paid[k]; p < profit {
				profit, arc, ok = p, k, true
			}
		}
	}
	return profit, arc, ok
}

// reverse lowers the price of right node j's free places (Bertsekas's
// reverse auction): a place goes to the left node that gains most by moving
// its least profitable unit there, at the price that leaves every other
// left node within ε of indifference, or, if nobody gains more than ε, stays
// free at price 0.
func (a *auction) reverse(j int32, eps int64) {
	base, end := a.slotStart[j], a.slotStart[j+1]
	for {
		s := int32(-1)
		for t := base; t < end; t++ {
			if a.slotArc[t] < 0 && a.slotPrice[t] > 0 {
				s = t
				break
			}
		}
		if s < 0 {
			break
		}
		a.stats.Relabels++
		b1, b2 := int64(math.MinInt64), int64(math.MinInt64)
		k1 := int32(-1)
		for _, k := range a.revArc[a.revStart[j]:a.revStart[j+1]] {
			if a.used[k] {
				continue
			}
			i := a.arcLeft[k]
			if a.free[i] > 0 {
				continue // it is bidding anyway
			}
			pi, _, ok := a.worst(i)
			if !ok {
				continue
			}
			if beta := a.val[k] - pi; beta > b1 {
				b2 = b1
				b1, k1 = beta, k
			} else if beta > b2 {
				b2 = beta
			}
		}
		if k1 < 0 || b1 <= eps {
			a.slotPrice[s] = 0
			a.siftUp(base, s)
			continue
		}
		price := max(b2-eps, 0)
		i := a.arcLeft[k1]
		if _, kw, _ := a.worst(i); kw >= 0 {
			a.unplace(kw)
			a.matched[i]--
		}
		a.slotArc[s], a.slotLeft[s] = k1, i
		a.slotPrice[s] = price
		a.used[k1] = true
		a.paid[k1] = price
		a.matched[i]++
		a.siftUp(base, s)
	}
	a.top[j] = a.slotPrice[base]
}

// siftUp restores the heap of places starting at base after the price at
// s fell.
func (a *auction) siftUp(base, s int32) {
	x := s - base
	for x > 0 {
		p := (x - 1) / 2
		if a.slotPrice[base+p] <= a.slotPrice[base+x] {
			break
		}
		u, v := base+p, base+x
		a.slotPrice[u], a.slotPrice[v] = a.slotPrice[v], a.slotPrice[u]
		a.slotArc[u], a.slotArc[v] = a.slotArc[v], a.slotArc[u]
		a.slotLeft[u], a.slotLeft[v] = a.slotLeft[v], a.slotLeft[u]
		x = p
	}
}

// bid places the free units of left node i.
func (a *auction) bid(i int32, eps int64) {
	start, end := a.b.Start[i], a.b.Start[i+1]
	right, val, used, top := a.b.Right, a.val, a.used, a.top
	for a.free[i] > 0 {
		b1, b2 := int64(math.MinInt64), int64(0) // staying unmatched is worth 0
		k1 := int32(-1)
		for k := start; k < end; k++ {
			if used[k] {
				continue
			}
			p := val[k] - top[right[k]]
			if p > b1 {
				b2 = max(b2, b1)
				b1, k1 = p, k
			} else if p > b2 {
				b2 = p
			}
		}
		if k1 < 0 || b1 <= 0 {
			a.free[i] = 0 // the rest stays unmatched
			return
		}
		a.stats.Pushes++
		j := right[k1]
		s := a.slotStart[j]
		// The places of j are alike: the second cheapest is an alternative
		// too, which keeps a full right node's prices within ε.
		if e := a.slotStart[j+1]; s+1 < e {
			second := a.slotPrice[s+1]
			if s+2 < e {
				second = min(second, a.slotPrice[s+2])
			}
			b2 = max(b2, val[k1]-second)
		}
		if old := a.slotArc[s]; old >= 0 {
			used[old] = false
			l := a.slotLeft[s]
			a.matched[l]--
			a.free[l]++
			a.enqueue(l)
		}
		a.slotArc[s], a.slotLeft[s] = k1, i
		used[k1] = true
		a.matched[i]++
		a.free[i]--
		// Paying more than the weight would leave a profit below the 0
		// of staying unmatched, a price that a later phase, with a
		// smaller ε, finds nobody to pay.
		a.slotPrice[s] = top[j] + max(1, min(b1-b2+eps, b1-1))
		a.paid[k1] = a.slotPrice[s]
		a.siftDown(s, a.slotStart[j+1], s)
		top[j] = a.slotPrice[a.slotStart[j]]
	}
}

// siftDown restores the heap of places base..end-1 after the price at pos
// rose.
func (a *auction) siftDown(pos, end, base int32) {
	n := end - base
	x := pos - base
	for {
		c := 2*x + 1
		if c >= n {
			break
		}
		if c+1 < n && a.slotPrice[base+c+1] < a.slotPrice[base+c] {
			c++
		}
		if a.slotPrice[base+x] <= a.slotPrice[base+c] {
			break
		}
		p, q := base+x, base+c
		a.slotPrice[p], a.slotPrice[q] = a.slotPrice[q], a.slotPrice[p]
		a.slotArc[p], a.slotArc[q] = a.slotArc[q], a.slotArc[p]
		a.slotLeft[p], a.slotLeft[q] = a.slotLeft[q], a.slotLeft[p]
		x = c
	}
}

// warmStart is the auction's matching and prices in the form of Network.
func (a *auction) warmStart() *warmStart {
	b := a.b
	nl, nr := a.nl, a.nr
	m := len(b.Right)
	ws := &warmStart{Flow: make([]int64, nl+m+nr+1), Pot: make([]int64, nl+nr+2), Den: auctionScale, Eps: a.eps / genericDiv}
	var supply, matched int64
	for i := 0; i < nl; i++ {
		supply += b.LeftCap[i]
		matched += a.matched[i]
		ws.Flow[i] = a.matched[i]
		best := int64(0)
		for k := b.Start[i]; k < b.Start[i+1]; k++ {
			if a.used[k] {
				ws.Flow[nl+int(k)] = 1
			} else if t := a.top[b.Right[k]]; t != noPlace {
				best = max(best, a.val[k]-t)
			}
		}
		ws.Pot[1+i] = best
	}
	for j := 0; j < nr; j++ {
		for s := a.slotStart[j]; s < a.slotStart[j+1]; s++ {
			if a.slotArc[s] >= 0 {
				ws.Flow[nl+m+j]++
			}
		}
		if t := a.top[j]; t != noPlace {
			ws.Pot[1+nl+j] = -t
		}
	}
	ws.Flow[nl+m+nr] = supply - matched
	return ws
}

func (a *auction) result() *BipartiteResult {
	r := &BipartiteResult{Used: a.used, Stats: a.stats}
	for k, u := range a.used {
		if u {
			r.Weight += a.b.Weight[k]
		}
	}
	r.Stats.EarlyStop = true
	return r
}

// provedOptimal looks for node potentials of the flow network (Network's
// form, in unscaled weights) under which no residual arc has a negative
// reduced cost. If they exist, no negative cycle does and the matching is
// optimal. The search starts from the auction's prices and corrects them
// Bellman-Ford style (FIFO) within a budget; running out answers false.
func (a *auction) provedOptimal() bool {
	b := a.b
	nl, nr := a.nl, a.nr
	src, sink := nl+nr, nl+nr+1
	n := nl + nr + 2
	pi := make([]int64, n)
	var units, matched int64
	for i := 0; i < nl; i++ {
		units += b.LeftCap[i]
		matched += a.matched[i]
	}
	held := make([]int64, nr)
	for j := 0; j < nr; j++ {
		for s := a.slotStart[j]; s < a.slotStart[j+1]; s++ {
			if a.slotArc[s] >= 0 {
				held[j]++
			}
		}
		p := a.top[j]
		if p == noPlace {
			p = 0
		}
		pi[nl+j] = -floorDiv(p, auctionScale)
	}
	// Potentials of the left nodes: the tightest their used arcs and the
	// source allow, which the relaxation below would set anyway.
	for i := 0; i < nl; i++ {
		best := int64(math.MaxInt64)
		if a.matched[i] < b.LeftCap[i] {
			best = 0
		}
		for k := b.Start[i]; k < b.Start[i+1]; k++ {
			if a.used[k] {
				best = min(best, pi[nl+int(b.Right[k])]+b.Weight[k])
			}
		}
		if best == math.MaxInt64 {
			best = 0
		}
		pi[i] = best
	}
	inQ := make([]bool, n)
	queue := make([]int32, 0, 1024)
	lower := func(v int, d int64) {
		if d < pi[v] {
			pi[v] = d
			if !inQ[v] {
				inQ[v] = true
				queue = append(queue, int32(v))
			}
		}
	}
	work := 0
	relax := func(u int) {
		pu := pi[u]
		switch {
		case u < nl:
			for k := b.Start[u]; k < b.Start[u+1]; k++ {
				if !a.used[k] {
					lower(nl+int(b.Right[k]), pu-b.Weight[k])
				}
			}
			work += int(b.Start[u+1] - b.Start[u])
			if a.matched[u] > 0 {
				lower(src, pu)
			}
		case u < nl+nr:
			j := u - nl
			for s := a.slotStart[j]; s < a.slotStart[j+1]; s++ {
				if k := a.slotArc[s]; k >= 0 {
					lower(int(a.slotLeft[s]), pu+b.Weight[k])
				}
			}
			work += int(a.slotStart[j+1] - a.slotStart[j])
			if held[j] < b.RightCap[j] {
				lower(sink, pu)
			}
		case u == src:
			for i := 0; i < nl; i++ {
				if a.matched[i] < b.LeftCap[i] {
					lower(i, pu)
				}
			}
			work += nl
			if matched > 0 {
				lower(sink, pu)
			}
		default: // sink
			for j := 0; j < nr; j++ {
				if held[j] > 0 {
					lower(nl+j, pu)
				}
			}
			work += nr
			if matched < units {
				lower(src, pu)
			}
		}
	}
	for u := 0; u < n; u++ {
		relax(u)
	}
	budget := 2 * (len(b.Right) + n)
	for head := 0; head < len(queue); head++ {
		if work > budget*4 {
			return false
		}
		u := queue[head]
		inQ[u] = false
		relax(int(u))
		if head > 1<<16 && head*2 > len(queue) { // keep the queue compact
			queue = append(queue[:0], queue[head+1:]...)
			head = -1
		}
	}
	debugf("DEBUG proof work %d budget %d relaxations %d pS %d pT %d\n", work, budget, len(queue), pi[src], pi[sink])
	return true
}

func floorDiv(x, y int64) int64 {
	q := x / y
	if x%y != 0 && (x < 0) != (y < 0) {
		q--
	}
	return q
}

func debugf(format string, args ...any) {
	if os.Getenv("MCF_AUCTION_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, format, args...)
	}
}

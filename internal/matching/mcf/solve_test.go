package mcf

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
)

// transport builds the allocation shape: source -> rows (cap limit) -> cols
// (cap 1, cost -score) -> sink (cap places), plus a source -> sink bypass.
func transport(r *rand.Rand, rows, cols, arcsPerRow int, limit int64) (*Network, [][3]int) {
	n := rows + cols + 2
	src, sink := 0, n-1
	net := NewNetwork(n, 0)
	total := int64(rows) * limit
	net.Supply[src], net.Supply[sink] = total, -total
	for i := 0; i < rows; i++ {
		net.AddArc(src, 1+i, limit, 0)
	}
	var pairs [][3]int
	for i := 0; i < rows; i++ {
		for _, j := range r.Perm(cols)[:min(cols, arcsPerRow)] {
			w := 1 + r.IntN(9)
			net.AddArc(1+i, 1+rows+j, 1, -int64(w))
			pairs = append(pairs, [3]int{i, j, w})
		}
	}
	places := make([]int, cols)
	for j := range places {
		places[j] = r.IntN(3)
		net.AddArc(1+rows+j, sink, int64(places[j]), 0)
	}
	net.AddArc(src, sink, total, 0)
	pairs = append(pairs, [3]int{-1, -1, 0})
	for j, p := range places {
		pairs = append(pairs, [3]int{-2, j, p})
	}
	return net, pairs
}

// bruteForce tries every subset of pairs and returns the best total score
// within the row limit and the column places.
func bruteForce(rows, cols int, limit int, pairs [][3]int) int {
	var real [][3]int
	places := make([]int, cols)
	for _, p := range pairs {
		switch p[0] {
		case -1:
		case -2:
			places[p[1]] = p[2]
		default:
			real = append(real, p)
		}
	}
	best := 0
	for mask := 0; mask < 1<<len(real); mask++ {
		rowUse := make([]int, rows)
		colUse := make([]int, cols)
		score, ok := 0, true
		for k, p := range real {
			if mask&(1<<k) == 0 {
				continue
			}
			rowUse[p[0]]++
			colUse[p[1]]++
			if rowUse[p[0]] > limit || colUse[p[1]] > places[p[1]] {
				ok = false
				break
			}
			score += p[2]
		}
		if ok && score > best {
			best = score
		}
	}
	return best
}

func TestSolveMatchesBruteForceOnTinyAllocations(t *testing.T) {
	matchesBruteForce(t, 300, 1, 2, Options{}, nil)
}

// matchesBruteForce solves n tiny random allocations (PCG stream; each
// employee may take 1 to maxLimit missions) with opt, small enough to try
// every assignment, and checks each total score against brute force and
// each flow against its network; check, if any, looks at each result too.
// It returns how many networks were small enough to try.
func matchesBruteForce(t *testing.T, n, stream uint64, maxLimit int, opt Options, check func(seed uint64, res *Result)) int {
	t.Helper()
	tried := 0
	for seed := range n {
		r := rand.New(rand.NewPCG(seed, stream))
		rows, cols := 1+r.IntN(5), 1+r.IntN(4)
		limit := int64(1 + r.IntN(maxLimit))
		net, pairs := transport(r, rows, cols, 1+r.IntN(3), limit)
		if len(pairs)-1-cols > 14 {
			continue
		}
		tried++
		res, err := Solve(context.Background(), net, opt)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if check != nil {
			check(seed, res)
		}
		want := bruteForce(rows, cols, int(limit), pairs)
		if got := -res.Cost; got != int64(want) {
			t.Fatalf("seed %d: solver total score %d, brute force %d", seed, got, want)
		}
		checkFlow(t, net, res)
	}
	return tried
}

// checkFlow verifies bounds, conservation and the reported cost.
func checkFlow(t *testing.T, net *Network, res *Result) {
	t.Helper()
	bal := make([]int64, net.Nodes())
	var cost int64
	for a := range net.Tail {
		f := res.Flow[a]
		lo := int64(0)
		if net.Lower != nil {
			lo = net.Lower[a]
		}
		if f < lo || f > net.Cap[a] {
			t.Fatalf("arc %d flow %d outside [%d, %d]", a, f, lo, net.Cap[a])
		}
		bal[net.Tail[a]] += f
		bal[net.Head[a]] -= f
		cost += f * net.Cost[a]
	}
	for u, b := range bal {
		if b != net.Supply[u] {
			t.Fatalf("node %d sends %d, supply is %d", u, b, net.Supply[u])
		}
	}
	if cost != res.Cost {
		t.Fatalf("reported cost %d, flows cost %d", res.Cost, cost)
	}
}

// referenceSolve is a plain, obviously correct min-cost flow: successive
// shortest paths with Bellman-Ford from a super source, one unit at a time.
func referenceSolve(net *Network) (int64, bool) {
	n := net.Nodes()
	S, T := n, n+1
	type e struct {
		to   int
		cap  int64
		cost int64
	}
	var es []e
	adj := make([][]int, n+2)
	add := func(u, v int, c, w int64) {
		adj[u] = append(adj[u], len(es))
		es = append(es, e{v, c, w})
		adj[v] = append(adj[v], len(es))
		es = append(es, e{u, 0, -w})
	}
	supply := append([]int64(nil), net.Supply...)
	var base int64
	for a := range net.Tail {
		lo := int64(0)
		if net.Lower != nil {
			lo = net.Lower[a]
		}
		supply[net.Tail[a]] -= lo
		supply[net.Head[a]] += lo
		base += lo * net.Cost[a]
		add(int(net.Tail[a]), int(net.Head[a]), net.Cap[a]-lo, net.Cost[a])
	}
	var need int64
	for u, s := range supply {
		if s > 0 {
			add(S, u, s, 0)
			need += s
		} else if s < 0 {
			add(u, T, -s, 0)
		}
	}
	// Negative cycles are first cancelled by saturating negative arcs and
	// letting the super arcs absorb the imbalance.
	for i := 0; i < len(es); i += 2 {
		if es[i].cost < 0 && es[i].cap > 0 {
			u, v := es[i+1].to, es[i].to
			c := es[i].cap
			base += c * es[i].cost
			es[i].cap, es[i+1].cap = 0, es[i+1].cap+c
			add(S, v, c, 0)
			add(u, T, c, 0)
			need += c
		}
	}
	var cost int64
	for need > 0 {
		dist := make([]int64, n+2)
		prev := make([]int, n+2)
		for i := range dist {
			dist[i] = 1 << 60
			prev[i] = -1
		}
		dist[S] = 0
		for it := 0; it < n+2; it++ {
			changed := false
			for u := range adj {
				if dist[u] == 1<<60 {
					continue
				}
				for _, id := range adj[u] {
					if es[id].cap > 0 && dist[u]+es[id].cost < dist[es[id].to] {
						dist[es[id].to] = dist[u] + es[id].cost
						prev[es[id].to] = id
						changed = true
					}
				}
			}
			if !changed {
				break
			}
		}
		if dist[T] == 1<<60 {
			return 0, false
		}
		for v := T; v != S; v = es[prev[v]^1].to {
			es[prev[v]].cap--
			es[prev[v]^1].cap++
		}
		cost += dist[T]
		need--
	}
	return base + cost, true
}

func randomNetwork(r *rand.Rand) *Network {
	n := 2 + r.IntN(6)
	net := NewNetwork(n, 0)
	for k := r.IntN(3); k >= 0; k-- {
		u, v := r.IntN(n), r.IntN(n)
		s := int64(r.IntN(4))
		net.Supply[u] += s
		net.Supply[v] -= s
	}
	if r.IntN(2) == 0 {
		net.Lower = []int64{}
	}
	for k := 1 + r.IntN(12); k > 0; k-- {
		lo := int64(0)
		if net.Lower != nil && r.IntN(4) == 0 {
			lo = int64(r.IntN(2))
		}
		a := net.AddArc(r.IntN(n), r.IntN(n), lo+int64(r.IntN(4)), int64(r.IntN(21)-10))
		if net.Lower != nil {
			net.Lower[a] = lo
		}
	}
	return net
}

func TestSolveMatchesReferenceOnRandomNetworks(t *testing.T) {
	matchesReference(t, 400, 2, Options{})
}

// matchesReference solves n random networks (PCG stream) with opt and
// checks each against referenceSolve: the same cost, or infeasible, and a
// flow that keeps every bound and balance.
func matchesReference(t *testing.T, n, stream uint64, opt Options) {
	t.Helper()
	infeasible := 0
	for seed := range n {
		net := randomNetwork(rand.New(rand.NewPCG(seed, stream)))
		want, feasible := referenceSolve(net)
		res, err := Solve(context.Background(), net, opt)
		if !feasible {
			infeasible++
			if !errors.Is(err, ErrInfeasible) {
				t.Fatalf("seed %d: infeasible network, solver said %v", seed, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if res.Cost != want {
			t.Fatalf("seed %d: cost %d, reference %d", seed, res.Cost, want)
		}
		checkFlow(t, net, res)
	}
	if infeasible == 0 || infeasible == int(n) {
		t.Fatalf("generator gave %d infeasible networks of %d; want a mix", infeasible, n)
	}
}

func TestEarlyOptimalityProofKeepsTheOptimum(t *testing.T) {
	stopped := 0
	for seed := uint64(0); seed < 20; seed++ {
		r := rand.New(rand.NewPCG(seed, 4))
		net, _ := transport(r, 60+r.IntN(60), 10+r.IntN(10), 2+r.IntN(6), int64(1+r.IntN(2)))
		res, err := Solve(context.Background(), net, Options{Algorithm: CostScaling})
		if err != nil {
			t.Fatal(err)
		}
		want, ok := referenceSolve(net)
		if !ok || res.Cost != want {
			t.Fatalf("seed %d: cost %d, reference %d", seed, res.Cost, want)
		}
		checkFlow(t, net, res)
		if res.Stats.EarlyStop {
			stopped++
		}
	}
	if stopped == 0 {
		t.Fatal("no solve stopped early: the optimality proof went untested")
	}
}

func TestSolveIsDeterministic(t *testing.T) {
	net, _ := transport(rand.New(rand.NewPCG(7, 7)), 300, 40, 12, 2)
	a, err := Solve(context.Background(), net, Options{Algorithm: CostScaling})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Solve(context.Background(), net, Options{Algorithm: CostScaling})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Flow, b.Flow) || a.Cost != b.Cost {
		t.Fatal("two solves of the same network gave different flows")
	}
}

func TestSolveReportsProgressAndHonoursCancellation(t *testing.T) {
	net, _ := transport(rand.New(rand.NewPCG(3, 3)), 200, 30, 8, 1)
	var phases []int
	_, err := Solve(context.Background(), net, Options{Algorithm: CostScaling, Progress: func(p Progress) { phases = append(phases, p.Phase) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(phases) < 2 || phases[0] != 1 {
		t.Fatalf("progress phases %v: want at least a start and a done report", phases)
	}
	for i := 1; i < len(phases); i++ {
		if phases[i] <= phases[i-1] {
			t.Fatalf("progress phases %v do not increase", phases)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Solve(ctx, net, Options{Algorithm: CostScaling, Progress: func(p Progress) {
		if p.Phase == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled solve returned %v", err)
	}
}

func TestSolveRejectsMalformedNetworks(t *testing.T) {
	net := NewNetwork(2, 1)
	net.Supply[0] = 1
	if _, err := Solve(context.Background(), net, Options{}); err == nil {
		t.Error("unbalanced supplies accepted")
	}
	net = NewNetwork(2, 1)
	net.AddArc(0, 5, 1, 1)
	if _, err := Solve(context.Background(), net, Options{}); err == nil {
		t.Error("arc to a missing node accepted")
	}
	net = NewNetwork(2, 1)
	net.AddArc(0, 1, -1, 1)
	if _, err := Solve(context.Background(), net, Options{}); err == nil {
		t.Error("negative capacity accepted")
	}
}

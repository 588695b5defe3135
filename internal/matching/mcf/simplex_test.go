package mcf

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
)

// simplexVariants are the network simplex's two starts: the greedy basis on
// the allocation shape, and LEMON's artificial basis.
var simplexVariants = []struct {
	name string
	opt  Options
}{
	{"greedy start", Options{Algorithm: NetworkSimplex}},
	{"artificial start", Options{Algorithm: NetworkSimplex, ArtificialStart: true}},
}

func TestSimplexMatchesBruteForceOnTinyAllocations(t *testing.T) {
	for _, v := range simplexVariants {
		t.Run(v.name, func(t *testing.T) {
			tried := matchesBruteForce(t, 400, 21, 3, v.opt, func(seed uint64, res *Result) {
				if !res.Stats.Simplex {
					t.Fatalf("seed %d: not solved by the simplex", seed)
				}
			})
			if tried < 200 {
				t.Fatalf("only %d tiny networks were small enough", tried)
			}
		})
	}
}

func TestSimplexMatchesReferenceOnRandomNetworks(t *testing.T) {
	// General networks (supplies anywhere, lower bounds, cycles, self
	// loops): no allocation shape, so LEMON's start and initial pivots.
	matchesReference(t, 600, 22, Options{Algorithm: NetworkSimplex})
}

func TestSimplexAgreesWithCostScalingOnAllocations(t *testing.T) {
	for seed := uint64(0); seed < 30; seed++ {
		r := rand.New(rand.NewPCG(seed, 23))
		net, _ := transport(r, 100+r.IntN(300), 10+r.IntN(40), 2+r.IntN(10), int64(1+r.IntN(3)))
		cs, err := Solve(context.Background(), net, Options{Algorithm: CostScaling})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range simplexVariants {
			res, err := Solve(context.Background(), net, v.opt)
			if err != nil {
				t.Fatalf("%s, seed %d: %v", v.name, seed, err)
			}
			if res.Cost != cs.Cost {
				t.Fatalf("%s, seed %d: cost %d, cost scaling %d", v.name, seed, res.Cost, cs.Cost)
			}
			checkFlow(t, net, res)
		}
		if seed < 5 {
			if want, ok := referenceSolve(net); !ok || want != cs.Cost {
				t.Fatalf("seed %d: cost scaling %d, reference %d", seed, cs.Cost, want)
			}
		}
	}
}

func TestSimplexEdgeCases(t *testing.T) {
	solve := func(net *Network) (*Result, error) {
		return Solve(context.Background(), net, Options{Algorithm: NetworkSimplex})
	}
	// No nodes, or no arcs and no supply: the empty flow.
	for _, n := range []int{0, 3} {
		res, err := solve(NewNetwork(n, 0))
		if err != nil || res.Cost != 0 {
			t.Fatalf("empty network of %d nodes: %+v, %v", n, res, err)
		}
	}
	// Supply and no way to route it.
	net := NewNetwork(2, 0)
	net.Supply[0], net.Supply[1] = 2, -2
	net.AddArc(0, 1, 1, 5)
	if _, err := solve(net); !errors.Is(err, ErrInfeasible) {
		t.Fatalf("capacity 1 for a supply of 2: %v", err)
	}
	// A negative self-loop is saturated; a negative cycle too.
	net = NewNetwork(3, 0)
	net.AddArc(0, 0, 3, -2)
	net.AddArc(1, 2, 2, -1)
	net.AddArc(2, 1, 5, -1)
	net.AddArc(1, 2, 4, 3)
	res, err := solve(net)
	if err != nil || res.Cost != -6-4 {
		t.Fatalf("negative loop and cycle: %+v, %v; want cost -10", res, err)
	}
	checkFlow(t, net, res)
	// The allocation shape where nothing is worth taking: pairs of cost
	// zero or more, places zero, an employee who may take nothing.
	net = NewNetwork(6, 0)
	net.Supply[0], net.Supply[5] = 3, -3
	net.AddArc(0, 1, 2, 0)
	net.AddArc(0, 2, 0, 0)
	net.AddArc(1, 3, 1, 0)
	net.AddArc(1, 4, 1, 4)
	net.AddArc(2, 3, 1, -9)
	net.AddArc(3, 5, 1, 0)
	net.AddArc(4, 5, 0, 0)
	net.AddArc(0, 5, 3, 0)
	if detectMatchingShape(net) == nil {
		t.Fatal("allocation shape not recognised")
	}
	res, err = solve(net)
	if err != nil || res.Cost != 0 {
		t.Fatalf("nothing worth taking: %+v, %v", res, err)
	}
	checkFlow(t, net, res)
	// Not the shape: a pair arc between two missions.
	net.AddArc(3, 4, 1, -1)
	if detectMatchingShape(net) != nil {
		t.Fatal("an arc between two right-hand nodes was taken for the allocation shape")
	}
	if res, err = solve(net); err != nil || res.Cost != 0 {
		t.Fatalf("general network: %+v, %v", res, err)
	}
}

func TestSimplexIsDeterministicReportsProgressAndCancels(t *testing.T) {
	net, _ := transport(rand.New(rand.NewPCG(7, 24)), 400, 40, 12, 2)
	var phases []int
	a, err := Solve(context.Background(), net, Options{Progress: func(p Progress) { phases = append(phases, p.Phase) }})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Stats.Simplex || a.Stats.Pivots == 0 {
		t.Fatalf("two per employee was not solved by the simplex: %+v", a.Stats)
	}
	if len(phases) < 2 || phases[0] != 1 || phases[len(phases)-1] != 2 {
		t.Fatalf("progress phases %v: want 1 at the start and 2 when done", phases)
	}
	b, err := Solve(context.Background(), net, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Flow, b.Flow) {
		t.Fatal("two solves of the same network gave different flows")
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Solve(ctx, net, Options{Progress: func(p Progress) { cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled solve returned %v", err)
	}
}

func TestAutoPicksTheSimplexOnlyWhenRowsMayTakeSeveral(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 25))
	one, _ := transport(r, 50, 10, 5, 1)
	two, _ := transport(r, 50, 10, 5, 2)
	for _, c := range []struct {
		net     *Network
		simplex bool
	}{{one, false}, {two, true}, {randomNetwork(r), false}} {
		res, err := Solve(context.Background(), c.net, Options{})
		if err != nil && !errors.Is(err, ErrInfeasible) {
			t.Fatal(err)
		}
		if err == nil && res.Stats.Simplex != c.simplex {
			t.Fatalf("simplex %v, want %v", res.Stats.Simplex, c.simplex)
		}
	}
}

func TestSimplexStartsFromAnyFeasibleFlow(t *testing.T) {
	// The greedy start only ever has free arcs of cost zero; here general
	// networks start from a feasible flow (the optimum for other costs)
	// and random potentials.
	started := 0
	for seed := uint64(0); seed < 400; seed++ {
		r := rand.New(rand.NewPCG(seed, 26))
		net := randomNetwork(r)
		want, feasible := referenceSolve(net)
		if !feasible {
			continue
		}
		other := *net
		other.Cost = make([]int64, net.Arcs())
		for a := range other.Cost {
			other.Cost[a] = int64(r.IntN(21) - 10)
		}
		start, err := Solve(context.Background(), &other, Options{Algorithm: CostScaling})
		if err != nil {
			t.Fatal(err)
		}
		pot := make([]int64, net.Nodes())
		for u := range pot {
			pot[u] = int64(r.IntN(41) - 20)
		}
		s := newSimplex[int64](net, 1<<40)
		if !s.initFromFlow(start.Flow, pot) {
			continue // free arcs with a cycle
		}
		started++
		if err := s.run(context.Background(), nil); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		res := s.result(net)
		if res.Cost != want {
			t.Fatalf("seed %d: cost %d from a feasible start, reference %d", seed, res.Cost, want)
		}
		checkFlow(t, net, res)
	}
	if started < 100 {
		t.Fatalf("only %d networks gave a start", started)
	}
}

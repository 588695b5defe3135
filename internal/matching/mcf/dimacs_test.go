package mcf

import (
	"bytes"
	"context"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestDIMACSRoundTrip(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		net := randomNetwork(rand.New(rand.NewPCG(seed, 9)))
		var buf bytes.Buffer
		if err := WriteDIMACS(&buf, net, "round trip", "second comment"); err != nil {
			t.Fatal(err)
		}
		back, err := ReadDIMACS(&buf)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if back.Lower == nil && net.Lower != nil {
			back.Lower = make([]int64, back.Arcs()) // all-zero lower bounds are not kept
		}
		if net.Lower == nil && back.Lower != nil {
			t.Fatalf("seed %d: lower bounds appeared", seed)
		}
		if net.Lower != nil && !reflect.DeepEqual(net.Lower, back.Lower) {
			t.Fatalf("seed %d: lower bounds differ", seed)
		}
		net.Lower, back.Lower = nil, nil
		if !reflect.DeepEqual(net, back) {
			t.Fatalf("seed %d: network changed through DIMACS", seed)
		}
	}
}

func TestReadDIMACSSolvesAHandWrittenTransportProblem(t *testing.T) {
	// Two employees, two missions; employee 1 fits both (5, 4), employee 2
	// only the first (3); one place each. Best: 1->B, 2->A, score 7.
	in := `c hand written
p min 6 8
n 1 2
n 6 -2
a 1 2 0 1 0
a 1 3 0 1 0
a 2 4 0 1 -5
a 2 5 0 1 -4
a 3 4 0 1 -3
a 4 6 0 1 0
a 5 6 0 1 0
a 1 6 0 2 0
`
	net, err := ReadDIMACS(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Solve(context.Background(), net, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cost != -7 {
		t.Fatalf("optimum %d, want -7", res.Cost)
	}
}

func TestReadDIMACSRejectsMalformedInput(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"no problem line", "c nothing\n", "no problem line"},
		{"wrong problem kind", "p max 2 1\n", "line 1: problem line must be"},
		{"arc before problem", "a 1 2 0 1 1\n", "line 1: arc line before the problem line"},
		{"node out of range", "p min 2 1\nn 3 1\n", "line 2: node 3 outside 1..2"},
		{"arc node out of range", "p min 2 1\na 1 9 0 1 1\n", "line 2: arc 1->9 has a node outside 1..2"},
		{"not an integer", "p min 2 1\na 1 2 0 x 1\n", `line 2: field 5 "x" is not an integer`},
		{"too few fields", "p min 2 1\na 1 2 0 1\n", `line 2: "a" line needs 5 fields`},
		{"bad bounds", "p min 2 1\na 1 2 3 1 1\n", "line 2: arc bounds [3, 1]"},
		{"too many arcs", "p min 2 1\na 1 2 0 1 1\na 2 1 0 1 1\n", "line 3: more arcs than the 1 announced"},
		{"too few arcs", "p min 2 2\na 1 2 0 1 1\n", "2 arcs announced, 1 found"},
		{"unbalanced", "p min 2 1\nn 1 2\nn 2 -1\na 1 2 0 1 1\n", "supplies sum to 1"},
		{"unknown line", "p min 2 0\nx 1\n", `line 2: unknown line type "x"`},
		{"second problem line", "p min 2 0\np min 2 0\n", "line 2: second problem line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadDIMACS(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// Package mcf solves minimum-cost flow problems exactly, with the integer
// costs and capacities the matching engine produces, and reads and writes
// them in the DIMACS min-cost-flow format so that instances can be checked
// against other solvers (LEMON in the benchmark).
//
// Two exact methods, both general (any network with supplies, lower bounds
// and capacities), deterministic and cancellable through a context:
// Goldberg's cost-scaling push-relabel method with global price updates,
// and a primal network simplex with block-search pivots after LEMON's,
// started from a greedy assignment on allocation networks. Solve picks one
// per instance (chooseAlgorithm). See docs/matching.md for why they are
// written here rather than imported, and for the measurements.
package mcf

import (
	"errors"
	"fmt"
	"math"
)

// Network is a directed graph with node supplies and arc bounds and costs.
// Node indices are 0-based. A positive supply is a source, a negative one a
// demand; supplies must sum to zero.
type Network struct {
	Supply []int64
	Tail   []int32
	Head   []int32
	Lower  []int64 // nil when every lower bound is zero
	Cap    []int64
	Cost   []int64
}

// NewNetwork returns a network with n nodes and room for arcs.
func NewNetwork(n, arcs int) *Network {
	return &Network{
		Supply: make([]int64, n),
		Tail:   make([]int32, 0, arcs),
		Head:   make([]int32, 0, arcs),
		Cap:    make([]int64, 0, arcs),
		Cost:   make([]int64, 0, arcs),
	}
}

// Nodes is the number of nodes.
func (n *Network) Nodes() int { return len(n.Supply) }

// Arcs is the number of arcs.
func (n *Network) Arcs() int { return len(n.Tail) }

// AddArc adds an arc with lower bound zero and returns its index.
func (n *Network) AddArc(tail, head int, capacity, cost int64) int {
	n.Tail = append(n.Tail, int32(tail))
	n.Head = append(n.Head, int32(head))
	n.Cap = append(n.Cap, capacity)
	n.Cost = append(n.Cost, cost)
	if n.Lower != nil {
		n.Lower = append(n.Lower, 0)
	}
	return len(n.Tail) - 1
}

// Validate reports the first structural problem of the network, if any.
func (n *Network) Validate() error {
	nodes := len(n.Supply)
	m := len(n.Tail)
	if len(n.Head) != m || len(n.Cap) != m || len(n.Cost) != m || (n.Lower != nil && len(n.Lower) != m) {
		return errors.New("mcf: arc slices have different lengths")
	}
	if nodes > math.MaxInt32-2 || m > math.MaxInt32/2-2 {
		return errors.New("mcf: network too large")
	}
	var sum int64
	for _, s := range n.Supply {
		sum += s
	}
	if sum != 0 {
		return fmt.Errorf("mcf: supplies sum to %d, not 0", sum)
	}
	for a := 0; a < m; a++ {
		t, h := int(n.Tail[a]), int(n.Head[a])
		if t < 0 || t >= nodes || h < 0 || h >= nodes {
			return fmt.Errorf("mcf: arc %d joins nodes %d and %d, outside 0..%d", a, t, h, nodes-1)
		}
		lo := int64(0)
		if n.Lower != nil {
			lo = n.Lower[a]
		}
		if lo < 0 || n.Cap[a] < lo {
			return fmt.Errorf("mcf: arc %d has bounds [%d, %d]", a, lo, n.Cap[a])
		}
	}
	return nil
}

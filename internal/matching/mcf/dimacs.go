package mcf

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReadDIMACS parses a DIMACS min-cost-flow problem: comment lines "c ...",
// one "p min NODES ARCS" line, node lines "n ID SUPPLY" and arc lines
// "a TAIL HEAD LOW CAP COST", with 1-based node IDs. Errors name the line and
// what is wrong with it.
func ReadDIMACS(r io.Reader) (*Network, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var net *Network
	wantArcs := 0
	lineNo := 0
	hasLower := false
	var lower []int64
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == 'c' {
			continue
		}
		f := strings.Fields(line)
		bad := func(format string, args ...any) error {
			return fmt.Errorf("dimacs line %d: %s", lineNo, fmt.Sprintf(format, args...))
		}
		ints := func(want int) ([]int64, error) {
			if len(f)-1 != want {
				return nil, bad("%q line needs %d fields after the letter, has %d", f[0], want, len(f)-1)
			}
			out := make([]int64, want)
			for i := range out {
				v, err := strconv.ParseInt(f[i+1], 10, 64)
				if err != nil {
					return nil, bad("field %d %q is not an integer", i+2, f[i+1])
				}
				out[i] = v
			}
			return out, nil
		}
		switch f[0] {
		case "p":
			if net != nil {
				return nil, bad("second problem line")
			}
			if len(f) != 4 || f[1] != "min" {
				return nil, bad("problem line must be \"p min NODES ARCS\"")
			}
			f = f[1:] // so that ints sees NODES ARCS after "min"
			v, err := ints(2)
			if err != nil {
				return nil, err
			}
			if v[0] < 1 || v[0] > 1<<30 || v[1] < 0 || v[1] > 1<<30 {
				return nil, bad("node count %d or arc count %d out of range", v[0], v[1])
			}
			net = NewNetwork(int(v[0]), int(v[1]))
			wantArcs = int(v[1])
			lower = make([]int64, 0, wantArcs)
		case "n":
			if net == nil {
				return nil, bad("node line before the problem line")
			}
			v, err := ints(2)
			if err != nil {
				return nil, err
			}
			if v[0] < 1 || v[0] > int64(net.Nodes()) {
				return nil, bad("node %d outside 1..%d", v[0], net.Nodes())
			}
			net.Supply[v[0]-1] += v[1]
		case "a":
			if net == nil {
				return nil, bad("arc line before the problem line")
			}
			v, err := ints(5)
			if err != nil {
				return nil, err
			}
			nn := int64(net.Nodes())
			if v[0] < 1 || v[0] > nn || v[1] < 1 || v[1] > nn {
				return nil, bad("arc %d->%d has a node outside 1..%d", v[0], v[1], nn)
			}
			if v[2] < 0 || v[3] < v[2] {
				return nil, bad("arc bounds [%d, %d] are not 0 <= low <= cap", v[2], v[3])
			}
			if net.Arcs() == wantArcs {
				return nil, bad("more arcs than the %d announced", wantArcs)
			}
			net.AddArc(int(v[0]-1), int(v[1]-1), v[3], v[4])
			lower = append(lower, v[2])
			if v[2] != 0 {
				hasLower = true
			}
		default:
			return nil, bad("unknown line type %q (want c, p, n or a)", f[0])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dimacs line %d: %w", lineNo+1, err)
	}
	if net == nil {
		return nil, fmt.Errorf("dimacs: no problem line \"p min NODES ARCS\"")
	}
	if net.Arcs() != wantArcs {
		return nil, fmt.Errorf("dimacs: %d arcs announced, %d found", wantArcs, net.Arcs())
	}
	if hasLower {
		net.Lower = lower
	}
	var sum int64
	for _, s := range net.Supply {
		sum += s
	}
	if sum != 0 {
		return nil, fmt.Errorf("dimacs: node supplies sum to %d, not 0", sum)
	}
	return net, nil
}

// WriteDIMACS writes net as a DIMACS min-cost-flow problem; comments, if
// any, go first, one per line.
func WriteDIMACS(w io.Writer, net *Network, comments ...string) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	for _, c := range comments {
		for _, l := range strings.Split(c, "\n") {
			fmt.Fprintf(bw, "c %s\n", l)
		}
	}
	fmt.Fprintf(bw, "p min %d %d\n", net.Nodes(), net.Arcs())
	for u, s := range net.Supply {
		if s != 0 {
			fmt.Fprintf(bw, "n %d %d\n", u+1, s)
		}
	}
	buf := make([]byte, 0, 64)
	for a := range net.Tail {
		lo := int64(0)
		if net.Lower != nil {
			lo = net.Lower[a]
		}
		buf = append(buf[:0], 'a', ' ')
		buf = strconv.AppendInt(buf, int64(net.Tail[a])+1, 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(net.Head[a])+1, 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, lo, 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, net.Cap[a], 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, net.Cost[a], 10)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

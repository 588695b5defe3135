// Command matchbench measures the matching engine on generated campaigns and
// checks its allocations against LEMON, and solves DIMACS min-cost-flow files
// so that instances from elsewhere can be checked too.
//
//	matchbench [-size all|small|medium|30k|large] [-per-employee N] [-lemon bin/lemonref]
//	matchbench -dimacs FILE [-lemon bin/lemonref] [-cpuprofile cpu.prof] [-algorithm auto|cs|ns|ns-artificial]
//	matchbench -size medium -write FILE   (write the instance as DIMACS)
//
// Each size runs in a child process so that its peak memory is its own.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/vendredi-app/vendredi/internal/matching"
	"github.com/vendredi-app/vendredi/internal/matching/mcf"
	"github.com/vendredi-app/vendredi/internal/matching/synth"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	size        string
	perEmployee int
	candidates  int
	seed        uint64
	lemon       string
	dimacs      string
	write       string
	cpuProfile  string
	algorithm   string
	child       bool
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("matchbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.size, "size", "all", "instance size: small (1 000 x 100), medium (10 000 x 1 000), 30k (30 000 x 3 000), large (100 000 x 10 000) or all")
	fs.IntVar(&c.perEmployee, "per-employee", 1, "campaign limit: missions per employee")
	fs.IntVar(&c.candidates, "candidates", matching.DefaultPerEmployee, "candidate missions kept per employee")
	fs.Uint64Var(&c.seed, "seed", 1, "generator seed")
	fs.StringVar(&c.lemon, "lemon", "", "path to the lemonref binary (make bin/lemonref); empty skips the LEMON columns")
	fs.StringVar(&c.dimacs, "dimacs", "", "solve this DIMACS min-cost-flow file instead and print its optimum")
	fs.StringVar(&c.write, "write", "", "with one -size: write the generated instance as DIMACS to this file and exit")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "with -dimacs: write a CPU profile of the solve to this file (go tool pprof)")
	fs.StringVar(&c.algorithm, "algorithm", "auto", "with -dimacs: auto, cs (cost scaling), ns (network simplex) or ns-artificial (network simplex from LEMON's artificial basis)")
	fs.BoolVar(&c.child, "child", false, "internal: measure one size and print it as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "matchbench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if c.perEmployee < 1 || c.candidates < 1 {
		fmt.Fprintln(stderr, "matchbench: -per-employee and -candidates must be at least 1")
		return 2
	}
	var err error
	switch {
	case c.dimacs != "":
		err = solveFile(c, stdout)
	case c.write != "":
		err = writeInstance(c)
	case c.child:
		var r row
		r, err = measure(c)
		if err == nil {
			err = json.NewEncoder(stdout).Encode(r)
		}
	default:
		err = table(c, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "matchbench: %v\n", err)
		return 1
	}
	return 0
}

// row is one line of the benchmark table.
type row struct {
	Size        string
	Employees   int
	Missions    int
	Arcs        int
	Candidates  time.Duration
	Allocation  time.Duration
	Solve       time.Duration // mcf.Solve alone, as LEMON's run() is timed alone
	SolveCPU    time.Duration // CPU time of the same
	PeakMiB     float64
	TotalScore  int64
	RecommendUs float64
	LemonNS     time.Duration
	LemonCS     time.Duration
	LemonNSCPU  time.Duration
	LemonCSCPU  time.Duration
	LemonCost   int64
	HasLemon    bool
}

func sizes(name string) ([]synth.Size, error) {
	if name == "all" {
		return synth.Sizes, nil
	}
	s, err := synth.SizeByName(name)
	return []synth.Size{s}, err
}

func table(c config, stdout io.Writer) error {
	list, err := sizes(c.size)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "matching benchmark: seed %d, %d mission(s) per employee, %d candidates per employee, GOMAXPROCS %d\n",
		c.seed, c.perEmployee, c.candidates, runtime.GOMAXPROCS(0))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "size\tarcs\tcandidates\tallocation\tsolve\tpeak MiB\ttotal score\tLEMON optimum\tLEMON NS\tLEMON CS\tallocation/best LEMON\tsolve/best LEMON\tCPU: solve\tNS\tCS\tsolve/best\trecommend\t")
	for _, s := range list {
		args := []string{"-child", "-size", s.Name, "-per-employee", strconv.Itoa(c.perEmployee),
			"-candidates", strconv.Itoa(c.candidates), "-seed", strconv.FormatUint(c.seed, 10), "-lemon", c.lemon}
		cmd := exec.Command(self, args...)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("size %s: %w", s.Name, err)
		}
		var r row
		if err := json.Unmarshal(out, &r); err != nil {
			return fmt.Errorf("size %s: %w", s.Name, err)
		}
		label := fmt.Sprintf("%s %d x %d", r.Size, r.Employees, r.Missions)
		lemonCost, ns, cs, ratio, sratio, nsCPU, csCPU, cpuRatio := "-", "-", "-", "-", "-", "-", "-", "-"
		if r.HasLemon {
			lemonCost = strconv.FormatInt(-r.LemonCost, 10)
			ns, cs = secs(r.LemonNS), secs(r.LemonCS)
			best := min(r.LemonNS, r.LemonCS).Seconds()
			ratio = fmt.Sprintf("%.2f", r.Allocation.Seconds()/best)
			sratio = fmt.Sprintf("%.2f", r.Solve.Seconds()/best)
			nsCPU, csCPU = secs(r.LemonNSCPU), secs(r.LemonCSCPU)
			cpuRatio = fmt.Sprintf("%.2f", r.SolveCPU.Seconds()/min(r.LemonNSCPU, r.LemonCSCPU).Seconds())
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%.0f\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f µs\t\n", label, r.Arcs, secs(r.Candidates), secs(r.Allocation),
			secs(r.Solve), r.PeakMiB, r.TotalScore, lemonCost, ns, cs, ratio, sratio, secs(r.SolveCPU), nsCPU, csCPU, cpuRatio, r.RecommendUs)
		fmt.Fprintf(os.Stderr, "matchbench: %s done (allocation %s, LEMON %s / %s)\n", label, secs(r.Allocation), ns, cs)
		if r.HasLemon && r.LemonCost != -r.TotalScore {
			return fmt.Errorf("size %s: our optimum %d differs from LEMON's %d", s.Name, r.TotalScore, -r.LemonCost)
		}
	}
	return tw.Flush()
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }

func generate(c config) (*synth.Instance, synth.Size, error) {
	s, err := synth.SizeByName(c.size)
	if err != nil {
		return nil, s, err
	}
	return synth.Generate(c.seed, s.Employees, s.Missions, c.perEmployee), s, nil
}

// measure runs one size in this process.
func measure(c config) (row, error) {
	inst, s, err := generate(c)
	if err != nil {
		return row{}, err
	}
	r := row{Size: s.Name, Employees: s.Employees, Missions: s.Missions}
	ctx := context.Background()
	t0 := time.Now()
	ix := matching.NewIndex(inst.Campaign, inst.Missions)
	pairs, err := ix.Pairs(ctx, inst.Employees, c.candidates, 0, nil)
	if err != nil {
		return r, err
	}
	r.Candidates = time.Since(t0)
	t0 = time.Now()
	alloc, err := ix.Solve(ctx, inst.Employees, pairs, nil)
	if err != nil {
		return r, err
	}
	r.Allocation = time.Since(t0)
	r.TotalScore = alloc.TotalScore
	r.PeakMiB = peakMiB()

	const recs = 2000
	t0 = time.Now()
	for i := 0; i < recs; i++ {
		ix.Recommend(&inst.Employees[(i*7919)%len(inst.Employees)], 10)
	}
	r.RecommendUs = float64(time.Since(t0).Microseconds()) / recs

	nw := ix.Network(pairs)
	r.Arcs = nw.Arcs()
	// The allocation above includes building the network and reading the
	// proposals out of the flow; LEMON's time is its run() alone, so the
	// solver alone is timed too, on the network LEMON gets.
	runtime.GC()
	t0 = time.Now()
	c0 := cpuTime()
	res, err := mcf.Solve(ctx, nw.Network, mcf.Options{})
	if err != nil {
		return r, err
	}
	r.Solve, r.SolveCPU = time.Since(t0), cpuTime()-c0
	if -res.Cost != r.TotalScore {
		return r, fmt.Errorf("the solver alone found %d, the allocation %d", -res.Cost, r.TotalScore)
	}
	res = nil
	if c.lemon == "" {
		return r, nil
	}
	dir, err := os.MkdirTemp("", "matchbench")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, s.Name+".min")
	if err := writeFile(file, nw.Network, fmt.Sprintf("matchbench %s seed %d", s.Name, c.seed)); err != nil {
		return r, err
	}
	nw = nil
	runtime.GC()
	lr, err := runLemon(c.lemon, file)
	if err != nil {
		return r, err
	}
	if lr.ns.cost != lr.cs.cost {
		return r, fmt.Errorf("LEMON's algorithms disagree: %d and %d", lr.ns.cost, lr.cs.cost)
	}
	r.HasLemon, r.LemonCost, r.LemonNS, r.LemonCS = true, lr.ns.cost, lr.ns.time, lr.cs.time
	r.LemonNSCPU, r.LemonCSCPU = lr.ns.cpu, lr.cs.cpu
	return r, nil
}

func writeFile(path string, net *mcf.Network, comment string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := mcf.WriteDIMACS(f, net, comment); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeInstance(c config) error {
	inst, s, err := generate(c)
	if err != nil {
		return err
	}
	ix := matching.NewIndex(inst.Campaign, inst.Missions)
	pairs, err := ix.Pairs(context.Background(), inst.Employees, c.candidates, 0, nil)
	if err != nil {
		return err
	}
	return writeFile(c.write, ix.Network(pairs).Network,
		fmt.Sprintf("matchbench %s seed %d, %d per employee: source 1, employees, missions, sink last", s.Name, c.seed, c.perEmployee))
}

type lemonRun struct {
	cost int64
	time time.Duration
	cpu  time.Duration
}

type lemonResult struct{ ns, cs lemonRun }

// runLemon runs the reference program and parses its "ns cost=.. seconds=.. cpu=.." lines.
func runLemon(bin, file string) (lemonResult, error) {
	var res lemonResult
	out, err := exec.Command(bin, file, "both").CombinedOutput()
	if err != nil {
		return res, fmt.Errorf("%s: %v: %s", bin, err, bytes.TrimSpace(out))
	}
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || (f[0] != "ns" && f[0] != "cs") {
			continue
		}
		cost, err1 := strconv.ParseInt(strings.TrimPrefix(f[1], "cost="), 10, 64)
		sec, err2 := strconv.ParseFloat(strings.TrimPrefix(f[2], "seconds="), 64)
		cpu, err3 := strconv.ParseFloat(strings.TrimPrefix(f[3], "cpu="), 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return res, fmt.Errorf("unexpected lemonref output %q (rebuild it: make bin/lemonref)", sc.Text())
		}
		lr := lemonRun{cost: cost, time: time.Duration(sec * float64(time.Second)), cpu: time.Duration(cpu * float64(time.Second))}
		if f[0] == "ns" {
			res.ns = lr
		} else {
			res.cs = lr
		}
		found++
	}
	if found != 2 {
		return res, fmt.Errorf("lemonref printed no result: %s", bytes.TrimSpace(out))
	}
	return res, nil
}

func solveFile(c config, stdout io.Writer) error {
	f, err := os.Open(c.dimacs)
	if err != nil {
		return err
	}
	t0 := time.Now()
	net, err := mcf.ReadDIMACS(bufio.NewReaderSize(f, 1<<20))
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", c.dimacs, err)
	}
	read := time.Since(t0)
	if c.cpuProfile != "" {
		pf, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
	}
	t0 = time.Now()
	c0 := cpuTime()
	opt := mcf.Options{}
	switch c.algorithm {
	case "auto":
	case "cs":
		opt.Algorithm = mcf.CostScaling
	case "ns":
		opt.Algorithm = mcf.NetworkSimplex
	case "ns-artificial":
		opt.Algorithm, opt.ArtificialStart = mcf.NetworkSimplex, true
	default:
		return fmt.Errorf("unknown -algorithm %q", c.algorithm)
	}
	res, err := mcf.Solve(context.Background(), net, opt)
	solveCPU := cpuTime() - c0
	if c.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if errors.Is(err, mcf.ErrInfeasible) {
		return fmt.Errorf("%s: %w", c.dimacs, err)
	}
	if err != nil {
		return err
	}
	solve := time.Since(t0)
	fmt.Fprintf(stdout, "file:          %s (%d nodes, %d arcs, read in %s)\n", c.dimacs, net.Nodes(), net.Arcs(), secs(read))
	fmt.Fprintf(stdout, "optimum cost:  %d\n", res.Cost)
	if res.Stats.Simplex {
		fmt.Fprintf(stdout, "solve time:    %s, CPU %s (network simplex, %d pivots)\n", secs(solve), secs(solveCPU), res.Stats.Pivots)
	} else {
		fmt.Fprintf(stdout, "solve time:    %s, CPU %s (cost scaling, %d phases, %d pushes, %d relabels)\n", secs(solve), secs(solveCPU), res.Stats.Phases, res.Stats.Pushes, res.Stats.Relabels)
	}
	fmt.Fprintf(stdout, "peak memory:   %.0f MiB\n", peakMiB())
	if c.lemon != "" {
		lr, err := runLemon(c.lemon, c.dimacs)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "LEMON NS:      cost %d in %s, CPU %s\nLEMON CS:      cost %d in %s, CPU %s\n",
			lr.ns.cost, secs(lr.ns.time), secs(lr.ns.cpu), lr.cs.cost, secs(lr.cs.time), secs(lr.cs.cpu))
		if lr.ns.cost != res.Cost {
			return fmt.Errorf("optimum %d differs from LEMON's %d", res.Cost, lr.ns.cost)
		}
		fmt.Fprintf(stdout, "ours/best LEMON: %.2f (CPU %.2f)\n", solve.Seconds()/min(lr.ns.time, lr.cs.time).Seconds(),
			solveCPU.Seconds()/min(lr.ns.cpu, lr.cs.cpu).Seconds())
	}
	return nil
}

// cpuTime is the CPU time this process has used, all threads (the
// garbage collector's included), user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakMiB is the process's peak resident set (VmHWM).
func peakMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

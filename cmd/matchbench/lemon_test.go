package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vendredi-app/vendredi/internal/matching"
)

var lemon struct {
	once sync.Once
	bin  string
	why  string // why it could not be built
	err  error  // a build failure with the package present
}

func TestMain(m *testing.M) {
	code := m.Run()
	if lemon.bin != "" {
		os.RemoveAll(filepath.Dir(lemon.bin))
	}
	os.Exit(code)
}

// buildLemonref compiles the C++ reference once per test run. Without
// LEMON's headers it skips, except in CI (CI=true), where the equality with
// LEMON is a requirement and a missing package must fail the build.
func buildLemonref(t *testing.T) string {
	t.Helper()
	lemon.once.Do(func() {
		if _, err := os.Stat("/usr/include/lemon/network_simplex.h"); err != nil {
			lemon.why = "header lemon/network_simplex.h not found"
			return
		}
		gxx, err := exec.LookPath("g++")
		if err != nil {
			lemon.why = "g++ not found"
			return
		}
		dir, err := os.MkdirTemp("", "lemonref")
		if err != nil {
			lemon.err = err
			return
		}
		bin := filepath.Join(dir, "lemonref")
		out, err := exec.Command(gxx, "-O2", "-std=c++17", "-o", bin, "lemonref/lemonref.cc", "-llemon").CombinedOutput()
		if err != nil {
			lemon.err = fmt.Errorf("building lemonref: %v\n%s", err, out)
			os.RemoveAll(dir)
			return
		}
		lemon.bin = bin
	})
	if lemon.why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("LEMON reference unavailable in CI: %s (install g++ and liblemon-dev)", lemon.why)
		}
		t.Skipf("LEMON reference unavailable: %s; apt-get install -y g++ liblemon-dev to run this test", lemon.why)
	}
	if lemon.err != nil {
		t.Fatal(lemon.err)
	}
	return lemon.bin
}

func TestOptimumEqualsLEMONOnSmallSizes(t *testing.T) {
	bin := buildLemonref(t)
	for _, tc := range []struct {
		size        string
		perEmployee int
		seed        uint64
	}{
		{"small", 1, 1}, {"small", 2, 2}, {"small", 3, 3}, {"small", 2, 5}, {"medium", 1, 1},
	} {
		inst, _, err := generate(config{size: tc.size, perEmployee: tc.perEmployee, seed: tc.seed})
		if err != nil {
			t.Fatal(err)
		}
		ix := matching.NewIndex(inst.Campaign, inst.Missions)
		pairs, err := ix.Pairs(context.Background(), inst.Employees, matching.DefaultPerEmployee, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		alloc, err := ix.Solve(context.Background(), inst.Employees, pairs, nil)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "instance.min")
		if err := writeFile(file, ix.Network(pairs).Network, "test"); err != nil {
			t.Fatal(err)
		}
		lr, err := runLemon(bin, file)
		if err != nil {
			t.Fatal(err)
		}
		if -lr.ns.cost != alloc.TotalScore || -lr.cs.cost != alloc.TotalScore {
			t.Fatalf("%s, %d per employee: our optimum %d, LEMON network simplex %d, cost scaling %d",
				tc.size, tc.perEmployee, alloc.TotalScore, -lr.ns.cost, -lr.cs.cost)
		}
		if alloc.TotalScore <= 0 {
			t.Fatalf("%s: empty allocation", tc.size)
		}
	}
}

func TestDIMACSFileModeAgreesWithLEMON(t *testing.T) {
	bin := buildLemonref(t)
	file := filepath.Join(t.TempDir(), "small.min")
	var out, errb bytes.Buffer
	if code := run([]string{"-size", "small", "-per-employee", "2", "-write", file}, &out, &errb); code != 0 {
		t.Fatalf("writing the instance: exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"-dimacs", file, "-lemon", bin}, &out, &errb); code != 0 {
		t.Fatalf("solving the file: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "optimum cost:") || !strings.Contains(out.String(), "LEMON NS:") {
		t.Fatalf("unexpected output:\n%s", out.String())
	}
}

func TestDIMACSFileModeRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.min")
	os.WriteFile(bad, []byte("p min 2 1\na 1 2 0 one 3\n"), 0o644)
	infeasible := filepath.Join(dir, "infeasible.min")
	os.WriteFile(infeasible, []byte("p min 2 1\nn 1 2\nn 2 -2\na 1 2 0 1 3\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-dimacs", bad}, `line 2: field 5 "one" is not an integer`},
		{[]string{"-dimacs", infeasible}, "infeasible"},
		{[]string{"-dimacs", filepath.Join(dir, "nope.min")}, "no such file"},
		{[]string{"-size", "huge", "-write", filepath.Join(dir, "x")}, `unknown size "huge"`},
	} {
		var out, errb bytes.Buffer
		code := run(tc.args, &out, &errb)
		if code == 0 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want non-zero and %q", tc.args, code, errb.String(), tc.want)
		}
	}
}

package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// pgCluster is a PostgreSQL server of the test's own, which it may stop
// and start: initdb and pg_ctl from the local installation, run as a
// non-root user when the test runs as root (PostgreSQL refuses root).
type pgCluster struct {
	t       *testing.T
	bindir  string
	dir     string
	data    string
	port    int
	asOwner []string
}

// findPGBin finds initdb and pg_ctl on PATH or in Debian's and the usual
// installation folders, the newest first.
func findPGBin() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	return ""
}

func newPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	bindir := findPGBin()
	if bindir == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("initdb and pg_ctl not found: CI installs postgresql (.ci/run)")
		}
		t.Skip("initdb and pg_ctl not found: install PostgreSQL's server (Debian: apt-get install postgresql) to run the restart test")
	}
	dir, err := os.MkdirTemp("", "vendredi-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c := &pgCluster{t: t, bindir: bindir, dir: dir, data: filepath.Join(dir, "data")}
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			u, err = user.Lookup("nobody")
		}
		if err != nil {
			t.Fatalf("running as root, and no postgres or nobody user to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.asOwner = []string{"setpriv", "--reuid=" + u.Uid, "--regid=" + u.Gid, "--clear-groups", "--"}
		if _, err := exec.LookPath("setpriv"); err != nil {
			c.asOwner = []string{"runuser", "-u", u.Username, "--"}
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			t.Logf("PostgreSQL's log:\n%s", log)
		}
		_ = c.run("pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
		_ = os.RemoveAll(dir)
	})
	if err := c.run("initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "-N"); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *pgCluster) run(tool string, args ...string) error {
	argv := append(append(append([]string{}, c.asOwner...), filepath.Join(c.bindir, tool)), args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		return fmt.Errorf("%s: %v\n%s\nserver log:\n%s", tool, err, out, log)
	}
	return nil
}

// AdminURL is the superuser's address.
func (c *pgCluster) AdminURL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Start starts the server and returns once it accepts connections.
func (c *pgCluster) Start() error {
	return c.run("pg_ctl", "-D", c.data, "-l", filepath.Join(c.dir, "server.log"), "-w", "-t", "60",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60", c.port, c.dir), "start")
}

// Stop stops the server as an operator's restart does: in-flight
// transactions are rolled back, committed ones are on disk.
func (c *pgCluster) Stop() error {
	return c.run("pg_ctl", "-D", c.data, "-m", "fast", "-w", "stop")
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/logging/logtest"
)

// The tests of this file's neighbours run `vendredi serve` as processes,
// as an operator does: the binary is built once per run, or taken from
// VENDREDI_BIN (make test builds bin/vendredi first and sets it).
var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func vendrediBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if p := os.Getenv("VENDREDI_BIN"); p != "" {
			binPath = p
			return
		}
		binDir, buildErr = os.MkdirTemp("", "vendredi-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "vendredi")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func removeBinary() {
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
}

// serveProcess is one `vendredi serve`.
type serveProcess struct {
	name    string
	cmd     *exec.Cmd
	URL     string // http://127.0.0.1:port
	Metrics string // http://127.0.0.1:port/metrics
	logs    *logtest.Buffer
	exited  chan struct{}
	exitErr error
}

// startServe runs `vendredi serve` on databaseURL, on free loopback ports,
// and returns once it listens. It is stopped (SIGTERM) when the test ends.
func startServe(t *testing.T, name, databaseURL string, extraEnv ...string) *serveProcess {
	t.Helper()
	cmd := exec.Command(vendrediBinary(t), "serve")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_") && !strings.HasPrefix(kv, "OTEL_") && !strings.HasPrefix(kv, "LOG_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "DATABASE_URL="+databaseURL, "LISTEN_ADDR=127.0.0.1:0", "METRICS_ADDR=127.0.0.1:0",
		"BASE_DOMAIN=localhost", "LOG_FORMAT=json", "LOG_LEVEL=info", "SHUTDOWN_TIMEOUT=10s",
		// serve opens all its connections at start: the default 20 per
		// process would crowd the PostgreSQL that test packages share.
		"DB_MAX_CONNS=5")
	cmd.Env = append(cmd.Env, extraEnv...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{name: name, cmd: cmd, logs: &logtest.Buffer{}, exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrs := make(chan [2]string, 4)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.logs, line)
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && (l.Msg == "listening" || l.Msg == "metrics") {
				addrs <- [2]string{l.Msg, l.Addr}
			}
		}
	}()
	go func() { p.exitErr = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { p.stop(t) })
	deadline := time.After(60 * time.Second)
	for p.URL == "" || p.Metrics == "" {
		select {
		case a := <-addrs:
			if a[0] == "listening" {
				p.URL = "http://" + a[1]
			} else {
				p.Metrics = "http://" + a[1] + "/metrics"
			}
		case <-p.exited:
			t.Fatalf("%s exited before listening: %v\n%s", name, p.exitErr, p.logs)
		case <-deadline:
			t.Fatalf("%s does not listen after 60 s:\n%s", name, p.logs)
		}
	}
	return p
}

// stop sends SIGTERM and waits for the process to drain and exit.
func (p *serveProcess) stop(t *testing.T) error {
	select {
	case <-p.exited:
		return p.exitErr
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.exitErr
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		t.Errorf("%s did not stop within 30 s of SIGTERM:\n%s", p.name, p.logs)
		return p.exitErr
	}
}

// proxy is a small reverse proxy that sends each request to the next
// backend in turn, keeping its Host (the company), and says which one
// answered in X-Backend.
type proxy struct {
	URL      string
	backends []*serveProcess
	next     atomic.Uint64
}

func startProxy(t *testing.T, backends ...*serveProcess) *proxy {
	t.Helper()
	px := &proxy{backends: backends}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			b := px.backends[int(px.next.Add(1)-1)%len(px.backends)]
			u, _ := url.Parse(b.URL)
			r.Out.URL.Scheme, r.Out.URL.Host = u.Scheme, u.Host
			r.Out.Host = r.In.Host
			r.Out.Header.Set("X-Test-Backend", b.name)
		},
		ModifyResponse: func(res *http.Response) error {
			res.Header.Set("X-Backend", res.Request.Header.Get("X-Test-Backend"))
			return nil
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	px.URL = "http://" + ln.Addr().String()
	return px
}

// reply is an answer the tests read.
type reply struct {
	Status   int
	Body     string
	Header   http.Header
	Duration time.Duration
}

func (r reply) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("%d %q: %v", r.Status, r.Body, err)
	}
}

func (r reply) session() string {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "vendredi_session" {
			return c.Value
		}
	}
	return ""
}

var httpClient = &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// call sends one request to base (a server or the proxy) for host, with
// a JSON body and a session cookie when given.
func call(ctx context.Context, base, method, host, path, session string, body any) (reply, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return reply{}, err
	}
	req.Host = host
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "vendredi_session", Value: session})
	}
	start := time.Now()
	res, err := httpClient.Do(req)
	if err != nil {
		return reply{Duration: time.Since(start)}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return reply{Status: res.StatusCode, Body: string(b), Header: res.Header, Duration: time.Since(start)}, err
}

func mustCall(t *testing.T, base, method, host, path, session string, body any) reply {
	t.Helper()
	r, err := call(context.Background(), base, method, host, path, session, body)
	if err != nil {
		t.Fatalf("%s %s%s: %v", method, host, path, err)
	}
	return r
}

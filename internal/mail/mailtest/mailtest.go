// Package mailtest runs a real SMTP server, mailpit, for tests, and reads
// what it received through mailpit's HTTP API.
//
// Mailpit is a Go module pinned in go.mod (`tool github.com/axllent/mailpit`);
// the first test binary that needs it builds it into Go's build cache
// (about 40 s once per machine and version, then 0.2 s to find it again).
// VENDREDI_TEST_MAILPIT may name a mailpit binary to use instead. When
// mailpit cannot be built or started, tests fail with the reason: they never
// skip, so CI cannot go green without having sent a mail.
//
// One mailpit serves a whole test package. Wire it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(mailtest.Main(m)) }
//
// or, with another harness that also wraps m.Run:
//
//	func TestMain(m *testing.M) { os.Exit(mailtest.Run(func() int { return pgtest.Main(m) })) }
//
// Tests share the server, so each sends to its own recipients (Address
// makes one) and reads only those: parallel tests never see each other's
// mail, and nothing needs deleting between tests.
package mailtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Server is one running mailpit.
type Server struct {
	smtpAddr string // 127.0.0.1:port
	web      string // http://127.0.0.1:port
	cmd      *exec.Cmd
	exited   chan struct{}
	out      *tailBuffer
	dir      string
	http     *http.Client
	bin      string
	args     []string

	mu       sync.Mutex
	returned map[string]bool // IDs of the messages WaitFor already returned
}

// Message is a message as mailpit received it.
type Message struct {
	ID      string
	From    mail.Address
	To      []mail.Address
	Subject string // decoded
	Text    string // the text/plain part
	HTML    string // the text/html part
	// Links are the http(s) links of the HTML (href) and of the text, in
	// order of appearance, without duplicates.
	Links []string
	// Username is the SMTP AUTH user the sender logged in as, if any.
	Username string
	// Headers are the header fields as sent, not decoded: a non-ASCII
	// subject shows here as RFC 2047 encoded words.
	Headers map[string][]string
}

// Link returns the first of m.Links that contains substr, or "".
func (m Message) Link(substr string) string {
	for _, l := range m.Links {
		if strings.Contains(l, substr) {
			return l
		}
	}
	return ""
}

var (
	running  atomic.Bool
	shared   *Server
	sharedMu sync.Mutex
	startErr error

	binOnce sync.Once
	binPath string
	binErr  error
)

// Main runs the tests of a package, then stops its mailpit, if it started.
func Main(m *testing.M) int { return Run(m.Run) }

// Run calls run (which runs the tests), then stops the package's mailpit.
// It is Main for packages whose TestMain also wraps m.Run for another
// harness.
func Run(run func() int) int {
	running.Store(true)
	defer running.Store(false)
	code := run()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		shared.stop()
		shared = nil
	}
	return code
}

// Start returns the package's mailpit, starting it on first use. It fails
// the test when mailpit cannot be started, and when TestMain does not call
// Main or Run: they stop it, and without them it would outlive the tests.
func Start(t testing.TB) *Server {
	t.Helper()
	if !running.Load() {
		t.Fatal("mailtest: the package's TestMain must call mailtest.Main(m) (or mailtest.Run), which stops mailpit after the tests")
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared == nil && startErr == nil {
		shared, startErr = start(nil)
	}
	if startErr != nil {
		t.Fatalf("mailtest: %v", startErr)
	}
	return shared
}

// New starts a mailpit for t alone, with extra mailpit flags (for instance
// "--smtp-allowed-recipients", "--smtp-require-tls"), and stops it when t
// ends. Starting one takes some 25 ms; still, prefer Start when the
// defaults do.
func New(t testing.TB, flags ...string) *Server {
	t.Helper()
	s, err := start(flags)
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	t.Cleanup(s.stop)
	return s
}

// SMTPURL is the server's address in the SMTP_URL form of package mail:
// clear text on loopback. Unless New was given a password file, the server
// accepts any user and password, and none.
func (s *Server) SMTPURL() string { return "smtp://" + s.smtpAddr + "?tls=none" }

// SMTPAddr is the server's SMTP host:port.
func (s *Server) SMTPAddr() string { return s.smtpAddr }

// WebURL is mailpit's web UI, handy to look at a message while debugging a
// test.
func (s *Server) WebURL() string { return s.web }

// Address returns a recipient address that no other test uses, so that a
// test reads only its own mail from a shared server.
func Address(t testing.TB) string {
	name := strings.ToLower(t.Name())
	name = regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(name, "-")
	if len(name) > 40 { // a local part has at most 64 characters
		name = name[:40]
	}
	name = strings.Trim(name, "-")
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return name + "-" + hex.EncodeToString(b) + "@example.com"
}

// Messages returns every message received for the recipient to (To, Cc or
// Bcc, compared case-insensitively), oldest first. Call it from the test's
// goroutine: it fails t when mailpit's API does.
func (s *Server) Messages(t testing.TB, to string) []Message {
	t.Helper()
	msgs, err := s.messages(to)
	if err != nil {
		t.Fatalf("mailtest: read the messages to %s: %v%s", to, err, s.output())
	}
	return msgs
}

// WaitFor returns the oldest message to the recipient to that no earlier
// WaitFor on this server returned, waiting for it up to timeout; so two
// calls return two successive mails. It fails t when none arrives in time.
func (s *Server) WaitFor(t testing.TB, to string, timeout time.Duration) Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		list, err := s.summaries(to)
		if err != nil {
			t.Fatalf("mailtest: read the messages to %s: %v%s", to, err, s.output())
		}
		if id := s.claim(list); id != "" {
			m, err := s.message(id)
			if err != nil {
				t.Fatalf("mailtest: read message %s to %s: %v%s", id, to, err, s.output())
			}
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: no new message to %s within %s (%d already read); see %s", to, timeout, len(list), s.web)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// claim marks the oldest message of list that WaitFor has not returned yet
// as returned, and gives its ID, or "".
func (s *Server) claim(list []summary) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range list {
		if !s.returned[m.ID] {
			s.returned[m.ID] = true
			return m.ID
		}
	}
	return ""
}

// Raw returns message id as it was received, headers and MIME parts
// included: for a test that reads an attachment.
func (s *Server) Raw(t testing.TB, id string) []byte {
	t.Helper()
	res, err := s.http.Get(s.web + "/api/v1/message/" + url.PathEscape(id) + "/raw")
	if err != nil {
		t.Fatalf("mailtest: read message %s: %v", id, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("mailtest: read message %s: %d %v", id, res.StatusCode, err)
	}
	return b
}

// --- starting and stopping ---

func start(extra []string) (*Server, error) {
	bin, err := binary()
	if err != nil {
		return nil, err
	}
	// A free port is picked by the kernel then released for mailpit, so
	// another process may grab it meanwhile; a few attempts make that
	// harmless.
	for attempt := 1; ; attempt++ {
		s, err := launch(bin, extra)
		if err == nil || attempt == 3 || !errors.Is(err, errExitedEarly) {
			return s, err
		}
	}
}

var errExitedEarly = errors.New("mailpit exited before it was ready")

func launch(bin string, extra []string) (*Server, error) {
	smtpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	webAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mailtest-")
	if err != nil {
		return nil, err
	}
	args := []string{
		"--smtp", smtpAddr,
		"--listen", webAddr,
		"--database", filepath.Join(dir, "mailpit.db"),
		"--disable-version-check", // it would call GitHub
		"--smtp-disable-rdns",     // a reverse DNS lookup per connection, slow without DNS
		"--max", "0",              // keep every message: benchmarks send thousands
		"--quiet",
	}
	// Accept any credentials, so that an SMTP_URL with a user works, unless
	// the test brings its own password file; mailpit wants clear-text AUTH
	// allowed explicitly when it has no certificate.
	if !slices.Contains(extra, "--smtp-auth-file") {
		args = append(args, "--smtp-auth-accept-any")
	}
	if !slices.Contains(extra, "--smtp-tls-cert") {
		args = append(args, "--smtp-auth-allow-insecure")
	}
	args = append(args, extra...)
	s := &Server{
		smtpAddr: smtpAddr,
		web:      "http://" + webAddr,
		out:      &tailBuffer{max: 8 << 10},
		dir:      dir,
		http:     &http.Client{Timeout: 10 * time.Second},
		returned: map[string]bool{},
		bin:      bin,
		args:     args,
	}
	if err := s.run(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// run starts the mailpit process of s and waits until it answers.
func (s *Server) run() error {
	s.cmd = exec.Command(s.bin, s.args...)
	s.exited = make(chan struct{})
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start mailpit (%s): %w", s.bin, err)
	}
	exited := s.exited
	cmd := s.cmd
	go func() { cmd.Wait(); close(exited) }() //nolint:errcheck // the exit is reported through s.exited
	if err := s.waitReady(30 * time.Second); err != nil {
		s.kill()
		return err
	}
	return nil
}

// Down stops the server as an outage would: connections to its SMTP port
// are refused until Up. Messages received so far are kept. Use it on a
// server of New, never on the package's shared one.
func (s *Server) Down(t testing.TB) {
	t.Helper()
	s.kill()
}

// Up brings a server that Down stopped back on the same addresses.
func (s *Server) Up(t testing.TB) {
	t.Helper()
	if err := s.run(); err != nil {
		t.Fatalf("mailtest: restart mailpit: %v%s", err, s.output())
	}
}

// waitReady returns once both the web API and SMTP answer: mailpit starts
// them in separate goroutines.
func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("%w: %s%s", errExitedEarly, s.cmd.ProcessState, s.output())
		default:
		}
		if s.ready() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mailpit not ready after %s%s", limit, s.output())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *Server) ready() bool {
	resp, err := s.http.Get(s.web + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	c, err := net.DialTimeout("tcp", s.smtpAddr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// stop kills mailpit: its database is a throw-away temporary file, and a
// graceful shutdown would cost 300 ms per server for nothing.
func (s *Server) stop() {
	s.kill()
	os.RemoveAll(s.dir)
}

func (s *Server) kill() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *Server) output() string {
	if out := strings.TrimSpace(s.out.String()); out != "" {
		return "\nmailpit said:\n" + out
	}
	return ""
}

// binary finds mailpit: VENDREDI_TEST_MAILPIT, else the tool pinned in
// go.mod, built by `go tool -n` into the build cache and run directly. That
// is faster than `go build -o` (0.2 s against 1.3 s: no link each time) and,
// unlike running `go tool mailpit`, leaves no go process between us and
// mailpit to forward (or not) our signals.
func binary() (string, error) {
	binOnce.Do(func() {
		if p := os.Getenv("VENDREDI_TEST_MAILPIT"); p != "" {
			if binPath, binErr = exec.LookPath(p); binErr != nil {
				binErr = fmt.Errorf("VENDREDI_TEST_MAILPIT=%s: %w", p, binErr)
			}
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			binErr = fmt.Errorf("the go command is needed to build mailpit (or set VENDREDI_TEST_MAILPIT): %w", err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, goBin, "tool", "-n", "mailpit")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			binErr = fmt.Errorf("cannot build mailpit with `go tool -n mailpit` (it is pinned in go.mod; `go mod download` fetches it): %v\n%s", err, stderr.String())
			return
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		binPath = strings.TrimSpace(lines[len(lines)-1])
		if _, err := os.Stat(binPath); err != nil {
			binErr = fmt.Errorf("`go tool -n mailpit` printed %q, which is not a file: %v", binPath, err)
		}
	})
	return binPath, binErr
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// tailBuffer keeps the last max bytes of mailpit's output, for error
// messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = b.buf[len(b.buf)-b.max:]
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// --- reading mailpit's API ---

type summary struct {
	ID      string
	To      []mail.Address
	Cc      []mail.Address
	Bcc     []mail.Address
	Created time.Time
}

type fullMessage struct {
	ID       string
	From     *mail.Address
	To       []mail.Address
	Subject  string
	Text     string
	HTML     string
	Username string
}

// summaries lists the messages to the recipient to, oldest first.
func (s *Server) summaries(to string) ([]summary, error) {
	// mailpit's to: search is a substring match, a first cut; the exact
	// comparison is ours.
	var list struct {
		Messages []summary `json:"messages"`
	}
	q := url.Values{"query": {"to:" + to}, "limit": {"1000"}}
	if err := s.get("/api/v1/search?"+q.Encode(), &list); err != nil {
		return nil, err
	}
	var mine []summary
	for _, m := range list.Messages {
		if addressed(m, to) {
			mine = append(mine, m)
		}
	}
	sort.SliceStable(mine, func(i, j int) bool { return mine[i].Created.Before(mine[j].Created) })
	return mine, nil
}

func (s *Server) messages(to string) ([]Message, error) {
	list, err := s.summaries(to)
	if err != nil {
		return nil, err
	}
	out := make([]Message, 0, len(list))
	for _, m := range list {
		msg, err := s.message(m.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, msg)
	}
	return out, nil
}

// message reads one message, with its headers.
func (s *Server) message(id string) (Message, error) {
	var full fullMessage
	if err := s.get("/api/v1/message/"+url.PathEscape(id), &full); err != nil {
		return Message{}, err
	}
	msg := Message{ID: full.ID, To: full.To, Subject: full.Subject, Text: full.Text, HTML: full.HTML,
		Username: full.Username, Links: links(full.HTML, full.Text)}
	if full.From != nil {
		msg.From = *full.From
	}
	if err := s.get("/api/v1/message/"+url.PathEscape(id)+"/headers", &msg.Headers); err != nil {
		return Message{}, err
	}
	return msg, nil
}

func addressed(m summary, to string) bool {
	for _, list := range [][]mail.Address{m.To, m.Cc, m.Bcc} {
		for _, a := range list {
			if strings.EqualFold(a.Address, to) {
				return true
			}
		}
	}
	return false
}

func (s *Server) get(path string, into any) error {
	resp, err := s.http.Get(s.web + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	return json.Unmarshal(body, into)
}

var (
	hrefRE = regexp.MustCompile(`(?i)href\s*=\s*"([^"]*)"`)
	urlRE  = regexp.MustCompile(`https?://[^\s<>"]+`)
)

// links lists the http(s) links of a message, as a person would click them.
func links(htmlBody, text string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(l string) {
		if (strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")) && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	for _, m := range hrefRE.FindAllStringSubmatch(htmlBody, -1) {
		add(html.UnescapeString(m[1]))
	}
	for _, l := range urlRE.FindAllString(text, -1) {
		// Punctuation that ends a sentence is not part of the link.
		add(strings.TrimRight(l, ".,;:!?)]»”'"))
	}
	return out
}

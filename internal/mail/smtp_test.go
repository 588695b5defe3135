package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
)

func TestMain(m *testing.M) { os.Exit(mailtest.Main(m)) }

// wait bounds how long a test waits for a message that should already be
// there: generous, because it only matters when the test fails.
const wait = 10 * time.Second

func newSender(t testing.TB, url string) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(mail.Config{URL: url, From: "L’équipe Vendredi <no-reply@vendredi.localhost>"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAccentsInSubjectAndNamesArriveIntact(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	to := mailtest.Address(t)
	subject := "Invitation : rejoignez « Cœur & Entraide » — été 2020, ça démarre !"
	err := newSender(t, srv.SMTPURL()).Send(context.Background(), mail.Message{
		To:      []mail.Address{{Name: "Zoé Lefèvre-Nuñez", Email: to}},
		Subject: subject,
		Text:    "Bonjour Zoé, à très bientôt.",
	})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, to, wait)
	if got.Subject != subject {
		t.Errorf("subject = %q, want %q", got.Subject, subject)
	}
	if len(got.To) != 1 || got.To[0].Name != "Zoé Lefèvre-Nuñez" || got.To[0].Address != to {
		t.Errorf("to = %+v, want Zoé Lefèvre-Nuñez <%s>", got.To, to)
	}
	if got.From.Name != "L’équipe Vendredi" || got.From.Address != "no-reply@vendredi.localhost" {
		t.Errorf("from = %+v", got.From)
	}
	if !strings.Contains(got.Text, "Bonjour Zoé, à très bientôt.") {
		t.Errorf("text = %q", got.Text)
	}
	// On the wire the headers are 7-bit ASCII (RFC 2047 words): servers
	// without SMTPUTF8 reject raw 8-bit headers.
	for _, h := range []string{"Subject", "To", "From"} {
		for _, v := range got.Headers[h] {
			if strings.IndexFunc(v, func(r rune) bool { return r > 127 }) >= 0 {
				t.Errorf("%s header is not ASCII: %q", h, v)
			}
		}
	}
	if v := got.Headers["Auto-Submitted"]; len(v) != 1 || v[0] != "auto-generated" {
		t.Errorf("Auto-Submitted = %q, want auto-generated (so that vacation responders stay quiet)", v)
	}
}

func TestTextAndHTMLPartsBothArrive(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	to := mailtest.Address(t)
	err := newSender(t, srv.SMTPURL()).Send(context.Background(), mail.Message{
		To:      []mail.Address{{Email: to}},
		Subject: "Deux parties",
		Text:    "Version texte : https://acme.localhost/a",
		HTML:    `<p>Version <b>HTML</b> : <a href="https://acme.localhost/b">lien</a></p>`,
		Headers: map[string]string{"X-Vendredi-Tenant": "acme", "Reply-To": "rh@acme.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, to, wait)
	if !strings.Contains(got.Text, "Version texte") || strings.Contains(got.Text, "<b>") {
		t.Errorf("text part = %q", got.Text)
	}
	if !strings.Contains(got.HTML, "<b>HTML</b>") {
		t.Errorf("HTML part = %q", got.HTML)
	}
	if ct := strings.Join(got.Headers["Content-Type"], ""); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("Content-Type = %q, want multipart/alternative", ct)
	}
	if got.Link("/b") == "" || got.Link("/a") == "" {
		t.Errorf("links = %q, want both the HTML's and the text's", got.Links)
	}
	if v := got.Headers["X-Vendredi-Tenant"]; len(v) != 1 || v[0] != "acme" {
		t.Errorf("X-Vendredi-Tenant = %q", v)
	}
}

// Against a server that requires a password: the right one gets the mail
// through with either mechanism; a wrong or missing one is an operator's
// problem (internal), not something a retry fixes.
func TestCredentials(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(file, []byte("vendredi:s3crét\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := mailtest.New(t, "--smtp-auth-file", file)
	send := func(userinfo, query string) (string, error) {
		to := mailtest.Address(t)
		return to, newSender(t, "smtp://"+userinfo+srv.SMTPAddr()+"?tls=none"+query).Send(context.Background(),
			mail.Message{To: []mail.Address{{Email: to}}, Subject: "Auth", Text: "Authentifié."})
	}
	for _, query := range []string{"", "&auth=plain", "&auth=login"} {
		to, err := send("vendredi:s3cr%C3%A9t@", query)
		if err != nil {
			t.Fatalf("auth %q: %v", query, err)
		}
		got := srv.WaitFor(t, to, wait)
		// mailpit records the user of LOGIN only.
		if query == "&auth=login" && got.Username != "vendredi" {
			t.Errorf("the server saw user %q, want vendredi", got.Username)
		}
	}
	for _, userinfo := range []string{"vendredi:wrong@", ""} {
		if _, err := send(userinfo, ""); !errs.Is(err, errs.Internal) {
			t.Errorf("credentials %q: err = %v, want internal", userinfo, err)
		}
	}
}

func TestConcurrentSendsAllArrive(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	s := newSender(t, srv.SMTPURL())
	to := mailtest.Address(t)
	const n = 20
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errc <- s.Send(context.Background(), mail.Message{
				To: []mail.Address{{Name: "Zoé", Email: to}}, Subject: fmt.Sprintf("Message n°%d", i), Text: "Bonjour",
			})
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Error(err)
		}
	}
	seen := map[string]bool{}
	for range n {
		seen[srv.WaitFor(t, to, wait).Subject] = true
	}
	for i := range n {
		if want := fmt.Sprintf("Message n°%d", i); !seen[want] {
			t.Errorf("%q did not arrive", want)
		}
	}
}

func TestBadAddressIsInvalid(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	s := newSender(t, srv.SMTPURL())
	for _, to := range []string{"", "zoe", "zoe@", "Zoé <zoe@acme.example>", "zoe@acme.example\r\nBcc: eve@evil.example"} {
		err := s.Send(context.Background(), mail.Message{To: []mail.Address{{Email: to}}, Subject: "Bonjour", Text: "Bonjour"})
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("to %q: err = %v, want invalid", to, err)
			continue
		}
		var e *errs.Error
		if errors.As(err, &e); e.Field != "to" {
			t.Errorf("to %q: field = %q, want to", to, e.Field)
		}
	}
}

func TestRecipientRefusedByTheServerIsInvalid(t *testing.T) {
	t.Parallel()
	srv := mailtest.New(t, "--smtp-allowed-recipients", `@acme\.example$`)
	err := newSender(t, srv.SMTPURL()).Send(context.Background(), mail.Message{
		To: []mail.Address{{Email: "nobody@elsewhere.example"}}, Subject: "Bonjour", Text: "Bonjour",
	})
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("err = %v, want invalid", err)
	}
	if len(srv.Messages(t, "nobody@elsewhere.example")) != 0 {
		t.Error("the refused message was stored")
	}
}

func TestIncompleteMessageIsInvalid(t *testing.T) {
	t.Parallel()
	s := newSender(t, "smtp://127.0.0.1:1?tls=none") // never dialled: the message is checked first
	to := []mail.Address{{Email: "zoe@acme.example"}}
	for field, m := range map[string]mail.Message{
		"to":      {Subject: "s", Text: "t"},
		"subject": {To: to, Text: "t"},
		"text":    {To: to, Subject: "s", HTML: "<p>HTML only</p>"},
		"headers": {To: to, Subject: "s", Text: "t", Headers: map[string]string{"From": "eve@evil.example"}},
	} {
		var e *errs.Error
		if err := s.Send(context.Background(), m); !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != field {
			t.Errorf("%s: err = %v, want invalid %s", field, err, field)
		}
	}
}

func TestUnreachableServerIsUnavailable(t *testing.T) {
	t.Parallel()
	addr := closedPort(t)
	err := newSender(t, "smtp://"+addr+"?tls=none").Send(context.Background(), mail.Message{
		To: []mail.Address{{Email: "zoe@acme.example"}}, Subject: "Bonjour", Text: "Bonjour",
	})
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("err = %v, want unavailable", err)
	}
}

// A server that accepts connections and never answers, the way a firewalled
// or overloaded one behaves: Send must give up when its context says so,
// not when the operating system does.
func TestSilentServerRespectsContextDeadline(t *testing.T) {
	t.Parallel()
	addr := silentServer(t, nil)
	s, err := mail.NewSMTP(mail.Config{URL: "smtp://" + addr + "?tls=none", From: "no-reply@vendredi.localhost", Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = sendWithin(t, s, ctx)
	if !errs.Is(err, errs.Unavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want unavailable and deadline exceeded", err)
	}
}

func TestSilentServerRespectsConfiguredTimeout(t *testing.T) {
	t.Parallel()
	addr := silentServer(t, nil)
	s, err := mail.NewSMTP(mail.Config{URL: "smtp://" + addr + "?tls=none", From: "no-reply@vendredi.localhost", Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := sendWithin(t, s, context.Background()); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("err = %v, want unavailable", err)
	}
}

func TestCancelledSendStops(t *testing.T) {
	t.Parallel()
	accepted := make(chan struct{}, 1)
	addr := silentServer(t, accepted)
	s := newSender(t, "smtp://"+addr+"?tls=none")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-accepted; cancel() }()
	if err := sendWithin(t, s, ctx); !errs.Is(err, errs.Unavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want unavailable and canceled", err)
	}
}

func TestSTARTTLSAndImplicitTLS(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := selfSigned(t)
	msg := func(to string) mail.Message {
		return mail.Message{To: []mail.Address{{Email: to}}, Subject: "Chiffré", Text: "Bonjour"}
	}
	for _, tc := range []struct{ mode, flag string }{{"starttls", "--smtp-require-starttls"}, {"tls", "--smtp-require-tls"}} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			srv := mailtest.New(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, tc.flag)
			url := "smtp://vendredi:secret@" + srv.SMTPAddr() + "?auth=login&tls=" + tc.mode
			s, err := mail.NewSMTP(mail.Config{URL: url, From: "no-reply@vendredi.localhost", TLS: &tls.Config{RootCAs: pool}})
			if err != nil {
				t.Fatal(err)
			}
			to := mailtest.Address(t)
			if err := s.Send(context.Background(), msg(to)); err != nil {
				t.Fatal(err)
			}
			if got := srv.WaitFor(t, to, wait); got.Username != "vendredi" {
				t.Errorf("user = %q", got.Username)
			}
			// Without the CA the certificate is not trusted: an
			// operator's problem, not a retry.
			if err := newSender(t, url).Send(context.Background(), msg(to)); !errs.Is(err, errs.Internal) {
				t.Errorf("untrusted certificate: err = %v, want internal", err)
			}
		})
	}
}

// SMTP_URL defaults to mandatory STARTTLS: a server without it is refused
// with a hint, never used in clear text.
func TestMissingSTARTTLSIsRefused(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	to := mailtest.Address(t)
	err := newSender(t, "smtp://"+srv.SMTPAddr()).Send(context.Background(), mail.Message{
		To: []mail.Address{{Email: to}}, Subject: "Bonjour", Text: "Bonjour",
	})
	if !errs.Is(err, errs.Internal) || !strings.Contains(err.Error(), "tls=none") {
		t.Fatalf("err = %v, want internal with a hint about tls=none", err)
	}
	if len(srv.Messages(t, to)) != 0 {
		t.Error("the message went out in clear text")
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	for _, tc := range []struct{ url, from, field string }{
		{"", "no-reply@vendredi.localhost", "SMTP_URL"},
		{"http://mail.example:25", "no-reply@vendredi.localhost", "SMTP_URL"},
		{"smtp://mail.example?tls=maybe", "no-reply@vendredi.localhost", "SMTP_URL"},
		{"smtp://mail.example?tsl=none", "no-reply@vendredi.localhost", "SMTP_URL"},
		{"smtp://mail.example:99999", "no-reply@vendredi.localhost", "SMTP_URL"},
		{"smtp://user:hunter2@mail.example?tls=none", "no-reply@vendredi.localhost", "SMTP_URL"},
		{"smtp://mail.example", "", "MAIL_FROM"},
		{"smtp://mail.example", "Vendredi <no-reply>", "MAIL_FROM"},
	} {
		_, err := mail.NewSMTP(mail.Config{URL: tc.url, From: tc.from})
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != tc.field {
			t.Errorf("%q, %q: err = %v, want invalid %s", tc.url, tc.from, err, tc.field)
			continue
		}
		if strings.Contains(e.Error(), "hunter2") {
			t.Errorf("the error shows the password: %v", e)
		}
	}
	s, err := mail.NewSMTP(mail.Config{URL: "smtps://user:hunter2@mail.example", From: "Vendredi <no-reply@vendredi.localhost>"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.String(); got != "smtp://mail.example:465?tls=tls" {
		t.Errorf("String() = %q", got)
	}
}

// sendWithin sends a message and fails the test if Send is still blocked
// long after every deadline involved has passed: a watchdog against a hang,
// not a measure of speed.
func sendWithin(t *testing.T, s *mail.SMTP, ctx context.Context) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		done <- s.Send(ctx, mail.Message{To: []mail.Address{{Email: "zoe@acme.example"}}, Subject: "Bonjour", Text: "Bonjour"})
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Send is still blocked 30 s later: it ignores its context or timeout")
		return nil
	}
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// silentServer accepts connections and never says a word; accepted, if
// not nil, hears of each connection.
func silentServer(t *testing.T, accepted chan<- struct{}) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if accepted != nil {
				accepted <- struct{}{}
			}
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns a
// pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailpit test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

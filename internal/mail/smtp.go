package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// DefaultTimeout bounds one Send, from dialling to the server's answer to the
// message. Sends happen while a person waits for their sign-in link, so a
// server that does not answer must fail fast rather than hold the request.
const DefaultTimeout = 10 * time.Second

// Config says where and as whom to send.
type Config struct {
	// URL is the SMTP server (SMTP_URL):
	//
	//	smtp://[user:password@]host[:port][?tls=none|starttls|tls][&auth=plain|login|cram-md5]
	//
	// tls defaults to starttls (mandatory: a server without STARTTLS is an
	// error, never a silent fall back to clear text); smtps:// means tls=tls.
	// The port defaults to 587 (starttls), 465 (tls) or 25 (none). auth
	// defaults to plain and is used only when a user is given. Mailpit in
	// development: smtp://127.0.0.1:1025?tls=none.
	URL string
	// From is the sender (MAIL_FROM), "Name <email>" or a bare email, for
	// example "Vendredi <no-reply@vendredi.localhost>".
	From string
	// Timeout bounds each Send; zero means DefaultTimeout.
	Timeout time.Duration
	// TLS overrides the TLS settings, for instance to trust a private CA.
	// ServerName defaults to the URL's host.
	TLS *tls.Config
}

type tlsMode string

const (
	tlsNone     tlsMode = "none"
	tlsStartTLS tlsMode = "starttls"
	tlsImplicit tlsMode = "tls"
)

// SMTP sends through an SMTP server, one connection per message. It is safe
// for concurrent use. A connection per message costs a round trip or two
// but needs no pool to babysit, and our volume (sign-ins, invitations) is far
// from where that matters; see docs/mail.md for the measured cost.
type SMTP struct {
	host     string
	port     int
	mode     tlsMode
	auth     gomail.SMTPAuthType
	user     string
	password string
	from     Address
	timeout  time.Duration
	tls      *tls.Config
}

// NewSMTP checks cfg and returns a sender; it does not connect, so that the
// product starts even when the mail server is down. A bad setting is an
// errs.Invalid whose Field names the variable (SMTP_URL, MAIL_FROM).
func NewSMTP(cfg Config) (*SMTP, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" || u.Opaque != "" {
		// url.Parse errors quote the URL, password included: keep them out.
		return nil, errs.Field("SMTP_URL", "SMTP_URL is not a URL of the form smtp://[user:password@]host[:port][?tls=none|starttls|tls]")
	}
	s := &SMTP{host: u.Hostname(), timeout: cfg.Timeout, mode: tlsStartTLS}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.mode = tlsImplicit
	default:
		return nil, errs.Field("SMTP_URL", "SMTP_URL: scheme %q: want smtp or smtps", u.Scheme)
	}
	q := u.Query()
	for k := range q {
		if k != "tls" && k != "auth" {
			return nil, errs.Field("SMTP_URL", "SMTP_URL: unknown parameter %q (known: tls, auth)", k)
		}
	}
	if v := q.Get("tls"); v != "" {
		switch m := tlsMode(v); m {
		case tlsNone, tlsStartTLS, tlsImplicit:
			s.mode = m
		default:
			return nil, errs.Field("SMTP_URL", "SMTP_URL: tls=%q: want none, starttls or tls", v)
		}
	}
	switch p := u.Port(); {
	case p != "":
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, errs.Field("SMTP_URL", "SMTP_URL: port %q is not a port number", p)
		}
		s.port = n
	case s.mode == tlsImplicit:
		s.port = 465
	case s.mode == tlsStartTLS:
		s.port = 587
	default:
		s.port = 25
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
		switch a := q.Get("auth"); a {
		case "", "plain":
			s.auth = gomail.SMTPAuthPlain
		case "login":
			s.auth = gomail.SMTPAuthLogin
		case "cram-md5":
			s.auth = gomail.SMTPAuthCramMD5
		default:
			return nil, errs.Field("SMTP_URL", "SMTP_URL: auth=%q: want plain, login or cram-md5", a)
		}
		if s.mode == tlsNone && !isLoopback(s.host) && s.auth != gomail.SMTPAuthCramMD5 {
			return nil, errs.Field("SMTP_URL", "SMTP_URL: tls=none would send the password in clear text to %s; use starttls or tls", s.host)
		}
	}
	if cfg.TLS != nil {
		s.tls = cfg.TLS.Clone()
	} else {
		s.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if s.tls.ServerName == "" {
		s.tls.ServerName = s.host
	}
	if strings.TrimSpace(cfg.From) == "" {
		return nil, errs.Field("MAIL_FROM", "MAIL_FROM, the sender address, is not set (for example: Vendredi <no-reply@vendredi.localhost>)")
	}
	if s.from, err = ParseAddress(cfg.From); err != nil {
		return nil, errs.Field("MAIL_FROM", "MAIL_FROM: %q is not an address such as: Vendredi <no-reply@vendredi.localhost>", cfg.From)
	}
	return s, nil
}

// From is the sender of every message.
func (s *SMTP) From() Address { return s.from }

// String describes the server without its password, for logs.
func (s *SMTP) String() string {
	return fmt.Sprintf("smtp://%s?tls=%s", net.JoinHostPort(s.host, strconv.Itoa(s.port)), s.mode)
}

// Send implements Sender.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	// One bound for the whole exchange: go-mail's own timeout applies per
	// network operation, so a slow server could otherwise hold a request
	// for several timeouts.
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return errs.Wrap(err, errs.Unavailable, "the email was not sent: no time left to reach the mail server")
	}
	var stop func() bool
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		// Closing the connection is the only way to interrupt a blocked
		// read or write when ctx ends mid-exchange.
		stop = context.AfterFunc(ctx, func() { conn.Close() })
		if s.mode != tlsImplicit {
			return conn, nil
		}
		tc := tls.Client(conn, s.tls)
		if err := tc.HandshakeContext(dctx); err != nil {
			conn.Close()
			return nil, err
		}
		return tc, nil
	}
	// Implicit TLS is done by dial; go-mail must not try STARTTLS on top.
	policy := gomail.NoTLS
	if s.mode == tlsStartTLS {
		policy = gomail.TLSMandatory
	}
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(s.timeout),
		gomail.WithDialContextFunc(dial),
		gomail.WithTLSConfig(s.tls),
		gomail.WithTLSPolicy(policy),
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(s.auth), gomail.WithUsername(s.user), gomail.WithPassword(s.password))
	}
	// A client per message: dial closes over this message's ctx, and
	// building a client is only setting fields.
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return errs.Wrap(err, errs.Internal, "the email was not sent")
	}
	err = c.DialAndSendWithContext(ctx, msg)
	if stop != nil {
		stop()
	}
	if err == nil {
		return nil
	}
	return s.classify(ctx, err)
}

func (s *SMTP) build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromFormat(s.from.Name, s.from.Email) //nolint:errcheck // checked by NewSMTP
	for _, a := range m.To {
		if err := msg.AddToFormat(a.Name, a.Email); err != nil {
			return nil, errs.Wrap(err, errs.Invalid, "%q is not an email address", a.Email)
		}
	}
	msg.Subject(oneLine(m.Subject))
	msg.SetDate()
	// The sender's domain, not this machine's host name, which would leak
	// into every message and can make spam filters frown.
	id := m.ID
	if id == "" {
		id = randomID()
	}
	msg.SetMessageIDWithValue(id + "@" + domainOf(s.from.Email))
	// RFC 3834: tells vacation responders not to answer a robot.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(textproto.CanonicalMIMEHeaderKey(k)), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, errs.Wrap(err, errs.Invalid, "attachment %q", a.Name)
		}
	}
	return msg, nil
}

// classify maps a failed exchange to the codes documented on Sender.
func (s *SMTP) classify(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return errs.Wrap(errors.Join(ctxErr, err), errs.Unavailable,
			"the email was not sent: the mail server did not answer in time")
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		switch {
		case se.IsTemp():
			return errs.Wrap(err, errs.Unavailable, "the email was not sent: the mail server is busy, try again later")
		case se.Reason == gomail.ErrSMTPRcptTo:
			return &errs.Error{Code: errs.Invalid, Field: "to", Err: err,
				Message: "the mail server refused the recipient address"}
		case se.Reason == gomail.ErrConnCheck:
			return errs.Wrap(err, errs.Unavailable, "the email was not sent: the connection to the mail server was lost")
		}
		return errs.Wrap(err, errs.Internal, "the email was not sent: the mail server refused it (%s)", s)
	}
	var tpe *textproto.Error
	if errors.As(err, &tpe) {
		if tpe.Code >= 400 && tpe.Code < 500 {
			return errs.Wrap(err, errs.Unavailable, "the email was not sent: the mail server is busy, try again later")
		}
		// Authentication refused and the like: only an operator can fix it.
		return errs.Wrap(err, errs.Internal, "the email was not sent: the mail server refused us (%s)", s)
	}
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) {
		return errs.Wrap(err, errs.Internal, "the email was not sent: the mail server's certificate is not trusted (%s)", s)
	}
	// go-mail has no sentinel for this one. It is the usual slip in
	// development (mailpit without ?tls=none), or a downgrade attack: never
	// something a retry fixes.
	if strings.Contains(err.Error(), "does not support STARTTLS") {
		return errs.Wrap(err, errs.Internal, "the email was not sent: the mail server does not offer STARTTLS (%s); "+
			"for a development server such as mailpit, add ?tls=none to SMTP_URL", s)
	}
	// Refused connections, resets, DNS failures…: the server is not usable
	// right now.
	return errs.Wrap(err, errs.Unavailable, "the email was not sent: the mail server cannot be reached (%s)", s)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func domainOf(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return email[i+1:]
	}
	return "localhost"
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

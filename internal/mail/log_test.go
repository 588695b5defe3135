package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/mail"
)

// Without SMTP_URL, development still works: the mail, link included, is in
// the log, and the log says it was not sent.
func TestOpenWithoutSMTPLogsInDevelopment(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	s, err := mail.Open(mail.Config{From: "Vendredi <no-reply@vendredi.localhost>"}, log, true)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.Render(mail.TemplateSignIn, "fr", mail.SignIn{Link: "https://acme.localhost/auth/xyz", ValidFor: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	m.To = []mail.Address{{Email: "zoe@acme.example"}}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SMTP_URL is not set", "not sent", "zoe@acme.example", "https://acme.localhost/auth/xyz"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}
	if err := s.Send(context.Background(), mail.Message{To: []mail.Address{{Email: "zoe"}}, Subject: "s", Text: "t"}); !errs.Is(err, errs.Invalid) {
		t.Errorf("a bad address passes the log sender: %v", err)
	}
}

// In production a missing SMTP_URL stops the start instead of silently
// dropping every invitation.
func TestOpenWithoutSMTPFailsInProduction(t *testing.T) {
	_, err := mail.Open(mail.Config{From: "no-reply@vendredi.localhost"}, slog.Default(), false)
	if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "SMTP_URL") {
		t.Fatalf("err = %v, want invalid SMTP_URL", err)
	}
}

package mail

import (
	"context"
	"log/slog"
	"strings"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// LogSender is the development fallback when no SMTP server is configured:
// it sends nothing and logs each message, text body included, so that a
// developer can still follow a sign-in link from the terminal. Links in
// those logs are credentials: it is not for production (there, Open with
// allowLog false refuses a missing SMTP_URL) nor for tests, which use a real
// server (package mailtest).
type LogSender struct {
	Log  *slog.Logger
	From Address
}

// Send validates m like the SMTP sender does, then logs it.
func (l LogSender) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	to := make([]string, len(m.To))
	for i, a := range m.To {
		to[i] = a.String()
	}
	l.Log.InfoContext(ctx, "mail not sent (no SMTP_URL): logged instead",
		"from", l.From.String(), "to", strings.Join(to, ", "), "subject", m.Subject, "text", m.Text)
	return nil
}

// Open returns the product's sender: SMTP when cfg.URL is set, else, when
// allowLog is true (development), a LogSender after a warning saying mails
// are only logged. With allowLog false a missing SMTP_URL is an errs.Invalid,
// so that production cannot silently drop every invitation.
func Open(cfg Config, log *slog.Logger, allowLog bool) (Sender, error) {
	if cfg.URL != "" || !allowLog {
		if cfg.URL == "" {
			return nil, errs.Field("SMTP_URL", "SMTP_URL is not set; mail cannot be sent (for development: smtp://127.0.0.1:1025?tls=none with mailpit)")
		}
		return NewSMTP(cfg)
	}
	from := Address{Name: "Vendredi", Email: "no-reply@vendredi.localhost"}
	if cfg.From != "" {
		a, err := ParseAddress(cfg.From)
		if err != nil {
			return nil, errs.Field("MAIL_FROM", "MAIL_FROM: %q is not an address such as: Vendredi <no-reply@vendredi.localhost>", cfg.From)
		}
		from = a
	}
	log.Warn("SMTP_URL is not set: mails are written to this log, not sent")
	return LogSender{Log: log, From: from}, nil
}

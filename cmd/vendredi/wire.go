package main

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/wiring"
	"github.com/vendredi-app/vendredi/tenants"
)

// mailFlags configure outgoing mail, for serve and for onboarding from the
// command line.
func mailFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "smtp-url", Usage: "SMTP server, smtp://[user:pass@]host[:port]?tls=none|starttls|tls " +
			"(development: smtp://127.0.0.1:1025?tls=none, mailpit); unset on a localhost base domain, mails are logged",
			Sources: cli.EnvVars("SMTP_URL")},
		&cli.StringFlag{Name: "mail-from", Usage: "sender of the product's mails", Value: "Vendredi <no-reply@vendredi.localhost>",
			Sources: cli.EnvVars("MAIL_FROM")},
		&cli.DurationFlag{Name: "smtp-timeout", Usage: "longest wait for the SMTP server per mail", Value: mail.DefaultTimeout,
			Sources: cli.EnvVars("SMTP_TIMEOUT"), Validator: positiveDuration("SMTP_TIMEOUT")},
	}
}

// isLocal reports whether the base domain is a developer's machine, where
// cookies travel over plain HTTP and mails may be logged instead of sent.
func isLocal(base string) bool {
	if _, rest, ok := strings.Cut(base, "://"); ok {
		base = rest
	}
	host := strings.Split(strings.Split(base, "/")[0], ":")[0]
	return host == "localhost" || strings.HasSuffix(host, ".localhost") || host == "127.0.0.1"
}

// mailSender is the product's way out for mails.
func mailSender(cmd *cli.Command, local bool) (mail.Sender, error) {
	sender, err := mail.Open(mail.Config{URL: cmd.String("smtp-url"), From: cmd.String("mail-from"),
		Timeout: cmd.Duration("smtp-timeout")}, slog.Default(), local)
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return sender, nil
}

// identityService wires the identity flows to PostgreSQL and the mail
// server, as serve does; links in its mails point under links.
func identityService(db *postgres.DB, sender jobs.Outbox, links tenants.Addresses) *identity.Service {
	cfg := identity.DefaultConfig()
	cfg.Links = links
	return wiring.Identity(db, sender, cfg)
}

// Package mail is the seam through which Vendredi sends email: sign-in
// links, password resets, invitations and notices.
//
// Domain code builds a Message (usually with Render, from the embedded FR and
// EN templates) and hands it to a Sender. The product sends through SMTP
// (NewSMTP, configured by SMTP_URL and MAIL_FROM); development without an SMTP
// server falls back to LogSender, which only logs. Tests use a real SMTP
// server, mailpit, started by the mailtest package: never a fake Sender, so
// that encoding, MIME structure and failure codes are what production gets.
package mail

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Sender sends one message.
//
// Failures are *errs.Error values:
//   - errs.Invalid (Field "to", "subject", "text" or "headers"): the message
//     cannot be sent as it is, for instance a recipient that is not an email
//     address or that the server refuses outright (5xx on RCPT TO). Retrying
//     will not help.
//   - errs.Unavailable: the server cannot be reached, does not answer in time
//     (the configured timeout or ctx's deadline, whichever comes first), was
//     cancelled through ctx, or answered with a temporary (4xx) failure.
//     Retrying later may work; errors.Is(err, context.DeadlineExceeded) and
//     context.Canceled tell the context cases apart.
//   - errs.Internal: the server refused us for a reason that only an operator
//     can fix (authentication, an untrusted certificate, a refused sender).
//
// A nil error means the server accepted the message for delivery, not that it
// reached an inbox.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Address is a mailbox with an optional display name.
type Address struct {
	Name  string // shown by mail clients, may hold any Unicode ("Zoé Lefèvre")
	Email string // the bare address: "zoe@acme.example"
}

// String formats a as an RFC 5322 address; the name is RFC 2047-encoded
// when it is not plain ASCII.
func (a Address) String() string {
	return (&mail.Address{Name: a.Name, Address: a.Email}).String()
}

// ParseAddress parses "Name <email>" or a bare email, as in MAIL_FROM.
func ParseAddress(s string) (Address, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil {
		return Address{}, errs.Wrap(err, errs.Invalid, "%q is not an email address", s)
	}
	return Address{Name: a.Name, Email: a.Address}, nil
}

// Message is one email. Render fills Subject, Text and HTML from a template;
// the caller sets To.
type Message struct {
	To      []Address
	Subject string
	// Text is the plain-text body; it is required, because some people read
	// mail as text only and spam filters distrust HTML-only mail.
	Text string
	// HTML is the optional HTML alternative of Text.
	HTML string
	// Headers are extra header fields (for instance Reply-To or
	// X-Vendredi-Tenant). The fields that the sender writes itself (From,
	// To, Subject, Date, MIME ones…) cannot be set here.
	Headers map[string]string
	// ID, when set, is the local part of the Message-ID. The outbox sets
	// one per mail, kept across retries: a mail sent again after a worker
	// died between the server's answer and the job's completion carries
	// the same Message-ID, by which receivers drop the second copy.
	ID string `json:",omitempty"`
	// Attachments are files sent with the message (a mission's .ics).
	Attachments []Attachment `json:",omitempty"`
}

// Attachment is a file sent with a message.
type Attachment struct {
	Name        string // "mission.ics"
	ContentType string // "text/calendar; method=PUBLISH; charset=utf-8"
	Data        []byte
}

// reserved are the header fields a Message may not set: the sender writes
// them, and letting a caller override them would let it forge the sender or
// break the MIME structure.
var reserved = map[string]bool{
	"from": true, "sender": true, "to": true, "cc": true, "bcc": true, "subject": true,
	"date": true, "message-id": true, "mime-version": true, "content-type": true,
	"content-transfer-encoding": true, "return-path": true,
}

// Validate reports the first reason m cannot be sent, as an errs.Invalid with
// the Field at fault, or nil.
func (m Message) Validate() error {
	if len(m.To) == 0 {
		return errs.Field("to", "the message has no recipient")
	}
	for _, a := range m.To {
		if err := validEmail(a.Email); err != nil {
			return err
		}
	}
	if strings.TrimSpace(m.Subject) == "" {
		return errs.Field("subject", "the message has no subject")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return errs.Field("subject", "the subject must be one line")
	}
	if m.ID != "" && !isToken(m.ID) || strings.ContainsAny(m.ID, "<>@") {
		return errs.Field("id", "the message id must be one word without <, > or @")
	}
	for _, a := range m.Attachments {
		if a.Name == "" || strings.ContainsAny(a.Name, "\r\n\"/\\") || a.ContentType == "" || strings.ContainsAny(a.ContentType, "\r\n") {
			return errs.Field("attachments", "an attachment needs a plain file name and a content type")
		}
	}
	if strings.TrimSpace(m.Text) == "" {
		return errs.Field("text", "the message has no text body")
	}
	for k, v := range m.Headers {
		if !isToken(k) {
			return errs.Field("headers", "%q is not a header field name", k)
		}
		if reserved[strings.ToLower(k)] {
			return errs.Field("headers", "the %s header is set by the sender, not by the message", k)
		}
		if strings.ContainsAny(v, "\r\n") {
			return errs.Field("headers", "the %s header must be one line", k)
		}
	}
	return nil
}

// validEmail accepts a bare address only: a name or angle brackets in Email
// mean the caller mixed up the fields, and would be silently dropped.
func validEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return &errs.Error{Code: errs.Invalid, Field: "to", Message: fmt.Sprintf("%q is not an email address", s), Err: err}
	}
	return nil
}

// isToken reports whether s is a valid header field name (RFC 5322 ftext).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

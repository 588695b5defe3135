package mail

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/notify"
	"github.com/vendredi-app/vendredi/tenants"
)

// The weekly digests.
const (
	TemplateHRDigest          = "digest-hr"          // HRDigest
	TemplateAssociationDigest = "digest-association" // AssociationDigest
)

// HRDigest is a company's week, for its HR admins.
type HRDigest struct {
	Company      string
	Week         string // "lundi 30 novembre"
	SignUps      int
	Validated    int
	Hours        string // "12,5"
	HoursPending int
	Ending       []EndingLine
	Link         string // the campaigns, as HR admins manage them
	Unsubscribe  string // turns digests off, one click
}

// EndingLine is a campaign near its end.
type EndingLine struct{ Name, Ends string }

func (d HRDigest) check() error {
	return firstErr(required("Company", d.Company), required("Week", d.Week), checkLink(d.Link), checkLink(d.Unsubscribe))
}

// AssociationDigest is a manager's week, over their associations.
type AssociationDigest struct {
	Week         string
	Associations []notify.AssociationFigures
	Link         string
	Unsubscribe  string
}

func (d AssociationDigest) check() error {
	if len(d.Associations) == 0 {
		return errs.Field("Associations", "nothing to tell")
	}
	return firstErr(required("Week", d.Week), checkLink(d.Link), checkLink(d.Unsubscribe))
}

// UnsubscribePath is the one-click unsubscribe page, under a site.
const UnsubscribePath = "/unsubscribe"

// UnsubscribeLink is the link that turns a kind of mail off, on site.
func UnsubscribeLink(site, token string) string {
	return strings.TrimSuffix(site, "/") + UnsubscribePath + "?token=" + url.QueryEscape(token)
}

// WithUnsubscribe gives m the headers with which mail clients offer their
// own unsubscribe button (RFC 2369), that unsubscribes with one POST,
// without a page or a sign-in (RFC 8058).
func WithUnsubscribe(m *Message, link string) {
	if m.Headers == nil {
		m.Headers = map[string]string{}
	}
	m.Headers["List-Unsubscribe"] = "<" + link + ">"
	m.Headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
}

// DigestNotifier renders the weekly digests and sends them (through the
// outbox).
type DigestNotifier struct {
	Sender Sender
	// BaseURL is the platform's address (associations' links).
	BaseURL string
	// CompanyURL is a company's address.
	CompanyURL func(t *tenants.Tenant) string
}

var _ notify.DigestMailer = DigestNotifier{}

// day says a date in locale: "lundi 30 novembre", "Monday 30 November".
func day(t time.Time, locale string) string {
	w := When(t, locale)
	if i := strings.LastIndex(w, " à "); i > 0 {
		return w[:i]
	}
	if i := strings.LastIndex(w, " at "); i > 0 {
		return w[:i]
	}
	return w
}

// HRDigest implements notify.DigestMailer, in the company's language.
func (n DigestNotifier) HRDigest(ctx context.Context, to notify.Recipient, t *tenants.Tenant, week time.Time, f *notify.HRFigures, token string) error {
	site := n.CompanyURL(t)
	hours := strconv.FormatFloat(f.Hours, 'f', -1, 64)
	if Locale(t.Locale) == "fr" {
		hours = strings.ReplaceAll(hours, ".", ",")
	}
	d := HRDigest{Company: t.Name, Week: day(week.Add(12*time.Hour), t.Locale), SignUps: f.SignUps, Validated: f.Validated,
		Hours: hours, HoursPending: f.HoursPending, Link: strings.TrimSuffix(site, "/") + "/admin/campaigns",
		Unsubscribe: UnsubscribeLink(site, token)}
	if f.Hours == 0 {
		d.Hours = ""
	}
	for _, c := range f.Ending {
		d.Ending = append(d.Ending, EndingLine{Name: c.Name, Ends: day(c.EndsOn.Add(12*time.Hour), t.Locale)})
	}
	m, err := Render(TemplateHRDigest, t.Locale, d)
	if err != nil {
		return err
	}
	m.To = []Address{{Name: to.Name, Email: to.Email}}
	WithUnsubscribe(&m, d.Unsubscribe)
	return n.Sender.Send(ctx, m)
}

// AssociationDigest implements notify.DigestMailer, in French, the
// associations' language on the platform.
func (n DigestNotifier) AssociationDigest(ctx context.Context, to notify.Recipient, week time.Time, f []notify.AssociationFigures, token string) error {
	link := strings.TrimSuffix(n.BaseURL, "/") + "/associations/" + f[0].AssociationID.String() + "/applicants"
	d := AssociationDigest{Week: day(week.Add(12*time.Hour), "fr"), Associations: f, Link: link,
		Unsubscribe: UnsubscribeLink(n.BaseURL, token)}
	m, err := Render(TemplateAssociationDigest, "fr", d)
	if err != nil {
		return err
	}
	m.To = []Address{{Name: to.Name, Email: to.Email}}
	WithUnsubscribe(&m, d.Unsubscribe)
	return n.Sender.Send(ctx, m)
}

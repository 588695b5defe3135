package mail

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// The templates, one file per message and locale: templates/NAME.LOCALE.tmpl
// defines "subject" and "text" (text/template) and "html" (html/template,
// wrapped in the layout of templates/layout.html.tmpl).
//
//go:embed templates/*.tmpl
var templateFS embed.FS

// Template names, for Render. Each takes the data type of the same name.
const (
	TemplateInvitation          = "invitation"           // Invitation
	TemplateSignIn              = "signin"               // SignIn
	TemplatePasswordReset       = "password-reset"       // PasswordReset
	TemplateCoManagerInvitation = "comanager-invitation" // CoManagerInvitation
	TemplateMissionFlagged      = "mission-flagged"      // MissionFlagged
	TemplateVerifyEmail         = "verify-email"         // VerifyEmail
	TemplateMissionPlaces       = "mission-places"       // MissionPlaces
	TemplateParticipation       = "participation"        // ParticipationUpdate
	TemplateLateApplications    = "late-applications"    // LateApplications
	TemplateAssociationClaim    = "association-claim"    // AssociationClaim
)

// Locales are the languages of the templates, the default first.
var Locales = []string{"fr", "en"}

// Invitation: a company invites an employee, or an HR admin, to its space.
type Invitation struct {
	Company  string        // "Acme"
	Inviter  string        // who invites, "Claire Martin"; may be empty
	Admin    bool          // invited to run the company's space (HR admin), not only to volunteer
	Link     string        // accepts the invitation
	ValidFor time.Duration // how long Link works
}

// SignIn: a magic link that signs the recipient in.
type SignIn struct {
	Link     string
	ValidFor time.Duration
}

// PasswordReset: a link to choose a new password.
type PasswordReset struct {
	Link     string
	ValidFor time.Duration
}

// CoManagerInvitation: a manager of an association invites someone to
// manage it with them.
type CoManagerInvitation struct {
	Association string // "Les Restos du Cœur"
	Inviter     string // "Karim Benali"
	Link        string
	ValidFor    time.Duration
}

// MissionFlagged tells an association's managers that one of their missions
// was flagged for review.
type MissionFlagged struct {
	Mission string // the mission's title
	Reason  string // why, as written by whoever flagged it
	Link    string // the mission, to review or edit it
}

// VerifyEmail: confirm the address given at sign-up (an employee joining
// their company, or an association manager).
type VerifyEmail struct {
	Space    string // the company or association joined
	Link     string
	ValidFor time.Duration
}

// AssociationClaim tells someone who asked to manage an association
// already on Vendredi what staff decided: Approved, or not with Reason.
type AssociationClaim struct {
	Association string
	Approved    bool
	Reason      string
	Link        string // the sign-in page
}

func (d AssociationClaim) check() error {
	if !d.Approved {
		if err := required("Reason", d.Reason); err != nil {
			return err
		}
	}
	return firstErr(required("Association", d.Association), checkLink(d.Link))
}

// MissionPlaces tells an association's managers that a mission is almost
// full (one place left) or full.
type MissionPlaces struct {
	Mission string
	Full    bool
	Places  int
	Link    string
}

// ParticipationUpdate tells a volunteer what became of their sign-up:
// Event is promoted (a place freed for them), validated, refused or
// mission_flagged (the mission was withdrawn).
type ParticipationUpdate struct {
	Event   string
	Mission string
	Reason  string // why, for a refusal or a flag
	Link    string // their participations
}

// LateApplications reminds an association's managers, or a company's HR
// admins, of applications left unanswered for Days days.
type LateApplications struct {
	ForAssociation bool
	Days           int
	Lines          []string // "Karim Benali — Soutien scolaire (Acme)"
	Link           string
}

func (d LateApplications) check() error {
	if len(d.Lines) == 0 {
		return errs.Field("Lines", "no application to remind")
	}
	return checkLink(d.Link)
}

func (d ParticipationUpdate) check() error {
	switch d.Event {
	case "promoted", "validated", "refused", "mission_flagged":
	default:
		return errs.Field("Event", "event %q is not one of promoted, validated, refused, mission_flagged", d.Event)
	}
	return firstErr(required("Mission", d.Mission), checkLink(d.Link))
}

func (d MissionPlaces) check() error {
	return firstErr(required("Mission", d.Mission), checkLink(d.Link))
}

func (d VerifyEmail) check() error {
	return firstErr(required("Space", d.Space), checkLink(d.Link), checkValidity(d.ValidFor))
}

func (d Invitation) check() error {
	return firstErr(required("Company", d.Company), checkLink(d.Link), checkValidity(d.ValidFor))
}
func (d SignIn) check() error { return firstErr(checkLink(d.Link), checkValidity(d.ValidFor)) }
func (d PasswordReset) check() error {
	return firstErr(checkLink(d.Link), checkValidity(d.ValidFor))
}
func (d CoManagerInvitation) check() error {
	return firstErr(required("Association", d.Association), required("Inviter", d.Inviter),
		checkLink(d.Link), checkValidity(d.ValidFor))
}
func (d MissionFlagged) check() error {
	return firstErr(required("Mission", d.Mission), required("Reason", d.Reason), checkLink(d.Link))
}

// dataTypes ties each template to its data type, so that passing the wrong
// one fails loudly instead of rendering an email with holes.
var dataTypes = map[string]func(any) (checker, bool){
	TemplateInvitation:          as[Invitation],
	TemplateSignIn:              as[SignIn],
	TemplatePasswordReset:       as[PasswordReset],
	TemplateCoManagerInvitation: as[CoManagerInvitation],
	TemplateMissionFlagged:      as[MissionFlagged],
	TemplateVerifyEmail:         as[VerifyEmail],
	TemplateMissionPlaces:       as[MissionPlaces],
	TemplateParticipation:       as[ParticipationUpdate],
	TemplateLateApplications:    as[LateApplications],
	TemplateCampaignLaunch:      as[CampaignLaunch],
	TemplateAssociationClaim:    as[AssociationClaim],
	TemplateReminder:            as[Reminder],
	TemplateAttendance:          as[AttendanceQuestion],
	TemplateHRDigest:            as[HRDigest],
	TemplateAssociationDigest:   as[AssociationDigest],
}

type checker interface{ check() error }

func as[T checker](data any) (checker, bool) {
	switch d := data.(type) {
	case T:
		return d, true
	case *T:
		if d != nil {
			return *d, true
		}
	}
	return nil, false
}

type compiled struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// templates holds every NAME.LOCALE; parsed at start-up because they are
// embedded: a broken template is a bug that the first test run must show.
var templates = mustParse()

// Render builds the subject and bodies of template name in locale ("fr",
// "en", or a tag like "fr-FR"; anything else falls back to French, the
// product's first language). The caller sets To. data must be the type of
// the same name as the template (see the Template constants); a missing
// field is an errs.Invalid naming it.
func Render(name, locale string, data any) (Message, error) {
	asType, ok := dataTypes[name]
	if !ok {
		return Message{}, errs.E(errs.Internal, "mail: no template %q", name)
	}
	d, ok := asType(data)
	if !ok {
		return Message{}, errs.E(errs.Internal, "mail: template %q cannot render a %T", name, data)
	}
	if err := d.check(); err != nil {
		return Message{}, err
	}
	t := templates[name+"."+Locale(locale)]
	var subject, text, html strings.Builder
	if err := t.text.ExecuteTemplate(&subject, "subject", d); err != nil {
		return Message{}, errs.Wrap(err, errs.Internal, "mail: render %s", name)
	}
	if err := t.text.ExecuteTemplate(&text, "text", d); err != nil {
		return Message{}, errs.Wrap(err, errs.Internal, "mail: render %s", name)
	}
	if err := t.html.ExecuteTemplate(&html, "layout", d); err != nil {
		return Message{}, errs.Wrap(err, errs.Internal, "mail: render %s", name)
	}
	return Message{
		Subject: oneLine(subject.String()),
		Text:    strings.TrimSpace(text.String()) + "\n",
		HTML:    html.String(),
	}, nil
}

// Locale returns the supported locale closest to tag: its language when we
// have it, else the default.
func Locale(tag string) string {
	lang, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	lang, _, _ = strings.Cut(lang, "_")
	for _, l := range Locales {
		if l == lang {
			return l
		}
	}
	return Locales[0]
}

func mustParse() map[string]compiled {
	layout, err := fs.ReadFile(templateFS, "templates/layout.html.tmpl")
	if err != nil {
		panic(err)
	}
	out := map[string]compiled{}
	for name := range dataTypes {
		for _, locale := range Locales {
			file := "templates/" + name + "." + locale + ".tmpl"
			src, err := fs.ReadFile(templateFS, file)
			if err != nil {
				panic(err)
			}
			f := funcs(locale)
			tt := texttemplate.Must(texttemplate.New(file).Funcs(texttemplate.FuncMap(f)).Parse(string(src)))
			ht := htmltemplate.Must(htmltemplate.New(file).Funcs(htmltemplate.FuncMap(f)).Parse(string(layout)))
			htmltemplate.Must(ht.Parse(string(src)))
			out[name+"."+locale] = compiled{text: tt, html: ht}
		}
	}
	return out
}

const nbsp = "\u00a0"

// funcs are the template functions of one locale.
func funcs(locale string) map[string]any {
	return map[string]any{
		"lang":     func() string { return locale },
		"duration": func(d time.Duration) string { return duration(locale, d) },
		"button":   func(link, label string) htmltemplate.HTML { return button(locale, link, label) },
	}
}

// duration says how long a link lasts, in the largest whole unit: "15
// minutes", "24 heures", "7 days".
func duration(locale string, d time.Duration) string {
	n, unit := int64(d.Round(time.Minute)/time.Minute), "minute"
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		n, unit = int64(d/(24*time.Hour)), "day"
	case d >= time.Hour && d%time.Hour == 0:
		n, unit = int64(d/time.Hour), "hour"
	}
	if n < 1 {
		n = 1
	}
	words := map[string][2]string{
		"fr.minute": {"minute", "minutes"}, "fr.hour": {"heure", "heures"}, "fr.day": {"jour", "jours"},
		"en.minute": {"minute", "minutes"}, "en.hour": {"hour", "hours"}, "en.day": {"day", "days"},
	}[locale+"."+unit]
	w := words[1]
	if n == 1 {
		w = words[0]
	}
	return fmt.Sprintf("%d%s%s", n, nbsp, w)
}

// button is the call to action, and the bare link under it for mail clients
// that block or mangle buttons. The link was checked to be http(s) by
// checkLink; both strings are escaped for the attribute and text they go in.
func button(locale, link, label string) htmltemplate.HTML {
	fallback := map[string]string{
		"fr": "Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur" + nbsp + ":",
		"en": "If the button does not work, copy this link into your browser:",
	}[locale]
	l, lb := htmltemplate.HTMLEscapeString(link), htmltemplate.HTMLEscapeString(label)
	return htmltemplate.HTML(`<p style="margin:28px 0;"><a href="` + l + `" style="display:inline-block;background:#1d6b57;color:#ffffff;text-decoration:none;font-weight:bold;padding:12px 22px;border-radius:6px;">` + lb + `</a></p>
<p style="margin:0 0 16px;font-size:13px;color:#52606d;">` + htmltemplate.HTMLEscapeString(fallback) + `<br><a href="` + l + `" style="color:#1d6b57;word-break:break-all;">` + l + `</a></p>`)
}

// oneLine collapses runs of ASCII white space, line breaks included, to one
// space: templates and user input may break lines, a subject cannot. It
// keeps non-breaking spaces, which French typography puts before « : » and
// inside « ».
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
	}), " ")
}

func required(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return errs.Field(field, "%s is required", field)
	}
	return nil
}

// checkLink wants an absolute http(s) URL: anything else would reach the
// recipient as a dead or dangerous link.
func checkLink(link string) error {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errs.Field("Link", "%q is not an absolute http(s) link", link)
	}
	return nil
}

func checkValidity(d time.Duration) error {
	if d <= 0 {
		return errs.Field("ValidFor", "how long the link is valid must be set")
	}
	return nil
}

func firstErr(list ...error) error {
	for _, err := range list {
		if err != nil {
			return err
		}
	}
	return nil
}

// TemplateCampaignLaunch invites the audience of a campaign just launched
// (CampaignLaunch).
const TemplateCampaignLaunch = "campaign-launch"

// CampaignLaunch: a company launched a campaign (a drive) and invites its
// employees to take part.
type CampaignLaunch struct {
	Company     string // "Acme"
	Campaign    string // "Tous confinés, Tous engagés"
	Description string // the campaign's text; may be empty
	StartsOn    time.Time
	EndsOn      time.Time
	Crisis      bool   // the vital missions come first: say so, with the sanitary rules
	Link        string // the campaign's page on the company's host
}

func (d CampaignLaunch) check() error {
	err := firstErr(required("Company", d.Company), required("Campaign", d.Campaign), checkLink(d.Link))
	if err == nil && (d.StartsOn.IsZero() || d.EndsOn.Before(d.StartsOn)) {
		err = errs.Field("EndsOn", "the campaign's dates are required, the end after the start")
	}
	return err
}

// Period says the campaign's dates in locale: "du 3 avril 2020 au 2 juin
// 2020", "from 3 April 2020 to 2 June 2020".
func (d CampaignLaunch) Period(locale string) string {
	months := map[string][12]string{
		"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	}[Locale(locale)]
	day := func(t time.Time) string {
		return fmt.Sprintf("%d%s%s %d", t.Day(), nbsp, months[t.Month()-1], t.Year())
	}
	if Locale(locale) == "en" {
		return "from " + day(d.StartsOn) + " to " + day(d.EndsOn)
	}
	return "du " + day(d.StartsOn) + " au " + day(d.EndsOn)
}

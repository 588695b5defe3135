package mail

import (
	"context"
	"net/url"
	"strings"

	"github.com/vendredi-app/vendredi/internal/calendar"
	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/notify"
)

// Notifier renders the mails of identity flows and sends them.
type Notifier struct{ Sender Sender }

var _ identity.Mailer = Notifier{}

// Notify renders n in its locale and sends it to its recipient.
func (nt Notifier) Notify(ctx context.Context, n identity.Mail) error {
	var data any
	switch n.Template {
	case TemplateInvitation:
		data = Invitation{Company: n.Company, Inviter: n.Inviter, Admin: n.Admin, Link: n.Link, ValidFor: n.ValidFor}
	case TemplateSignIn:
		data = SignIn{Link: n.Link, ValidFor: n.ValidFor}
	case TemplatePasswordReset:
		data = PasswordReset{Link: n.Link, ValidFor: n.ValidFor}
	case TemplateCoManagerInvitation:
		data = CoManagerInvitation{Association: n.Association, Inviter: n.Inviter, Link: n.Link, ValidFor: n.ValidFor}
	case TemplateVerifyEmail:
		data = VerifyEmail{Space: n.Company, Link: n.Link, ValidFor: n.ValidFor}
	case TemplateAssociationClaim:
		data = AssociationClaim{Association: n.Association, Approved: n.Status == identity.ClaimApproved, Reason: n.Reason, Link: n.Link}
	}
	m, err := Render(n.Template, n.Locale, data)
	if err != nil {
		return err
	}
	m.To = []Address{{Name: n.Name, Email: n.To}}
	return nt.Sender.Send(ctx, m)
}

// MissionNotifier mails an association's managers about their mission.
type MissionNotifier struct {
	Sender Sender
	// BaseURL is the platform's address, for the link to the mission.
	BaseURL string
}

var _ catalog.Notifier = MissionNotifier{}

// MissionEvent renders the event in French (associations work in French)
// and sends it to every manager.
func (n MissionNotifier) MissionEvent(ctx context.Context, to []string, ev catalog.PendingEvent) error {
	link := strings.TrimSuffix(n.BaseURL, "/") + ev.Mission.ManagersPath()
	var (
		m   Message
		err error
	)
	switch ev.Kind {
	case "flagged":
		m, err = Render(TemplateMissionFlagged, "fr", MissionFlagged{Mission: ev.Mission.Title, Reason: ev.Detail, Link: link})
	case "almost_full", "full":
		m, err = Render(TemplateMissionPlaces, "fr", MissionPlaces{Mission: ev.Mission.Title, Full: ev.Kind == "full",
			Places: ev.Mission.Places, Link: link})
	default:
		return nil
	}
	if err != nil {
		return err
	}
	for _, addr := range to {
		m.To = []Address{{Email: addr}}
		if err := n.Sender.Send(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// VolunteerNotifier mails employees about their participations, in their
// company's language.
type VolunteerNotifier struct {
	Sender Sender
	// BaseURL is the platform's address, for the associations' links.
	BaseURL string
	// CompanyURL returns the address of a company's space, for the link.
	CompanyURL func(p *campaign.Participation) string
	// Preferences, when set, drop the reminders of volunteers who turned
	// them off, and give the others a one-click unsubscribe link.
	Preferences *notify.Preferences
}

var _ campaign.Notifier = VolunteerNotifier{}

var refusalLabels = map[string][2]string{
	"no_response":          {"sans réponse", "no response"},
	"requirements_not_met": {"prérequis non remplis", "requirements not met"},
	"changed_mind":         {"changement d’avis", "change of mind"},
	"mission_ended":        {"mission terminée", "mission ended"},
}

// Participation mails the volunteer of p about event.
func (n VolunteerNotifier) Participation(ctx context.Context, p *campaign.Participation, event string) error {
	if p.MemberEmail == "" {
		return nil
	}
	reason := p.ReasonDetail
	if l, ok := refusalLabels[p.RefusalReason]; ok && reason == "" {
		reason = l[0]
		if Locale(p.Locale) == "en" {
			reason = l[1]
		}
	}
	if event == "mission_flagged" && reason == "" {
		reason = p.CancelReason
		if reason == "mission_flagged" {
			reason = ""
		}
	}
	link := strings.TrimSuffix(n.CompanyURL(p), "/") + "/me/participations"
	m, err := Render(TemplateParticipation, p.Locale, ParticipationUpdate{Event: event, Mission: p.MissionTitle, Reason: reason,
		Link: link})
	if err != nil {
		return err
	}
	m.To = []Address{{Name: p.MemberName, Email: p.MemberEmail}}
	// A validated participation with a date comes with its calendar event,
	// a cancelled one with the event's cancellation.
	if event == "validated" || event == "mission_flagged" {
		if ev, ok := calendar.Participation(p, hostOf(n.BaseURL), link, ""); ok {
			m.Attachments = []Attachment{{Name: "mission.ics", ContentType: calendar.ContentType(ev), Data: calendar.Single(ev)}}
		}
	}
	return n.Sender.Send(ctx, m)
}

// hostOf is the host of an address, for calendar UIDs.
func hostOf(address string) string {
	if u, err := url.Parse(address); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "vendredi"
}

// LateApplications reminds managers or HR admins of unanswered applications.
func (n VolunteerNotifier) LateApplications(ctx context.Context, to []string, forAssociation bool, days int, lines []string, link string) error {
	m, err := Render(TemplateLateApplications, "fr", LateApplications{ForAssociation: forAssociation, Days: days, Lines: lines, Link: link})
	if err != nil {
		return err
	}
	for _, addr := range to {
		m.To = []Address{{Email: addr}}
		if err := n.Sender.Send(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

var _ campaign.ReminderNotifier = VolunteerNotifier{}

// Reminder tells the volunteer of r where and when the mission is, and
// how to cancel, in their company's language.
func (n VolunteerNotifier) Reminder(ctx context.Context, r *campaign.Reminder) error {
	p := &r.Participation
	d := Reminder{Mission: p.MissionTitle, When: When(r.StartsAt, p.Locale), Soon: r.Kind == campaign.Remind2h,
		Remote: r.Format == "remote", Online: r.ExternalURL,
		Link: strings.TrimSuffix(n.CompanyURL(p), "/") + "/me/participations"}
	if r.Format != "remote" {
		d.Address = r.Address
	}
	if n.Preferences != nil {
		who := notify.Member(p.TenantID, p.MemberID)
		wants, err := n.Preferences.Wants(ctx, who, notify.Reminders)
		if err != nil || !wants {
			return err
		}
		token, err := n.Preferences.UnsubscribeToken(ctx, who, notify.Reminders)
		if err != nil {
			return err
		}
		d.Unsubscribe = UnsubscribeLink(n.CompanyURL(p), token)
	}
	m, err := Render(TemplateReminder, p.Locale, d)
	if err != nil {
		return err
	}
	m.To = []Address{{Name: p.MemberName, Email: p.MemberEmail}}
	if d.Unsubscribe != "" {
		WithUnsubscribe(&m, d.Unsubscribe)
	}
	return n.Sender.Send(ctx, m)
}

// AttendanceQuestion asks the association's managers, in French, whether
// the volunteer of r came.
func (n VolunteerNotifier) AttendanceQuestion(ctx context.Context, r *campaign.Reminder) error {
	p := &r.Participation
	m, err := Render(TemplateAttendance, "fr", AttendanceQuestion{Mission: p.MissionTitle, Volunteer: p.MemberName,
		Company: p.Company, When: When(r.StartsAt, "fr"),
		Link: strings.TrimSuffix(n.BaseURL, "/") + "/associations/" + r.AssociationID.String() + "/applicants"})
	if err != nil {
		return err
	}
	for _, addr := range r.Managers {
		m.To = []Address{{Email: addr}}
		if err := n.Sender.Send(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

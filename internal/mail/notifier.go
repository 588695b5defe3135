package mail

import (
	"context"

	"github.com/vendredi-app/vendredi/internal/identity"
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
	}
	m, err := Render(n.Template, n.Locale, data)
	if err != nil {
		return err
	}
	m.To = []Address{{Name: n.Name, Email: n.To}}
	return nt.Sender.Send(ctx, m)
}

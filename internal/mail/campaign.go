package mail

import (
	"context"

	"github.com/vendredi-app/vendredi/internal/campaign"
)

// CampaignMails renders and sends the campaign mails: campaign declares
// the Mailer it needs, and mail, which already knows campaign's types,
// implements it.
type CampaignMails struct{ Sender Sender }

var _ campaign.Mailer = CampaignMails{}

// CampaignLaunch invites one member of the audience, in the company's
// language.
func (m CampaignMails) CampaignLaunch(ctx context.Context, to campaign.Invitee, l campaign.LaunchMail) error {
	msg, err := Render(TemplateCampaignLaunch, l.Locale, CampaignLaunch{Company: l.Company,
		Campaign: l.Campaign.Name, Description: l.Campaign.Description, StartsOn: l.Campaign.StartsOn,
		EndsOn: l.Campaign.EndsOn, Crisis: l.Campaign.Crisis, Link: l.Link})
	if err != nil {
		return err
	}
	msg.To = []Address{{Name: to.Name, Email: to.Email}}
	return m.Sender.Send(ctx, msg)
}

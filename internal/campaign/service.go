package campaign

import (
	"context"
	"time"
)

// Mailer sends the mails of campaigns. Package mail implements it
// (mail.CampaignMails): mail already depends on this package for the
// volunteers' notices, so this one cannot depend on mail.
type Mailer interface {
	// CampaignLaunch invites one member of the audience to the campaign.
	CampaignLaunch(ctx context.Context, to Invitee, m LaunchMail) error
}

// LaunchMail is what the invitation to a launched campaign says.
type LaunchMail struct {
	Company  string
	Locale   string // the company's
	Campaign *Campaign
	Link     string // the campaign's page on the company's host
}

// Stores are the storage the campaign flows need.
type Stores struct {
	Campaigns CampaignStore
	Profiles  ProfileStore
	Hours     HourStore
	Figures   FigureStore
}

// Service runs campaigns, templates, profiles, hours and figures.
type Service struct {
	st     Stores
	mailer Mailer
	// Now is the clock; tests may set it.
	Now func() time.Time
	// Unit runs a launch and its invitations as one unit of work.
	Unit Unit
	// Launched, when set, is told of a campaign's first launch within its
	// unit of work (the company's chat channel is told, queued with it).
	Launched func(ctx context.Context, c *Campaign, link string) error
	// Audit records creations, launches, settings and status changes in
	// the company's audit log, within their unit of work.
	Audit Auditor
}

// NewService wires the flows to their stores and the mail seam.
func NewService(st Stores, mailer Mailer) *Service {
	return &Service{st: st, mailer: mailer, Now: time.Now, Unit: NoUnit, Audit: noAudit}
}

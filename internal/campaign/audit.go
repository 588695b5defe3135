package campaign

import (
	"context"

	"github.com/vendredi-app/vendredi/internal/identity"
)

// What the company's audit log says of its campaigns: each is written in
// the unit of work of the change it records, so that the log never tells
// of a change that did not happen, nor misses one that did.
const (
	ActionCampaignCreated  = "campaign_created"
	ActionCampaignLaunched = "campaign_launched"
	ActionCampaignSettings = "campaign_settings_changed"
	ActionCampaignStatus   = "campaign_status_changed"
	ActionAllocationRun    = "campaign_allocation_run"
)

// Auditor appends to the company's audit log, within the caller's unit of
// work when there is one.
type Auditor func(ctx context.Context, ev identity.Event) error

func noAudit(context.Context, identity.Event) error { return nil }

// campaignEvent is action on c by whoever asks (the system when nobody
// does: a scheduled start). The object names the campaign by its id, and
// the detail by its name as it was then, which the log shows.
func campaignEvent(ctx context.Context, action string, c *Campaign, detail map[string]string) identity.Event {
	ev := identity.Event{ActorKind: "system", Action: action, Object: "campaign:" + c.ID.String(), Detail: map[string]string{"name": c.Name}}
	if p := identity.PrincipalFrom(ctx); p != nil {
		id := p.ID
		ev.ActorKind, ev.ActorID, ev.ActorLabel = p.Kind, &id, p.Label()
	}
	for k, v := range detail {
		ev.Detail[k] = v
	}
	return ev
}

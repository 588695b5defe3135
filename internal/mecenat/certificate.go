package mecenat

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Engagement is one mission an employee gave validated hours to.
type Engagement struct {
	MissionTitle string     `json:"mission_title"`
	Association  string     `json:"association"`
	CampaignName string     `json:"campaign_name"`
	From         time.Time  `json:"from"`
	To           time.Time  `json:"to"`
	Hours        Centihours `json:"centihours"`
}

// Certificate is what an employee's certificate of engagement states:
// their validated hours, mission by mission.
type Certificate struct {
	Person       string       `json:"person"`
	Company      string       `json:"company"`
	Engagements  []Engagement `json:"engagements"`
	Hours        Centihours   `json:"centihours"`
	Associations int          `json:"associations"`
	From, To     time.Time    `json:"-"`
}

// NewCertificate sums an employee's engagements.
func NewCertificate(person, company string, es []Engagement) *Certificate {
	c := &Certificate{Person: person, Company: company, Engagements: es}
	if c.Engagements == nil {
		c.Engagements = []Engagement{}
	}
	assocs := map[string]bool{}
	for _, e := range es {
		c.Hours += e.Hours
		assocs[e.Association] = true
		if c.From.IsZero() || e.From.Before(c.From) {
			c.From = e.From
		}
		if e.To.After(c.To) {
			c.To = e.To
		}
	}
	c.Associations = len(assocs)
	return c
}

// Certificate gathers an employee's validated hours for their certificate.
func (s *Service) Certificate(ctx context.Context, member uuid.UUID, person, company string) (*Certificate, error) {
	es, err := s.store.Engagements(ctx, member)
	if err != nil {
		return nil, err
	}
	return NewCertificate(person, company, es), nil
}

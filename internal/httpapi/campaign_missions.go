package httpapi

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/matching"
	"github.com/vendredi-app/vendredi/internal/mecenat"
)

// signUps is where the employee stands in a campaign before any click:
// the missions they hold (in any campaign, as the one-per-mission rule
// counts them) and how many more of this campaign they may take on. Both
// come from the sign-up rules' own predicates (campaign.Holds, Remaining),
// so that a page never promises what DecideApply then refuses.
type signUps struct {
	live []campaign.LiveParticipation
	// byMission is the live participation held on each mission.
	byMission map[uuid.UUID]campaign.Participation
	// Max and Left are the campaign's limit and what remains of it.
	Max, Left int
	// Known is false for a caller who is not an employee: nothing to say.
	Known bool
}

func (s *Server) signUpsIn(c *fiber.Ctx, cmp *campaign.Campaign) (*signUps, error) {
	member, err := memberOf(c)
	if err != nil {
		return &signUps{}, nil
	}
	ps, err := s.deps.Participations.Mine(c.UserContext(), member)
	if err != nil {
		return nil, err
	}
	out := &signUps{live: campaign.LiveOf(ps), byMission: map[uuid.UUID]campaign.Participation{}, Known: true,
		Max: cmp.MaxActivePerEmployee}
	out.Left = campaign.Remaining(cmp, out.live)
	for _, p := range ps {
		if campaign.Live(p.Status) {
			out.byMission[p.MissionID] = p
		}
	}
	return out, nil
}

// held is the employee's live participation on the mission, if any.
func (u *signUps) held(mission uuid.UUID) *campaign.Participation {
	if u == nil || !campaign.Holds(u.live, mission) {
		return nil
	}
	p := u.byMission[mission]
	return &p
}

// full reports whether a mission takes no more places: a sign-up to it
// joins its waiting list.
func full(m *catalog.Mission) bool { return m.Status == catalog.MissionFull || m.PlacesLeft <= 0 }

// missionPage is a mission of a campaign as its page shows it.
type missionPage struct {
	*catalog.Mission
	Association *catalog.Association
	Verified    bool
	Away        *int
	Full        bool
	Held        *campaign.Participation
	Dates       string
	Commitment  string
	Skills      []skillWanted
	Slots       []slotChoice
}

type skillWanted struct {
	Label    string
	Level    int
	Required bool
}

type slotChoice struct {
	ID    uuid.UUID
	Label string
}

func (s *Server) missionDetailPage(c *fiber.Ctx) error {
	cid, err := paramID(c, "id")
	if err != nil {
		return err
	}
	mid, err := paramID(c, "mission")
	if err != nil {
		return err
	}
	return s.renderMissionDetail(c, cid, mid, nil)
}

// renderMissionDetail shows a mission of a campaign, with the sign-up form
// (form: an application that came back with an error). A mission the
// campaign does not cover, or the company may not see, is not found, as
// one that does not exist.
func (s *Server) renderMissionDetail(c *fiber.Ctx, campaignID, missionID uuid.UUID, form *applyForm) error {
	ctx := c.UserContext()
	d, err := s.deps.Campaigns.Mission(ctx, viewerOf(c), campaignID, missionID)
	if err != nil {
		return err
	}
	m, l := d.Mission, lang(c)
	page := missionPage{Mission: m, Full: full(m)}
	if m.AssociationID != nil {
		if page.Association, err = s.deps.Catalogue.Association(ctx, *m.AssociationID); err != nil {
			return err
		}
		page.Verified = page.Association.Status == catalog.AssociationVerified
	}
	if m.VitalCategory != "" && l == "en" {
		cats, err := s.deps.Catalog.VitalCategories(ctx)
		if err != nil {
			return err
		}
		for _, v := range cats {
			if v.Code == m.VitalCategory {
				m.Title, m.Description = v.LabelEN, v.DescriptionEN
			}
		}
	}
	u, err := s.signUpsIn(c, d.Campaign)
	if err != nil {
		return err
	}
	page.Held = u.held(m.ID)
	if member, err := memberOf(c); err == nil && m.Format != catalog.Remote && m.Lat != nil && m.Lon != nil {
		p, err := s.deps.Campaigns.Profile(ctx, member)
		if err != nil {
			return err
		}
		if p.HomeLat != nil && p.HomeLon != nil {
			km := int(math.Round(matching.DistanceKm(matching.GeoPoint{Lat: *p.HomeLat, Lon: *p.HomeLon},
				matching.GeoPoint{Lat: *m.Lat, Lon: *m.Lon})))
			page.Away = &km
		}
	}
	labels, _, err := s.skillLabels(c)
	if err != nil {
		return err
	}
	for _, sk := range m.Skills {
		label := labels[sk.Skill]
		if label == "" {
			label = sk.Skill
		}
		page.Skills = append(page.Skills, skillWanted{Label: label, Level: sk.Level, Required: sk.Required})
	}
	now := time.Now()
	for _, sl := range m.Slots {
		if sl.StartsAt.After(now) {
			page.Slots = append(page.Slots, slotChoice{ID: sl.ID, Label: dayTime(sl.StartsAt, l) + " – " + clock(sl.EndsAt)})
		}
	}
	page.Dates, page.Commitment = missionDates(m, l), commitment(m, l)
	rules := make([]string, len(d.SanitaryRules))
	for i, r := range d.SanitaryRules {
		rules[i] = r.TextFR
		if l == "en" {
			rules[i] = r.TextEN
		}
	}
	if form == nil {
		form = &applyForm{MissionID: m.ID}
	}
	return s.render(c, "employee/mission", s.pageData(c, m.Title, map[string]any{
		"Campaign": d.Campaign, "M": page, "Rules": rules, "Form": form, "SignUps": u,
	}))
}

// dayOf writes a date as the page's language does.
func dayOf(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return t.Format("02/01/2006")
}

// clock and dayTime write a moment as a person in France reads it.
func clock(t time.Time) string { return t.In(paris).Format("15:04") }

func dayTime(t time.Time, lang string) string { return dayOf(t.In(paris), lang) + " " + clock(t) }

// missionDates says when a mission happens, in the page's language.
func missionDates(m *catalog.Mission, lang string) string {
	en := lang == "en"
	var parts []string
	switch {
	case m.StartsOn != nil && m.EndsOn != nil && !m.StartsOn.Equal(*m.EndsOn):
		if en {
			parts = append(parts, "from "+dayOf(*m.StartsOn, lang)+" to "+dayOf(*m.EndsOn, lang))
		} else {
			parts = append(parts, "du "+dayOf(*m.StartsOn, lang)+" au "+dayOf(*m.EndsOn, lang))
		}
	case m.StartsOn != nil:
		if en {
			parts = append(parts, "on "+dayOf(*m.StartsOn, lang))
		} else {
			parts = append(parts, "le "+dayOf(*m.StartsOn, lang))
		}
	case m.EndsOn != nil:
		if en {
			parts = append(parts, "until "+dayOf(*m.EndsOn, lang))
		} else {
			parts = append(parts, "jusqu'au "+dayOf(*m.EndsOn, lang))
		}
	}
	if m.Recurrence != "" {
		parts = append(parts, m.Recurrence)
	}
	return strings.Join(parts, ", ")
}

// commitment says the time a mission asks for, in the page's language.
func commitment(m *catalog.Mission, lang string) string {
	if m.CommitmentHours <= 0 {
		return ""
	}
	h := mecenat.Centihours(math.Round(m.CommitmentHours * 100)).Format(lang)
	en := lang == "en"
	var out string
	switch {
	case m.CommitmentKind == "per_week" && en:
		out = h + " h a week"
	case m.CommitmentKind == "per_week":
		out = h + " h par semaine"
	case en:
		out = h + " h in all"
	default:
		out = h + " h au total"
	}
	if w := m.DurationWeeks; w != nil && *w > 0 {
		switch {
		case en && *w == 1:
			out += ", for 1 week"
		case en:
			out += ", for " + strconv.Itoa(*w) + " weeks"
		case *w == 1:
			out += ", pendant 1 semaine"
		default:
			out += ", pendant " + strconv.Itoa(*w) + " semaines"
		}
	}
	return out
}

// applyFailed renders the mission's page again with the refusal of its
// sign-up next to the field it is about.
func (s *Server) applyFailed(c *fiber.Ctx, in campaign.ApplyInput, err error) error {
	form := &applyForm{MissionID: in.MissionID, Motivation: in.Motivation, Ack: in.SanitaryAck, Message: s.message(c, err)}
	if in.SlotID != nil {
		form.SlotID = *in.SlotID
	}
	form.Field = errs.FieldOf(err)
	switch {
	case errors.Is(err, campaign.ErrSanitaryAck):
		form.Key = "employee.apply.ack_missing"
	case errors.Is(err, campaign.ErrMissionFull):
		form.Full, form.Key = true, "employee.apply.full"
	case form.Field == "motivation" || form.Field == "slot_id":
	default:
		form.Field = "form"
	}
	c.Status(statusOf[errs.CodeOf(err)])
	return s.renderMissionDetail(c, in.CampaignID, in.MissionID, form)
}

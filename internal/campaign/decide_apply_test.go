package campaign

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// TestDecideApply walks every branch of the sign-up rules: each case
// changes one thing of a sign-up that would otherwise start pending, and
// names the status it starts in, or the refusal (sentinel and code) it
// gets.
func TestDecideApply(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return time.Date(2026, 4, d, 0, 0, 0, 0, time.UTC) }
	campaignID, missionID, other, slotID := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	slot := SlotTime{ID: slotID, StartsAt: now.Add(48 * time.Hour), EndsAt: now.Add(50 * time.Hour)}
	base := func() (*Snapshot, ApplyInput) {
		s := &Snapshot{Now: now, Campaign: Campaign{ID: campaignID, Name: "Tous confinés, Tous engagés", Status: Active,
			StartsOn: day(1), EndsOn: day(30), Audience: "all", MaxActivePerEmployee: 2}}
		s.Member.ID, s.Member.Status, s.Member.Department, s.Member.Site = uuid.New(), "active", "Finance", "Lyon"
		s.Mission.ID, s.Mission.Status, s.Mission.Format, s.Mission.PlacesLeft, s.Mission.InScope = missionID, "open", "remote", 3, true
		return s, ApplyInput{CampaignID: campaignID, MissionID: missionID}
	}
	type tweak func(*Snapshot, *ApplyInput)
	onSiteWithSlot := func(s *Snapshot, in *ApplyInput) {
		s.Mission.Format, s.Mission.Slots, in.SlotID = "on_site", []SlotTime{slot}, &slotID
	}

	t.Run("accepted", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			edit tweak
			want string
		}{
			{"a place left", func(*Snapshot, *ApplyInput) {}, Pending},
			{"the last day of the campaign", func(s *Snapshot, _ *ApplyInput) { s.Now = day(30).Add(20 * time.Hour) }, Pending},
			{"in the audience's department, whatever its case", func(s *Snapshot, _ *ApplyInput) {
				s.Campaign.Audience, s.Campaign.AudienceValues = "departments", []string{"finance"}
			}, Pending},
			{"in the audience's site", func(s *Snapshot, _ *ApplyInput) {
				s.Campaign.Audience, s.Campaign.AudienceValues = "sites", []string{"Lyon"}
			}, Pending},
			{"the sanitary rules acknowledged", func(s *Snapshot, in *ApplyInput) {
				s.Mission.RequiresSanitaryAck, in.SanitaryAck = true, true
			}, Pending},
			{"a slot of the mission", onSiteWithSlot, Pending},
			{"one live participation below the limit", func(s *Snapshot, _ *ApplyInput) {
				s.Live = []LiveParticipation{{CampaignID: campaignID, MissionID: other}}
			}, Pending},
			{"participations of other campaigns do not count", func(s *Snapshot, _ *ApplyInput) {
				s.Live = []LiveParticipation{{CampaignID: uuid.New(), MissionID: uuid.New()}, {CampaignID: uuid.New(), MissionID: uuid.New()}}
			}, Pending},
			{"remote at the time of an on-site slot", func(s *Snapshot, in *ApplyInput) {
				s.Mission.Slots, in.SlotID = []SlotTime{slot}, &slotID
				s.Live = []LiveParticipation{{CampaignID: uuid.New(), MissionID: other, OnSite: true, Slot: &slot}}
			}, Pending},
			{"full, the waiting list accepted", func(s *Snapshot, in *ApplyInput) {
				s.Mission.Status, s.Mission.PlacesLeft, in.WaitingList = "full", 0, true
			}, Waiting},
		} {
			s, in := base()
			tc.edit(s, &in)
			got, err := DecideApply(s, in)
			if err != nil || got != tc.want {
				t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
			}
		}
	})

	t.Run("refused", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			edit  tweak
			want  error
			code  errs.Code
			field string
		}{
			{"campaign in draft", func(s *Snapshot, _ *ApplyInput) { s.Campaign.Status = Draft }, ErrCampaignNotOpen, errs.Conflict, ""},
			{"campaign closed", func(s *Snapshot, _ *ApplyInput) { s.Campaign.Status = Closed }, ErrCampaignNotOpen, errs.Conflict, ""},
			{"campaign ended yesterday", func(s *Snapshot, _ *ApplyInput) { s.Now = day(31).Add(time.Hour) }, ErrCampaignEnded, errs.Conflict, ""},
			{"account disabled", func(s *Snapshot, _ *ApplyInput) { s.Member.Status = "disabled" }, ErrMemberInactive, errs.Forbidden, ""},
			{"another department's campaign", func(s *Snapshot, _ *ApplyInput) {
				s.Campaign.Audience, s.Campaign.AudienceValues = "departments", []string{"IT"}
			}, ErrNotInAudience, errs.NotFound, ""},
			{"another site's campaign", func(s *Snapshot, _ *ApplyInput) {
				s.Campaign.Audience, s.Campaign.AudienceValues = "sites", []string{"Paris"}
			}, ErrNotInAudience, errs.NotFound, ""},
			{"mission outside the campaign", func(s *Snapshot, _ *ApplyInput) { s.Mission.InScope = false }, ErrMissionOutOfScope, errs.NotFound, ""},
			{"vital mission signed up for nationally", func(s *Snapshot, _ *ApplyInput) {
				s.Mission.ExternalURL = "https://www.jeveuxaider.gouv.fr/"
			}, ErrSignUpElsewhere, errs.Conflict, ""},
			{"mission closed", func(s *Snapshot, _ *ApplyInput) { s.Mission.Status = "closed" }, ErrMissionClosed, errs.Conflict, ""},
			{"mission flagged", func(s *Snapshot, _ *ApplyInput) { s.Mission.Status = "flagged" }, ErrMissionClosed, errs.Conflict, ""},
			{"mission ended", func(s *Snapshot, _ *ApplyInput) { e := day(1); s.Mission.EndsOn = &e }, ErrMissionEnded, errs.Conflict, ""},
			{"sanitary rules not acknowledged", func(s *Snapshot, _ *ApplyInput) { s.Mission.RequiresSanitaryAck = true },
				ErrSanitaryAck, errs.Invalid, "sanitary_ack"},
			{"motivation of 2 001 characters", func(_ *Snapshot, in *ApplyInput) {
				in.Motivation = string(make([]rune, 2001))
			}, ErrMotivationTooLong, errs.Invalid, "motivation"},
			{"no slot chosen", func(s *Snapshot, in *ApplyInput) { onSiteWithSlot(s, in); in.SlotID = nil },
				ErrSlotMissing, errs.Invalid, "slot_id"},
			{"a slot of another mission", func(s *Snapshot, in *ApplyInput) { onSiteWithSlot(s, in); id := uuid.New(); in.SlotID = &id },
				ErrSlotUnknown, errs.Invalid, "slot_id"},
			{"a slot already started", func(s *Snapshot, in *ApplyInput) { onSiteWithSlot(s, in); s.Now = slot.StartsAt },
				ErrSlotStarted, errs.Invalid, "slot_id"},
			{"already signed up, even waiting", func(s *Snapshot, _ *ApplyInput) {
				s.Live = []LiveParticipation{{CampaignID: uuid.New(), MissionID: missionID}}
			}, ErrAlreadySignedUp, errs.Conflict, ""},
			{"on site elsewhere at an overlapping time", func(s *Snapshot, in *ApplyInput) {
				onSiteWithSlot(s, in)
				overlap := SlotTime{ID: uuid.New(), StartsAt: slot.StartsAt.Add(time.Hour), EndsAt: slot.EndsAt.Add(time.Hour)}
				s.Live = []LiveParticipation{{CampaignID: uuid.New(), MissionID: other, OnSite: true, Slot: &overlap}}
			}, ErrOnSiteOverlap, errs.Conflict, ""},
			{"the campaign's limit reached", func(s *Snapshot, _ *ApplyInput) {
				s.Live = []LiveParticipation{{CampaignID: campaignID, MissionID: other}, {CampaignID: campaignID, MissionID: uuid.New()}}
			}, ErrCampaignLimit, errs.Conflict, ""},
			{"full, the waiting list not accepted", func(s *Snapshot, _ *ApplyInput) { s.Mission.Status, s.Mission.PlacesLeft = "full", 0 },
				ErrMissionFull, errs.Conflict, ""},
			{"open but no place left", func(s *Snapshot, _ *ApplyInput) { s.Mission.PlacesLeft = 0 }, ErrMissionFull, errs.Conflict, ""},
		} {
			s, in := base()
			tc.edit(s, &in)
			got, err := DecideApply(s, in)
			if !errors.Is(err, tc.want) || errs.CodeOf(err) != tc.code || errs.FieldOf(err) != tc.field {
				t.Errorf("%s: got %q, %v (code %s, field %q); want %v, %s, field %q",
					tc.name, got, err, errs.CodeOf(err), errs.FieldOf(err), tc.want, tc.code, tc.field)
			}
		}
	})
}

// TestRemainingIsWhatDecideApplyAllows: the count a page shows before the
// click is the sign-up rule's own. At each number of missions held, the
// campaign's sign-ups are refused for the limit exactly when nothing
// remains; other participations (other campaigns, ended ones) count for
// nothing.
func TestRemainingIsWhatDecideApplyAllows(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	c := Campaign{ID: uuid.New(), Name: "Drive", Status: Active, StartsOn: now.AddDate(0, 0, -1), EndsOn: now.AddDate(0, 0, 30),
		Audience: "all", MaxActivePerEmployee: 2}
	held := func(campaign uuid.UUID, status string) Participation {
		return Participation{CampaignID: campaign, MissionID: uuid.New(), Status: status}
	}
	for _, tc := range []struct {
		name string
		mine []Participation
		want int
	}{
		{"none held", nil, 2},
		{"one pending", []Participation{held(c.ID, Pending)}, 1},
		{"a waiting one counts", []Participation{held(c.ID, Waiting)}, 1},
		{"ended ones do not", []Participation{held(c.ID, Cancelled), held(c.ID, Refused), held(c.ID, Done)}, 2},
		{"another campaign's do not", []Participation{held(uuid.New(), Validated), held(uuid.New(), Pending)}, 2},
		{"at the limit", []Participation{held(c.ID, Pending), held(c.ID, Validated)}, 0},
		{"past the limit (lowered since)", []Participation{held(c.ID, Pending), held(c.ID, Validated), held(c.ID, Waiting)}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := LiveOf(tc.mine)
			got := Remaining(&c, live)
			if got != tc.want {
				t.Fatalf("Remaining = %d, want %d", got, tc.want)
			}
			s := &Snapshot{Now: now, Campaign: c, Live: live}
			s.Member.Status = "active"
			s.Mission.ID, s.Mission.Status, s.Mission.Format, s.Mission.PlacesLeft, s.Mission.InScope = uuid.New(), "open", "remote", 3, true
			_, err := DecideApply(s, ApplyInput{CampaignID: c.ID, MissionID: s.Mission.ID})
			if limited := errors.Is(err, ErrCampaignLimit); limited != (got == 0) {
				t.Fatalf("DecideApply: %v, with %d remaining", err, got)
			}
		})
	}
}

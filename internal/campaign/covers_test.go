package campaign

import (
	"testing"

	"github.com/google/uuid"
)

func TestCampaignCovers(t *testing.T) {
	t.Parallel()
	listed, other := uuid.New(), uuid.New()
	education, health := "education", "health"
	all := &Campaign{MissionScope: ScopeAll}
	byCause := &Campaign{MissionScope: ScopeCauses, MissionCauses: []string{education}}
	byList := &Campaign{MissionScope: ScopeListed, MissionIDs: []uuid.UUID{listed}}
	crisis := &Campaign{MissionScope: ScopeCauses, MissionCauses: []string{education}, Crisis: true}
	type mission struct {
		id             uuid.UUID
		cause          *string
		vital, private bool
	}
	for _, tc := range []struct {
		name string
		c    *Campaign
		m    mission
		want bool
	}{
		{"every mission: any", all, mission{id: other, cause: &health}, true},
		{"its cause", byCause, mission{id: other, cause: &education}, true},
		{"another cause", byCause, mission{id: other, cause: &health}, false},
		{"no cause at all", byCause, mission{id: other}, false},
		{"a mission it lists", byList, mission{id: listed}, true},
		{"a mission it does not list", byList, mission{id: other, cause: &education}, false},
		{"the company's private mission, whatever the scope", byList, mission{id: other, private: true}, true},
		{"a vital mission outside a crisis", byCause, mission{id: other, vital: true}, false},
		{"a vital mission in a crisis, whatever the scope", crisis, mission{id: other, vital: true}, true},
	} {
		if got := tc.c.Covers(tc.m.id, tc.m.cause, tc.m.vital, tc.m.private); got != tc.want {
			t.Errorf("%s: covered %v; want %v", tc.name, got, tc.want)
		}
	}
}

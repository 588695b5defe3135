package postgres_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// An association reads, of its applicants' profiles, only the skills their
// mission asks for, through its own row-level policy; another association
// reads none of them.
func TestAssociationReadsOnlyTheMatchingSkillsOfItsApplicants(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	db := env.App
	d := newDrive(t, db, 2)
	mission, assoc := newMission(t, db, 5)
	_, otherAssoc := newMission(t, db, 5)
	err := db.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO mission_skills (mission_id, skill, level, required)
			VALUES (?, 'finance.accounting', 2, true), (?, 'communication.writing', 3, false)`, mission, mission)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	profiles := postgres.NewProfileStore(db)
	skilled, unskilled := d.employees[0], d.employees[1]
	for member, skills := range map[uuid.UUID][]campaign.ProfileSkill{
		skilled:   {{Skill: "finance.accounting", Level: 3}, {Skill: "communication.writing", Level: 1}, {Skill: "it.web-dev", Level: 4}},
		unskilled: {{Skill: "it.web-dev", Level: 2}},
	} {
		if err := profiles.SaveProfile(d.ctx, &campaign.Profile{MemberID: member, Skills: skills}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []uuid.UUID
	err = db.TenantTx(d.ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, member := range []uuid.UUID{skilled, unskilled} {
			id := uuid.Must(uuid.NewV7())
			if _, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status)
				VALUES (app.current_tenant_id(), ?, ?, ?, ?, 'pending')`, id, d.campaign, member, mission); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewParticipationStore(db)
	got, err := store.ApplicantSkills(context.Background(), assoc, ids)
	if err != nil {
		t.Fatal(err)
	}
	want := []postgres.ApplicantSkill{
		{ParticipationID: ids[0], Skill: "finance.accounting", Level: 3, Wanted: 2, Required: true},
		{ParticipationID: ids[0], Skill: "communication.writing", Level: 1, Wanted: 3, Required: false},
	}
	if len(got) != 1 || len(got[ids[0]]) != 2 || got[ids[0]][0] != want[0] || got[ids[0]][1] != want[1] {
		t.Fatalf("applicant skills: %+v; want the two skills the mission asks for, required first, for the skilled applicant only", got)
	}
	if other, err := store.ApplicantSkills(context.Background(), otherAssoc, ids); err != nil || len(other) != 0 {
		t.Fatalf("another association: %+v, %v; want nothing", other, err)
	}
	// The policy itself, not the query's joins, is what hides the rest of
	// the profile: the association's view holds the two matching rows only.
	var visible []string
	err = db.AssociationTx(context.Background(), assoc, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT skill FROM profile_skills ORDER BY skill").Scan(ctx, &visible)
	})
	if err != nil || len(visible) != 2 || visible[0] != "communication.writing" || visible[1] != "finance.accounting" {
		t.Fatalf("profile_skills under the association's view: %v, %v; want only the two matching skills", visible, err)
	}
	err = db.AssociationTx(context.Background(), assoc, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE profile_skills SET level = 1")
		return err
	})
	if err != nil {
		t.Fatalf("update under the association's view: %v", err)
	}
	p, err := profiles.Profile(d.ctx, skilled)
	if err != nil || len(p.Skills) != 3 || p.Skills[1].Level != 3 {
		t.Fatalf("the association changed a profile: %+v, %v; its view must be read only", p, err)
	}
}

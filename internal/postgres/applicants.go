package postgres

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
)

// ApplicantSkill rows scan into the campaign's type.
type ApplicantSkill = campaign.ApplicantSkill

// ApplicantSkills returns, for the given participations in the
// association's missions, the applicants' skills that their mission asks
// for, required ones first. It reads under the association's own view:
// its row-level policy on profile_skills shows it those skills of its
// applicants and nothing else of their profile. Participations outside the
// association have none.
func (s *ParticipationStore) ApplicantSkills(ctx context.Context, associationID uuid.UUID, participations []uuid.UUID) (map[uuid.UUID][]ApplicantSkill, error) {
	out := map[uuid.UUID][]ApplicantSkill{}
	if len(participations) == 0 {
		return out, nil
	}
	var rows []ApplicantSkill
	err := s.db.AssociationTx(ctx, associationID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT p.id AS participation_id, ps.skill, ps.level, ms.level AS wanted, ms.required
			FROM participations p
			JOIN missions m ON m.id = p.mission_id AND m.association_id = ?
			JOIN mission_skills ms ON ms.mission_id = p.mission_id
			JOIN profile_skills ps ON ps.tenant_id = p.tenant_id AND ps.member_id = p.member_id AND ps.skill = ms.skill
			WHERE p.id = ANY(?)
			ORDER BY p.id, ms.required DESC, ps.level DESC, ps.skill`, associationID, pgArray(participations)).Scan(ctx, &rows)
	})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ParticipationID] = append(out[r.ParticipationID], r)
	}
	return out, nil
}

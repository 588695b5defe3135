package campaign

import "github.com/google/uuid"

// ApplicantSkill is a skill an applicant has that the mission they applied
// to asks for.
type ApplicantSkill struct {
	ParticipationID uuid.UUID `bun:"participation_id"`
	Skill           string    `bun:"skill"`
	Level           int       `bun:"level"`  // the applicant's, 1 to 4
	Wanted          int       `bun:"wanted"` // the level the mission asks for
	Required        bool      `bun:"required"`
}

package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/internal/privacy"
)

// A mail being delivered while its recipient is erased finishes, but
// River's completion keeps the row's arguments: the erasure must redact
// them then, or the address outlives the person in the finished job.
func TestEraseRedactsTheMailsOfTheOutboxWhateverTheirState(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	f := newCampaignFixture(t, env, nil)
	person := f.member()
	email := person.String() + "@example.org"
	for _, state := range []string{"available", "running", "completed"} {
		if _, err := env.Owner.ExecContext(context.Background(), `INSERT INTO river_job (kind, state, args, max_attempts, queue, attempt, finalized_at)
			VALUES ('mail', ?::river_job_state, jsonb_build_object('tenant_id', ?::text, 'message', jsonb_build_object('To',
			jsonb_build_array(jsonb_build_object('Name', 'Member', 'Email', ?::text)))), 5, 'default', 1,
			CASE WHEN ? = 'completed' THEN now() END)`,
			state, f.tn.ID.String(), email, state); err != nil {
			t.Fatal(err)
		}
	}
	_, err := postgres.NewPrivacyStore(env.App).Erase(f.ctx(), person, func(string) error { return nil },
		privacy.Event{Action: privacy.ActionErased, Object: "member:" + person.String()})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	if err := env.Owner.NewRaw(`SELECT state::text || ': ' || args::text FROM river_job WHERE kind = 'mail' AND strpos(args::text, ?) > 0`, email).
		Scan(context.Background(), &left); err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("the erased address is still in the outbox:\n%s", strings.Join(left, "\n"))
	}
}

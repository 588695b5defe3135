package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// TestMissionChangesAreAnnouncedExceptPlacesLeft: the servers' matching
// indexes hear of a mission's change, but not of a sign-up's move of its
// places left (they read those every indexTTL; a notifying commit would
// serialise every sign-up). PostgreSQL delivers notifications in commit
// order, so a markers' sequence shows which statements notified.
func TestMissionChangesAreAnnouncedExceptPlacesLeft(t *testing.T) {
	env := pgtest.Private(t) // its own database: nobody else's changes are heard
	_, mission := associationWithMission(t, env)
	l := startListener(t, env.AppURL, postgres.CacheChannel)
	if p := l.next(); p != "" {
		t.Fatalf("first call: got %q, want \"\"", p)
	}
	update := func(set string) {
		t.Helper()
		if err := env.App.Tx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE missions SET "+set+" WHERE id = ?", mission)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	update("places_left = places_left - 1, updated_at = now()")
	notify(t, env.App, postgres.CacheChannel, "marker:1", true)
	update("title = 'Mission renamed'")
	notify(t, env.App, postgres.CacheChannel, "marker:2", true)
	update("title = 'Mission renamed'") // set, not changed: nothing to announce
	update("status = 'full', places_left = 0")
	notify(t, env.App, postgres.CacheChannel, "marker:3", true)
	var got []string
	for len(got) < 5 {
		got = append(got, l.next())
	}
	want := []string{"marker:1", "catalogue", "marker:2", "catalogue", "marker:3"}
	if !slices.Equal(got, want) {
		t.Fatalf("notifications %q; want %q", got, want)
	}
}

// TestEveryMissionColumnIsAnnouncedOrExcluded: the trigger that announces
// a mission's change names the columns it watches; a column added to
// missions without being added there would change missions unheard.
func TestEveryMissionColumnIsAnnouncedOrExcluded(t *testing.T) {
	env := pgtest.New(t)
	notAnnounced := []string{
		"places_left", "updated_at", // moved by sign-ups; a timestamp
		// Computed from announced columns (title, description, city,
		// organizer, lat, lon) by the trigger missions_derived, over
		// whatever a statement writes in them: they change with those.
		"search", "search_title", "geo",
	}
	var missing []string
	if err := env.Owner.NewRaw(`SELECT a.attname FROM pg_attribute a
		WHERE a.attrelid = 'missions'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
		  AND NOT EXISTS (SELECT 1 FROM pg_trigger tg
				WHERE tg.tgrelid = 'missions'::regclass AND tg.tgname = 'missions_changed_notify_cache'
				  AND a.attnum = ANY (tg.tgattr::int2[]))
		  AND a.attname <> ALL (?::text[])
		ORDER BY a.attnum`, pgdialect.Array(notAnnounced)).Scan(context.Background(), &missing); err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Fatalf("columns of missions the catalogue notification does not watch: %v; add them to the trigger "+
			"missions_changed_notify_cache (or to notAnnounced here, saying why)", missing)
	}
}

package postgres_test

import (
	"context"
	"crypto/sha256"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// Sessions read together (requests that came while others were being
// read) are each their own: the person of a live one, and "no live
// session" for an expired one, an unknown one and another company's,
// whichever company's sessions they were read with.
func TestSessionsReadTogetherAreEachTheirOwn(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	people := postgres.NewMemberDirectory(env.App)
	acme, globex := newDrive(t, env.App, 2), newDrive(t, env.App, 1)
	hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	session := func(d *drive, member int, name string, expires time.Duration) {
		t.Helper()
		err := env.App.TenantTx(d.ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO member_sessions (tenant_id, token_hash, member_id, expires_at)
				VALUES (app.current_tenant_id(), ?, ?, now() + ?::interval)`, hash(name), d.employees[member], expires.String())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	session(acme, 0, "acme live", time.Hour)
	session(acme, 1, "acme expired", -time.Minute)
	session(acme, 1, "acme live too", time.Hour)
	session(globex, 0, "globex live", time.Hour)

	queued, release := people.HoldSessionLookups()
	lookups := []struct {
		name string
		d    *drive
		want int // the drive's employee, -1 for none
	}{
		{"acme expired", acme, -1},
		{"acme live", acme, 0},
		{"globex live", globex, 0},
		{"unknown", acme, -1},
		{"acme live too", acme, 1},
		{"globex live", acme, -1}, // on acme's host
	}
	got := make([]*identity.Person, len(lookups))
	errors := make([]error, len(lookups))
	var wg sync.WaitGroup
	for i, l := range lookups {
		wg.Go(func() { got[i], errors[i] = people.Session(l.d.ctx, hash(l.name), time.Now().Add(time.Hour)) })
		queued(i + 1)
	}
	release()
	wg.Wait()
	for i, l := range lookups {
		switch {
		case l.want < 0 && !errs.Is(errors[i], errs.NotFound):
			t.Errorf("%s on %s's host: %+v, %v; want no live session", l.name, l.d.tenant.Slug, got[i], errors[i])
		case l.want >= 0 && (errors[i] != nil || got[i].ID != l.d.employees[l.want]):
			t.Errorf("%s on %s's host: %+v, %v; want employee %s", l.name, l.d.tenant.Slug, got[i], errors[i], l.d.employees[l.want])
		}
	}
}

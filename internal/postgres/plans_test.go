package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// recorder keeps the SELECT statements run with a context it marked.
type recorder struct{}

type recordKey struct{}

func (recorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

// recorded is a statement as it ran: with its values written in, or with
// bind parameters, prepared once and run with a generic plan (the plan
// PostgreSQL keeps for it after a few runs, which knows no value).
type recorded struct {
	sql  string
	args []any // bind parameters ($1 …) of sql, if any
}

func (recorder) AfterQuery(ctx context.Context, ev *bun.QueryEvent) {
	if qs, ok := ctx.Value(recordKey{}).(*[]recorded); ok && ev.Err == nil {
		if len(ev.QueryArgs) > 0 && strings.Contains(ev.QueryTemplate, "$1") {
			if q := strings.TrimSpace(ev.QueryTemplate); strings.HasPrefix(q, "SELECT") {
				*qs = append(*qs, recorded{q, ev.QueryArgs})
			}
			return
		}
		// Statements sent together in one round trip come as one query,
		// one statement a line end after a semicolon.
		for _, q := range strings.Split(ev.Query, ";\n") {
			q = strings.TrimSpace(q)
			if strings.HasPrefix(q, "SELECT") && !strings.HasPrefix(q, "SELECT set_config") {
				*qs = append(*qs, recorded{sql: q})
			}
		}
	}
}

// explainRecorded explains q in tx as it ran (see recorded).
func explainRecorded(ctx context.Context, tx bun.Tx, q recorded) (string, error) {
	var out string
	if len(q.args) == 0 {
		err := tx.NewRaw("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+q.sql).Scan(ctx, &out)
		return out, err
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL plan_cache_mode = force_generic_plan"); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, "PREPARE recorded AS "+q.sql); err != nil {
		return "", err
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(q.args)), ", ")
	args := make([]any, len(q.args))
	for i, a := range q.args {
		args[i] = postgres.AsBound(a)
	}
	err := tx.NewRaw("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE recorded("+marks+")", args...).Scan(ctx, &out)
	if err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx, "DEALLOCATE recorded")
	return out, err
}

// The hot queries of the request path read a few pages of a table of
// realistic size, whatever its size: row-level security, which ORs a
// company's policy with an association's, must not keep them from their
// indexes (a participation lookup by member once scanned the whole
// index). Each SELECT that the operation runs is explained in the same
// kind of transaction (EXPLAIN ANALYZE, buffers read), and none may read
// more than a small fraction of the pages of the tables it touches.
func TestHotQueriesUseTheirIndexesUnderRowLevelSecurity(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 40 000 participations")
	}
	env := pgtest.Private(t)
	db := env.App.Hooked(recorder{})
	ctx := context.Background()

	// 20 companies of 1 000 employees, 400 missions of 40 associations,
	// 2 participations per employee: 40 000 participations.
	const companies, employees, associations, missions = 20, 1000, 40, 400
	var missionIDs []uuid.UUID
	var associationIDs []uuid.UUID
	err := db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for a := range associations {
			id := uuid.Must(uuid.NewV7())
			associationIDs = append(associationIDs, id)
			if _, err := tx.ExecContext(ctx, "INSERT INTO associations (id, name, legal_id, status) VALUES (?, ?, ?, 'verified')",
				id, fmt.Sprint("Asso ", a), fmt.Sprintf("W%09d", a)); err != nil {
				return err
			}
		}
		for m := range missions {
			id := uuid.Must(uuid.NewV7())
			missionIDs = append(missionIDs, id)
			if _, err := tx.ExecContext(ctx, `INSERT INTO missions (id, association_id, title, format, places, places_left, status)
				VALUES (?, ?, ?, 'remote', 1000, 1000, 'open')`, id, associationIDs[m%associations], fmt.Sprint("Mission ", m)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	type company struct {
		ctx      context.Context
		tenant   uuid.UUID
		campaign uuid.UUID
		member   uuid.UUID
	}
	var cos []company
	for c := range companies {
		tn, err := tenants.New(fmt.Sprintf("plan%d-%s", c, uuid.NewString()[:6]), "Plan", nil, "fr")
		if err != nil {
			t.Fatal(err)
		}
		if err := postgres.NewTenantStore(db).Create(ctx, tn); err != nil {
			t.Fatal(err)
		}
		co := company{ctx: tenants.NewContext(ctx, tn), tenant: tn.ID, campaign: uuid.Must(uuid.NewV7())}
		err = db.TenantTx(co.ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (tenant_id, id, name, starts_on, ends_on, status, max_active_per_employee)
				VALUES (app.current_tenant_id(), ?, 'Drive', current_date, current_date + 60, 'active', 5)`, co.campaign); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO members (tenant_id, id, email, full_name, role, status)
				SELECT app.current_tenant_id(), gen_random_uuid(), 'e' || g || '@example.org', 'Employee ' || g, 'employee', 'active'
				FROM generate_series(1, ?) g`, employees); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, status)
				SELECT app.current_tenant_id(), gen_random_uuid(), ?, mb.id, (?::uuid[])[1 + (abs(hashtext(mb.id::text)) + k * 7) % ?],
					(ARRAY['pending', 'validated', 'cancelled', 'done'])[1 + (abs(hashtext(mb.id::text)) + k) % 4]
				FROM members mb, generate_series(0, 1) k`, co.campaign, pgdialect.Array(missionIDs), missions); err != nil {
				return err
			}
			return tx.NewRaw("SELECT id FROM members ORDER BY email LIMIT 1").Scan(ctx, &co.member)
		})
		if err != nil {
			t.Fatal(err)
		}
		cos = append(cos, co)
	}
	// The catalogue changes slowly and has its statistics; participations
	// and members are left without (a table just grown by a drive's
	// sign-ups, before autovacuum gets to it): the index a company's query
	// can use must be in its text, not in a guess.
	if _, err := env.Owner.ExecContext(ctx, "ANALYZE missions, associations"); err != nil {
		t.Fatal(err)
	}

	co7 := cos[7]
	sessionHash := []byte("a session of the plans' test")
	if err := db.TenantTx(co7.ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO member_sessions (tenant_id, token_hash, member_id, expires_at)
			VALUES (app.current_tenant_id(), ?, ?, now() + interval '1 hour')`, sessionHash, co7.member)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	signups := postgres.NewParticipationStore(db)
	people := postgres.NewMemberDirectory(db)
	co := cos[7]
	free := missionIDs[len(missionIDs)-1]
	ops := []struct {
		name        string
		association *uuid.UUID // explained as the association; else as the company
		run         func(ctx context.Context) error
	}{
		{"sign-up", nil, func(ctx context.Context) error {
			_, _, err := signups.Apply(ctx, co.member, campaign.ApplyInput{CampaignID: co.campaign, MissionID: free, WaitingList: true},
				func(*campaign.Snapshot) (string, error) { return campaign.Pending, nil })
			return err
		}},
		{"participations of a member", nil, func(ctx context.Context) error {
			_, err := signups.Mine(ctx, co.member)
			return err
		}},
		{"a campaign's participations", nil, func(ctx context.Context) error {
			_, err := signups.OfCampaign(ctx, co.campaign, "validated")
			return err
		}},
		{"people page", nil, func(ctx context.Context) error {
			_, err := people.List(ctx)
			return err
		}},
		{"a session not cached", nil, func(ctx context.Context) error {
			_, err := people.Session(ctx, sessionHash, time.Now().Add(time.Hour))
			return err
		}},
		{"an employee's profile for recommendations", nil, func(ctx context.Context) error {
			cands, err := postgres.NewMatchStore(db).Candidates(ctx, &campaign.Campaign{ID: co.campaign}, &co.member)
			if err == nil && len(cands) != 1 {
				err = fmt.Errorf("%d candidates for one member", len(cands))
			}
			return err
		}},
		{"a campaign as an employee sees it", nil, func(ctx context.Context) error {
			cs, err := postgres.NewCampaignStore(db).Campaigns(ctx, campaign.CampaignFilter{ID: &co.campaign, ForMember: &co.member})
			if err == nil && len(cs) != 1 {
				err = fmt.Errorf("%d campaigns for one id", len(cs))
			}
			return err
		}},
		{"roles in the company", nil, func(ctx context.Context) error {
			roles, err := postgres.NewRoleSource(db).Roles(ctx, co.member.String(), "tenant:"+co.tenant.String())
			if err == nil && len(roles) == 0 {
				err = fmt.Errorf("no role for the member")
			}
			return err
		}},
		{"applicants of a mission", &associationIDs[3], func(ctx context.Context) error {
			_, err := signups.OfAssociation(ctx, associationIDs[3], &missionIDs[3], "")
			return err
		}},
	}
	for _, op := range ops {
		var qs []recorded
		if err := op.run(context.WithValue(co.ctx, recordKey{}, &qs)); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		if len(qs) == 0 {
			t.Fatalf("%s: no statement recorded", op.name)
		}
		for _, q := range qs {
			explain := func(ctx context.Context, tx bun.Tx) error {
				out, err := explainRecorded(ctx, tx, q)
				if err != nil {
					return err
				}
				var plan []struct{ Plan planNode }
				if err := json.Unmarshal([]byte(out), &plan); err != nil {
					return err
				}
				// A policy's set of an association's applicants is
				// computed once per statement, by the first node whose
				// filter needs it, and counted in that node's pages.
				var once int
				if op.association != nil {
					var out string
					if err := tx.NewRaw("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT app.association_applicants()").Scan(ctx, &out); err != nil {
						return err
					}
					var p []struct{ Plan planNode }
					if err := json.Unmarshal([]byte(out), &p); err != nil {
						return err
					}
					once = p[0].Plan.Hit + p[0].Plan.Read
				}
				var bad []string
				plan[0].Plan.walk(func(n *planNode) {
					if !bigTables[n.Relation] {
						return
					}
					rows := n.Rows * n.Loops
					pages := n.Hit + n.Read
					if strings.Contains(n.Filter, "ANY ($") {
						pages = max(0, pages-once)
					}
					// An index descent reads 3 or 4 pages, then about a
					// page per row found; a scan of every company's rows
					// reads far more than the rows it keeps.
					if n.Type == "Seq Scan" || pages > 3*rows+6*n.Loops+20 {
						bad = append(bad, fmt.Sprintf("%s on %s (%s): %d pages for %d rows in %d loops; cond %s; filter %s",
							n.Type, n.Relation, n.Index, pages, rows, n.Loops, n.IndexCond+n.RecheckCond, n.Filter))
					}
				})
				t.Logf("%s: %.100s", op.name, strings.Join(strings.Fields(q.sql), " "))
				if len(bad) > 0 {
					t.Errorf("%s: %s\n%s", op.name, strings.Join(strings.Fields(q.sql), " "), strings.Join(bad, "\n"))
				}
				return nil
			}
			if op.association != nil {
				err = db.AssociationTx(ctx, *op.association, explain)
			} else {
				err = db.TenantTx(co.ctx, explain)
			}
			if err != nil {
				t.Fatalf("%s: explain %s: %v", op.name, q.sql, err)
			}
		}
	}
}

// The tables that grow with the platform: a query may not scan them.
var bigTables = map[string]bool{"participations": true, "members": true, "missions": true, "profile_skills": true, "hour_logs": true}

// planNode is a node of EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON).
type planNode struct {
	Type        string     `json:"Node Type"`
	Relation    string     `json:"Relation Name"`
	Index       string     `json:"Index Name"`
	IndexCond   string     `json:"Index Cond"`
	RecheckCond string     `json:"Recheck Cond"`
	Filter      string     `json:"Filter"`
	Rows        int        `json:"Actual Rows"`
	Loops       int        `json:"Actual Loops"`
	Hit         int        `json:"Shared Hit Blocks"`
	Read        int        `json:"Shared Read Blocks"`
	Plans       []planNode `json:"Plans"`
}

func (n *planNode) walk(fn func(*planNode)) {
	fn(n)
	for i := range n.Plans {
		n.Plans[i].walk(fn)
	}
}

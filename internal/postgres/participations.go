package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

// ParticipationStore implements campaign.ParticipationStore. Locks are
// always taken in the order employee, mission, participations: sign-ups,
// cancellations and decisions from any company then queue on the mission's
// row and never deadlock.
type ParticipationStore struct {
	db      *DB
	signUps combiner[*signUp, uuid.UUID]
}

// NewParticipationStore returns a campaign.ParticipationStore on db.
func NewParticipationStore(db *DB) *ParticipationStore {
	s := &ParticipationStore{db: db}
	s.signUps = combiner[*signUp, uuid.UUID]{inFlight: signUpsInFlight, size: signUpsPerTx, apply: s.applyTogether,
		group: func(su *signUp) uuid.UUID { return su.tenant }, together: signUpsTogether}
	return s
}

// How many sign-up transactions run at once, one per company at most, and
// how many sign-ups each takes at most (see combiner). BenchmarkSignUp (32
// at once over 50 missions, one company) measured PostgreSQL's CPU per
// sign-up at 117 to 145 µs with one transaction at once, 227 to 248 with
// two, 356 with three, 493 with four and 913 with eight: the fewer, the
// larger each batch.
const (
	signUpsInFlight = 4
	signUpsPerTx    = 64
)

var _ campaign.ParticipationStore = (*ParticipationStore)(nil)

type missionLock struct {
	ID                  uuid.UUID   `bun:"id"`
	AssociationID       *uuid.UUID  `bun:"association_id"`
	Status              string      `bun:"status"`
	Format              string      `bun:"format"`
	Places              int         `bun:"places"`
	PlacesLeft          int         `bun:"places_left"`
	RequiresSanitaryAck bool        `bun:"requires_sanitary_ack"`
	ExternalURL         string      `bun:"external_url"`
	EndsOn              *time.Time  `bun:"ends_on"`
	Cause               *string     `bun:"cause"`
	Visibility          string      `bun:"visibility"`
	VisibleTo           []uuid.UUID `bun:"visible_to,array"`
	AssociationStatus   *string     `bun:"association_status"`
	Vital               bool        `bun:"vital"`
}

func lockMission(ctx context.Context, tx bun.Tx, id uuid.UUID) (*missionLock, error) {
	return readMission(ctx, tx, id, true)
}

// Apply signs an employee up. Concurrent sign-ups of a company share a
// transaction (see combiner and applyTogether); each is decided and
// answered as if it were alone.
func (s *ParticipationStore) Apply(ctx context.Context, memberID uuid.UUID, in campaign.ApplyInput, decide func(*campaign.Snapshot) (string, error)) (*campaign.Participation, bool, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return nil, false, err
	}
	su := &signUp{tenant: t.ID, member: memberID, in: in, decide: decide, id: uuid.Must(uuid.NewV7())}
	if err := s.signUps.do(ctx, su); err != nil || su.refused == nil {
		return su.out, su.noted, err
	}
	// No place was taken, and no waiting one given: the rules say why,
	// asked again on the mission as it is now (full, or no longer taking
	// volunteers), so that the refusal is theirs.
	refused := su.refused
	now, err := s.missionNow(ctx, refused.Mission.ID)
	if err != nil {
		return nil, false, err
	}
	refused.Mission.Status, refused.Mission.PlacesLeft = now.Status, 0
	if _, err := decide(refused); err != nil {
		return nil, false, err
	}
	return nil, false, errs.E(errs.Conflict, "this mission no longer takes volunteers")
}

// applyTogether signs employees of one company up in one transaction of
// two round trips, whatever their number: the first locks the employees'
// rows (their own concurrent sign-ups queue there, so that limits and
// overlaps are checked against committed state) and reads what the rules
// need; the second, sent with the COMMIT, takes the places and records
// the applications. The missions' rows are locked for that statement
// only: every check that needs no lock is made first, on what the
// missions looked like a moment before, and that statement re-checks
// under the lock what may have changed since (places left, a mission
// still taking volunteers). At most one sign-up per employee: the second
// must see the first's.
//
// Each sign-up gets its outcome (su.out, su.refused or su.err); the
// error returned is the transaction's, and then none of them holds.
func (s *ParticipationStore) applyTogether(ctx context.Context, sus []*signUp) error {
	type outcome struct {
		out     *campaign.Participation
		noted   bool
		refused *campaign.Snapshot
		err     error
	}
	res := make([]outcome, len(sus))
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		clear(res)
		now := time.Now()
		members, campaigns, missions := make([]uuid.UUID, len(sus)), make([]uuid.UUID, len(sus)), make([]uuid.UUID, len(sus))
		for i, su := range sus {
			members[i], campaigns[i], missions[i] = su.member, su.in.CampaignID, su.in.MissionID
		}
		var reads []applyRead
		var live []liveRow
		err := s.db.queryEach(ctx, tx, []part{readForApply(members, campaigns, missions), {
			// Each employee's own, through the index by employee (OFFSET 0
			// keeps it one lookup per employee, whatever the plan).
			sql: `SELECT x.* FROM unnest($1::uuid[]) AS mb(id) CROSS JOIN LATERAL (
				SELECT p.member_id, p.campaign_id, p.mission_id, m.format <> 'remote' AS on_site, p.slot_id, sl.starts_at, sl.ends_at
				FROM participations p JOIN missions m ON m.id = p.mission_id
				LEFT JOIN mission_slots sl ON sl.mission_id = p.mission_id AND sl.id = p.slot_id
				WHERE ` + ownRows("p") + ` AND p.member_id = mb.id AND p.status IN ` + liveStatuses + ` OFFSET 0) x`,
			args: []any{members}}}, &reads, &live)
		if err != nil {
			return err
		}
		read := make([]*applyRead, len(sus))
		for i := range reads {
			if n := reads[i].N; n >= 1 && n <= len(sus) {
				read[n-1] = &reads[i]
			}
		}
		var writes []applyWrite
		for i, su := range sus {
			snap, err := snapshotFor(read[i], live, now)
			if err == nil {
				snap.Mission.InScope = inScope(read[i].mission(), &snap.Campaign, su.tenant)
				_, err = su.decide(snap)
			}
			if err != nil {
				res[i].err = err
				continue
			}
			c := &snap.Campaign
			p := &campaign.Participation{ID: su.id, TenantID: su.tenant, CampaignID: c.ID, MemberID: su.member,
				MissionID: su.in.MissionID, SlotID: su.in.SlotID, Motivation: su.in.Motivation,
				AnswerBy: campaign.AnswerBy(snap.Now, c.ResponseDays)}
			if su.in.SanitaryAck && snap.Mission.RequiresSanitaryAck {
				p.SanitaryAckAt = &snap.Now
			}
			res[i].out, res[i].refused = p, snap // refused until the write says otherwise
			writes = append(writes, applyWrite{ID: p.ID, CampaignID: p.CampaignID, MemberID: p.MemberID, MissionID: p.MissionID,
				SlotID: p.SlotID, Motivation: p.Motivation, SanitaryAckAt: p.SanitaryAckAt, AnswerBy: p.AnswerBy,
				Waiting: su.in.WaitingList, EventID: uuid.Must(uuid.NewV7())})
		}
		if len(writes) == 0 {
			return nil
		}
		missions, counts := rankWrites(writes)
		batch, err := json.Marshal(writes)
		if err != nil {
			return err
		}
		var rows []struct {
			ID        uuid.UUID `bun:"id"`
			Status    string    `bun:"status"`
			CreatedAt time.Time `bun:"created_at"`
			Noted     bool      `bun:"noted"`
		}
		// Sent with the COMMIT: the missions' rows are locked for this
		// statement and the commit, not for one more round trip.
		if err := s.db.selectArgs(CommitWith(ctx), tx, &rows, takePlaces, string(batch), missions, counts); err != nil {
			return err
		}
		for _, r := range rows {
			for i := range res {
				if o := &res[i]; o.out != nil && o.out.ID == r.ID {
					o.out.Status, o.out.CreatedAt, o.noted, o.refused = r.Status, r.CreatedAt, r.Noted, nil
					if o.out.Status != campaign.Pending {
						o.out.AnswerBy = nil
					}
				}
			}
		}
		for i := range res {
			if res[i].refused != nil {
				res[i].out = nil
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, su := range sus {
		su.out, su.noted, su.refused, su.err = res[i].out, res[i].noted, res[i].refused, res[i].err
	}
	return nil
}

// applyWrite is one application for takePlaces, decided by the rules.
type applyWrite struct {
	ID            uuid.UUID  `json:"id"`
	CampaignID    uuid.UUID  `json:"campaign_id"`
	MemberID      uuid.UUID  `json:"member_id"`
	MissionID     uuid.UUID  `json:"mission_id"`
	SlotID        *uuid.UUID `json:"slot_id"`
	Motivation    string     `json:"motivation"`
	SanitaryAckAt *time.Time `json:"sanitary_ack_at"`
	AnswerBy      *time.Time `json:"answer_by"`
	Waiting       bool       `json:"waiting"` // the employee accepts the waiting list
	EventID       uuid.UUID  `json:"event_id"`
	K             int        `json:"k"` // its rank among the batch's applications to its mission, from 1
}

// rankWrites ranks each mission's applications in the order of their ids
// (the order they came, and the waiting list's: created_at, then id, as
// freePlace reads it) and returns the missions in the order of theirs,
// with how many applications each has.
func rankWrites(ws []applyWrite) (missions []uuid.UUID, counts []int) {
	slices.SortFunc(ws, func(a, b applyWrite) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	n := make(map[uuid.UUID]int, len(ws))
	for i := range ws {
		n[ws[i].MissionID]++
		ws[i].K = n[ws[i].MissionID]
	}
	for m := range n {
		missions = append(missions, m)
	}
	slices.SortFunc(missions, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	for _, m := range missions {
		counts = append(counts, n[m])
	}
	return missions, counts
}

// takePlaces is the one statement under the missions' locks, for a batch
// of applications ($1, JSON applyWrite) to missions ($2, in the order of
// their ids) with their numbers of applications ($3): it takes a place for
// each of a mission's applications while one is left, in the order of
// their ranks (rankWrites), records what the missions' managers must
// hear, and inserts the applications, holding a place or waiting when the
// employee asked to. It returns those inserted: the others found no place.
//
// The missions are locked first, one lookup each in the order of their
// ids whatever the plan, so that two batches never wait for each other's
// missions in a cycle; each as last committed (a lock waited for returns
// the row its holder committed), and nothing changes them until COMMIT.
// The UPDATE takes the places counted on those rows, found by their key.
const takePlaces = `WITH r AS (
		SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, campaign_id uuid, member_id uuid, mission_id uuid,
			slot_id uuid, motivation text, sanitary_ack_at timestamptz, answer_by timestamptz, waiting boolean, event_id uuid,
			k int)
	), places AS MATERIALIZED (
		SELECT m.id, m.status, m.places_left, CASE WHEN m.status = 'open' THEN least(w.n, m.places_left) ELSE 0 END AS taken
		FROM unnest($2::uuid[], $3::int[]) AS w(mission_id, n)
		CROSS JOIN LATERAL (SELECT id, status, places_left FROM missions WHERE id = w.mission_id FOR NO KEY UPDATE) m
	), taken AS (
		UPDATE missions m SET places_left = m.places_left - p.taken,
			status = CASE WHEN m.places_left = p.taken THEN 'full' ELSE m.status END, updated_at = now()
		FROM places p WHERE m.id = ANY (ARRAY(SELECT id FROM places WHERE taken > 0)) AND m.id = p.id
		RETURNING m.id
	), event AS (
		INSERT INTO mission_events (id, mission_id, kind)
		SELECT q.event_id, q.mission_id, CASE p.places_left - q.k WHEN 0 THEN 'full' ELSE 'almost_full' END
		FROM r q JOIN places p ON p.id = q.mission_id
		WHERE q.k <= p.taken AND p.places_left - q.k <= 1
		RETURNING id
	), ins AS (
		INSERT INTO participations (tenant_id, id, campaign_id, member_id, mission_id, slot_id, status, motivation,
			sanitary_ack_at, answer_by)
		SELECT app.current_tenant_id(), q.id, q.campaign_id, q.member_id, q.mission_id, q.slot_id,
			CASE WHEN q.k <= p.taken THEN 'pending' ELSE 'waiting' END, q.motivation, q.sanitary_ack_at,
			CASE WHEN q.k <= p.taken THEN q.answer_by END
		FROM r q JOIN places p ON p.id = q.mission_id
		WHERE q.k <= p.taken OR (q.waiting AND p.status IN ('open', 'full'))
		RETURNING id, status, created_at
	)
	SELECT i.id, i.status, i.created_at, q.event_id IN (SELECT id FROM event) AS noted FROM ins i JOIN r q ON q.id = i.id`

// liveRow is one of an employee's live participations, as applyTogether
// reads them.
type liveRow struct {
	MemberID   uuid.UUID  `bun:"member_id"`
	CampaignID uuid.UUID  `bun:"campaign_id"`
	MissionID  uuid.UUID  `bun:"mission_id"`
	OnSite     bool       `bun:"on_site"`
	SlotID     *uuid.UUID `bun:"slot_id"`
	StartsAt   *time.Time `bun:"starts_at"`
	EndsAt     *time.Time `bun:"ends_at"`
}

// snapshotFor is what the rules decide a sign-up on, from its read (nil
// when its employee is not the company's) and every live participation
// read with it; InScope is the caller's. Whether a place is left is
// decided under the mission's lock: the rules are asked as if one were,
// and only their other verdicts count here.
func snapshotFor(r *applyRead, live []liveRow, now time.Time) (*campaign.Snapshot, error) {
	r, err := appliedRead(r)
	if err != nil {
		return nil, err
	}
	snap := &campaign.Snapshot{Now: now}
	snap.Member.ID, snap.Member.Status, snap.Member.Department, snap.Member.Site = r.MemberID, r.MemberStatus, r.Department, r.Site
	snap.Campaign = *r.campaign()
	m := r.mission()
	snap.Mission.ID, snap.Mission.Status, snap.Mission.Format = m.ID, m.Status, m.Format
	snap.Mission.PlacesLeft, snap.Mission.RequiresSanitaryAck = max(m.PlacesLeft, 1), m.RequiresSanitaryAck
	snap.Mission.ExternalURL, snap.Mission.EndsOn = m.ExternalURL, m.EndsOn
	if snap.Mission.Status == catalog.MissionFull {
		snap.Mission.Status = catalog.MissionOpen
	}
	if r.Slots != "" {
		if err := json.Unmarshal([]byte(r.Slots), &snap.Mission.Slots); err != nil {
			return nil, err
		}
	}
	for _, l := range live {
		if l.MemberID != r.MemberID {
			continue
		}
		lp := campaign.LiveParticipation{CampaignID: l.CampaignID, MissionID: l.MissionID, OnSite: l.OnSite}
		if l.SlotID != nil && l.StartsAt != nil {
			lp.Slot = &campaign.SlotTime{ID: *l.SlotID, StartsAt: *l.StartsAt, EndsAt: *l.EndsAt}
		}
		snap.Live = append(snap.Live, lp)
	}
	return snap, nil
}

// missionNow reads a mission as it is, outside any transaction.
func (s *ParticipationStore) missionNow(ctx context.Context, id uuid.UUID) (*missionLock, error) {
	var m *missionLock
	err := s.db.TenantRead(ctx, func(ctx context.Context, db bun.IDB) (err error) {
		m, err = readMission(ctx, db, id, false)
		return err
	})
	return m, err
}

// applyRead is what a sign-up reads before its checks, in one statement.
type applyRead struct {
	N            int       `bun:"n"` // the sign-up's rank in the batch, from 1
	MemberID     uuid.UUID `bun:"member_id"`
	MemberStatus string    `bun:"member_status"`
	Department   string    `bun:"department"`
	Site         string    `bun:"site"`

	CampaignID *uuid.UUID  `bun:"campaign_id"`
	Name       string      `bun:"name"`
	CStatus    string      `bun:"campaign_status"`
	StartsOn   time.Time   `bun:"starts_on"`
	EndsOn     time.Time   `bun:"c_ends_on"`
	Audience   string      `bun:"audience"`
	Values     []string    `bun:"audience_values,array"`
	Scope      string      `bun:"mission_scope"`
	Causes     []string    `bun:"mission_causes,array"`
	MissionIDs []uuid.UUID `bun:"mission_ids,array"`
	MaxActive  int         `bun:"max_active_per_employee"`
	Response   int         `bun:"response_days"`

	missionLock
	MissionFound *uuid.UUID `bun:"mission_found"`
	Slots        string     `bun:"slots"` // JSON: [{"ID", "StartsAt", "EndsAt"}], by start
}

func (r *applyRead) campaign() *campaign.Campaign {
	return &campaign.Campaign{ID: *r.CampaignID, Name: r.Name, Status: r.CStatus, StartsOn: r.StartsOn, EndsOn: r.EndsOn,
		Audience: r.Audience, AudienceValues: r.Values, MissionScope: r.Scope, MissionCauses: r.Causes, MissionIDs: r.MissionIDs,
		MaxActivePerEmployee: r.MaxActive, ResponseDays: r.Response}
}

func (r *applyRead) mission() *missionLock { return &r.missionLock }

// readForApply locks the members' rows, in the order of their ids (two
// batches never wait for each other's in a cycle), and reads for each
// sign-up n (the same rank in the three lists, from 1) the campaign, the
// mission (not locked) and its slots; appliedRead says which of them is
// missing. Each sign-up is read by the statement a sign-up alone was
// read by, its values those of its row: one lookup per table through its
// key, whatever the plan (a lateral subquery that locks is not merged
// into the join).
func readForApply(members, campaigns, missions []uuid.UUID) part {
	return part{sql: `SELECT r.n, x.*
		FROM (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY AS r(member_id, campaign_id, mission_id, n)
			ORDER BY member_id) r
		CROSS JOIN LATERAL (
			SELECT mb.id AS member_id, mb.status AS member_status, mb.department, mb.site,
				c.id AS campaign_id, c.name, c.status AS campaign_status, c.starts_on, c.ends_on AS c_ends_on, c.audience,
				c.audience_values, c.mission_scope, c.mission_causes, c.mission_ids, c.max_active_per_employee, c.response_days,
				m.id, m.id AS mission_found, m.association_id, m.status, m.format, m.places, m.places_left, m.requires_sanitary_ack,
				m.external_url, m.ends_on, m.cause, m.visibility, m.visible_to, a.status AS association_status,
				m.vital_category IS NOT NULL AS vital,
				coalesce((SELECT json_agg(json_build_object('ID', sl.id, 'StartsAt', sl.starts_at, 'EndsAt', sl.ends_at) ORDER BY sl.starts_at)
					FROM mission_slots sl WHERE sl.mission_id = m.id)::text, '') AS slots
			FROM members mb
			LEFT JOIN campaigns c ON c.tenant_id = mb.tenant_id AND c.id = r.campaign_id
			LEFT JOIN missions m ON m.id = r.mission_id
			LEFT JOIN associations a ON a.id = m.association_id
			WHERE ` + ownRows("mb") + ` AND mb.id = r.member_id FOR NO KEY UPDATE OF mb) x`, args: []any{members, campaigns, missions}}
}

// appliedRead is a sign-up's read (nil when readForApply found no member),
// or errs.NotFound naming the first of the member, the campaign and the
// mission that is missing.
func appliedRead(r *applyRead) (*applyRead, error) {
	switch {
	case r == nil:
		return nil, errs.E(errs.NotFound, "no such member")
	case r.CampaignID == nil:
		return nil, errs.E(errs.NotFound, "no such campaign")
	case r.MissionFound == nil:
		return nil, errs.E(errs.NotFound, "no such mission")
	}
	return r, nil
}

// readMission reads a mission, with its row locked when lock is set.
func readMission(ctx context.Context, tx bun.IDB, id uuid.UUID, lock bool) (*missionLock, error) {
	q := `SELECT m.id, m.association_id, m.status, m.format, m.places, m.places_left, m.requires_sanitary_ack,
			m.external_url, m.ends_on, m.cause, m.visibility, m.visible_to, a.status AS association_status,
			m.vital_category IS NOT NULL AS vital
		FROM missions m LEFT JOIN associations a ON a.id = m.association_id WHERE m.id = ?`
	if lock {
		q += " FOR NO KEY UPDATE OF m"
	}
	var m missionLock
	if err := tx.NewRaw(q, id).Scan(ctx, &m); err != nil {
		return nil, notFound(err, "no such mission")
	}
	return &m, nil
}

// inScope says whether a mission is visible to the company and within the
// campaign's missions; its status is DecideApply's, which refuses a closed
// mission in its own words.
func inScope(m *missionLock, c *campaign.Campaign, tenantID uuid.UUID) bool {
	v := catalog.Visibility{AssociationID: m.AssociationID, AssociationStatus: deref(m.AssociationStatus),
		Audience: m.Visibility, Companies: m.VisibleTo}
	return v.Vetted() && v.ShownTo(tenantID) && c.Covers(m.ID, m.Cause, m.Vital, m.Visibility == "listed")
}

// deref is the string s points to, "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// movePlaces takes (delta -1) or gives back (+1) one place of a locked
// mission, moving it between open and full and recording what its
// managers must hear.
func movePlaces(ctx context.Context, tx bun.Tx, m *missionLock, delta int) error {
	after := m.PlacesLeft + delta
	if after < 0 || after > m.Places {
		return errs.E(errs.Internal, "places of mission %s would become %d of %d", m.ID, after, m.Places)
	}
	status := m.Status
	switch {
	case after == 0 && status == catalog.MissionOpen:
		status = catalog.MissionFull
	case after > 0 && status == catalog.MissionFull:
		status = catalog.MissionOpen
	}
	if _, err := tx.ExecContext(ctx, "UPDATE missions SET places_left = ?, status = ?, updated_at = now() WHERE id = ?",
		after, status, m.ID); err != nil {
		return err
	}
	if kind := catalog.PlacesEvent(m.PlacesLeft, after); kind == "almost_full" || kind == "full" {
		if _, err := tx.ExecContext(ctx, "INSERT INTO mission_events (id, mission_id, kind) VALUES (?, ?, ?)",
			uuid.Must(uuid.NewV7()), m.ID, kind); err != nil {
			return err
		}
	}
	m.PlacesLeft, m.Status = after, status
	return nil
}

// freePlace gives a held place back and, unless the mission stopped taking
// volunteers, hands it at once to the first on the waiting list, whatever
// their company: it acts for the mission's association for that.
func freePlace(ctx context.Context, tx bun.Tx, m *missionLock) (*campaign.Participation, error) {
	if m.Status == catalog.MissionClosed || m.Status == catalog.MissionFlagged || m.AssociationID == nil {
		return nil, movePlaces(ctx, tx, m, +1)
	}
	if _, err := tx.ExecContext(ctx, "SELECT set_config('app.association_id', ?, true)", m.AssociationID.String()); err != nil {
		return nil, err
	}
	var next campaign.Participation
	err := tx.NewRaw(`SELECT tenant_id, id, campaign_id, member_id, mission_id, status, created_at FROM participations
		WHERE mission_id = ? AND status = 'waiting' ORDER BY created_at, id LIMIT 1 FOR UPDATE`, m.ID).
		Scan(ctx, &next.TenantID, &next.ID, &next.CampaignID, &next.MemberID, &next.MissionID, &next.Status, &next.CreatedAt)
	if errs.Is(translate(err), errs.NotFound) {
		return nil, movePlaces(ctx, tx, m, +1)
	}
	if err != nil {
		return nil, err
	}
	// The place passes from one volunteer to the next: places left stay.
	// The association's response time starts now; the days come from the
	// application's campaign, read as the company, whatever view decides.
	if _, err := tx.ExecContext(ctx, `UPDATE participations SET status = 'pending', updated_at = now(),
			answer_by = now() + make_interval(days => coalesce(
				(SELECT response_days FROM campaigns c WHERE c.tenant_id = participations.tenant_id AND c.id = participations.campaign_id),
				?))
		WHERE tenant_id = ? AND id = ?`, campaign.DefaultResponseDays, next.TenantID, next.ID); err != nil {
		return nil, err
	}
	next.Status = campaign.Pending
	if err := fillPerson(ctx, tx, &next); err != nil {
		return nil, err
	}
	return &next, nil
}

// Cancel cancels an employee's own live participation.
func (s *ParticipationStore) Cancel(ctx context.Context, memberID, id uuid.UUID, reason string) (*campaign.Change, error) {
	var ch campaign.Change
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT 1 FROM members WHERE id = ? FOR UPDATE", memberID); err != nil {
			return err
		}
		var missionID uuid.UUID
		if err := tx.NewRaw("SELECT mission_id FROM participations p WHERE "+ownRows("p")+" AND id = ? AND member_id = ?", id, memberID).Scan(ctx, &missionID); err != nil {
			return notFound(err, "no such participation")
		}
		m, err := lockMission(ctx, tx, missionID)
		if err != nil {
			return err
		}
		p, err := lockParticipation(ctx, tx, ownRows("p")+" AND p.id = ? AND p.member_id = ?", id, memberID)
		if err != nil {
			return err
		}
		held := campaign.HoldsPlace(p.Status)
		if err := p.Move(campaign.Cancelled); err != nil {
			return err
		}
		p.CancelReason = reason
		if _, err := tx.ExecContext(ctx, `UPDATE participations SET status = 'cancelled', cancel_reason = ?, updated_at = now()
			WHERE tenant_id = app.current_tenant_id() AND id = ?`, reason, id); err != nil {
			return err
		}
		ch.Participation = p
		if held {
			ch.Promoted, err = freePlace(ctx, tx, m)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ch, nil
}

func lockParticipation(ctx context.Context, tx bun.Tx, where string, args ...any) (*campaign.Participation, error) {
	var p campaign.Participation
	err := tx.NewRaw(`SELECT p.tenant_id, p.id, p.campaign_id, p.member_id, p.mission_id, p.status, p.created_at
		FROM participations p WHERE `+where+` FOR UPDATE`, args...).
		Scan(ctx, &p.TenantID, &p.ID, &p.CampaignID, &p.MemberID, &p.MissionID, &p.Status, &p.CreatedAt)
	if err != nil {
		return nil, notFound(err, "no such participation")
	}
	return &p, nil
}

// Decide validates or refuses an application to one of the association's
// missions.
func (s *ParticipationStore) Decide(ctx context.Context, associationID, id uuid.UUID, d campaign.Decision) (*campaign.Change, error) {
	var ch campaign.Change
	err := s.db.AssociationTx(ctx, associationID, func(ctx context.Context, tx bun.Tx) error {
		var missionID uuid.UUID
		if err := tx.NewRaw(`SELECT p.mission_id FROM participations p JOIN missions m ON m.id = p.mission_id
			WHERE p.id = ? AND m.association_id = ?`, id, associationID).Scan(ctx, &missionID); err != nil {
			return notFound(err, "no such participation")
		}
		m, err := lockMission(ctx, tx, missionID)
		if err != nil {
			return err
		}
		p, err := lockParticipation(ctx, tx, "p.id = ? AND p.mission_id = ?", id, missionID)
		if err != nil {
			return err
		}
		held := campaign.HoldsPlace(p.Status)
		to := campaign.Refused
		if d.Validate {
			to = campaign.Validated
		}
		if err := p.Move(to); err != nil {
			return err
		}
		var reason *string
		if !d.Validate {
			reason = &d.Reason
			p.RefusalReason, p.ReasonDetail = d.Reason, d.Detail
		}
		if _, err := tx.ExecContext(ctx, `UPDATE participations SET status = ?, refusal_reason = ?, reason_detail = ?,
			decided_at = now(), updated_at = now() WHERE tenant_id = ? AND id = ?`, to, reason, d.Detail, p.TenantID, p.ID); err != nil {
			return err
		}
		if err := fillPerson(ctx, tx, p); err != nil {
			return err
		}
		if err := fillDates(ctx, tx, p); err != nil {
			return err
		}
		ch.Participation = p
		if held && !d.Validate {
			ch.Promoted, err = freePlace(ctx, tx, m)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ch, nil
}

// fillDates reads the dates of p and the SEQUENCE of its calendar event,
// as the database raised it.
func fillDates(ctx context.Context, tx bun.Tx, p *campaign.Participation) error {
	return tx.NewRaw(`SELECT p.calendar_sequence, d.starts_at, d.ends_at FROM participations p
		LEFT JOIN LATERAL app.participation_dates(p.mission_id, p.slot_id) d ON true WHERE p.tenant_id = ? AND p.id = ?`,
		p.TenantID, p.ID).Scan(ctx, &p.CalendarSequence, &p.StartsAt, &p.EndsAt)
}

// Attend implements campaign.ParticipationStore.
func (s *ParticipationStore) Attend(ctx context.Context, associationID, id uuid.UUID, decide func(p *campaign.Participation) error) (*campaign.Participation, error) {
	var out *campaign.Participation
	err := s.db.AssociationTx(ctx, associationID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM participations p JOIN missions m ON m.id = p.mission_id
			WHERE p.id = ? AND m.association_id = ? FOR UPDATE OF p`, id, associationID); err != nil {
			return err
		}
		ps, err := listParticipations(ctx, tx, "p.id = ? AND m.association_id = ?", id, associationID)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			return errs.E(errs.NotFound, "no such participation")
		}
		p := &ps[0]
		if err := decide(p); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE participations SET status = ?, updated_at = now() WHERE tenant_id = ? AND id = ?",
			p.Status, p.TenantID, p.ID); err != nil {
			return err
		}
		out = p
		return nil
	})
	return out, err
}

// CancelFlagged cancels the live participations of missions flagged in
// the last week (the flag cancels at once; this also catches up after a
// crash between the flag and the cancellations).
func (s *ParticipationStore) CancelFlagged(ctx context.Context) ([]campaign.Participation, error) {
	var missions []struct {
		ID            uuid.UUID `bun:"id"`
		AssociationID uuid.UUID `bun:"association_id"`
	}
	if err := s.db.NewRaw(`SELECT id, association_id FROM missions WHERE status = 'flagged' AND association_id IS NOT NULL
		AND flagged_at > now() - interval '7 days'`).Scan(ctx, &missions); err != nil {
		return nil, translate(err)
	}
	var out []campaign.Participation
	for _, fm := range missions {
		err := s.db.AssociationTx(ctx, fm.AssociationID, func(ctx context.Context, tx bun.Tx) error {
			if _, err := lockMission(ctx, tx, fm.ID); err != nil {
				return err
			}
			var ps []struct {
				TenantID uuid.UUID  `bun:"tenant_id"`
				ID       uuid.UUID  `bun:"id"`
				MemberID uuid.UUID  `bun:"member_id"`
				Email    string     `bun:"email"`
				Name     string     `bun:"full_name"`
				Title    string     `bun:"title"`
				Locale   string     `bun:"locale"`
				Reason   string     `bun:"flagged_reason"`
				Sequence int        `bun:"calendar_sequence"`
				Starts   *time.Time `bun:"starts_at"`
				Ends     *time.Time `bun:"ends_at"`
			}
			if err := tx.NewRaw(`UPDATE participations p SET status = 'cancelled', cancel_reason = 'mission_flagged', updated_at = now()
				FROM members mb, missions m, tenants t
				WHERE p.mission_id = ? AND p.status IN `+liveStatuses+`
				  AND mb.tenant_id = p.tenant_id AND mb.id = p.member_id AND m.id = p.mission_id AND t.id = p.tenant_id
				RETURNING p.tenant_id, p.id, p.member_id, mb.email, mb.full_name, m.title, t.locale, m.flagged_reason, p.calendar_sequence,
					(app.participation_dates(p.mission_id, p.slot_id)).starts_at, (app.participation_dates(p.mission_id, p.slot_id)).ends_at`,
				fm.ID).Scan(ctx, &ps); err != nil {
				return err
			}
			for _, p := range ps {
				out = append(out, campaign.Participation{TenantID: p.TenantID, ID: p.ID, MemberID: p.MemberID, MissionID: fm.ID,
					Status: campaign.Cancelled, CancelReason: "mission_flagged", MemberEmail: p.Email, MemberName: p.Name, MissionTitle: p.Title, Locale: p.Locale, ReasonDetail: p.Reason,
					CalendarSequence: p.Sequence, StartsAt: p.Starts, EndsAt: p.Ends})
			}
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

const participationCols = `p.tenant_id, p.id, p.campaign_id, p.member_id, p.mission_id, p.slot_id, p.status, p.motivation,
	p.sanitary_ack_at, coalesce(p.refusal_reason, '') AS refusal_reason, p.cancel_reason, p.reason_detail, p.created_at, p.decided_at,
	p.answer_by, p.flagged_late_at,
	m.title AS mission_title, coalesce(a.name, m.organizer) AS association, mb.full_name AS member_name, mb.email AS member_email,
	t.name AS company, t.locale, p.calendar_sequence, d.starts_at, d.ends_at`

const participationFrom = ` FROM participations p` + joinsAfterParticipations

// joinsAfterParticipations join a participation p to what participationCols
// read.
const joinsAfterParticipations = ` LEFT JOIN LATERAL app.participation_dates(p.mission_id, p.slot_id) d ON true
	JOIN missions m ON m.id = p.mission_id
	LEFT JOIN associations a ON a.id = m.association_id
	JOIN members mb ON mb.tenant_id = p.tenant_id AND mb.id = p.member_id
	JOIN tenants t ON t.id = p.tenant_id`

func listParticipations(ctx context.Context, tx bun.IDB, where string, args ...any) ([]campaign.Participation, error) {
	// Columns are named as the fields of campaign.Participation: bun maps
	// them without a copy of the type.
	var out []campaign.Participation
	err := tx.NewRaw("SELECT "+participationCols+participationFrom+" WHERE "+where+" ORDER BY p.created_at, p.id", args...).
		Scan(ctx, &out)
	return out, err
}

// Mine lists an employee's participations, oldest first.
func (s *ParticipationStore) Mine(ctx context.Context, memberID uuid.UUID) (out []campaign.Participation, err error) {
	var assocs []uuid.UUID
	err = s.db.TenantRead(ctx, func(ctx context.Context, tx bun.IDB) error {
		out, err = listParticipations(ctx, tx, ownRows("p")+" AND p.member_id = ?", memberID)
		if err != nil {
			return err
		}
		assocs, err = waitingAssociations(ctx, tx, out)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, s.waitingPositions(ctx, assocs, out)
}

// waitingAssociations are the associations of the missions whose waiting
// lists ps wait on.
func waitingAssociations(ctx context.Context, tx bun.IDB, ps []campaign.Participation) ([]uuid.UUID, error) {
	var waiting []uuid.UUID
	for _, p := range ps {
		if p.Status == campaign.Waiting {
			waiting = append(waiting, p.ID)
		}
	}
	if len(waiting) == 0 {
		return nil, nil
	}
	var out []uuid.UUID
	err := tx.NewRaw(`SELECT DISTINCT m.association_id FROM participations p JOIN missions m ON m.id = p.mission_id
		WHERE `+ownRows("p")+` AND p.id = ANY(?) AND m.association_id IS NOT NULL`, pgArray(waiting)).Scan(ctx, &out)
	return out, err
}

// waitingPositions fills the place on its waiting list of each waiting
// participation of ps, whose missions are of assocs. The list mixes companies, which a company does not see:
// it is counted as each mission's association, in the order freePlace
// promotes (created_at, id).
func (s *ParticipationStore) waitingPositions(ctx context.Context, assocs []uuid.UUID, ps []campaign.Participation) error {
	var waiting []uuid.UUID
	for _, p := range ps {
		if p.Status == campaign.Waiting {
			waiting = append(waiting, p.ID)
		}
	}
	positions := map[uuid.UUID]int{}
	for _, a := range assocs {
		err := s.db.AssociationTx(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			var rows []struct {
				ID       uuid.UUID `bun:"id"`
				Position int       `bun:"position"`
			}
			if err := tx.NewRaw(`SELECT p.id, (SELECT count(*) FROM participations w WHERE w.mission_id = p.mission_id
					AND w.status = 'waiting' AND (w.created_at, w.id) <= (p.created_at, p.id)) AS position
				FROM participations p WHERE p.id = ANY(?) AND p.status = 'waiting'`, pgArray(waiting)).Scan(ctx, &rows); err != nil {
				return err
			}
			for _, r := range rows {
				positions[r.ID] = r.Position
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for i := range ps {
		ps[i].WaitingPosition = positions[ps[i].ID]
	}
	return nil
}

// OfCampaign lists a campaign's participations, in a status or all.
func (s *ParticipationStore) OfCampaign(ctx context.Context, campaignID uuid.UUID, status string) (out []campaign.Participation, err error) {
	err = s.db.TenantRead(ctx, func(ctx context.Context, tx bun.IDB) error {
		// An unknown campaign (another company's, under row-level
		// security) is not found, not an empty list.
		var exists bool
		if err := tx.NewRaw("SELECT EXISTS (SELECT 1 FROM campaigns WHERE tenant_id = app.current_tenant_id() AND id = ?)", campaignID).Scan(ctx, &exists); err != nil {
			return err
		}
		if !exists {
			return errs.E(errs.NotFound, "no such campaign")
		}
		out, err = listParticipations(ctx, tx, ownRows("p")+" AND p.campaign_id = ? AND (? = '' OR p.status = ?)", campaignID, status, status)
		return err
	})
	return out, err
}

// OfAssociation lists the applications to an association's missions, from
// every company.
func (s *ParticipationStore) OfAssociation(ctx context.Context, associationID uuid.UUID, missionID *uuid.UUID, status string) (out []campaign.Participation, err error) {
	err = s.db.AssociationTx(ctx, associationID, func(ctx context.Context, tx bun.Tx) error {
		if missionID != nil {
			// The mission named twice: the planner then reads it once by
			// its key rather than the association's missions per row.
			out, err = listParticipations(ctx, tx, `m.association_id = ? AND m.id = ? AND p.mission_id = ? AND (? = '' OR p.status = ?)`,
				associationID, missionID, missionID, status, status)
			return err
		}
		out, err = listParticipations(ctx, tx, `m.association_id = ? AND (? = '' OR p.status = ?)`, associationID, status, status)
		return err
	})
	return out, err
}

// fillPerson reads who a participation is from and the mission's title,
// for the mail that tells them.
func fillPerson(ctx context.Context, tx bun.Tx, p *campaign.Participation) error {
	return tx.NewRaw(`SELECT mb.email, mb.full_name, t.locale, t.name, m.title FROM members mb
		JOIN tenants t ON t.id = mb.tenant_id, missions m WHERE mb.tenant_id = ? AND mb.id = ? AND m.id = ?`,
		p.TenantID, p.MemberID, p.MissionID).Scan(ctx, &p.MemberEmail, &p.MemberName, &p.Locale, &p.Company, &p.MissionTitle)
}

// liveStatuses are the statuses of a participation that holds, or waits
// for, a place (campaign.Waiting, Pending, Validated): SQL's one spelling.
// ownRows is the company's own rows of a tenant-owned table aliased a, in
// the query's own words. Row-level security says the same, but ORed with
// an association's view (the rows of its missions, from every company),
// which hides the tenant from the planner: with it in the WHERE clause, a
// company's query uses the index that starts with tenant_id whatever the
// statistics say (TestHotQueriesUseTheirIndexesUnderRowLevelSecurity).
func ownRows(a string) string { return a + ".tenant_id = app.current_tenant_id()" }

const liveStatuses = `('waiting', 'pending', 'validated')`

// lateApplication is campaign.Participation.Late in SQL, for participations p.
const lateApplication = `p.status = 'pending' AND p.answer_by < now()`

// FlagLate marks the applications left unanswered past their campaign's
// response time, once.
// It walks the associations with such applications (under each one's
// view), then reads each company's HR admins (under that company).
func (s *ParticipationStore) FlagLate(ctx context.Context) ([]campaign.LateApplication, error) {
	var assocs []uuid.UUID
	if err := s.db.NewRaw(`SELECT DISTINCT association_id FROM missions
		WHERE association_id IS NOT NULL AND status IN ('open', 'full', 'closed')`).Scan(ctx, &assocs); err != nil {
		return nil, translate(err)
	}
	var out []campaign.LateApplication
	for _, a := range assocs {
		err := s.db.AssociationTx(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			var rows []struct {
				TenantID uuid.UUID `bun:"tenant_id"`
				ID       uuid.UUID `bun:"id"`
				Mission  string    `bun:"title"`
				Created  time.Time `bun:"created_at"`
				Assoc    string    `bun:"association"`
				Name     string    `bun:"full_name"`
				Company  string    `bun:"company"`
				Slug     string    `bun:"slug"`
				Managers []string  `bun:"managers,array"`
			}
			err := tx.NewRaw(`WITH late AS (
					UPDATE participations p SET flagged_late_at = now()
					FROM missions m WHERE m.id = p.mission_id AND m.association_id = ?
					  AND p.flagged_late_at IS NULL AND `+lateApplication+`
					RETURNING p.tenant_id, p.id, p.member_id, m.title, p.created_at)
				SELECT l.tenant_id, l.id, l.title, l.created_at, a.name AS association, mb.full_name, t.name AS company, t.slug,
					`+managerEmails("a.id")+` AS managers
				FROM late l JOIN members mb ON mb.tenant_id = l.tenant_id AND mb.id = l.member_id
				JOIN tenants t ON t.id = l.tenant_id, associations a WHERE a.id = ?`, a, a).Scan(ctx, &rows)
			for _, r := range rows {
				out = append(out, campaign.LateApplication{AssociationID: a, Managers: r.Managers, CompanySlug: r.Slug,
					Participation: campaign.Participation{TenantID: r.TenantID, ID: r.ID, MissionTitle: r.Mission, CreatedAt: r.Created,
						Association: r.Assoc, MemberName: r.Name, Company: r.Company}})
			}
			return err
		})
		if err != nil {
			return out, err
		}
	}
	admins := map[uuid.UUID][]string{}
	for i := range out {
		tid := out[i].TenantID
		if _, ok := admins[tid]; !ok {
			var emails []string
			err := s.db.TenantTx(tenants.NewContext(ctx, &tenants.Tenant{ID: tid}), func(ctx context.Context, tx bun.Tx) error {
				return tx.NewRaw("SELECT email FROM members WHERE role = 'hr_admin' AND status = 'active' ORDER BY email").Scan(ctx, &emails)
			})
			if err != nil {
				return out, err
			}
			admins[tid] = emails
		}
		out[i].HRAdmins = admins[tid]
	}
	return out, nil
}

package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

// CampaignStore implements campaign.CampaignStore: the platform's
// templates (no tenant) and the campaigns of the company in the context
// (row-level security; another company's campaign is not found).
type CampaignStore struct{ db *DB }

// NewCampaignStore returns a campaign.CampaignStore on db.
func NewCampaignStore(db *DB) *CampaignStore { return &CampaignStore{db: db} }

var _ campaign.CampaignStore = (*CampaignStore)(nil)

// sqlState is the SQLSTATE of a PostgreSQL error, "" for any other.
func sqlState(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code
	}
	return ""
}

// --- templates ---

const templateCols = `code, name_fr, name_en, description_fr, description_en, crisis, remote_first, goal_participation_pct,
	goal_hours_per_person::float8 AS goal_hours_per_person, duration_days, max_active_per_employee,
	auto_approve_hours::float8 AS auto_approve_hours, updated_at`

type templateRow struct {
	Code                 string    `bun:"code"`
	NameFR               string    `bun:"name_fr"`
	NameEN               string    `bun:"name_en"`
	DescriptionFR        string    `bun:"description_fr"`
	DescriptionEN        string    `bun:"description_en"`
	Crisis               bool      `bun:"crisis"`
	RemoteFirst          bool      `bun:"remote_first"`
	GoalParticipationPct *int      `bun:"goal_participation_pct"`
	GoalHoursPerPerson   *float64  `bun:"goal_hours_per_person"`
	DurationDays         int       `bun:"duration_days"`
	MaxActivePerEmployee int       `bun:"max_active_per_employee"`
	AutoApproveHours     float64   `bun:"auto_approve_hours"`
	UpdatedAt            time.Time `bun:"updated_at"`
}

func (r templateRow) domain() campaign.Template {
	return campaign.Template{Code: r.Code, NameFR: r.NameFR, NameEN: r.NameEN, DescriptionFR: r.DescriptionFR,
		DescriptionEN: r.DescriptionEN, Crisis: r.Crisis, RemoteFirst: r.RemoteFirst, GoalParticipationPct: r.GoalParticipationPct,
		GoalHoursPerPerson: r.GoalHoursPerPerson, DurationDays: r.DurationDays, MaxActivePerEmployee: r.MaxActivePerEmployee,
		AutoApproveHours: r.AutoApproveHours, UpdatedAt: r.UpdatedAt}
}

// Templates lists the templates, the built-in drive first.
func (s *CampaignStore) Templates(ctx context.Context) ([]campaign.Template, error) {
	var rows []templateRow
	err := s.db.NewRaw("SELECT "+templateCols+" FROM campaign_templates ORDER BY code <> ?, code",
		campaign.BuiltInTemplate).Scan(ctx, &rows)
	out := make([]campaign.Template, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, translate(err)
}

// Template returns one template.
func (s *CampaignStore) Template(ctx context.Context, code string) (*campaign.Template, error) {
	return s.template(ctx, s.db, code, false)
}

func (s *CampaignStore) template(ctx context.Context, db bun.IDB, code string, lock bool) (*campaign.Template, error) {
	q := "SELECT " + templateCols + " FROM campaign_templates WHERE code = ?"
	if lock {
		q += " FOR UPDATE"
	}
	var row templateRow
	if err := db.NewRaw(q, code).Scan(ctx, &row); err != nil {
		return nil, notFound(err, "no such template")
	}
	t := row.domain()
	return &t, nil
}

// CreateTemplate inserts a template.
func (s *CampaignStore) CreateTemplate(ctx context.Context, t *campaign.Template) error {
	err := s.db.NewRaw(`INSERT INTO campaign_templates (code, name_fr, name_en, description_fr, description_en, crisis,
			remote_first, goal_participation_pct, goal_hours_per_person, duration_days, max_active_per_employee, auto_approve_hours)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING updated_at`,
		t.Code, t.NameFR, t.NameEN, t.DescriptionFR, t.DescriptionEN, t.Crisis, t.RemoteFirst, t.GoalParticipationPct,
		t.GoalHoursPerPerson, t.DurationDays, t.MaxActivePerEmployee, t.AutoApproveHours).Scan(ctx, &t.UpdatedAt)
	if sqlState(err) == "23505" {
		return errs.Wrap(err, errs.Conflict, "a template with the code %q already exists", t.Code)
	}
	return translate(err)
}

// UpdateTemplate changes a template under a row lock.
func (s *CampaignStore) UpdateTemplate(ctx context.Context, code string, fn func(*campaign.Template) error) (*campaign.Template, error) {
	var out *campaign.Template
	err := s.db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		t, err := s.template(ctx, tx, code, true)
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		out = t
		return tx.NewRaw(`UPDATE campaign_templates SET name_fr = ?, name_en = ?, description_fr = ?, description_en = ?,
				crisis = ?, remote_first = ?, goal_participation_pct = ?, goal_hours_per_person = ?, duration_days = ?,
				max_active_per_employee = ?, auto_approve_hours = ?, updated_at = now()
			WHERE code = ? RETURNING updated_at`,
			t.NameFR, t.NameEN, t.DescriptionFR, t.DescriptionEN, t.Crisis, t.RemoteFirst, t.GoalParticipationPct,
			t.GoalHoursPerPerson, t.DurationDays, t.MaxActivePerEmployee, t.AutoApproveHours, code).Scan(ctx, &t.UpdatedAt)
	})
	return out, err
}

// DeleteTemplate removes a template no campaign refers to.
func (s *CampaignStore) DeleteTemplate(ctx context.Context, code string) error {
	res, err := s.db.ExecContext(ctx, "DELETE FROM campaign_templates WHERE code = ?", code)
	if sqlState(err) == "23503" { // foreign_key_violation: campaigns were made from it
		return errs.Wrap(err, errs.Conflict, "campaigns were made from the template %q: it cannot be deleted", code)
	}
	if err != nil {
		return translate(err)
	}
	if rowsAffected(res) == 0 {
		return errs.E(errs.NotFound, "no such template")
	}
	return nil
}

// --- campaigns ---

const campaignCols = `c.id, coalesce(c.template_code, '') AS template_code, c.name, c.description, c.starts_on, c.ends_on,
	c.status, c.audience, c.audience_values, c.mission_scope, c.mission_causes, c.mission_ids, c.goal_participants,
	c.goal_hours::float8 AS goal_hours, c.max_active_per_employee, c.allowance_hours::float8 AS allowance_hours,
	c.auto_approve_hours::float8 AS auto_approve_hours, c.crisis, c.remote_first, c.work_time, c.response_days, c.created_by,
	c.launched_at, c.created_at`

type campaignRow struct {
	ID                   uuid.UUID   `bun:"id"`
	TemplateCode         string      `bun:"template_code"`
	Name                 string      `bun:"name"`
	Description          string      `bun:"description"`
	StartsOn             time.Time   `bun:"starts_on"`
	EndsOn               time.Time   `bun:"ends_on"`
	Status               string      `bun:"status"`
	Audience             string      `bun:"audience"`
	AudienceValues       []string    `bun:"audience_values,array"`
	MissionScope         string      `bun:"mission_scope"`
	MissionCauses        []string    `bun:"mission_causes,array"`
	MissionIDs           []uuid.UUID `bun:"mission_ids,array"`
	GoalParticipants     *int        `bun:"goal_participants"`
	GoalHours            *float64    `bun:"goal_hours"`
	MaxActivePerEmployee int         `bun:"max_active_per_employee"`
	AllowanceHours       *float64    `bun:"allowance_hours"`
	AutoApproveHours     float64     `bun:"auto_approve_hours"`
	Crisis               bool        `bun:"crisis"`
	RemoteFirst          bool        `bun:"remote_first"`
	WorkTime             bool        `bun:"work_time"`
	ResponseDays         int         `bun:"response_days"`
	CreatedBy            *uuid.UUID  `bun:"created_by"`
	LaunchedAt           *time.Time  `bun:"launched_at"`
	CreatedAt            time.Time   `bun:"created_at"`
}

func (r campaignRow) domain() campaign.Campaign {
	c := campaign.Campaign{ID: r.ID, TemplateCode: r.TemplateCode, Name: r.Name, Description: r.Description,
		StartsOn: r.StartsOn, EndsOn: r.EndsOn, Status: r.Status, Audience: r.Audience, AudienceValues: r.AudienceValues,
		MissionScope: r.MissionScope, MissionCauses: r.MissionCauses, MissionIDs: r.MissionIDs,
		GoalParticipants: r.GoalParticipants, GoalHours: r.GoalHours, MaxActivePerEmployee: r.MaxActivePerEmployee,
		AllowanceHours: r.AllowanceHours, AutoApproveHours: r.AutoApproveHours, Crisis: r.Crisis, RemoteFirst: r.RemoteFirst,
		WorkTime: r.WorkTime, ResponseDays: r.ResponseDays, CreatedBy: r.CreatedBy, LaunchedAt: r.LaunchedAt, CreatedAt: r.CreatedAt}
	if c.AudienceValues == nil {
		c.AudienceValues = []string{}
	}
	if c.MissionCauses == nil {
		c.MissionCauses = []string{}
	}
	if c.MissionIDs == nil {
		c.MissionIDs = []uuid.UUID{}
	}
	return c
}

// audienceSQL matches the members (alias mb) of an audience given as
// three parameters: the kind twice, then the lower-cased values twice.
const audienceSQL = `(?::text = 'all'
	OR (?::text = 'departments' AND lower(mb.department) = ANY(?::text[]))
	OR (?::text = 'sites' AND lower(mb.site) = ANY(?::text[])))`

func audienceArgs(audience string, values []string) []any {
	low := make([]string, len(values))
	for i, v := range values {
		low[i] = strings.ToLower(strings.TrimSpace(v))
	}
	return []any{audience, audience, pgArray(low), audience, pgArray(low)}
}

// AudienceSize counts the active members of an audience.
func (s *CampaignStore) AudienceSize(ctx context.Context, audience string, values []string) (int, error) {
	var n int
	err := s.db.TenantRead(ctx, func(ctx context.Context, tx bun.IDB) error {
		return tx.NewRaw("SELECT count(*) FROM members mb WHERE mb.status = 'active' AND "+audienceSQL,
			audienceArgs(audience, values)...).Scan(ctx, &n)
	})
	return n, err
}

// missionVisibleSQL is catalog.Visibility.VisibleTo in SQL: the missions
// (alias m) that the company whose id the SQL expression company gives may
// see: open or full, of a verified association or curated by the platform,
// shown to every company or listed for it. A NULL company (a visitor of
// the platform's own host) sees those shown to every company; "" (platform
// staff) any company's.
//
// "Of a verified association or curated by the platform" is m.listable, a
// copy of the association's status kept by triggers (migration
// 20261202000100), so that no search reads an association per candidate.
func missionVisibleSQL(company string) string {
	return "m.status IN ('open', 'full') AND " + missionShownSQL(company)
}

// missionShownSQL is missionVisibleSQL without the status, for a query
// whose own condition on m.status implies it (the search's status =
// 'open'): a clause less to plan, in every segment of every search.
func missionShownSQL(company string) string {
	if company == "" {
		return "m.listable"
	}
	return "m.listable AND (m.visibility = 'all' OR " + company + "::uuid = ANY (m.visible_to))"
}

// visibleSQL is missionVisibleSQL for the company of one ? parameter.
var visibleSQL = missionVisibleSQL("?")

// campaignScopeSQL is campaign.Campaign.Covers in SQL, for missions the
// company sees (alias m): its condition and the arguments it takes.
func campaignScopeSQL(c *campaign.Campaign) (string, []any) {
	scope, args := "true", []any(nil)
	switch c.MissionScope {
	case campaign.ScopeCauses:
		scope, args = "(m.cause = ANY(?::text[]) OR m.visibility = 'listed')", []any{pgArray(nonNilStrings(c.MissionCauses))}
	case campaign.ScopeListed:
		scope, args = "(m.id = ANY(?::uuid[]) OR m.visibility = 'listed')", []any{pgArray(nonNilIDs(c.MissionIDs))}
	}
	if c.Crisis {
		scope = "(" + scope + " OR m.vital_category IS NOT NULL)"
	}
	return scope, args
}

// VisibleMissions returns those of ids that the company may see.
func (s *CampaignStore) VisibleMissions(ctx context.Context, ids []uuid.UUID) ([]uuid.UUID, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out []uuid.UUID
	err = s.db.NewRaw(`SELECT m.id FROM missions m LEFT JOIN associations a ON a.id = m.association_id
		WHERE m.id = ANY(?) AND `+visibleSQL, pgArray(ids), t.ID).Scan(ctx, &out)
	return out, translate(err)
}

// CreateCampaign inserts a campaign of the company in the context.
func (s *CampaignStore) CreateCampaign(ctx context.Context, c *campaign.Campaign) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO campaigns (tenant_id, id, template_code, name, description, starts_on, ends_on,
				status, audience, audience_values, mission_scope, mission_causes, mission_ids, goal_participants, goal_hours,
				max_active_per_employee, allowance_hours, auto_approve_hours, crisis, remote_first, work_time, response_days, created_by,
				launched_at, created_at)
			VALUES (app.current_tenant_id(), ?, nullif(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.TemplateCode, c.Name, c.Description, c.StartsOn, c.EndsOn, c.Status, c.Audience, pgArray(c.AudienceValues),
			c.MissionScope, pgArray(c.MissionCauses), pgArray(c.MissionIDs), c.GoalParticipants, c.GoalHours,
			c.MaxActivePerEmployee, c.AllowanceHours, c.AutoApproveHours, c.Crisis, c.RemoteFirst, c.WorkTime, c.ResponseDays,
			c.CreatedBy, c.LaunchedAt, c.CreatedAt)
		return err
	})
}

// Campaigns lists the company's campaigns that pass f, newest first. The
// statement has only the conditions f asks for, with bind parameters: one
// text per kind of filter, prepared once (a campaign read by id comes
// before every recommendation and campaign page).
func (s *CampaignStore) Campaigns(ctx context.Context, f campaign.CampaignFilter) ([]campaign.Campaign, error) {
	where, args := []string{ownRows("c")}, []any{}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.ID != nil {
		where = append(where, "c.id = "+arg(*f.ID))
	}
	if f.Status != "" {
		where = append(where, "c.status = "+arg(f.Status))
	}
	if f.ForMember != nil {
		where = append(where, `c.status = 'active' AND EXISTS (
				SELECT 1 FROM members mb WHERE `+ownRows("mb")+` AND mb.id = `+arg(*f.ForMember)+` AND (c.audience = 'all'
					OR (c.audience = 'departments' AND lower(mb.department) IN (SELECT lower(v) FROM unnest(c.audience_values) v))
					OR (c.audience = 'sites' AND lower(mb.site) IN (SELECT lower(v) FROM unnest(c.audience_values) v))))`)
	}
	var out []campaign.Campaign
	err := s.db.TenantRead(ctx, func(ctx context.Context, tx bun.IDB) error {
		var rows []campaignRow
		if err := s.db.selectArgs(ctx, tx, &rows, `SELECT `+campaignCols+` FROM campaigns c
			WHERE `+strings.Join(where, "\n  AND ")+`
			ORDER BY c.created_at DESC, c.id LIMIT 1000`, args...); err != nil {
			return err
		}
		out = make([]campaign.Campaign, len(rows))
		for i, r := range rows {
			out[i] = r.domain()
		}
		return nil
	})
	return out, err
}

// lockCampaign serializes the changes of a campaign. NO KEY UPDATE, not
// UPDATE: a sign-up inserting a participation that refers to the campaign
// (a KEY SHARE lock) must not wait for it, or a launch, which then locks
// the members it invites, deadlocks with sign-ups that lock a member first.
func lockCampaign(ctx context.Context, tx bun.Tx, id uuid.UUID) (*campaign.Campaign, error) {
	var row campaignRow
	if err := tx.NewRaw("SELECT "+campaignCols+" FROM campaigns c WHERE c.id = ? FOR NO KEY UPDATE", id).Scan(ctx, &row); err != nil {
		return nil, notFound(err, "no such campaign")
	}
	c := row.domain()
	return &c, nil
}

func writeCampaign(ctx context.Context, tx bun.Tx, c *campaign.Campaign) error {
	_, err := tx.ExecContext(ctx, `UPDATE campaigns SET name = ?, description = ?, starts_on = ?, ends_on = ?, status = ?,
			audience = ?, audience_values = ?, mission_scope = ?, mission_causes = ?, mission_ids = ?, goal_participants = ?,
			goal_hours = ?, max_active_per_employee = ?, allowance_hours = ?, auto_approve_hours = ?, crisis = ?,
			remote_first = ?, work_time = ?, response_days = ?, launched_at = ?, updated_at = now()
		WHERE id = ?`,
		c.Name, c.Description, c.StartsOn, c.EndsOn, c.Status, c.Audience, pgArray(c.AudienceValues), c.MissionScope,
		pgArray(c.MissionCauses), pgArray(c.MissionIDs), c.GoalParticipants, c.GoalHours, c.MaxActivePerEmployee,
		c.AllowanceHours, c.AutoApproveHours, c.Crisis, c.RemoteFirst, c.WorkTime, c.ResponseDays, c.LaunchedAt, c.ID)
	return err
}

// UpdateCampaign changes a campaign under a row lock.
func (s *CampaignStore) UpdateCampaign(ctx context.Context, id uuid.UUID, fn func(*campaign.Campaign) error) (*campaign.Campaign, error) {
	var out *campaign.Campaign
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err := lockCampaign(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		out = c
		return writeCampaign(ctx, tx, c)
	})
	return out, err
}

// retryAfter is how long an invitation whose mail was attempted but not
// recorded as sent waits before a launch mails it again: long enough for
// the launch that took it to have finished mailing.
const retryAfter = "10 minutes"

// Launch changes a campaign with fn under its row lock and, once it is
// active, records the invitation of every active member of its audience
// not yet invited; it returns them, with the invitations whose mail failed
// a while ago, for mailing after commit.
func (s *CampaignStore) Launch(ctx context.Context, id uuid.UUID, fn func(*campaign.Campaign) error) (*campaign.Launch, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return nil, err
	}
	out := &campaign.Launch{Company: t.Name, Locale: t.Locale, Invitees: []campaign.Invitee{}}
	err = s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err := lockCampaign(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		if err := writeCampaign(ctx, tx, c); err != nil {
			return err
		}
		out.Campaign = c
		if c.Status != campaign.Active {
			return nil
		}
		args := append([]any{c.ID}, audienceArgs(c.Audience, c.AudienceValues)...)
		args = append(args, c.ID)
		var rows []struct {
			ID       uuid.UUID `bun:"id"`
			Email    string    `bun:"email"`
			FullName string    `bun:"full_name"`
		}
		if err := tx.NewRaw(`WITH fresh AS (
				INSERT INTO campaign_invitations (tenant_id, campaign_id, member_id)
				SELECT mb.tenant_id, ?, mb.id FROM members mb WHERE mb.status = 'active' AND `+audienceSQL+`
				ON CONFLICT DO NOTHING RETURNING member_id
			), retry AS (
				UPDATE campaign_invitations ci SET attempted_at = now()
				WHERE ci.campaign_id = ? AND ci.mailed_at IS NULL AND ci.attempted_at < now() - interval '`+retryAfter+`'
				  AND EXISTS (SELECT 1 FROM members mb WHERE mb.id = ci.member_id AND mb.status = 'active')
				RETURNING member_id
			)
			SELECT mb.id, mb.email, mb.full_name FROM members mb
			WHERE mb.id IN (SELECT member_id FROM fresh UNION SELECT member_id FROM retry) ORDER BY mb.email`,
			args...).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			out.Invitees = append(out.Invitees, campaign.Invitee{MemberID: r.ID, Email: r.Email, Name: r.FullName})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Mailed records that these members' invitations went out.
func (s *CampaignStore) Mailed(ctx context.Context, campaignID uuid.UUID, members []uuid.UUID) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE campaign_invitations SET mailed_at = now()
			WHERE campaign_id = ? AND member_id = ANY(?)`, campaignID, pgArray(members))
		return err
	})
}

// CampaignMissions lists a campaign's missions visible to the company:
// all of them, those of its causes or those it lists, plus the company's
// private missions (listed for it alone or a few); in a crisis the vital
// missions come first, in their official order, whatever the scope; with
// remote_first the remote ones come next; then the newest.
func (s *CampaignStore) CampaignMissions(ctx context.Context, c *campaign.Campaign, limit int) ([]catalog.Mission, error) {
	where, args, err := campaignMissionsWhere(ctx, c, limit)
	if err != nil {
		return nil, err
	}
	return (&CatalogStore{db: s.db}).missions(ctx, s.db, where, args...)
}

// CampaignPlaces reads the places left of the missions CampaignMissions
// lists, and nothing else of them: what a sign-up moves between two
// versions of the catalogue.
func (s *CampaignStore) CampaignPlaces(ctx context.Context, c *campaign.Campaign, limit int) (map[uuid.UUID]int, error) {
	where, args, err := campaignMissionsWhere(ctx, c, limit)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID         uuid.UUID
		PlacesLeft int
	}
	if err := s.db.NewRaw(`SELECT m.id, m.places_left FROM missions m WHERE `+where, args...).Scan(ctx, &rows); err != nil {
		return nil, translate(err)
	}
	out := make(map[uuid.UUID]int, len(rows))
	for _, r := range rows {
		out[r.ID] = r.PlacesLeft
	}
	return out, nil
}

// MissionPlaces reads the places left of these missions, by id: bound
// and prepared, a read of their rows by primary key (a missing one is
// left out).
func (s *CampaignStore) MissionPlaces(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]int, error) {
	var rows []struct {
		ID         uuid.UUID
		PlacesLeft int
	}
	err := s.db.TenantRead(ctx, func(ctx context.Context, db bun.IDB) error {
		return s.db.selectArgs(ctx, db, &rows, `SELECT m.id, m.places_left FROM missions m WHERE m.id = ANY($1)`, ids)
	})
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]int, len(rows))
	for _, r := range rows {
		out[r.ID] = r.PlacesLeft
	}
	return out, nil
}

// campaignMissionsWhere is the condition and order of CampaignMissions
// (alias m), for the company in the context.
func campaignMissionsWhere(ctx context.Context, c *campaign.Campaign, limit int) (string, []any, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return "", nil, err
	}
	scope, scopeArgs := campaignScopeSQL(c)
	args := append([]any{t.ID}, scopeArgs...)
	order := ""
	if c.Crisis {
		order += "(SELECT v.position FROM vital_categories v WHERE v.code = m.vital_category) NULLS LAST, "
	}
	if c.RemoteFirst {
		order += "(m.format <> 'remote'), "
	}
	args = append(args, limit)
	return visibleSQL + " AND " + scope + " ORDER BY " + order + "m.created_at DESC, m.id LIMIT ?", args, nil
}

// CampaignMission is one mission of CampaignMissions: the same two rules
// decide, so that a mission the list does not show is not found either.
func (s *CampaignStore) CampaignMission(ctx context.Context, c *campaign.Campaign, missionID uuid.UUID) (*catalog.Mission, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return nil, err
	}
	scope, scopeArgs := campaignScopeSQL(c)
	args := append(append([]any{t.ID}, scopeArgs...), missionID)
	ms, err := (&CatalogStore{db: s.db}).missions(ctx, s.db, visibleSQL+" AND "+scope+" AND m.id = ?", args...)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, errs.E(errs.NotFound, "no such mission in this campaign")
	}
	// Its page offers the time slots, one of which a sign-up must choose.
	m := &ms[0]
	err = s.db.NewRaw(`SELECT id, starts_at, ends_at FROM mission_slots WHERE mission_id = ? ORDER BY starts_at, id`, m.ID).Scan(ctx, &m.Slots)
	return m, translate(err)
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// SanitaryRules returns the health ministry's rules, in order.
func (s *CampaignStore) SanitaryRules(ctx context.Context) ([]campaign.SanitaryRule, error) {
	rules, err := (&CatalogStore{db: s.db}).SanitaryRules(ctx)
	out := make([]campaign.SanitaryRule, len(rules))
	for i, r := range rules {
		out[i] = campaign.SanitaryRule{Position: r.Position, TextFR: r.TextFR, TextEN: r.TextEN}
	}
	return out, err
}

// Redirect returns the external sign-up address of a mission the company
// may see and, on a company's host, records the click for its figures.
// Staff on the platform's host get the address without a record.
func (s *CampaignStore) Redirect(ctx context.Context, missionID uuid.UUID, campaignID, memberID *uuid.UUID, decide func(bool) error) (string, error) {
	t, inTenant := tenants.FromContext(ctx)
	var url string
	var requiresAck bool
	var tenantID *uuid.UUID
	if inTenant {
		tenantID = &t.ID
	}
	visible, args := missionVisibleSQL(""), []any{missionID}
	if tenantID != nil {
		visible, args = visibleSQL, append(args, *tenantID)
	}
	if err := s.db.NewRaw(`SELECT m.external_url, m.requires_sanitary_ack FROM missions m
			LEFT JOIN associations a ON a.id = m.association_id WHERE m.id = ? AND m.external_url <> '' AND `+visible,
		args...).Scan(ctx, &url, &requiresAck); err != nil {
		return "", notFound(err, "no mission with an external sign-up has this id")
	}
	if err := decide(requiresAck); err != nil {
		return "", err
	}
	if !inTenant {
		return url, nil
	}
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO redirect_clicks (tenant_id, id, campaign_id, member_id, mission_id)
			VALUES (app.current_tenant_id(), ?, ?, ?, ?)`, uuid.Must(uuid.NewV7()), campaignID, memberID, missionID)
		return err
	})
	return url, err
}

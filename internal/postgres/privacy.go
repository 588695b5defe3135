package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/privacy"
	"github.com/vendredi-app/vendredi/tenants"
)

// PrivacyStore keeps a company's personal data operations: exports,
// erasures, retention.
type PrivacyStore struct{ db *DB }

// NewPrivacyStore returns a privacy.Store on db.
func NewPrivacyStore(db *DB) *PrivacyStore { return &PrivacyStore{db: db} }

var _ privacy.Store = (*PrivacyStore)(nil)

// exportSections are the export's sections, each one query returning a
// JSON array (or object) of the person's rows, bound to ? = the member.
// Hashes of credentials and the company id are left out.
var exportSections = []struct {
	name, sql string
}{
	{"person", `SELECT to_jsonb(m) - 'tenant_id' - 'password_hash' FROM members m WHERE m.id = ?`},
	{"provisioning", `SELECT coalesce((SELECT to_jsonb(s) - 'tenant_id' FROM scim_users s WHERE s.member_id = ?), 'null'::jsonb)`},
	{"profile", `SELECT coalesce((SELECT to_jsonb(p) - 'tenant_id' FROM profiles p WHERE p.member_id = ?), 'null'::jsonb)`},
	{"skills", `SELECT coalesce(jsonb_agg(jsonb_build_object('skill', ps.skill, 'label_fr', sk.label_fr, 'label_en', sk.label_en, 'level', ps.level) ORDER BY ps.skill), '[]')
		FROM profile_skills ps LEFT JOIN skills sk ON sk.code = ps.skill WHERE ps.member_id = ?`},
	{"participations", `SELECT coalesce(jsonb_agg(to_jsonb(p) - 'tenant_id' || jsonb_build_object('mission_title', mi.title,
			'association', coalesce(a.name, mi.organizer), 'campaign_name', c.name) ORDER BY p.created_at), '[]')
		FROM participations p JOIN missions mi ON mi.id = p.mission_id JOIN campaigns c ON c.tenant_id = p.tenant_id AND c.id = p.campaign_id
		LEFT JOIN associations a ON a.id = mi.association_id WHERE p.member_id = ?`},
	{"hours", `SELECT coalesce(jsonb_agg(to_jsonb(h) - 'tenant_id' ORDER BY h.worked_on, h.created_at), '[]') FROM hour_logs h WHERE h.member_id = ?`},
	{"proposals", `SELECT coalesce(jsonb_agg(to_jsonb(p) - 'tenant_id' ORDER BY p.created_at), '[]') FROM proposals p WHERE p.member_id = ?`},
	{"hourly_cost", `SELECT coalesce((SELECT to_jsonb(mc) - 'tenant_id' || jsonb_build_object('band', b.name, 'band_hourly_cents', b.hourly_cents)
		FROM mecenat_member_costs mc LEFT JOIN mecenat_cost_bands b ON b.tenant_id = mc.tenant_id AND b.id = mc.band_id WHERE mc.member_id = ?), 'null'::jsonb)`},
	{"sessions", `SELECT coalesce(jsonb_agg(to_jsonb(s) - 'tenant_id' - 'token_hash' ORDER BY s.created_at), '[]') FROM member_sessions s WHERE s.member_id = ?`},
	{"audit_events", `SELECT coalesce(jsonb_agg(to_jsonb(e) - 'tenant_id' ORDER BY e.at, e.id), '[]') FROM audit_events e, members m
		WHERE m.id = ? AND (e.actor_id = m.id OR e.object IN ('member:' || m.email, 'person:' || m.email, 'member:' || m.id::text)
			OR strpos(e.detail::text, m.email) > 0)`},
	{"mails", `SELECT coalesce(jsonb_agg(jsonb_build_object('id', j.id, 'state', j.state, 'queued_at', j.created_at, 'sent_at', j.finalized_at,
			'to', j.args->'message'->'To', 'subject', j.args->'message'->>'Subject', 'text', j.args->'message'->>'Text') ORDER BY j.id), '[]')
		FROM river_job j, members m WHERE m.id = ? AND j.kind = 'mail'
			AND j.args->'message'->'To' @> jsonb_build_array(jsonb_build_object('Email', m.email))`},
}

// Export reads everything about the person. The costs' lock is opened
// for this transaction: the person's own hourly cost is theirs to see.
func (s *PrivacyStore) Export(ctx context.Context, memberID uuid.UUID) (*privacy.Export, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return nil, err
	}
	x := &privacy.Export{Company: privacy.Company{ID: t.ID, Slug: t.Slug, Name: t.Name}}
	into := map[string]*json.RawMessage{"person": &x.Person, "provisioning": &x.Provisioning, "profile": &x.Profile,
		"skills": &x.Skills, "participations": &x.Participations, "hours": &x.Hours, "proposals": &x.Proposals,
		"hourly_cost": &x.HourlyCost, "sessions": &x.Sessions, "audit_events": &x.AuditEvents, "mails": &x.Mails}
	err = s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.costs', 'on', true)"); err != nil {
			return err
		}
		var live bool
		if err := tx.NewRaw("SELECT erased_at IS NULL FROM members WHERE id = ?", memberID).Scan(ctx, &live); err != nil {
			return err
		}
		if !live {
			return errs.E(errs.NotFound, "not found")
		}
		for _, sec := range exportSections {
			var raw []byte
			if err := tx.NewRaw(sec.sql, memberID).Scan(ctx, &raw); err != nil {
				return err
			}
			*into[sec.name] = raw
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

func recordPrivacy(ctx context.Context, tx bun.IDB, ev privacy.Event) error {
	detail, err := json.Marshal(ev.Detail)
	if err != nil || ev.Detail == nil {
		detail = []byte("{}")
	}
	kind := ev.Actor.Kind
	var actorID *uuid.UUID
	if kind == "" {
		kind = "system"
	} else {
		actorID = &ev.Actor.ID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_events (tenant_id, id, actor_kind, actor_id, actor_label, action, object, detail, ip)
		VALUES (app.current_tenant_id(), ?, ?, ?, ?, ?, ?, ?::jsonb, ?)`,
		uuid.Must(uuid.NewV7()), kind, actorID, ev.Actor.Label, ev.Action, ev.Object, string(detail), ev.Actor.IP)
	return err
}

// Record writes an audit event of the company.
func (s *PrivacyStore) Record(ctx context.Context, ev privacy.Event) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error { return recordPrivacy(ctx, tx, ev) })
}

// Erase anonymises one person in one transaction, under a lock on their
// row: the account and its credentials, profile, skills and SCIM link go;
// free texts are blanked; the address and name are redacted from the audit
// logs, the outbox's mails and the receipts' lines; participations and hours
// stay, pointing at the anonymous row, which keeps department and site so
// that the figures cut by them do not move.
func (s *PrivacyStore) Erase(ctx context.Context, memberID uuid.UUID, check func(email string) error, ev privacy.Event) (*privacy.Erasure, error) {
	out := &privacy.Erasure{MemberID: memberID}
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var who struct {
			Email string `bun:"email"`
			Name  string `bun:"full_name"`
		}
		if err := tx.NewRaw("SELECT email, full_name FROM members WHERE id = ? AND erased_at IS NULL FOR UPDATE", memberID).
			Scan(ctx, &who); err != nil {
			return err
		}
		if err := check(who.Email); err != nil {
			return err
		}
		if err := eraseMember(ctx, tx, memberID, who.Email, who.Name, out); err != nil {
			return err
		}
		if ev.Detail == nil {
			ev.Detail = map[string]string{}
		}
		ev.Detail["participations"] = itoa(out.Participations)
		ev.Detail["hour_logs"] = itoa(out.Hours)
		if err := tx.NewRaw("SELECT now()").Scan(ctx, &out.At); err != nil {
			return err
		}
		// Recorded after the redaction, so that nothing rewrites it; it
		// names the person by id only.
		return recordPrivacy(ctx, tx, ev)
	})
	s.db.cache.forgetPersonAfter(memberID, err)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// eraseMember does the erasure's statements; the caller holds the row lock.
func eraseMember(ctx context.Context, tx bun.Tx, id uuid.UUID, email, name string, out *privacy.Erasure) error {
	steps := []struct {
		sql  string
		args []any
		n    *int
	}{
		{`UPDATE members SET email = 'erased-' || id::text || '@erased.invalid', full_name = ?, status = 'disabled',
			password_hash = NULL, email_verified_at = NULL, last_sign_in_at = NULL, invited_at = NULL, erased_at = now()
			WHERE id = ?`, []any{privacy.ErasedName, id}, nil},
		{`DELETE FROM member_sessions WHERE member_id = ?`, []any{id}, nil},
		{`DELETE FROM member_tokens WHERE member_id = ?`, []any{id}, nil},
		{`DELETE FROM profiles WHERE member_id = ?`, []any{id}, nil},
		{`DELETE FROM scim_users WHERE member_id = ?`, []any{id}, nil},
		{`UPDATE participations SET motivation = '', reason_detail = '',
			cancel_reason = CASE WHEN cancel_reason = 'mission_flagged' THEN cancel_reason ELSE '' END WHERE member_id = ?`, []any{id}, &out.Participations},
		{`UPDATE hour_logs SET note = '' WHERE member_id = ?`, []any{id}, &out.Hours},
		{`UPDATE proposals SET explanation = '{}' WHERE member_id = ?`, []any{id}, nil},
		{`UPDATE mecenat_receipt_lines SET member_name = ? WHERE hour_log_id IN (SELECT id FROM hour_logs WHERE member_id = ?)`,
			[]any{privacy.ErasedName, id}, nil},
		// What the person decided as an HR admin names them by address.
		{`UPDATE hour_logs SET decided_by = '[erased]' WHERE decided_by IN (?, ?)`, []any{email, name}, nil},
	}
	var err error
	for _, st := range steps {
		res, err := tx.ExecContext(ctx, st.sql, st.args...)
		if err != nil {
			return err
		}
		if st.n != nil {
			n, _ := res.RowsAffected()
			*st.n = int(n)
		}
	}
	if out.MailsRemoved, err = forgetInMails(ctx, tx, email, name); err != nil {
		return err
	}
	return tx.NewRaw("SELECT app.redact_audit(?, ?, ?)", id, email, name).Scan(ctx, &out.AuditRedacted)
}

// forgetInMails removes the outbox's mails to a person and redacts their
// address and name from the mails to others that name them. A delivery
// running now is left to finish, but its row is redacted too: River's
// completion only sets the state, so the completed row keeps no trace.
// It returns how many mails went.
func forgetInMails(ctx context.Context, tx bun.Tx, email, name string) (int, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM river_job WHERE kind = 'mail' AND state <> 'running'
		AND args->'message'->'To' @> jsonb_build_array(jsonb_build_object('Email', ?::text))`, email)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	needles := []string{jsonText(email)}
	if len([]rune(name)) >= 3 { // a shorter name would redact unrelated words
		needles = append(needles, jsonText(name))
	}
	for _, needle := range needles {
		if _, err := tx.ExecContext(ctx, `UPDATE river_job SET args = replace(args::text, ?, '[erased]')::jsonb
			WHERE kind = 'mail' AND strpos(args::text, ?) > 0`, needle, needle); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}

// ForgetCompanyPeople redacts a company's people from what outlives the
// company's rows when it is offboarded: the platform's audit log (the
// onboarding names its first HR admin) and the outbox's mails. Call it in
// the transaction that deletes the company, bound to it.
func ForgetCompanyPeople(ctx context.Context, tx bun.Tx, tenantID uuid.UUID) error {
	var people []struct {
		ID    uuid.UUID `bun:"id"`
		Email string    `bun:"email"`
		Name  string    `bun:"full_name"`
	}
	if err := tx.NewRaw("SELECT id, email, full_name FROM members WHERE erased_at IS NULL").Scan(ctx, &people); err != nil {
		return err
	}
	for _, p := range people {
		if _, err := forgetInMails(ctx, tx, p.Email, p.Name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "SELECT app.redact_audit(?, ?, ?)", p.ID, p.Email, p.Name); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM river_job WHERE kind = 'mail' AND state <> 'running' AND args->>'tenant_id' = ?`, tenantID.String())
	return err
}

// jsonText is s as it appears inside a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// Settings reads the company's retention.
func (s *PrivacyStore) Settings(ctx context.Context) (privacy.Settings, error) {
	var out privacy.Settings
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw("SELECT retention_months FROM privacy_settings").Scan(ctx, &out.RetentionMonths)
		if errs.Is(translate(err), errs.NotFound) {
			return nil
		}
		return err
	})
	return out, err
}

// SaveSettings writes the company's retention and its audit event.
func (s *PrivacyStore) SaveSettings(ctx context.Context, set privacy.Settings, ev privacy.Event) error {
	return s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO privacy_settings (tenant_id, retention_months) VALUES (app.current_tenant_id(), ?)
			ON CONFLICT (tenant_id) DO UPDATE SET retention_months = excluded.retention_months, updated_at = now()`, set.RetentionMonths); err != nil {
			return err
		}
		return recordPrivacy(ctx, tx, ev)
	})
}

// PurgeEnded anonymises, campaign by campaign (one transaction each), the
// people of the campaigns that ended on or before cutoff: each person's
// participations, hours, proposals, invitation and clicks of that campaign
// move to an anonymous row of their own (department, site and hourly cost
// copied, so that every figure stays), free texts are blanked, and nothing
// links them to the person any more. The person's account stays: they may
// still work there.
func (s *PrivacyStore) PurgeEnded(ctx context.Context, cutoff time.Time) (privacy.Purge, error) {
	var out privacy.Purge
	var due []uuid.UUID
	if err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT id FROM campaigns c WHERE ends_on <= ? AND NOT EXISTS
			(SELECT 1 FROM privacy_purged_campaigns x WHERE x.campaign_id = c.id) ORDER BY ends_on, id`, cutoff.Format(time.DateOnly)).Scan(ctx, &due)
	}); err != nil {
		return out, err
	}
	for _, c := range due {
		n, err := s.purgeCampaign(ctx, c)
		if err != nil {
			return out, err
		}
		out.Campaigns++
		out.People += n
	}
	return out, nil
}

func (s *PrivacyStore) purgeCampaign(ctx context.Context, campaignID uuid.UUID) (int, error) {
	var people int
	err := s.db.TenantTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.costs', 'on', true)"); err != nil {
			return err
		}
		// Locked first, so that a second pass waits; then looked up in a
		// statement of its own, whose snapshot sees the first pass's mark.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM campaigns WHERE id = ? FOR UPDATE`, campaignID); err != nil {
			return err
		}
		var done bool
		if err := tx.NewRaw(`SELECT EXISTS (SELECT 1 FROM privacy_purged_campaigns WHERE campaign_id = ?)`, campaignID).Scan(ctx, &done); err != nil || done {
			return err
		}
		var members []uuid.UUID
		if err := tx.NewRaw(`SELECT DISTINCT x.member_id FROM (
				SELECT member_id FROM participations WHERE campaign_id = ?
				UNION SELECT member_id FROM proposals WHERE campaign_id = ?
				UNION SELECT member_id FROM campaign_invitations WHERE campaign_id = ?
				UNION SELECT member_id FROM redirect_clicks WHERE campaign_id = ? AND member_id IS NOT NULL) x
			JOIN members m ON m.id = x.member_id WHERE m.erased_at IS NULL ORDER BY 1`,
			campaignID, campaignID, campaignID, campaignID).Scan(ctx, &members); err != nil {
			return err
		}
		for _, m := range members {
			anon := uuid.Must(uuid.NewV7())
			for _, st := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO members (tenant_id, id, email, full_name, role, department, site, status, created_at, erased_at)
					SELECT tenant_id, ?, 'erased-' || ?::text || '@erased.invalid', ?, 'employee', department, site, 'disabled', now(), now()
					FROM members WHERE id = ?`, []any{anon, anon, privacy.ErasedName, m}},
				{`INSERT INTO mecenat_member_costs (tenant_id, member_id, hourly_cents, band_id)
					SELECT tenant_id, ?, hourly_cents, band_id FROM mecenat_member_costs WHERE member_id = ?`, []any{anon, m}},
				{`UPDATE hour_logs SET member_id = ?, note = '' WHERE member_id = ?
					AND participation_id IN (SELECT id FROM participations WHERE campaign_id = ?)`, []any{anon, m, campaignID}},
				{`UPDATE mecenat_receipt_lines SET member_name = ? WHERE hour_log_id IN (SELECT h.id FROM hour_logs h
					JOIN participations p ON p.tenant_id = h.tenant_id AND p.id = h.participation_id WHERE p.campaign_id = ? AND h.member_id = ?)`,
					[]any{privacy.ErasedName, campaignID, anon}},
				{`UPDATE participations SET member_id = ?, motivation = '', reason_detail = '',
					cancel_reason = CASE WHEN cancel_reason = 'mission_flagged' THEN cancel_reason ELSE '' END
					WHERE campaign_id = ? AND member_id = ?`, []any{anon, campaignID, m}},
				{`UPDATE proposals SET member_id = ?, explanation = '{}' WHERE campaign_id = ? AND member_id = ?`, []any{anon, campaignID, m}},
				{`UPDATE campaign_invitations SET member_id = ? WHERE campaign_id = ? AND member_id = ?`, []any{anon, campaignID, m}},
				{`UPDATE redirect_clicks SET member_id = NULL WHERE campaign_id = ? AND member_id = ?`, []any{campaignID, m}},
			} {
				if _, err := tx.ExecContext(ctx, st.sql, st.args...); err != nil {
					return err
				}
			}
		}
		people = len(members)
		if _, err := tx.ExecContext(ctx, `INSERT INTO privacy_purged_campaigns (tenant_id, campaign_id, people)
			VALUES (app.current_tenant_id(), ?, ?)`, campaignID, people); err != nil {
			return err
		}
		return recordPrivacy(ctx, tx, privacy.Event{Action: privacy.ActionPurged, Object: "campaign:" + campaignID.String(),
			Detail: map[string]string{"people": itoa(people)}})
	})
	return people, err
}

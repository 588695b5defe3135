package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

func TestAssociationReviewAndMissionLifecycle(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	ctx := context.Background()
	srv := mailtest.Start(t)
	assoc, other := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	for i, id := range []uuid.UUID{assoc, other} {
		if err := env.App.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO associations (id, name, legal_id, status) VALUES (?, ?, ?, 'draft')",
				id, fmt.Sprintf("Asso %d", i), "W"+strings.Repeat(fmt.Sprint(i+1), 9))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	pp := people{t: t, db: env.App}
	managerID := pp.account(false, &assoc)
	manager := pp.session(nil, managerID)
	var managerEmail string
	if err := env.App.NewRaw("SELECT email FROM accounts WHERE id = ?", managerID).Scan(ctx, &managerEmail); err != nil {
		t.Fatal(err)
	}
	staff := pp.session(nil, pp.account(true, nil))
	base := "/api/v1/associations/" + assoc.String()

	t.Run("review", func(t *testing.T) {
		if res, body := do(t, app, "POST", "localhost", base+"/submit", "", manager); res.StatusCode != 400 || body["errors"] == nil {
			t.Fatalf("submit without a description: %d %v; want 400 naming description", res.StatusCode, body)
		}
		res, body := do(t, app, "PATCH", "localhost", base, `{"description":"Aide aux devoirs","causes":["education"],"city":"Lille"}`, manager)
		if res.StatusCode != 200 || body["city"] != "Lille" {
			t.Fatalf("profile: %d %v", res.StatusCode, body)
		}
		if res, body := do(t, app, "PATCH", "localhost", base, `{"causes":["pets"]}`, manager); res.StatusCode != 400 {
			t.Fatalf("unknown cause: %d %v; want 400", res.StatusCode, body)
		}
		if res, _ := do(t, app, "PATCH", "localhost", "/api/v1/associations/"+other.String(), `{"city":"Nice"}`, manager); res.StatusCode != 403 {
			t.Fatalf("another association's profile: %d; want refused", res.StatusCode)
		}
		if res, body := do(t, app, "POST", "localhost", base+"/submit", "", manager); res.StatusCode != 200 || body["status"] != "pending_review" {
			t.Fatalf("submit: %d %v", res.StatusCode, body)
		}
		res, body = do(t, app, "GET", "localhost", "/api/v1/platform/associations", "", staff)
		if res.StatusCode != 200 || !strings.Contains(fmt.Sprint(body["associations"]), assoc.String()) {
			t.Fatalf("review queue: %d %v; want the submitted association", res.StatusCode, body)
		}
		if res, _ := do(t, app, "POST", "localhost", "/api/v1/platform/associations/"+assoc.String()+"/reject", `{}`, staff); res.StatusCode != 400 {
			t.Fatalf("reject without a reason: %d; want 400", res.StatusCode)
		}
		if res, body := do(t, app, "POST", "localhost", "/api/v1/platform/associations/"+assoc.String()+"/verify", "", staff); res.StatusCode != 200 || body["status"] != "verified" {
			t.Fatalf("verify: %d %v", res.StatusCode, body)
		}
		if res, _ := do(t, app, "POST", "localhost", "/api/v1/platform/associations/"+assoc.String()+"/verify", "", manager); res.StatusCode != 403 {
			t.Fatalf("a manager verifying their own association: %d; want 403", res.StatusCode)
		}
	})

	var missionID string
	t.Run("missions", func(t *testing.T) {
		res, body := do(t, app, "POST", "localhost", base+"/missions", `{"title":"Tenir la comptabilité","format":"remote","places":"three"}`, manager)
		if res.StatusCode != 400 {
			t.Fatalf("places as text: %d %v; want 400", res.StatusCode, body)
		}
		res, body = do(t, app, "POST", "localhost", base+"/missions", `{"title":"Atelier CV","format":"on_site","places":3}`, manager)
		if res.StatusCode != 400 || !strings.Contains(fmt.Sprint(body["errors"]), "lat") {
			t.Fatalf("on site without a place: %d %v; want 400 naming lat", res.StatusCode, body)
		}
		res, body = do(t, app, "POST", "localhost", base+"/missions?publish=true",
			`{"title":"Tenir la comptabilité","description":"Saisie mensuelle","format":"remote","places":3,"cause":"education",
			  "commitment_kind":"per_week","commitment_hours":2,"skills":[{"skill":"finance.accounting","level":3,"required":true}]}`, manager)
		if res.StatusCode != 201 || body["status"] != "open" || body["places_left"] != float64(3) {
			t.Fatalf("create: %d %v", res.StatusCode, body)
		}
		missionID = body["id"].(string)
		res, body = do(t, app, "PATCH", "localhost", base+"/missions/"+missionID, `{"places":1,"places_left":99,"status":"closed"}`, manager)
		if res.StatusCode != 200 || body["places_left"] != float64(1) || body["status"] != "open" {
			t.Fatalf("shrink places: %d %v; want places_left following places and the status untouched", res.StatusCode, body)
		}
		m := srv.WaitFor(t, managerEmail, 5*time.Second)
		if !strings.Contains(m.Subject, "Tenir la comptabilité") || !strings.Contains(m.Text, "une place") {
			t.Fatalf("almost-full mail: %q %q", m.Subject, m.Text)
		}
		if res, _ := do(t, app, "GET", "localhost", "/api/v1/associations/"+other.String()+"/missions/"+missionID, "", staff); res.StatusCode != 403 {
			t.Fatalf("staff reading an association's drafts: %d; want 403 (they flag, they do not edit)", res.StatusCode)
		}
	})

	t.Run("flagged by staff", func(t *testing.T) {
		if res, _ := do(t, app, "POST", "localhost", "/api/v1/platform/missions/"+missionID+"/flag", `{}`, staff); res.StatusCode != 400 {
			t.Fatalf("flag without a reason: %d; want 400", res.StatusCode)
		}
		res, body := do(t, app, "POST", "localhost", "/api/v1/platform/missions/"+missionID+"/flag", `{"reason":"Mission payante déguisée"}`, staff)
		if res.StatusCode != 200 || body["status"] != "flagged" {
			t.Fatalf("flag: %d %v", res.StatusCode, body)
		}
		m := srv.WaitFor(t, managerEmail, 5*time.Second)
		if !strings.Contains(m.Text, "Mission payante déguisée") {
			t.Fatalf("the flag mail does not give the reason: %q", m.Text)
		}
		if res, _ := do(t, app, "PATCH", "localhost", base+"/missions/"+missionID, `{"title":"Autre"}`, manager); res.StatusCode != 409 {
			t.Fatalf("editing a flagged mission: %d; want 409", res.StatusCode)
		}
		if res, _ := do(t, app, "POST", "localhost", base+"/missions/"+missionID+"/open", "", manager); res.StatusCode != 409 {
			t.Fatalf("reopening a flagged mission: %d; want 409", res.StatusCode)
		}
	})

	t.Run("vital missions are staff's", func(t *testing.T) {
		vital := vitalMission(t, env, "Solidarité de proximité", "local_solidarity")
		res, body := do(t, app, "PATCH", "localhost", "/api/v1/platform/missions/"+vital.String(),
			`{"description":"Faire les courses des voisins fragiles","lat":48.85,"lon":2.35}`, staff)
		if res.StatusCode != 200 || body["description"] != "Faire les courses des voisins fragiles" || body["requires_sanitary_ack"] != true {
			t.Fatalf("staff editing a vital mission: %d %v", res.StatusCode, body)
		}
		if res, _ := do(t, app, "PATCH", "localhost", "/api/v1/platform/missions/"+missionID, `{"title":"Autre"}`, staff); res.StatusCode != 409 && res.StatusCode != 404 {
			t.Fatalf("staff editing an association's mission as a vital one: %d; want refused", res.StatusCode)
		}
	})
}

func TestReferenceDataIsPublic(t *testing.T) {
	t.Parallel()
	app, _, _ := newApp(t)
	res, body := do(t, app, "GET", "acme.localhost", "/api/v1/reference/skills", "", "")
	if res.StatusCode != 200 || len(body["skills"].([]any)) < 60 || len(body["families"].([]any)) < 8 {
		t.Fatalf("skills: %d, want at least 60 skills in families", res.StatusCode)
	}
	res, body = do(t, app, "GET", "acme.localhost", "/api/v1/reference/causes", "", "")
	if res.StatusCode != 200 || len(body["causes"].([]any)) < 8 {
		t.Fatalf("causes: %d %v", res.StatusCode, body)
	}
}

func TestStaffEditReferenceData(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	pp := people{t: t, db: env.App}
	staff := pp.session(nil, pp.account(true, nil))
	if res, body := do(t, app, "PATCH", "localhost", "/api/v1/platform/causes/memory", `{"label_fr":"Devoir de mémoire"}`, staff); res.StatusCode != 200 || body["label_fr"] != "Devoir de mémoire" {
		t.Fatalf("edit a cause: %d %v", res.StatusCode, body)
	}
	res, body := do(t, app, "GET", "localhost", "/api/v1/reference/causes", "", "")
	if res.StatusCode != 200 || !strings.Contains(fmt.Sprint(body["causes"]), "Devoir de mémoire") {
		t.Fatalf("the edit is not served: %v", body)
	}
	if res, _ := do(t, app, "PATCH", "localhost", "/api/v1/platform/skills/no.such-skill", `{"label_fr":"x"}`, staff); res.StatusCode != 404 {
		t.Fatalf("an unknown skill: %d; want 404", res.StatusCode)
	}
	if res, body := do(t, app, "PATCH", "localhost", "/api/v1/platform/skills/finance.accounting", `{"rome":"M1203"}`, staff); res.StatusCode != 200 || body["rome"] != "M1203" {
		t.Fatalf("edit a skill's ROME code: %d %v", res.StatusCode, body)
	}
}

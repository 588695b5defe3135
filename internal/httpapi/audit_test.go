package httpapi_test

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
	"github.com/vendredi-app/vendredi/tenants"
)

// The audit log pages by event, not by instant: 120 events logged in the
// same microsecond are each shown once across the pages; a filter by kind
// shows that kind only, and keeps to it from page to page.
func TestAuditLogPagesAndFilters(t *testing.T) {
	t.Parallel()
	w := newHRWorld(t)
	env, tn, admin := w.env, w.tn, w.admin
	if err := env.App.TenantTx(tenants.NewContext(context.Background(), tn), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_events (tenant_id, id, at, actor_kind, action, object)
			SELECT app.current_tenant_id(), gen_random_uuid(), '2026-03-23T12:00:00Z', 'system',
				CASE WHEN i % 2 = 0 THEN 'api_token_created' ELSE 'invitation_sent' END, 'api_token:item-' || i
			FROM generate_series(1, 120) i`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	item := regexp.MustCompile(`item-(\d+)`)
	olderRE := regexp.MustCompile(`href="(/admin/audit\?[^"]+)" id="audit-older"`)
	walk := func(first string) (map[string]int, string) {
		seen := map[string]int{}
		path, page := first, ""
		for pages := 0; pages < 10; pages++ {
			_, page = admin.get(path)
			for _, m := range item.FindAllStringSubmatch(page, -1) {
				seen[m[1]]++
			}
			next := olderRE.FindStringSubmatch(page)
			if next == nil {
				return seen, page
			}
			path = strings.ReplaceAll(next[1], "&amp;", "&")
		}
		t.Fatal("more than ten pages")
		return nil, ""
	}
	all, last := walk("/admin/audit")
	if len(all) != 120 {
		t.Fatalf("%d distinct events across the pages; want the 120, each once:\n%s", len(all), last)
	}
	for it, n := range all {
		if n != 1 {
			t.Errorf("item %s shown %d times", it, n)
		}
	}
	tokens, last := walk("/admin/audit?action=api_token_created")
	if len(tokens) != 60 || strings.Contains(last, "action-invitation_sent") {
		t.Fatalf("%d token events across the filtered pages; want the 60 only:\n%s", len(tokens), last)
	}
	for it := range tokens {
		if it == "" || (it[len(it)-1]-'0')%2 != 0 {
			t.Errorf("item %s is not a token event", it)
		}
	}
}

// A campaign's life is in the audit log, as sentences of the reader's
// language that name the campaign and who acted: its creation, its
// settings, its launch, its allocation and its closing.
func TestAuditLogTellsACampaignsLife(t *testing.T) {
	t.Parallel()
	env := pgtest.New(t)
	app, _ := serverOn(t, env, io.Discard)
	co := newCompany(t, env, app, "fr")
	mission(t, env, missionSpec{visibleTo: &co.tn.ID})
	id := co.campaign(`{"template":"tous-confines-tous-engages","name":"Printemps solidaire"}`).String()
	co.call("PATCH", "/api/v1/campaigns/"+id, `{"goal_hours":120}`, co.admin, 200)
	co.call("POST", "/api/v1/campaigns/"+id+"/launch", "", co.admin, 200)
	co.call("POST", "/api/v1/campaigns/"+id+"/allocation", "", co.admin, 202)
	co.call("POST", "/api/v1/campaigns/"+id+"/close", "", co.admin, 200)

	admin := browserless{t: t, app: app, host: co.host, session: co.admin, unescape: true}
	who := "Person " // the fixtures' full names
	for lang, want := range map[string][]string{
		"fr": {"a créé la campagne « Printemps solidaire »", "a modifié les réglages de la campagne « Printemps solidaire »",
			"a lancé la campagne « Printemps solidaire »", "a lancé la répartition des missions de la campagne « Printemps solidaire »",
			"a changé l'état de la campagne « Printemps solidaire »", "Terminée"},
		"en": {"created the campaign “Printemps solidaire”", "changed the settings of the campaign “Printemps solidaire”",
			"launched the campaign “Printemps solidaire”", "ran the allocation of the campaign “Printemps solidaire”",
			"changed the state of the campaign “Printemps solidaire”", "Closed"},
	} {
		admin.lang = lang
		_, page := admin.get("/admin/audit")
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the log does not say %q:\n%s", lang, w, page)
			}
		}
		if n := strings.Count(page, who); n < 5 {
			t.Errorf("%s: the actor is named %d times; want by name on each of the five events", lang, n)
		}
		for _, raw := range []string{"campaign:", id, "status_to", "name :"} {
			if strings.Contains(strings.ReplaceAll(page, `class="event action-`, ""), raw) {
				t.Errorf("%s: the log shows %q", lang, raw)
			}
		}
	}
}

// actionRE finds the audit actions the module declares.
var actionRE = regexp.MustCompile(`(?m)^\s*Action[A-Za-z]*\s*=\s*"([a-z_]+)"`)

// Every kind of event the product writes in a company's log has its
// sentence in both languages.
func TestEveryAuditActionHasItsSentence(t *testing.T) {
	cat := readCatalogue(t)
	found := 0
	err := filepath.WalkDir(filepath.Join("..", ".."), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range actionRE.FindAllStringSubmatch(string(b), -1) {
			found++
			if key := "hr.audit.says." + m[1]; !cat.in["fr"][key] || !cat.in["en"][key] {
				t.Errorf("%s: the audit log has no sentence for %q (hr.audit.says.%s in web/i18n/audit.*.json)", p, m[1], m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 40 {
		t.Fatalf("%d actions found: the walk is broken", found)
	}
}

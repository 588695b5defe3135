package httpapi_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/uptrace/bun"

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
				CASE WHEN i % 2 = 0 THEN 'api_token_created' ELSE 'invitation_sent' END, 'item:' || i
			FROM generate_series(1, 120) i`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	item := regexp.MustCompile(`item:(\d+)`)
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
	if len(tokens) != 60 || strings.Contains(last, "Invitation envoyée</td>") {
		t.Fatalf("%d token events across the filtered pages; want the 60 only:\n%s", len(tokens), last)
	}
	for it := range tokens {
		if it == "" || (it[len(it)-1]-'0')%2 != 0 {
			t.Errorf("item %s is not a token event", it)
		}
	}
}

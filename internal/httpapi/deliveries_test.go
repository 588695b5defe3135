package httpapi_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/jobs"
	"github.com/vendredi-app/vendredi/internal/mail"
)

// A mail that cannot be delivered shows on the staff's failed deliveries
// page, with what went wrong; staff send it again from there. Nobody else
// reaches the page.
func TestStaffSeeFailedDeliveriesAndRetryThem(t *testing.T) {
	t.Parallel()
	env, app, pp, staff := staffPages(t)
	someone := browserless{t: t, app: app, host: "localhost", session: pp.session(nil, pp.account(false, nil)), site: "same-origin"}

	// A mail whose recipient no server takes, queued as it was before the
	// outbox checked addresses: the worker gives up on it at once.
	q, err := jobs.New(context.Background(), env.App, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	subject := "Rappel " + uuid.NewString()[:8]
	if _, err := q.Client().Insert(context.Background(), jobs.MailArgs{Message: mail.Message{
		To: []mail.Address{{Email: "nobody at example.com"}}, Subject: subject, Text: "…"}}, nil); err != nil {
		t.Fatal(err)
	}
	var page string
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(page, subject) {
		if time.Now().After(deadline) {
			t.Fatalf("the failed mail is not on the page within 30s:\n%s", page)
		}
		time.Sleep(50 * time.Millisecond)
		_, page = staff.get("/platform/deliveries")
	}
	if !strings.Contains(page, "nobody at example.com") || !strings.Contains(page, "is not an email address") {
		t.Errorf("the page does not say to whom nor why:\n%s", page)
	}
	id := regexp.MustCompile(`id="delivery-(\d+)">\s*<th scope="row">nobody at example\.com</th>\s*<td[^>]*>` + subject).FindStringSubmatch(page)
	if id == nil {
		t.Fatalf("no row for the mail:\n%s", page)
	}
	if res, _ := someone.get("/platform/deliveries"); res.StatusCode == http.StatusOK {
		t.Errorf("a non-staff account reads the failed deliveries")
	}
	if res, _ := someone.post("/platform/deliveries/"+id[1]+"/retry", nil); res.StatusCode < 400 {
		t.Errorf("a non-staff account retried a delivery: %d", res.StatusCode)
	}

	res, _ := staff.post("/platform/deliveries/"+id[1]+"/retry", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/platform/deliveries?retried="+id[1]+"#retried" {
		t.Fatalf("retry: %d to %q; want back to the page", res.StatusCode, res.Header.Get("Location"))
	}
	if _, page := staff.get(res.Header.Get("Location")); !strings.Contains(page, "Le mail n° "+id[1]+" est remis dans la file.") {
		t.Errorf("the page does not confirm the retry:\n%s", page)
	}
	if res, _ := staff.post("/platform/deliveries/999999999/retry", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("retrying an unknown delivery answers %d; want 404", res.StatusCode)
	}
}

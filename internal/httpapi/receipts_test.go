package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendredi-app/vendredi/internal/documents/pdftest"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/mecenat"
	"github.com/vendredi-app/vendredi/internal/postgres"
	"github.com/vendredi-app/vendredi/internal/postgres/pgtest"
)

// offer has HR offer the association its 2025 receipt and returns it.
func (w mecenatWorld) offer(t *testing.T, assoc uuid.UUID) mecenat.Receipt {
	t.Helper()
	res, body := w.api("POST", "/api/v1/mecenat/years/2025/receipts", `{"association_id":"`+assoc.String()+`"}`)
	if res.StatusCode != 201 {
		t.Fatalf("offer: %d %v", res.StatusCode, body)
	}
	var r mecenat.Receipt
	b, _ := json.Marshal(body)
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// managerWithPassword is a manager of assoc who signs in with the
// fixtures' password.
func managerWithPassword(t *testing.T, w mecenatWorld, assoc uuid.UUID, email string) {
	t.Helper()
	ctx := context.Background()
	id := uuid.Must(uuid.NewV7())
	if err := postgres.NewAccountDirectory(w.env.App).Create(ctx, &identity.Person{ID: id, Email: email, FullName: "Nadia Haddad",
		Status: identity.StatusActive, PasswordHash: passwordHash(t)}, "", nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := w.env.App.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE accounts SET email_verified_at = now() WHERE id = ?", id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO association_managers (association_id, account_id) VALUES (?, ?)", assoc, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// The association's manager confirms the facts of a receipt in two clicks
// from their home page; HR then downloads them as a PDF whose figures are
// the dashboard's.
func TestBrowserAssociationConfirmsAReceipt(t *testing.T) {
	t.Parallel()
	var w mecenatWorld
	b := newBrowserTestOn(t, func() *pgtest.Env {
		w = newMecenatWorld(t)
		return w.env
	})
	if res, _ := w.api("PUT", "/api/v1/mecenat/costs/default", `{"hourly_cents":4000}`); res.StatusCode != 204 {
		t.Fatal("default cost")
	}
	r := w.offer(t, w.restos)
	// 2025, 40 €/h: Alice's 48 h = 1 920 € (under the 11 775 € cap).
	if r.Value != 192_000 || r.Hours != 4800 || len(r.Lines) != 2 {
		t.Fatalf("the offered receipt: %+v", r)
	}
	email := "nadia@restos.example"
	managerWithPassword(t, w, w.restos, email)
	site := b.site("")
	home := site + "/associations/" + w.restos.String()
	var status string
	ctx := b.signedIn(90*time.Second, site, email)
	if err := chromedp.Run(ctx,
		chromedp.Navigate(home),
		chromedp.WaitVisible(`a[href$="/receipts"]`, chromedp.ByQuery),
		chromedp.Click(`a[href$="/receipts"]`, chromedp.ByQuery), // one
		chromedp.WaitVisible("#confirm-"+r.ID.String(), chromedp.ByID),
		chromedp.Click("#confirm-"+r.ID.String(), chromedp.ByID), // two
		chromedp.WaitVisible("#receipts-flash", chromedp.ByID),
		chromedp.Text("#r-"+r.ID.String()+" .status", &status, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if status != "Confirmé" {
		t.Fatalf("after confirming, the receipt says %q", status)
	}

	res, pdf := w.admin.get("/admin/mecenat/receipts/" + r.ID.String() + "/pdf")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("HR's PDF: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	f := w.yearFigures(t, "2025")
	var dashboard mecenat.AssociationGift
	for _, a := range f.Associations {
		if a.AssociationID == w.restos {
			dashboard = a
		}
	}
	text := pdftest.Text(t, []byte(pdf))
	value := strings.ReplaceAll(dashboard.Valued.Format("fr"), "\u202f", " ")
	value = strings.ReplaceAll(value, "\u00a0", " ")
	for _, want := range []string{value, dashboard.WorkHours.Format("fr") + " h", "Les Restos du cœur", "Initech",
		"Confirmé par l'association le", "03/03/2025 – 04/03/2025"} {
		if !strings.Contains(text, want) {
			t.Errorf("the receipt's PDF lacks %q (the dashboard's figure):\n%s", want, text)
		}
	}
}

// An association disputes a line: the receipt goes back to the company,
// the line leaves the year's gifts; HR offers again without it and the
// association confirms. An association never reads another's receipts,
// nor a cost.
func TestReceiptDisputeLeavesTheValuation(t *testing.T) {
	t.Parallel()
	w := newMecenatWorld(t)
	if res, _ := w.api("PUT", "/api/v1/mecenat/costs/default", `{"hourly_cents":4000}`); res.StatusCode != 204 {
		t.Fatal("default cost")
	}
	r := w.offer(t, w.lire)
	// Bob 7.5 h + Chloé 3.25 h at 40 € = 300 € + 130 € = 430 €.
	if r.Value != 43_000 || len(r.Lines) != 2 {
		t.Fatalf("offered: %+v", r)
	}
	manager := browserless{t: t, app: w.app, host: "localhost", session: w.people.session(nil, w.people.account(false, &w.lire))}
	base := "/associations/" + w.lire.String() + "/receipts/" + r.ID.String()
	_, page := manager.get(base)
	if strings.Contains(page, "4000") || strings.Contains(page, "40,00") {
		t.Fatal("the association's page shows an hourly cost")
	}
	var bobLine uuid.UUID
	for _, l := range r.Lines {
		if l.MemberName == "Bob Durand" {
			bobLine = l.HourLogID
		}
	}
	res, _ := manager.post(base+"/lines/"+bobLine.String()+"/dispute", map[string][]string{"note": {"Bob n'était pas là ce jour-là."}})
	if res.StatusCode != 303 {
		t.Fatalf("dispute: %d", res.StatusCode)
	}
	_, page = manager.get(base)
	if !strings.Contains(page, "Bob n&#39;était pas là ce jour-là.") || !strings.Contains(page, "Contesté") {
		t.Fatal("the disputed line is not shown as such")
	}
	// The year's gifts lose Bob's 300 €: 11 775 € (Alice: 48 h × 40 € = 1 920 €) …
	f := w.yearFigures(t, "2025")
	if f.Disputed != 750 || f.Valued != 192_000+13_000 {
		t.Fatalf("after the dispute: disputed %d h/100, valued %d", f.Disputed, f.Valued)
	}
	// A disputed receipt is not confirmed, and its PDF is not ready.
	if res, _ := do(t, w.app, "POST", "localhost", "/api/v1/associations/"+w.lire.String()+"/receipts/"+r.ID.String()+"/confirm", "", manager.session); res.StatusCode != 409 {
		t.Fatalf("confirming a disputed receipt: %d; want 409", res.StatusCode)
	}
	if res, _ := w.admin.get("/admin/mecenat/receipts/" + r.ID.String() + "/pdf"); res.StatusCode != 409 {
		t.Fatalf("the PDF of a disputed receipt: %d; want 409", res.StatusCode)
	}
	again := w.offer(t, w.lire)
	if again.ID != r.ID || again.Value != 13_000 || len(again.Lines) != 1 {
		t.Fatalf("offered again: %+v", again)
	}
	res, body := do(t, w.app, "POST", "localhost", "/api/v1/associations/"+w.lire.String()+"/receipts/"+r.ID.String()+"/confirm", "", manager.session)
	if res.StatusCode != 200 || body["status"] != "confirmed" {
		t.Fatalf("confirm: %d %v", res.StatusCode, body)
	}
	if strings.Contains(jsonString(body), "hourly") || strings.Contains(jsonString(body), "cost") {
		t.Fatalf("the association's receipt carries a cost: %v", body)
	}
	// Another association's manager: as if the receipt did not exist.
	other := browserless{t: t, app: w.app, host: "localhost", session: w.people.session(nil, w.people.account(false, &w.restos))}
	if res, _ := other.get("/associations/" + w.restos.String() + "/receipts/" + r.ID.String()); res.StatusCode != 404 {
		t.Fatalf("Restos reading Lire's receipt: %d; want 404", res.StatusCode)
	}
	if res, _ := other.get("/associations/" + w.lire.String() + "/receipts"); res.StatusCode != 403 {
		t.Fatalf("Restos on Lire's receipts: %d; want 403", res.StatusCode)
	}
}

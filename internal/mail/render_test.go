package mail_test

import (
	"context"
	"errors"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/internal/mail/mailtest"
)

// Every template, in every locale, sent through mailpit: the recipient gets
// a subject in their language, the facts of the message, and a link they can
// follow from either part.
func TestEveryTemplateArrivesInFrenchAndEnglishWithItsLink(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	s := newSender(t, srv.SMTPURL())
	link := "https://acme.localhost/auth/a1b2c3?next=%2Fmissions&lang=fr"
	cases := []struct {
		name string
		data any
		// want holds, per locale, words the recipient must read in the
		// subject and in the body.
		subject, body map[string][]string
	}{
		{mail.TemplateInvitation, mail.Invitation{Company: "Acme", Inviter: "Claire Martin", Link: link, ValidFor: 7 * 24 * time.Hour},
			map[string][]string{"fr": {"rejoignez Acme"}, "en": {"join Acme"}},
			map[string][]string{"fr": {"Claire Martin, chez Acme, vous invite", "7\u00a0jours"}, "en": {"Claire Martin, from Acme, invites you", "7\u00a0days"}}},
		{mail.TemplateInvitation, mail.Invitation{Company: "Globex", Admin: true, Link: link, ValidFor: 72 * time.Hour},
			map[string][]string{"fr": {"administrez Vendredi pour Globex"}, "en": {"run Vendredi for Globex"}},
			map[string][]string{"fr": {"Globex vous invite à administrer", "3\u00a0jours"}, "en": {"Globex invites you to run", "3\u00a0days"}}},
		{mail.TemplateSignIn, mail.SignIn{Link: link, ValidFor: 15 * time.Minute},
			map[string][]string{"fr": {"lien de connexion"}, "en": {"sign-in link"}},
			map[string][]string{"fr": {"15\u00a0minutes", "ne sert qu’une fois"}, "en": {"15\u00a0minutes", "works only once"}}},
		{mail.TemplatePasswordReset, mail.PasswordReset{Link: link, ValidFor: time.Hour},
			map[string][]string{"fr": {"nouveau mot de passe"}, "en": {"new Vendredi password"}},
			map[string][]string{"fr": {"1\u00a0heure"}, "en": {"1\u00a0hour"}}},
		{mail.TemplateCoManagerInvitation, mail.CoManagerInvitation{Association: "Les Restos du Cœur", Inviter: "Karim Benali", Link: link, ValidFor: 48 * time.Hour},
			map[string][]string{"fr": {"gérez Les Restos du Cœur avec Karim Benali"}, "en": {"manage Les Restos du Cœur with Karim Benali"}},
			map[string][]string{"fr": {"Karim Benali vous propose", "2\u00a0jours"}, "en": {"Karim Benali invites you", "2\u00a0days"}}},
		{mail.TemplateMissionFlagged, mail.MissionFlagged{Mission: "Aide aux devoirs à distance", Reason: "Le lien de visio ne fonctionne pas.", Link: link},
			map[string][]string{"fr": {"«\u00a0Aide aux devoirs à distance\u00a0» a été signalée"}, "en": {"“Aide aux devoirs à distance” has been flagged"}},
			map[string][]string{"fr": {"Le lien de visio ne fonctionne pas."}, "en": {"Le lien de visio ne fonctionne pas."}}},
	}
	for _, tc := range cases {
		for _, locale := range mail.Locales {
			m, err := mail.Render(tc.name, locale, tc.data)
			if err != nil {
				t.Fatalf("%s/%s: %v", tc.name, locale, err)
			}
			to := mailtest.Address(t)
			m.To = []mail.Address{{Name: "Zoé Lefèvre", Email: to}}
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatalf("%s/%s: %v", tc.name, locale, err)
			}
			got := srv.WaitFor(t, to, wait)
			for _, w := range tc.subject[locale] {
				if !strings.Contains(got.Subject, w) {
					t.Errorf("%s/%s: subject %q lacks %q", tc.name, locale, got.Subject, w)
				}
			}
			for _, w := range tc.body[locale] {
				if !strings.Contains(got.Text, w) || !strings.Contains(html.UnescapeString(got.HTML), w) {
					t.Errorf("%s/%s: text or HTML lacks %q\ntext: %s", tc.name, locale, w, got.Text)
				}
			}
			if !strings.Contains(got.Text, link) || !strings.Contains(got.HTML, html.EscapeString(link)) {
				t.Errorf("%s/%s: the link is missing from the text or the HTML", tc.name, locale)
			}
			if len(got.Links) != 1 || got.Links[0] != link {
				t.Errorf("%s/%s: links = %q, want only %q", tc.name, locale, got.Links, link)
			}
			if !strings.Contains(got.HTML, `<html lang="`+locale+`">`) {
				t.Errorf("%s/%s: HTML does not declare its language", tc.name, locale)
			}
		}
	}
}

func TestRenderPicksTheLocale(t *testing.T) {
	data := mail.SignIn{Link: "https://localhost/s", ValidFor: time.Minute}
	for locale, want := range map[string]string{
		"fr": "Bonjour", "fr-FR": "Bonjour", "en": "Hello", "en_GB": "Hello", "EN-us": "Hello",
		"de-DE": "Bonjour", "": "Bonjour", // French first
	} {
		m, err := mail.Render(mail.TemplateSignIn, locale, data)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(m.Text, want) {
			t.Errorf("%q: text starts %q, want %q", locale, m.Text[:10], want)
		}
	}
}

// What people write (a mission title, a reason) cannot inject markup in the
// HTML part nor break the subject line.
func TestRenderEscapesWhatUsersWrote(t *testing.T) {
	m, err := mail.Render(mail.TemplateMissionFlagged, "fr", mail.MissionFlagged{
		Mission: "Cours <b>gratuits</b>\r\nBcc: eve@evil.example",
		Reason:  `<script>alert("x")</script>`,
		Link:    "https://localhost/m/1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") || strings.Contains(m.HTML, "<b>gratuits") {
		t.Errorf("HTML not escaped: %s", m.HTML)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("subject spans lines: %q", m.Subject)
	}
	if !strings.Contains(m.Text, `<script>alert("x")</script>`) {
		t.Errorf("the text part should show the reason as written: %s", m.Text)
	}
}

func TestRenderRefusesIncompleteData(t *testing.T) {
	for _, tc := range []struct {
		name  string
		data  any
		field string
	}{
		{mail.TemplateSignIn, mail.SignIn{ValidFor: time.Minute}, "Link"},
		{mail.TemplateSignIn, mail.SignIn{Link: "javascript:alert(1)", ValidFor: time.Minute}, "Link"},
		{mail.TemplateSignIn, &mail.SignIn{Link: "/relative", ValidFor: time.Minute}, "Link"},
		{mail.TemplatePasswordReset, mail.PasswordReset{Link: "https://localhost/r"}, "ValidFor"},
		{mail.TemplateInvitation, mail.Invitation{Link: "https://localhost/i", ValidFor: time.Hour}, "Company"},
		{mail.TemplateMissionFlagged, mail.MissionFlagged{Mission: "M", Link: "https://localhost/m"}, "Reason"},
	} {
		_, err := mail.Render(tc.name, "fr", tc.data)
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != tc.field {
			t.Errorf("%s %+v: err = %v, want invalid %s", tc.name, tc.data, err, tc.field)
		}
	}
	if _, err := mail.Render(mail.TemplateSignIn, "fr", mail.PasswordReset{Link: "https://localhost/r", ValidFor: time.Hour}); err == nil {
		t.Error("rendered a sign-in mail from password-reset data")
	}
	if _, err := mail.Render("welcome", "fr", nil); err == nil {
		t.Error("rendered a template that does not exist")
	}
}

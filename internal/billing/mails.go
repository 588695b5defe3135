package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/vendredi-app/vendredi/internal/mail"
	"github.com/vendredi-app/vendredi/tenants"
)

type mailKind int

const (
	mailPaymentFailed mailKind = iota
	mailCanceled
	mailTrialEnds
)

// billingMail is a mail to HR admins, in the company's language: French
// first, English otherwise.
func billingMail(kind mailKind, locale, company, link string, date time.Time) (subject, text string) {
	day := date.Format("02/01/2006")
	if locale == "en" {
		day = date.Format("2 January 2006")
		switch kind {
		case mailPaymentFailed:
			return "Vendredi: your payment failed", fmt.Sprintf("Hello,\n\nThe last payment of %s's Vendredi subscription failed. "+
				"Update the card before %s, after which administration becomes read-only (employees keep taking part and logging hours):\n\n%s\n", company, day, link)
		case mailCanceled:
			return "Vendredi: your subscription has ended", fmt.Sprintf("Hello,\n\n%s's Vendredi subscription has ended. "+
				"The company's space will be suspended on %s unless you subscribe again:\n\n%s\n", company, day, link)
		default:
			return "Vendredi: your trial ends soon", fmt.Sprintf("Hello,\n\n%s's Vendredi trial ends on %s. Choose a plan to keep going:\n\n%s\n",
				company, day, link)
		}
	}
	switch kind {
	case mailPaymentFailed:
		return "Vendredi : le paiement a échoué", fmt.Sprintf("Bonjour,\n\nLe dernier paiement de l'abonnement Vendredi de %s a échoué. "+
			"Mettez la carte à jour avant le %s ; ensuite l'administration passera en lecture seule (les salariés continuent de participer et de déclarer leurs heures) :\n\n%s\n", company, day, link)
	case mailCanceled:
		return "Vendredi : votre abonnement a pris fin", fmt.Sprintf("Bonjour,\n\nL'abonnement Vendredi de %s a pris fin. "+
			"L'espace de l'entreprise sera suspendu le %s, sauf nouvel abonnement :\n\n%s\n", company, day, link)
	default:
		return "Vendredi : votre essai se termine bientôt", fmt.Sprintf("Bonjour,\n\nL'essai Vendredi de %s se termine le %s. Choisissez une offre pour continuer :\n\n%s\n",
			company, day, link)
	}
}

// mailAdmins mails the company's HR admins, through the outbox of the unit
// of work (sent if the change commits).
func (s *Service) mailAdmins(kind mailKind, date time.Time) func(context.Context) error {
	return func(ctx context.Context) error {
		t, err := tenants.Require(ctx)
		if err != nil {
			return err
		}
		to, err := s.store.HRAdmins(ctx)
		if err != nil || len(to) == 0 || s.mail == nil {
			return err
		}
		subject, text := billingMail(kind, t.Locale, t.Name, s.CompanyURL(t.Slug)+"/admin/billing", date)
		return s.mail.Send(ctx, mail.Message{To: to, Subject: subject, Text: text})
	}
}

package identity

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/tenants"
)

// Platform stores what only the platform side does: onboarding companies
// and signing up association managers. Failure codes: errs.Conflict for a
// taken slug, domain, email or a claimed association.
type Platform interface {
	// Onboard creates the company and its first HR admin, invited, with the
	// invitation link, in one transaction.
	// A logo, when there is one, is stored with the company.
	Onboard(ctx context.Context, t *tenants.Tenant, logo *tenants.Logo, admin *Person, tokenHash []byte, expires time.Time) error
	// SignUpManager creates an account waiting for its address to be
	// verified, and creates the association (pending review) with it as
	// manager, or, for an association that exists and has no manager,
	// files a claim on it for staff to decide, in one transaction.
	SignUpManager(ctx context.Context, p *Person, a *AssociationDraft, tokenHash []byte, expires time.Time) (claimed bool, err error)
	// InviteManager invites an account (creating it if needed) to manage an
	// association; the link's redemption makes it a manager.
	// It returns the account and the association's name.
	InviteManager(ctx context.Context, associationID uuid.UUID, p *Person, tokenHash []byte, expires time.Time) (*Person, string, error)
	RecordPlatform(ctx context.Context, ev Event) error
	Claims
}

// AssociationDraft is what a manager says of their association at sign-up.
type AssociationDraft struct {
	ID          uuid.UUID
	Name        string
	LegalID     string // RNA (W + 9 digits) or SIRET (14 digits)
	Description string
	City        string
	Website     string
}

var legalIDRE = regexp.MustCompile(`^(W[0-9]{9}|[0-9]{14})$`)

// NormalizeLegalID accepts an RNA or SIRET number written with spaces.
func NormalizeLegalID(s string) (string, error) {
	s = strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), " ", ""), ".", ""))
	if !legalIDRE.MatchString(s) {
		return "", errs.Field("legal_id", "%q is neither an RNA number (W and 9 digits) nor a SIRET number (14 digits)", s)
	}
	if len(s) == 14 && !luhn(s) {
		return "", errs.Field("legal_id", "SIRET %s fails its check digit; check for a typo", s)
	}
	return s, nil
}

// luhn is the SIRET check digit (La Poste's SIRET is the one exception,
// and does not belong to an association).
func luhn(digits string) bool {
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// OnboardInput is a company to create with its first HR admin.
type OnboardInput struct {
	Slug, Name, Locale    string
	EmailDomains          []string
	AdminEmail, AdminName string
	// Branding shown in the company's header: an accent colour (#rrggbb,
	// empty for the product's own) and a logo (PNG, JPEG or SVG bytes; nil
	// for none).
	Accent string
	Logo   []byte
}

// OnboardCompany creates a company and invites its first HR admin.
func (s *Service) OnboardCompany(ctx context.Context, actor *Principal, in OnboardInput, c Client) (*tenants.Tenant, *Person, error) {
	// Every input is checked before any is refused, so that the form shows
	// all its mistakes at once.
	var bad errs.Checks
	t, err := tenants.New(in.Slug, in.Name, in.EmailDomains, in.Locale)
	if err := bad.Take(err); err != nil {
		return nil, nil, err
	}
	if t == nil {
		// The company is refused; its administrator is still checked,
		// against no domain.
		t = &tenants.Tenant{Name: strings.TrimSpace(in.Name)}
	}
	logo, err := t.Brand(in.Accent, in.Logo)
	if err := bad.Take(err); err != nil {
		return nil, nil, err
	}
	admin, err := s.validateInvite(t, InviteInput{Email: in.AdminEmail, FullName: in.AdminName, Role: RoleHRAdmin})
	if e, ok := err.(*errs.Error); ok && e.Field == "email" {
		e.Field = "admin_email"
	}
	if err := bad.Take(err); err != nil {
		return nil, nil, err
	}
	if err := bad.Err(); err != nil {
		return nil, nil, err
	}
	plain, hash := NewSecret()
	expires := time.Now().Add(s.cfg.InviteTTL)
	err = s.Unit(ctx, func(ctx context.Context) error {
		if err := s.platform.Onboard(ctx, t, logo, admin, hash, expires); err != nil {
			return err
		}
		ev := Event{ActorKind: "system", Action: ActionCompanyCreated, Object: "tenant:" + t.Slug, IP: c.IP,
			Detail: map[string]string{"hr_admin": admin.Email}}
		if actor != nil {
			ev.ActorKind, ev.ActorID, ev.ActorLabel = actor.Kind, &actor.ID, actor.Label()
		}
		if err := s.platform.RecordPlatform(ctx, ev); err != nil {
			return err
		}
		// The invitation is the company's own event, in its own log.
		tctx := tenants.NewContext(ctx, t)
		if err := s.record(tctx, actor, ActionInvite, "member:"+admin.Email, c, map[string]string{"role": RoleHRAdmin}); err != nil {
			return err
		}
		return s.mailInvitation(tctx, actor, t, admin, plain, expires, c)
	})
	if err != nil {
		return nil, nil, err
	}
	return t, admin, nil
}

// ManagerSignUp is an association manager signing up.
type ManagerSignUp struct {
	Email, FullName, Password string
	Association               AssociationDraft
}

// SignUpManager creates a manager's account and their association, then
// mails a link to confirm the address. Staff vet the association before
// its missions reach anyone. For an association already on Vendredi with
// no manager, it files a claim instead (claimed is true): staff decide,
// and until then the account reaches nothing of the association.
func (s *Service) SignUpManager(ctx context.Context, in ManagerSignUp, c Client) (claimed bool, err error) {
	if _, ok := tenants.FromContext(ctx); ok {
		return false, errs.E(errs.NotFound, "associations sign up on the platform's address")
	}
	if err := s.limit(ctx, "signup:ip:"+c.IP, s.cfg.SignInPerIP); err != nil {
		return false, err
	}
	email, err := NormalizeEmail("email", in.Email)
	if err != nil {
		return false, err
	}
	name := strings.TrimSpace(in.FullName)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return false, errs.Field("full_name", "your name is required (200 characters at most)")
	}
	a := in.Association
	if a.LegalID, err = NormalizeLegalID(a.LegalID); err != nil {
		return false, err
	}
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" || utf8.RuneCountInString(a.Name) > 200 {
		return false, errs.Field("association.name", "the association's name is required (200 characters at most)")
	}
	hash, err := s.HashPassword("password", in.Password)
	if err != nil {
		return false, err
	}
	a.ID = uuid.Must(uuid.NewV7())
	p := &Person{ID: uuid.Must(uuid.NewV7()), Email: email, FullName: name, PasswordHash: hash, Status: StatusPendingVerification}
	plain, th := NewSecret()
	expires := time.Now().Add(s.cfg.VerifyTTL)
	err = s.Unit(ctx, func(ctx context.Context) (err error) {
		if claimed, err = s.platform.SignUpManager(ctx, p, &a, th, expires); err != nil {
			return err
		}
		if err := s.platform.RecordPlatform(ctx, Event{ActorKind: KindAccount, ActorID: &p.ID, ActorLabel: email, Action: ActionSignUp,
			Object: "association:" + a.LegalID, IP: c.IP}); err != nil {
			return err
		}
		if claimed {
			if err := s.platform.RecordPlatform(ctx, Event{ActorKind: KindAccount, ActorID: &p.ID, ActorLabel: email, Action: ActionClaimFiled,
				Object: "association:" + a.ID.String(), IP: c.IP}); err != nil {
				return err
			}
		}
		return s.mailer.Notify(ctx, Mail{Template: MailVerifyEmail, Locale: "fr", To: email, Name: name,
			Company: a.Name, Link: s.link(ctx, "/auth/verify", plain), ValidFor: s.cfg.VerifyTTL})
	})
	if err != nil {
		return false, err
	}
	return claimed, nil
}

// InviteCoManager lets a manager (or staff) invite someone to manage the
// association with them.
func (s *Service) InviteCoManager(ctx context.Context, actor *Principal, associationID uuid.UUID, email, fullName string, c Client) error {
	if actor == nil || !(actor.Staff || manages(actor, associationID)) {
		// Another association's manager learns nothing of this one.
		return errs.E(errs.NotFound, "no such association")
	}
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(fullName)
	if name == "" {
		name = strings.Split(email, "@")[0]
	}
	plain, hash := NewSecret()
	expires := time.Now().Add(s.cfg.InviteTTL)
	return s.Unit(ctx, func(ctx context.Context) error {
		p, assocName, err := s.platform.InviteManager(ctx, associationID, &Person{ID: uuid.Must(uuid.NewV7()), Email: email, FullName: name, Status: StatusInvited}, hash, expires)
		if err != nil {
			return err
		}
		if err := s.platform.RecordPlatform(ctx, Event{ActorKind: actor.Kind, ActorID: &actor.ID, ActorLabel: actor.Label(),
			Action: ActionInvite, Object: "association:" + associationID.String(), Detail: map[string]string{"email": email}, IP: c.IP}); err != nil {
			return err
		}
		return s.mailer.Notify(ctx, Mail{Template: MailCoManagerInvitation, Locale: "fr", To: p.Email, Name: p.FullName,
			Association: assocName, Inviter: actor.Name, Link: s.link(ctx, "/auth/invitation", plain), ValidFor: s.cfg.InviteTTL})
	})
}

func manages(p *Principal, associationID uuid.UUID) bool {
	for _, a := range p.Associations {
		if a == associationID {
			return true
		}
	}
	return false
}

package httpapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// Offboarder exports and deletes a company's data.
type Offboarder interface {
	// Export writes every row of the company as one JSON document.
	Export(ctx context.Context, t *tenants.Tenant, w io.Writer) error
	// Delete removes the company and every row it owns.
	Delete(ctx context.Context, t *tenants.Tenant) error
	RecordPlatform(ctx context.Context, ev identity.Event) error
}

type companyJSON struct {
	Slug          string   `json:"slug"`
	Name          string   `json:"name"`
	Status        string   `json:"status"`
	Locale        string   `json:"locale"`
	EmailDomains  []string `json:"email_domains"`
	CustomDomains []string `json:"custom_domains"`
	Accent        string   `json:"accent,omitempty"`
	// LogoPath is the logo's path on the company's host, versioned.
	LogoPath  string `json:"logo_path,omitempty"`
	CreatedAt string `json:"created_at"`
}

func companyView(t *tenants.Tenant) companyJSON {
	return companyJSON{Slug: t.Slug, Name: t.Name, Status: string(t.Status), Locale: t.Locale, EmailDomains: orEmpty(t.EmailDomains),
		CustomDomains: orEmpty(t.CustomDomains), Accent: t.Accent, LogoPath: logoPath(t), CreatedAt: t.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")}
}

func logoPath(t *tenants.Tenant) string {
	if t.LogoVersion == "" {
		return ""
	}
	return "/brand/logo?v=" + t.LogoVersion
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) listCompanies(c *fiber.Ctx) error {
	list, err := s.deps.Tenants.List(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]companyJSON, len(list))
	for i, t := range list {
		out[i] = companyView(t)
	}
	return c.JSON(fiber.Map{"companies": out})
}

func (s *Server) onboardCompany(c *fiber.Ctx) error {
	var in struct {
		Slug         string   `json:"slug" form:"slug"`
		Name         string   `json:"name" form:"name"`
		Locale       string   `json:"locale" form:"locale"`
		EmailDomains []string `json:"email_domains" form:"email_domains"`
		AdminEmail   string   `json:"admin_email" form:"admin_email"`
		AdminName    string   `json:"admin_name" form:"admin_name"`
		Accent       string   `json:"accent" form:"accent"`
		// Logo is the image's bytes, base64 in JSON.
		Logo []byte `json:"logo"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	t, admin, err := s.deps.Identity.OnboardCompany(c.UserContext(), principal(c), identity.OnboardInput{Slug: in.Slug, Name: in.Name,
		Locale: in.Locale, EmailDomains: in.EmailDomains, AdminEmail: in.AdminEmail, AdminName: in.AdminName,
		Accent: in.Accent, Logo: in.Logo}, client(c))
	if err != nil && !errs.Is(err, errs.Unavailable) {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"company": companyView(t), "hr_admin": memberView(admin), "mail_sent": err == nil})
}

func (s *Server) setCompanyStatus(status string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		t, err := s.deps.Tenants.SetStatus(c.UserContext(), utils.CopyString(c.Params("slug")), tenants.Status(status))
		if err != nil {
			return err
		}
		return c.JSON(companyView(t))
	}
}

func (s *Server) exportCompany(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := s.deps.Tenants.BySlug(ctx, utils.CopyString(c.Params("slug")))
	if err != nil {
		return err
	}
	pr := principal(c)
	if err := s.deps.Offboard.RecordPlatform(ctx, identity.Event{ActorKind: pr.Kind, ActorID: &pr.ID, ActorLabel: pr.Label(),
		Action: identity.ActionExport, Object: "tenant:" + t.Slug, IP: client(c).IP}); err != nil {
		return err
	}
	// The company's HR admins see in their own log that staff exported it.
	if err := s.deps.Identity.Record(tenants.NewContext(ctx, t), pr, identity.ActionExport, "tenant:"+t.Slug, client(c), nil); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="vendredi-%s-export.json"`, t.Slug))
	// Streamed: the archive never sits whole in memory. An error after the
	// first byte can only cut the stream; it is logged.
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := s.deps.Offboard.Export(context.WithoutCancel(ctx), t, w); err != nil {
			s.log.ErrorContext(ctx, "export failed", "tenant", t.Slug, "err", err)
		}
		_ = w.Flush()
	})
	return nil
}

func (s *Server) deleteCompany(c *fiber.Ctx) error {
	ctx := c.UserContext()
	slug := utils.CopyString(c.Params("slug"))
	t, err := s.deps.Tenants.BySlug(ctx, slug)
	if err != nil {
		return err
	}
	if t.Status != tenants.Suspended {
		return errs.E(errs.Conflict, "suspend %s and export its data before deleting it", t.Name)
	}
	if !strings.EqualFold(c.Query("confirm"), slug) {
		return errs.Field("confirm", "confirm the deletion by repeating the slug: ?confirm=%s", slug)
	}
	if err := s.deps.Offboard.Delete(ctx, t); err != nil {
		return err
	}
	pr := principal(c)
	if err := s.deps.Offboard.RecordPlatform(ctx, identity.Event{ActorKind: pr.Kind, ActorID: &pr.ID, ActorLabel: pr.Label(),
		Action: identity.ActionOffboard, Object: "tenant:" + t.Slug, IP: client(c).IP, Detail: map[string]string{"name": t.Name}}); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "company offboarded", slog.String("tenant", t.Slug))
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) signUpManager(c *fiber.Ctx) error {
	var in struct {
		Email       string `json:"email" form:"email"`
		FullName    string `json:"full_name" form:"full_name"`
		Password    string `json:"password" form:"password"`
		Association struct {
			Name        string `json:"name"`
			LegalID     string `json:"legal_id"`
			Description string `json:"description"`
			City        string `json:"city"`
			Website     string `json:"website"`
		} `json:"association"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	if _, ok := tenants.FromContext(c.UserContext()); ok {
		return errs.E(errs.NotFound, "associations sign up on the platform's address")
	}
	a := in.Association
	claimed, err := s.deps.Identity.SignUpManager(c.UserContext(), identity.ManagerSignUp{Email: in.Email, FullName: in.FullName,
		Password: in.Password, Association: identity.AssociationDraft{Name: a.Name, LegalID: a.LegalID, Description: a.Description,
			City: a.City, Website: a.Website}}, client(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "check your mailbox to confirm your address", "claimed": claimed})
}

func (s *Server) inviteCoManager(c *fiber.Ctx) error {
	id, err := paramID(c, "association")
	if err != nil {
		return err
	}
	var in struct {
		Email    string `json:"email" form:"email"`
		FullName string `json:"full_name" form:"full_name"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	if err := s.deps.Identity.InviteCoManager(c.UserContext(), principal(c), id, in.Email, in.FullName, client(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusAccepted)
}

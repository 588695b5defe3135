package httpapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/platform"
	"github.com/vendredi-app/vendredi/tenants"
)

// companyRoutes serve the companies, for platform staff: onboard one with
// its first HR admin, suspend, resume, export and offboard it.
func (s *Server) companyRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	read, create, suspend := enf.Route("companies", "read"), enf.Route("companies", "create"), enf.Route("companies", "suspend")

	api.Get("/platform/companies", read, s.listCompanies)
	app.Get("/platform/companies", read, s.staffCompaniesPage)
	api.Post("/platform/companies", create, s.onboardCompany)
	app.Post("/platform/companies", create, s.staffOnboardSubmit)
	app.Get("/platform/companies/:slug/logo", read, s.staffCompanyLogo)
	app.Post("/platform/companies/:slug/resend", create, s.staffResendSubmit)
	api.Post("/platform/companies/:slug/suspend", suspend, s.setCompanyStatus("suspended"))
	app.Post("/platform/companies/:slug/suspend", suspend, s.staffCompanyStatus(tenants.Suspended))
	api.Post("/platform/companies/:slug/resume", suspend, s.setCompanyStatus("active"))
	app.Post("/platform/companies/:slug/resume", suspend, s.staffCompanyStatus(tenants.Active))
	api.Get("/platform/companies/:slug/export", enf.Route("companies", "export"), s.exportCompany)
	api.Delete("/platform/companies/:slug", enf.Route("companies", "delete"), s.deleteCompany)
}

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

// onboardFields are the onboarding form's text inputs; "logo", a file, is
// never kept.
var onboardFields = []string{"name", "slug", "email_domains", "locale", "admin_email", "admin_name", "accent"}

type companyRow struct {
	*tenants.Tenant
	People platform.CompanyPeople
	Site   string // the company's own address
	Logo   string
}

func (s *Server) staffCompaniesPage(c *fiber.Ctx) error { return s.staffCompanies(c, nil) }

func (s *Server) staffCompanies(c *fiber.Ctx, extra map[string]any) error {
	ctx := c.UserContext()
	list, err := s.deps.Tenants.List(ctx)
	if err != nil {
		return err
	}
	people, err := s.deps.Staff.PeopleByCompany(ctx)
	if err != nil {
		return err
	}
	if extra == nil {
		extra = map[string]any{"Form": map[string]string{"locale": "fr", "accent": productAccent}}
	}
	rows := make([]companyRow, len(list))
	onboarded, changed := c.Query("onboarded"), c.Query("changed")
	for i, t := range list {
		rows[i] = companyRow{Tenant: t, People: people[t.ID], Site: s.cfg.Links.Company(t.Slug)}
		if t.LogoVersion != "" {
			rows[i].Logo = "/platform/companies/" + t.Slug + "/logo?v=" + t.LogoVersion
		}
		if t.Slug == onboarded {
			extra["Onboarded"] = map[string]string{"Name": t.Name, "Email": c.Query("admin")}
			extra["MailFailed"] = c.Query("mail") == "failed"
		}
		if t.Slug == c.Query("resent") {
			extra["Resent"] = map[string]string{"Name": t.Name, "Email": c.Query("admin")}
		}
		if t.Slug == changed {
			extra["Changed"] = t
		}
	}
	extra["Companies"] = rows
	extra["Host"] = map[string]string{"Host": s.cfg.Links.Host()}
	return s.render(c, "staff/companies", s.staffData(c, "staff.companies.title", extra))
}

func (s *Server) staffOnboardSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	form := formValues(c, onboardFields...)
	if form["slug"] == "" {
		form["slug"] = tenants.SuggestSlug(form["name"])
	}
	accent := strings.ToLower(form["accent"])
	if accent == productAccent {
		accent = ""
	}
	logo, err := uploaded(c, "logo")
	if err != nil {
		return err
	}
	t, admin, err := s.deps.Identity.OnboardCompany(ctx, principal(c), identity.OnboardInput{Slug: form["slug"], Name: form["name"],
		Locale: form["locale"], EmailDomains: splitList(form["email_domains"]), AdminEmail: form["admin_email"],
		AdminName: form["admin_name"], Accent: accent, Logo: logo}, client(c))
	if t != nil && (err == nil || errs.Is(err, errs.Unavailable)) {
		// Created; an Unavailable error is the invitation mail that could
		// not leave: the company exists and the page says so.
		q := url.Values{"onboarded": {t.Slug}, "admin": {admin.Email}}
		if err != nil {
			q.Set("mail", "failed")
		}
		return c.Redirect("/platform/companies?"+q.Encode()+"#onboarded", fiber.StatusSeeOther)
	}
	alias := map[string]string{"email": "admin_email", "full_name": "admin_name"}
	if errs.Is(err, errs.Conflict) && errs.FieldOf(err) == "" {
		// The company's slug and email domains are what another
		// company may hold already: say which one clashed.
		alias[""] = "email_domains"
		if _, err := s.deps.Tenants.BySlug(ctx, form["slug"]); err == nil {
			alias[""] = "slug"
		}
	}
	fe := map[string]string{}
	if err := s.formFailure(c, err, fe, inputSet(append(onboardFields, "logo")...), alias); err != nil {
		return err
	}
	return s.staffCompanies(c, formExtra(form, fe))
}

// uploaded is the content of the file input name, nil when none was chosen.
func uploaded(c *fiber.Ctx, name string) ([]byte, error) {
	fh, err := c.FormFile(name)
	if err != nil {
		return nil, nil
	}
	f, err := fh.Open()
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "the uploaded file cannot be read")
	}
	defer f.Close()
	return io.ReadAll(f)
}

// splitList splits a list typed with commas, semicolons or spaces.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
}

// staffCompanyLogo shows staff a company's logo on the platform's
// address, whose pages load images from nowhere else. It is served as on
// the company's own address, with the same sandbox.
func (s *Server) staffCompanyLogo(c *fiber.Ctx) error {
	t, err := s.deps.Tenants.BySlug(c.UserContext(), utils.CopyString(c.Params("slug")))
	if err != nil {
		return err
	}
	c.SetUserContext(tenants.NewContext(c.UserContext(), t))
	return s.logo(c)
}

func (s *Server) staffCompanyStatus(status tenants.Status) fiber.Handler {
	return func(c *fiber.Ctx) error {
		t, err := s.deps.Tenants.SetStatus(c.UserContext(), utils.CopyString(c.Params("slug")), status)
		if err != nil {
			return err
		}
		return c.Redirect("/platform/companies?changed="+url.QueryEscape(t.Slug)+"#changed", fiber.StatusSeeOther)
	}
}

// staffResendSubmit mails the invitation of a company's HR admins again,
// while nobody has joined it yet: the first mail may have been lost, or
// sent while the mail server was down.
func (s *Server) staffResendSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := s.deps.Tenants.BySlug(ctx, utils.CopyString(c.Params("slug")))
	if err != nil {
		return err
	}
	tctx := tenants.NewContext(ctx, t)
	people, err := s.deps.Identity.People(tctx)
	if err != nil {
		return err
	}
	// The link opens the company's own address (tctx's), as onboarding's did.
	cl := client(c)
	var sent []string
	for _, p := range people {
		if p.Role != identity.RoleHRAdmin || p.Status != identity.StatusInvited {
			continue
		}
		if err := s.deps.Identity.ResendInvitation(tctx, principal(c), p.ID, cl); err != nil {
			return err
		}
		sent = append(sent, p.Email)
	}
	if len(sent) == 0 {
		return errs.E(errs.Conflict, "%s has no HR admin invitation waiting: its admins have joined", t.Name)
	}
	return c.Redirect("/platform/companies?resent="+url.QueryEscape(t.Slug)+"&admin="+url.QueryEscape(strings.Join(sent, ", "))+"#company-"+t.Slug,
		fiber.StatusSeeOther)
}

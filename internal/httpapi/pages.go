package httpapi

import (
	"bytes"
	"html"
	"html/template"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

type missionList struct {
	Lang     string
	Missions []catalog.MissionSummary
}

// LangCookie remembers the language a person chose.
const LangCookie = "vendredi_lang"

// lang is the page's language: the person's choice, else their company's,
// else French.
func lang(c *fiber.Ctx) string {
	if l := c.Cookies(LangCookie); l == "fr" || l == "en" {
		return l
	}
	if t, ok := tenants.FromContext(c.UserContext()); ok && t.Locale == "en" {
		return "en"
	}
	return "fr"
}

// pageData is what every page's layout needs, plus the page's own fields.
func (s *Server) pageData(c *fiber.Ctx, title string, extra map[string]any) map[string]any {
	// What people wrote keeps its language and says so (lang="…"): a
	// company writes its campaigns in its own language; associations,
	// French ones on a French platform, write their missions in French.
	d := map[string]any{"Title": title, "Lang": lang(c), "Company": "", "Path": c.Path(), "CampaignLang": "fr", "MissionLang": "fr"}
	if t, ok := tenants.FromContext(c.UserContext()); ok {
		d["Company"] = t.Name
		d["CampaignLang"] = t.Locale
		if t.Accent != "" {
			// Checked against #rrggbb when the company was branded.
			d["Brand"] = template.CSS(":root{--accent:" + t.Accent + ";--accent-dark:" + t.AccentDark() + "}")
		}
		d["Logo"] = logoPath(t)
	}
	if p := identity.PrincipalFrom(c.UserContext()); p != nil {
		d["User"] = p.Name
		// The header offers the links of what the person is: a member of
		// the company (an HR admin also takes part), staff, a manager.
		switch {
		case p.Kind == identity.KindMember:
			d["Member"] = true
			d["HRAdmin"] = p.Role == identity.RoleHRAdmin
			if d["HRAdmin"] == true {
				d["BillingNotice"] = s.billingNotice(c) // a payment owed: the banner
			}
		case p.Staff:
			d["Staff"] = true
		}
		if len(p.Associations) > 0 && p.Kind != identity.KindMember {
			d["Association"] = p.Associations[0].String()
		}
	}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

// logo serves the company's logo. Its URL carries the logo's version, so
// browsers keep it for a year; an SVG is sandboxed so that a script in it
// never runs with the company's origin.
func (s *Server) logo(c *fiber.Ctx) error {
	t, ok := tenants.FromContext(c.UserContext())
	if !ok || t.LogoVersion == "" {
		return errs.E(errs.NotFound, "this company has no logo")
	}
	l, err := s.deps.Tenants.Logo(c.UserContext(), t.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, l.ContentType)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	if c.Query("v") == t.LogoVersion {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	return c.Send(l.Content)
}

func (s *Server) render(c *fiber.Ctx, name string, data map[string]any) error {
	var buf bytes.Buffer
	l, _ := data["Lang"].(string)
	tpl, ok := s.pages[l]
	if !ok {
		tpl = s.pages["fr"]
	}
	if err := tpl.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

func (s *Server) landing(c *fiber.Ctx) error {
	ctx := c.UserContext()
	// On the platform's address, staff and managers start at their work.
	if p := principal(c); p != nil && p.Kind != identity.KindMember {
		if _, ok := tenants.FromContext(ctx); !ok {
			switch {
			case p.Staff:
				return c.Redirect("/platform", fiber.StatusSeeOther)
			case len(p.Associations) > 0:
				return c.Redirect("/associations/"+p.Associations[0].String(), fiber.StatusSeeOther)
			}
		}
	}
	d := s.pageData(c, "Tous confinés, Tous engagés", nil)
	if p := principal(c); p != nil && p.Kind == identity.KindAccount {
		// Someone who asked to manage an existing association sees where
		// the request stands, and nothing of the association meanwhile.
		claims, err := s.deps.Identity.ClaimsOf(ctx, p)
		if err != nil {
			return err
		}
		d["Claims"] = claims
	}
	if p := principal(c); p != nil && p.Kind == identity.KindMember {
		// A member sees the drives they are invited to before anything else.
		cs, err := s.deps.Campaigns.List(ctx, viewerOf(c), campaign.Active)
		if err != nil {
			return err
		}
		d["Campaigns"] = cs
	}
	lang := d["Lang"].(string)
	missions, err := s.deps.Catalog.OpenMissions(ctx, 100)
	if err != nil {
		return err
	}
	var vital, others []catalog.MissionSummary
	for _, m := range missions {
		if m.VitalCategory != "" {
			if lang == "en" {
				m.Title = m.VitalLabelEN
			}
			vital = append(vital, m)
		} else {
			others = append(others, m)
		}
	}
	rules, err := s.deps.Catalog.SanitaryRules(ctx)
	if err != nil {
		return err
	}
	texts := make([]string, len(rules))
	for i, r := range rules {
		texts[i] = r.TextFR
		if lang == "en" {
			texts[i] = r.TextEN
		}
	}
	d["Vital"] = missionList{lang, vital}
	d["Others"] = missionList{lang, others}
	d["Rules"] = texts
	if t, ok := tenants.FromContext(ctx); ok {
		d["Title"] = t.Name
		counts, err := s.deps.Members.Count(ctx)
		if err != nil {
			return err
		}
		d["Members"] = counts["active"]
	}
	return s.render(c, "landing.html", d)
}

// tenantJSON is the public face of a company.
type tenantJSON struct {
	Slug   string `json:"slug"`
	Name   string `json:"name"`
	Locale string `json:"locale"`
}

func (s *Server) currentTenant(c *fiber.Ctx) error {
	t, ok := tenants.FromContext(c.UserContext())
	if !ok {
		return errs.E(errs.NotFound, "this endpoint answers on a company's address, such as acme.%s", s.cfg.BaseDomain)
	}
	return c.JSON(tenantJSON{Slug: t.Slug, Name: t.Name, Locale: t.Locale})
}

// titled is pageData with the page's title translated from its key.
func (s *Server) titled(c *fiber.Ctx, titleKey string, extra map[string]any) map[string]any {
	d := s.pageData(c, "", extra)
	d["Title"] = s.phrase(d["Lang"].(string), titleKey)
	return d
}

// staffData is a staff page's data; its title is the page's heading.
func (s *Server) staffData(c *fiber.Ctx, titleKey string, extra map[string]any) map[string]any {
	d := s.titled(c, titleKey, extra)
	// The staff menu marks the section the page belongs to.
	d["Section"], _, _ = strings.Cut(strings.TrimPrefix(strings.TrimPrefix(c.Path(), "/platform"), "/"), "/")
	if _, ok := d["Errors"]; !ok {
		d["Errors"] = map[string]string{}
	}
	return d
}

// phrase is a page message in lang, as plain text: the document's title,
// the words of an error caught by these pages.
func (s *Server) phrase(lang, key string) string {
	tpl, ok := s.pages[lang]
	if !ok {
		tpl = s.pages["fr"]
	}
	var b bytes.Buffer
	if err := tpl.ExecuteTemplate(&b, "staff/phrase", key); err != nil {
		return key
	}
	return html.UnescapeString(b.String())
}

// inputError is a mistake in a form that these pages catch before any
// service, worded by one of their messages.
type inputError struct{ field, key string }

// formValues reads the named inputs, trimmed and copied out of the
// request's buffer.
func formValues(c *fiber.Ctx, names ...string) map[string]string {
	form := make(map[string]string, len(names))
	for _, n := range names {
		form[n] = strings.TrimSpace(utils.CopyString(c.FormValue(n)))
	}
	return form
}

// hrData is a page's data with the HR admin's links in the header.
func (s *Server) hrData(c *fiber.Ctx, titleKey string, extra map[string]any) map[string]any {
	d := s.pageData(c, "", extra)
	d["HRAdmin"] = true
	d["TitleKey"] = titleKey
	d["Title"] = hrTitles[titleKey][0]
	d["DateFmt"] = "02/01/2006"
	if d["Lang"] == "en" {
		d["Title"] = hrTitles[titleKey][1]
		d["DateFmt"] = "2 Jan 2006"
	}
	return d
}

// hrTitles are the HR pages' window titles, in French and English.
var hrTitles = map[string][2]string{
	"hr.people.title":    {"Personnes", "People"},
	"hr.campaigns.title": {"Campagnes", "Campaigns"},
	"hr.dashboard.title": {"Tableau de bord", "Dashboard"},
	"hr.audit.title":     {"Journal d'audit", "Audit log"},
	"hr.tokens.title":    {"Jetons d'API", "API tokens"},
	"hr.branding.title":  {"Image de marque", "Branding"},
	"hr.settings.title":  {"Paramètres de la campagne", "Campaign settings"},
	"hr.mecenat.title":   {"Mécénat de compétences", "Skills-based giving"},
	"hr.lines.title":     {"Détail des heures valorisées", "Valued hours in detail"},
	"hr.costs.title":     {"Coûts horaires", "Hourly costs"},
	"hr.hours.title":     {"Heures à approuver", "Hours to approve"},
	"hr.home.title":      {"Accueil RH", "HR home"},
}

// assocTitles are the pages' titles, by language.
var assocTitles = map[string]map[string]string{
	"fr": {"signup": "Inscrire votre association", "home": "Votre association", "missions": "Missions",
		"mission_new": "Nouvelle mission", "mission_edit": "Modifier la mission", "applicants": "Candidatures", "hours": "Heures à confirmer",
		"receipts": "Reçus de mécénat"},
	"en": {"signup": "Sign up your association", "home": "Your association", "missions": "Missions",
		"mission_new": "New mission", "mission_edit": "Edit the mission", "applicants": "Applicants", "hours": "Hours to confirm",
		"receipts": "Giving receipts"},
}

// assocData is a page's data within an association: its name in the
// title, the sub-navigation's current section, dates in the page's words.
func (s *Server) assocData(c *fiber.Ctx, section string, a *catalog.Association, extra map[string]any) map[string]any {
	d := s.pageData(c, "", extra)
	l, _ := d["Lang"].(string)
	if assocTitles[l] == nil {
		l = "fr"
	}
	d["Title"] = assocTitles[l][section]
	if a != nil {
		d["Title"] = assocTitles[l][section] + " · " + a.Name
		d["Assoc"] = a
		d["Base"] = "/associations/" + a.ID.String()
	}
	d["Section"] = section
	d["DateFmt"] = "02/01/2006"
	if l == "en" {
		d["DateFmt"] = "2 Jan 2006"
	}
	return d
}

// assocErrors are a form's messages, by the name of the input at fault;
// "form" is the form's own.
type assocErrors map[string]string

func (e *inputError) Error() string { return e.field + ": " + e.key }

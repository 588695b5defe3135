package httpapi

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/privacy"
)

// personalDataRoutes serve a person's rights over their data (GDPR): the
// download of everything about them (arts. 15 and 20) and its erasure
// (art. 17), by themselves or by an HR admin for them, and the company's
// retention. API and pages side by side.
func (s *Server) personalDataRoutes(app, api fiber.Router) {
	if s.deps.Privacy == nil {
		return
	}
	enf := s.deps.Authz
	ownRead, ownErase := enf.Route("personal_data", "read"), enf.Route("personal_data", "delete")
	theirRead, theirErase := enf.Route("members", "export"), enf.Route("members", "delete")
	settingsRead, settingsUpdate := enf.Route("tenants", "read"), enf.Route("tenants", "update")

	api.Get("/me/personal-data", ownRead, s.myPersonalData)
	api.Delete("/me/personal-data", ownErase, s.eraseMyPersonalData)
	api.Get("/members/:id/personal-data", theirRead, s.theirPersonalData)
	api.Delete("/members/:id/personal-data", theirErase, s.eraseTheirPersonalData)
	api.Get("/privacy/settings", settingsRead, s.privacySettings)
	api.Put("/privacy/settings", settingsUpdate, s.savePrivacySettings)

	app.Get("/me/personal-data", ownRead, s.personalDataPage)
	app.Get("/me/personal-data.json", ownRead, s.personalDataDownload)
	app.Post("/me/personal-data/erase", ownErase, s.personalDataEraseSubmit)
	app.Get("/admin/people/:id/personal-data.json", theirRead, s.theirPersonalDataDownload)
	app.Post("/admin/people/:id/personal-data/erase", theirErase, s.theirPersonalDataEraseSubmit)
	app.Get("/admin/privacy", settingsUpdate, s.privacySettingsPage)
	app.Post("/admin/privacy", settingsUpdate, s.privacySettingsSubmit)
}

func privacyActor(c *fiber.Ctx) privacy.Actor {
	pr := principal(c)
	return privacy.Actor{Kind: pr.Kind, ID: pr.ID, Label: pr.Label(), IP: client(c).IP}
}

// --- API ---

func (s *Server) exportOf(c *fiber.Ctx, member uuid.UUID) (*privacy.Export, error) {
	return s.deps.Privacy.Export(c.UserContext(), privacy.ExportInput{Actor: privacyActor(c), MemberID: member})
}

func (s *Server) myPersonalData(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	x, err := s.exportOf(c, member)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(x)
}

func (s *Server) theirPersonalData(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	x, err := s.exportOf(c, id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(x)
}

// eraseInput reads the confirmation: ?confirm= or a body's "confirm".
func eraseConfirm(c *fiber.Ctx) (string, error) {
	var in struct {
		Confirm string `json:"confirm" form:"confirm"`
	}
	if err := bind(c, &in); err != nil {
		return "", err
	}
	if in.Confirm == "" {
		in.Confirm = utils.CopyString(c.Query("confirm"))
	}
	return in.Confirm, nil
}

func (s *Server) eraseMyPersonalData(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	confirm, err := eraseConfirm(c)
	if err != nil {
		return err
	}
	out, err := s.deps.Privacy.Erase(c.UserContext(), privacy.EraseInput{Actor: privacyActor(c), MemberID: member, Confirm: confirm})
	if err != nil {
		return err
	}
	s.clearSession(c)
	return c.JSON(out)
}

func (s *Server) eraseTheirPersonalData(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	confirm, err := eraseConfirm(c)
	if err != nil {
		return err
	}
	out, err := s.deps.Privacy.Erase(c.UserContext(), privacy.EraseInput{Actor: privacyActor(c), MemberID: id, Confirm: confirm})
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) privacySettings(c *fiber.Ctx) error {
	set, err := s.deps.Privacy.Settings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(set)
}

func (s *Server) savePrivacySettings(c *fiber.Ctx) error {
	var in privacy.Settings
	if err := bind(c, &in); err != nil {
		return err
	}
	set, err := s.deps.Privacy.SaveSettings(c.UserContext(), privacyActor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(set)
}

// --- pages ---

func (s *Server) personalDataPage(c *fiber.Ctx) error {
	if _, err := memberOf(c); err != nil {
		return err
	}
	return s.renderPersonalData(c, "", "")
}

func (s *Server) renderPersonalData(c *fiber.Ctx, confirm, message string) error {
	return s.render(c, "employee/personal_data", s.titled(c, "privacy.title", map[string]any{
		"Email": principal(c).Email, "Confirm": confirm, "Message": message}))
}

func downloadExport(c *fiber.Ctx, x *privacy.Export) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="vendredi-personal-data.json"`)
	return c.JSON(x)
}

func (s *Server) personalDataDownload(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	x, err := s.exportOf(c, member)
	if err != nil {
		return err
	}
	return downloadExport(c, x)
}

func (s *Server) personalDataEraseSubmit(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	confirm := utils.CopyString(c.FormValue("confirm"))
	_, err = s.deps.Privacy.Erase(c.UserContext(), privacy.EraseInput{Actor: privacyActor(c), MemberID: member, Confirm: confirm})
	if err != nil {
		msg, err := s.formMessage(c, err)
		if err != nil {
			return err
		}
		return s.renderPersonalData(c, confirm, msg)
	}
	s.clearSession(c)
	return c.Redirect("/sign-in?erased=1", fiber.StatusSeeOther)
}

func (s *Server) theirPersonalDataDownload(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	x, err := s.exportOf(c, id)
	if err != nil {
		return err
	}
	return downloadExport(c, x)
}

func (s *Server) theirPersonalDataEraseSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	confirm := utils.CopyString(c.FormValue("confirm"))
	_, err = s.deps.Privacy.Erase(c.UserContext(), privacy.EraseInput{Actor: privacyActor(c), MemberID: id, Confirm: confirm})
	if errs.Is(err, errs.Invalid) || errs.Is(err, errs.Conflict) {
		return s.hrPeople(c, map[string]any{"RowID": id.String(), "RowError": s.message(c, err)})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/people?done=erased", fiber.StatusSeeOther)
}

func (s *Server) renderPrivacySettings(c *fiber.Ctx, months, message string) error {
	d := s.titled(c, "hr.privacy.title", map[string]any{"Months": months, "Error": message, "Saved": c.Query("saved") == "1"})
	d["HRAdmin"] = true
	return s.render(c, "hr/privacy", d)
}

func (s *Server) privacySettingsPage(c *fiber.Ctx) error {
	set, err := s.deps.Privacy.Settings(c.UserContext())
	if err != nil {
		return err
	}
	months := ""
	if set.RetentionMonths != nil {
		months = strconv.Itoa(*set.RetentionMonths)
	}
	return s.renderPrivacySettings(c, months, "")
}

func (s *Server) privacySettingsSubmit(c *fiber.Ctx) error {
	typed := strings.TrimSpace(c.FormValue("retention_months"))
	var in privacy.Settings
	var err error
	if typed != "" {
		n, convErr := strconv.Atoi(typed)
		if convErr != nil {
			n = -1 // not a number: the service's check words the refusal
		}
		in.RetentionMonths = &n
	}
	if _, err = s.deps.Privacy.SaveSettings(c.UserContext(), privacyActor(c), in); errs.Is(err, errs.Invalid) {
		c.Status(fiber.StatusBadRequest)
		return s.renderPrivacySettings(c, typed, s.message(c, err))
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/privacy?saved=1", fiber.StatusSeeOther)
}

package httpapi

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/documents"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/mecenat"
)

// mecenatRoutes serve the mécénat de compétences: the year's gifts and tax
// figures with their lines, the hourly costs behind them (the "costs"
// permission: HR only, never colleagues nor associations), and the law's
// reference figures that staff keep. API and pages side by side.
func (s *Server) mecenatRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	read, update := enf.Route("costs", "read"), enf.Route("costs", "update")

	api.Get("/mecenat/years/:year", read, s.mecenatYear)
	api.Get("/mecenat/years/:year/lines", read, s.mecenatLines)
	api.Put("/mecenat/years/:year/turnover", update, s.mecenatTurnover)
	api.Get("/mecenat/costs", read, s.mecenatCosts)
	api.Put("/mecenat/costs/default", update, s.mecenatDefaultCost)
	api.Post("/mecenat/costs/bands", update, s.mecenatCreateBand)
	api.Delete("/mecenat/costs/bands/:id", update, s.mecenatDeleteBand)
	api.Post("/mecenat/costs/import", update, s.mecenatImportCosts)
	api.Put("/participations/:id/work-time", update, s.mecenatWorkTime)
	api.Get("/mecenat/years/:year/indicators", read, s.mecenatIndicators)
	api.Get("/mecenat/years/:year/indicators.csv", read, s.mecenatIndicatorsCSV)
	api.Get("/mecenat/years/:year/indicators.pdf", read, s.mecenatIndicatorsPDF)
	api.Get("/mecenat/reference", enf.Route("reference_data", "read"), s.mecenatReferences)
	api.Put("/mecenat/reference/:year", enf.Route("reference_data", "update"), s.mecenatSaveReference)

	app.Get("/admin/mecenat", read, s.mecenatPage)
	app.Post("/admin/mecenat/turnover", update, s.mecenatTurnoverSubmit)
	app.Get("/admin/mecenat/:year/lines", read, s.mecenatLinesPage)
	app.Get("/admin/mecenat/:year/indicators.csv", read, s.mecenatIndicatorsCSV)
	app.Get("/admin/mecenat/:year/indicators.pdf", read, s.mecenatIndicatorsPDF)
	app.Post("/admin/mecenat/participations/:id/work-time", update, s.mecenatWorkTimeSubmit)
	app.Get("/admin/mecenat/costs", read, s.mecenatCostsPage)
	app.Post("/admin/mecenat/costs/default", update, s.mecenatDefaultSubmit)
	app.Post("/admin/mecenat/costs/bands", update, s.mecenatBandSubmit)
	app.Post("/admin/mecenat/costs/bands/:id/delete", update, s.mecenatBandDeleteSubmit)
	app.Post("/admin/mecenat/costs/import", update, s.mecenatImportSubmit)
	app.Get("/platform/mecenat", enf.Route("reference_data", "read"), s.mecenatReferencePage)
	app.Post("/platform/mecenat", enf.Route("reference_data", "update"), s.mecenatReferenceSubmit)
	app.Post("/platform/mecenat/causes", enf.Route("reference_data", "update"), s.mecenatCausesSubmit)
}

// yearParam reads a year from the path or the query.
func yearOf(v string) (int, error) {
	y, err := strconv.Atoi(v)
	if err != nil {
		return 0, errs.Field("year", "%q is not a year such as 2024", v)
	}
	return y, mecenat.CheckYear(y)
}

// --- API ---

func (s *Server) mecenatYear(c *fiber.Ctx) error {
	y, err := yearOf(c.Params("year"))
	if err != nil {
		return err
	}
	f, err := s.deps.Mecenat.Year(c.UserContext(), y)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"figures": f, "beneficiary_list": f.BeneficiaryList()})
}

func (s *Server) mecenatLines(c *fiber.Ctx) error {
	y, err := yearOf(c.Params("year"))
	if err != nil {
		return err
	}
	assoc := uuid.Nil
	if v := c.Query("association"); v != "" {
		if assoc, err = uuid.Parse(v); err != nil {
			return errs.Field("association", "%q is not an association's id", v)
		}
	}
	lines, err := s.deps.Mecenat.Lines(c.UserContext(), y, assoc)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"lines": lines})
}

func (s *Server) mecenatTurnover(c *fiber.Ctx) error {
	y, err := yearOf(c.Params("year"))
	if err != nil {
		return err
	}
	var in struct {
		Turnover *int64 `json:"turnover_cents"`
	}
	if err := campaign.DecodeStrict(c.Body(), &in, "turnover"); err != nil {
		return err
	}
	var t *mecenat.Cents
	if in.Turnover != nil {
		v := mecenat.Cents(*in.Turnover)
		t = &v
	}
	if err := s.deps.Mecenat.SetTurnover(c.UserContext(), y, t); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) mecenatCosts(c *fiber.Ctx) error {
	book, err := s.deps.Mecenat.Costs(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(book)
}

func (s *Server) mecenatDefaultCost(c *fiber.Ctx) error {
	var in struct {
		Hourly *int64 `json:"hourly_cents"`
	}
	if err := campaign.DecodeStrict(c.Body(), &in, "cost"); err != nil {
		return err
	}
	var h *mecenat.Cents
	if in.Hourly != nil {
		v := mecenat.Cents(*in.Hourly)
		h = &v
	}
	if err := s.deps.Mecenat.SetDefaultCost(c.UserContext(), h); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) mecenatCreateBand(c *fiber.Ctx) error {
	var in struct {
		Name   string `json:"name"`
		Hourly int64  `json:"hourly_cents"`
	}
	if err := campaign.DecodeStrict(c.Body(), &in, "band"); err != nil {
		return err
	}
	b, err := s.deps.Mecenat.SaveBand(c.UserContext(), mecenat.Band{Name: in.Name, Hourly: mecenat.Cents(in.Hourly)})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(b)
}

func (s *Server) mecenatDeleteBand(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Mecenat.DeleteBand(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// mecenatImportCosts reads a CSV file, sent as the body (text/csv) or as
// the "file" of a form.
func (s *Server) mecenatImportCosts(c *fiber.Ctx) error {
	body, err := uploaded(c, "file")
	if err != nil {
		return err
	}
	if body == nil {
		body = c.Body()
	}
	if len(body) == 0 {
		return errs.Field("file", "send a CSV file")
	}
	out, err := s.deps.Mecenat.ImportCosts(c.UserContext(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"lines": out})
}

func (s *Server) mecenatWorkTime(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		WorkTime *bool `json:"work_time"`
	}
	if err := campaign.DecodeStrict(c.Body(), &in, "work time"); err != nil {
		return err
	}
	if err := s.deps.Mecenat.SetWorkTime(c.UserContext(), id, in.WorkTime); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) mecenatReferences(c *fiber.Ctx) error {
	rs, err := s.deps.Mecenat.References(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"years": rs})
}

func (s *Server) mecenatSaveReference(c *fiber.Ctx) error {
	y, err := yearOf(c.Params("year"))
	if err != nil {
		return err
	}
	var r mecenat.Reference
	if err := campaign.DecodeStrict(c.Body(), &r, "reference"); err != nil {
		return err
	}
	r.Year = y
	saved, err := s.deps.Mecenat.SaveReference(c.UserContext(), r, principal(c).Label())
	if err != nil {
		return err
	}
	return c.JSON(saved)
}

func (s *Server) indicators(c *fiber.Ctx) (*mecenat.Indicators, error) {
	y, err := yearOf(c.Params("year"))
	if err != nil {
		return nil, err
	}
	return s.deps.Mecenat.Indicators(c.UserContext(), y)
}

func (s *Server) mecenatIndicators(c *fiber.Ctx) error {
	in, err := s.indicators(c)
	if err != nil {
		return err
	}
	return c.JSON(in)
}

// causeLabels maps the causes' codes to their labels in the page's language.
func (s *Server) causeLabels(c *fiber.Ctx) (map[string]string, error) {
	causes, err := s.deps.Reference.Causes(c.UserContext())
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for _, k := range causes {
		labels[k.Code] = k.LabelFR
		if lang(c) == "en" {
			labels[k.Code] = k.LabelEN
		}
	}
	return labels, nil
}

func (s *Server) mecenatIndicatorsCSV(c *fiber.Ctx) error {
	in, err := s.indicators(c)
	if err != nil {
		return err
	}
	labels, err := s.causeLabels(c)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	err = in.WriteCSV(&b, labels)
	return download(c, "text/csv; charset=utf-8", fmt.Sprintf("indicateurs-%d.csv", in.Year), b.Bytes(), err)
}

func (s *Server) mecenatIndicatorsPDF(c *fiber.Ctx) error {
	in, err := s.indicators(c)
	if err != nil {
		return err
	}
	labels, err := s.causeLabels(c)
	if err != nil {
		return err
	}
	company, accent := brand(c)
	pdf, err := documents.Indicators(in, company, accent, lang(c), labels, time.Now())
	return download(c, "application/pdf", fmt.Sprintf("indicateurs-%d.pdf", in.Year), pdf, err)
}

// --- pages ---

// pageYear is ?year=, this year by default.
func pageYear(c *fiber.Ctx) (int, error) {
	if v := c.Query("year"); v != "" {
		return yearOf(v)
	}
	return time.Now().Year(), nil
}

func (s *Server) mecenatPage(c *fiber.Ctx) error {
	y, err := pageYear(c)
	if err != nil {
		return err
	}
	return s.renderMecenat(c, y, nil, nil)
}

func (s *Server) renderMecenat(c *fiber.Ctx, y int, form map[string]string, fieldErrors map[string]string) error {
	ctx := c.UserContext()
	d := map[string]any{"Year": y, "Prev": y - 1, "Next": y + 1, "Errors": fieldErrors, "Saved": c.Query("saved") == "1"}
	if fieldErrors == nil {
		d["Errors"] = map[string]string{}
	}
	f, err := s.deps.Mecenat.Year(ctx, y)
	switch {
	case errs.Is(err, errs.Conflict):
		d["Missing"] = s.message(c, err)
	case err != nil:
		return err
	default:
		d["F"] = f
		d["List"] = f.BeneficiaryList()
		rs, err := s.deps.Mecenat.Receipts(ctx, y)
		if err != nil {
			return err
		}
		byAssoc := map[string]mecenat.Receipt{}
		for _, r := range rs {
			byAssoc[r.AssociationID.String()] = r
		}
		d["Receipts"] = byAssoc
		d["Offered"] = c.Query("offered")
	}
	if form == nil {
		form = map[string]string{}
		if f != nil && f.Tax.Turnover != nil {
			form["turnover"] = strings.TrimSuffix(f.Tax.Turnover.Plain(), ".00")
		}
	}
	d["Form"] = form
	return s.render(c, "hr/mecenat", s.hrData(c, "hr.mecenat.title", d))
}

func (s *Server) mecenatTurnoverSubmit(c *fiber.Ctx) error {
	form := formValues(c, "year", "turnover")
	y, err := yearOf(form["year"])
	if err != nil {
		return err
	}
	var t *mecenat.Cents
	if form["turnover"] != "" {
		v, err := mecenat.ParseCents("turnover", form["turnover"])
		if err != nil {
			c.Status(fiber.StatusBadRequest)
			return s.renderMecenat(c, y, form, map[string]string{"turnover": s.message(c, err)})
		}
		t = &v
	}
	if err := s.deps.Mecenat.SetTurnover(c.UserContext(), y, t); err != nil {
		fe := map[string]string{}
		if err := s.formFailure(c, err, fe, inputSet("turnover"), map[string]string{"": "turnover"}); err != nil {
			return err
		}
		return s.renderMecenat(c, y, form, fe)
	}
	return c.Redirect("/admin/mecenat?year="+strconv.Itoa(y)+"&saved=1", fiber.StatusSeeOther)
}

func (s *Server) mecenatLinesPage(c *fiber.Ctx) error {
	y, err := yearOf(c.Params("year"))
	if err != nil {
		return err
	}
	assoc := uuid.Nil
	if v := c.Query("association"); v != "" {
		if assoc, err = uuid.Parse(v); err != nil {
			return errs.E(errs.NotFound, "There is no such association.")
		}
	}
	lines, err := s.deps.Mecenat.Lines(c.UserContext(), y, assoc)
	if err != nil {
		return err
	}
	var hours mecenat.Centihours
	var cost, valued mecenat.Cents
	name := ""
	for _, l := range lines {
		if l.Gift() {
			hours += l.Hours
			cost += l.Cost
			valued += l.Valued
		}
		name = l.Association
	}
	if assoc == uuid.Nil {
		name = ""
	}
	return s.render(c, "hr/mecenat_lines", s.hrData(c, "hr.lines.title", map[string]any{"Year": y, "Lines": lines,
		"AssociationName": name, "AssociationID": assoc, "Hours": hours, "Cost": cost, "Valued": valued, "Back": c.OriginalURL()}))
}

func (s *Server) mecenatWorkTimeSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var wt *bool
	switch c.FormValue("work_time") {
	case "yes":
		v := true
		wt = &v
	case "no":
		v := false
		wt = &v
	case "campaign":
	default:
		return errs.Field("work_time", "work_time is yes, no or campaign")
	}
	if err := s.deps.Mecenat.SetWorkTime(c.UserContext(), id, wt); err != nil {
		return err
	}
	return c.Redirect(localBack(c.FormValue("back"), "/admin/mecenat"), fiber.StatusSeeOther)
}

// localBack is back when it is a path of this site, else fallback: a
// form's return address is never another site.
func localBack(back, fallback string) string {
	if strings.HasPrefix(back, "/admin/") && !strings.HasPrefix(back, "//") && !strings.ContainsAny(back, "\\\r\n") {
		return back
	}
	return fallback
}

func (s *Server) mecenatCostsPage(c *fiber.Ctx) error { return s.renderCosts(c, nil, nil, nil) }

func (s *Server) renderCosts(c *fiber.Ctx, form map[string]string, fieldErrors map[string]string, report []mecenat.CostOutcome) error {
	book, err := s.deps.Mecenat.Costs(c.UserContext())
	if err != nil {
		return err
	}
	if fieldErrors == nil {
		fieldErrors = map[string]string{}
	}
	if form == nil {
		form = map[string]string{}
		if book.Default != nil {
			form["default_hourly_cost"] = book.Default.Plain()
		}
	}
	applied := 0
	for _, o := range report {
		if o.Outcome == mecenat.CostApplied {
			applied++
		}
	}
	return s.render(c, "hr/costs", s.hrData(c, "hr.costs.title", map[string]any{"Book": book, "Form": form,
		"Errors": fieldErrors, "Report": report, "Applied": applied, "Saved": c.Query("saved")}))
}

func (s *Server) mecenatDefaultSubmit(c *fiber.Ctx) error {
	form := formValues(c, "default_hourly_cost")
	var h *mecenat.Cents
	if v := form["default_hourly_cost"]; v != "" {
		x, err := mecenat.ParseCents("default_hourly_cost", v)
		if err != nil {
			c.Status(fiber.StatusBadRequest)
			return s.renderCosts(c, form, map[string]string{"default_hourly_cost": s.message(c, err)}, nil)
		}
		h = &x
	}
	if err := s.deps.Mecenat.SetDefaultCost(c.UserContext(), h); err != nil {
		return s.costsFailed(c, form, err)
	}
	return c.Redirect("/admin/mecenat/costs?saved=default", fiber.StatusSeeOther)
}

// costsFailed shows a refused costs form with its error next to the field.
func (s *Server) costsFailed(c *fiber.Ctx, form map[string]string, err error) error {
	fe := map[string]string{}
	alias := map[string]string{"": "band_name", "name": "band_name", "hourly_cost": "band_cost"}
	if err := s.formFailure(c, err, fe, inputSet("band_name", "band_cost", "default_hourly_cost"), alias); err != nil {
		return err
	}
	if m, ok := fe["form"]; ok {
		delete(fe, "form")
		if fe["band_name"] == "" {
			fe["band_name"] = m
		}
	}
	return s.renderCosts(c, form, fe, nil)
}

func (s *Server) mecenatBandSubmit(c *fiber.Ctx) error {
	form := formValues(c, "band_name", "band_cost")
	h, err := mecenat.ParseCents("hourly_cost", form["band_cost"])
	if err != nil {
		c.Status(fiber.StatusBadRequest)
		return s.renderCosts(c, form, map[string]string{"band_cost": s.message(c, err)}, nil)
	}
	if _, err := s.deps.Mecenat.SaveBand(c.UserContext(), mecenat.Band{Name: form["band_name"], Hourly: h}); err != nil {
		return s.costsFailed(c, form, err)
	}
	return c.Redirect("/admin/mecenat/costs?saved=band", fiber.StatusSeeOther)
}

func (s *Server) mecenatBandDeleteSubmit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Mecenat.DeleteBand(c.UserContext(), id); err != nil {
		return err
	}
	return c.Redirect("/admin/mecenat/costs?saved=deleted", fiber.StatusSeeOther)
}

func (s *Server) mecenatImportSubmit(c *fiber.Ctx) error {
	body, err := uploaded(c, "file")
	if err != nil {
		return err
	}
	if len(body) == 0 {
		c.Status(fiber.StatusBadRequest)
		return s.renderCosts(c, nil, map[string]string{"file": s.phrase(lang(c), "hr.costs.file_missing")}, nil)
	}
	out, err := s.deps.Mecenat.ImportCosts(c.UserContext(), bytes.NewReader(body))
	if err != nil {
		fe := map[string]string{}
		if err := s.formFailure(c, err, fe, inputSet("file"), map[string]string{"": "file"}); err != nil {
			return err
		}
		return s.renderCosts(c, nil, fe, nil)
	}
	return s.renderCosts(c, nil, nil, out)
}

// referenceFields are the staff form's inputs, per year (name-year).
var referenceFields = []string{"pass_monthly", "cap_pass_multiple", "rate", "upper_rate", "upper_tier", "floor", "turnover_share",
	"carry_years", "beneficiary_list", "source"}

func referenceForm(r *mecenat.Reference) map[string]string {
	return map[string]string{"year": strconv.Itoa(r.Year), "pass_monthly": r.PassMonthly.Plain(),
		"cap_pass_multiple": strconv.Itoa(r.CapPassMultiple), "rate": bpPlain(r.RateBP), "upper_rate": bpPlain(r.UpperRateBP),
		"upper_tier": r.UpperTier.Plain(), "floor": r.Floor.Plain(), "turnover_share": bpPlain(r.TurnoverBP),
		"carry_years": strconv.Itoa(r.CarryYears), "beneficiary_list": r.BeneficiaryList.Plain(), "source": r.Source}
}

// bpPlain is basis points as a percentage: 6000 → "60", 50 → "0.5".
func bpPlain(bp int) string {
	return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(float64(bp)/100, 'f', 2, 64), "0"), ".")
}

// parseBP reads a percentage to basis points, exactly: "0,5" → 50.
func parseBP(field, v string) (int, error) {
	c, err := mecenat.ParseCents(field, v) // a percentage has the cents' two decimals
	if err != nil || c > 10000 {
		return 0, errs.Field(field, "%q is not a percentage such as 60 or 0.5", v)
	}
	return int(c), nil
}

func (s *Server) mecenatReferencePage(c *fiber.Ctx) error { return s.renderReferences(c, nil, nil) }

func (s *Server) renderReferences(c *fiber.Ctx, failed map[string]string, fieldErrors map[string]string) error {
	rs, err := s.deps.Mecenat.References(c.UserContext())
	if err != nil {
		return err
	}
	forms := make([]map[string]string, 0, len(rs)+1)
	for i := range rs {
		f := referenceForm(&rs[i])
		if failed != nil && failed["year"] == f["year"] {
			f = failed
		}
		forms = append(forms, f)
	}
	next := map[string]string{"year": ""}
	if len(rs) > 0 {
		last := rs[len(rs)-1]
		last.Year++
		last.Source = ""
		next = referenceForm(&last)
	}
	if failed != nil && failed["new"] == "1" {
		next = failed
	}
	next["new"] = "1"
	if fieldErrors == nil {
		fieldErrors = map[string]string{}
	}
	causes, err := s.deps.Reference.Causes(c.UserContext())
	if err != nil {
		return err
	}
	special, err := s.deps.Mecenat.SpecialCauses(c.UserContext())
	if err != nil {
		return err
	}
	on := map[string]bool{}
	for _, k := range special {
		on[k] = true
	}
	return s.render(c, "staff/mecenat", s.staffData(c, "staff.mecenat.title", map[string]any{"Forms": forms, "Next": next,
		"FieldErrors": fieldErrors, "Causes": causes, "Special": on, "Fields": referenceFields, "Empty": map[string]string{}, "FailedYear": failed["year"], "FailedNew": failed["new"] == "1", "Saved": c.Query("saved")}))
}

func (s *Server) mecenatReferenceSubmit(c *fiber.Ctx) error {
	form := formValues(c, append([]string{"year", "new"}, referenceFields...)...)
	r, err := referenceInput(form)
	if err == nil {
		_, err = s.deps.Mecenat.SaveReference(c.UserContext(), r, principal(c).Label())
	}
	if err != nil {
		fe := map[string]string{}
		if err := s.formFailure(c, err, fe, inputSet(append([]string{"year"}, referenceFields...)...), nil); err != nil {
			return err
		}
		return s.renderReferences(c, form, fe)
	}
	return c.Redirect("/platform/mecenat?saved="+strconv.Itoa(r.Year), fiber.StatusSeeOther)
}

// mecenatCausesSubmit marks the causes at the full rate whatever the amount.
func (s *Server) mecenatCausesSubmit(c *fiber.Ctx) error {
	multi := func(name string) []string {
		out := []string{}
		for _, v := range c.Request().PostArgs().PeekMulti(name) {
			out = append(out, string(v))
		}
		return out
	}
	if err := s.deps.Mecenat.SetSpecialCauses(c.UserContext(), multi("shown"), multi("special")); err != nil {
		fe := map[string]string{}
		if err := s.formFailure(c, err, fe, inputSet("special_causes"), map[string]string{"": "special_causes"}); err != nil {
			return err
		}
		return s.renderReferences(c, nil, fe)
	}
	return c.Redirect("/platform/mecenat?saved=causes", fiber.StatusSeeOther)
}

func referenceInput(f map[string]string) (mecenat.Reference, error) {
	r := mecenat.Reference{Source: f["source"]}
	var err error
	if r.Year, err = yearOf(f["year"]); err != nil {
		return r, err
	}
	money := map[string]*mecenat.Cents{"pass_monthly": &r.PassMonthly, "upper_tier": &r.UpperTier, "floor": &r.Floor,
		"beneficiary_list": &r.BeneficiaryList}
	for _, k := range []string{"pass_monthly", "upper_tier", "floor", "beneficiary_list"} {
		if *money[k], err = mecenat.ParseCents(k, f[k]); err != nil {
			return r, err
		}
	}
	rates := map[string]*int{"rate": &r.RateBP, "upper_rate": &r.UpperRateBP, "turnover_share": &r.TurnoverBP}
	for _, k := range []string{"rate", "upper_rate", "turnover_share"} {
		if *rates[k], err = parseBP(k, f[k]); err != nil {
			return r, err
		}
	}
	ints := map[string]*int{"cap_pass_multiple": &r.CapPassMultiple, "carry_years": &r.CarryYears}
	for _, k := range []string{"cap_pass_multiple", "carry_years"} {
		n, err := strconv.Atoi(f[k])
		if err != nil {
			return r, errs.Field(k, "%q is not a whole number", f[k])
		}
		*ints[k] = n
	}
	return r, nil
}

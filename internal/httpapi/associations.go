package httpapi

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/platform"
)

// associationRoutes serve associations: a manager signs one up, keeps its
// profile, submits it and invites co-managers; staff review it.
func (s *Server) associationRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	public := authz.Public()
	in := authz.AssociationParam("association")
	read, update := enf.RouteIn(in, "associations", "read"), enf.RouteIn(in, "associations", "update")
	managers := enf.RouteIn(in, "association_managers", "create")
	queue, approve, reject := enf.Route("association_review", "read"), enf.Route("association_review", "approve"),
		enf.Route("association_review", "reject")

	// "sign-up" before ":association": Fiber takes the first route that matches.
	api.Post("/associations/sign-up", public, platformOnly, s.signUpManager)
	app.Get("/associations/sign-up", public, platformOnly, s.managerSignUpPage)
	app.Post("/associations/sign-up", public, platformOnly, s.managerSignUpSubmit)
	api.Get("/associations/:association", read, s.getAssociation)
	app.Get("/associations/:association", read, s.associationHomePage)
	api.Patch("/associations/:association", update, s.updateAssociation)
	app.Post("/associations/:association", update, s.associationProfileSubmit)
	api.Post("/associations/:association/submit", update, s.submitAssociation)
	app.Post("/associations/:association/submit", update, s.associationReviewSubmit)
	api.Post("/associations/:association/managers", managers, s.inviteCoManager)
	app.Post("/associations/:association/managers", managers, s.inviteManagerSubmit)

	api.Get("/platform/associations", queue, s.reviewQueue)
	app.Get("/platform/associations", queue, s.staffAssociationsPage)
	api.Post("/platform/associations/:id/verify", approve, s.review("verify"))
	app.Post("/platform/associations/:id/verify", approve, s.staffReviewSubmit("verify"))
	api.Post("/platform/associations/:id/reject", reject, s.review("reject"))
	app.Post("/platform/associations/:id/reject", reject, s.staffReviewSubmit("reject"))
	api.Post("/platform/associations/:id/suspend", enf.Route("associations", "update"), s.review("suspend"))
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

// reviewStatuses are the review queue's tabs, those waiting first.
var reviewStatuses = []string{catalog.AssociationPendingReview, catalog.AssociationVerified, catalog.AssociationRejected,
	catalog.AssociationSuspended, catalog.AssociationDraft}

type associationCard struct {
	catalog.Association
	Signers []platform.Signer
}

// reviewFailure is a decision refused, shown on its association.
type reviewFailure struct {
	ID      uuid.UUID
	Field   string
	Message string
	Reason  string
}

func (s *Server) staffAssociationsPage(c *fiber.Ctx) error { return s.staffAssociations(c, nil) }

func (s *Server) staffAssociations(c *fiber.Ctx, failed *reviewFailure) error {
	ctx := c.UserContext()
	status := c.Query("status")
	if !slices.Contains(reviewStatuses, status) {
		status = catalog.AssociationPendingReview
	}
	list, err := s.deps.Catalogue.Associations(ctx, status, 200)
	if err != nil {
		return err
	}
	if status != catalog.AssociationPendingReview {
		// The latest decisions first; the queue keeps the oldest request first.
		slices.SortStableFunc(list, func(a, b catalog.Association) int { return laterFirst(a.ReviewedAt, b.ReviewedAt) })
	}
	ids := make([]uuid.UUID, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	signers, err := s.deps.Staff.Signers(ctx, ids)
	if err != nil {
		return err
	}
	cards := make([]associationCard, len(list))
	for i, a := range list {
		cards[i] = associationCard{Association: a, Signers: signers[a.ID]}
	}
	extra := map[string]any{"Status": status, "Statuses": reviewStatuses, "Associations": cards, "Failed": failed}
	if failed != nil && failed.Field != "reason" {
		extra["FormError"] = failed.Message
	}
	if id, err := uuid.Parse(c.Query("reviewed")); err == nil {
		if a, err := s.deps.Catalogue.Association(ctx, id); err == nil {
			extra["Reviewed"] = a
		}
	}
	return s.render(c, "staff/associations", s.staffData(c, "staff.associations.title", extra))
}

func laterFirst(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return b.Compare(*a)
}

func (s *Server) staffReviewSubmit(decision string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		reason := strings.TrimSpace(utils.CopyString(c.FormValue("reason")))
		a, err := s.deps.Catalogue.Review(c.UserContext(), id, decision, reason)
		if err != nil {
			fe := map[string]string{}
			if err := s.formFailure(c, err, fe, inputSet("reason"), nil); err != nil {
				return err
			}
			if m, ok := fe["reason"]; ok {
				return s.staffAssociations(c, &reviewFailure{ID: id, Field: "reason", Message: m, Reason: reason})
			}
			return s.staffAssociations(c, &reviewFailure{ID: id, Message: fe["form"], Reason: reason})
		}
		return c.Redirect("/platform/associations?reviewed="+a.ID.String()+"#reviewed", fiber.StatusSeeOther)
	}
}

var signUpInputs = map[string]bool{"email": true, "full_name": true, "password": true, "name": true, "legal_id": true,
	"city": true, "website": true, "description": true}

// The service names the association's fields as the JSON API nests them.
var signUpAlias = map[string]string{"association.name": "name", "association.legal_id": "legal_id",
	"association.city": "city", "association.website": "website", "association.description": "description"}

func (s *Server) managerSignUpPage(c *fiber.Ctx) error {
	// The address comes back in the URL: it is shown only when it is one,
	// so that a crafted link cannot make the page say something else.
	to, err := identity.NormalizeEmail("sent", c.Query("sent"))
	if err != nil {
		to = ""
	}
	return s.render(c, "association/signup", s.assocData(c, "signup", nil, map[string]any{
		"Form": map[string]string{}, "Errors": assocErrors{}, "Sent": c.Query("sent") != "", "To": to,
		"MailLater": c.Query("mail") == "later", "Claim": c.Query("claim") == "1"}))
}

func (s *Server) managerSignUpSubmit(c *fiber.Ctx) error {
	form := map[string]string{}
	for f := range signUpInputs {
		if f != "password" {
			form[f] = strings.TrimSpace(c.FormValue(f))
		}
	}
	claimed, err := s.deps.Identity.SignUpManager(c.UserContext(), identity.ManagerSignUp{Email: form["email"], FullName: form["full_name"],
		Password: c.FormValue("password"), Association: identity.AssociationDraft{Name: form["name"], LegalID: form["legal_id"],
			Description: form["description"], City: form["city"], Website: form["website"]}}, client(c))
	if err == nil || errs.Is(err, errs.Unavailable) {
		// Unavailable: everything is stored but the mail did not leave; the
		// page says so rather than pretend.
		q := url.Values{"sent": {form["email"]}}
		if err != nil {
			q.Set("mail", "later")
		}
		if claimed {
			q.Set("claim", "1")
		}
		return c.Redirect("/associations/sign-up?"+q.Encode(), fiber.StatusSeeOther)
	}
	fe := assocErrors{}
	if err := s.formFailure(c, err, fe, signUpInputs, signUpAlias); err != nil {
		return err
	}
	return s.render(c, "association/signup", s.assocData(c, "signup", nil, map[string]any{"Form": form, "Errors": fe}))
}

// association reads the association of the path.
func (s *Server) association(c *fiber.Ctx) (*catalog.Association, error) {
	id, err := paramID(c, "association")
	if err != nil {
		return nil, err
	}
	return s.deps.Catalogue.Association(c.UserContext(), id)
}

var profileInputs = map[string]bool{"name": true, "description": true, "causes": true, "address": true, "postal_code": true,
	"city": true, "lat": true, "website": true, "logo_url": true}

var profileAlias = map[string]string{"lon": "lat"}

// assocProfileForm is the "describe your association" form as typed.
type assocProfileForm struct {
	Name, Description, Address, PostalCode, City, Lat, Lon, Website, LogoURL string
	Causes                                                                   map[string]bool
}

func assocProfileFormOf(a *catalog.Association) assocProfileForm {
	f := assocProfileForm{Name: a.Name, Description: a.Description, Address: a.Address, PostalCode: a.PostalCode, City: a.City,
		Website: a.Website, LogoURL: a.LogoURL, Causes: map[string]bool{}}
	if a.Lat != nil && a.Lon != nil {
		f.Lat, f.Lon = assocCoord(*a.Lat), assocCoord(*a.Lon)
	}
	for _, k := range a.Causes {
		f.Causes[k] = true
	}
	return f
}

func assocCoord(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func (s *Server) associationHomePage(c *fiber.Ctx) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	return s.renderAssociationHome(c, a, assocProfileFormOf(a), assocErrors{}, nil)
}

// assocSummary counts what waits for the managers.
type assocSummary struct {
	Open, Drafts, Pending, Hours int
}

func (s *Server) assocSummaryOf(ctx context.Context, id uuid.UUID) (assocSummary, error) {
	var sm assocSummary
	ms, err := s.deps.Catalogue.Missions(ctx, id)
	if err != nil {
		return sm, err
	}
	for _, m := range ms {
		switch m.Status {
		case catalog.MissionOpen, catalog.MissionFull:
			sm.Open++
		case catalog.MissionDraft:
			sm.Drafts++
		}
	}
	ps, err := s.deps.Participations.OfAssociation(ctx, id, nil, campaign.Pending)
	if err != nil {
		return sm, err
	}
	sm.Pending = len(ps)
	hs, err := s.deps.Campaigns.Hours(campaign.ForAssociation(ctx, id), campaign.HourFilter{Status: campaign.HoursPending})
	if err != nil {
		return sm, err
	}
	sm.Hours = len(hs)
	return sm, nil
}

// renderAssociationHome shows the home page; manager is the co-manager
// invitation form as typed, when it came back with an error (in fe).
func (s *Server) renderAssociationHome(c *fiber.Ctx, a *catalog.Association, form assocProfileForm, fe assocErrors, manager map[string]string) error {
	ctx := c.UserContext()
	sm, err := s.assocSummaryOf(ctx, a.ID)
	if err != nil {
		return err
	}
	causes, err := s.deps.Reference.Causes(ctx)
	if err != nil {
		return err
	}
	return s.render(c, "association/home", s.assocData(c, "home", a, map[string]any{
		"Form": form, "Errors": fe, "Causes": causes, "Summary": sm, "Saved": c.Query("saved") == "1",
		"Submitted": c.Query("submitted") == "1", "Manager": manager, "InvitedManager": c.Query("invited"),
		"CanSubmit": a.Status == catalog.AssociationDraft || a.Status == catalog.AssociationRejected,
	}))
}

func (s *Server) associationProfileSubmit(c *fiber.Ctx) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	form := assocProfileForm{Name: strings.TrimSpace(c.FormValue("name")), Description: strings.TrimSpace(c.FormValue("description")),
		Address: strings.TrimSpace(c.FormValue("address")), PostalCode: strings.TrimSpace(c.FormValue("postal_code")),
		City: strings.TrimSpace(c.FormValue("city")), Lat: strings.TrimSpace(c.FormValue("lat")), Lon: strings.TrimSpace(c.FormValue("lon")),
		Website: strings.TrimSpace(c.FormValue("website")), LogoURL: strings.TrimSpace(c.FormValue("logo_url")), Causes: map[string]bool{}}
	in := catalog.Association{Name: form.Name, Description: form.Description, Address: form.Address, PostalCode: form.PostalCode,
		City: form.City, Website: form.Website, LogoURL: form.LogoURL, Causes: []string{}}
	// The form always sends the causes: none ticked clears them.
	for _, v := range c.Request().PostArgs().PeekMulti("causes") {
		in.Causes = append(in.Causes, string(v))
		form.Causes[string(v)] = true
	}
	fe := assocErrors{}
	if form.Lat != "" || form.Lon != "" {
		lat, lerr := assocDecimal(form.Lat)
		lon, oerr := assocDecimal(form.Lon)
		if lerr != nil || oerr != nil {
			fe["lat"] = "!association.form.bad_coords"
		} else {
			in.Lat, in.Lon = &lat, &lon
		}
	}
	if len(fe) == 0 {
		var updated *catalog.Association
		if updated, err = s.deps.Catalogue.UpdateProfile(c.UserContext(), a.ID, in); err == nil {
			return c.Redirect("/associations/"+updated.ID.String()+"?saved=1#profile", fiber.StatusSeeOther)
		}
		if err := s.formFailure(c, err, fe, profileInputs, profileAlias); err != nil {
			return err
		}
	} else {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.renderAssociationHome(c, a, form, fe, nil)
}

func (s *Server) associationReviewSubmit(c *fiber.Ctx) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	if _, err := s.deps.Catalogue.Submit(c.UserContext(), a.ID); err != nil {
		fe := assocErrors{}
		if err := s.formFailure(c, err, fe, profileInputs, profileAlias); err != nil {
			return err
		}
		return s.renderAssociationHome(c, a, assocProfileFormOf(a), fe, nil)
	}
	return c.Redirect("/associations/"+a.ID.String()+"?submitted=1", fiber.StatusSeeOther)
}

// managerInputs are the co-manager invitation's fields, named apart from
// the description form's on the same page.
var (
	managerInputs = map[string]bool{"manager_email": true, "manager_name": true, "manager_form": true}
	managerAlias  = map[string]string{"email": "manager_email", "full_name": "manager_name", "": "manager_form"}
)

// inviteManagerSubmit invites someone to manage the association with the
// managers already there; they get a link to choose their password.
func (s *Server) inviteManagerSubmit(c *fiber.Ctx) error {
	a, err := s.association(c)
	if err != nil {
		return err
	}
	mgr := map[string]string{"email": strings.TrimSpace(c.FormValue("email")), "name": strings.TrimSpace(c.FormValue("full_name"))}
	err = s.deps.Identity.InviteCoManager(c.UserContext(), principal(c), a.ID, mgr["email"], mgr["name"], client(c))
	if err == nil || errs.Is(err, errs.Unavailable) {
		return c.Redirect("/associations/"+a.ID.String()+"?invited="+url.QueryEscape(mgr["email"])+"#managers", fiber.StatusSeeOther)
	}
	fe := assocErrors{}
	if err := s.formFailure(c, err, fe, managerInputs, managerAlias); err != nil {
		return err
	}
	if msg, ok := fe["form"]; ok {
		delete(fe, "form")
		fe["manager_form"] = msg
	}
	return s.renderAssociationHome(c, a, assocProfileFormOf(a), fe, mgr)
}

func assocDecimal(s string) (float64, error) {
	return strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", "."), 64)
}

func (s *Server) getAssociation(c *fiber.Ctx) error {
	id, err := paramID(c, "association")
	if err != nil {
		return err
	}
	a, err := s.deps.Catalogue.Association(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func (s *Server) updateAssociation(c *fiber.Ctx) error {
	id, err := paramID(c, "association")
	if err != nil {
		return err
	}
	var in catalog.Association
	if err := bind(c, &in); err != nil {
		return err
	}
	a, err := s.deps.Catalogue.UpdateProfile(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func (s *Server) submitAssociation(c *fiber.Ctx) error {
	id, err := paramID(c, "association")
	if err != nil {
		return err
	}
	a, err := s.deps.Catalogue.Submit(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func (s *Server) reviewQueue(c *fiber.Ctx) error {
	status := c.Query("status", catalog.AssociationPendingReview)
	switch status {
	case catalog.AssociationDraft, catalog.AssociationPendingReview, catalog.AssociationVerified,
		catalog.AssociationRejected, catalog.AssociationSuspended:
	default:
		return errs.Field("status", "status %q is not one of draft, pending_review, verified, rejected, suspended", status)
	}
	as, err := s.deps.Catalogue.Associations(c.UserContext(), status, 200)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"associations": as})
}

func (s *Server) review(decision string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		var in struct {
			Reason string `json:"reason" form:"reason"`
		}
		if err := bind(c, &in); err != nil {
			return err
		}
		a, err := s.deps.Catalogue.Review(c.UserContext(), id, decision, in.Reason)
		if err != nil {
			return err
		}
		return c.JSON(a)
	}
}

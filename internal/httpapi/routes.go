package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/authz"
)

// routes declares every route with what it needs, first among its
// handlers: a route without a declaration fails authz.CheckRoutes (tested).
func (s *Server) routes(app *fiber.App) {
	enf := s.deps.Authz
	public := authz.Public()

	app.Get("/", public, s.landing)
	app.Get("/brand/logo", public, s.logo)
	s.signInPages(app)
	s.employeePages(app)
	s.hrPages(app)
	s.brandingPages(app)
	s.campaignSettingsPages(app)
	s.staffPages(app)
	s.associationPages(app)

	// Pages the mailed links open: a button that posts, so that mail
	// scanners fetching links do not use them up.
	for _, path := range []string{"/auth/link", "/auth/reset", "/auth/invitation", "/auth/verify"} {
		app.Get(path, public, s.linkPage)
		app.Post(path, public, s.linkSubmit)
	}

	api := app.Group("/api/v1")
	api.Get("/tenant", public, s.currentTenant)

	api.Post("/auth/sign-in", public, s.signIn)
	api.Post("/auth/sign-in-link", public, s.requestLink(s.deps.Identity.RequestSignInLink))
	api.Post("/auth/link", public, s.redeem(func(c ctxT, in tokenInput, cl clientT) (string, principalT, error) {
		return s.deps.Identity.SignInWithLink(c, in.Token, cl)
	}))
	api.Post("/auth/password-reset", public, s.requestLink(s.deps.Identity.RequestPasswordReset))
	api.Post("/auth/password-reset/confirm", public, s.redeem(func(c ctxT, in tokenInput, cl clientT) (string, principalT, error) {
		return s.deps.Identity.ResetPassword(c, in.Token, in.Password, cl)
	}))
	api.Post("/auth/invitation/accept", public, s.redeem(func(c ctxT, in tokenInput, cl clientT) (string, principalT, error) {
		return s.deps.Identity.AcceptInvitation(c, in.Token, in.FullName, in.Password, cl)
	}))
	api.Post("/auth/verify", public, s.redeem(func(c ctxT, in tokenInput, cl clientT) (string, principalT, error) {
		return s.deps.Identity.VerifyEmail(c, in.Token, cl)
	}))
	api.Post("/auth/sign-up", public, s.signUp)
	api.Post("/auth/sign-out", enf.Route("session", "delete"), s.signOut)
	api.Post("/auth/sign-out-everywhere", enf.Route("session", "delete"), s.signOutEverywhere)
	api.Get("/me", enf.Route("session", "read"), s.me)

	api.Get("/members", enf.Route("members", "read"), s.listMembers)
	api.Patch("/members/:id", enf.Route("members", "update"), s.changeMember)
	api.Get("/invitations", enf.Route("invitations", "read"), s.listInvitations)
	api.Post("/invitations", enf.Route("invitations", "create"), s.invite)
	api.Post("/invitations/import", enf.Route("invitations", "create"), s.importInvitations)
	api.Post("/invitations/:id/resend", enf.Route("invitations", "create"), s.resendInvitation)
	api.Delete("/invitations/:id", enf.Route("invitations", "delete"), s.revokeInvitation)
	api.Get("/api-tokens", enf.Route("api_tokens", "read"), s.listAPITokens)
	api.Post("/api-tokens", enf.Route("api_tokens", "create"), s.createAPIToken)
	api.Delete("/api-tokens/:id", enf.Route("api_tokens", "delete"), s.revokeAPIToken)
	api.Get("/audit", enf.Route("audit", "read"), s.audit)

	s.discoveryRoutes(api)
	s.catalogRoutes(api)
	s.campaignRoutes(api)
	s.participationRoutes(api)
	s.matchingRoutes(api)
	s.deliveryRoutes(app, api)
	s.mecenatRoutes(app, api)
	s.receiptRoutes(app, api)
	s.certificateRoutes(app, api)
	s.campaignReportPages(app)
	s.billingRoutes(app, api)

	s.claimRoutes(app, api)
	api.Post("/associations/sign-up", public, s.signUpManager)
	api.Post("/associations/:association/managers", enf.RouteIn(authz.AssociationParam("association"), "association_managers", "create"), s.inviteCoManager)

	api.Get("/platform/companies", enf.Route("companies", "read"), s.listCompanies)
	api.Post("/platform/companies", enf.Route("companies", "create"), s.onboardCompany)
	api.Post("/platform/companies/:slug/suspend", enf.Route("companies", "suspend"), s.setCompanyStatus("suspended"))
	api.Post("/platform/companies/:slug/resume", enf.Route("companies", "suspend"), s.setCompanyStatus("active"))
	api.Get("/platform/companies/:slug/export", enf.Route("companies", "export"), s.exportCompany)
	api.Delete("/platform/companies/:slug", enf.Route("companies", "delete"), s.deleteCompany)
}

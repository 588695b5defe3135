package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/authz"
)

// routes mounts every resource: each file named after a resource declares
// its API routes (under /api/v1) and its pages side by side, the
// permission of each operation first among its handlers, once. A route
// without a declaration fails authz.CheckRoutes (tested).
func (s *Server) routes(app *fiber.App) {
	public := authz.Public()
	api := app.Group("/api/v1")

	app.Get("/", public, s.landing)
	app.Get("/brand/logo", public, s.logo)
	api.Get("/tenant", public, s.currentTenant)

	for _, mount := range []func(app, api fiber.Router){
		s.signInRoutes,
		s.invitationRoutes,
		s.memberRoutes,
		s.tokenRoutes,
		s.auditRoutes,
		s.brandingRoutes,
		s.companyRoutes,
		s.associationRoutes,
		s.claimRoutes,
		s.missionRoutes,
		s.referenceRoutes,
		s.discoveryRoutes,
		s.templateRoutes,
		s.campaignRoutes,
		s.participationRoutes,
		s.matchingRoutes,
		s.profileRoutes,
		s.passwordRoutes,
		s.hourRoutes,
		s.figureRoutes,
		s.deliveryRoutes,
		s.mecenatRoutes,
		s.receiptRoutes,
		s.certificateRoutes,
		s.personalDataRoutes,
		s.scimRoutes,
		s.apiDocRoutes,
		s.notificationRoutes,
		s.calendarFeedRoutes,
		s.chatWebhookRoutes,
		s.ssoRoutes,
		s.billingRoutes,
	} {
		mount(app, api)
	}
}

package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/authz"
)

// stripeWebhookRoutes is Stripe's endpoint, on the bare domain only. It is
// public: the signature on the raw body, checked against the endpoint's
// secret, is the credential.
func (s *Server) stripeWebhookRoutes(app fiber.Router) {
	app.Post("/webhooks/stripe", authz.Public(), platformOnly, s.stripeWebhook)
}

// stripeWebhook verifies, stores and queues the event, and answers at
// once: 400 for a signature that does not verify (forged, stale), 200 for
// anything verified, a replay and a type billing ignores included (Stripe
// retries anything else for days).
func (s *Server) stripeWebhook(c *fiber.Ctx) error {
	if !s.deps.Billing.On() {
		return errNoSuchAddress()
	}
	// The body as received, byte for byte: the signature covers it.
	body := append([]byte(nil), c.Body()...)
	replay, err := s.deps.Billing.Receive(c.UserContext(), body, c.Get("Stripe-Signature"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"received": true, "replay": replay})
}

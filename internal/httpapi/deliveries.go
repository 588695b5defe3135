package httpapi

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/mail"
)

// Outbox is the queue of outgoing mails, as platform staff see it: the
// mails that failed for good, which they may send again.
type Outbox interface {
	FailedMails(ctx context.Context, limit int) ([]mail.Failed, error)
	// RetryMail fails with errs.NotFound when id is no failed mail.
	RetryMail(ctx context.Context, id int64) error
}

// deliveryRoutes serve the failed deliveries, to platform staff: in JSON
// under /api/v1/platform/deliveries, and as a page at /platform/deliveries
// with a button per mail that sends it again.
func (s *Server) deliveryRoutes(app fiber.Router, api fiber.Router) {
	enf := s.deps.Authz
	api.Get("/platform/deliveries", enf.Route("deliveries", "read"), s.listFailedDeliveries)
	api.Post("/platform/deliveries/:id/retry", enf.Route("deliveries", "retry"), s.retryDelivery)
	app.Get("/platform/deliveries", enf.Route("deliveries", "read"), s.deliveriesPage)
	app.Post("/platform/deliveries/:id/retry", enf.Route("deliveries", "retry"), s.retryDeliverySubmit)
}

const failedShown = 200

func (s *Server) listFailedDeliveries(c *fiber.Ctx) error {
	list, err := s.deps.Outbox.FailedMails(c.UserContext(), failedShown)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"deliveries": list})
}

// retry sends again the failed mail of the path's id, and returns it.
func (s *Server) retry(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, "no failed mail %q", c.Params("id"))
	}
	return id, s.deps.Outbox.RetryMail(c.UserContext(), id)
}

func (s *Server) retryDelivery(c *fiber.Ctx) error {
	if _, err := s.retry(c); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusAccepted)
}

func (s *Server) deliveriesPage(c *fiber.Ctx) error {
	list, err := s.deps.Outbox.FailedMails(c.UserContext(), failedShown)
	if err != nil {
		return err
	}
	extra := map[string]any{"Deliveries": list}
	if c.Query("retried") != "" {
		extra["Retried"] = map[string]string{"ID": c.Query("retried")}
	}
	return s.render(c, "staff/deliveries", s.staffData(c, "staff.deliveries.title", extra))
}

func (s *Server) retryDeliverySubmit(c *fiber.Ctx) error {
	id, err := s.retry(c)
	if err != nil {
		return err
	}
	return c.Redirect("/platform/deliveries?retried="+strconv.FormatInt(id, 10)+"#retried", fiber.StatusSeeOther)
}

package httpapi

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/notify"
)

// chatWebhookRoutes serve the company's Slack or Teams channel, to its HR
// admins: the webhook (checked by a test message when saved), how its
// posts went, and the failed posts to send again.
func (s *Server) chatWebhookRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	read, update := enf.Route("chat_webhooks", "read"), enf.Route("chat_webhooks", "update")
	api.Get("/chat-webhook", read, s.getChatWebhook)
	api.Put("/chat-webhook", update, s.putChatWebhook)
	api.Delete("/chat-webhook", update, s.deleteChatWebhook)
	api.Get("/chat-webhook/failures", read, s.chatFailures)
	api.Post("/chat-webhook/failures/:id/retry", update, s.retryChat)
	app.Get("/admin/chat", read, s.chatPage)
	app.Post("/admin/chat", update, s.chatSubmit)
	app.Post("/admin/chat/delete", update, s.chatDeleteSubmit)
	app.Post("/admin/chat/failures/:id/retry", update, s.chatRetrySubmit)
}

const chatFailuresShown = 50

func (s *Server) getChatWebhook(c *fiber.Ctx) error {
	w, err := s.deps.Notifications.Chat.Webhook(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(w)
}

func (s *Server) putChatWebhook(c *fiber.Ctx) error {
	var in notify.WebhookInput
	if err := bind(c, &in); err != nil {
		return err
	}
	w, err := s.deps.Notifications.Chat.Save(c.UserContext(), in, principal(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(w)
}

func (s *Server) deleteChatWebhook(c *fiber.Ctx) error {
	if err := s.deps.Notifications.Chat.Remove(c.UserContext()); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) chatFailures(c *fiber.Ctx) error {
	list, err := s.deps.Notifications.ChatFailures.FailedChats(c.UserContext(), chatFailuresShown)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"failures": list})
}

// retryChatID sends again the failed post of the path's id.
func (s *Server) retryChatID(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.E(errs.NotFound, "no failed chat message %q", c.Params("id"))
	}
	return s.deps.Notifications.ChatFailures.RetryChat(c.UserContext(), id)
}

func (s *Server) retryChat(c *fiber.Ctx) error {
	if err := s.retryChatID(c); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusAccepted)
}

// renderChat shows the settings page, with form holding what was typed
// and field the message next to the field at fault.
func (s *Server) renderChat(c *fiber.Ctx, form notify.WebhookInput, field, message string) error {
	ctx := c.UserContext()
	w, err := s.deps.Notifications.Chat.Webhook(ctx)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	failures, err := s.deps.Notifications.ChatFailures.FailedChats(ctx, chatFailuresShown)
	if err != nil {
		return err
	}
	if form.Provider == "" && w != nil {
		form.Provider = string(w.Provider)
	}
	return s.render(c, "hr/chat", s.titled(c, "hr.chat.title", map[string]any{
		"Webhook": w, "Failures": failures, "Form": form, "Field": field, "Message": message,
		"Saved": c.Query("saved") == "1", "Removed": c.Query("removed") == "1", "Retried": c.Query("retried")}))
}

func (s *Server) chatPage(c *fiber.Ctx) error { return s.renderChat(c, notify.WebhookInput{}, "", "") }

func (s *Server) chatSubmit(c *fiber.Ctx) error {
	in := notify.WebhookInput{Provider: c.FormValue("provider"), URL: c.FormValue("url")}
	if _, err := s.deps.Notifications.Chat.Save(c.UserContext(), in, principal(c).ID); err != nil {
		var e *errs.Error
		if errors.As(err, &e) && e.Code == errs.Invalid {
			c.Status(fiber.StatusUnprocessableEntity)
			return s.renderChat(c, in, e.Field, e.Message)
		}
		return err
	}
	return c.Redirect("/admin/chat?saved=1", fiber.StatusSeeOther)
}

func (s *Server) chatDeleteSubmit(c *fiber.Ctx) error {
	if err := s.deps.Notifications.Chat.Remove(c.UserContext()); err != nil {
		return err
	}
	return c.Redirect("/admin/chat?removed=1", fiber.StatusSeeOther)
}

func (s *Server) chatRetrySubmit(c *fiber.Ctx) error {
	if err := s.retryChatID(c); err != nil {
		return err
	}
	return c.Redirect("/admin/chat?retried="+c.Params("id"), fiber.StatusSeeOther)
}

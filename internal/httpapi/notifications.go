package httpapi

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/internal/notify"
	"github.com/vendredi-app/vendredi/tenants"
)

// Notifications are what people receive: the kinds of mail they turned
// off, their private calendar feed, their company's chat channel.
type Notifications struct {
	Preferences *notify.Preferences
	Feeds       *notify.Feeds
	Chat        *notify.Chat
	// ChatFailures are the company's chat posts that failed for good.
	ChatFailures ChatFailures
}

// ChatFailures lists a company's failed chat posts and posts one again.
type ChatFailures interface {
	FailedChats(ctx context.Context, limit int) ([]notify.FailedPost, error)
	// RetryChat fails with errs.NotFound when id is none of the company's.
	RetryChat(ctx context.Context, id int64) error
}

// notificationRoutes serve a person's mail preferences (API and page, for
// a company's member on its address and for an association manager on
// the platform's), and the one-click unsubscribe link of the recurring
// mails, which works without signing in.
func (s *Server) notificationRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	read, update := enf.Route("notifications", "read"), enf.Route("notifications", "update")
	api.Get("/me/notifications", read, s.getPreferences)
	api.Put("/me/notifications", update, s.putPreferences)
	app.Get("/me/notifications", read, s.preferencesPage)
	app.Post("/me/notifications", update, s.preferencesSubmit)
	// The link in the mail opens a page with a button (mail scanners
	// fetch links: a GET changes nothing); mail clients' own button posts
	// to the same address (RFC 8058), and so does the page's.
	app.Get("/unsubscribe", authz.Public(), s.unsubscribePage)
	app.Post("/unsubscribe", authz.Public(), s.unsubscribeSubmit)
	api.Post("/unsubscribe", authz.Public(), s.unsubscribeAPI)
}

// person is the signed-in person, as their preferences know them.
func person(c *fiber.Ctx) (notify.Person, error) {
	p := principal(c)
	switch {
	case p == nil:
		return notify.Person{}, errs.E(errs.Unauthorized, "sign in first")
	case p.Kind == identity.KindMember:
		t, err := tenants.Require(c.UserContext())
		if err != nil {
			return notify.Person{}, err
		}
		return notify.Member(t.ID, p.ID), nil
	case p.Kind == identity.KindAccount:
		return notify.Account(p.ID), nil
	}
	return notify.Person{}, errs.E(errs.Forbidden, "an API token has no mail preferences")
}

func (s *Server) getPreferences(c *fiber.Ctx) error {
	who, err := person(c)
	if err != nil {
		return err
	}
	got, err := s.deps.Notifications.Preferences.Get(c.UserContext(), who)
	if err != nil {
		return err
	}
	return c.JSON(got)
}

func (s *Server) putPreferences(c *fiber.Ctx) error {
	who, err := person(c)
	if err != nil {
		return err
	}
	var in notify.Change
	if err := bind(c, &in); err != nil {
		return err
	}
	got, err := s.deps.Notifications.Preferences.Set(c.UserContext(), who, in)
	if err != nil {
		return err
	}
	return c.JSON(got)
}

func (s *Server) preferencesPage(c *fiber.Ctx) error {
	who, err := person(c)
	if err != nil {
		return err
	}
	got, err := s.deps.Notifications.Preferences.Get(c.UserContext(), who)
	if err != nil {
		return err
	}
	return s.render(c, "notifications", s.titled(c, "notifications.title", map[string]any{
		"Settings": got, "Kinds": notify.Kinds, "Member": who.Tenant != uuid.Nil, "Saved": c.Query("saved") == "1"}))
}

// preferencesSubmit saves the form: a kind is on when its box is ticked.
func (s *Server) preferencesSubmit(c *fiber.Ctx) error {
	who, err := person(c)
	if err != nil {
		return err
	}
	on := func(k notify.Kind) *bool { v := c.FormValue(string(k)) == "on"; return &v }
	if _, err := s.deps.Notifications.Preferences.Set(c.UserContext(), who,
		notify.Change{Reminders: on(notify.Reminders), Digest: on(notify.Digest)}); err != nil {
		return err
	}
	return c.Redirect("/me/notifications?saved=1", fiber.StatusSeeOther)
}

func (s *Server) unsubscribePage(c *fiber.Ctx) error {
	_, kind, err := s.deps.Notifications.Preferences.ReadUnsubscribe(c.UserContext(), c.Query("token"))
	if err != nil {
		return err
	}
	return s.render(c, "unsubscribe", s.titled(c, "notifications.unsubscribe.title", map[string]any{
		"Token": c.Query("token"), "Kind": string(kind)}))
}

// unsubscribeSubmit is the page's button and the mail client's one-click
// POST (RFC 8058: body List-Unsubscribe=One-Click, no cookie, no page).
func (s *Server) unsubscribeSubmit(c *fiber.Ctx) error {
	token := c.Query("token")
	if token == "" {
		token = c.FormValue("token")
	}
	_, kind, err := s.deps.Notifications.Preferences.Unsubscribe(c.UserContext(), token)
	if err != nil {
		return err
	}
	return s.render(c, "unsubscribe", s.titled(c, "notifications.unsubscribe.title", map[string]any{
		"Done": true, "Kind": string(kind)}))
}

func (s *Server) unsubscribeAPI(c *fiber.Ctx) error {
	var in struct {
		Token string `json:"token" form:"token"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.Token == "" {
		in.Token = c.Query("token")
	}
	if in.Token == "" {
		return errs.Field("token", "the unsubscribe token is missing")
	}
	_, kind, err := s.deps.Notifications.Preferences.Unsubscribe(c.UserContext(), in.Token)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"kind": kind, "on": false})
}

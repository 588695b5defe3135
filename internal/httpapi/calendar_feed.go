package httpapi

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/authz"
	"github.com/vendredi-app/vendredi/internal/calendar"
	"github.com/vendredi-app/vendredi/internal/campaign"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/notify"
	"github.com/vendredi-app/vendredi/tenants"
)

// calendarFeedRoutes serve an employee's private calendar feed: the
// address itself (no sign-in: calendar applications carry no cookie; the
// secret token is the credential), and making, rotating or revoking it
// from the profile page or the API.
func (s *Server) calendarFeedRoutes(app, api fiber.Router) {
	enf := s.deps.Authz
	read, update := enf.Route("calendar_feed", "read"), enf.Route("calendar_feed", "update")
	api.Get("/me/calendar-feed", read, s.calendarFeedStatus)
	api.Post("/me/calendar-feed", update, s.rotateCalendarFeed)
	api.Delete("/me/calendar-feed", update, s.revokeCalendarFeed)
	app.Post("/me/calendar-feed", update, s.rotateCalendarFeedSubmit)
	app.Post("/me/calendar-feed/revoke", update, s.revokeCalendarFeedSubmit)
	app.Get("/calendar/:token", authz.Public(), s.calendarFeed)
}

// feedURL is the feed's address on the company's site.
func (s *Server) feedURL(c *fiber.Ctx, token string) string {
	return s.cfg.Links.For(c.UserContext()) + notify.FeedPath(token)
}

type feedStatus struct {
	Active bool       `json:"active"`
	Since  *time.Time `json:"since,omitempty"`
	// URL is given once, when the feed is made or rotated.
	URL string `json:"url,omitempty"`
}

func (s *Server) calendarFeedStatus(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	since, ok, err := s.deps.Notifications.Feeds.Since(c.UserContext(), member)
	if err != nil {
		return err
	}
	st := feedStatus{Active: ok}
	if ok {
		st.Since = &since
	}
	return c.JSON(st)
}

func (s *Server) rotateCalendarFeed(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	token, err := s.deps.Notifications.Feeds.Rotate(c.UserContext(), member)
	if err != nil {
		return err
	}
	now := time.Now()
	return c.Status(fiber.StatusCreated).JSON(feedStatus{Active: true, Since: &now, URL: s.feedURL(c, token)})
}

func (s *Server) revokeCalendarFeed(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	if err := s.deps.Notifications.Feeds.Revoke(c.UserContext(), member); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// rotateCalendarFeedSubmit shows the new address once, on a page of its
// own: it is not stored, so the profile page cannot show it again.
func (s *Server) rotateCalendarFeedSubmit(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	token, err := s.deps.Notifications.Feeds.Rotate(c.UserContext(), member)
	if err != nil {
		return err
	}
	url := s.feedURL(c, token)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, "employee/calendar_feed", s.titled(c, "employee.feed.title", map[string]any{
		"URL": url, "Webcal": "webcal://" + strings.SplitN(url, "://", 2)[1]}))
}

func (s *Server) revokeCalendarFeedSubmit(c *fiber.Ctx) error {
	member, err := memberOf(c)
	if err != nil {
		return err
	}
	if err := s.deps.Notifications.Feeds.Revoke(c.UserContext(), member); err != nil {
		return err
	}
	return c.Redirect("/me/profile?feed=revoked#calendar-feed", fiber.StatusSeeOther)
}

// feedHorizon is how far back a feed reaches: the missions of the last
// weeks stay in the calendar, the older ones fall off.
const feedHorizon = 30 * 24 * time.Hour

// calendarFeed is the feed of the token's owner: their validated missions
// with a date, from a month ago on, and those cancelled since, as
// cancelled. A token revoked, rotated or of another company is 404.
func (s *Server) calendarFeed(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, ok := tenants.FromContext(ctx)
	if !ok {
		return errs.E(errs.NotFound, "no such calendar")
	}
	member, err := s.deps.Notifications.Feeds.Owner(ctx, strings.TrimSuffix(c.Params("token"), ".ics"))
	if err != nil {
		return err
	}
	ps, err := s.deps.Participations.Mine(ctx, member)
	if err != nil {
		return err
	}
	link := s.cfg.Links.For(ctx) + "/me/participations"
	events := []calendar.Event{}
	locations := map[[16]byte]string{}
	for i := range ps {
		p := &ps[i]
		if p.EndsAt == nil || time.Since(*p.EndsAt) > feedHorizon {
			continue
		}
		// A validated mission is in the calendar; a cancelled one that had
		// been decided on stays, cancelled, so that calendars drop it.
		// Pending, waiting or refused ones never were in it.
		if !(p.Status == campaign.Validated || p.Status == campaign.Done || p.Status == campaign.Cancelled && p.DecidedAt != nil) {
			continue
		}
		loc, ok := locations[p.MissionID]
		if !ok {
			loc = s.missionLocation(ctx, p.MissionID)
			locations[p.MissionID] = loc
		}
		if ev, ok := calendar.Participation(p, s.cfg.Links.Host(), link, loc); ok {
			events = append(events, ev)
		}
	}
	c.Set(fiber.HeaderContentType, calendar.FeedContentType)
	c.Set(fiber.HeaderCacheControl, "private, max-age=300")
	return c.Send(calendar.Feed("Vendredi · "+t.Name, events))
}

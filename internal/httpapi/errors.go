package httpapi

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/web"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[errs.Code]int{
	errs.Invalid:      http.StatusBadRequest,
	errs.NotFound:     http.StatusNotFound,
	errs.Conflict:     http.StatusConflict,
	errs.Unauthorized: http.StatusUnauthorized,
	errs.Forbidden:    http.StatusForbidden,
	errs.TooMany:      http.StatusTooManyRequests,
	errs.Unavailable:  http.StatusServiceUnavailable,
	errs.Gone:         http.StatusGone,
	errs.Internal:     http.StatusInternalServerError,
}

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail,omitempty"`
	Instance  string         `json:"instance,omitempty"`
	Code      errs.Code      `json:"code"`
	RequestID string         `json:"request_id,omitempty"`
	Errors    []ProblemField `json:"errors,omitempty"`
}

// ProblemField points at one bad input.
type ProblemField struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

const nothingHere = "There is nothing at this address."

// handleError is the only place where errors become responses. Expected
// errors (*errs.Error) are shown; anything else is logged once with the
// request id and shown as a generic message.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	p := Problem{Type: "about:blank", Instance: c.OriginalURL(), RequestID: requestID(c)}
	var fe *fiber.Error
	var e *errs.Error
	switch {
	case errors.As(err, &e) && e.Code != errs.Internal:
		p.Code, p.Status, p.Detail = e.Code, statusOf[e.Code], e.Message
		if p.Status == 0 {
			p.Status = http.StatusInternalServerError
		}
		if e.RetryAfter > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		}
		for _, f := range errs.FieldsOf(e) {
			p.Errors = append(p.Errors, ProblemField{Field: f.Field, Detail: f.Message})
		}
	case errors.As(err, &fe):
		// Fiber's own: unknown route, method not allowed, body too large.
		p.Status, p.Code = fe.Code, codeOfStatus(fe.Code)
		p.Detail = http.StatusText(fe.Code)
		if fe.Code == fiber.StatusNotFound {
			p.Detail = nothingHere
		}
	default:
		p.Status, p.Code, p.Detail = http.StatusInternalServerError, errs.Internal, errs.MessageOf(err)
		s.log.ErrorContext(c.UserContext(), "request failed", "err", err, "method", c.Method(), "path", c.Path())
	}
	p.Title = http.StatusText(p.Status)
	c.Status(p.Status)
	if wantsHTML(c) && p.Status == http.StatusUnauthorized && c.Method() == fiber.MethodGet {
		// A page that needs a session sends the person to the sign-in
		// form, which brings them back here once signed in.
		return c.Redirect("/sign-in?next="+url.QueryEscape(localPath(c.OriginalURL())), fiber.StatusSeeOther)
	}
	if wantsHTML(c) {
		// The page speaks its reader's language; the API stays English.
		l := lang(c)
		detail := s.message(c, err)
		if fe != nil { // Fiber's own, as above
			detail = web.ErrorTitle(l, fe.Code)
			if fe.Code == fiber.StatusNotFound {
				detail = web.ErrorText(l, nothingHere)
			}
		}
		title := web.ErrorTitle(l, p.Status)
		return s.render(c, "error.html", s.pageData(c, title, map[string]any{"Message": detail, "RequestID": p.RequestID}))
	}
	c.Set(fiber.HeaderContentType, "application/problem+json")
	body, mErr := c.App().Config().JSONEncoder(p)
	if mErr != nil {
		return c.SendString(`{"title":"Internal Server Error","status":500}`)
	}
	return c.Send(body)
}

func codeOfStatus(status int) errs.Code {
	for code, s := range statusOf {
		if s == status {
			return code
		}
	}
	if status >= 500 {
		return errs.Internal
	}
	return errs.Invalid
}

// wantsHTML is true for a browser asking for a page: not the API, not a
// client that prefers JSON.
func wantsHTML(c *fiber.Ctx) bool {
	if strings.HasPrefix(c.Path(), "/api/") || c.Path() == "/healthz" || c.Path() == "/readyz" {
		return false
	}
	return c.Accepts(fiber.MIMEApplicationJSON, fiber.MIMETextHTML) == fiber.MIMETextHTML
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals("requestid").(string)
	return id
}

func (s *Server) logPanic(c *fiber.Ctx, e any) {
	s.log.ErrorContext(c.UserContext(), "panic", "panic", fmt.Sprint(e))
}

package httpapi

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/web"
)

// formShows is the one rule deciding where a form's failure is shown: an
// error about what was typed (one or several fields, or a refusal of the
// input as a whole: invalid, conflicting with the current state, too soon)
// goes back to the same form, which the person can put right; anything
// else (not found, forbidden, a dependency down, a bug) is no mistake of
// theirs and goes to the error page through handleError.
func formShows(err error) bool {
	var in *inputError
	if errors.As(err, &in) || len(errs.FieldsOf(err)) > 0 {
		return true
	}
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict, errs.TooMany:
		return true
	}
	return false
}

// formFailure applies formShows: it returns err for the error page, or
// words every field error of err into fe next to its input (named through
// alias, kept only when inputs has it, else under "form", the form's own
// message at its top), sets the answer's status and returns nil, for the
// caller to render the same form with what was typed. A message already in
// fe (a page's own check) is kept.
func (s *Server) formFailure(c *fiber.Ctx, err error, fe map[string]string, inputs map[string]bool, alias map[string]string) error {
	if !formShows(err) {
		return err
	}
	put := func(field, msg string) {
		if a, ok := alias[field]; ok {
			field = a
		}
		if !inputs[field] {
			field = "form"
		}
		if fe[field] == "" {
			fe[field] = msg
		}
	}
	var in *inputError
	if errors.As(err, &in) {
		put(in.field, s.phrase(lang(c), in.key))
		c.Status(fiber.StatusBadRequest)
		return nil
	}
	fields := errs.FieldsOf(err)
	if len(fields) == 0 {
		put("", s.message(c, err))
	}
	for _, f := range fields {
		put(f.Field, web.ErrorMessage(lang(c), f))
	}
	c.Status(statusOf[errs.CodeOf(err)])
	return nil
}

// inputSet is a form's input names as formFailure reads them.
func inputSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// formExtra is what the forms that show their own message as FormError
// render: the typed values, the messages by field and the form's own.
func formExtra(form any, fe map[string]string) map[string]any {
	extra := map[string]any{"Form": form, "Errors": fe}
	if m, ok := fe["form"]; ok {
		extra["FormError"] = m
		delete(fe, "form")
	}
	return extra
}

// formMessage is formFailure for a form with one place for its message (a
// row's, a card's): the message of err's first field, or of err.
func (s *Server) formMessage(c *fiber.Ctx, err error) (string, error) {
	fe := map[string]string{}
	if err := s.formFailure(c, err, fe, nil, nil); err != nil {
		return "", err
	}
	return fe["form"], nil
}

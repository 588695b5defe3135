// Package errs is the one error vocabulary of Vendredi.
//
// Domain and storage code returns *Error values with a Code that says what
// kind of failure it is and a Message that is safe to show to the person who
// made the request. Transport layers (HTTP, CLI) map codes to statuses in one
// place; any error that is not an *Error is unexpected, gets logged, and is
// shown as a generic message.
package errs

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Code classifies a failure. The set is small on purpose: callers branch on
// it, so every code must mean one thing to every transport.
type Code string

const (
	Invalid      Code = "invalid"      // the input is wrong; the caller can fix it
	NotFound     Code = "not_found"    // no such object, or not visible to the caller
	Conflict     Code = "conflict"     // the input clashes with current state (taken slug, full mission)
	Unauthorized Code = "unauthorized" // no or bad credentials
	Forbidden    Code = "forbidden"    // credentials fine, permission missing
	TooMany      Code = "too_many"     // rate limited
	Unavailable  Code = "unavailable"  // a dependency is down; retry later
	Gone         Code = "gone"         // existed but is no longer usable (suspended tenant, expired link)
	Internal     Code = "internal"     // a bug or an unexpected failure; never shown raw
)

// Error is a failure the product expects and can explain.
type Error struct {
	Code Code
	// Message is the English text: the API's and the logs' language.
	Message string
	// Format and Args are what Message was made from, kept so that pages
	// can word the same sentence in their own language: a catalogue maps
	// the English Format to a translated one with the same verbs.
	Format string
	Args   []any
	// Field names the input at fault, for forms and problem+json "errors".
	Field string
	// Fields are every input at fault when a form was checked whole (see
	// Fields): the first is this error's own Field and Message, so that a
	// caller reading one field reads the first.
	Fields []*Error
	// Err is the underlying cause, kept for logs, never shown.
	Err error
	// RetryAfter is how long a TooMany refusal lasts (see Later), 0 when
	// unknown: the API says it in Retry-After.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an *Error with a formatted message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Field builds an Invalid error about one named input.
func Field(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Fields is one Invalid error carrying every field error in list (nil
// entries skipped), so that a form shows all its mistakes at once; nil
// when there is none, the error itself when there is one.
func Fields(list ...*Error) error {
	var kept []*Error
	for _, e := range list {
		if e != nil {
			kept = append(kept, e.Fields...)
			if len(e.Fields) == 0 {
				kept = append(kept, e)
			}
		}
	}
	switch len(kept) {
	case 0:
		return nil
	case 1:
		return kept[0]
	}
	first := *kept[0]
	first.Code, first.Fields = Invalid, kept
	return &first
}

// Checks collects a form's field errors, so that a validation checks every
// rule and reports all the mistakes at once; a field is named once, by its
// first broken rule. The zero value is ready.
type Checks struct {
	list  []*Error
	named map[string]bool
}

// Check records the field error when broken and the field has none yet,
// and says whether the rule was broken.
func (c *Checks) Check(broken bool, field, format string, args ...any) bool {
	if broken {
		c.Add(Field(field, format, args...))
	}
	return broken
}

// Add records e (its fields, when it carries several), unless its field
// already has an error.
func (c *Checks) Add(e *Error) {
	if e == nil {
		return
	}
	if c.named == nil {
		c.named = map[string]bool{}
	}
	list := e.Fields
	if len(list) == 0 {
		list = []*Error{e}
	}
	for _, f := range list {
		if !c.named[f.Field] {
			c.named[f.Field] = true
			c.list = append(c.list, f)
		}
	}
}

// Take records err's field errors and returns nil; an error about no
// field (a store failing, a conflict) is returned for the caller to stop.
func (c *Checks) Take(err error) error {
	fs := FieldsOf(err)
	if err != nil && len(fs) == 0 {
		return err
	}
	for _, f := range fs {
		c.Add(f)
	}
	return nil
}

// Has says whether field already has an error.
func (c *Checks) Has(field string) bool { return c.named[field] }

// Err is every recorded error as one (see Fields), nil when none.
func (c *Checks) Err() error { return Fields(c.list...) }

// FieldsOf returns every field error err carries, in order: one for a
// single field error, none for an error about no field.
func FieldsOf(err error) []*Error {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	if len(e.Fields) > 0 {
		return e.Fields
	}
	if e.Field != "" {
		return []*Error{e}
	}
	return nil
}

// Later is a TooMany refusal that lifts after wait.
func Later(wait time.Duration, format string, args ...any) *Error {
	e := E(TooMany, format, args...)
	e.RetryAfter = wait
	return e
}

// Wrap keeps cause for the logs while showing message to the user.
func Wrap(cause error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args, Err: cause}
}

// CodeOf returns the code of the first *Error in err's chain, Internal when
// there is none and "" for a nil error.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// FieldOf returns the input field err names, "" when it names none: code
// branches on it, never on the message.
func FieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// Unexpected is what a person is told of an error the product did not
// expect; the details are in the logs.
const Unexpected = "An unexpected error occurred. It has been logged; please try again."

// MessageOf returns the user-facing message of err, or a generic sentence
// when err is unexpected, so that raw internals never reach a user.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		return e.Message
	}
	return Unexpected
}

// Translated is e's message in another language: translate maps e's English
// Format to that language's format, false when it has none. The English
// Message stands when there is no translation, or when Message is no longer
// what Format and Args make (someone set it by hand), because then the
// translation would say something else. A bare "%s" format hands on a
// sentence made elsewhere, which is then looked up whole.
func (e *Error) Translated(translate func(format string) (string, bool)) string {
	return e.TranslatedIn("", translate)
}

// Words is an argument that each language words its own way, such as a
// skill's name (its code means nothing to a person): Message and the logs
// say its English ("en"), TranslatedIn the language asked for.
type Words map[string]string

func (w Words) String() string { return w["en"] }

// TranslatedIn is Translated for a page in lang, whose Words arguments
// are said in lang too.
func (e *Error) TranslatedIn(lang string, translate func(format string) (string, bool)) string {
	if e.Format == "" {
		return e.Message
	}
	if fmt.Sprintf(e.Format, e.Args...) != e.Message {
		return e.Message
	}
	if e.Format == "%s" {
		// A sentence made elsewhere and handed on (a lookup table, a
		// helper's argument): the sentence itself is the key.
		if t, ok := translate(e.Message); ok {
			return t
		}
		return e.Message
	}
	f, ok := translate(e.Format)
	if !ok {
		return e.Message
	}
	// A translation whose verbs do not fit the arguments would show
	// Go's %!verb noise: better the English sentence.
	args := e.Args
	if lang != "" {
		args = make([]any, len(e.Args))
		for i, a := range e.Args {
			if w, ok := a.(Words); ok && w[lang] != "" {
				a = w[lang]
			}
			args[i] = a
		}
	}
	out := fmt.Sprintf(f, args...)
	if strings.Count(out, "%!") != strings.Count(e.Message, "%!") {
		return e.Message
	}
	return out
}

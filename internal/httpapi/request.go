package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// What comes in is checked here once, before any handler, so that no
// route has to remember it: text is valid UTF-8 with no control
// character (a NUL byte would reach PostgreSQL, which refuses it), and a
// redirect taken from input stays on the site.

// multiline are the inputs that are long texts, where a line break or a
// tab belongs; anywhere else they are refused like any control character.
// A JSON key or form field is matched by its last name ("mission.reason"
// → "reason").
var multiline = map[string]bool{
	"description": true, "description_fr": true, "description_en": true, "detail": true, "motivation": true,
	"reason": true, "note": true, "notes": true, "text_fr": true, "text_en": true, "message": true, "file": true,
	// A SAML response is base64 that some providers (ADFS) wrap in lines.
	"SAMLResponse": true, "idp_metadata": true,
}

// textOK reports whether s may be stored as text: valid UTF-8, no control
// character but line breaks and tabs in long texts.
func textOK(s string, long bool) bool {
	// Most input is printable ASCII: one pass over the bytes says so.
	plain := true
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b >= 0x7f {
			plain = false
			break
		}
	}
	if plain {
		return true
	}
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			if !long {
				return false
			}
		case unicode.IsControl(r), r == utf8.RuneError:
			// A replacement character in valid UTF-8 was sent as such; it
			// is refused as well, since it only ever stands for garbage.
			return false
		}
	}
	return true
}

// badText is the error naming the input field that is not text.
func badText(field string) error {
	if !textOK(field, false) || field == "" {
		return errs.E(errs.Invalid, "a field name is not text: control characters and invalid UTF-8 are refused")
	}
	return errs.Field(field, "%s must be text: control characters (and line breaks outside long texts) and invalid UTF-8 are refused", field)
}

func lastName(field string) string {
	if i := strings.LastIndexAny(field, ".["); i >= 0 {
		return strings.TrimSuffix(field[i+1:], "]")
	}
	return field
}

func checkField(field, value string) error {
	if !textOK(field, false) || !textOK(value, multiline[lastName(field)]) {
		return badText(field)
	}
	return nil
}

// validText refuses a request whose path, query, form or JSON body holds
// something that is not text, with a 400 naming the field (the page's
// error page, in its language, in a browser).
func (s *Server) validText(c *fiber.Ctx) error {
	req := c.Request()
	if p := req.URI().Path(); !textOK(string(p), false) {
		return errNoSuchAddress()
	}
	var err error
	req.URI().QueryArgs().VisitAll(func(k, v []byte) {
		if err == nil {
			err = checkField(string(k), string(v))
		}
	})
	if err != nil {
		return err
	}
	if len(req.Body()) == 0 {
		return c.Next()
	}
	ct := strings.ToLower(string(req.Header.ContentType()))
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		req.PostArgs().VisitAll(func(k, v []byte) {
			if err == nil {
				err = checkField(string(k), string(v))
			}
		})
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		err = checkMultipart(c)
	case strings.HasPrefix(ct, fiber.MIMETextPlain), strings.HasPrefix(ct, "text/csv"):
		if !textOK(string(req.Body()), true) {
			err = badText("file")
		}
	default: // JSON, whatever it is labelled: handlers decode bodies as JSON
		err = checkJSON(req.Body())
	}
	if err != nil {
		return err
	}
	return c.Next()
}

func checkMultipart(c *fiber.Ctx) error {
	form, err := c.MultipartForm()
	if err != nil {
		return nil // the handler says what is wrong with the form
	}
	for k, vs := range form.Value {
		for _, v := range vs {
			if err := checkField(k, v); err != nil {
				return err
			}
		}
	}
	for k, fs := range form.File {
		for _, fh := range fs {
			if !textUpload(fh) {
				continue
			}
			f, err := fh.Open()
			if err != nil {
				return errs.Wrap(err, errs.Invalid, "the uploaded file cannot be read")
			}
			b, err := io.ReadAll(f)
			_ = f.Close()
			if err != nil {
				return errs.Wrap(err, errs.Invalid, "the uploaded file cannot be read")
			}
			if !textOK(string(b), true) {
				return badText(k)
			}
		}
	}
	return nil
}

// textUpload tells the uploads that are read as text (CSV and JSON
// imports) from images.
func textUpload(fh *multipart.FileHeader) bool {
	ct := strings.ToLower(fh.Header.Get(fiber.HeaderContentType))
	switch strings.ToLower(path.Ext(fh.Filename)) {
	case ".csv", ".json", ".txt", ".tsv":
		return true
	}
	return strings.HasPrefix(ct, "text/") || strings.HasPrefix(ct, fiber.MIMEApplicationJSON)
}

// checkJSON walks the strings of a JSON body. JSON cannot carry a raw
// control character, so only a body with an escape (\u0000, \n) or a raw
// C1 control (U+0080–U+009F, lead byte 0xC2) needs decoding.
func checkJSON(body []byte) error {
	if !utf8.Valid(body) {
		return errs.E(errs.Invalid, "the request body is not valid UTF-8")
	}
	if bytes.IndexByte(body, '\\') < 0 && bytes.IndexByte(body, 0xC2) < 0 {
		return nil
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil // not JSON: the handler says so
	}
	return walkJSON("", v)
}

func walkJSON(field string, v any) error {
	switch v := v.(type) {
	case string:
		return checkField(fieldName(field), v)
	case []any:
		for i, e := range v {
			if err := walkJSON(field+"["+strconv.Itoa(i)+"]", e); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range v {
			if !textOK(k, false) {
				return badText(k)
			}
			name := k
			if field != "" {
				name = field + "." + k
			}
			if err := walkJSON(name, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// fieldName is the name an error gives a JSON value: "body" for a bare
// string.
func fieldName(field string) string {
	if field == "" {
		return "body"
	}
	return field
}

// localPath returns p when it is a path of this site that a redirect may
// go to, "/" otherwise: no scheme, no host, no backslash (browsers read
// "/\evil.example" as "//evil.example"), no white space or control
// character (browsers drop a tab or a line break, so "/<TAB>/evil.example"
// becomes "//evil.example"). Every redirect whose target comes from input
// goes through it.
func localPath(p string) string {
	if len(p) == 0 || p[0] != '/' || len(p) > 2048 {
		return "/"
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return "/"
	}
	for _, r := range p {
		if r <= ' ' || r == '\\' || r == 0x7f || unicode.IsControl(r) || unicode.IsSpace(r) || r == utf8.RuneError {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return p
}

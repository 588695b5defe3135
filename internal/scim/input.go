package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	filter "github.com/scim2/filter-parser/v2"

	"github.com/vendredi-app/vendredi/internal/errs"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// Bool reads a boolean as identity providers send it: true, or "True"
// (Entra ID sends strings in PATCH unless told otherwise).
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *Bool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		*b = Bool(x)
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			*b = true
		case "false":
			*b = false
		default:
			return fmt.Errorf("%q is not a boolean", x)
		}
	default:
		return fmt.Errorf("%s is not a boolean", data)
	}
	return nil
}

// Name is SCIM's complex name.
type Name struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

// Email is one of a user's addresses.
type Email struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary Bool   `json:"primary,omitempty"`
}

// Enterprise is the enterprise extension's part the product keeps.
type Enterprise struct {
	Department string `json:"department,omitempty"`
}

// UserInput is a User body of POST or PUT. Attributes the product does not
// keep (phone numbers, titles, addresses…) are accepted and ignored.
type UserInput struct {
	UserName    string      `json:"userName"`
	ExternalID  string      `json:"externalId"`
	Name        *Name       `json:"name"`
	DisplayName string      `json:"displayName"`
	Active      *Bool       `json:"active"`
	Emails      []Email     `json:"emails"`
	Enterprise  *Enterprise `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

// DecodeUser reads a User body.
func DecodeUser(body []byte) (UserInput, error) {
	var in UserInput
	if err := json.Unmarshal(body, &in); err != nil {
		return in, Invalid("invalidSyntax", "the body is not a SCIM User in JSON: %s", jsonProblem(err))
	}
	return in, nil
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s has the wrong type", te.Field)
	}
	return err.Error()
}

func (in UserInput) apply(u *User, whole bool) error {
	userName := strings.TrimSpace(in.UserName)
	if userName == "" || !isEmail(userName) {
		for _, e := range in.Emails {
			if (bool(e.Primary) || len(in.Emails) == 1) && isEmail(e.Value) {
				if userName == "" || !isEmail(userName) {
					userName = e.Value
				}
			}
		}
	}
	email, err := normalEmail(userName)
	if err != nil {
		return err
	}
	u.UserName = email
	u.ExternalID = strings.TrimSpace(in.ExternalID)
	if in.Name != nil {
		u.GivenName, u.FamilyName = strings.TrimSpace(in.Name.GivenName), strings.TrimSpace(in.Name.FamilyName)
	}
	if in.Active != nil {
		u.Active = bool(*in.Active)
	}
	if in.Enterprise != nil {
		u.Department = strings.TrimSpace(in.Enterprise.Department)
	}
	full := strings.TrimSpace(in.DisplayName)
	if full == "" && in.Name != nil {
		full = strings.TrimSpace(in.Name.Formatted)
	}
	if full == "" {
		full = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
	}
	if full == "" {
		full = email[:strings.IndexByte(email, '@')]
	}
	u.FullName = full
	return checkUser(u)
}

func isEmail(s string) bool {
	_, err := normalEmail(s)
	return err == nil
}

func normalEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
		return "", Invalid("invalidValue", "userName %q must be an email address (the person signs in with it)", s)
	}
	return s, nil
}

func checkUser(u *User) error {
	for _, f := range []struct{ name, v string }{{"displayName", u.FullName}, {"name.givenName", u.GivenName},
		{"name.familyName", u.FamilyName}, {"externalId", u.ExternalID}, {"department", u.Department}} {
		if utf8.RuneCountInString(f.v) > 200 {
			return Invalid("invalidValue", "%s is longer than 200 characters", f.name)
		}
	}
	if u.FullName == "" {
		return Invalid("invalidValue", "the user needs a name")
	}
	return nil
}

// GroupInput is a Group body of POST or PUT.
type GroupInput struct {
	DisplayName string      `json:"displayName"`
	ExternalID  string      `json:"externalId"`
	Members     []MemberRef `json:"members"`
}

// MemberRef is a member of a group as sent.
type MemberRef struct {
	Value string `json:"value"`
}

// DecodeGroup reads a Group body.
func DecodeGroup(body []byte) (GroupInput, error) {
	var in GroupInput
	if err := json.Unmarshal(body, &in); err != nil {
		return in, Invalid("invalidSyntax", "the body is not a SCIM Group in JSON: %s", jsonProblem(err))
	}
	return in, nil
}

func (in GroupInput) apply(g *Group) error {
	g.DisplayName = strings.TrimSpace(in.DisplayName)
	g.ExternalID = strings.TrimSpace(in.ExternalID)
	if g.DisplayName == "" || utf8.RuneCountInString(g.DisplayName) > 200 {
		return Invalid("invalidValue", "displayName is required, up to 200 characters")
	}
	ids, err := memberIDs(in.Members)
	if err != nil {
		return err
	}
	g.Members = nil
	for _, id := range ids {
		g.Members = append(g.Members, Member{ID: id})
	}
	return nil
}

func memberIDs(refs []MemberRef) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, 0, len(refs))
	for _, r := range refs {
		id, err := uuid.Parse(strings.TrimSpace(r.Value))
		if err != nil {
			return nil, Invalid("invalidValue", "member %q is not a user id", r.Value)
		}
		out = append(out, id)
	}
	return out, nil
}

// PatchOp is one operation of a PATCH body.
type PatchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// DecodePatch reads a PatchOp body.
func DecodePatch(body []byte) ([]PatchOp, error) {
	var in struct {
		Schemas    []string  `json:"schemas"`
		Operations []PatchOp `json:"Operations"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, Invalid("invalidSyntax", "the body is not a SCIM PatchOp in JSON: %s", jsonProblem(err))
	}
	if len(in.Operations) == 0 {
		return nil, Invalid("invalidSyntax", "a PATCH needs Operations")
	}
	for i := range in.Operations {
		op := strings.ToLower(strings.TrimSpace(in.Operations[i].Op))
		if op != "add" && op != "replace" && op != "remove" {
			return nil, Invalid("invalidSyntax", "op %q is not one of add, replace, remove", in.Operations[i].Op)
		}
		in.Operations[i].Op = op
	}
	return in.Operations, nil
}

// target is a PATCH path, narrowed: an attribute (lower case, with its
// sub-attribute after a dot; the enterprise extension's prefixed
// "enterprise:"), and the value filter of a multi-valued one.
type target struct {
	attr   string
	filter []Cond
}

func parsePath(raw string) (target, error) {
	if strings.TrimSpace(raw) == "" {
		return target{}, nil
	}
	p, err := filter.ParsePath([]byte(raw))
	if err != nil {
		return target{}, Invalid("invalidPath", "path %q cannot be parsed", raw)
	}
	t := target{attr: attrName(p.AttributePath)}
	prefix := t.attr + "."
	if p.SubAttribute != nil {
		t.attr += "." + strings.ToLower(*p.SubAttribute)
	}
	if p.ValueExpression != nil {
		if t.filter, err = conds(p.ValueExpression, prefix); err != nil {
			return target{}, Invalid("invalidPath", "path %q: %v", raw, err)
		}
	}
	return t, nil
}

func attrName(p filter.AttributePath) string {
	name := strings.ToLower(p.AttributeName)
	if p.SubAttribute != nil {
		name += "." + strings.ToLower(*p.SubAttribute)
	}
	if strings.EqualFold(p.URI(), SchemaEnterprise) {
		return "enterprise:" + name
	}
	return name
}

// ParseFilter reads a list's filter: "eq" comparisons joined by "and",
// on the attributes allowed (lower case). Anything else is a 400
// invalidFilter, never a silently wider answer.
func ParseFilter(raw string, allowed map[string]bool) ([]Cond, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	e, err := filter.ParseFilter([]byte(raw))
	if err != nil {
		return nil, Invalid("invalidFilter", "filter %q cannot be parsed", raw)
	}
	cs, err := conds(e, "")
	if err != nil {
		return nil, Invalid("invalidFilter", "filter %q: %v", raw, err)
	}
	for _, c := range cs {
		if !allowed[c.Attr] {
			return nil, Invalid("invalidFilter", "filter %q: filtering on %s is not supported", raw, c.Attr)
		}
	}
	return cs, nil
}

func conds(e filter.Expression, prefix string) ([]Cond, error) {
	switch x := e.(type) {
	case *filter.LogicalExpression:
		if x.Operator != filter.AND {
			return nil, fmt.Errorf("only and joins conditions")
		}
		l, err := conds(x.Left, prefix)
		if err != nil {
			return nil, err
		}
		r, err := conds(x.Right, prefix)
		return append(l, r...), err
	case *filter.AttributeExpression:
		if x.Operator != filter.EQ {
			return nil, fmt.Errorf("only eq is supported, not %s", x.Operator)
		}
		if x.CompareValue == nil {
			return nil, fmt.Errorf("null is not a value to compare with")
		}
		return []Cond{{Attr: prefix + attrName(x.AttributePath), Value: fmt.Sprint(x.CompareValue)}}, nil
	case *filter.ValuePath:
		return conds(x.ValueFilter, attrName(x.AttributePath)+".")
	}
	return nil, fmt.Errorf("only eq comparisons joined by and are supported")
}

// patchUser applies PATCH operations to a user.
func patchUser(u *User, ops []PatchOp) error {
	nameTouched, displayTouched := false, false
	set := func(attr string, raw json.RawMessage, remove bool) error {
		str := func() (string, error) {
			if remove {
				return "", nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", Invalid("invalidValue", "%s must be a string", attr)
			}
			return strings.TrimSpace(s), nil
		}
		var err error
		switch attr {
		case "active":
			if remove {
				return Invalid("mutability", "active cannot be removed")
			}
			var b Bool
			if err := json.Unmarshal(raw, &b); err != nil {
				return Invalid("invalidValue", "active must be true or false")
			}
			u.Active = bool(b)
		case "username":
			var s string
			if s, err = str(); err == nil {
				u.UserName, err = normalEmail(s)
			}
		case "externalid":
			u.ExternalID, err = str()
		case "displayname", "name.formatted":
			u.FullName, err = str()
			displayTouched = true
		case "name.givenname":
			u.GivenName, err = str()
			nameTouched = true
		case "name.familyname":
			u.FamilyName, err = str()
			nameTouched = true
		case "name":
			var n Name
			if !remove {
				if err := json.Unmarshal(raw, &n); err != nil {
					return Invalid("invalidValue", "name must be an object")
				}
			}
			u.GivenName, u.FamilyName = strings.TrimSpace(n.GivenName), strings.TrimSpace(n.FamilyName)
			nameTouched = true
			if n.Formatted != "" {
				u.FullName, displayTouched = strings.TrimSpace(n.Formatted), true
			}
		case "enterprise:department":
			u.Department, err = str()
		}
		// Other attributes (phone numbers, titles, addresses, emails
		// besides userName) are not kept by the product: accepted, ignored.
		return err
	}
	for _, op := range ops {
		t, err := parsePath(op.Path)
		if err != nil {
			return err
		}
		remove := op.Op == "remove"
		if t.attr == "" {
			if remove {
				return Invalid("noTarget", "remove needs a path")
			}
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(op.Value, &obj); err != nil {
				return Invalid("invalidValue", "a PATCH without path needs an object value")
			}
			for k, v := range obj {
				key := strings.ToLower(k)
				if strings.HasPrefix(key, strings.ToLower(SchemaEnterprise)) {
					if rest := strings.TrimPrefix(key, strings.ToLower(SchemaEnterprise)); strings.HasPrefix(rest, ":") {
						key = "enterprise:" + rest[1:]
					} else {
						var ent map[string]json.RawMessage
						if json.Unmarshal(v, &ent) == nil {
							for ek, ev := range ent {
								if err := set("enterprise:"+strings.ToLower(ek), ev, false); err != nil {
									return err
								}
							}
						}
						continue
					}
				}
				if err := set(key, v, false); err != nil {
					return err
				}
			}
			continue
		}
		if err := set(t.attr, op.Value, remove); err != nil {
			return err
		}
	}
	if nameTouched && !displayTouched {
		if full := strings.TrimSpace(u.GivenName + " " + u.FamilyName); full != "" {
			u.FullName = full
		}
	}
	return checkUser(u)
}

// patchGroup applies PATCH operations to a group.
func patchGroup(g *Group, ops []PatchOp) error {
	has := func(id uuid.UUID) int {
		for i, m := range g.Members {
			if m.ID == id {
				return i
			}
		}
		return -1
	}
	refs := func(raw json.RawMessage) ([]uuid.UUID, error) {
		var list []MemberRef
		if err := json.Unmarshal(raw, &list); err != nil {
			var one MemberRef
			if err := json.Unmarshal(raw, &one); err != nil {
				return nil, Invalid("invalidValue", "members must be a list of {\"value\": user id}")
			}
			list = []MemberRef{one}
		}
		return memberIDs(list)
	}
	add := func(ids []uuid.UUID) {
		for _, id := range ids {
			if has(id) < 0 {
				g.Members = append(g.Members, Member{ID: id})
			}
		}
	}
	drop := func(ids []uuid.UUID) {
		for _, id := range ids {
			if i := has(id); i >= 0 {
				g.Members = append(g.Members[:i], g.Members[i+1:]...)
			}
		}
	}
	str := func(attr string, raw json.RawMessage) (string, error) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", Invalid("invalidValue", "%s must be a string", attr)
		}
		return strings.TrimSpace(s), nil
	}
	for _, op := range ops {
		t, err := parsePath(op.Path)
		if err != nil {
			return err
		}
		switch {
		case t.attr == "":
			if op.Op == "remove" {
				return Invalid("noTarget", "remove needs a path")
			}
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(op.Value, &obj); err != nil {
				return Invalid("invalidValue", "a PATCH without path needs an object value")
			}
			for k, v := range obj {
				switch strings.ToLower(k) {
				case "displayname":
					if g.DisplayName, err = str("displayName", v); err != nil {
						return err
					}
				case "externalid":
					if g.ExternalID, err = str("externalId", v); err != nil {
						return err
					}
				case "members":
					ids, err := refs(v)
					if err != nil {
						return err
					}
					if op.Op == "replace" {
						g.Members = nil
					}
					add(ids)
				}
			}
		case t.attr == "members" || t.attr == "members.value":
			var ids []uuid.UUID
			if len(t.filter) > 0 {
				for _, c := range t.filter {
					if c.Attr != "members.value" {
						return Invalid("invalidFilter", "members can be chosen by value only")
					}
					id, err := uuid.Parse(c.Value)
					if err != nil {
						return Invalid("invalidValue", "member %q is not a user id", c.Value)
					}
					ids = append(ids, id)
				}
			} else if len(bytes.TrimSpace(op.Value)) > 0 && string(bytes.TrimSpace(op.Value)) != "null" {
				if ids, err = refs(op.Value); err != nil {
					return err
				}
			}
			switch op.Op {
			case "add":
				add(ids)
			case "replace":
				g.Members = nil
				add(ids)
			case "remove":
				if len(ids) == 0 {
					g.Members = nil
				}
				drop(ids)
			}
		case t.attr == "displayname":
			if op.Op == "remove" {
				return Invalid("mutability", "displayName cannot be removed")
			}
			if g.DisplayName, err = str("displayName", op.Value); err != nil {
				return err
			}
		case t.attr == "externalid":
			g.ExternalID = ""
			if op.Op != "remove" {
				if g.ExternalID, err = str("externalId", op.Value); err != nil {
					return err
				}
			}
		default:
			return Invalid("invalidPath", "a group has no attribute %q the product keeps", op.Path)
		}
	}
	if g.DisplayName == "" || utf8.RuneCountInString(g.DisplayName) > 200 {
		return Invalid("invalidValue", "displayName is required, up to 200 characters")
	}
	return nil
}

// Resource renderings (RFC 7643 §4), with meta.location under base.

type meta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
	Location     string `json:"location"`
	Version      string `json:"version"`
}

type userJSON struct {
	Schemas     []string    `json:"schemas"`
	ID          string      `json:"id"`
	ExternalID  string      `json:"externalId,omitempty"`
	UserName    string      `json:"userName"`
	Name        Name        `json:"name"`
	DisplayName string      `json:"displayName"`
	Active      bool        `json:"active"`
	Emails      []Email     `json:"emails"`
	Enterprise  *Enterprise `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta        meta        `json:"meta"`
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Resource is the user as SCIM JSON.
func (u *User) Resource(base string) any {
	r := userJSON{Schemas: []string{SchemaUser}, ID: u.ID.String(), ExternalID: u.ExternalID, UserName: u.UserName,
		Name:        Name{Formatted: u.FullName, GivenName: u.GivenName, FamilyName: u.FamilyName},
		DisplayName: u.FullName, Active: u.Active, Emails: []Email{{Value: u.UserName, Type: "work", Primary: true}},
		Meta: meta{ResourceType: "User", Created: stamp(u.Created), LastModified: stamp(u.Modified),
			Location: base + "/Users/" + u.ID.String(), Version: u.Version()}}
	if u.Department != "" {
		r.Schemas = append(r.Schemas, SchemaEnterprise)
		r.Enterprise = &Enterprise{Department: u.Department}
	}
	return r
}

type memberJSON struct {
	Value   string `json:"value"`
	Ref     string `json:"$ref"`
	Display string `json:"display,omitempty"`
}

type groupJSON struct {
	Schemas     []string     `json:"schemas"`
	ID          string       `json:"id"`
	ExternalID  string       `json:"externalId,omitempty"`
	DisplayName string       `json:"displayName"`
	Members     []memberJSON `json:"members"`
	Meta        meta         `json:"meta"`
}

// Resource is the group as SCIM JSON; without members when excluded.
func (g *Group) Resource(base string, withMembers bool) any {
	r := groupJSON{Schemas: []string{SchemaGroup}, ID: g.ID.String(), ExternalID: g.ExternalID, DisplayName: g.DisplayName,
		Members: []memberJSON{}, Meta: meta{ResourceType: "Group", Created: stamp(g.Created), LastModified: stamp(g.Modified),
			Location: base + "/Groups/" + g.ID.String(), Version: g.Version()}}
	if withMembers {
		for _, m := range g.Members {
			r.Members = append(r.Members, memberJSON{Value: m.ID.String(), Ref: base + "/Users/" + m.ID.String(), Display: m.Display})
		}
	}
	return r
}

// ListResponse is a page of resources.
type ListResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []any    `json:"Resources"`
}

// ErrorBody is SCIM's error (RFC 7644 §3.12).
type ErrorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail"`
}

// NewError is the body of err at status.
func NewError(status int, err error) ErrorBody {
	detail := errs.MessageOf(err)
	t := TypeOf(err)
	if status == 412 {
		t = ""
	}
	if status >= 500 {
		detail, t = "the server could not do this; please retry", ""
	}
	return ErrorBody{Schemas: []string{SchemaError}, Status: fmt.Sprint(status), ScimType: t, Detail: detail}
}

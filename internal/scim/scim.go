// Package scim is the SCIM 2.0 service provider (RFC 7643, RFC 7644) by
// which a company's identity provider (Entra ID, Okta) provisions its
// people: Users are the company's members (userName is their address),
// Groups are its departments (a member belongs to at most one: the
// department they have). A deleted user is disabled in the product, never
// removed: their participations and hours stay, and they answer 404 in
// SCIM as RFC 7644 §3.6 asks.
//
// The protocol subset is written here rather than taken from a library:
// github.com/elimity-com/scim serves net/http with resources as untyped
// maps and its own routing, where this product routes on Fiber with a
// permission declared per route, and Entra ID's non-standard PATCH bodies
// ("Replace", "False" as a string, path-less values) need handling of their
// own. Filters and PATCH paths are parsed by github.com/scim2/filter-parser,
// the parser elimity-com/scim uses, and then narrowed to the cases the
// identity providers send: eq joined by and.
package scim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Schema URIs.
const (
	SchemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaList       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatch      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError      = "urn:ietf:params:scim:api:messages:2.0:Error"
	SchemaSPConfig   = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	SchemaResource   = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema     = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// User is a member as SCIM sees them.
type User struct {
	ID         uuid.UUID
	UserName   string // the member's address
	ExternalID string
	GivenName  string
	FamilyName string
	// FullName is the member's name in the product (name.formatted and
	// displayName).
	FullName   string
	Active     bool
	Department string
	Created    time.Time
	Modified   time.Time
}

// Group is a department.
type Group struct {
	ID          uuid.UUID
	DisplayName string
	ExternalID  string
	Members     []Member
	Created     time.Time
	Modified    time.Time
}

// Member is a user in a group.
type Member struct {
	ID      uuid.UUID
	Display string
}

// Version is the resource's version (meta.version, the ETag): a hash of
// what SCIM shows of it, so that any change shows.
func Version(v any) string {
	b, _ := json.Marshal(v)
	h := sha256.Sum256(b)
	return `W/"` + hex.EncodeToString(h[:8]) + `"`
}

// Version of the user.
func (u *User) Version() string {
	return Version([]any{u.ID, u.UserName, u.ExternalID, u.GivenName, u.FamilyName, u.FullName, u.Active, u.Department})
}

// Version of the group.
func (g *Group) Version() string {
	return Version([]any{g.ID, g.DisplayName, g.ExternalID, g.Members})
}

// Cond is one "attribute eq value" of a filter; a query's conditions are
// joined by and. Attr is lower case, sub-attributes after a dot
// ("emails.value", "members.value").
type Cond struct {
	Attr  string
	Value string
}

// Query is a page of a list: StartIndex counts from 1 (RFC 7644 §3.4.2.4).
type Query struct {
	Filter     []Cond
	StartIndex int
	Count      int
}

// Page limits.
const (
	DefaultCount = 100
	MaxCount     = 200
)

// Event is an audit entry of a provisioning change.
type Event struct {
	ActorID    uuid.UUID
	ActorLabel string
	IP         string
	Action     string
	Object     string
}

// Audit actions.
const (
	ActionUserCreated  = "scim_user_created"
	ActionUserUpdated  = "scim_user_updated"
	ActionUserDeleted  = "scim_user_deleted"
	ActionGroupCreated = "scim_group_created"
	ActionGroupUpdated = "scim_group_updated"
	ActionGroupDeleted = "scim_group_deleted"
)

// Store keeps the SCIM view of the company of the context. Failure codes:
// errs.NotFound for an unknown, deleted or erased user or group;
// errs.Conflict for a userName or displayName taken.
type Store interface {
	Users(ctx context.Context, q Query) ([]User, int, error)
	User(ctx context.Context, id uuid.UUID) (*User, error)
	// CreateUser adds a member, or revives one that SCIM deleted.
	CreateUser(ctx context.Context, u *User, ev Event) error
	// UpdateUser applies fn to the user under a row lock and saves it;
	// disabling ends the member's sessions.
	UpdateUser(ctx context.Context, id uuid.UUID, fn func(*User) error, ev Event) (*User, error)
	DeleteUser(ctx context.Context, id uuid.UUID, ifMatch func(*User) error, ev Event) error

	Groups(ctx context.Context, q Query) ([]Group, int, error)
	Group(ctx context.Context, id uuid.UUID) (*Group, error)
	CreateGroup(ctx context.Context, g *Group, ev Event) error
	// UpdateGroup applies fn under a lock and saves the group: its name
	// (its members' department follows) and its members.
	UpdateGroup(ctx context.Context, id uuid.UUID, fn func(*Group) error, ev Event) (*Group, error)
	DeleteGroup(ctx context.Context, id uuid.UUID, ifMatch func(*Group) error, ev Event) error
}

// ErrVersion is the answer to an If-Match that names another version:
// 412 in SCIM.
var ErrVersion = errs.E(errs.Conflict, "the resource changed since that version (If-Match)")

// Error is a SCIM error: its scimType (RFC 7644 §3.12) besides the code.
type Error struct {
	Err  *errs.Error
	Type string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Invalid is a 400 of a SCIM type such as invalidFilter or invalidValue.
func Invalid(scimType, format string, args ...any) error {
	return &Error{Err: errs.E(errs.Invalid, format, args...), Type: scimType}
}

// TypeOf is the scimType of err, if it has one.
func TypeOf(err error) string {
	var e *Error
	if errorsAs(err, &e) {
		return e.Type
	}
	switch errs.CodeOf(err) {
	case errs.Conflict:
		return "uniqueness"
	case errs.Invalid:
		return "invalidValue"
	}
	return ""
}

// Service runs provisioning for the company of the context.
type Service struct{ store Store }

// NewService returns a Service on store.
func NewService(store Store) *Service { return &Service{store: store} }

// checkVersion compares an If-Match with the current version ("" or "*"
// matches any).
func checkVersion(ifMatch, current string) error {
	if ifMatch == "" || ifMatch == "*" {
		return nil
	}
	for _, v := range strings.Split(ifMatch, ",") {
		v = strings.TrimSpace(v)
		if v == current || "W/"+v == current || v == strings.TrimPrefix(current, "W/") {
			return nil
		}
	}
	return ErrVersion
}

// Users lists users.
func (s *Service) Users(ctx context.Context, q Query) ([]User, int, error) {
	return s.store.Users(ctx, q)
}

// User reads one user.
func (s *Service) User(ctx context.Context, id uuid.UUID) (*User, error) {
	return s.store.User(ctx, id)
}

// CreateUser provisions a user from a POST body.
func (s *Service) CreateUser(ctx context.Context, in UserInput, ev Event) (*User, error) {
	u := &User{Active: true}
	if err := in.apply(u, true); err != nil {
		return nil, err
	}
	ev.Action, ev.Object = ActionUserCreated, "member:"+u.UserName
	if err := s.store.CreateUser(ctx, u, ev); err != nil {
		return nil, err
	}
	return u, nil
}

// ReplaceUser applies a PUT body.
func (s *Service) ReplaceUser(ctx context.Context, id uuid.UUID, ifMatch string, in UserInput, ev Event) (*User, error) {
	ev.Action = ActionUserUpdated
	return s.store.UpdateUser(ctx, id, func(u *User) error {
		if err := checkVersion(ifMatch, u.Version()); err != nil {
			return err
		}
		next := User{ID: u.ID, Active: true, Created: u.Created, Department: u.Department}
		if err := in.apply(&next, true); err != nil {
			return err
		}
		*u = next
		return nil
	}, ev)
}

// PatchUser applies a PATCH body.
func (s *Service) PatchUser(ctx context.Context, id uuid.UUID, ifMatch string, ops []PatchOp, ev Event) (*User, error) {
	ev.Action = ActionUserUpdated
	return s.store.UpdateUser(ctx, id, func(u *User) error {
		if err := checkVersion(ifMatch, u.Version()); err != nil {
			return err
		}
		return patchUser(u, ops)
	}, ev)
}

// DeleteUser disables the member and forgets them in SCIM.
func (s *Service) DeleteUser(ctx context.Context, id uuid.UUID, ifMatch string, ev Event) error {
	ev.Action = ActionUserDeleted
	return s.store.DeleteUser(ctx, id, func(u *User) error { return checkVersion(ifMatch, u.Version()) }, ev)
}

// Groups lists groups.
func (s *Service) Groups(ctx context.Context, q Query) ([]Group, int, error) {
	return s.store.Groups(ctx, q)
}

// Group reads one group.
func (s *Service) Group(ctx context.Context, id uuid.UUID) (*Group, error) {
	return s.store.Group(ctx, id)
}

// CreateGroup makes a department group.
func (s *Service) CreateGroup(ctx context.Context, in GroupInput, ev Event) (*Group, error) {
	g := &Group{}
	if err := in.apply(g); err != nil {
		return nil, err
	}
	ev.Action, ev.Object = ActionGroupCreated, "group:"+g.DisplayName
	if err := s.store.CreateGroup(ctx, g, ev); err != nil {
		return nil, err
	}
	return s.store.Group(ctx, g.ID)
}

// ReplaceGroup applies a PUT body.
func (s *Service) ReplaceGroup(ctx context.Context, id uuid.UUID, ifMatch string, in GroupInput, ev Event) (*Group, error) {
	ev.Action = ActionGroupUpdated
	return s.store.UpdateGroup(ctx, id, func(g *Group) error {
		if err := checkVersion(ifMatch, g.Version()); err != nil {
			return err
		}
		next := Group{ID: g.ID, Created: g.Created}
		if err := in.apply(&next); err != nil {
			return err
		}
		*g = next
		return nil
	}, ev)
}

// PatchGroup applies a PATCH body.
func (s *Service) PatchGroup(ctx context.Context, id uuid.UUID, ifMatch string, ops []PatchOp, ev Event) (*Group, error) {
	ev.Action = ActionGroupUpdated
	return s.store.UpdateGroup(ctx, id, func(g *Group) error {
		if err := checkVersion(ifMatch, g.Version()); err != nil {
			return err
		}
		return patchGroup(g, ops)
	}, ev)
}

// DeleteGroup removes the group; its members leave the department.
func (s *Service) DeleteGroup(ctx context.Context, id uuid.UUID, ifMatch string, ev Event) error {
	ev.Action = ActionGroupDeleted
	return s.store.DeleteGroup(ctx, id, func(g *Group) error { return checkVersion(ifMatch, g.Version()) }, ev)
}

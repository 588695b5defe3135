package sso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// checkIssuer accepts an https issuer, or http on this machine (a provider
// started by a test or a developer).
func checkIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return errs.Field("issuer", "the issuer is the provider's address, such as https://login.microsoftonline.com/<tenant id>/v2.0")
	}
	if u.Scheme == "https" {
		return nil
	}
	h := u.Hostname()
	if ip := net.ParseIP(h); u.Scheme == "http" && (h == "localhost" || (ip != nil && ip.IsLoopback())) {
		return nil
	}
	return errs.Field("issuer", "the issuer must be an https address")
}

// providerCache keeps each issuer's discovery document (and with it the
// provider's key set, which go-oidc refreshes when a new key id shows up)
// for a while, so that a sign-in costs one round trip to the provider:
// the code exchange.
type providerCache struct {
	mu sync.Mutex
	m  map[string]cachedProvider
}

type cachedProvider struct {
	p  *oidc.Provider
	at time.Time
}

const providerTTL = 10 * time.Minute

func (c *providerCache) get(ctx context.Context, issuer string, fresh bool) (*oidc.Provider, error) {
	c.mu.Lock()
	e, ok := c.m[issuer]
	c.mu.Unlock()
	if ok && !fresh && time.Since(e.at) < providerTTL {
		return e.p, nil
	}
	p, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[issuer] = cachedProvider{p: p, at: time.Now()}
	c.mu.Unlock()
	return p, nil
}

// clientCtx makes go-oidc and oauth2 reach providers through the
// service's client (its timeout), and keeps the key set's fetches alive
// beyond the request that first needed them.
func (s *Service) clientCtx(ctx context.Context) context.Context {
	return oidc.ClientContext(context.WithoutCancel(ctx), s.cfg.HTTPClient)
}

func (s *Service) oauthConfig(ctx context.Context, t *tenants.Tenant, conn *Connection) (*oauth2.Config, *oidc.Provider, error) {
	p, err := s.providers.get(s.clientCtx(ctx), conn.Issuer, false)
	if err != nil {
		return nil, nil, errs.Wrap(err, errs.Unavailable, "the identity provider %s does not answer; try again in a moment", conn.DisplayName)
	}
	secret, err := s.openSecret(t, conn)
	if err != nil {
		return nil, nil, err
	}
	return &oauth2.Config{ClientID: conn.ClientID, ClientSecret: secret, Endpoint: p.Endpoint(),
		RedirectURL: s.AddressesOf(t).RedirectURI, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}, p, nil
}

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Service) beginOIDC(ctx context.Context, t *tenants.Tenant, conn *Connection, f *Flow) (string, string, error) {
	cfg, _, err := s.oauthConfig(ctx, t, conn)
	if err != nil {
		return "", "", err
	}
	state := random()
	f.Key, f.Nonce, f.Verifier = flowKey(state), random(), oauth2.GenerateVerifier()
	return cfg.AuthCodeURL(state, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), state, nil
}

// Callback is what the provider sends the browser back with, and the
// state the browser kept in its cookie.
type Callback struct {
	State, Code      string
	Error, ErrorDesc string
	BrowserState     string
	Client           identity.Client
	Actor            *identity.Principal // the caller, for a test
}

var errStale = errs.E(errs.Gone, "this sign-in has expired or was already used; start again")

// CompleteOIDC ends an OpenID Connect flow: the state must be the one this
// browser started (its cookie) and unused; the code is exchanged with the
// PKCE verifier; the ID token must be signed by the issuer's keys, for
// this company's client id, unexpired, and carry the flow's nonce; then
// MatchEmail decides who it is.
func (s *Service) CompleteOIDC(ctx context.Context, cb Callback) (Result, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return Result{}, err
	}
	if cb.State == "" || cb.BrowserState == "" || subtle.ConstantTimeCompare([]byte(cb.State), []byte(cb.BrowserState)) != 1 {
		// Someone else's answer pushed into this browser (login CSRF), or
		// cookies are off: nothing is used up.
		return Result{}, errs.E(errs.Invalid, "this sign-in was not started in this browser; start again")
	}
	f, err := s.store.TakeFlow(ctx, flowKey(cb.State))
	if errs.Is(err, errs.NotFound) || (err == nil && f.Protocol != OIDC) {
		return Result{}, errStale
	}
	if err != nil {
		return Result{}, err
	}
	res := Result{Purpose: f.Purpose}
	if f.Purpose == PurposeTest && (cb.Actor == nil || f.ActorID == nil || cb.Actor.ID != *f.ActorID) {
		return res, errs.E(errs.Forbidden, "the test of the connection must end in the browser of the HR admin who started it")
	}
	conn, err := s.store.Connection(ctx)
	if err != nil {
		return res, errStale
	}
	if cb.Error != "" {
		return res, s.failed(ctx, t, f, errs.E(errs.Unauthorized, "the identity provider refused: %s %s", cb.Error, cb.ErrorDesc), cb.Client)
	}
	a, err := s.exchange(ctx, t, conn, f, cb.Code)
	if err != nil {
		return res, s.failed(ctx, t, f, err, cb.Client)
	}
	return s.finish(ctx, t, conn, f, a, cb.Client)
}

func (s *Service) exchange(ctx context.Context, t *tenants.Tenant, conn *Connection, f *Flow, code string) (asserted, error) {
	var a asserted
	if code == "" {
		return a, errs.E(errs.Unauthorized, "the identity provider sent no authorization code")
	}
	cfg, p, err := s.oauthConfig(ctx, t, conn)
	if err != nil {
		return a, err
	}
	cctx, cancel := context.WithTimeout(s.clientCtx(ctx), 15*time.Second)
	defer cancel()
	cctx = context.WithValue(cctx, oauth2.HTTPClient, s.cfg.HTTPClient)
	tok, err := cfg.Exchange(cctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return a, errs.Wrap(err, errs.Unauthorized, "the identity provider refused the authorization code: %s", rootCause(err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return a, errs.E(errs.Unauthorized, "the identity provider sent no ID token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: conn.ClientID}).Verify(cctx, raw)
	if err != nil {
		return a, errs.Wrap(err, errs.Unauthorized, "the ID token is not valid: %s", rootCause(err))
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return a, errs.E(errs.Unauthorized, "the ID token was not issued for this sign-in (nonce mismatch)")
	}
	var cl struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
		EDOV          any    `json:"xms_edov"` // Entra ID: the email's domain is verified by its owner
		Name          string `json:"name"`
		GivenName     string `json:"given_name"`
		FamilyName    string `json:"family_name"`
	}
	if err := idt.Claims(&cl); err != nil {
		return a, errs.Wrap(err, errs.Unauthorized, "the ID token's claims cannot be read")
	}
	a.email, a.verified = cl.Email, truthy(cl.EmailVerified) || truthy(cl.EDOV)
	a.name = strings.TrimSpace(cl.Name)
	if a.name == "" {
		a.name = strings.TrimSpace(cl.GivenName + " " + cl.FamilyName)
	}
	return a, nil
}

// truthy reads a boolean claim that some providers send as a string.
func truthy(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return strings.EqualFold(b, "true") || b == "1"
	}
	return false
}

// rootCause is the innermost message of err, short enough for a person.
func rootCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			break
		}
		err = u
	}
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

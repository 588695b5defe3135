package sso

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"

	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// parseIdPMetadata checks that the metadata describes an identity
// provider this service provider can use: a sign-on address for the
// HTTP-Redirect binding and a signing certificate.
func parseIdPMetadata(xmlText string) (*saml.EntityDescriptor, error) {
	ed, err := samlsp.ParseMetadata([]byte(xmlText))
	if err != nil {
		return nil, onField(errs.Wrap(err, errs.Invalid, "the metadata is not SAML metadata: %s", rootCause(err)), "idp_metadata")
	}
	sp := saml.ServiceProvider{IDPMetadata: ed}
	if sp.GetSSOBindingLocation(saml.HTTPRedirectBinding) == "" {
		return nil, errs.Field("idp_metadata", "the metadata has no single sign-on address for the HTTP-Redirect binding")
	}
	hasCert := false
	for _, d := range ed.IDPSSODescriptors {
		for _, k := range d.KeyDescriptors {
			if (k.Use == "" || k.Use == "signing") && len(k.KeyInfo.X509Data.X509Certificates) > 0 {
				hasCert = true
			}
		}
	}
	if !hasCert {
		return nil, errs.Field("idp_metadata", "the metadata has no signing certificate")
	}
	return ed, nil
}

// newSPKey makes the company's service provider key and a self-signed
// certificate for it (providers use it to encrypt assertions to us).
func newSPKey(entityID string) (key, cert []byte, err error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	u, _ := url.Parse(entityID)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: u.Hostname(), Organization: []string{"Vendredi"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	cert, err = x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		return nil, nil, err
	}
	key, err = x509.MarshalPKCS8PrivateKey(k)
	return key, cert, err
}

// serviceProvider is the company's SAML service provider.
func (s *Service) serviceProvider(t *tenants.Tenant, conn *Connection) (*saml.ServiceProvider, error) {
	ci, err := s.cipher()
	if err != nil {
		return nil, err
	}
	if conn.Protocol != SAML || len(conn.SPKey) == 0 {
		return nil, errs.E(errs.NotFound, "%s has no SAML connection", t.Name)
	}
	der, err := ci.Open(t.ID, "sp_key", conn.SPKey)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(conn.SPCert)
	if err != nil {
		return nil, err
	}
	ed, err := parseIdPMetadata(conn.IdPMetadata)
	if err != nil {
		return nil, err
	}
	a := s.AddressesOf(t)
	meta, _ := url.Parse(a.MetadataURL)
	acs, _ := url.Parse(a.ACS)
	return &saml.ServiceProvider{EntityID: a.EntityID, Key: k.(*rsa.PrivateKey), Certificate: cert,
		MetadataURL: *meta, AcsURL: *acs, IDPMetadata: ed, HTTPClient: s.cfg.HTTPClient,
		AuthnNameIDFormat: saml.EmailAddressNameIDFormat, AllowIDPInitiated: false,
		SignatureMethod: "", RejectSHA1Signatures: false, LimitRelayStateLength: true}, nil
}

// SPMetadata is the company's service provider metadata, for its provider.
func (s *Service) SPMetadata(ctx context.Context) ([]byte, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := s.store.Connection(ctx)
	if err != nil {
		return nil, errs.E(errs.NotFound, "%s has no SAML connection", t.Name)
	}
	sp, err := s.serviceProvider(t, conn)
	if err != nil {
		return nil, err
	}
	return xml.MarshalIndent(sp.Metadata(), "", "  ")
}

func (s *Service) beginSAML(t *tenants.Tenant, conn *Connection, f *Flow) (string, error) {
	sp, err := s.serviceProvider(t, conn)
	if err != nil {
		return "", err
	}
	req, err := sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return "", err
	}
	u, err := req.Redirect("", sp)
	if err != nil {
		return "", err
	}
	f.Key = flowKey(req.ID)
	return u.String(), nil
}

// CompleteSAML ends a SAML flow at the assertion consumer service: the
// response must answer a request of ours still unused (no unsolicited,
// IdP-initiated responses: they cannot be tied to a sign-in we started),
// be signed by the provider's certificate, for this company's entity id,
// within its validity; then MatchEmail decides who it is. The provider
// posts from its own site, so no cookie of ours comes with it: the
// request id, used once and for ten minutes, is what ties the answer to
// the start.
func (s *Service) CompleteSAML(ctx context.Context, samlResponse string, c identity.Client) (Result, error) {
	t, err := tenants.Require(ctx)
	if err != nil {
		return Result{}, err
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(samlResponse), ""))
	if err != nil || len(raw) == 0 {
		return Result{}, errs.Field("SAMLResponse", "the SAML response is not base64")
	}
	var head struct {
		InResponseTo string `xml:"InResponseTo,attr"`
	}
	if err := xml.NewDecoder(bytes.NewReader(raw)).Decode(&head); err != nil {
		return Result{}, errs.Field("SAMLResponse", "the SAML response is not XML")
	}
	if head.InResponseTo == "" {
		return Result{}, errs.E(errs.Forbidden, "sign-ins started at the identity provider are not accepted: start from %s's sign-in page", t.Name)
	}
	f, err := s.store.TakeFlow(ctx, flowKey(head.InResponseTo))
	if errs.Is(err, errs.NotFound) || (err == nil && f.Protocol != SAML) {
		return Result{}, errStale
	}
	if err != nil {
		return Result{}, err
	}
	res := Result{Purpose: f.Purpose}
	conn, err := s.store.Connection(ctx)
	if err != nil {
		return res, errStale
	}
	sp, err := s.serviceProvider(t, conn)
	if err != nil {
		return res, err
	}
	assertion, err := sp.ParseXMLResponse(raw, []string{head.InResponseTo}, sp.AcsURL)
	if err != nil {
		reason := rootCause(err)
		var ire *saml.InvalidResponseError
		if errors.As(err, &ire) && ire.PrivateErr != nil {
			reason = rootCause(ire.PrivateErr)
		}
		return res, s.failed(ctx, t, f, errs.Wrap(err, errs.Unauthorized, "the SAML response is not valid: %s", reason), c)
	}
	return s.finish(ctx, t, conn, f, samlAsserted(assertion), c)
}

// Attribute names providers put the address and the name under: Entra ID
// and ADFS use the claim URIs, Okta and crewjam the short names or OIDs.
var (
	emailAttrs = []string{"email", "mail", "emailaddress", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
		"urn:oid:0.9.2342.19200300.100.1.3"}
	nameAttrs = []string{"displayname", "name", "cn", "http://schemas.microsoft.com/identity/claims/displayname", "urn:oid:2.5.4.3"}
)

// samlAsserted reads who the assertion is about. The address is taken as
// verified: the provider is the company's own directory, and MatchEmail
// still keeps it to the company's domains.
func samlAsserted(a *saml.Assertion) asserted {
	find := func(names []string) string {
		for _, st := range a.AttributeStatements {
			for _, at := range st.Attributes {
				for _, n := range names {
					if (strings.EqualFold(at.Name, n) || strings.EqualFold(at.FriendlyName, n)) && len(at.Values) > 0 {
						return strings.TrimSpace(at.Values[0].Value)
					}
				}
			}
		}
		return ""
	}
	out := asserted{email: find(emailAttrs), name: find(nameAttrs), verified: true}
	if out.email == "" && a.Subject != nil && a.Subject.NameID != nil && strings.Contains(a.Subject.NameID.Value, "@") {
		out.email = a.Subject.NameID.Value
	}
	return out
}

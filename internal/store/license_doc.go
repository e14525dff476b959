package store

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
)

// The documents below are how the store keeps the parts of licenses, grants
// and refresh tokens that no query looks into: its own shapes, with its own
// field names, mapped to and from the domain's types here and nowhere else.
// They are not the AWS wire shapes, so that a change to a wire model (or to
// a domain type) is a change to a mapping, never a rewrite of stored data.
// What queries compare (owner, status, product SKU, fingerprint, ...) and
// what identifies a row (ARN, version, token ID) are columns, not document
// fields. Times are RFC 3339 strings (UTC, nanoseconds, when this version
// writes them; any RFC 3339 time when reading). A field may be added with
// omitempty; renaming or retyping one needs a migration (see
// migrate_documents.go, which brought the first version's documents, the
// AWS shapes, to these).

// licenseDoc is one version of a license.
type licenseDoc struct {
	Name         string           `json:"name"`
	ProductName  string           `json:"product_name"`
	ProductSKU   string           `json:"product_sku"`
	Issuer       issuerDoc        `json:"issuer"`
	HomeRegion   string           `json:"home_region"`
	Status       string           `json:"status"`
	ValidFrom    string           `json:"valid_from"`
	ValidUntil   string           `json:"valid_until,omitempty"` // none when empty
	Beneficiary  string           `json:"beneficiary"`
	Entitlements []entitlementDoc `json:"entitlements"`
	Consumption  consumptionDoc   `json:"consumption"`
	Metadata     []pairDoc        `json:"metadata,omitempty"`
	Created      string           `json:"created"`
}

type issuerDoc struct {
	Name        string `json:"name"`
	SignKey     string `json:"sign_key,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
}

type entitlementDoc struct {
	Name         string `json:"name"`
	Value        string `json:"value,omitempty"`
	MaxCount     *int64 `json:"max_count,omitempty"`
	Overage      *bool  `json:"overage,omitempty"`
	Unit         string `json:"unit"`
	AllowCheckIn *bool  `json:"allow_check_in,omitempty"`
}

type consumptionDoc struct {
	RenewType   string          `json:"renew_type,omitempty"`
	Provisional *provisionalDoc `json:"provisional,omitempty"`
	Borrow      *borrowDoc      `json:"borrow,omitempty"`
}

type provisionalDoc struct {
	TTLMinutes *int `json:"ttl_minutes"`
}

type borrowDoc struct {
	EarlyCheckIn *bool `json:"early_check_in"`
	TTLMinutes   *int  `json:"ttl_minutes"`
}

type pairDoc struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// grantDoc is one version of a grant.
type grantDoc struct {
	Name         string   `json:"name"`
	ParentArn    string   `json:"parent_arn"`
	Principal    string   `json:"principal"`
	HomeRegion   string   `json:"home_region"`
	Status       string   `json:"status"`
	StatusReason string   `json:"status_reason,omitempty"`
	Operations   []string `json:"operations"`
	Activation   string   `json:"activation_override,omitempty"` // no options when empty
}

// tokenDoc is a refresh token; its ID, account, license, expiry and the
// hash of its secret are columns.
type tokenDoc struct {
	Type       string   `json:"type"`
	Properties []string `json:"properties,omitempty"`
	RoleArns   []string `json:"role_arns,omitempty"`
	Status     string   `json:"status"`
}

// mapSlice maps a slice, keeping nil nil.
func mapSlice[T, U any](in []T, f func(T) U) []U {
	if in == nil {
		return nil
	}
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func encodeDoc(v any, what string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fault.Wrap(err, "encode %s", what)
	}
	return string(b), nil
}

func decodeDoc(doc string, v any, what string) error {
	if err := json.Unmarshal([]byte(doc), v); err != nil {
		return fault.Wrap(err, "decode %s", what)
	}
	return nil
}

// formatDocTime writes a time as documents hold it; the zero time, none,
// as the empty string.
func formatDocTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// parseDocTime reads a time of a document: any RFC 3339 time (migration 6
// kept those of older documents as their issuers wrote them), in UTC; the
// empty string is the zero time.
func parseDocTime(s, what string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fault.Wrap(err, "decode %s", what)
	}
	return t.UTC(), nil
}

// licenseDocOf is the document of a license version.
func licenseDocOf(l license.License) licenseDoc {
	return licenseDoc{
		Name: l.LicenseName, ProductName: l.ProductName, ProductSKU: l.ProductSKU,
		Issuer:     issuerDoc{Name: l.Issuer.Name, SignKey: l.Issuer.SignKey, Fingerprint: l.Issuer.KeyFingerprint},
		HomeRegion: l.HomeRegion, Status: string(l.Status),
		ValidFrom: formatDocTime(l.Validity.Begin), ValidUntil: formatDocTime(l.Validity.End),
		Beneficiary: l.Beneficiary, Entitlements: mapSlice(l.Entitlements, entitlementDocOf),
		Consumption: consumptionDocOf(l.ConsumptionConfiguration), Metadata: mapSlice(l.LicenseMetadata, pairDocOf),
		Created: formatDocTime(l.CreateTime),
	}
}

// license is the license version arn at version, issued by owner, that d
// describes.
func (d licenseDoc) license(arn, version, owner string) (license.License, error) {
	var times [3]time.Time
	for i, s := range []string{d.ValidFrom, d.ValidUntil, d.Created} {
		var err error
		if times[i], err = parseDocTime(s, "license "+arn); err != nil {
			return license.License{}, err
		}
	}
	return license.License{
		LicenseArn: arn, LicenseName: d.Name, ProductName: d.ProductName, ProductSKU: d.ProductSKU,
		Issuer:     license.Issuer{Name: d.Issuer.Name, SignKey: d.Issuer.SignKey, KeyFingerprint: d.Issuer.Fingerprint},
		HomeRegion: d.HomeRegion, Status: license.LicenseStatus(d.Status), Validity: license.Validity{Begin: times[0], End: times[1]},
		Beneficiary: d.Beneficiary, Entitlements: mapSlice(d.Entitlements, entitlementDoc.entitlement),
		ConsumptionConfiguration: d.Consumption.configuration(), LicenseMetadata: mapSlice(d.Metadata, pairDoc.metadata),
		CreateTime: times[2], Version: version, Owner: owner,
	}, nil
}

func entitlementDocOf(e license.Entitlement) entitlementDoc {
	return entitlementDoc{Name: e.Name, Value: e.Value, MaxCount: e.MaxCount, Overage: e.Overage, Unit: string(e.Unit), AllowCheckIn: e.AllowCheckIn}
}

func (d entitlementDoc) entitlement() license.Entitlement {
	return license.Entitlement{Name: d.Name, Value: d.Value, MaxCount: d.MaxCount, Overage: d.Overage, Unit: license.Unit(d.Unit), AllowCheckIn: d.AllowCheckIn}
}

func consumptionDocOf(c license.ConsumptionConfiguration) consumptionDoc {
	d := consumptionDoc{RenewType: string(c.RenewType)}
	if p := c.ProvisionalConfiguration; p != nil {
		d.Provisional = &provisionalDoc{TTLMinutes: p.MaxTimeToLiveInMinutes}
	}
	if b := c.BorrowConfiguration; b != nil {
		d.Borrow = &borrowDoc{EarlyCheckIn: b.AllowEarlyCheckIn, TTLMinutes: b.MaxTimeToLiveInMinutes}
	}
	return d
}

func (d consumptionDoc) configuration() license.ConsumptionConfiguration {
	c := license.ConsumptionConfiguration{RenewType: license.RenewType(d.RenewType)}
	if p := d.Provisional; p != nil {
		c.ProvisionalConfiguration = &license.ProvisionalConfiguration{MaxTimeToLiveInMinutes: p.TTLMinutes}
	}
	if b := d.Borrow; b != nil {
		c.BorrowConfiguration = &license.BorrowConfiguration{AllowEarlyCheckIn: b.EarlyCheckIn, MaxTimeToLiveInMinutes: b.TTLMinutes}
	}
	return c
}

func pairDocOf(m license.Metadata) pairDoc { return pairDoc{Name: m.Name, Value: m.Value} }

func (d pairDoc) metadata() license.Metadata { return license.Metadata{Name: d.Name, Value: d.Value} }

// grantDocOf is the document of a grant version.
func grantDocOf(g license.Grant) grantDoc {
	d := grantDoc{Name: g.GrantName, ParentArn: g.ParentArn, Principal: g.GranteePrincipalArn, HomeRegion: g.HomeRegion,
		Status: string(g.GrantStatus), StatusReason: g.StatusReason,
		Operations: mapSlice(g.GrantedOperations, func(o license.Operation) string { return string(o) })}
	if g.Options != nil {
		d.Activation = string(g.Options.ActivationOverrideBehavior)
	}
	return d
}

// grantRow is what the grants table keeps in columns.
type grantRow struct {
	arn, version, licenseArn, grantor, grantee, productSKU, fingerprint, issuerName string
}

func (d grantDoc) grant(r grantRow) license.Grant {
	g := license.Grant{GrantArn: r.arn, GrantName: d.Name, ParentArn: d.ParentArn, LicenseArn: r.licenseArn,
		GranteePrincipalArn: d.Principal, HomeRegion: d.HomeRegion, GrantStatus: license.GrantStatus(d.Status), StatusReason: d.StatusReason,
		Version: r.version, GrantedOperations: mapSlice(d.Operations, func(o string) license.Operation { return license.Operation(o) }),
		Grantor: r.grantor, Grantee: r.grantee, ProductSKU: r.productSKU, KeyFingerprint: r.fingerprint, IssuerName: r.issuerName}
	if d.Activation != "" {
		g.Options = &license.Options{ActivationOverrideBehavior: license.ActivationOverride(d.Activation)}
	}
	return g
}

func tokenDocOf(t license.Token) tokenDoc {
	return tokenDoc{Type: t.TokenType, Properties: t.TokenProperties, RoleArns: t.RoleArns, Status: t.Status}
}

// token is the refresh token id of account for licenseArn, expiring at
// expires, that d describes.
func (d tokenDoc) token(id, account, licenseArn string, expires time.Time) license.Token {
	return license.Token{TokenId: id, TokenType: d.Type, LicenseArn: licenseArn,
		TokenProperties: d.Properties, RoleArns: d.RoleArns, Status: d.Status, Account: account, Expires: expires}
}

// checkoutDoc is the part of a checkout kept as JSON. Its field names are
// those of the first version of this document, which checkouts stored
// since still carry (they are not rewritten).
type checkoutDoc struct {
	Entitlements []checkoutEntitlementDoc `json:"e"`
	Metadata     []checkoutPairDoc        `json:"m,omitempty"`
	Beneficiary  string                   `json:"beneficiary,omitempty"`
	Version      string                   `json:"license_version,omitempty"`
}

// checkoutEntitlementDoc is an entitlement a checkout took: Value is a
// tier's value, or the decimal count of units of a counted entitlement.
type checkoutEntitlementDoc struct {
	Name  string `json:"Name"`
	Value string `json:"Value,omitempty"`
	Unit  string `json:"Unit"`
}

type checkoutPairDoc struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

func checkoutDocOf(c license.Checkout) checkoutDoc {
	return checkoutDoc{
		Entitlements: mapSlice(c.Entitlements, func(e license.AllowedEntitlement) checkoutEntitlementDoc {
			d := checkoutEntitlementDoc{Name: e.Name, Value: e.Value, Unit: string(e.Unit)}
			if e.Unit != license.UnitNone {
				d.Value = strconv.FormatInt(e.Quantity, 10)
			}
			return d
		}),
		Metadata:    mapSlice(c.Metadata, func(m license.Metadata) checkoutPairDoc { return checkoutPairDoc{Name: m.Name, Value: m.Value} }),
		Beneficiary: c.Beneficiary,
		Version:     c.LicenseVersion,
	}
}

// fill sets the parts of c that d holds.
func (d checkoutDoc) fill(c *license.Checkout) error {
	c.Entitlements = nil
	if d.Entitlements != nil {
		c.Entitlements = make([]license.AllowedEntitlement, 0, len(d.Entitlements))
	}
	for _, e := range d.Entitlements {
		a := license.AllowedEntitlement{Name: e.Name, Unit: license.Unit(e.Unit)}
		if a.Unit == license.UnitNone {
			a.Value = e.Value
		} else {
			n, err := strconv.ParseInt(e.Value, 10, 64)
			if err != nil {
				return fault.Wrap(err, "decode checkout: quantity of %s", e.Name)
			}
			a.Quantity = n
		}
		c.Entitlements = append(c.Entitlements, a)
	}
	c.Metadata = mapSlice(d.Metadata, func(m checkoutPairDoc) license.Metadata { return license.Metadata{Name: m.Name, Value: m.Value} })
	c.Beneficiary, c.LicenseVersion = d.Beneficiary, d.Version
	return nil
}

// Package licensetoken verifies, offline, the signed tokens that Tollgate's
// License Manager returns from CheckoutLicense and CheckoutBorrowLicense.
// A token is a compact JWS signed PS384 (RSA-PSS with SHA-384) by the key of
// the license's issuer; its kid header is the issuer's key fingerprint. The
// issuers' public keys are published as a JWKS at
// <endpoint>/.well-known/jwks.json; sellers' software fetches them once (or
// ships them) and verifies tokens without calling back.
package licensetoken

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// Entitlement is an entitlement a checkout allowed.
type Entitlement struct {
	Name  string `json:"Name"`
	Value string `json:"Value,omitempty"`
	Unit  string `json:"Unit"`
}

// Metadata is a name/value pair given at checkout.
type Metadata struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// Claims is the verified payload of a checkout token.
type Claims struct {
	EntitlementsAllowed     []Entitlement `json:"entitlementsAllowed"`
	Expiration              string        `json:"expiration"`
	IssuedAt                string        `json:"issuedAt"`
	LicenseArn              string        `json:"licenseArn"`
	LicenseConsumptionToken string        `json:"licenseConsumptionToken"`
	NodeId                  string        `json:"nodeId,omitempty"`
	CheckoutMetadata        []Metadata    `json:"checkoutMetadata,omitempty"`
	// KeyFingerprint is the issuer fingerprint the token was signed under.
	KeyFingerprint string `json:"-"`
}

// ExpiresAt parses Expiration.
func (c Claims) ExpiresAt() (time.Time, error) { return time.Parse(time.RFC3339Nano, c.Expiration) }

// TimeFormat is how a token's times (Expiration, IssuedAt) are written: as
// License Manager writes times, in UTC to the millisecond.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// FormatTime writes t as a token's times are written (TimeFormat).
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// The token_use of refresh and access tokens, which tells them apart.
const (
	RefreshTokenUse = "refresh"
	AccessTokenUse  = "access"
)

// TokenClaims is the payload of the JWTs of License Manager's token flow,
// signed PS384 as checkout tokens are, by the marketplace's key: a refresh
// token (CreateToken), long-lived, and the access token (GetAccessToken),
// valid for an hour, that sts:AssumeRoleWithWebIdentity takes. As the
// License Manager model says, the license's ARN is the aud claim and the
// token properties the amr claim; an access token's amr also holds
// "aws:license-manager:token-issuer-account-id:<account>", the claim AWS
// documents for the trust policy of the role the access token assumes.
type TokenClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"` // the account that created the refresh token
	Audience string   `json:"aud"` // the license's ARN
	AMR      []string `json:"amr,omitempty"`
	ID       string   `json:"jti"`
	TokenID  string   `json:"token_id"` // the refresh token's ID (its jti, in a refresh token)
	Use      string   `json:"token_use"`
	IssuedAt int64    `json:"iat"` // Unix seconds
	Expires  int64    `json:"exp"` // Unix seconds
}

// JWK is one RSA public key of a JWKS (RFC 7517).
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// JWKS is the document of issuers' public keys Tollgate serves at
// /.well-known/jwks.json, which ParseJWKS reads.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// NewJWK is the JWK of an issuer's public key, named kid (the issuer's key
// fingerprint), for PS384 signatures.
func NewJWK(kid string, key *rsa.PublicKey) JWK {
	return JWK{Kty: "RSA", Kid: kid, Use: "sig", Alg: "PS384",
		N: b64.EncodeToString(key.N.Bytes()), E: b64.EncodeToString(big.NewInt(int64(key.E)).Bytes())}
}

// Keys maps issuer key fingerprints to their public keys.
type Keys map[string]*rsa.PublicKey

// Errors returned by Verify.
var (
	ErrMalformed    = errors.New("licensetoken: malformed token")
	ErrUnknownKey   = errors.New("licensetoken: token signed by an unknown issuer key")
	ErrBadSignature = errors.New("licensetoken: signature does not verify")
	ErrAlgorithm    = errors.New("licensetoken: token is not signed PS384")
)

var b64 = base64.RawURLEncoding

// Verify checks a token's signature against keys and returns its claims. It
// does not judge expiry: compare ExpiresAt with your own clock.
func Verify(token string, keys Keys) (Claims, error) {
	var claims Claims
	kid, err := VerifyInto(token, keys, &claims)
	if err != nil {
		return Claims{}, err
	}
	claims.KeyFingerprint = kid
	return claims, nil
}

// VerifyInto checks the PS384 signature of a compact JWS against keys,
// decodes its payload into claims, and returns the key ID (the issuer's
// key fingerprint) it was signed under. It judges nothing the claims say.
func VerifyInto(token string, keys Keys, claims any) (kid string, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", ErrMalformed
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return "", err
	}
	if header.Alg != "PS384" {
		return "", ErrAlgorithm
	}
	key, ok := keys[header.Kid]
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownKey, header.Kid)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return "", ErrMalformed
	}
	digest := sha512.Sum384([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPSS(key, crypto.SHA384, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}); err != nil {
		return "", ErrBadSignature
	}
	if err := decodeSegment(parts[1], claims); err != nil {
		return "", err
	}
	return header.Kid, nil
}

func decodeSegment(seg string, v any) error {
	raw, err := b64.DecodeString(seg)
	if err != nil {
		return ErrMalformed
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return ErrMalformed
	}
	return nil
}

// ParseJWKS reads a JWKS document of RSA keys.
func ParseJWKS(doc []byte) (Keys, error) {
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		return nil, fmt.Errorf("licensetoken: JWKS: %w", err)
	}
	keys := Keys{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" {
			continue
		}
		n, err1 := b64.DecodeString(k.N)
		e, err2 := b64.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) > 4 {
			return nil, fmt.Errorf("licensetoken: JWKS key %q is malformed", k.Kid)
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys, nil
}

// FetchJWKS downloads the issuers' keys from a Tollgate endpoint such as
// http://127.0.0.1:7070.
func FetchJWKS(ctx context.Context, client *http.Client, endpoint string) (Keys, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/")+"/.well-known/jwks.json", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("licensetoken: JWKS: HTTP %d", resp.StatusCode)
	}
	doc, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	return ParseJWKS(doc)
}

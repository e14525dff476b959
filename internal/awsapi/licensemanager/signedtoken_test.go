package licensemanager_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/pkg/licensetoken"
)

// joseKeys fetches the JWKS with a plain GET and parses it with go-jose,
// independently of pkg/licensetoken.
func (e *env) joseKeys() jose.JSONWebKeySet {
	e.t.Helper()
	resp, err := http.Get(e.url + "/.well-known/jwks.json")
	if err != nil {
		e.t.Fatalf("GET jwks.json: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		e.t.Fatalf("GET jwks.json: HTTP %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		e.t.Fatalf("go-jose cannot read the JWKS: %v\n%s", err, body)
	}
	return set
}

// joseVerify verifies a compact JWS with go-jose, accepting only PS384,
// using the JWKS key named by the token's kid.
func joseVerify(set jose.JSONWebKeySet, token string) ([]byte, jose.Header, error) {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.PS384})
	if err != nil {
		return nil, jose.Header{}, err
	}
	if len(jws.Signatures) != 1 {
		return nil, jose.Header{}, errors.New("not exactly one signature")
	}
	h := jws.Signatures[0].Header
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		return nil, h, errors.New("no single JWKS key for kid " + h.KeyID)
	}
	payload, err := jws.Verify(keys[0].Public())
	return payload, h, err
}

// tamper changes one character in the middle of a compact JWS's payload,
// keeping it valid base64url.
func tamper(token string) string {
	parts := strings.Split(token, ".")
	p := []byte(parts[1])
	i := len(p) / 2
	if p[i] == 'A' {
		p[i] = 'B'
	} else {
		p[i] = 'A'
	}
	parts[1] = string(p)
	return strings.Join(parts, ".")
}

var _ = sdk("SignedToken", testSignedToken)

// testSignedToken verifies CheckoutLicense's SignedToken offline, with
// pkg/licensetoken and keys from /.well-known/jwks.json, and independently
// with go-jose; a tampered token fails both.
func testSignedToken(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("PowerUsers", 5, false), tier("Enterprise"))
	otherSeller := e.entitle(nil, counted("PowerUsers", 5, false)) // a second issuer key in the JWKS
	out, err := x.buyer.LM.CheckoutLicense(e.ctx, &licensemanager.CheckoutLicenseInput{
		ProductSKU: aws.String(x.sku), KeyFingerprint: aws.String(x.fp), CheckoutType: types.CheckoutTypeProvisional,
		Entitlements: []types.EntitlementData{want("PowerUsers", 2), wantTier("Enterprise")},
		NodeId:       aws.String("i-0123456789abcdef0"), ClientToken: newToken(),
	})
	if err != nil {
		t.Fatalf("CheckoutLicense: %v", err)
	}
	token := aws.ToString(out.SignedToken)
	if strings.Count(token, ".") != 2 {
		t.Fatalf("SignedToken %q is not a compact JWS", token)
	}
	wantClaims := licensetoken.Claims{
		EntitlementsAllowed: []licensetoken.Entitlement{
			{Name: "PowerUsers", Value: "2", Unit: "Count"},
			{Name: "Enterprise", Value: "Enabled", Unit: "None"},
		},
		Expiration: aws.ToString(out.Expiration), IssuedAt: aws.ToString(out.IssuedAt), LicenseArn: x.licenseArn,
		LicenseConsumptionToken: aws.ToString(out.LicenseConsumptionToken), NodeId: "i-0123456789abcdef0", KeyFingerprint: x.fp,
	}

	keys, err := licensetoken.FetchJWKS(e.ctx, http.DefaultClient, e.url)
	if err != nil {
		t.Fatalf("FetchJWKS: %v", err)
	}
	for _, fp := range []string{x.fp, otherSeller.fp} {
		if keys[fp] == nil {
			t.Errorf("JWKS has no key %q", fp)
		}
	}

	t.Run("licensetoken", func(t *testing.T) {
		claims, err := licensetoken.Verify(token, keys)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if diff := cmp.Diff(wantClaims, claims); diff != "" {
			t.Errorf("claims (-want +got):\n%s", diff)
		}
		if exp, err := claims.ExpiresAt(); err != nil || !exp.Equal(parseTime(t, out.IssuedAt).Add(ttl)) {
			t.Errorf("ExpiresAt = %v, %v; want IssuedAt + %s", exp, err, ttl)
		}
	})

	t.Run("go-jose", func(t *testing.T) {
		set := e.joseKeys()
		for _, k := range set.Keys {
			if k.Algorithm != string(jose.PS384) || k.Use != "sig" || !k.Valid() || !k.IsPublic() {
				t.Errorf("JWKS key %q: alg %q use %q valid %v public %v", k.KeyID, k.Algorithm, k.Use, k.Valid(), k.IsPublic())
			}
		}
		payload, header, err := joseVerify(set, token)
		if err != nil {
			t.Fatalf("go-jose verify: %v", err)
		}
		if header.KeyID != x.fp || header.Algorithm != string(jose.PS384) {
			t.Errorf("header kid %q alg %q, want %q PS384", header.KeyID, header.Algorithm, x.fp)
		}
		var claims licensetoken.Claims
		if err := json.Unmarshal(payload, &claims); err != nil {
			t.Fatalf("payload %s: %v", payload, err)
		}
		claims.KeyFingerprint = header.KeyID
		if diff := cmp.Diff(wantClaims, claims); diff != "" {
			t.Errorf("claims verified by go-jose (-want +got):\n%s", diff)
		}
	})

	t.Run("tampered", func(t *testing.T) {
		bad := tamper(token)
		if bad == token {
			t.Fatal("tamper changed nothing")
		}
		if _, err := licensetoken.Verify(bad, keys); !errors.Is(err, licensetoken.ErrBadSignature) {
			t.Errorf("licensetoken.Verify of a tampered token: %v, want ErrBadSignature", err)
		}
		if payload, _, err := joseVerify(e.joseKeys(), bad); err == nil {
			t.Errorf("go-jose accepted a tampered token: %s", payload)
		}
	})

	t.Run("wrong key", func(t *testing.T) {
		swapped := licensetoken.Keys{x.fp: keys[otherSeller.fp]}
		if _, err := licensetoken.Verify(token, swapped); !errors.Is(err, licensetoken.ErrBadSignature) {
			t.Errorf("Verify with another issuer's key: %v, want ErrBadSignature", err)
		}
		if _, err := licensetoken.Verify(token, licensetoken.Keys{otherSeller.fp: keys[otherSeller.fp]}); !errors.Is(err, licensetoken.ErrUnknownKey) {
			t.Errorf("Verify without the issuer's key: %v, want ErrUnknownKey", err)
		}
	})

	t.Run("alg none", func(t *testing.T) {
		header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"` + x.fp + `"}`))
		unsigned := header + "." + strings.Split(token, ".")[1] + "."
		if _, err := licensetoken.Verify(unsigned, keys); !errors.Is(err, licensetoken.ErrAlgorithm) {
			t.Errorf("licensetoken.Verify of an unsigned token: %v, want ErrAlgorithm", err)
		}
		if _, _, err := joseVerify(e.joseKeys(), unsigned); err == nil {
			t.Error("go-jose accepted an unsigned token")
		}
	})
}

// Package sigv4 verifies AWS Signature Version 4 on incoming requests, both
// signed in the Authorization header and presigned in the query string. It
// recomputes the signature from exactly the headers the client says it
// signed, so any client that signs correctly is accepted, whatever else it
// sends.
package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
)

// Algorithm is the only signing algorithm accepted.
const Algorithm = "AWS4-HMAC-SHA256"

// MaxSkew is how far a request's time may be from ours.
const MaxSkew = 15 * time.Minute

// maxPresignExpiry is the longest validity a presigned URL may ask for (7 days).
const maxPresignExpiry = 7 * 24 * time.Hour

const amzDateFormat = "20060102T150405Z"

// Credential is the parsed credential scope of a signature.
type Credential struct {
	AccessKeyID string
	Date        string // yyyymmdd
	Region      string
	Service     string
}

func (c Credential) scope() string {
	return c.Date + "/" + c.Region + "/" + c.Service + "/aws4_request"
}

// Signature is everything a request says about how it was signed.
type Signature struct {
	Credential    Credential
	SignedHeaders []string // lowercase, as listed by the client
	Signature     string   // hex
	Time          time.Time
	Presigned     bool
	Expires       time.Duration // presigned only
}

// SecretLookup returns the secret of an access key; an error of kind
// NotFound means the key is unknown.
type SecretLookup func(ctx context.Context, accessKeyID string) (secret string, err error)

// Verifier checks signatures against registered keys.
type Verifier struct {
	Secrets SecretLookup
	Now     func() time.Time // the wall clock: clients sign with real time
}

// Signed reports whether the request carries a signature in either form.
func Signed(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || r.URL.Query().Get("X-Amz-Algorithm") != ""
}

// Parse extracts the signature from the Authorization header or the query
// string without verifying it.
func Parse(r *http.Request) (Signature, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		sig, err := ParseAuthorization(auth)
		if err != nil {
			return Signature{}, err
		}
		sig.Time, err = requestTime(r)
		return sig, err
	}
	q := r.URL.Query()
	if q.Get("X-Amz-Algorithm") != "" {
		return parsePresigned(q.Get)
	}
	return Signature{}, fault.New(fault.Unauthenticated, "Request is missing Authentication Token")
}

// ParseAuthorization parses an Authorization header of the form
// "AWS4-HMAC-SHA256 Credential=AK/date/region/service/aws4_request,
// SignedHeaders=a;b, Signature=hex".
func ParseAuthorization(header string) (Signature, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	if alg != Algorithm {
		return Signature{}, malformed("Unsupported signing algorithm %q; only %s is accepted", truncate(alg), Algorithm)
	}
	var sig Signature
	var haveCred, haveHeaders, haveSig bool
	for part := range strings.SplitSeq(rest, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Signature{}, malformed("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters")
		}
		var err error
		switch key {
		case "Credential":
			sig.Credential, err = parseCredential(value)
			haveCred = true
		case "SignedHeaders":
			sig.SignedHeaders, err = parseSignedHeaders(value)
			haveHeaders = true
		case "Signature":
			sig.Signature, err = parseHexSignature(value)
			haveSig = true
		}
		if err != nil {
			return Signature{}, err
		}
	}
	if !haveCred || !haveHeaders || !haveSig {
		return Signature{}, malformed("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters")
	}
	return sig, nil
}

func parsePresigned(get func(string) string) (Signature, error) {
	if alg := get("X-Amz-Algorithm"); alg != Algorithm {
		return Signature{}, malformed("Unsupported signing algorithm %q; only %s is accepted", truncate(alg), Algorithm)
	}
	var sig Signature
	var err error
	sig.Presigned = true
	if sig.Credential, err = parseCredential(get("X-Amz-Credential")); err != nil {
		return Signature{}, err
	}
	if sig.SignedHeaders, err = parseSignedHeaders(get("X-Amz-SignedHeaders")); err != nil {
		return Signature{}, err
	}
	if sig.Signature, err = parseHexSignature(get("X-Amz-Signature")); err != nil {
		return Signature{}, err
	}
	if sig.Time, err = time.Parse(amzDateFormat, get("X-Amz-Date")); err != nil {
		return Signature{}, malformed("X-Amz-Date must be in the form yyyyMMdd'T'HHmmss'Z'")
	}
	secs, err := strconv.ParseInt(get("X-Amz-Expires"), 10, 64)
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > maxPresignExpiry {
		return Signature{}, malformed("X-Amz-Expires must be a whole number of seconds from 1 to 604800")
	}
	sig.Expires = time.Duration(secs) * time.Second
	return sig, nil
}

func parseCredential(v string) (Credential, error) {
	parts := strings.Split(v, "/")
	if len(parts) != 5 || parts[0] == "" || parts[2] == "" || parts[3] == "" {
		return Credential{}, malformed("Credential should be scoped to a valid region and service: %q", truncate(v))
	}
	if parts[4] != "aws4_request" {
		return Credential{}, malformed("Credential should be scoped with a valid terminator: 'aws4_request', not %q", truncate(parts[4]))
	}
	if _, err := time.Parse("20060102", parts[1]); err != nil {
		return Credential{}, malformed("Credential date %q must be in the form yyyyMMdd", truncate(parts[1]))
	}
	return Credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}, nil
}

func parseSignedHeaders(v string) ([]string, error) {
	if v == "" {
		return nil, malformed("SignedHeaders must not be empty")
	}
	headers := strings.Split(v, ";")
	for _, h := range headers {
		if h == "" || h != strings.ToLower(h) {
			return nil, malformed("SignedHeaders must be lowercase header names separated by ';'")
		}
	}
	if !sort.StringsAreSorted(headers) {
		return nil, malformed("SignedHeaders must be sorted")
	}
	if !contains(headers, "host") {
		return nil, malformed("'Host' must be a signed header")
	}
	return headers, nil
}

func parseHexSignature(v string) (string, error) {
	if len(v) != 64 {
		return "", malformed("Signature must be 64 hexadecimal characters")
	}
	if _, err := hex.DecodeString(v); err != nil {
		return "", malformed("Signature must be 64 hexadecimal characters")
	}
	return strings.ToLower(v), nil
}

func requestTime(r *http.Request) (time.Time, error) {
	if v := r.Header.Get("X-Amz-Date"); v != "" {
		t, err := time.Parse(amzDateFormat, v)
		if err != nil {
			return time.Time{}, malformed("X-Amz-Date must be in the form yyyyMMdd'T'HHmmss'Z'")
		}
		return t, nil
	}
	if v := r.Header.Get("Date"); v != "" {
		t, err := http.ParseTime(v)
		if err != nil {
			return time.Time{}, malformed("Date header is not a valid HTTP date")
		}
		return t.UTC(), nil
	}
	return time.Time{}, malformed("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header")
}

// Pending is a signature whose headers have been checked (its form, its
// time and its key) and whose check over the body is still to come. It holds
// the key's secret: never log it.
type Pending struct {
	Signature
	secret string
}

// Check verifies everything about r's signature that the request line and
// headers alone can tell: its form, its time (skew and presigned expiry), the
// date in its credential scope, and that its access key exists. It reads no
// body, so a request that fails here can be refused before its body is
// read. The signature it returns is filled in as far as it parsed, also
// alongside an error.
func (v *Verifier) Check(ctx context.Context, r *http.Request) (Pending, error) {
	sig, err := Parse(r)
	if err != nil {
		return Pending{}, err
	}
	if err := v.checkTime(sig); err != nil {
		return Pending{Signature: sig}, err
	}
	if sig.Time.Format("20060102") != sig.Credential.Date {
		return Pending{Signature: sig}, fault.New(fault.BadSignature, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: %q != %q",
			sig.Credential.Date, sig.Time.Format("20060102"))
	}
	secret, err := v.Secrets(ctx, sig.Credential.AccessKeyID)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return Pending{Signature: sig}, fault.New(fault.UnknownCredentials, "The security token included in the request is invalid.")
		}
		return Pending{Signature: sig}, err
	}
	return Pending{Signature: sig, secret: secret}, nil
}

// Verify checks the signature over the request and its body, which the
// signature covers through its hash.
func (p *Pending) Verify(r *http.Request, body []byte) error {
	bodyHash := sha256.Sum256(body)
	want := Compute(p.secret, p.Signature, CanonicalRequest(r, p.SignedHeaders, hex.EncodeToString(bodyHash[:])))
	if hmac.Equal([]byte(want), []byte(p.Signature.Signature)) {
		return nil
	}
	return fault.New(fault.BadSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

// Verify checks the request's signature over body and returns it: Check,
// then Pending.Verify.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (Signature, error) {
	p, err := v.Check(ctx, r)
	if err != nil {
		return p.Signature, err
	}
	return p.Signature, p.Verify(r, body)
}

func (v *Verifier) checkTime(sig Signature) error {
	now := v.Now().UTC()
	if sig.Presigned {
		if now.After(sig.Time.Add(sig.Expires)) {
			return fault.New(fault.Expired, "Request has expired: signed at %s for %d seconds, and it is now %s",
				sig.Time.Format(amzDateFormat), int64(sig.Expires/time.Second), now.Format(amzDateFormat))
		}
		if sig.Time.After(now.Add(MaxSkew)) {
			return skewed(sig.Time, now)
		}
		return nil
	}
	if sig.Time.Before(now.Add(-MaxSkew)) || sig.Time.After(now.Add(MaxSkew)) {
		return skewed(sig.Time, now)
	}
	return nil
}

func skewed(t, now time.Time) error {
	if t.Before(now) {
		return fault.New(fault.ClockSkew, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			t.Format(amzDateFormat), now.Add(-MaxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
	}
	return fault.New(fault.ClockSkew, "Signature not yet current: %s is still later than %s (%s + 15 min.)",
		t.Format(amzDateFormat), now.Add(MaxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
}

// Compute returns the hex signature of a canonical request.
func Compute(secret string, sig Signature, canonicalRequest string) string {
	crHash := sha256.Sum256([]byte(canonicalRequest))
	stringToSign := Algorithm + "\n" + sig.Time.UTC().Format(amzDateFormat) + "\n" + sig.Credential.scope() + "\n" + hex.EncodeToString(crHash[:])
	return hex.EncodeToString(hmacSHA256(signingKeys.get(secret, sig.Credential), stringToSign))
}

// deriveKey derives the signing key of a secret for a credential scope.
func deriveKey(secret string, c Credential) []byte {
	key := hmacSHA256([]byte("AWS4"+secret), c.Date)
	key = hmacSHA256(key, c.Region)
	key = hmacSHA256(key, c.Service)
	return hmacSHA256(key, "aws4_request")
}

// signingKeys remembers derived signing keys. Deriving one costs four
// HMAC-SHA256s, as much as the rest of a verification, and a client signs
// with the same secret, date, region and service all day, so AWS's SDKs keep
// the derived key too. A key is a pure function of its inputs, so a cached
// one is never stale; the cache is emptied when it reaches maxSigningKeys.
var signingKeys keyCache

const maxSigningKeys = 4096

type keyCacheKey struct{ secret, date, region, service string }

type keyCache struct {
	keys sync.Map // keyCacheKey -> []byte
	n    atomic.Int64
}

func (c *keyCache) get(secret string, cred Credential) []byte {
	k := keyCacheKey{secret, cred.Date, cred.Region, cred.Service}
	if v, ok := c.keys.Load(k); ok {
		return v.([]byte)
	}
	key := deriveKey(secret, cred)
	if c.n.Add(1) > maxSigningKeys {
		c.keys.Clear()
		c.n.Store(1)
	}
	c.keys.Store(k, key)
	return key
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func malformed(format string, args ...any) error {
	return fault.New(fault.MalformedSignature, format, args...)
}

// truncate keeps client-supplied text in error messages short.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

package sigv4_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/awsapi/sigv4"
	"github.com/tollgate/tollgate/internal/fault"
)

// The credentials and time of AWS's published SigV4 test suite.
const (
	exampleKeyID  = "AKIDEXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	emptyHash     = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

var exampleTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

func secrets(keys map[string]string) sigv4.SecretLookup {
	return func(_ context.Context, id string) (string, error) {
		s, ok := keys[id]
		if !ok {
			return "", fault.New(fault.NotFound, "no key %s", id)
		}
		return s, nil
	}
}

func verifierAt(now time.Time) *sigv4.Verifier {
	return &sigv4.Verifier{
		Secrets: secrets(map[string]string{exampleKeyID: exampleSecret}),
		Now:     func() time.Time { return now },
	}
}

func bodyHash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestGetVanilla checks the "get-vanilla" case of AWS's SigV4 test suite:
// the canonical request and the signature.
func TestGetVanilla(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "http://example.amazonaws.com/", nil)
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	const wantSig = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature="+wantSig)

	wantCanonical := "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptyHash
	if diff := cmp.Diff(wantCanonical, sigv4.CanonicalRequest(r, []string{"host", "x-amz-date"}, emptyHash)); diff != "" {
		t.Errorf("canonical request (-want +got):\n%s", diff)
	}
	sig, err := sigv4.Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := sigv4.Compute(exampleSecret, sig, wantCanonical); got != wantSig {
		t.Errorf("Compute = %s, want %s", got, wantSig)
	}
	if _, err := verifierAt(exampleTime.Add(5*time.Minute)).Verify(context.Background(), r, nil); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// sdkCase is a request to sign with the AWS SDK's signer.
type sdkCase struct {
	name    string
	method  string
	url     string
	body    string
	headers [][2]string // added in order, so a name may repeat
	presign bool
	expires string // X-Amz-Expires for presigned requests
}

func (c sdkCase) sign(t *testing.T, keyID, secret string, at time.Time) (*http.Request, []byte) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	u := c.url
	if c.presign {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + "X-Amz-Expires=" + c.expires
	}
	r := httptest.NewRequest(method, u, body)
	for _, h := range c.headers {
		r.Header.Add(h[0], h[1])
	}
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}
	signer := v4.NewSigner()
	if !c.presign {
		if err := signer.SignHTTP(context.Background(), creds, r, bodyHash([]byte(c.body)), "ec2", "us-east-1", at); err != nil {
			t.Fatal(err)
		}
		return r, []byte(c.body)
	}
	signed, hdr, err := signer.PresignHTTP(context.Background(), creds, r, bodyHash([]byte(c.body)), "ec2", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	p := httptest.NewRequest(method, signed, nil)
	for k, vs := range hdr {
		if k != "Host" {
			p.Header[k] = vs
		}
	}
	return p, nil
}

var sdkCases = []sdkCase{
	{name: "form post", url: "http://localhost:4566/", body: "Action=DescribeImages&Version=2016-11-15&ImageId.1=ami-1",
		headers: [][2]string{{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}},
	{name: "get with query", method: http.MethodGet, url: "http://127.0.0.1:8080/?Version=2016-11-15&Action=DescribeImages"},
	{name: "query needing escapes", method: http.MethodGet,
		url: "http://localhost/?Filter.1.Value.1=a+b&Name=%E2%9C%93&Odd=~_-.&Empty=&Slash=a%2Fb&Star=*&Eq=a%3Db&Dup=2&Dup=1"},
	{name: "path needing escapes", method: http.MethodGet, url: "http://localhost/a%20b/c~d/%E2%9C%93"},
	{name: "json with target", url: "http://localhost/", body: `{"LicenseArn":"arn:aws:license-manager::123:license:l-1"}`,
		headers: [][2]string{{"X-Amz-Target", "AWSLicenseManager.GetLicense"}, {"Content-Type", "application/x-amz-json-1.1"}}},
	{name: "header with runs of spaces", url: "http://localhost/", body: "Action=X",
		headers: [][2]string{{"X-Custom", "  a   b    c  "}}},
	{name: "repeated header", url: "http://localhost/", body: "Action=X",
		headers: [][2]string{{"X-Custom", "one"}, {"X-Custom", "two"}}},
	{name: "empty body post", url: "http://localhost/?Action=X"},
	{name: "query key without value", method: http.MethodGet, url: "http://localhost/?Action=X&Flag&Other="},
	{name: "path with double slash and dots", method: http.MethodGet, url: "http://localhost//a/./b/../c"},
	{name: "presigned get", method: http.MethodGet, url: "http://localhost:4566/?Action=GetCallerIdentity&Version=2011-06-15", presign: true, expires: "300"},
	{name: "presigned with escapes", method: http.MethodGet, url: "http://localhost/?Action=X&Name=a%20b%2Fc", presign: true, expires: "60"},
}

func namedCase(name string) sdkCase {
	for _, c := range sdkCases {
		if c.name == name {
			return c
		}
	}
	panic("no SDK case " + name)
}

// TestVerifySDKSigned checks that whatever the AWS SDK signs, we accept.
func TestVerifySDKSigned(t *testing.T) {
	v := verifierAt(exampleTime)
	for _, c := range sdkCases {
		t.Run(c.name, func(t *testing.T) {
			r, body := c.sign(t, exampleKeyID, exampleSecret, exampleTime)
			sig, err := v.Verify(context.Background(), r, body)
			if err != nil {
				t.Fatalf("Verify: %v\nAuthorization: %s\nURL: %s", err, r.Header.Get("Authorization"), r.URL)
			}
			want := sigv4.Credential{AccessKeyID: exampleKeyID, Date: "20150830", Region: "us-east-1", Service: "ec2"}
			if diff := cmp.Diff(want, sig.Credential); diff != "" {
				t.Errorf("credential (-want +got):\n%s", diff)
			}
			if sig.Presigned != c.presign || !sig.Time.Equal(exampleTime) {
				t.Errorf("presigned %v time %s", sig.Presigned, sig.Time)
			}
		})
	}
}

// TestVerifyUnsignedHeadersIgnored checks that headers added after signing
// (as proxies do) do not break the signature.
func TestVerifyUnsignedHeadersIgnored(t *testing.T) {
	r, body := namedCase("form post").sign(t, exampleKeyID, exampleSecret, exampleTime)
	r.Header.Set("X-Forwarded-For", "10.0.0.1")
	r.Header.Set("User-Agent", "changed")
	if _, err := verifierAt(exampleTime).Verify(context.Background(), r, body); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	post := namedCase("form post")
	presigned := namedCase("presigned get")
	tests := []struct {
		name   string
		build  func(t *testing.T) (*http.Request, []byte)
		now    time.Time
		lookup sigv4.SecretLookup
		want   fault.Kind
	}{
		{name: "wrong secret", want: fault.BadSignature, build: func(t *testing.T) (*http.Request, []byte) {
			return post.sign(t, exampleKeyID, "not the secret", exampleTime)
		}},
		{name: "unknown key", want: fault.UnknownCredentials, build: func(t *testing.T) (*http.Request, []byte) {
			return post.sign(t, "AKIDNOBODY", exampleSecret, exampleTime)
		}},
		{name: "key store down", want: fault.Unavailable,
			lookup: func(context.Context, string) (string, error) { return "", fault.New(fault.Unavailable, "db down") },
			build: func(t *testing.T) (*http.Request, []byte) {
				return post.sign(t, exampleKeyID, exampleSecret, exampleTime)
			}},
		{name: "body changed", want: fault.BadSignature, build: func(t *testing.T) (*http.Request, []byte) {
			r, body := post.sign(t, exampleKeyID, exampleSecret, exampleTime)
			return r, append(body, "&ImageId.2=ami-2"...)
		}},
		{name: "signed header changed", want: fault.BadSignature, build: func(t *testing.T) (*http.Request, []byte) {
			r, body := post.sign(t, exampleKeyID, exampleSecret, exampleTime)
			r.Header.Set("Content-Type", "application/json")
			return r, body
		}},
		{name: "host changed", want: fault.BadSignature, build: func(t *testing.T) (*http.Request, []byte) {
			r, body := post.sign(t, exampleKeyID, exampleSecret, exampleTime)
			r.Host = "evil.example"
			return r, body
		}},
		{name: "query changed", want: fault.BadSignature, build: func(t *testing.T) (*http.Request, []byte) {
			r, body := namedCase("get with query").sign(t, exampleKeyID, exampleSecret, exampleTime)
			r.URL.RawQuery += "&ImageId.1=ami-1"
			return r, body
		}},
		{name: "method changed", want: fault.BadSignature, build: func(t *testing.T) (*http.Request, []byte) {
			r, body := namedCase("get with query").sign(t, exampleKeyID, exampleSecret, exampleTime)
			r.Method = http.MethodPost
			return r, body
		}},
		{name: "date header changed", want: fault.BadSignature, build: func(t *testing.T) (*http.Request, []byte) {
			r, body := post.sign(t, exampleKeyID, exampleSecret, exampleTime)
			r.Header.Set("X-Amz-Date", exampleTime.Add(time.Second).Format("20060102T150405Z"))
			return r, body
		}},
		{name: "credential date is not the request date", want: fault.BadSignature, build: func(t *testing.T) (*http.Request, []byte) {
			r, body := post.sign(t, exampleKeyID, exampleSecret, exampleTime)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20150830/", "/20150829/", 1))
			return r, body
		}},
		{name: "16 minutes old", now: exampleTime.Add(16 * time.Minute), want: fault.ClockSkew, build: func(t *testing.T) (*http.Request, []byte) {
			return post.sign(t, exampleKeyID, exampleSecret, exampleTime)
		}},
		{name: "16 minutes ahead", now: exampleTime.Add(-16 * time.Minute), want: fault.ClockSkew, build: func(t *testing.T) (*http.Request, []byte) {
			return post.sign(t, exampleKeyID, exampleSecret, exampleTime)
		}},
		{name: "presigned, expired", now: exampleTime.Add(301 * time.Second), want: fault.Expired, build: func(t *testing.T) (*http.Request, []byte) {
			return presigned.sign(t, exampleKeyID, exampleSecret, exampleTime)
		}},
		{name: "presigned, from the future", now: exampleTime.Add(-16 * time.Minute), want: fault.ClockSkew, build: func(t *testing.T) (*http.Request, []byte) {
			return presigned.sign(t, exampleKeyID, exampleSecret, exampleTime)
		}},
		{name: "presigned, expiry changed", want: fault.BadSignature, build: func(t *testing.T) (*http.Request, []byte) {
			r, body := presigned.sign(t, exampleKeyID, exampleSecret, exampleTime)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=300", "X-Amz-Expires=3000", 1)
			return r, body
		}},
		{name: "presigned, expiry too long", want: fault.MalformedSignature, build: func(t *testing.T) (*http.Request, []byte) {
			c := presigned
			c.expires = "604801"
			return c.sign(t, exampleKeyID, exampleSecret, exampleTime)
		}},
		{name: "presigned, no expiry", want: fault.MalformedSignature, build: func(t *testing.T) (*http.Request, []byte) {
			r, body := presigned.sign(t, exampleKeyID, exampleSecret, exampleTime)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=300", "", 1)
			return r, body
		}},
		{name: "unsigned", want: fault.Unauthenticated, build: func(t *testing.T) (*http.Request, []byte) {
			return httptest.NewRequest(http.MethodGet, "/?Action=X", nil), nil
		}},
		{name: "no date", want: fault.MalformedSignature, build: func(t *testing.T) (*http.Request, []byte) {
			r, body := post.sign(t, exampleKeyID, exampleSecret, exampleTime)
			r.Header.Del("X-Amz-Date")
			return r, body
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifierAt(exampleTime)
			if !tt.now.IsZero() {
				v = verifierAt(tt.now)
			}
			if tt.lookup != nil {
				v.Secrets = tt.lookup
			}
			r, body := tt.build(t)
			_, err := v.Verify(context.Background(), r, body)
			if err == nil {
				t.Fatalf("accepted, want %v", tt.want)
			}
			if got := fault.KindOf(err); got != tt.want {
				t.Errorf("kind %v, want %v: %v", got, tt.want, err)
			}
		})
	}
}

// TestPresignedExpiryBoundary checks that a presigned URL works up to and
// including its last second.
func TestPresignedExpiryBoundary(t *testing.T) {
	r, _ := namedCase("presigned get").sign(t, exampleKeyID, exampleSecret, exampleTime)
	for _, tc := range []struct {
		after time.Duration
		ok    bool
	}{{0, true}, {300 * time.Second, true}, {300*time.Second + time.Nanosecond, false}} {
		_, err := verifierAt(exampleTime.Add(tc.after)).Verify(context.Background(), r, nil)
		if (err == nil) != tc.ok {
			t.Errorf("%s after signing: err %v, want ok=%v", tc.after, err, tc.ok)
		}
	}
}

// TestVerifyDateHeader checks the Date header fallback when X-Amz-Date is
// absent.
func TestVerifyDateHeader(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "http://example.amazonaws.com/", nil)
	r.Header.Set("Date", exampleTime.Format(http.TimeFormat))
	sig := sigv4.Signature{
		Credential:    sigv4.Credential{AccessKeyID: exampleKeyID, Date: "20150830", Region: "us-east-1", Service: "service"},
		SignedHeaders: []string{"date", "host"},
		Time:          exampleTime,
	}
	s := sigv4.Compute(exampleSecret, sig, sigv4.CanonicalRequest(r, sig.SignedHeaders, emptyHash))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=date;host, Signature="+s)
	if _, err := verifierAt(exampleTime).Verify(context.Background(), r, nil); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

func TestParseAuthorization(t *testing.T) {
	sig64 := strings.Repeat("ab", 32)
	good := sigv4.Signature{
		Credential:    sigv4.Credential{AccessKeyID: "AKIDEXAMPLE", Date: "20150830", Region: "us-east-1", Service: "ec2"},
		SignedHeaders: []string{"content-type", "host", "x-amz-date"},
		Signature:     sig64,
	}
	tests := []struct {
		name   string
		header string
		want   sigv4.Signature
		kind   fault.Kind // when an error is wanted
	}{
		{name: "sdk form", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + sig64, want: good},
		{name: "no spaces", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request,SignedHeaders=content-type;host;x-amz-date,Signature=" + sig64, want: good},
		{name: "other order", header: "AWS4-HMAC-SHA256 Signature=" + sig64 + ", SignedHeaders=content-type;host;x-amz-date, Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request", want: good},
		{name: "upper-case hex", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + strings.ToUpper(sig64), want: good},
		{name: "surrounding space", header: "  AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + sig64 + "  ", want: good},
		{name: "empty", header: "", kind: fault.MalformedSignature},
		{name: "sigv2", header: "AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", kind: fault.MalformedSignature},
		{name: "sigv4a", header: "AWS4-ECDSA-P256-SHA256 Credential=AKID/20150830/ec2/aws4_request, SignedHeaders=host, Signature=" + sig64, kind: fault.MalformedSignature},
		{name: "algorithm only", header: "AWS4-HMAC-SHA256", kind: fault.MalformedSignature},
		{name: "no signature", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders=host", kind: fault.MalformedSignature},
		{name: "no credential", header: "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=" + sig64, kind: fault.MalformedSignature},
		{name: "part without =", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders, Signature=" + sig64, kind: fault.MalformedSignature},
		{name: "short scope", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/aws4_request, SignedHeaders=host, Signature=" + sig64, kind: fault.MalformedSignature},
		{name: "bad terminator", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws5_request, SignedHeaders=host, Signature=" + sig64, kind: fault.MalformedSignature},
		{name: "bad date", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015-08-30/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=" + sig64, kind: fault.MalformedSignature},
		{name: "empty key", header: "AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=" + sig64, kind: fault.MalformedSignature},
		{name: "host not signed", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders=x-amz-date, Signature=" + sig64, kind: fault.MalformedSignature},
		{name: "headers unsorted", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders=x-amz-date;host, Signature=" + sig64, kind: fault.MalformedSignature},
		{name: "headers upper-case", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders=Host, Signature=" + sig64, kind: fault.MalformedSignature},
		{name: "empty header name", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders=host;;x-amz-date, Signature=" + sig64, kind: fault.MalformedSignature},
		{name: "short signature", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=abcd", kind: fault.MalformedSignature},
		{name: "non-hex signature", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("zz", 32), kind: fault.MalformedSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sigv4.ParseAuthorization(tt.header)
			if tt.kind != fault.Internal || err != nil {
				if err == nil {
					t.Fatalf("parsed %+v, want a %v error", got, tt.kind)
				}
				if k := fault.KindOf(err); k != tt.kind {
					t.Errorf("kind %v, want %v: %v", k, tt.kind, err)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSigned(t *testing.T) {
	for _, tc := range []struct {
		target string
		auth   string
		want   bool
	}{
		{"/", "", false},
		{"/", "AWS4-HMAC-SHA256 x", true},
		{"/?X-Amz-Algorithm=AWS4-HMAC-SHA256", "", true},
		{"/?Action=X", "", false},
	} {
		r := httptest.NewRequest(http.MethodGet, tc.target, nil)
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		if got := sigv4.Signed(r); got != tc.want {
			t.Errorf("Signed(%s, %q) = %v", tc.target, tc.auth, got)
		}
	}
}

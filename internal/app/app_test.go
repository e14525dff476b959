package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/sdktest"
	"github.com/tollgate/tollgate/internal/store"
)

const (
	region       = "us-east-1"
	stsQuery     = "Action=GetCallerIdentity&Version=2011-06-15"
	formEncoding = "application/x-www-form-urlencoded; charset=utf-8"
)

// testServer is an in-process Tollgate behind an httptest server.
type testServer struct {
	App  *app.App
	URL  string
	Wall *clock.Manual // the clock signatures are checked against
}

// startServer opens an App on a fresh SQLite store and serves it. cfg.Store
// and cfg.WallClock are filled in; the wall clock is a manual clock set to
// the real time, offset by skew.
func startServer(t *testing.T, cfg app.Config, skew time.Duration) *testServer {
	t.Helper()
	wall := clock.NewManual(time.Now().Add(skew))
	cfg.Store = store.Config{DataDir: t.TempDir()}
	cfg.WallClock = wall
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		if err := a.Close(); err != nil {
			t.Errorf("closing the app: %v", err)
		}
	})
	return &testServer{App: a, URL: srv.URL, Wall: wall}
}

func createAccount(t *testing.T, a *app.App, name string) (account.Account, account.AccessKey) {
	t.Helper()
	acct, key, err := a.Accounts.Create(context.Background(), account.CreateAccountInput{Name: name})
	if err != nil {
		t.Fatalf("creating account %q: %v", name, err)
	}
	return acct, key
}

// stsClient is a stock aws-sdk-go-v2 STS client pointed at url, without
// retries so that every error surfaces at once.
func stsClient(url, keyID, secret string) *sts.Client {
	return sts.New(sts.Options{HTTPClient: sdktest.HTTPClient(),
		Region:           region,
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		RetryMaxAttempts: 1,
		Retryer:          aws.NopRetryer{},
	})
}

// identity is what GetCallerIdentity reports.
type identity struct {
	Account, UserID, Arn string
}

func identityFor(accountID string) identity {
	return identity{Account: accountID, UserID: accountID, Arn: "arn:aws:iam::" + accountID + ":root"}
}

// callerIdentity calls GetCallerIdentity and returns the identity, or the
// AWS error code.
func callerIdentity(t *testing.T, c *sts.Client) (identity, string) {
	t.Helper()
	out, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		return identity{}, errorCode(t, err)
	}
	return identity{Account: aws.ToString(out.Account), UserID: aws.ToString(out.UserId), Arn: aws.ToString(out.Arn)}, ""
}

// errorCode returns the AWS error code the SDK read from the response.
func errorCode(t *testing.T, err error) string {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want an AWS API error, got %T: %v", err, err)
	}
	return apiErr.ErrorCode()
}

func TestStrictAuthWithSDK(t *testing.T) {
	ts := startServer(t, app.Config{}, 0)
	acct, key := createAccount(t, ts.App, "alice")
	skewed := startServer(t, app.Config{}, 20*time.Minute)
	_, skewedKey := createAccount(t, skewed.App, "bob")

	tests := []struct {
		name     string
		url      string
		keyID    string
		secret   string
		want     identity
		wantCode string
	}{
		{name: "correct key", url: ts.URL, keyID: key.ID, secret: key.Secret, want: identityFor(acct.ID)},
		{name: "wrong secret", url: ts.URL, keyID: key.ID, secret: strings.Repeat("x", 40), wantCode: "SignatureDoesNotMatch"},
		{name: "unknown key", url: ts.URL, keyID: "AKIAUNKNOWNUNKNOWN00", secret: key.Secret, wantCode: "InvalidClientTokenId"},
		{name: "server clock 20 minutes ahead", url: skewed.URL, keyID: skewedKey.ID, secret: skewedKey.Secret, wantCode: "RequestTimeTooSkewed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code := callerIdentity(t, stsClient(tt.url, tt.keyID, tt.secret))
			if diff := cmp.Diff(tt.wantCode, code); diff != "" {
				t.Fatalf("error code (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
}

// wireError is an AWS Query ErrorResponse.
type wireError struct {
	Status int
	Type   string
	Code   string
}

type queryErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// do sends req and returns the status and body.
func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	return resp, body
}

// queryError sends req and decodes the Query ErrorResponse it must get.
func queryError(t *testing.T, req *http.Request) wireError {
	t.Helper()
	resp, body := do(t, req)
	var e queryErrorResponse
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("HTTP %d, body is not an ErrorResponse: %v\n%s", resp.StatusCode, err, body)
	}
	if e.Message == "" || e.RequestID == "" {
		t.Errorf("ErrorResponse lacks a message or request ID:\n%s", body)
	}
	return wireError{Status: resp.StatusCode, Type: e.Type, Code: e.Code}
}

func hashHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// signedPost builds a POST of body signed at signAt with the SDK's signer
// over signedBody (normally the same as body).
func signedPost(t *testing.T, url string, key account.AccessKey, body, signedBody string, signAt time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", formEncoding)
	creds := aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hashHex([]byte(signedBody)), "sts", region, signAt); err != nil {
		t.Fatalf("signing: %v", err)
	}
	return req
}

func TestStrictAuthRawRequests(t *testing.T) {
	ts := startServer(t, app.Config{}, 0)
	_, key := createAccount(t, ts.App, "alice")
	now := ts.Wall.Now()

	unsigned, err := http.NewRequest(http.MethodPost, ts.URL+"/", strings.NewReader(stsQuery))
	if err != nil {
		t.Fatal(err)
	}
	unsigned.Header.Set("Content-Type", formEncoding)

	tests := []struct {
		name string
		req  *http.Request
		want wireError
	}{
		{
			name: "missing signature",
			req:  unsigned,
			want: wireError{Status: http.StatusForbidden, Type: "Sender", Code: "MissingAuthenticationToken"},
		},
		{
			name: "tampered body",
			req:  signedPost(t, ts.URL, key, stsQuery+"&Extra=1", stsQuery, now),
			want: wireError{Status: http.StatusForbidden, Type: "Sender", Code: "SignatureDoesNotMatch"},
		},
		{
			name: "signed 20 minutes ago",
			req:  signedPost(t, ts.URL, key, stsQuery, stsQuery, now.Add(-20*time.Minute)),
			want: wireError{Status: http.StatusForbidden, Type: "Sender", Code: "RequestTimeTooSkewed"},
		},
		{
			name: "signed 20 minutes ahead",
			req:  signedPost(t, ts.URL, key, stsQuery, stsQuery, now.Add(20*time.Minute)),
			want: wireError{Status: http.StatusForbidden, Type: "Sender", Code: "RequestTimeTooSkewed"},
		},
		{
			name: "unknown action, signed",
			req:  signedPost(t, ts.URL, key, "Action=NoSuchThing&Version=2011-06-15", "Action=NoSuchThing&Version=2011-06-15", now),
			want: wireError{Status: http.StatusBadRequest, Type: "Sender", Code: "InvalidAction"},
		},
		{
			// Refused from its headers, before its body (and so its
			// Action) is read.
			name: "unknown action, unsigned",
			req: func() *http.Request {
				r, err := http.NewRequest(http.MethodPost, ts.URL+"/", strings.NewReader("Action=NoSuchThing"))
				if err != nil {
					t.Fatal(err)
				}
				r.Header.Set("Content-Type", formEncoding)
				return r
			}(),
			want: wireError{Status: http.StatusForbidden, Type: "Sender", Code: "MissingAuthenticationToken"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, queryError(t, tt.req)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("correctly signed raw request", func(t *testing.T) {
		resp, body := do(t, signedPost(t, ts.URL, key, stsQuery, stsQuery, now))
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<Account>"+key.AccountID+"</Account>") {
			t.Errorf("HTTP %d:\n%s", resp.StatusCode, body)
		}
	})
}

func TestPresignedURL(t *testing.T) {
	ts := startServer(t, app.Config{}, 0)
	acct, key := createAccount(t, ts.App, "alice")
	signedAt := ts.Wall.Now()

	req, err := http.NewRequest(http.MethodGet, ts.URL+"/?"+stsQuery+"&X-Amz-Expires=60", nil)
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}
	presigned, header, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, hashHex(nil), "sts", region, signedAt)
	if err != nil {
		t.Fatalf("presigning: %v", err)
	}
	get := func(t *testing.T) *http.Request {
		t.Helper()
		r, err := http.NewRequest(http.MethodGet, presigned, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range header {
			if k != "Host" {
				r.Header[k] = vs
			}
		}
		return r
	}

	tests := []struct {
		name    string
		at      time.Time
		wantErr wireError // zero for success
	}{
		{name: "fresh", at: signedAt},
		{name: "59 seconds later", at: signedAt.Add(59 * time.Second)},
		{name: "61 seconds later", at: signedAt.Add(61 * time.Second),
			wantErr: wireError{Status: http.StatusForbidden, Type: "Sender", Code: "RequestExpired"}},
		{name: "an hour later", at: signedAt.Add(time.Hour),
			wantErr: wireError{Status: http.StatusForbidden, Type: "Sender", Code: "RequestExpired"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts.Wall.Set(tt.at)
			if tt.wantErr != (wireError{}) {
				if diff := cmp.Diff(tt.wantErr, queryError(t, get(t))); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
				return
			}
			resp, body := do(t, get(t))
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<Arn>"+identityFor(acct.ID).Arn+"</Arn>") {
				t.Errorf("HTTP %d:\n%s", resp.StatusCode, body)
			}
		})
	}
}

func TestEmulatorAuth(t *testing.T) {
	ts := startServer(t, app.Config{Auth: app.AuthEmulator}, 0)
	acct, key := createAccount(t, ts.App, "alice")

	tests := []struct {
		name   string
		keyID  string
		secret string
		want   identity
	}{
		{name: "12-digit key selects that account", keyID: "210987654321", secret: "anything", want: identityFor("210987654321")},
		{name: "other key maps to the default account", keyID: "AKIARANDOMRANDOM0000", secret: "anything", want: identityFor(app.DefaultEmulatorAccount)},
		{name: "short numeric key maps to the default account", keyID: "12345", secret: "anything", want: identityFor(app.DefaultEmulatorAccount)},
		{name: "registered key acts as its account", keyID: key.ID, secret: key.Secret, want: identityFor(acct.ID)},
		{name: "registered key with a wrong secret still acts as its account", keyID: key.ID, secret: "wrong", want: identityFor(acct.ID)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code := callerIdentity(t, stsClient(ts.URL, tt.keyID, tt.secret))
			if code != "" {
				t.Fatalf("GetCallerIdentity failed: %s", code)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("unsigned request acts as the default account", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, ts.URL+"/", strings.NewReader(stsQuery))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", formEncoding)
		resp, body := do(t, req)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<Account>"+app.DefaultEmulatorAccount+"</Account>") {
			t.Errorf("HTTP %d:\n%s", resp.StatusCode, body)
		}
	})
}

func TestEmulatorReset(t *testing.T) {
	for _, path := range []string{"/_tollgate/reset", "/moto-api/reset"} {
		t.Run(path, func(t *testing.T) {
			ts := startServer(t, app.Config{Auth: app.AuthEmulator}, 0)
			acct, key := createAccount(t, ts.App, "alice")
			client := stsClient(ts.URL, key.ID, key.Secret)
			if got, code := callerIdentity(t, client); code != "" || got != identityFor(acct.ID) {
				t.Fatalf("before reset: got %+v, error %q; want account %s", got, code, acct.ID)
			}

			req, err := http.NewRequest(http.MethodPost, ts.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, body := do(t, req)
			var status struct{ Status string }
			if err := json.Unmarshal(body, &status); err != nil || resp.StatusCode != http.StatusOK || status.Status != "reset" {
				t.Fatalf("POST %s: HTTP %d: %s", path, resp.StatusCode, body)
			}

			got, code := callerIdentity(t, client)
			if code != "" {
				t.Fatalf("after reset: GetCallerIdentity failed: %s", code)
			}
			if diff := cmp.Diff(identityFor(app.DefaultEmulatorAccount), got); diff != "" {
				t.Errorf("after reset, the deleted key should act as the default account (-want +got):\n%s", diff)
			}
			if _, err := ts.App.Accounts.Get(context.Background(), acct.ID); err == nil {
				t.Errorf("account %s still exists after reset", acct.ID)
			}
		})
	}
}

func TestResetNotServedInStrictMode(t *testing.T) {
	ts := startServer(t, app.Config{}, 0)
	acct, _ := createAccount(t, ts.App, "alice")
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/_tollgate/reset", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := do(t, req); resp.StatusCode < 400 || resp.StatusCode >= 500 {
		t.Errorf("POST /_tollgate/reset in strict mode: HTTP %d: %s", resp.StatusCode, body)
	}
	if _, err := ts.App.Accounts.Get(context.Background(), acct.ID); err != nil {
		t.Errorf("strict-mode reset request deleted the account: %v", err)
	}
}

func TestUnknownOperations(t *testing.T) {
	ts := startServer(t, app.Config{}, 0)
	_, key := createAccount(t, ts.App, "alice")
	now := ts.Wall.Now()

	type jsonError struct {
		Status    int
		ErrorType string // X-Amzn-ErrorType
		Type      string `json:"__type"`
	}
	unknownOp := jsonError{Status: http.StatusBadRequest, ErrorType: "UnknownOperationException", Type: "UnknownOperationException"}
	tests := []struct {
		target string
		signed bool
		want   jsonError
	}{
		{"AWSNoSuchService.DoThing", false, unknownOp},
		{"AWSNoSuchService.DoThing", true, unknownOp},
		{"NoDot", false, unknownOp},
		{".", true, unknownOp},
		{"AWSLicenseManager.NoSuchOperation", true, unknownOp},
		// A known service authenticates before it looks for the operation.
		{"AWSLicenseManager.NoSuchOperation", false, jsonError{Status: http.StatusForbidden,
			ErrorType: "MissingAuthenticationTokenException", Type: "MissingAuthenticationTokenException"}},
	}
	for _, tt := range tests {
		name := tt.target
		if tt.signed {
			name += " signed"
		}
		t.Run(name, func(t *testing.T) {
			body := `{}`
			req, err := http.NewRequest(http.MethodPost, ts.URL+"/", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Target", tt.target)
			if tt.signed {
				creds := aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}
				if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hashHex([]byte(body)), "license-manager", region, now); err != nil {
					t.Fatal(err)
				}
			}
			resp, respBody := do(t, req)
			got := jsonError{Status: resp.StatusCode, ErrorType: resp.Header.Get("X-Amzn-ErrorType")}
			var fields struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(respBody, &fields); err != nil {
				t.Fatalf("HTTP %d, body is not JSON: %v\n%s", resp.StatusCode, err, respBody)
			}
			got.Type = fields.Type
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if fields.Message == "" {
				t.Errorf("no message: %s", respBody)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

// TestNeverInternalError sends malformed requests of many kinds; each must
// be refused with a 4xx, never a 5xx.
// TestNeverInternalError sends malformed requests, among them invalid UTF-8
// wherever a client can put it, in both auth modes: each gets a 4xx in its
// protocol's format (JSON for X-Amz-Target, XML otherwise), never a 5xx and
// never a dropped connection.
func TestNeverInternalError(t *testing.T) {
	for _, mode := range []string{app.AuthStrict, app.AuthEmulator} {
		t.Run(mode, func(t *testing.T) { neverInternalError(t, mode) })
	}
}

func neverInternalError(t *testing.T, mode string) {
	ts := startServer(t, app.Config{Auth: mode}, 0)
	_, key := createAccount(t, ts.App, "alice")
	now := ts.Wall.Now()
	amzDate := now.UTC().Format("20060102T150405Z")
	scope := key.ID + "/" + now.UTC().Format("20060102") + "/us-east-1/sts/aws4_request"

	tests := []struct {
		name    string
		method  string
		query   string
		body    string
		headers map[string]string
	}{
		{name: "bad form encoding", method: "POST", body: "Action=%zz", headers: map[string]string{"Content-Type": formEncoding}},
		{name: "semicolon in form", method: "POST", body: "Action=GetCallerIdentity;x", headers: map[string]string{"Content-Type": formEncoding}},
		{name: "no action", method: "POST", body: "Version=2011-06-15", headers: map[string]string{"Content-Type": formEncoding}},
		{name: "garbage authorization", method: "POST", body: stsQuery, headers: map[string]string{"Content-Type": formEncoding, "Authorization": "AWS4-HMAC-SHA256 garbage"}},
		{name: "sigv2-style authorization", method: "POST", body: stsQuery, headers: map[string]string{"Content-Type": formEncoding, "Authorization": "AWS AKIA:abc"}},
		{name: "no date", method: "POST", body: stsQuery, headers: map[string]string{"Content-Type": formEncoding,
			"Authorization": "AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=host, Signature=" + strings.Repeat("0", 64)}},
		{name: "bad date", method: "POST", body: stsQuery, headers: map[string]string{"Content-Type": formEncoding, "X-Amz-Date": "yesterday",
			"Authorization": "AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=host, Signature=" + strings.Repeat("0", 64)}},
		{name: "zero signature", method: "POST", body: stsQuery, headers: map[string]string{"Content-Type": formEncoding, "X-Amz-Date": amzDate,
			"Authorization": "AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("0", 64)}},
		{name: "presigned without expiry", method: "GET", query: stsQuery + "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + url.QueryEscape(scope) +
			"&X-Amz-Date=" + amzDate + "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + strings.Repeat("a", 64)},
		{name: "presigned with a week and a second", method: "GET", query: stsQuery + "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + url.QueryEscape(scope) +
			"&X-Amz-Date=" + amzDate + "&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&X-Amz-Signature=" + strings.Repeat("a", 64)},
		{name: "unknown algorithm in query", method: "GET", query: stsQuery + "&X-Amz-Algorithm=HMAC-MD5"},
		{name: "JSON with wrong content type", method: "POST", body: "{}", headers: map[string]string{"X-Amz-Target": "AWSLicenseManager.ListLicenses", "Content-Type": "text/plain"}},
		{name: "JSON body not an object", method: "POST", body: "[1,2]", headers: map[string]string{"X-Amz-Target": "AWSLicenseManager.ListLicenses"}},
		{name: "very long action", method: "POST", body: "Action=" + strings.Repeat("A", 10000), headers: map[string]string{"Content-Type": formEncoding}},
		{name: "EC2 action unsigned", method: "POST", body: "Action=DescribeImages&Version=2016-11-15", headers: map[string]string{"Content-Type": formEncoding}},
		// Invalid UTF-8 once reached a Prometheus label and panicked.
		{name: "action of invalid UTF-8", method: "POST", body: "Action=%FF", headers: map[string]string{"Content-Type": formEncoding}},
		{name: "action of invalid UTF-8, known version", method: "POST", body: "Action=%FF%FE&Version=2011-06-15", headers: map[string]string{"Content-Type": formEncoding}},
		{name: "action of invalid UTF-8 in the URL", method: "GET", query: "Action=%C3%28&Version=%FF"},
		{name: "target operation of invalid UTF-8", method: "POST", body: "{}", headers: map[string]string{"X-Amz-Target": "AWSLicenseManager.\xff", "Content-Type": "application/x-amz-json-1.1"}},
		{name: "target service of invalid UTF-8", method: "POST", body: "{}", headers: map[string]string{"X-Amz-Target": "\xff\xfe.\xc3\x28"}},
		{name: "content type of invalid UTF-8", method: "POST", body: "{}", headers: map[string]string{"X-Amz-Target": "AWSLicenseManager.ListLicenses", "Content-Type": "\xff"}},
		{name: "credential scope of invalid UTF-8", method: "POST", body: stsQuery, headers: map[string]string{"Content-Type": formEncoding, "X-Amz-Date": amzDate,
			"Authorization": "AWS4-HMAC-SHA256 Credential=\xff/" + now.UTC().Format("20060102") + "/\xfe/\xfd/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("0", 64)}},
		{name: "JSON string of invalid UTF-8", method: "POST", body: "{\"Filters\":[{\"Name\":\"\xff\"}]}", headers: map[string]string{"X-Amz-Target": "AWSLicenseManager.ListLicenses", "Content-Type": "application/x-amz-json-1.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := ts.URL + "/"
			if tt.query != "" {
				u += "?" + tt.query
			}
			req, err := http.NewRequest(tt.method, u, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, body := do(t, req)
			// The emulator accepts any signature, or none.
			if resp.StatusCode >= 500 || (mode == app.AuthStrict && resp.StatusCode < 400) {
				t.Errorf("HTTP %d, want 4xx:\n%s", resp.StatusCode, body)
			}
			if resp.StatusCode >= 400 {
				checkFormat(t, resp, body, tt.headers["X-Amz-Target"] != "")
			}
		})
	}
}

// checkFormat fails unless an AWS error response is in its protocol's
// format: a JSON object naming the error for JSON 1.1, one XML element
// otherwise.
func checkFormat(t *testing.T, resp *http.Response, body []byte, json11 bool) {
	t.Helper()
	if json11 {
		var fields struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(body, &fields); err != nil || fields.Type == "" || fields.Message == "" ||
			resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
			t.Errorf("not a JSON 1.1 error (%s, %v): %s", resp.Header.Get("Content-Type"), err, body)
		}
		return
	}
	var root struct{ XMLName xml.Name }
	if err := xml.Unmarshal(body, &root); err != nil || resp.Header.Get("Content-Type") != "text/xml" {
		t.Errorf("not an XML error (%s, %v): %s", resp.Header.Get("Content-Type"), err, body)
	}
}

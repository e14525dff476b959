package awsapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxml "github.com/aws/aws-sdk-go-v2/aws/protocol/xml"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/awsapi"
)

// tripwire is a request body that counts the bytes read from it and would
// give MaxBodyBytes of them.
type tripwire struct{ read atomic.Int64 }

func (t *tripwire) Read(p []byte) (int, error) {
	n := len(p)
	left := int64(awsapi.MaxBodyBytes) - t.read.Load()
	if left <= 0 {
		return 0, io.EOF
	}
	n = int(min(int64(n), left))
	clear(p[:n])
	t.read.Add(int64(n))
	return n, nil
}

// TestRefusedBeforeBody: a request whose headers condemn it is answered
// without a byte of its body read, in its protocol's format.
func TestRefusedBeforeBody(t *testing.T) {
	rt := awsapi.NewRouter(awsapi.NewStrict(newFakeKeys(aliceKey).Lookup, fixedNow(signTime)), discardLog(), nil,
		ec2Service(), queryService(), jsonService())
	signed := func(key account.AccessKey, service string, at time.Time) map[string]string {
		r := httptest.NewRequest(http.MethodPost, "http://localhost/", nil)
		creds := aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}
		if err := v4.NewSigner().SignHTTP(t.Context(), creds, r, sha256Hex([]byte("x")), service, "us-east-1", at); err != nil {
			t.Fatal(err)
		}
		return map[string]string{"Authorization": r.Header.Get("Authorization"), "X-Amz-Date": r.Header.Get("X-Amz-Date")}
	}
	expired := httptest.NewRequest(http.MethodPost, "http://localhost/?Action=Echo&Version=2020-01-01&X-Amz-Expires=60", nil)
	tests := []struct {
		name     string
		query    string
		headers  map[string]string
		json     bool
		wantCode string
	}{
		{"unsigned query", "", nil, false, "MissingAuthenticationToken"},
		{"unsigned json", "", nil, true, "MissingAuthenticationTokenException"},
		{"malformed authorization", "", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=nonsense"}, false, "IncompleteSignature"},
		{"unknown key, ec2 scope", "", signed(bobKey, "ec2", signTime), false, "AuthFailure"},
		{"unknown key, query scope", "", signed(bobKey, "fakequery", signTime), false, "InvalidClientTokenId"},
		{"unknown key, json", "", signed(bobKey, "fakejson", signTime), true, "UnrecognizedClientException"},
		{"skewed", "", signed(aliceKey, "fakequery", signTime.Add(-time.Hour)), false, "RequestTimeTooSkewed"},
		{"bad X-Amz-Date", "", map[string]string{"Authorization": signed(aliceKey, "fakequery", signTime)["Authorization"], "X-Amz-Date": "yesterday"}, false, "IncompleteSignature"},
		{"presigned, expired", presignedAt(t, expired, signTime.Add(-2*time.Minute)), nil, false, "RequestExpired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &tripwire{}
			target := "/"
			if tt.query != "" {
				target += "?" + tt.query
			}
			r := httptest.NewRequest(http.MethodPost, "http://localhost"+target, body)
			r.ContentLength = awsapi.MaxBodyBytes
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.json {
				r.Header.Set("Content-Type", "application/x-amz-json-1.1")
				r.Header.Set("X-Amz-Target", jsonPrefix+".Echo")
			}
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, r)
			if n := body.read.Load(); n != 0 {
				t.Errorf("read %d bytes of the body of a request refused from its headers", n)
			}
			if got := errorCode(t, w); got != tt.wantCode {
				t.Errorf("code %q, want %q (HTTP %d %s)", got, tt.wantCode, w.Code, w.Body)
			}
			if w.Code < 400 || w.Code >= 500 {
				t.Errorf("HTTP %d", w.Code)
			}
		})
	}
}

// presignedAt presigns r with alice's key at the given time.
func presignedAt(t *testing.T, r *http.Request, at time.Time) string {
	t.Helper()
	signed, _, err := v4.NewSigner().PresignHTTP(t.Context(), aws.Credentials{AccessKeyID: aliceKey.ID, SecretAccessKey: aliceKey.Secret}, r, sha256Hex(nil), "fakequery", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	_, query, _ := strings.Cut(signed, "?")
	return query
}

// errorCode reads the error code of a response in any of the protocols.
func errorCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	if w.Header().Get("Content-Type") == "application/x-amz-json-1.1" {
		var fields struct {
			Type string `json:"__type"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &fields); err != nil {
			t.Fatalf("not JSON: %v: %s", err, w.Body)
		}
		return fields.Type
	}
	if bytes.Contains(w.Body.Bytes(), []byte("<Response><Errors>")) {
		start, end := bytes.Index(w.Body.Bytes(), []byte("<Code>")), bytes.Index(w.Body.Bytes(), []byte("</Code>"))
		if start < 0 || end < start {
			t.Fatalf("EC2 error without a code: %s", w.Body)
		}
		return string(w.Body.Bytes()[start+len("<Code>") : end])
	}
	got, err := awsxml.GetErrorResponseComponents(bytes.NewReader(w.Body.Bytes()), false)
	if err != nil {
		t.Fatalf("not a Query error: %v: %s", err, w.Body)
	}
	return got.Code
}

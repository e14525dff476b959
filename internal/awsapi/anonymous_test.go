package awsapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/awsapi"
)

// anonymousRouter serves a Query and a JSON service, each with one
// operation served unsigned (Exchange) and one not (Echo), and each
// allowing one operation (Echo) to principals limited to a license.
func anonymousRouter(auth awsapi.Authenticator) *awsapi.Router {
	q, j := queryService(), jsonService()
	for _, s := range []*awsapi.Service{q, j} {
		s.Operations["Exchange"] = func(_ context.Context, call *awsapi.Call) (any, error) {
			return echoResult{Account: "anonymous:" + call.Principal.AccountID}, nil
		}
		s.Anonymous = []string{"Exchange"}
		s.Scoped = []string{"Echo"}
	}
	return awsapi.NewRouter(auth, discardLog(), nil, q, j)
}

// TestAnonymousOperations: in strict mode an unsigned request reaches only
// the operations a service serves unsigned, as a principal with no account;
// an unsigned Query request's body is read to find its Action only when it
// is small.
func TestAnonymousOperations(t *testing.T) {
	rt := anonymousRouter(awsapi.NewStrict(newFakeKeys(aliceKey).Lookup, fixedNow(signTime)))
	send := func(json bool, op string, body string, length int64) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "http://localhost/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if json {
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			r.Header.Set("X-Amz-Target", jsonPrefix+"."+op)
		}
		if length != 0 {
			r.ContentLength = length
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		return w
	}
	if w := send(true, "Exchange", "{}", 0); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "anonymous:") {
		t.Errorf("unsigned JSON Exchange: HTTP %d %s", w.Code, w.Body)
	}
	if w := send(false, "", "Action=Exchange&Version="+queryVersion, 0); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "anonymous:") {
		t.Errorf("unsigned Query Exchange: HTTP %d %s", w.Code, w.Body)
	}
	for _, tt := range []struct {
		name   string
		json   bool
		op     string
		body   string
		length int64
		want   string
	}{
		{"JSON Echo", true, "Echo", "{}", 0, "MissingAuthenticationTokenException"},
		{"Query Echo", false, "", "Action=Echo&Version=" + queryVersion, 0, "MissingAuthenticationToken"},
		{"Query Exchange with a large body", false, "", "Action=Exchange&Version=" + queryVersion, 1 << 20, "MissingAuthenticationToken"},
	} {
		if got := errorCode(t, send(tt.json, tt.op, tt.body, tt.length)); got != tt.want {
			t.Errorf("unsigned %s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestScopedPrincipal: a principal limited to one license calls only the
// operations its service allows such principals.
func TestScopedPrincipal(t *testing.T) {
	scoped := fakeAuth{principal: account.Principal{AccountID: "123456789012", AccessKeyID: "ASIAFAKE", RoleArn: "arn:aws:iam::123456789012:role/r",
		SessionName: "s", License: "arn:aws:license-manager::123456789012:license:l-1"}, region: "us-east-1"}
	rt := anonymousRouter(scoped)
	call := func(op string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "http://localhost/", strings.NewReader("{}"))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", jsonPrefix+"."+op)
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		return w
	}
	if w := call("Echo"); w.Code != http.StatusOK {
		t.Errorf("scoped Echo: HTTP %d %s", w.Code, w.Body)
	}
	if got := errorCode(t, call("Empty")); got != "AccessDeniedException" {
		t.Errorf("scoped Empty: %q, want AccessDeniedException", got)
	}
}

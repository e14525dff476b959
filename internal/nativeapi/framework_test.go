package nativeapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/logtest"
	"github.com/tollgate/tollgate/internal/nativeapi/apitest"
)

// The keys the framework tests sign with.
var testKeys = map[string]account.AccessKey{
	"AKIASELLER0000000001": {ID: "AKIASELLER0000000001", Secret: "seller-secret", AccountID: "222222222222"},
	"AKIABUYER00000000001": {ID: "AKIABUYER00000000001", Secret: "buyer-secret", AccountID: "333333333333"},
}

func lookupKey(_ context.Context, id string) (account.AccessKey, error) {
	if k, ok := testKeys[id]; ok {
		return k, nil
	}
	return account.AccessKey{}, fault.New(fault.NotFound, "no key %s", id)
}

// echoBody is a request body with one field of each kind the API uses.
type echoBody struct {
	Name  string            `json:"Name,omitempty"`
	Count int               `json:"Count,omitempty"`
	Tags  []string          `json:"Tags,omitempty"`
	Price map[string]string `json:"Price,omitempty"`
}

type echoInput struct{ Body echoBody }
type echoOutput struct{ Body echoBody }

type failInput struct {
	Kind string `query:"Kind"`
}

// testRoutes are small routes that exercise the framework: a body echoed
// back, errors of each kind, every invalid field at once, and a panic.
func testRoutes(a *API) {
	a.registerWhoAmI()
	registerOp(a, operation("Echo", http.MethodPost, "/v1/test/echo", "Test", http.StatusCreated, "echo", "echo"),
		func(_ context.Context, in *echoInput) (*echoOutput, error) { return &echoOutput{Body: in.Body}, nil })
	registerOp(a, operation("Fail", http.MethodGet, "/v1/test/fail", "Test", http.StatusOK, "fail", "fail"),
		func(_ context.Context, in *failInput) (*echoOutput, error) {
			switch in.Kind {
			case "fields":
				return nil, fault.InvalidFields([]fault.FieldError{
					{Field: "Name", Code: "required", Message: "is required"},
					{Field: "Pricing.Hourly.m5.large", Code: "negative", Message: "must not be negative"},
					{Field: "InstanceTypes[1]", Code: "unknown_instance_type", Message: "is not in the operator's catalogue"},
				})
			case "internal":
				return nil, fault.Wrap(errors.New("pq: password authentication failed for user secretuser"), "store: read")
			case "plain":
				return nil, errors.New("an unclassified error mentioning /etc/secret")
			case "panic":
				panic("boom at /home/secret")
			}
			for _, k := range fault.Kinds() {
				if k.String() == in.Kind {
					return nil, fault.New(k, "a %s problem", k)
				}
			}
			return &echoOutput{}, nil
		})
}

type testServer struct {
	URL    string
	API    *API
	Client *apitest.Client
	Log    *logtest.Buffer
	Wall   time.Time
}

// startTest serves the framework's test routes with auth as given (nil:
// strict over testKeys).
func startTest(t *testing.T, auth awsapi.Authenticator, sessions SessionLookup) *testServer {
	t.Helper()
	return startTestConfig(t, Config{Auth: auth, Sessions: sessions})
}

func startTestConfig(t *testing.T, cfg Config) *testServer {
	t.Helper()
	if cfg.Auth == nil {
		cfg.Auth = awsapi.NewStrict(lookupKey, time.Now)
	}
	var log logtest.Buffer
	cfg.Log = slog.New(slog.NewTextHandler(&log, nil))
	api := build(cfg, testRoutes)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	c := &apitest.Client{T: t, BaseURL: srv.URL, Key: "AKIABUYER00000000001", Secret: "buyer-secret"}
	return &testServer{URL: srv.URL, API: api, Client: c, Log: &log}
}

func problemOf(t *testing.T, r *apitest.Response) Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != ProblemContentType {
		t.Errorf("Content-Type %q, want %q", ct, ProblemContentType)
	}
	var p Problem
	r.JSON(t, &p)
	if p.Status != r.Status {
		t.Errorf("problem status %d, HTTP status %d", p.Status, r.Status)
	}
	if p.Type != "urn:tollgate:problem:"+string(p.Code) || p.Title == "" || p.Detail == "" {
		t.Errorf("problem lacks a standard member: %+v", p)
	}
	return p
}

func TestSigV4(t *testing.T) {
	s := startTest(t, nil, nil)
	whoami := func(c *apitest.Client) *apitest.Response { return c.Do(http.MethodGet, "/v1/whoami", nil) }

	var who WhoAmI
	whoami(s.Client).Want(t, http.StatusOK).JSON(t, &who)
	want := WhoAmI{AccountId: "333333333333", Arn: "arn:aws:iam::333333333333:root", AccessKeyId: "AKIABUYER00000000001", AuthenticatedBy: "sigv4"}
	if diff := cmp.Diff(want, who); diff != "" {
		t.Errorf("whoami (-want +got):\n%s", diff)
	}
	// Another region signs as well: the region is the client's choice.
	other := *s.Client
	other.Region = "eu-west-3"
	whoami(&other).Want(t, http.StatusOK)

	skewed := *s.Client
	skewed.Now = func() time.Time { return time.Now().Add(-20 * time.Minute) }
	wrongService := *s.Client
	wrongService.Service = "sts"
	for _, tc := range []struct {
		name   string
		client *apitest.Client
		status int
		code   ProblemCode
		detail string
	}{
		{"unsigned", s.Client.As("", ""), 401, "unauthenticated", "Missing Authentication Token"},
		{"wrong secret", s.Client.As("AKIABUYER00000000001", "not-the-secret"), 401, "signature_mismatch", "signature"},
		{"unknown key", s.Client.As("AKIAUNKNOWN000000000", "x"), 401, "unknown_access_key", "invalid"},
		{"clock skew", &skewed, 401, "request_time_skewed", "Signature expired"},
		{"signed for another service", &wrongService, 401, "signature_mismatch", `for the service "tollgate"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := whoami(tc.client)
			p := problemOf(t, r.Want(t, tc.status))
			if p.Code != tc.code || !strings.Contains(strings.ToLower(p.Detail), strings.ToLower(tc.detail)) {
				t.Errorf("got %s %q, want %s containing %q", p.Code, p.Detail, tc.code, tc.detail)
			}
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("a 401 without WWW-Authenticate")
			}
		})
	}
}

// TestSigV4Body checks that the signature covers the body and the query:
// a body changed after signing is refused.
func TestSigV4Body(t *testing.T) {
	s := startTest(t, nil, nil)
	body := []byte(`{"Name":"signed"}`)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/v1/test/echo?x=1", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	// Signed over a different body than the one sent.
	r := s.Client.Send(req, []byte(`{"Name":"other"}`))
	if p := problemOf(t, r.Want(t, http.StatusUnauthorized)); p.Code != "signature_mismatch" {
		t.Errorf("code %s, want signature_mismatch", p.Code)
	}
	var echoed echoBody
	s.Client.Do(http.MethodPost, "/v1/test/echo?x=1", body).Want(t, http.StatusCreated).JSON(t, &echoed)
	if echoed.Name != "signed" {
		t.Errorf("echoed %+v", echoed)
	}
}

func TestEmulatorAuth(t *testing.T) {
	s := startTest(t, awsapi.NewEmulator(lookupKey, "000000000000"), nil)
	for _, tc := range []struct {
		name, key, secret, account, via string
	}{
		{"registered key, any secret", "AKIASELLER0000000001", "wrong", "222222222222", "sigv4"},
		{"12-digit key id", "210987654321", "anything", "210987654321", "sigv4"},
		{"other key", "AKIAWHOEVER000000000", "anything", "000000000000", "sigv4"},
		{"unsigned", "", "", "000000000000", "emulator-default-account"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var who WhoAmI
			s.Client.As(tc.key, tc.secret).Do(http.MethodGet, "/v1/whoami", nil).Want(t, http.StatusOK).JSON(t, &who)
			if who.AccountId != tc.account || who.AuthenticatedBy != tc.via {
				t.Errorf("got %+v, want account %s by %s", who, tc.account, tc.via)
			}
		})
	}
}

func TestSessionCookie(t *testing.T) {
	sessions := func(_ context.Context, token string) (account.Principal, error) {
		if token == "good-token" {
			return account.Principal{AccountID: "444444444444"}, nil
		}
		return account.Principal{}, fault.New(fault.NotFound, "no session")
	}
	s := startTest(t, nil, sessions)
	withCookie := func(token string, extra ...string) *apitest.Client {
		c := s.Client.As("", "")
		c.Header = http.Header{"Cookie": {SessionCookie + "=" + token}}
		for i := 0; i+1 < len(extra); i += 2 {
			c.Header.Set(extra[i], extra[i+1])
		}
		return c
	}
	var who WhoAmI
	withCookie("good-token").Do(http.MethodGet, "/v1/whoami", nil).Want(t, http.StatusOK).JSON(t, &who)
	if who.AccountId != "444444444444" || who.AuthenticatedBy != "session" {
		t.Errorf("whoami with a session: %+v", who)
	}
	if p := problemOf(t, withCookie("stale").Do(http.MethodGet, "/v1/whoami", nil).Want(t, 401)); p.Code != "unauthenticated" {
		t.Errorf("stale session: %s", p.Code)
	}
	// A page of another site posting with the cookie is refused; the
	// console's own pages are not.
	r := withCookie("good-token", "Sec-Fetch-Site", "cross-site").Do(http.MethodPost, "/v1/test/echo", echoBody{Name: "x"})
	if p := problemOf(t, r.Want(t, http.StatusForbidden)); p.Code != "forbidden" {
		t.Errorf("cross-site post: %s", p.Code)
	}
	withCookie("good-token", "Sec-Fetch-Site", "same-origin").Do(http.MethodPost, "/v1/test/echo", echoBody{Name: "x"}).
		Want(t, http.StatusCreated)
	// A signature wins over a cookie.
	signed := withCookie("good-token")
	signed.Key, signed.Secret = s.Client.Key, s.Client.Secret
	signed.Do(http.MethodGet, "/v1/whoami", nil).Want(t, http.StatusOK).JSON(t, &who)
	if who.AccountId != "333333333333" {
		t.Errorf("signed request with a cookie acted as %s", who.AccountId)
	}
}

// TestProblems checks that every kind of bad input, and every error, is a
// problem in the one format, with the right status and code, and that
// internal errors leak nothing.
func TestProblems(t *testing.T) {
	s := startTest(t, nil, nil)
	c := s.Client
	big := `{"Name":"` + strings.Repeat("x", 2<<20) + `"}`
	for _, tc := range []struct {
		name        string
		method      string
		path        string
		body        any
		contentType string
		status      int
		code        ProblemCode
		fields      []FieldProblem
	}{
		{name: "malformed JSON", method: "POST", path: "/v1/test/echo", body: `{"Name": "x",`, status: 400, code: "malformed_json"},
		{name: "invalid UTF-8", method: "POST", path: "/v1/test/echo", body: "{\"Name\": \"a\xffb\"}", status: 400, code: "malformed_json"},
		{name: "not an object", method: "POST", path: "/v1/test/echo", body: `[1,2]`, status: 400, code: "invalid_request",
			fields: []FieldProblem{{Field: "", Code: "wrong_type", Message: "must be an object, not an array"}}},
		{name: "wrong types, every one", method: "POST", path: "/v1/test/echo",
			body: `{"Name": 5, "Count": "ten", "Tags": "a", "Price": {"m5.large": 0.5}}`, status: 400, code: "invalid_request",
			fields: []FieldProblem{
				{Field: "Count", Code: "wrong_type", Message: "must be an integer, not a string"},
				{Field: "Name", Code: "wrong_type", Message: "must be a string, not a number"},
				{Field: "Price.m5.large", Code: "wrong_type", Message: "must be a string, not a number"},
				{Field: "Tags", Code: "wrong_type", Message: "must be an array, not a string"},
			}},
		{name: "unknown fields", method: "POST", path: "/v1/test/echo", body: `{"Name": "x", "Nmae": "y", "Extra": 1}`,
			status: 400, code: "invalid_request", fields: []FieldProblem{
				{Field: "Extra", Code: "unknown_field", Message: "is not a field of this request; check its spelling and case"},
				{Field: "Nmae", Code: "unknown_field", Message: "is not a field of this request; check its spelling and case"},
			}},
		{name: "body over 1 MiB", method: "POST", path: "/v1/test/echo", body: big, status: 413, code: "body_too_large"},
		{name: "form-encoded body", method: "POST", path: "/v1/test/echo", body: `Name=x`,
			contentType: "application/x-www-form-urlencoded", status: 415, code: "unsupported_media_type"},
		{name: "no body", method: "POST", path: "/v1/test/echo", status: 400, code: "invalid_request"},
		{name: "every invalid field at once", method: "GET", path: "/v1/test/fail?Kind=fields", status: 400, code: "invalid_request",
			fields: []FieldProblem{
				{Field: "Name", Code: "required", Message: "is required"},
				{Field: "Pricing.Hourly.m5.large", Code: "negative", Message: "must not be negative"},
				{Field: "InstanceTypes[1]", Code: "unknown_instance_type", Message: "is not in the operator's catalogue"},
			}},
		{name: "not found", method: "GET", path: "/v1/test/fail?Kind=NotFound", status: 404, code: "not_found"},
		{name: "conflict", method: "GET", path: "/v1/test/fail?Kind=Conflict", status: 409, code: "conflict"},
		{name: "forbidden", method: "GET", path: "/v1/test/fail?Kind=Forbidden", status: 403, code: "forbidden"},
		{name: "internal", method: "GET", path: "/v1/test/fail?Kind=internal", status: 500, code: "internal_error"},
		{name: "unclassified", method: "GET", path: "/v1/test/fail?Kind=plain", status: 500, code: "internal_error"},
		{name: "panic", method: "GET", path: "/v1/test/fail?Kind=panic", status: 500, code: "internal_error"},
		{name: "no such route", method: "GET", path: "/v1/nothing-here", status: 404, code: "no_such_route"},
		{name: "wrong method", method: "DELETE", path: "/v1/test/echo", status: 405, code: "method_not_allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r *apitest.Response
			switch {
			case tc.path == "/v1/nothing-here" || tc.method == "DELETE":
				// Not an operation of the document: there is no schema to
				// check it against, so problemOf checks its format.
				req, _ := http.NewRequest(tc.method, s.URL+tc.path, nil)
				r = c.Raw(req, nil)
			case tc.contentType != "" || tc.body == nil:
				req, _ := http.NewRequest(tc.method, s.URL+tc.path, strings.NewReader(bodyString(tc.body)))
				if tc.contentType != "" {
					req.Header.Set("Content-Type", tc.contentType)
				}
				r = c.Send(req, []byte(bodyString(tc.body)))
			default:
				r = c.Do(tc.method, tc.path, tc.body)
			}
			p := problemOf(t, r.Want(t, tc.status))
			if p.Code != tc.code {
				t.Errorf("code %s, want %s (%s)", p.Code, tc.code, p.Detail)
			}
			if tc.fields != nil {
				got := slices.Clone(p.Errors)
				slices.SortFunc(got, func(a, b FieldProblem) int { return strings.Compare(a.Field, b.Field) })
				want := slices.Clone(tc.fields)
				slices.SortFunc(want, func(a, b FieldProblem) int { return strings.Compare(a.Field, b.Field) })
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("errors (-want +got):\n%s", diff)
				}
			}
			for _, secret := range []string{"secretuser", "/etc/secret", "/home/secret", "xxxxxxxxxx"} {
				if strings.Contains(string(r.Body), secret) {
					t.Errorf("the problem leaks %q: %s", secret, r.Body)
				}
			}
			if tc.method == "DELETE" && r.Header.Get("Allow") != "POST" {
				t.Errorf("Allow %q, want POST", r.Header.Get("Allow"))
			}
		})
	}
	if log := s.Log.String(); !strings.Contains(log, "secretuser") || !strings.Contains(log, "boom") {
		t.Errorf("internal errors are not logged with their cause:\n%s", log)
	}
}

func bodyString(b any) string {
	s, _ := b.(string)
	return s
}

// TestEveryKindMapped checks that the error table names every fault kind.
func TestEveryKindMapped(t *testing.T) {
	for _, k := range fault.Kinds() {
		w, ok := kindProblems[k]
		if !ok || w.Status < 400 || w.Code == "" {
			t.Errorf("kind %s: %+v, %v", k, w, ok)
		}
		if k != fault.Internal && w.Status >= 500 && k != fault.Unavailable {
			t.Errorf("kind %s is the client's, but answers %d", k, w.Status)
		}
	}
}

// TestOpenAPIDocument checks the document is served without authentication,
// is OpenAPI 3.1, and documents every route registered on the router.
func TestOpenAPIDocument(t *testing.T) {
	s := startTest(t, nil, nil)
	resp, err := http.Get(s.URL + OpenAPIPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s unauthenticated: %d %s", OpenAPIPath, resp.StatusCode, b)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	checkRoutesDocumented(t, s.API.Routes(), doc.Paths)
}

// checkRoutesDocumented fails for any route of the router that the
// document lacks, and any operation that does not document its problems.
func checkRoutesDocumented(t *testing.T, routes []string, paths map[string]map[string]map[string]any) {
	t.Helper()
	n := 0
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		if strings.HasPrefix(path, "/v1/openapi") {
			continue
		}
		n++
		op, ok := paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("route %s is not in the OpenAPI document", route)
			continue
		}
		responses, _ := op["responses"].(map[string]any)
		for _, status := range []string{"400", "401", "404", "500"} {
			r, _ := responses[status].(map[string]any)
			content, _ := r["content"].(map[string]any)
			if _, ok := content[ProblemContentType]; !ok {
				t.Errorf("%s does not document %s as %s", route, status, ProblemContentType)
			}
		}
	}
	if n == 0 {
		t.Fatal("no routes registered")
	}
}

// TestBodyBudget: bodies are read within the budget shared with the AWS
// router; a body that finds no room is throttled, and every byte taken is
// given back once the request is answered, whatever its outcome.
func TestBodyBudget(t *testing.T) {
	budget := awsapi.NewBodyBudget(4<<10, 10*time.Millisecond)
	s := startTestConfig(t, Config{Bodies: budget})
	small := echoBody{Name: strings.Repeat("s", 100)}
	s.Client.Do(http.MethodPost, "/v1/test/echo", small).Want(t, http.StatusCreated)
	r := s.Client.Do(http.MethodPost, "/v1/test/echo", echoBody{Name: strings.Repeat("b", 8<<10)})
	if p := problemOf(t, r.Want(t, http.StatusTooManyRequests)); p.Code != "throttled" {
		t.Errorf("code %s", p.Code)
	}
	s.Client.Do(http.MethodPost, "/v1/test/echo", `{"Name": 5}`).Want(t, http.StatusBadRequest)
	s.Client.As("AKIABUYER00000000001", "wrong").Do(http.MethodPost, "/v1/test/echo", small).Want(t, http.StatusUnauthorized)
	if n := budget.InUse(); n != 0 {
		t.Errorf("%d bytes of the budget still held after the requests were answered", n)
	}
}

package ec2_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/logtest"
	"github.com/tollgate/tollgate/internal/sdktest"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

const region = "us-east-1"

// ignoreUnexported lets go-cmp compare the SDK's types, which embed an
// unexported marker field.
var ignoreUnexported = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && !token.IsExported(sf.Name())
}, cmp.Ignore())

// backend is the store a test's server runs on.
type backend struct {
	name  string
	store func(t *testing.T) store.Config
}

var sqliteBackend = backend{name: "SQLite", store: func(t *testing.T) store.Config {
	return store.Config{DataDir: t.TempDir()}
}}

// postgresSlots bounds how many tests of this package hold a PostgreSQL
// store at once: the database's connections are shared with every other
// package's tests.
var postgresSlots = make(chan struct{}, 4)

func postgresBackend(url string) backend {
	return backend{name: "PostgreSQL", store: func(t *testing.T) store.Config {
		postgresSlots <- struct{}{}
		t.Cleanup(func() { <-postgresSlots })
		return storetest.PostgresConfig(url)(t)
	}}
}

// sdkTest is a test of the suite: run against a live server on every
// backend, by TestSDKSQLite and TestSDKPostgres.
type sdkTest struct {
	name string
	fn   func(t *testing.T, be backend)
}

var sdkTests []sdkTest

// sdk registers a test of the suite, from a package-level declaration
// beside it: var _ = sdk("Name", testName).
func sdk(name string, fn func(t *testing.T, be backend)) struct{} {
	for _, st := range sdkTests {
		if st.name == name {
			panic("sdk test " + name + " registered twice")
		}
	}
	sdkTests = append(sdkTests, sdkTest{name: name, fn: fn})
	return struct{}{}
}

// TestSDKSQLite runs the suite against servers on SQLite.
func TestSDKSQLite(t *testing.T) { runSDK(t, sqliteBackend) }

// TestSDKPostgres runs the suite against servers on PostgreSQL; it is
// skipped unless TOLLGATE_TEST_POSTGRES is set.
func TestSDKPostgres(t *testing.T) { runSDK(t, postgresBackend(storetest.PostgresURL(t))) }

func runSDK(t *testing.T, be backend) {
	if len(sdkTests) == 0 {
		t.Fatal("no tests registered")
	}
	// Cleanups run once every subtest, parallel ones included, is done.
	t.Cleanup(func() { checkCoverage(t, be.name) })
	for _, st := range slices.SortedFunc(slices.Values(sdkTests), func(a, b sdkTest) int { return strings.Compare(a.name, b.name) }) {
		t.Run(st.name, func(t *testing.T) {
			note(coverage.ran, be.name, st.name)
			t.Parallel()
			st.fn(t, be)
		})
	}
}

// env is one in-process Tollgate, on a simulated clock, behind an httptest
// server.
type env struct {
	t       *testing.T
	ctx     context.Context
	app     *app.App
	url     string
	backend string // the backend's name, under which the clients' calls are counted
}

// newEnv starts a server on a fresh store of the backend. Any 5xx answer
// fails the test: no request of this suite should ever get one.
func newEnv(t *testing.T, be backend, opts ...func(*app.Config)) *env {
	t.Helper()
	ctx := context.Background()
	logs := &logtest.Buffer{}
	cfg := app.Config{
		Store: be.store(t),
		Clock: app.ClockSimulated,
		Log:   slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	var mu sync.Mutex
	var serverErrors []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		a.Handler.ServeHTTP(rec, r)
		if rec.status >= 500 {
			mu.Lock()
			serverErrors = append(serverErrors, fmt.Sprintf("%s %s: HTTP %d", r.Method, r.URL, rec.status))
			mu.Unlock()
		}
	}))
	t.Cleanup(func() {
		srv.Close()
		if err := a.Close(); err != nil {
			t.Errorf("closing the app: %v", err)
		}
		for _, e := range serverErrors {
			t.Errorf("server error: %s", e)
		}
		if len(serverErrors) > 0 {
			t.Logf("the server's warnings and errors:\n%s", logs.String())
		}
	})
	return &env{t: t, ctx: ctx, app: a, url: srv.URL, backend: be.name}
}

// in returns the environment for a subtest t, so that its helpers fail t.
func (e *env) in(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// now is the server's simulated time.
func (e *env) now() time.Time { return e.app.Clock.Now() }

// party is an account and a stock EC2 client acting as it.
type party struct {
	ID  string
	Key account.AccessKey
	EC2 *ec2.Client
}

func (e *env) party(name string) party {
	e.t.Helper()
	acct, key, err := e.app.Accounts.Create(e.ctx, account.CreateAccountInput{Name: name})
	if err != nil {
		e.t.Fatalf("creating account %q: %v", name, err)
	}
	return party{ID: acct.ID, Key: key, EC2: e.client(key.ID, key.Secret)}
}

// client is a stock aws-sdk-go-v2 EC2 client, without retries so that
// every error surfaces at once; its calls count towards the suite's
// coverage (coverage_test.go).
func (e *env) client(keyID, secret string) *ec2.Client {
	return ec2.New(ec2.Options{HTTPClient: sdktest.HTTPClient(),
		BaseEndpoint:     aws.String(e.url),
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		RetryMaxAttempts: 1,
		APIOptions:       []func(*middleware.Stack) error{recordCoverage(e.backend)},
	})
}

// wantCode fails unless err is an API error with the given code, and
// returns its message.
func wantCode(t testing.TB, err error, code string) string {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v, want an API error %s", err, code)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("got error %s (%s), want %s", apiErr.ErrorCode(), apiErr.ErrorMessage(), code)
	}
	if apiErr.ErrorMessage() == "" {
		t.Fatalf("error %s has no message", code)
	}
	return apiErr.ErrorMessage()
}

// noErr fails the test if err is not nil.
func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// rawResponse is the answer to a hand-built request.
type rawResponse struct {
	Status    int
	Body      []byte
	Code      string
	Message   string
	RequestID string
}

// ec2Error is EC2's error document.
type ec2Error struct {
	XMLName xml.Name `xml:"Response"`
	Errors  []struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Errors>Error"`
	RequestID string `xml:"RequestID"`
}

// raw sends form parameters as the party, signed with the SDK's signer,
// bypassing the SDK's serialisation, and reads an error document if the
// answer is not a success.
func (e *env) raw(p party, params url.Values) rawResponse {
	e.t.Helper()
	body := params.Encode()
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.url+"/", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: p.Key.ID, SecretAccessKey: p.Key.Secret}
	if err := v4.NewSigner().SignHTTP(e.ctx, creds, req, hex.EncodeToString(sum[:]), "ec2", region, time.Now()); err != nil {
		e.t.Fatalf("signing: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s: %v", params.Get("Action"), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := rawResponse{Status: resp.StatusCode, Body: b}
	if resp.StatusCode != http.StatusOK {
		var doc ec2Error
		if err := xml.Unmarshal(b, &doc); err != nil || len(doc.Errors) != 1 {
			e.t.Fatalf("%s: HTTP %d with a body that is not an EC2 error: %q", params.Get("Action"), resp.StatusCode, b)
		}
		out.Code, out.Message, out.RequestID = doc.Errors[0].Code, doc.Errors[0].Message, doc.RequestID
	}
	return out
}

// form builds the parameters of an EC2 request.
func form(action string, kv ...string) url.Values {
	v := url.Values{"Action": {action}, "Version": {"2016-11-15"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

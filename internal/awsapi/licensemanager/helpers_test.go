package licensemanager_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/logtest"
	"github.com/tollgate/tollgate/internal/sdktest"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

const (
	region = "us-east-1"
	// marketplaceFingerprint is the key fingerprint of licenses the
	// marketplace issues (the value the seller guide tells software to use).
	marketplaceFingerprint = "aws:294406891311:AWS/Marketplace:issuer-fingerprint"
	isoFormat              = "2006-01-02T15:04:05.000Z"
	ttl                    = 60 * time.Minute // MaxTimeToLiveInMinutes of the licenses built here
)

// allOps is every operation a grant can allow.
var allOps = []types.AllowedOperation{
	types.AllowedOperationCheckoutLicense,
	types.AllowedOperationCheckInLicense,
	types.AllowedOperationExtendConsumptionLicense,
	types.AllowedOperationListPurchasedLicenses,
	types.AllowedOperationCheckoutBorrowLicense,
	types.AllowedOperationCreateToken,
}

// ignoreUnexported lets go-cmp compare the SDK's types, which embed an
// unexported marker field.
var ignoreUnexported = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && !token.IsExported(sf.Name())
}, cmp.Ignore())

// backend is the store a test's server runs on.
type backend struct {
	name string
	// store returns a fresh, empty store's configuration for one test, and
	// releases whatever it holds when the test ends.
	store func(t *testing.T) store.Config
}

var sqliteBackend = backend{name: "SQLite", store: func(t *testing.T) store.Config {
	return store.Config{DataDir: t.TempDir()}
}}

// postgresSlots bounds how many tests of this package hold a PostgreSQL
// store at once: each server keeps a pool of connections, and the
// database's connections are shared with every other package's tests.
var postgresSlots = make(chan struct{}, 4)

// postgresBackend gives each test its own schema of the database at url.
func postgresBackend(url string) backend {
	return backend{name: "PostgreSQL", store: func(t *testing.T) store.Config {
		postgresSlots <- struct{}{}
		t.Cleanup(func() { <-postgresSlots })
		return storetest.PostgresConfig(url)(t)
	}}
}

// sdkTest is a test of this package's suite: run against a live server on
// every backend, by TestSDKSQLite and TestSDKPostgres.
type sdkTest struct {
	name string
	fn   func(t *testing.T, be backend)
}

// sdkTests is the suite. A test joins it from a package-level declaration
// beside it, so that adding one touches no other file:
//
//	var _ = sdk("Floating", testFloating)
var sdkTests []sdkTest

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
	for _, st := range slices.SortedFunc(slices.Values(sdkTests), func(a, b sdkTest) int { return strings.Compare(a.name, b.name) }) {
		t.Run(st.name, func(t *testing.T) { st.fn(t, be) })
	}
}

// env is one in-process Tollgate, with a simulated clock, behind an
// httptest server.
type env struct {
	t   *testing.T
	ctx context.Context
	app *app.App
	url string
	// serverErrors5xx counts the 5xx answers a test provoked on purpose,
	// which the check at its end allows.
	serverErrors5xx *atomic.Int64
}

// expectServerError allows one 5xx answer, which the test provokes.
func (e *env) expectServerError() { e.serverErrors5xx.Add(1) }

// newEnv starts a server on a fresh store of the backend. Any 5xx answer
// fails the test: no request in this package should ever get one.
func newEnv(t *testing.T, be backend) *env {
	t.Helper()
	ctx := context.Background()
	logs := &logtest.Buffer{}
	a, err := app.Open(ctx, app.Config{
		Store: be.store(t),
		Clock: app.ClockSimulated,
		Log:   slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	var mu sync.Mutex
	var serverErrors []string
	allowed := &atomic.Int64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		a.Handler.ServeHTTP(rec, r)
		if rec.status >= 500 {
			mu.Lock()
			serverErrors = append(serverErrors, fmt.Sprintf("%s %s (%s): HTTP %d", r.Method, r.URL.Path, r.Header.Get("X-Amz-Target"), rec.status))
			mu.Unlock()
		}
	}))
	t.Cleanup(func() {
		srv.Close()
		if err := a.Close(); err != nil {
			t.Errorf("closing the app: %v", err)
		}
		if int64(len(serverErrors)) != allowed.Load() {
			for _, e := range serverErrors {
				t.Errorf("server error: %s (%d expected)", e, allowed.Load())
			}
			t.Logf("the server's warnings and errors:\n%s", logs.String())
		}
	})
	return &env{t: t, ctx: ctx, app: a, url: srv.URL, serverErrors5xx: allowed}
}

// in returns the environment for a subtest t, so that its helpers fail t
// rather than the test that started the server.
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

// advance moves the simulated clock.
func (e *env) advance(d time.Duration) time.Time {
	e.t.Helper()
	now, err := e.app.Simulated.Advance(e.ctx, d)
	if err != nil {
		e.t.Fatalf("advancing the clock by %s: %v", d, err)
	}
	return now
}

// party is an account and a stock License Manager client acting as it.
type party struct {
	ID  string
	Key account.AccessKey
	LM  *licensemanager.Client
}

// principal is the account's root principal, as grants name it.
func (p party) principal() string { return "arn:aws:iam::" + p.ID + ":root" }

// selfFingerprint is the fingerprint of licenses the account issues as Self.
func (p party) selfFingerprint() string { return "aws:" + p.ID + ":Self:issuer-fingerprint" }

func (e *env) party(name string, operator bool) party {
	e.t.Helper()
	acct, key, err := e.app.Accounts.Create(e.ctx, account.CreateAccountInput{Name: name, Operator: operator})
	if err != nil {
		e.t.Fatalf("creating account %q: %v", name, err)
	}
	return party{ID: acct.ID, Key: key, LM: e.client(key)}
}

// client is a stock aws-sdk-go-v2 License Manager client, without retries
// so that every error surfaces at once.
func (e *env) client(key account.AccessKey) *licensemanager.Client {
	return licensemanager.New(licensemanager.Options{HTTPClient: sdktest.HTTPClient(),
		BaseEndpoint:     aws.String(e.url),
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(key.ID, key.Secret, ""),
		RetryMaxAttempts: 1,
	})
}

// rawResponse is the answer to a hand-built request.
type rawResponse struct {
	Status  int
	Type    string // __type of an error
	Message string
	Body    []byte
}

// raw sends body to operation as the party, signed with the SDK's SigV4
// signer, bypassing the SDK's client-side validation and serialisation.
func (e *env) raw(p party, operation, body string) rawResponse {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.url+"/", bytes.NewReader([]byte(body)))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSLicenseManager."+operation)
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: p.Key.ID, SecretAccessKey: p.Key.Secret}
	if err := v4.NewSigner().SignHTTP(e.ctx, creds, req, hex.EncodeToString(sum[:]), "license-manager", region, time.Now()); err != nil {
		e.t.Fatalf("signing: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s: %v", operation, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := rawResponse{Status: resp.StatusCode, Body: b}
	if resp.StatusCode != http.StatusOK {
		var doc struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			e.t.Fatalf("%s: HTTP %d with a body that is not a JSON error: %q", operation, resp.StatusCode, b)
		}
		out.Type, out.Message = doc.Type, doc.Message
		if h := resp.Header.Get("X-Amzn-Errortype"); h != doc.Type {
			e.t.Errorf("%s: X-Amzn-ErrorType %q, __type %q", operation, h, doc.Type)
		}
	}
	return out
}

// counted is a configurable entitlement.
func counted(name string, max int64, overage bool) types.Entitlement {
	return types.Entitlement{Name: aws.String(name), Unit: types.EntitlementUnitCount, MaxCount: aws.Int64(max),
		Overage: aws.Bool(overage), AllowCheckIn: aws.Bool(true)}
}

// tier is a tiered entitlement.
func tier(name string) types.Entitlement {
	return types.Entitlement{Name: aws.String(name), Unit: types.EntitlementUnitNone, Value: aws.String("Enabled")}
}

// want is a requested entitlement.
func want(name string, qty int) types.EntitlementData {
	d := types.EntitlementData{Name: aws.String(name), Unit: types.EntitlementDataUnitCount}
	if qty > 0 {
		d.Value = aws.String(strconv.Itoa(qty))
	}
	return d
}

func wantTier(name string) types.EntitlementData {
	return types.EntitlementData{Name: aws.String(name), Unit: types.EntitlementDataUnitNone}
}

// newToken is a fresh ClientToken. License Manager's model does not mark
// ClientToken as an idempotency token, so the SDK never fills it in.
func newToken() *string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return aws.String(hex.EncodeToString(b))
}

var skuSeq atomic.Int64

// newSKU returns a product SKU no other test uses.
func newSKU() string {
	return fmt.Sprintf("2205b290-19e6-4c76-9eea-%012d", skuSeq.Add(1))
}

// licenseInput is a CreateLicense request in the shape of the seller
// guide's test-license script: Self issuer, valid from an hour ago for a
// year, floating checkouts living 60 minutes.
func (e *env) licenseInput(sku, beneficiary string, ents ...types.Entitlement) *licensemanager.CreateLicenseInput {
	now := e.now()
	return &licensemanager.CreateLicenseInput{
		LicenseName: aws.String("AWSMP Test License"),
		ProductName: aws.String("Test Product"),
		ProductSKU:  aws.String(sku),
		Issuer:      &types.Issuer{Name: aws.String("Self")},
		Beneficiary: aws.String(beneficiary),
		HomeRegion:  aws.String(region),
		Validity: &types.DatetimeRange{
			Begin: aws.String(now.Add(-time.Hour).Format(isoFormat)),
			End:   aws.String(now.AddDate(1, 0, 0).Format(isoFormat)),
		},
		Entitlements: ents,
		ClientToken:  newToken(),
		ConsumptionConfiguration: &types.ConsumptionConfiguration{
			RenewType:                types.RenewTypeNone,
			ProvisionalConfiguration: &types.ProvisionalConfiguration{MaxTimeToLiveInMinutes: aws.Int32(int32(ttl / time.Minute))},
		},
	}
}

func (e *env) createLicense(issuer party, in *licensemanager.CreateLicenseInput) string {
	e.t.Helper()
	out, err := issuer.LM.CreateLicense(e.ctx, in)
	if err != nil {
		e.t.Fatalf("CreateLicense: %v", err)
	}
	return aws.ToString(out.LicenseArn)
}

// createGrant grants a license its grantor issued as itself (Self); the
// grant waits for the grantee.
func (e *env) createGrant(grantor, grantee party, licenseArn string, ops ...types.AllowedOperation) string {
	e.t.Helper()
	return e.createGrantWithStatus(grantor, grantee, licenseArn, types.GrantStatusPendingAccept, ops...)
}

// createMarketplaceGrant grants a license the marketplace issued; the grant
// is active at once.
func (e *env) createMarketplaceGrant(grantor, grantee party, licenseArn string, ops ...types.AllowedOperation) string {
	e.t.Helper()
	return e.createGrantWithStatus(grantor, grantee, licenseArn, types.GrantStatusActive, ops...)
}

func (e *env) createGrantWithStatus(grantor, grantee party, licenseArn string, status types.GrantStatus, ops ...types.AllowedOperation) string {
	e.t.Helper()
	if len(ops) == 0 {
		ops = allOps
	}
	out, err := grantor.LM.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{
		GrantName: aws.String("grant to " + grantee.ID), LicenseArn: aws.String(licenseArn),
		Principals: []string{grantee.principal()}, HomeRegion: aws.String(region), AllowedOperations: ops,
		ClientToken: newToken(),
	})
	if err != nil {
		e.t.Fatalf("CreateGrant: %v", err)
	}
	if out.Status != status {
		e.t.Fatalf("CreateGrant status %s, want %s", out.Status, status)
	}
	return aws.ToString(out.GrantArn)
}

func (e *env) accept(grantee party, grantArn string) {
	e.t.Helper()
	out, err := grantee.LM.AcceptGrant(e.ctx, &licensemanager.AcceptGrantInput{GrantArn: aws.String(grantArn)})
	if err != nil {
		e.t.Fatalf("AcceptGrant: %v", err)
	}
	if out.Status != types.GrantStatusDisabled {
		e.t.Fatalf("AcceptGrant status %s, want DISABLED", out.Status)
	}
}

func (e *env) activate(grantee party, grantArn string) {
	e.t.Helper()
	out, err := e.setGrantStatus(grantee, grantArn, types.GrantStatusActive, nil)
	if err != nil {
		e.t.Fatalf("activating grant: %v", err)
	}
	if out.Status != types.GrantStatusActive {
		e.t.Fatalf("activation status %s, want ACTIVE", out.Status)
	}
}

func (e *env) setGrantStatus(p party, grantArn string, status types.GrantStatus, opts *types.Options) (*licensemanager.CreateGrantVersionOutput, error) {
	return p.LM.CreateGrantVersion(e.ctx, &licensemanager.CreateGrantVersionInput{
		GrantArn: aws.String(grantArn), Status: status, Options: opts, ClientToken: newToken(),
	})
}

// grantActive distributes a license to a buyer the whole way: grant,
// accept, activate.
func (e *env) grantActive(grantor, grantee party, licenseArn string, ops ...types.AllowedOperation) string {
	e.t.Helper()
	g := e.createGrant(grantor, grantee, licenseArn, ops...)
	e.accept(grantee, g)
	e.activate(grantee, g)
	return g
}

// entitled is a seller and a buyer holding an active license for a product.
type entitled struct {
	seller, buyer party
	sku, fp       string
	licenseArn    string
	grantArn      string
}

// entitle creates a seller and a buyer, and a license of ents for a fresh
// product, granted, accepted and activated. edit may change the license
// before it is created.
func (e *env) entitle(edit func(*licensemanager.CreateLicenseInput), ents ...types.Entitlement) entitled {
	e.t.Helper()
	seller, buyer := e.party("seller", false), e.party("buyer", false)
	sku := newSKU()
	in := e.licenseInput(sku, buyer.ID, ents...)
	if edit != nil {
		edit(in)
	}
	arn := e.createLicense(seller, in)
	g := e.grantActive(seller, buyer, arn)
	return entitled{seller: seller, buyer: buyer, sku: sku, fp: seller.selfFingerprint(), licenseArn: arn, grantArn: g}
}

func (e *env) checkout(p party, sku, fp string, typ types.CheckoutType, ents ...types.EntitlementData) (*licensemanager.CheckoutLicenseOutput, error) {
	return p.LM.CheckoutLicense(e.ctx, &licensemanager.CheckoutLicenseInput{
		ProductSKU: aws.String(sku), KeyFingerprint: aws.String(fp), CheckoutType: typ, Entitlements: ents, ClientToken: newToken(),
	})
}

func (e *env) mustCheckout(p party, sku, fp string, typ types.CheckoutType, ents ...types.EntitlementData) *licensemanager.CheckoutLicenseOutput {
	e.t.Helper()
	out, err := e.checkout(p, sku, fp, typ, ents...)
	if err != nil {
		e.t.Fatalf("CheckoutLicense: %v", err)
	}
	return out
}

// usage is GetLicenseUsage as name -> "consumed/max".
func (e *env) usage(p party, licenseArn string) map[string]string {
	e.t.Helper()
	out, err := p.LM.GetLicenseUsage(e.ctx, &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(licenseArn)})
	if err != nil {
		e.t.Fatalf("GetLicenseUsage: %v", err)
	}
	m := map[string]string{}
	for _, u := range out.LicenseUsage.EntitlementUsages {
		m[aws.ToString(u.Name)] = aws.ToString(u.ConsumedValue) + "/" + aws.ToString(u.MaxCount)
	}
	return m
}

// expectErr fails unless err deserialised into the SDK's error type T.
func expectErr[T error](t *testing.T, err error) T {
	t.Helper()
	var target T
	if err == nil {
		t.Fatalf("no error, want %T", target)
	}
	if !errors.As(err, &target) {
		t.Fatalf("error %v (%T), want %T", err, err, target)
	}
	return target
}

// errorCode is the AWS error code of err, or "" for nil.
func errorCode(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an AWS API error", err, err)
	}
	return apiErr.ErrorCode()
}

func parseTime(t *testing.T, s *string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, aws.ToString(s))
	if err != nil {
		t.Fatalf("time %q: %v", aws.ToString(s), err)
	}
	return ts
}

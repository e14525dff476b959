package app_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	lmtypes "github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/logtest"
	"github.com/tollgate/tollgate/internal/sdktest"
	"github.com/tollgate/tollgate/internal/sealed"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// apiFailure describes a failed SDK call: the AWS error code, the HTTP
// status and the message the client saw; or the error itself when it is not
// an AWS error (the connection failed).
type apiFailure struct {
	Code, Message string
	Status        int
	Err           error
}

func (f *apiFailure) String() string {
	if f.Code == "" {
		return f.Err.Error()
	}
	return fmt.Sprintf("%s (HTTP %d): %s", f.Code, f.Status, f.Message)
}

// failureOf reads what the client saw of a failed call; nil for no error.
// Unlike errorCode it never stops the test, so workers may call it.
func failureOf(err error) *apiFailure {
	if err == nil {
		return nil
	}
	f := &apiFailure{Err: err}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		f.Code, f.Message = apiErr.ErrorCode(), apiErr.ErrorMessage()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		f.Status = re.HTTPStatusCode()
	}
	return f
}

// lmClient is a stock License Manager client for url, without retries.
func lmClient(url string, key account.AccessKey) *licensemanager.Client {
	return licensemanager.New(licensemanager.Options{HTTPClient: sdktest.HTTPClient(),
		Region:           region,
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(key.ID, key.Secret, ""),
		RetryMaxAttempts: 1,
		Retryer:          aws.NopRetryer{},
	})
}

// entitlement is a seller's license granted to a buyer, ready to check out.
type entitlement struct {
	buyer  account.AccessKey
	sku    string
	issuer string // the key fingerprint of the seller's licenses
}

// entitle has a new seller create a license on the server at url for a new
// buyer (both created through a, which seals their keys), and grant,
// accept and activate it, all as signed License Manager calls; the seller's
// signing key is created on the way.
func entitle(ctx context.Context, a *app.App, url, name string) (entitlement, error) {
	_, seller, err := a.Accounts.Create(ctx, account.CreateAccountInput{Name: name + "-seller"})
	if err != nil {
		return entitlement{}, fmt.Errorf("create seller: %w", err)
	}
	buyerAcct, buyer, err := a.Accounts.Create(ctx, account.CreateAccountInput{Name: name + "-buyer"})
	if err != nil {
		return entitlement{}, fmt.Errorf("create buyer: %w", err)
	}
	sellerLM, buyerLM := lmClient(url, seller), lmClient(url, buyer)
	sku := "rotation-" + name
	now := time.Now().UTC()
	lic, err := sellerLM.CreateLicense(ctx, &licensemanager.CreateLicenseInput{
		LicenseName: aws.String("Rotation test"), ProductName: aws.String("Rotation"), ProductSKU: aws.String(sku),
		Issuer: &lmtypes.Issuer{Name: aws.String("Self")}, Beneficiary: aws.String(buyerAcct.ID), HomeRegion: aws.String(region),
		Validity: &lmtypes.DatetimeRange{Begin: aws.String(now.Add(-time.Hour).Format(time.RFC3339)), End: aws.String(now.AddDate(1, 0, 0).Format(time.RFC3339))},
		Entitlements: []lmtypes.Entitlement{{Name: aws.String("Seats"), Unit: lmtypes.EntitlementUnitCount, MaxCount: aws.Int64(1000),
			Overage: aws.Bool(false), AllowCheckIn: aws.Bool(true)}},
		ClientToken: aws.String(name + "-license"),
		ConsumptionConfiguration: &lmtypes.ConsumptionConfiguration{RenewType: lmtypes.RenewTypeNone,
			ProvisionalConfiguration: &lmtypes.ProvisionalConfiguration{MaxTimeToLiveInMinutes: aws.Int32(60)}},
	})
	if err != nil {
		return entitlement{}, fmt.Errorf("CreateLicense: %s", failureOf(err))
	}
	grant, err := sellerLM.CreateGrant(ctx, &licensemanager.CreateGrantInput{
		GrantName: aws.String("to buyer"), LicenseArn: lic.LicenseArn, Principals: []string{"arn:aws:iam::" + buyerAcct.ID + ":root"},
		HomeRegion: aws.String(region), AllowedOperations: []lmtypes.AllowedOperation{lmtypes.AllowedOperationCheckoutLicense},
		ClientToken: aws.String(name + "-grant"),
	})
	if err != nil {
		return entitlement{}, fmt.Errorf("CreateGrant: %s", failureOf(err))
	}
	if _, err := buyerLM.AcceptGrant(ctx, &licensemanager.AcceptGrantInput{GrantArn: grant.GrantArn}); err != nil {
		return entitlement{}, fmt.Errorf("AcceptGrant: %s", failureOf(err))
	}
	if _, err := buyerLM.CreateGrantVersion(ctx, &licensemanager.CreateGrantVersionInput{GrantArn: grant.GrantArn,
		Status: lmtypes.GrantStatusActive, ClientToken: aws.String(name + "-activate")}); err != nil {
		return entitlement{}, fmt.Errorf("activate the grant: %s", failureOf(err))
	}
	return entitlement{buyer: buyer, sku: sku, issuer: "aws:" + seller.AccountID + ":Self:issuer-fingerprint"}, nil
}

// checkout checks out one seat of e as its buyer on the server at url.
func checkout(ctx context.Context, url string, e entitlement, token string) error {
	_, err := lmClient(url, e.buyer).CheckoutLicense(ctx, &licensemanager.CheckoutLicenseInput{
		ProductSKU: aws.String(e.sku), KeyFingerprint: aws.String(e.issuer), CheckoutType: lmtypes.CheckoutTypeProvisional,
		Entitlements: []lmtypes.EntitlementData{{Name: aws.String("Seats"), Unit: lmtypes.EntitlementDataUnitCount, Value: aws.String("1")}},
		ClientToken:  aws.String(token),
	})
	return err
}

// callerIdentityErr is GetCallerIdentity as key on the server at url.
func callerIdentityErr(ctx context.Context, url string, key account.AccessKey) error {
	out, err := stsClient(url, key.ID, key.Secret).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err == nil && aws.ToString(out.Account) != key.AccountID {
		err = fmt.Errorf("GetCallerIdentity as %s answered account %s, want %s", key.ID, aws.ToString(out.Account), key.AccountID)
	}
	return err
}

// traffic is signed STS and License Manager calls made by several
// goroutines against a server until stopped, each creating new accounts
// (whose keys the server seals, and misses in its key cache at first use)
// and coming back to older ones (which it misses once their cache entry is
// a second old). It records every failure.
type traffic struct {
	a    *app.App
	url  string
	stop chan struct{}
	wg   sync.WaitGroup

	sts, lm  atomic.Int64 // successful calls
	mu       sync.Mutex
	failures []string
}

func startTraffic(a *app.App, url string, stsWorkers, lmWorkers int) *traffic {
	tr := &traffic{a: a, url: url, stop: make(chan struct{})}
	for w := range stsWorkers {
		tr.wg.Go(func() { tr.stsWorker(w) })
	}
	for w := range lmWorkers {
		tr.wg.Go(func() { tr.lmWorker(w) })
	}
	return tr
}

func (tr *traffic) stopped() bool {
	select {
	case <-tr.stop:
		return true
	default:
		return false
	}
}

func (tr *traffic) fail(format string, args ...any) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.failures = append(tr.failures, fmt.Sprintf(format, args...))
}

func (tr *traffic) stsWorker(w int) {
	ctx := context.Background()
	var keys []account.AccessKey
	for i := 0; !tr.stopped(); i++ {
		_, key, err := tr.a.Accounts.Create(ctx, account.CreateAccountInput{Name: fmt.Sprintf("sts-%d-%d", w, i)})
		if err != nil {
			tr.fail("sts worker %d: create an account: %v", w, err)
			return
		}
		keys = append(keys, key)
		for _, k := range []account.AccessKey{key, keys[(i*7)%len(keys)]} {
			if err := callerIdentityErr(ctx, tr.url, k); err != nil {
				tr.fail("sts worker %d: GetCallerIdentity as %s: %s", w, k.ID, failureOf(err))
				return
			}
			tr.sts.Add(1)
		}
	}
}

func (tr *traffic) lmWorker(w int) {
	ctx := context.Background()
	var held []entitlement
	for i := 0; !tr.stopped(); i++ {
		e, err := entitle(ctx, tr.a, tr.url, fmt.Sprintf("lm-%d-%d", w, i))
		if err != nil {
			tr.fail("license worker %d: %v", w, err)
			return
		}
		held = append(held, e)
		for j, e := range []entitlement{e, held[(i*5)%len(held)]} {
			if err := checkout(ctx, tr.url, e, fmt.Sprintf("checkout-%d-%d-%d", w, i, j)); err != nil {
				tr.fail("license worker %d: CheckoutLicense of %s: %s", w, e.sku, failureOf(err))
				return
			}
			tr.lm.Add(1)
		}
	}
}

// failed reports whether a call failed.
func (tr *traffic) failed() bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.failures) > 0
}

// await waits until done holds, polling; it fails the test after a while.
func await(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// end stops the traffic and returns its failures.
func (tr *traffic) end() []string {
	close(tr.stop)
	tr.wg.Wait()
	return tr.failures
}

// TestRotateWhileServingSQLite and ...Postgres: a server on the store's key
// file answers signed STS and License Manager calls from several clients,
// with no failure, while `tollgate secrets rotate` generates a new key into
// the same file, re-seals everything under it, and removes the old key.
// The calls keep missing the server's key cache (new accounts, and old ones
// whose entry expired after the values were re-sealed), and new sellers need
// signing keys the server has not loaded, so the server must open values
// sealed under a key it was not started with, and seal under it.
func TestRotateWhileServingSQLite(t *testing.T) {
	t.Setenv(store.SecretKeyEnv, "")
	t.Setenv(store.SecretKeyFileEnv, "")
	dir := t.TempDir()
	testRotateWhileServing(t, store.Config{DataDir: dir}, filepath.Join(dir, store.SecretKeyFileName))
}

func TestRotateWhileServingPostgres(t *testing.T) {
	t.Setenv(store.SecretKeyEnv, "")
	t.Setenv(store.SecretKeyFileEnv, "")
	cfg := storetest.PostgresConfig(storetest.PostgresURL(t))(t)
	cfg.SecretKey, cfg.SecretKeyFile = "", filepath.Join(t.TempDir(), "tollgate.key")
	if _, _, err := sealed.CreateKeyFile(cfg.SecretKeyFile); err != nil {
		t.Fatal(err)
	}
	testRotateWhileServing(t, cfg, cfg.SecretKeyFile)
}

func testRotateWhileServing(t *testing.T, cfg store.Config, keyFile string) {
	ctx := context.Background()
	var logs logtest.Buffer
	serve := app.Config{Store: cfg, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	a, url, stop := openApp(t, serve)
	defer func() { stop() }()
	oldKeys, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	old := a.DB.Secrets().KeyIDs[0]

	// More access keys than one re-sealing batch holds, so that the
	// rotation takes several transactions.
	var setup sync.WaitGroup
	for w := range 4 {
		setup.Go(func() {
			for i := range 80 {
				if _, _, err := a.Accounts.Create(ctx, account.CreateAccountInput{Name: fmt.Sprintf("before-%d-%d", w, i)}); err != nil {
					t.Errorf("create an account: %v", err)
					return
				}
			}
		})
	}
	setup.Wait()

	tr := startTraffic(a, url, 4, 2)
	await(t, "calls before the rotation", func() bool { return tr.sts.Load() >= 40 && tr.lm.Load() >= 4 || tr.failed() })
	started := time.Now()
	res, err := app.RotateSecretKey(ctx, cfg, "")
	took := time.Since(started)
	stsAt, lmAt := tr.sts.Load(), tr.lm.Load()
	// Past the key cache's second, so that keys cached before the rotation
	// are read again, sealed under the new key.
	await(t, "calls after the rotation", func() bool {
		return time.Since(started) > took+1500*time.Millisecond && tr.sts.Load() >= stsAt+40 && tr.lm.Load() >= lmAt+4 || tr.failed()
	})
	failures := tr.end()
	t.Logf("rotation %+v took %v; %d STS and %d License Manager calls in all, %d and %d after it began",
		res, took.Round(time.Millisecond), tr.sts.Load(), tr.lm.Load(), tr.sts.Load()-stsAt, tr.lm.Load()-lmAt)
	for _, f := range failures {
		t.Errorf("failed while the key rotated: %s", f)
	}
	if err != nil {
		t.Fatalf("RotateSecretKey: %v", err)
	}
	if res.KeyFile != keyFile || !res.Created || res.KeyID == old || res.Resealed < 320 ||
		fmt.Sprint(res.Retired) != fmt.Sprint([]string{old}) || len(res.Kept) != 0 || fmt.Sprint(res.Removed) != fmt.Sprint([]string{old}) {
		t.Errorf("RotateSecretKey = %+v; want a new key in %s, at least 320 values re-sealed, %s retired and removed", res, keyFile, old)
	}
	if held := a.DB.Secrets().KeyIDs; !slices.Contains(held, res.KeyID) {
		t.Errorf("the server holds keys %v, not the new key %s: it never read its key file again", held, res.KeyID)
	}
	wantKeyFile(t, keyFile, res.KeyID)
	for _, bad := range []string{"request failed", "request not served", "panic"} {
		if strings.Contains(logs.String(), bad) {
			t.Errorf("the server logged %q:\n%s", bad, logs.String())
		}
	}

	// A restart reads the new key alone, and opens everything; the old key
	// alone no longer opens the store.
	stop()
	a, url, stop = openApp(t, serve)
	_, key := createAccount(t, a, "after")
	if err := callerIdentityErr(ctx, url, key); err != nil {
		t.Errorf("after a restart: %s", failureOf(err))
	}
	if err := os.WriteFile(keyFile, oldKeys, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(ctx, cfg); err == nil || !strings.Contains(err.Error(), "the secret key does not open this store's secrets") {
		t.Errorf("opening with the old key alone after the rotation: %v", err)
	}
}

// wantKeyFile checks that the key file holds exactly the key id, readable by
// its owner alone.
func wantKeyFile(t *testing.T, path, id string) {
	t.Helper()
	keys, err := sealed.ReadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys.IDs(); fmt.Sprint(got) != fmt.Sprint([]string{id}) {
		t.Errorf("the key file holds %v, want [%s]", got, id)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the key file: %v, %v; want mode 0600", info, err)
	}
}

// TestStaleKeySourceSQLite and ...Postgres: a server whose key file was
// not given the new key answers what needs it with a clean
// ServiceUnavailable in each protocol's format, naming nothing of its
// internals, logs which key it lacks and where it looked, and recovers
// without a restart once its key file holds the key.
func TestStaleKeySourceSQLite(t *testing.T) {
	t.Setenv(store.SecretKeyEnv, "")
	t.Setenv(store.SecretKeyFileEnv, "")
	testStaleKeySource(t, store.Config{DataDir: t.TempDir()})
}

func TestStaleKeySourcePostgres(t *testing.T) {
	t.Setenv(store.SecretKeyEnv, "")
	t.Setenv(store.SecretKeyFileEnv, "")
	testStaleKeySource(t, storetest.PostgresConfig(storetest.PostgresURL(t))(t))
}

func testStaleKeySource(t *testing.T, cfg store.Config) {
	ctx := context.Background()
	keys := t.TempDir()
	cfg.SecretKey, cfg.SecretKeyFile = "", filepath.Join(keys, "server.key")
	cfg.KeyRereadInterval = 200 * time.Millisecond
	if _, _, err := sealed.CreateKeyFile(cfg.SecretKeyFile); err != nil {
		t.Fatal(err)
	}
	var logs logtest.Buffer
	a, url, stop := openApp(t, app.Config{Store: cfg, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	defer stop()
	// Another server on the same store creates the seller's license, so
	// that this one has not loaded the seller's signing key.
	other, otherURL, stopOther := openApp(t, app.Config{Store: cfg, Log: slog.New(slog.DiscardHandler)})
	defer stopOther()
	_, alice := createAccount(t, a, "alice")
	if err := callerIdentityErr(ctx, url, alice); err != nil {
		t.Fatalf("before the rotation: %s", failureOf(err))
	}
	ent, err := entitle(ctx, other, otherURL, "stale")
	if err != nil {
		t.Fatal(err)
	}

	// The rotation's new key goes to a file of its own, and the server's
	// key file is not given it.
	newKeyFile := filepath.Join(keys, "new.key")
	res, err := app.RotateSecretKey(ctx, cfg, newKeyFile)
	if err != nil {
		t.Fatalf("RotateSecretKey: %v", err)
	}
	time.Sleep(1100 * time.Millisecond) // alice's entry in the key cache expires

	for _, c := range []struct {
		name, code string
		call       func() error
	}{
		{"GetCallerIdentity", "ServiceUnavailable", func() error { return callerIdentityErr(ctx, url, alice) }},
		{"CheckoutLicense", "ServiceUnavailableException", func() error { return checkout(ctx, url, ent, "stale-1") }},
	} {
		f := failureOf(c.call())
		switch {
		case f == nil:
			t.Errorf("%s succeeded on a server without the key", c.name)
		case f.Code != c.code || f.Status != 503:
			t.Errorf("%s: %s; want %s, HTTP 503", c.name, f, c.code)
		case f.Message == "" || strings.Contains(f.Message, res.KeyID) || strings.Contains(f.Message, keys) || strings.Contains(f.Message, "sealed"):
			t.Errorf("%s: the client is told %q: want a plain message without the server's internals", c.name, f.Message)
		}
	}
	// A write that seals refuses too, rather than seal under the old key.
	if _, _, err := a.Accounts.Create(ctx, account.CreateAccountInput{Name: "bob"}); !fault.Is(err, fault.Unavailable) {
		t.Errorf("creating an account on a server without the sealing key: %v, want Unavailable", err)
	}
	want := "the store holds secrets sealed under key " + res.KeyID + " that file " + cfg.SecretKeyFile + " does not hold; give every server the new key"
	if !strings.Contains(logs.String(), want) {
		t.Errorf("the server's log does not say %q:\n%s", want, logs.String())
	}
	if strings.Contains(logs.String(), "panic") {
		t.Errorf("the server panicked:\n%s", logs.String())
	}

	// The operator gives the server the new key; past the re-read
	// interval, it serves again, without a restart.
	newText, err := os.ReadFile(newKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.SecretKeyFile+".tmp", newText, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(cfg.SecretKeyFile+".tmp", cfg.SecretKeyFile); err != nil {
		t.Fatal(err)
	}
	time.Sleep(cfg.KeyRereadInterval + 50*time.Millisecond)
	if err := callerIdentityErr(ctx, url, alice); err != nil {
		t.Errorf("GetCallerIdentity once the key file holds the new key: %s", failureOf(err))
	}
	if err := checkout(ctx, url, ent, "stale-2"); err != nil {
		t.Errorf("CheckoutLicense once the key file holds the new key: %s", failureOf(err))
	}
	if _, bob := createAccount(t, a, "bob"); callerIdentityErr(ctx, url, bob) != nil {
		t.Errorf("a key created once the key file holds the new key does not work")
	}
}

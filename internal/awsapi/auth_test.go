package awsapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
)

// A fixed signing time keeps the tests independent of the wall clock.
var signTime = time.Date(2024, 5, 17, 12, 30, 45, 0, time.UTC)

var (
	aliceKey = account.AccessKey{ID: "AKIAALICEALICEALICE0", Secret: "aliceSecretaliceSecretaliceSecretalice00", AccountID: "111111111111"}
	bobKey   = account.AccessKey{ID: "AKIABOBBOBBOBBOBBOB0", Secret: "bobSecret/bobSecret+bobSecretbobSecret00", AccountID: "222222222222"}
)

// fakeKeys is an in-memory KeyLookup that counts lookups.
type fakeKeys struct {
	mu      sync.Mutex
	keys    map[string]account.AccessKey
	lookups int
}

func newFakeKeys(keys ...account.AccessKey) *fakeKeys {
	f := &fakeKeys{keys: map[string]account.AccessKey{}}
	for _, k := range keys {
		f.keys[k.ID] = k
	}
	return f
}

func (f *fakeKeys) Lookup(_ context.Context, id string) (account.AccessKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	k, ok := f.keys[id]
	if !ok {
		return account.AccessKey{}, fault.New(fault.NotFound, "access key %s does not exist", id)
	}
	return k, nil
}

func (f *fakeKeys) delete(id string) {
	f.mu.Lock()
	delete(f.keys, id)
	f.mu.Unlock()
}

func (f *fakeKeys) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lookups
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// sdkSigned returns a form POST signed by the AWS SDK's signer.
func sdkSigned(t testing.TB, key account.AccessKey, service, region, body string, at time.Time) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://localhost:4566/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	creds := aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, sha256Hex([]byte(body)), service, region, at); err != nil {
		t.Fatalf("signing: %v", err)
	}
	return r
}

func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestStrict(t *testing.T) {
	keys := newFakeKeys(aliceKey, bobKey)
	strict := awsapi.NewStrict(keys.Lookup, fixedNow(signTime))
	const body = "Action=GetCallerIdentity&Version=2011-06-15"
	wrongSecret := aliceKey
	wrongSecret.Secret = bobKey.Secret
	unknown := account.AccessKey{ID: "AKIANOBODYNOBODYNOBO", Secret: aliceKey.Secret}

	type result struct {
		Principal account.Principal
		Region    string
		Kind      fault.Kind
	}
	tests := []struct {
		name string
		req  *http.Request
		body string // the body the server read; the signed body if empty
		want result
	}{
		{"alice", sdkSigned(t, aliceKey, "sts", "us-east-1", body, signTime), "",
			result{Principal: account.Principal{AccountID: "111111111111", AccessKeyID: aliceKey.ID}, Region: "us-east-1"}},
		{"bob in another region and service", sdkSigned(t, bobKey, "ec2", "eu-west-3", body, signTime), "",
			result{Principal: account.Principal{AccountID: "222222222222", AccessKeyID: bobKey.ID}, Region: "eu-west-3"}},
		{"14 minutes slow", sdkSigned(t, aliceKey, "sts", "us-east-1", body, signTime.Add(-14*time.Minute)), "",
			result{Principal: account.Principal{AccountID: "111111111111", AccessKeyID: aliceKey.ID}, Region: "us-east-1"}},
		{"wrong secret", sdkSigned(t, wrongSecret, "sts", "us-east-1", body, signTime), "", result{Kind: fault.BadSignature}},
		{"unknown key", sdkSigned(t, unknown, "sts", "us-east-1", body, signTime), "", result{Kind: fault.UnknownCredentials}},
		{"tampered body", sdkSigned(t, aliceKey, "sts", "us-east-1", body, signTime), body + "&x=1", result{Kind: fault.BadSignature}},
		{"16 minutes slow", sdkSigned(t, aliceKey, "sts", "us-east-1", body, signTime.Add(-16*time.Minute)), "", result{Kind: fault.ClockSkew}},
		{"16 minutes fast", sdkSigned(t, aliceKey, "sts", "us-east-1", body, signTime.Add(16*time.Minute)), "", result{Kind: fault.ClockSkew}},
		{"unsigned", httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)), "", result{Kind: fault.Unauthenticated}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.body
			if b == "" {
				b = body
			}
			id, err := awsapi.Authenticate(context.Background(), strict, tt.req, []byte(b))
			got := result{Principal: id.Principal, Region: id.Region}
			if err != nil {
				got = result{Kind: fault.KindOf(err)}
				if got.Kind == fault.Internal {
					t.Fatalf("internal error: %v", err)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmulator(t *testing.T) {
	keys := newFakeKeys(aliceKey)
	emu := awsapi.NewEmulator(keys.Lookup, "000000000000")
	const body = "Action=GetCallerIdentity"
	tests := []struct {
		name       string
		req        *http.Request
		want       account.Principal
		wantRegion string
	}{
		{"registered key", sdkSigned(t, aliceKey, "sts", "us-west-2", body, signTime),
			account.Principal{AccountID: "111111111111", AccessKeyID: aliceKey.ID}, "us-west-2"},
		{"registered key, wrong secret", sdkSigned(t, account.AccessKey{ID: aliceKey.ID, Secret: "x"}, "sts", "us-east-1", body, signTime),
			account.Principal{AccountID: "111111111111", AccessKeyID: aliceKey.ID}, "us-east-1"},
		{"12-digit key", sdkSigned(t, account.AccessKey{ID: "210987654321", Secret: "test"}, "sts", "us-east-1", body, signTime),
			account.Principal{AccountID: "210987654321", AccessKeyID: "210987654321"}, "us-east-1"},
		{"13-digit key", sdkSigned(t, account.AccessKey{ID: "2109876543210", Secret: "test"}, "sts", "us-east-1", body, signTime),
			account.Principal{AccountID: "000000000000", AccessKeyID: "2109876543210"}, "us-east-1"},
		{"localstack's test key", sdkSigned(t, account.AccessKey{ID: "test", Secret: "test"}, "sts", "ap-south-1", body, signTime.Add(-48*time.Hour)),
			account.Principal{AccountID: "000000000000", AccessKeyID: "test"}, "ap-south-1"},
		{"unsigned", httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)),
			account.Principal{AccountID: "000000000000"}, "us-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := awsapi.Authenticate(context.Background(), emu, tt.req, []byte(body))
			p, region := id.Principal, id.Region
			if err != nil {
				t.Fatalf("emulator refused: %v", err)
			}
			if diff := cmp.Diff(tt.want, p); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
			if region != tt.wantRegion {
				t.Errorf("region %q, want %q", region, tt.wantRegion)
			}
		})
	}
}

func TestKeyCache(t *testing.T) {
	keys := newFakeKeys(aliceKey)
	now := signTime
	cache := awsapi.NewKeyCache(keys.Lookup, time.Second, func() time.Time { return now })
	ctx := context.Background()

	lookup := func(id string) (account.AccessKey, error) {
		t.Helper()
		return cache.Lookup(ctx, id)
	}
	if k, err := lookup(aliceKey.ID); err != nil || k != aliceKey {
		t.Fatalf("first lookup: %+v, %v", k, err)
	}
	if _, err := lookup(aliceKey.ID); err != nil || keys.count() != 1 {
		t.Errorf("second lookup within the TTL reached the store (%d lookups, %v)", keys.count(), err)
	}

	// Unknown keys are not cached: a key created a moment later works.
	if _, err := lookup(bobKey.ID); !fault.Is(err, fault.NotFound) {
		t.Errorf("unknown key: %v, want NotFound", err)
	}
	keys.mu.Lock()
	keys.keys[bobKey.ID] = bobKey
	keys.mu.Unlock()
	if k, err := lookup(bobKey.ID); err != nil || k != bobKey {
		t.Errorf("key created after a miss: %+v, %v", k, err)
	}

	// A deleted key keeps working until the TTL passes, then fails.
	keys.delete(aliceKey.ID)
	if _, err := lookup(aliceKey.ID); err != nil {
		t.Errorf("deleted key within the TTL: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := lookup(aliceKey.ID); !fault.Is(err, fault.NotFound) {
		t.Errorf("deleted key after the TTL: %v, want NotFound", err)
	}

	// Forget drops everything at once.
	before := keys.count()
	cache.Forget()
	if _, err := lookup(bobKey.ID); err != nil || keys.count() != before+1 {
		t.Errorf("lookup after Forget did not reach the store: %v", err)
	}
}

// TestKeyCacheDropsExpiredKeys: a cache that sees many keys, each once, as a
// server with a million buyers does, holds about the keys of the last TTL,
// not every key it has seen.
func TestKeyCacheDropsExpiredKeys(t *testing.T) {
	keys := newFakeKeys()
	const total, perSecond = 20_000, 100
	for i := range total {
		id := fmt.Sprintf("AKIAMANY%012d", i)
		keys.keys[id] = account.AccessKey{ID: id, Secret: "s", AccountID: "123456789012"}
	}
	now := signTime
	cache := awsapi.NewKeyCache(keys.Lookup, time.Second, func() time.Time { return now })
	most := 0
	for i := range total {
		if i%perSecond == 0 {
			now = now.Add(time.Second)
		}
		if _, err := cache.Lookup(context.Background(), fmt.Sprintf("AKIAMANY%012d", i)); err != nil {
			t.Fatal(err)
		}
		most = max(most, cache.Len())
	}
	// Live keys are at most perSecond; expired ones wait for the next sweep,
	// at twice the size after the last one, or 1,024.
	if most > 2048 {
		t.Errorf("the cache grew to %d entries with %d keys live at a time", most, perSecond)
	}
	// A key still within its TTL survives a sweep: its lookup is not repeated.
	before := keys.count()
	if _, err := cache.Lookup(context.Background(), fmt.Sprintf("AKIAMANY%012d", total-1)); err != nil || keys.count() != before {
		t.Errorf("a fresh key was dropped (%d lookups before, %d after, %v)", before, keys.count(), err)
	}
}

// TestRouterStrictEndToEnd runs SDK-signed requests through the router with
// the strict authenticator and checks each protocol's error code.
func TestRouterStrictEndToEnd(t *testing.T) {
	keys := newFakeKeys(aliceKey)
	rt := awsapi.NewRouter(awsapi.NewStrict(keys.Lookup, fixedNow(signTime)), discardLog(), nil,
		ec2Service(), queryService(), jsonService())
	bad := account.AccessKey{ID: aliceKey.ID, Secret: "wrong"}
	tests := []struct {
		name     string
		req      *http.Request
		wantCode string // "" for success
	}{
		{"ec2 ok", sdkSigned(t, aliceKey, "ec2", "us-east-1", "Action=DescribeImages&Version=2016-11-15&ImageId.1=ami-1", signTime), ""},
		{"ec2 bad signature", sdkSigned(t, bad, "ec2", "us-east-1", "Action=DescribeImages&Version=2016-11-15", signTime), "SignatureDoesNotMatch"},
		{"ec2 unknown key", sdkSigned(t, bobKey, "ec2", "us-east-1", "Action=DescribeImages&Version=2016-11-15", signTime), "AuthFailure"},
		{"ec2 skewed", sdkSigned(t, aliceKey, "ec2", "us-east-1", "Action=DescribeImages&Version=2016-11-15", signTime.Add(time.Hour)), "RequestExpired"},
		{"query ok", sdkSigned(t, aliceKey, "fakequery", "us-east-1", "Action=Echo&Version=2020-01-01", signTime), ""},
		{"query unknown key", sdkSigned(t, bobKey, "fakequery", "us-east-1", "Action=Echo&Version=2020-01-01", signTime), "InvalidClientTokenId"},
		{"query skewed", sdkSigned(t, aliceKey, "fakequery", "us-east-1", "Action=Echo&Version=2020-01-01", signTime.Add(-time.Hour)), "RequestTimeTooSkewed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, tt.req)
			body := w.Body.String()
			if tt.wantCode == "" {
				if w.Code != http.StatusOK {
					t.Errorf("HTTP %d: %s", w.Code, body)
				}
				return
			}
			if !strings.Contains(body, "<Code>"+tt.wantCode+"</Code>") {
				t.Errorf("want code %s, got HTTP %d: %s", tt.wantCode, w.Code, body)
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		for _, tc := range []struct {
			key      account.AccessKey
			at       time.Time
			wantType string
		}{
			{aliceKey, signTime, ""},
			{bad, signTime, "InvalidSignatureException"},
			{bobKey, signTime, "UnrecognizedClientException"},
			{aliceKey, signTime.Add(20 * time.Minute), "InvalidSignatureException"},
		} {
			const body = `{"Name":"x"}`
			r := httptest.NewRequest(http.MethodPost, "http://localhost/", strings.NewReader(body))
			r.Header.Set("X-Amz-Target", jsonPrefix+".Echo")
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			creds := aws.Credentials{AccessKeyID: tc.key.ID, SecretAccessKey: tc.key.Secret}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, sha256Hex([]byte(body)), "fakejson", "us-east-1", tc.at); err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, r)
			if got := w.Header().Get("X-Amzn-ErrorType"); got != tc.wantType {
				t.Errorf("key %s at %s: X-Amzn-ErrorType %q, want %q (HTTP %d %s)", tc.key.ID, tc.at, got, tc.wantType, w.Code, w.Body)
			}
		}
	})
}

// TestEmulatorStoreFailure: when the store cannot say whose key a request
// names, the emulator refuses it rather than let it act as the default or a
// 12-digit account, which would be some other account's identity.
func TestEmulatorStoreFailure(t *testing.T) {
	unavailable := fault.New(fault.Unavailable, "the store is unavailable")
	emu := awsapi.NewEmulator(func(context.Context, string) (account.AccessKey, error) {
		return account.AccessKey{}, unavailable
	}, "000000000000")
	const body = "Action=GetCallerIdentity"
	for _, key := range []account.AccessKey{aliceKey, {ID: "210987654321", Secret: "test"}, {ID: "test", Secret: "test"}} {
		req := sdkSigned(t, key, "sts", "us-east-1", body, signTime)
		id, err := awsapi.Authenticate(context.Background(), emu, req, []byte(body))
		if !fault.Is(err, fault.Unavailable) {
			t.Errorf("key %s: got principal %+v, error %v; want the store's Unavailable error", key.ID, id.Principal, err)
		}
	}
}

package imds_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	sdkimds "github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/imds"
	"github.com/tollgate/tollgate/pkg/identitydoc"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeInstances holds instances by ID.
type fakeInstances struct {
	mu sync.Mutex
	m  map[string]compute.Instance
}

func (f *fakeInstances) Instance(_ context.Context, id string) (compute.Instance, error) {
	if err := compute.CheckID(id); err != nil {
		return compute.Instance{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.m[id]
	if !ok {
		return compute.Instance{}, fault.New(fault.NotFound, "no instance %s", id)
	}
	return in, nil
}

func (f *fakeInstances) Placement() compute.Placement {
	return compute.Placement{Regions: compute.DefaultRegions}
}

func (f *fakeInstances) put(in compute.Instance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[in.ID] = in
}

// fakeKeys is a platform key store in memory.
type fakeKeys struct {
	mu sync.Mutex
	m  map[string]imds.PlatformKey
}

func (f *fakeKeys) PlatformKey(_ context.Context, name string) (imds.PlatformKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.m[name]
	if !ok {
		return k, fault.New(fault.NotFound, "no key %s", name)
	}
	return k, nil
}

func (f *fakeKeys) AddPlatformKey(_ context.Context, k imds.PlatformKey) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.m[k.Name]; !ok {
		f.m[k.Name] = k
	}
	return nil
}

// fakeCredentials gives instances roles and counts what it issues.
type fakeCredentials struct {
	clock  clock.Clock
	roles  map[string]string
	issued int
}

func (f *fakeCredentials) Role(_ context.Context, id string) (string, error) { return f.roles[id], nil }

func (f *fakeCredentials) Issue(_ context.Context, id, role string) (account.AccessKey, error) {
	if f.roles[id] != role {
		return account.AccessKey{}, fault.New(fault.NotFound, "no role %s", role)
	}
	f.issued++
	now := f.clock.Now()
	return account.AccessKey{ID: "ASIATOLLGATE" + strings.ToUpper(id[2:10]), Secret: "secret-of-" + id, AccountID: "333333333333",
		CreatedAt: now, Role: &account.RoleSession{Token: "session-token-of-" + id, Expires: now.Add(6 * time.Hour)}}, nil
}

// world is a metadata service over fake instances, served by httptest.
type world struct {
	t         *testing.T
	clock     *clock.Manual
	instances *fakeInstances
	keys      *fakeKeys
	creds     *fakeCredentials
	server    *imds.Server
	http      *httptest.Server
}

func newWorld(t *testing.T, withCredentials bool) *world {
	w := &world{t: t, clock: clock.NewManual(start), instances: &fakeInstances{m: map[string]compute.Instance{}},
		keys: &fakeKeys{m: map[string]imds.PlatformKey{}}}
	cfg := imds.Config{Instances: w.instances, Keys: imds.NewKeys(w.keys, w.clock), Clock: w.clock}
	if withCredentials {
		w.creds = &fakeCredentials{clock: w.clock, roles: map[string]string{}}
		cfg.Credentials = w.creds
	}
	w.server = imds.New(cfg)
	w.http = httptest.NewServer(w.server)
	t.Cleanup(w.http.Close)
	return w
}

// instance stores a running instance with id and returns its endpoint.
func (w *world) instance(id string, f ...func(*compute.Instance)) (compute.Instance, string) {
	w.t.Helper()
	in := compute.Instance{ID: id, Owner: "333333333333", ReservationID: "r-0123456789abcdef0", ImageID: "ami-0123456789abcdef0",
		InstanceType: "m5.large", State: compute.Running, Architecture: "x86_64", Zone: "eu-west-1b", PrivateIP: "10.1.2.3",
		LaunchedAt: start.Add(-time.Minute + 500*time.Millisecond), CreatedAt: start.Add(-time.Hour),
		ProductCode: image.ProductCode{Code: "8fl5tz2s9v6yhn3mdwu8h0adr", Type: image.Marketplace},
		Metadata:    compute.MetadataOptions{HTTPTokens: compute.HTTPTokensOptional, HTTPEndpoint: compute.HTTPEndpointEnabled}}
	for _, fn := range f {
		fn(&in)
	}
	w.instances.put(in)
	ep, err := w.server.Endpoint(w.t.Context(), w.http.URL, id)
	if err != nil {
		w.t.Fatalf("endpoint of %s: %v", id, err)
	}
	return in, ep
}

// sdk returns aws-sdk-go-v2's IMDS client configured only by
// AWS_EC2_METADATA_SERVICE_ENDPOINT.
func sdk(t *testing.T, endpoint string, opts ...func(*sdkimds.Options)) *sdkimds.Client {
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint)
	return sdkimds.New(sdkimds.Options{}, opts...)
}

func get(t *testing.T, c *sdkimds.Client, path string) string {
	t.Helper()
	out, err := c.GetMetadata(t.Context(), &sdkimds.GetMetadataInput{Path: path})
	if err != nil {
		t.Fatalf("GetMetadata %s: %v", path, err)
	}
	defer out.Content.Close()
	b, err := io.ReadAll(out.Content)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func dynamic(t *testing.T, c *sdkimds.Client, path string) string {
	t.Helper()
	out, err := c.GetDynamicData(t.Context(), &sdkimds.GetDynamicDataInput{Path: path})
	if err != nil {
		t.Fatalf("GetDynamicData %s: %v", path, err)
	}
	defer out.Content.Close()
	b, _ := io.ReadAll(out.Content)
	return string(b)
}

// TestSDKReadsEveryPath: aws-sdk-go-v2's IMDS client, given only the
// endpoint variable, reads every path as the instance, with IMDSv2 tokens
// (its default), and the identity document it reads verifies under the
// platform certificate by both signatures.
func TestSDKReadsEveryPath(t *testing.T) {
	w := newWorld(t, false)
	inst, ep := w.instance("i-0123456789abcdef0")
	w.instance("i-0fedcba9876543210", func(in *compute.Instance) { in.InstanceType = "t3.micro" }) // a neighbour
	c := sdk(t, ep)
	for path, want := range map[string]string{
		"ami-id": inst.ImageID, "instance-id": inst.ID, "instance-type": "m5.large", "product-codes": inst.ProductCode.Code,
		"placement/availability-zone": "eu-west-1b", "placement/region": "eu-west-1", "placement/availability-zone-id": "euw1-az2",
		"local-ipv4": "10.1.2.3", "hostname": "ip-10-1-2-3.ec2.internal", "local-hostname": "ip-10-1-2-3.ec2.internal",
		"ami-launch-index": "0", "reservation-id": inst.ReservationID, "instance-life-cycle": "on-demand",
		"placement/":   "availability-zone\navailability-zone-id\nregion",
		"placement":    "availability-zone\navailability-zone-id\nregion",
		"instance-id/": inst.ID,
		"": "ami-id\nami-launch-index\nhostname\ninstance-id\ninstance-life-cycle\ninstance-type\nlocal-hostname\nlocal-ipv4\n" +
			"placement/\nproduct-codes\nreservation-id",
	} {
		if got := get(t, c, path); got != want {
			t.Errorf("meta-data/%s = %q, want %q", path, got, want)
		}
	}
	region, err := c.GetRegion(t.Context(), nil)
	if err != nil || region.Region != "eu-west-1" {
		t.Errorf("GetRegion: %v, %v", region, err)
	}
	if got := dynamic(t, c, "instance-identity/"); got != "document\npkcs7\nrsa2048\nsignature" {
		t.Errorf("instance-identity/ lists %q", got)
	}

	doc, err := c.GetInstanceIdentityDocument(t.Context(), nil)
	if err != nil {
		t.Fatalf("GetInstanceIdentityDocument: %v", err)
	}
	want := sdkimds.InstanceIdentityDocument{MarketplaceProductCodes: []string{inst.ProductCode.Code}, AvailabilityZone: "eu-west-1b",
		PrivateIP: "10.1.2.3", Version: "2017-09-30", Region: "eu-west-1", InstanceID: inst.ID, InstanceType: "m5.large",
		AccountID: "333333333333", PendingTime: inst.LaunchedAt.Truncate(time.Second), ImageID: inst.ImageID, Architecture: "x86_64"}
	if diff := cmp.Diff(want, doc.InstanceIdentityDocument); diff != "" {
		t.Errorf("identity document (-want +got):\n%s", diff)
	}

	certPEM := w.certificate()
	cert, err := identitydoc.ParseCertificate(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	raw := dynamic(t, c, "instance-identity/document")
	for _, field := range []string{`"devpayProductCodes": null`, `"billingProducts": null`, `"kernelId": null`, `"ramdiskId": null`} {
		if !strings.Contains(raw, field) {
			t.Errorf("document lacks %s:\n%s", field, raw)
		}
	}
	got, err := identitydoc.VerifySignature([]byte(raw), dynamic(t, c, "instance-identity/signature"), cert)
	if err != nil || got.InstanceID != inst.ID || got.AccountID != inst.Owner || !slices.Equal(got.MarketplaceProductCodes, want.MarketplaceProductCodes) {
		t.Errorf("VerifySignature: %+v, %v", got, err)
	}
	for _, p := range []string{"pkcs7", "rsa2048"} {
		signed := dynamic(t, c, "instance-identity/"+p)
		got, content, err := identitydoc.VerifyPKCS7(signed, cert)
		if err != nil || got.InstanceID != inst.ID || string(content) != raw {
			t.Errorf("VerifyPKCS7 of %s: %+v, %v", p, got, err)
		}
		for line := range strings.SplitSeq(signed, "\n") {
			if len(line) > 64 {
				t.Errorf("%s has a line of %d characters", p, len(line))
			}
		}
	}
	if _, err := identitydoc.VerifySignature([]byte(strings.Replace(raw, "333333333333", "444444444444", 1)),
		dynamic(t, c, "instance-identity/signature"), cert); err != identitydoc.ErrInvalid {
		t.Errorf("a tampered document verified: %v", err)
	}
}

func (w *world) certificate() []byte {
	w.t.Helper()
	k, err := w.keys.PlatformKey(w.t.Context(), imds.IdentityKeyName)
	if err != nil {
		w.t.Fatal(err)
	}
	return k.CertificatePEM
}

// TestDevpayCodes: a devpay code is listed as devpayProductCodes, and an
// instance without a code has neither list and no product-codes entry.
func TestDevpayCodes(t *testing.T) {
	w := newWorld(t, false)
	_, devpay := w.instance("i-0123456789abcdef0", func(in *compute.Instance) { in.ProductCode.Type = image.DevPay })
	_, free := w.instance("i-0fedcba9876543210", func(in *compute.Instance) { in.ProductCode = image.ProductCode{} })
	doc, err := sdk(t, devpay).GetInstanceIdentityDocument(t.Context(), nil)
	if err != nil || !slices.Equal(doc.DevpayProductCodes, []string{"8fl5tz2s9v6yhn3mdwu8h0adr"}) || doc.MarketplaceProductCodes != nil {
		t.Errorf("devpay document: %+v, %v", doc, err)
	}
	c := sdk(t, free)
	doc, err = c.GetInstanceIdentityDocument(t.Context(), nil)
	if err != nil || doc.DevpayProductCodes != nil || doc.MarketplaceProductCodes != nil {
		t.Errorf("document without a code: %+v, %v", doc, err)
	}
	if _, err := c.GetMetadata(t.Context(), &sdkimds.GetMetadataInput{Path: "product-codes"}); status(err) != 404 {
		t.Errorf("product-codes of an instance without one: %v, want 404", err)
	}
	if strings.Contains(get(t, c, ""), "product-codes") {
		t.Errorf("the listing of an instance without a code names product-codes")
	}
}

// status is the HTTP status of an SDK error: 0 for none, -1 for one
// without a status. The SDK wraps a 401 in an error of its own that does
// not unwrap, so the status is also read from the message.
func status(err error) int {
	var re interface{ HTTPStatusCode() int }
	switch {
	case err == nil:
		return 0
	case errors.As(err, &re):
		return re.HTTPStatusCode()
	}
	if _, after, ok := strings.Cut(err.Error(), "StatusCode: "); ok && len(after) >= 3 {
		if n, err := strconv.Atoi(after[:3]); err == nil {
			return n
		}
	}
	return -1
}

// raw sends one request to the service.
func (w *world) raw(method, target string, header map[string]string) (*http.Response, string) {
	w.t.Helper()
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// pathOf is the endpoint in its path form (botocore's), without user
// information.
func pathOf(ep string) string {
	u, _ := url.Parse(ep)
	u.User = nil
	return u.String()
}

// TestTokens: the token flow's rules, over plain HTTP on the path form
// of the endpoint.
func TestTokens(t *testing.T) {
	w := newWorld(t, false)
	_, ep := w.instance("i-0123456789abcdef0")
	_, requiredEP := w.instance("i-0aaaaaaaaaaaaaaaa", func(in *compute.Instance) { in.Metadata.HTTPTokens = compute.HTTPTokensRequired })
	base, required := pathOf(ep), pathOf(requiredEP)
	put := func(base, ttl string, extra map[string]string) (*http.Response, string) {
		h := map[string]string{imds.TokenTTLHeader: ttl}
		for k, v := range extra {
			h[k] = v
		}
		if ttl == "" {
			delete(h, imds.TokenTTLHeader)
		}
		return w.raw(http.MethodPut, base+"latest/api/token", h)
	}
	for _, tc := range []struct {
		name, ttl string
		extra     map[string]string
		status    int
	}{
		{"Shortest", "1", nil, 200}, {"Longest", "21600", nil, 200}, {"Spaces", " 60 ", nil, 200},
		{"Zero", "0", nil, 400}, {"TooLong", "21601", nil, 400}, {"Huge", "99999999999999999999999", nil, 400},
		{"Negative", "-5", nil, 400}, {"NotANumber", "ten", nil, 400}, {"Missing", "", nil, 400},
		{"Forwarded", "60", map[string]string{"X-Forwarded-For": "10.0.0.9"}, 403},
	} {
		resp, body := put(base, tc.ttl, tc.extra)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: PUT token with TTL %q: HTTP %d, want %d", tc.name, tc.ttl, resp.StatusCode, tc.status)
			continue
		}
		if tc.status == 200 && (resp.Header.Get(imds.TokenTTLHeader) != strings.TrimSpace(tc.ttl) || body == "" ||
			resp.Header.Get("Content-Type") != "text/plain") {
			t.Errorf("%s: token answer echoes TTL %q (%s), body %q", tc.name, resp.Header.Get(imds.TokenTTLHeader), resp.Header.Get("Content-Type"), body)
		}
	}
	_, token := put(base, "60", nil)
	_, requiredToken := put(required, "60", nil)
	getID := func(base, token string) int {
		h := map[string]string{}
		if token != "" {
			h[imds.TokenHeader] = token
		}
		resp, _ := w.raw(http.MethodGet, base+"latest/meta-data/instance-id", h)
		return resp.StatusCode
	}
	for _, tc := range []struct {
		name   string
		base   string
		token  string
		status int
	}{
		{"V2", base, token, 200}, {"V1Optional", base, "", 200}, {"V1Required", required, "", 401},
		{"V2Required", required, requiredToken, 200}, {"OtherInstancesToken", base, requiredToken, 401},
		{"Garbage", base, "not-a-token", 401}, {"Forged", base, token[:len(token)-2] + "AA", 401},
		{"Long", base, strings.Repeat("A", 5000), 401},
	} {
		if got := getID(tc.base, tc.token); got != tc.status {
			t.Errorf("%s: HTTP %d, want %d", tc.name, got, tc.status)
		}
	}
	w.clock.Advance(59 * time.Second)
	if got := getID(base, token); got != 200 {
		t.Errorf("a token within its TTL: HTTP %d", got)
	}
	w.clock.Advance(time.Second)
	if got := getID(base, token); got != 401 {
		t.Errorf("an expired token: HTTP %d, want 401", got)
	}
	if resp, _ := w.raw(http.MethodGet, base+"latest/api/token", nil); resp.StatusCode != 405 || resp.Header.Get("Allow") != "PUT" {
		t.Errorf("GET of the token path: HTTP %d", resp.StatusCode)
	}
	if resp, _ := w.raw(http.MethodPut, base+"latest/meta-data/instance-id", nil); resp.StatusCode != 405 {
		t.Errorf("PUT of a metadata path: HTTP %d", resp.StatusCode)
	}
}

// TestSDKFallsBackToV1: when the token request is refused (403, here for
// a proxy's X-Forwarded-For), aws-sdk-go-v2 falls back to IMDSv1, which
// an instance that requires tokens refuses.
func TestSDKFallsBackToV1(t *testing.T) {
	w := newWorld(t, false)
	_, optional := w.instance("i-0123456789abcdef0")
	_, required := w.instance("i-0aaaaaaaaaaaaaaaa", func(in *compute.Instance) { in.Metadata.HTTPTokens = compute.HTTPTokensRequired })
	proxied := func(o *sdkimds.Options) { o.HTTPClient, o.Retryer = forwardedClient{}, aws.NopRetryer{} }
	if got := get(t, sdk(t, optional, proxied), "instance-id"); got != "i-0123456789abcdef0" {
		t.Errorf("IMDSv1 fallback read %q", got)
	}
	_, err := sdk(t, required, proxied).GetMetadata(t.Context(), &sdkimds.GetMetadataInput{Path: "instance-id"})
	if status(err) != 401 {
		t.Errorf("IMDSv1 of an instance that requires tokens: %v (%d), want 401", err, status(err))
	}
	if got := get(t, sdk(t, required), "instance-id"); got != "i-0aaaaaaaaaaaaaaaa" {
		t.Errorf("IMDSv2 of an instance that requires tokens read %q", got)
	}
}

// forwardedClient sends requests as a proxy would, with X-Forwarded-For.
type forwardedClient struct{}

func (forwardedClient) Do(r *http.Request) (*http.Response, error) {
	r.Header.Set("X-Forwarded-For", "10.9.9.9")
	return http.DefaultClient.Do(r)
}

// TestNotFound: what the service does not answer is 404 with EC2's HTML
// page: unknown paths, an unknown, stopped, terminated or disabled
// instance, a wrong key, an endpoint without an instance, and the path
// and user information naming different instances.
func TestNotFound(t *testing.T) {
	w := newWorld(t, false)
	_, ep := w.instance("i-0123456789abcdef0")
	_, other := w.instance("i-0fedcba9876543210")
	_, stopped := w.instance("i-0bbbbbbbbbbbbbbbb", func(in *compute.Instance) { in.State = compute.Stopped })
	_, terminated := w.instance("i-0cccccccccccccccc", func(in *compute.Instance) { in.State = compute.Terminated })
	_, disabled := w.instance("i-0dddddddddddddddd", func(in *compute.Instance) { in.Metadata.HTTPEndpoint = compute.HTTPEndpointDisabled })
	unknown, err := w.server.Endpoint(t.Context(), w.http.URL, "i-0eeeeeeeeeeeeeeee")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(pathOf(ep))
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	wrongKey := w.http.URL + "/" + segs[0] + "/" + strings.Repeat("a", len(segs[1])) + "/"
	swapped := w.http.URL + "/i-0fedcba9876543210/" + segs[1] + "/"
	for _, tc := range []struct{ name, target string }{
		{"UnknownPath", pathOf(ep) + "latest/meta-data/no-such-thing"},
		{"UnknownDynamic", pathOf(ep) + "latest/dynamic/instance-identity/nothing"},
		{"UserData", pathOf(ep) + "latest/user-data"},
		{"OtherVersion", pathOf(ep) + "2009-04-04/meta-data/instance-id"},
		{"DoubleSlash", pathOf(ep) + "latest//meta-data/instance-id"},
		{"NUL", pathOf(ep) + "latest/meta-data/instance-id%00"},
		{"LongPath", pathOf(ep) + "latest/meta-data/" + strings.Repeat("x", 20000)},
		{"IAMWithoutCredentials", pathOf(ep) + "latest/meta-data/iam/security-credentials/"},
		{"Stopped", pathOf(stopped) + "latest/meta-data/instance-id"},
		{"Terminated", pathOf(terminated) + "latest/meta-data/instance-id"},
		{"TerminatedToken", pathOf(terminated) + "latest/api/token"},
		{"Disabled", pathOf(disabled) + "latest/meta-data/instance-id"},
		{"Unknown", pathOf(unknown) + "latest/meta-data/instance-id"},
		{"WrongKey", wrongKey + "latest/meta-data/instance-id"},
		{"KeyOfAnother", swapped + "latest/meta-data/instance-id"},
		{"NoInstance", w.http.URL + "/latest/meta-data/instance-id"},
		{"MalformedInstance", w.http.URL + "/i-zz/" + segs[1] + "/latest/meta-data/instance-id"},
		{"PathAndUserDisagree", strings.Replace(other, "i-0fedcba9876543210/", "i-0123456789abcdef0/", 1) + "latest/meta-data/instance-id"},
	} {
		method := http.MethodGet
		h := map[string]string{}
		if strings.HasSuffix(tc.target, "api/token") {
			method, h[imds.TokenTTLHeader] = http.MethodPut, "60"
		}
		resp, body := w.raw(method, tc.target, h)
		if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "text/html" || !strings.Contains(body, "<title>404 - Not Found</title>") {
			t.Errorf("%s: HTTP %d %s %q, want EC2's 404 page", tc.name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}

// TestTokensAreStateless: ten thousand tokens cost the service nothing to
// keep: a second service over the same store (another replica) accepts
// every one, and rejects each one's tampered twin.
func TestTokensAreStateless(t *testing.T) {
	w := newWorld(t, false)
	_, ep := w.instance("i-0123456789abcdef0")
	replica := httptest.NewServer(imds.New(imds.Config{Instances: w.instances, Keys: imds.NewKeys(w.keys, w.clock), Clock: w.clock}))
	defer replica.Close()
	base := pathOf(ep)
	onReplica := strings.Replace(base, w.http.URL, replica.URL, 1)
	tokens := make([]string, 10000)
	for i := range tokens {
		req := httptest.NewRequest(http.MethodPut, base+"latest/api/token", nil)
		req.Header.Set(imds.TokenTTLHeader, "21600")
		rec := httptest.NewRecorder()
		w.server.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("token %d: HTTP %d", i, rec.Code)
		}
		tokens[i] = rec.Body.String()
	}
	for i, tok := range tokens[:200] {
		resp, body := w.raw(http.MethodGet, onReplica+"latest/meta-data/instance-id", map[string]string{imds.TokenHeader: tok})
		if resp.StatusCode != 200 || body != "i-0123456789abcdef0" {
			t.Fatalf("token %d on the replica: HTTP %d %q", i, resp.StatusCode, body)
		}
		twin := []byte(tok)
		twin[len(twin)/3] ^= 1
		if resp, _ := w.raw(http.MethodGet, onReplica+"latest/meta-data/instance-id", map[string]string{imds.TokenHeader: string(twin)}); resp.StatusCode != 401 {
			t.Fatalf("tampered token %d: HTTP %d", i, resp.StatusCode)
		}
	}
}

// TestCredentials: an instance's role and temporary credentials, served as
// every SDK's instance-profile provider reads them; aws-sdk-go-v2's default
// credential chain finds them with nothing but the endpoint variable.
func TestCredentials(t *testing.T) {
	w := newWorld(t, true)
	inst, ep := w.instance("i-0123456789abcdef0")
	_, plain := w.instance("i-0fedcba9876543210")
	w.creds.roles[inst.ID] = "seller-app"
	c := sdk(t, ep)
	if got := get(t, c, "iam/security-credentials/"); got != "seller-app" {
		t.Errorf("security-credentials/ = %q", got)
	}
	if got := get(t, c, "iam/"); got != "info\nsecurity-credentials/" {
		t.Errorf("iam/ = %q", got)
	}
	if !strings.Contains(get(t, c, ""), "\niam/\n") {
		t.Errorf("the listing of an instance with a role does not name iam/")
	}
	info, err := c.GetIAMInfo(t.Context(), nil)
	if err != nil || info.Code != "Success" || info.InstanceProfileArn != "arn:aws:iam::333333333333:instance-profile/seller-app" ||
		!strings.HasPrefix(info.InstanceProfileID, "AIPA") || len(info.InstanceProfileID) != 21 {
		t.Errorf("GetIAMInfo: %+v, %v", info, err)
	}
	var creds map[string]string
	if err := json.Unmarshal([]byte(get(t, c, "iam/security-credentials/seller-app")), &creds); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "ASIATOLLGATE01234567", "SecretAccessKey": "secret-of-" + inst.ID,
		"Token": "session-token-of-" + inst.ID, "LastUpdated": "2026-03-01T12:00:00Z", "Expiration": "2026-03-01T18:00:00Z"}
	if diff := cmp.Diff(want, creds); diff != "" {
		t.Errorf("credentials (-want +got):\n%s", diff)
	}
	if _, err := c.GetMetadata(t.Context(), &sdkimds.GetMetadataInput{Path: "iam/security-credentials/other-role"}); status(err) != 404 {
		t.Errorf("another role's credentials: %v, want 404", err)
	}

	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_EC2_METADATA_DISABLED"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep)
	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil || got.AccessKeyID != want["AccessKeyId"] || got.SessionToken != want["Token"] || got.Source != "EC2RoleProvider" {
		t.Errorf("the default credential chain retrieved %+v, %v", got, err)
	}

	pc := sdk(t, plain)
	for _, p := range []string{"iam/", "iam/info", "iam/security-credentials/", "iam/security-credentials/seller-app"} {
		if _, err := pc.GetMetadata(t.Context(), &sdkimds.GetMetadataInput{Path: p}); status(err) != 404 {
			t.Errorf("%s of an instance without a role: %v, want 404", p, err)
		}
	}
	if strings.Contains(get(t, pc, ""), "iam/") {
		t.Errorf("the listing of an instance without a role names iam/")
	}
}

// TestListings: the top of the tree.
func TestListings(t *testing.T) {
	w := newWorld(t, false)
	_, ep := w.instance("i-0123456789abcdef0")
	for path, want := range map[string]string{"": "latest", "latest": "dynamic\nmeta-data", "latest/": "dynamic\nmeta-data",
		"latest/dynamic/": "instance-identity/"} {
		resp, body := w.raw(http.MethodGet, pathOf(ep)+path, nil)
		if resp.StatusCode != 200 || body != want || resp.Header.Get("Content-Type") != "text/plain" {
			t.Errorf("%q: HTTP %d %s %q, want %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), body, want)
		}
	}
	resp, body := w.raw(http.MethodHead, pathOf(ep)+"latest/meta-data/instance-id", nil)
	if resp.StatusCode != 200 || body != "" {
		t.Errorf("HEAD: HTTP %d %q", resp.StatusCode, body)
	}
}

// TestKeyGeneratedOnce: requests that all need the platform key at once,
// on two replicas sharing a store, agree on one key: the store holds the
// first stored, and every endpoint either replica gives is the same.
func TestKeyGeneratedOnce(t *testing.T) {
	w := newWorld(t, false)
	replica := imds.New(imds.Config{Instances: w.instances, Keys: imds.NewKeys(w.keys, w.clock), Clock: w.clock})
	var wg sync.WaitGroup
	got := make([]string, 16)
	for i := range got {
		srv := w.server
		if i%2 == 1 {
			srv = replica
		}
		wg.Go(func() {
			ep, err := srv.Endpoint(t.Context(), "http://127.0.0.1:7071", "i-0123456789abcdef0")
			if err != nil {
				t.Error(err)
			}
			got[i] = ep
		})
	}
	wg.Wait()
	for _, ep := range got {
		if ep != got[0] {
			t.Fatalf("replicas gave different endpoints: %q and %q", got[0], ep)
		}
	}
	if len(w.keys.m) != 1 {
		t.Errorf("the store holds %d keys", len(w.keys.m))
	}
}

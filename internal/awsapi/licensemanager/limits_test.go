package licensemanager_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"

	"github.com/tollgate/tollgate/internal/license"
)

// incompressible returns n random characters: PostgreSQL compresses what
// it can before it measures an index row, so repeated characters would
// hide a value too long for an index.
func incompressible(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// limitCase is one limit of the table: the field, in a request that is
// otherwise valid, set to values at and over the limit.
type limitCase struct {
	op, field string
	at, over  any    // values for the field (strings, numbers, lists)
	want      string // in the over-limit answer's message
}

// stringLimit is a case for a string field of limit bytes.
func stringLimit(op, field string, limit int) limitCase {
	return limitCase{op: op, field: field, at: incompressible(limit), over: incompressible(limit + 1),
		want: fmt.Sprintf("Member must have length less than or equal to %d", limit)}
}

// list returns n copies of v, each made unique by fn when it is given.
func list(n int, v func(i int) any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = v(i)
	}
	return out
}

var _ = sdk("Limits", testLimits)

// testLimits is the table of limits, request by request: each field is
// accepted at its limit and refused just over it, with a
// ValidationException naming the field. The limits are the license
// package's one table (limits.go); here they are spelled out, as the
// contract clients see.
func testLimits(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Seats", 5, false))
	seat := func(i int) any {
		return map[string]any{"Name": fmt.Sprintf("e%03d", i), "MaxCount": 5, "Unit": "Count"}
	}
	want := func(i int) any { return map[string]any{"Name": fmt.Sprintf("e%03d", i), "Value": "1", "Unit": "Count"} }
	meta := func(i int) any { return map[string]any{"Name": fmt.Sprintf("m%03d", i), "Value": "v"} }
	cases := []limitCase{
		stringLimit("CreateLicense", "LicenseName", 4096),
		stringLimit("CreateLicense", "ProductName", 4096),
		stringLimit("CreateLicense", "ProductSKU", 4096),
		stringLimit("CreateLicense", "HomeRegion", 4096),
		stringLimit("CreateLicense", "Beneficiary", 4096),
		stringLimit("CreateLicense", "Issuer.Name", 1024),
		stringLimit("CreateLicense", "Issuer.SignKey", 4096),
		stringLimit("CreateLicense", "Entitlements.0.Name", 1024),
		stringLimit("CreateLicense", "Entitlements.0.Value", 4096),
		stringLimit("CreateLicense", "LicenseMetadata.0.Name", 4096),
		stringLimit("CreateLicense", "LicenseMetadata.0.Value", 4096),
		stringLimit("CreateLicense", "ClientToken", 2048),
		{op: "CreateLicense", field: "Entitlements", at: list(100, seat), over: list(101, seat), want: "less than or equal to 100"},
		{op: "CreateLicense", field: "LicenseMetadata", at: list(100, meta), over: list(101, meta), want: "less than or equal to 100"},
		{op: "CreateLicense", field: "Entitlements.0.MaxCount", at: license.MaxQuantity, over: license.MaxQuantity + 1,
			want: "between 0 and " + strconv.FormatInt(license.MaxQuantity, 10)},
		{op: "CreateLicense", field: "ConsumptionConfiguration.ProvisionalConfiguration.MaxTimeToLiveInMinutes", at: 527040, over: 527041,
			want: "between 1 and 527040"},
		stringLimit("CheckoutLicense", "ProductSKU", 4096),
		stringLimit("CheckoutLicense", "KeyFingerprint", 4096),
		stringLimit("CheckoutLicense", "NodeId", 4096),
		stringLimit("CheckoutLicense", "ClientToken", 2048),
		stringLimit("CheckoutLicense", "Entitlements.0.Name", 1024),
		{op: "CheckoutLicense", field: "Entitlements", at: list(100, want), over: list(101, want), want: "less than or equal to 100"},
		{op: "CheckoutLicense", field: "Entitlements.0.Value", at: strconv.FormatInt(license.MaxQuantity, 10),
			over: strconv.FormatInt(license.MaxQuantity+1, 10), want: "between 1 and " + strconv.FormatInt(license.MaxQuantity, 10)},
		stringLimit("CreateGrant", "GrantName", 4096),
		stringLimit("CreateGrantVersion", "StatusReason", 400),
		stringLimit("DeleteGrant", "StatusReason", 400),
		stringLimit("GetLicense", "Version", 4096),
		{op: "CreateToken", field: "ExpirationInDays", at: 730, over: 731, want: "between 1 and 730"},
		{op: "CreateToken", field: "TokenProperties", at: []string{"a", "b", "c"}, over: []string{"a", "b", "c", "d"}, want: "less than or equal to 3"},
		{op: "ListLicenses", field: "MaxResults", at: 100, over: 101, want: "between 1 and 100"},
	}
	// valid returns a request for op that succeeds, or fails for a reason
	// other than validation, with no field changed.
	valid := func(op string) map[string]any {
		var body string
		switch op {
		case "CreateLicense":
			body = fmt.Sprintf(`{"LicenseName":"n","ProductName":"p","ProductSKU":%q,"Issuer":{"Name":"Self"},"HomeRegion":"us-east-1",
				"Validity":{"Begin":"2024-01-01T00:00:00Z"},"Entitlements":[{"Name":"e","MaxCount":5,"Unit":"Count"}],"Beneficiary":%q,
				"ConsumptionConfiguration":{"ProvisionalConfiguration":{"MaxTimeToLiveInMinutes":60}},"LicenseMetadata":[{"Name":"m","Value":"v"}]}`,
				newSKU(), x.buyer.ID)
		case "CheckoutLicense":
			body = fmt.Sprintf(`{"ProductSKU":%q,"CheckoutType":"PROVISIONAL","KeyFingerprint":%q,"Entitlements":[{"Name":"Seats","Value":"1","Unit":"Count"}]}`,
				x.sku, x.fp)
		case "CreateGrant":
			body = fmt.Sprintf(`{"GrantName":"g","LicenseArn":%q,"Principals":["arn:aws:iam::%s:root"],"HomeRegion":"us-east-1","AllowedOperations":["CheckoutLicense"]}`,
				x.licenseArn, x.buyer.ID)
		case "CreateGrantVersion":
			body = fmt.Sprintf(`{"GrantArn":%q}`, x.grantArn)
		case "DeleteGrant":
			body = fmt.Sprintf(`{"GrantArn":%q,"Version":"1"}`, e.createGrant(x.seller, e.party("grantee", false), x.licenseArn))
		case "GetLicense":
			body = fmt.Sprintf(`{"LicenseArn":%q}`, x.licenseArn)
		case "CreateToken":
			body = fmt.Sprintf(`{"LicenseArn":%q}`, x.licenseArn)
		case "ListLicenses":
			body = `{}`
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("%s body: %v", op, err)
		}
		m["ClientToken"] = *newToken()
		return m
	}
	caller := func(op string) party {
		if op == "CheckoutLicense" {
			return x.buyer
		}
		return x.seller
	}
	for _, tc := range cases {
		t.Run(tc.op+"/"+tc.field, func(t *testing.T) {
			e := e.in(t)
			at := e.raw(caller(tc.op), tc.op, encode(t, set(valid(tc.op), tc.field, tc.at)))
			if at.Type == "ValidationException" {
				t.Errorf("at the limit: %s %q", at.Type, at.Message)
			}
			over := e.raw(caller(tc.op), tc.op, encode(t, set(valid(tc.op), tc.field, tc.over)))
			name := fieldPath(tc.field)
			if over.Status != http.StatusBadRequest || over.Type != "ValidationException" ||
				!strings.Contains(over.Message, "'"+name+"'") || !strings.Contains(over.Message, tc.want) {
				t.Errorf("over the limit: HTTP %d %s %q, want a ValidationException naming '%s' and saying %q", over.Status, over.Type, clip(over.Message), name, tc.want)
			}
		})
	}
}

// set puts v at the dotted path (list positions as numbers) of a request.
func set(m map[string]any, path string, v any) map[string]any {
	parts := strings.Split(path, ".")
	var cur any = m
	for i, p := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[p] = v
			} else {
				if c[p] == nil {
					c[p] = map[string]any{}
				}
				cur = c[p]
			}
		case []any:
			n, _ := strconv.Atoi(p)
			if last {
				c[n] = v
			} else {
				cur = c[n]
			}
		}
	}
	return m
}

// fieldPath is how validation messages name a dotted request path:
// "Entitlements.0.Name" is "entitlements.1.member.name".
func fieldPath(path string) string {
	var out []string
	for _, p := range strings.Split(path, ".") {
		if n, err := strconv.Atoi(p); err == nil {
			out = append(out, strconv.Itoa(n+1), "member")
			continue
		}
		out = append(out, strings.ToLower(p[:1])+p[1:])
	}
	return strings.Join(out, ".")
}

func encode(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

var _ = sdk("UsableAtTheLimits", testUsableAtTheLimits)

// testUsableAtTheLimits: a license created with every value at its limit
// (the longest strings, the most entitlements and metadata, MaxCount
// license.MaxQuantity) can be used by every later operation on every
// backend: granted, listed and filtered by those values, checked out for
// everything it holds, extended, checked in, borrowed, versioned. What
// the limits admit at creation, nothing later refuses.
func testUsableAtTheLimits(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, buyer := e.party("seller", false), e.party("buyer", false)
	issuer := incompressible(1024)
	fp := "aws:" + seller.ID + ":" + issuer + ":issuer-fingerprint"
	sku, beneficiary := incompressible(4096), incompressible(4096)
	var ents []types.Entitlement
	var asked []types.EntitlementData
	for i := range 99 {
		name := fmt.Sprintf("%02d", i) + incompressible(1022)
		ents = append(ents, counted(name, license.MaxQuantity, false))
		asked = append(asked, quantity(name, strconv.FormatInt(license.MaxQuantity, 10)))
	}
	tierName := incompressible(1024)
	ents = append(ents, types.Entitlement{Name: aws.String(tierName), Unit: types.EntitlementUnitNone, Value: aws.String(incompressible(4096))})
	asked = append(asked, wantTier(tierName))
	var meta []types.Metadata
	for range 100 {
		meta = append(meta, types.Metadata{Name: aws.String(incompressible(4096)), Value: aws.String(incompressible(4096))})
	}
	in := e.licenseInput(sku, beneficiary, ents...)
	// The home region is the request's: a license is created, and checked
	// out, in its home region (RedirectException elsewhere).
	in.LicenseName, in.ProductName = aws.String(incompressible(4096)), aws.String(incompressible(4096))
	in.Issuer = &types.Issuer{Name: aws.String(issuer), SignKey: aws.String(incompressible(4096))}
	in.LicenseMetadata, in.ClientToken = meta, aws.String(incompressible(2048))
	in.ConsumptionConfiguration.BorrowConfiguration = &types.BorrowConfiguration{AllowEarlyCheckIn: aws.Bool(true), MaxTimeToLiveInMinutes: aws.Int32(527040)}
	in.ConsumptionConfiguration.ProvisionalConfiguration.MaxTimeToLiveInMinutes = aws.Int32(527040)
	arn := e.createLicense(seller, in)

	grant, err := seller.LM.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String(incompressible(4096)),
		LicenseArn: aws.String(arn), Principals: []string{buyer.principal()}, HomeRegion: aws.String(incompressible(4096)),
		AllowedOperations: allOps, ClientToken: aws.String(incompressible(2048))})
	if err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	e.accept(buyer, aws.ToString(grant.GrantArn))
	if _, err := buyer.LM.CreateGrantVersion(e.ctx, &licensemanager.CreateGrantVersionInput{GrantArn: grant.GrantArn,
		Status: types.GrantStatusActive, StatusReason: aws.String(incompressible(400)), ClientToken: aws.String(incompressible(2048))}); err != nil {
		t.Fatalf("activating the grant: %v", err)
	}

	filters := []types.Filter{{Name: aws.String("ProductSKU"), Values: []string{sku}}, {Name: aws.String("Fingerprint"), Values: []string{fp}},
		{Name: aws.String("Beneficiary"), Values: []string{beneficiary}}}
	issued, err := seller.LM.ListLicenses(e.ctx, &licensemanager.ListLicensesInput{Filters: filters})
	if err != nil || len(issued.Licenses) != 1 {
		t.Fatalf("ListLicenses by the longest values: %v, %d licenses", err, len(issued.Licenses))
	}
	received, err := buyer.LM.ListReceivedLicenses(e.ctx, &licensemanager.ListReceivedLicensesInput{Filters: append(filters,
		types.Filter{Name: aws.String("IssuerName"), Values: []string{issuer}})})
	if err != nil || len(received.Licenses) != 1 {
		t.Fatalf("ListReceivedLicenses by the longest values: %v, %d licenses", err, len(received.Licenses))
	}
	granted, err := seller.LM.ListDistributedGrants(e.ctx, &licensemanager.ListDistributedGrantsInput{Filters: []types.Filter{
		{Name: aws.String("ProductSKU"), Values: []string{sku}}, {Name: aws.String("LicenseIssuerName"), Values: []string{issuer}}}})
	if err != nil || len(granted.Grants) != 1 {
		t.Fatalf("ListDistributedGrants by the longest values: %v, %d grants", err, len(granted.Grants))
	}

	out, err := buyer.LM.CheckoutLicense(e.ctx, &licensemanager.CheckoutLicenseInput{ProductSKU: aws.String(sku), KeyFingerprint: aws.String(fp),
		CheckoutType: types.CheckoutTypeProvisional, Entitlements: asked, ClientToken: aws.String(incompressible(2048)),
		NodeId: aws.String(incompressible(4096))})
	if err != nil {
		t.Fatalf("CheckoutLicense of everything the license holds: %v", err)
	}
	if len(out.EntitlementsAllowed) != 100 {
		t.Errorf("%d entitlements allowed, want 100", len(out.EntitlementsAllowed))
	}
	full := strconv.FormatInt(license.MaxQuantity, 10)
	for name, u := range e.usage(seller, arn) {
		if want := full + "/" + full; name != tierName && u != want {
			t.Errorf("usage of %.8s…: %s, want %s", name, u, want)
		}
	}
	if _, err := buyer.LM.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: out.LicenseConsumptionToken}); err != nil {
		t.Errorf("ExtendLicenseConsumption: %v", err)
	}
	if _, err := buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: out.LicenseConsumptionToken}); err != nil {
		t.Errorf("CheckInLicense: %v", err)
	}
	var borrowMeta []types.Metadata
	for range 100 {
		borrowMeta = append(borrowMeta, types.Metadata{Name: aws.String(incompressible(4096)), Value: aws.String(incompressible(4096))})
	}
	if _, err := buyer.LM.CheckoutBorrowLicense(e.ctx, &licensemanager.CheckoutBorrowLicenseInput{LicenseArn: aws.String(arn), Entitlements: asked,
		DigitalSignatureMethod: types.DigitalSignatureMethodJwtPs384, NodeId: aws.String(incompressible(4096)), CheckoutMetadata: borrowMeta,
		ClientToken: aws.String(incompressible(2048))}); err != nil {
		t.Errorf("CheckoutBorrowLicense of everything, with the most metadata: %v", err)
	}
	if _, err := seller.LM.CreateLicenseVersion(e.ctx, &licensemanager.CreateLicenseVersionInput{LicenseArn: aws.String(arn),
		LicenseName: in.LicenseName, ProductName: in.ProductName, Issuer: in.Issuer, HomeRegion: in.HomeRegion, Validity: in.Validity,
		LicenseMetadata: meta, Entitlements: ents, ConsumptionConfiguration: in.ConsumptionConfiguration, Status: types.LicenseStatusAvailable,
		ClientToken: aws.String(incompressible(2048))}); err != nil {
		t.Errorf("CreateLicenseVersion: %v", err)
	}
	if _, err := seller.LM.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn), Version: aws.String("2")}); err != nil {
		t.Errorf("GetLicense version 2: %v", err)
	}
}

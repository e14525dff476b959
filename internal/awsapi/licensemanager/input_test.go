package licensemanager_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/awsapi/licensemanager"
)

// sampleRequests holds, for every operation, a request body that sets every
// string member of the operation's input at least once (TestSampleRequests
// checks that), so that a test can put any value in any of them.
var sampleRequests = map[string]string{
	"CreateLicense": `{"LicenseName":"n","ProductName":"p","ProductSKU":"s","Issuer":{"Name":"Self","SignKey":"k","KeyFingerprint":"f"},"HomeRegion":"us-east-1",
		"Validity":{"Begin":"2024-01-01T00:00:00Z","End":"2030-01-01T00:00:00Z"},"Entitlements":[{"Name":"e","Value":"v","MaxCount":5,"Unit":"Count"}],
		"Beneficiary":"b","ConsumptionConfiguration":{"RenewType":"None","ProvisionalConfiguration":{"MaxTimeToLiveInMinutes":60}},
		"LicenseMetadata":[{"Name":"m","Value":"v"}],"ClientToken":"c"}`,
	"CreateLicenseVersion": `{"LicenseArn":"arn:aws:license-manager::123456789012:license:l-0","LicenseName":"n","ProductName":"p",
		"Issuer":{"Name":"Self","SignKey":"k","KeyFingerprint":"f"},"HomeRegion":"us-east-1","Validity":{"Begin":"2024-01-01T00:00:00Z","End":"2030-01-01T00:00:00Z"},
		"LicenseMetadata":[{"Name":"m","Value":"v"}],"Entitlements":[{"Name":"e","Value":"v","MaxCount":5,"Unit":"Count"}],
		"ConsumptionConfiguration":{"RenewType":"None"},"Status":"AVAILABLE","ClientToken":"c","SourceVersion":"1"}`,
	"GetLicense":          `{"LicenseArn":"arn:aws:license-manager::123456789012:license:l-0","Version":"1"}`,
	"ListLicenses":        `{"LicenseArns":["arn:aws:license-manager::123456789012:license:l-0"],"Filters":[{"Name":"ProductSKU","Values":["s"]}],"NextToken":"eA"}`,
	"ListLicenseVersions": `{"LicenseArn":"arn:aws:license-manager::123456789012:license:l-0","NextToken":"eA"}`,
	"DeleteLicense":       `{"LicenseArn":"arn:aws:license-manager::123456789012:license:l-0","SourceVersion":"1"}`,
	"GetLicenseUsage":     `{"LicenseArn":"arn:aws:license-manager::123456789012:license:l-0"}`,
	"CreateGrant": `{"ClientToken":"c","GrantName":"g","LicenseArn":"arn:aws:license-manager::123456789012:license:l-0",
		"Principals":["arn:aws:iam::123456789012:root"],"HomeRegion":"us-east-1","AllowedOperations":["CheckoutLicense"]}`,
	"CreateGrantVersion": `{"ClientToken":"c","GrantArn":"arn:aws:license-manager::123456789012:grant:g-0","GrantName":"g",
		"AllowedOperations":["CheckoutLicense"],"Status":"ACTIVE","StatusReason":"r","SourceVersion":"1",
		"Options":{"ActivationOverrideBehavior":"DISTRIBUTED_GRANTS_ONLY"}}`,
	"GetGrant":              `{"GrantArn":"arn:aws:license-manager::123456789012:grant:g-0","Version":"1"}`,
	"ListDistributedGrants": `{"GrantArns":["arn:aws:license-manager::123456789012:grant:g-0"],"Filters":[{"Name":"ProductSKU","Values":["s"]}],"NextToken":"eA"}`,
	"ListReceivedGrants":    `{"GrantArns":["arn:aws:license-manager::123456789012:grant:g-0"],"Filters":[{"Name":"ProductSKU","Values":["s"]}],"NextToken":"eA"}`,
	"ListReceivedLicenses":  `{"LicenseArns":["arn:aws:license-manager::123456789012:license:l-0"],"Filters":[{"Name":"ProductSKU","Values":["s"]}],"NextToken":"eA"}`,
	"AcceptGrant":           `{"GrantArn":"arn:aws:license-manager::123456789012:grant:g-0"}`,
	"RejectGrant":           `{"GrantArn":"arn:aws:license-manager::123456789012:grant:g-0"}`,
	"DeleteGrant":           `{"GrantArn":"arn:aws:license-manager::123456789012:grant:g-0","StatusReason":"r","Version":"1"}`,
	"CheckoutLicense": `{"ProductSKU":"s","CheckoutType":"PROVISIONAL","KeyFingerprint":"aws:123456789012:Self:issuer-fingerprint",
		"Entitlements":[{"Name":"e","Value":"1","Unit":"Count"}],"ClientToken":"c","Beneficiary":"b","NodeId":"n"}`,
	"CheckInLicense":           `{"LicenseConsumptionToken":"t","Beneficiary":"b"}`,
	"ExtendLicenseConsumption": `{"LicenseConsumptionToken":"t"}`,
	"CheckoutBorrowLicense": `{"LicenseArn":"arn:aws:license-manager::123456789012:license:l-0","Entitlements":[{"Name":"e","Value":"1","Unit":"Count"}],
		"DigitalSignatureMethod":"JWT_PS384","NodeId":"n","CheckoutMetadata":[{"Name":"m","Value":"v"}],"ClientToken":"c"}`,
	"CreateToken": `{"LicenseArn":"arn:aws:license-manager::123456789012:license:l-0","RoleArns":["arn:aws:iam::123456789012:role/r"],
		"ExpirationInDays":1,"TokenProperties":["p"],"ClientToken":"c"}`,
	"ListTokens":          `{"TokenIds":["t"],"Filters":[{"Name":"LicenseArns","Values":["a"]}],"NextToken":"eA"}`,
	"DeleteToken":         `{"TokenId":"t"}`,
	"GetAccessToken":      `{"Token":"t","TokenProperties":["p"]}`,
	"TagResource":         `{"ResourceArn":"arn:aws:license-manager::123456789012:license:l-0","Tags":[{"Key":"k","Value":"v"}]}`,
	"UntagResource":       `{"ResourceArn":"arn:aws:license-manager::123456789012:license:l-0","TagKeys":["k"]}`,
	"ListTagsForResource": `{"ResourceArn":"arn:aws:license-manager::123456789012:license:l-0"}`,
	"GetServiceSettings":  `{}`,
	"UpdateServiceSettings": `{"S3BucketArn":"arn:aws:s3:::b","SnsTopicArn":"arn:aws:sns:us-east-1:123456789012:t",
		"OrganizationConfiguration":{"EnableIntegration":false},"EnableCrossAccountsDiscovery":false}`,
	"ListReceivedLicensesForOrganization": `{"Filters":[{"Name":"ProductSKU","Values":["s"]}],"NextToken":"eA"}`,
	"ListReceivedGrantsForOrganization": `{"LicenseArn":"arn:aws:license-manager::123456789012:license:l-0",
		"Filters":[{"Name":"ProductSKU","Values":["s"]}],"NextToken":"eA"}`,
}

// stringLeaf is one string of a request: where it is, as a JSON path
// ("Entitlements.0.Name") and as validation messages name it
// ("entitlements.1.member.name").
type stringLeaf struct {
	path  []any // keys and list positions
	field string
}

// stringLeaves lists the strings of a decoded JSON body.
func stringLeaves(v any, path []any, field string) []stringLeaf {
	switch v := v.(type) {
	case map[string]any:
		var out []stringLeaf
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range v {
				if !yield(k) {
					return
				}
			}
		}) {
			name := strings.ToLower(k[:1]) + k[1:]
			if field != "" {
				name = field + "." + name
			}
			out = append(out, stringLeaves(v[k], append(slices.Clone(path), k), name)...)
		}
		return out
	case []any:
		var out []stringLeaf
		for i, e := range v {
			out = append(out, stringLeaves(e, append(slices.Clone(path), i), fmt.Sprintf("%s.%d.member", field, i+1))...)
		}
		return out
	case string:
		return []stringLeaf{{path: path, field: field}}
	}
	return nil
}

// shape is a path with list positions replaced by [], as typeLeaves names
// the strings of a Go type.
func (l stringLeaf) shape() string {
	var parts []string
	for _, p := range l.path {
		if _, ok := p.(int); ok {
			parts = append(parts, "[]")
		} else {
			parts = append(parts, p.(string))
		}
	}
	return strings.Join(parts, ".")
}

// with returns body with the string at path replaced by value.
func with(t *testing.T, body string, path []any, value string) string {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("sample body: %v", err)
	}
	var set func(v any, path []any) any
	set = func(v any, path []any) any {
		if len(path) == 0 {
			return value
		}
		switch v := v.(type) {
		case map[string]any:
			v[path[0].(string)] = set(v[path[0].(string)], path[1:])
		case []any:
			v[path[0].(int)] = set(v[path[0].(int)], path[1:])
		}
		return v
	}
	b, err := json.Marshal(set(doc, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// typeLeaves lists the JSON paths of the strings of a Go type, with lists
// as [].
func typeLeaves(t reflect.Type, path string) []string {
	switch t.Kind() {
	case reflect.Pointer:
		return typeLeaves(t.Elem(), path)
	case reflect.Slice:
		return typeLeaves(t.Elem(), joinShape(path, "[]"))
	case reflect.String:
		return []string{path}
	case reflect.Struct:
		var out []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case f.Anonymous: // an embedded structure's members are the outer one's
				out = append(out, typeLeaves(f.Type, path)...)
			case !f.IsExported() || name == "-":
			default:
				if name == "" {
					name = f.Name
				}
				out = append(out, typeLeaves(f.Type, joinShape(path, name))...)
			}
		}
		return out
	}
	return nil
}

func joinShape(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// TestSampleRequests: every string member of every operation's wire
// request is set in its sample request, so that the tests that go through
// the samples reach every field; a request that gains a field fails here
// until its sample has it.
func TestSampleRequests(t *testing.T) {
	for _, op := range operationNames() {
		req := licensemanager.RequestType(op)
		if req == nil {
			t.Errorf("the service has no operation %s", op)
			continue
		}
		want := typeLeaves(req, "")
		sort.Strings(want)
		body, ok := sampleRequests[op]
		if !ok {
			t.Errorf("no sample request for %s", op)
			continue
		}
		var doc any
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatalf("%s sample: %v", op, err)
		}
		var got []string
		for _, l := range stringLeaves(doc, nil, "") {
			got = append(got, l.shape())
		}
		got = slices.Compact(slices.Sorted(slices.Values(got)))
		if d := strings.Join(diffSets(want, got), ", "); d != "" {
			t.Errorf("%s sample request: string members of the input not set: %s", op, d)
		}
	}
}

func diffSets(want, got []string) []string {
	var missing []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	return missing
}

var _ = sdk("NULRefusedEverywhere", testNULRefusedEverywhere)

// testNULRefusedEverywhere: a NUL character in any string of any request is
// a ValidationException that names the field, on every backend alike
// (PostgreSQL cannot store NUL and answered 500; SQLite stored it). Among
// them are the fields found answering 500: CreateLicense ProductSKU,
// Beneficiary, Issuer.Name, ClientToken; CheckoutLicense ClientToken,
// KeyFingerprint; CreateGrant ClientToken; GetLicense Version; DeleteToken
// TokenId; GetAccessToken Token; CheckInLicense's and
// ExtendLicenseConsumption's LicenseConsumptionToken.
func testNULRefusedEverywhere(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	caller := e.party("caller", false)
	for _, op := range operationNames() {
		var doc any
		if err := json.Unmarshal([]byte(sampleRequests[op]), &doc); err != nil {
			t.Fatalf("%s sample: %v", op, err)
		}
		for _, leaf := range stringLeaves(doc, nil, "") {
			t.Run(op+"/"+leaf.field, func(t *testing.T) {
				resp := e.in(t).raw(caller, op, with(t, sampleRequests[op], leaf.path, "a\x00b"))
				want := fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must not contain the NUL character", leaf.field)
				if resp.Status != http.StatusBadRequest || resp.Type != "ValidationException" || !strings.Contains(resp.Message, want) {
					t.Errorf("HTTP %d %s %q, want 400 ValidationException containing %q", resp.Status, resp.Type, resp.Message, want)
				}
			})
		}
	}
}

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	lmtypes "github.com/aws/aws-sdk-go-v2/service/licensemanager/types"

	"github.com/tollgate/tollgate/internal/demo"
)

const region = "us-east-1"

// signedRaw signs a POST to / with aws-sdk-go-v2's SigV4 signer, as the
// SDKs do, and renders it byte for byte.
func (s *suite) signedRaw(ctx context.Context, key demo.Party, service string, header http.Header, body []byte) ([]byte, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.endpoint.String()+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		r.Header[k] = v
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: key.Key.ID, SecretAccessKey: key.Key.Secret}
	if err := v4.NewSigner().SignHTTP(ctx, creds, r, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// lmCall sends a signed License Manager call with a hand-written body and
// checks that its answer is a JSON 1.1 answer, not a server error.
func (s *suite) lmCall(ctx context.Context, name string, key demo.Party, op, body string) *answer {
	raw, err := s.signedRaw(ctx, key, "license-manager", http.Header{
		"X-Amz-Target": {"AWSLicenseManager." + op}, "Content-Type": {"application/x-amz-json-1.1"}}, []byte(body))
	if err != nil {
		s.failf("%s: signing: %v", name, err)
		return nil
	}
	a, err := s.exchange(raw, false, http.MethodPost)
	s.check(name, a, err, expectation{format: awsJSON})
	return a
}

// lmClient is a stock License Manager client for the suite's own setup.
func (s *suite) lmClient(p demo.Party) *licensemanager.Client {
	return licensemanager.New(licensemanager.Options{
		Region: region, BaseEndpoint: aws.String(s.cfg.endpoint.String()),
		Credentials: credentials.NewStaticCredentialsProvider(p.Key.ID, p.Key.Secret, ""),
	})
}

// hostileLicense is a license of the suite's own, granted by the demo
// seller to the demo buyer and active, so that hostile checkouts touch
// nothing the other end-to-end scripts use.
type hostileLicense struct {
	sku, fingerprint, arn string
}

func (s *suite) setUpLicense(ctx context.Context) (hostileLicense, error) {
	w := demo.Parties()
	seller, buyer := s.lmClient(w.Seller), s.lmClient(w.Buyer)
	tag := fmt.Sprintf("tollgate-hostile-%s-%s", s.cfg.mode, s.runID)
	now := time.Now().UTC()
	lic, err := seller.CreateLicense(ctx, &licensemanager.CreateLicenseInput{
		LicenseName: aws.String("Hostile"), ProductName: aws.String("Hostile"), ProductSKU: aws.String(tag),
		Issuer: &lmtypes.Issuer{Name: aws.String("Self")}, HomeRegion: aws.String(region), Beneficiary: aws.String(w.Buyer.Account.ID),
		Validity: &lmtypes.DatetimeRange{Begin: aws.String(now.Format(time.RFC3339)), End: aws.String(now.Add(24 * time.Hour).Format(time.RFC3339))},
		Entitlements: []lmtypes.Entitlement{
			{Name: aws.String("Seats"), MaxCount: aws.Int64(5), Unit: lmtypes.EntitlementUnitCount, AllowCheckIn: aws.Bool(true)},
			{Name: aws.String("Units"), MaxCount: aws.Int64(5), Unit: lmtypes.EntitlementUnitCount, AllowCheckIn: aws.Bool(false)},
		},
		ConsumptionConfiguration: &lmtypes.ConsumptionConfiguration{RenewType: lmtypes.RenewTypeNone,
			ProvisionalConfiguration: &lmtypes.ProvisionalConfiguration{MaxTimeToLiveInMinutes: aws.Int32(60)}},
		ClientToken: aws.String(tag + "-license"),
	})
	if err != nil {
		return hostileLicense{}, fmt.Errorf("CreateLicense: %w", err)
	}
	grant, err := seller.CreateGrant(ctx, &licensemanager.CreateGrantInput{
		ClientToken: aws.String(tag + "-grant"), GrantName: aws.String("Hostile"), LicenseArn: lic.LicenseArn, HomeRegion: aws.String(region),
		Principals:        []string{"arn:aws:iam::" + w.Buyer.Account.ID + ":root"},
		AllowedOperations: []lmtypes.AllowedOperation{lmtypes.AllowedOperationCheckoutLicense, lmtypes.AllowedOperationCheckInLicense, lmtypes.AllowedOperationExtendConsumptionLicense},
	})
	if err != nil {
		return hostileLicense{}, fmt.Errorf("CreateGrant: %w", err)
	}
	if _, err := buyer.AcceptGrant(ctx, &licensemanager.AcceptGrantInput{GrantArn: grant.GrantArn}); err != nil {
		return hostileLicense{}, fmt.Errorf("AcceptGrant: %w", err)
	}
	if _, err := buyer.CreateGrantVersion(ctx, &licensemanager.CreateGrantVersionInput{
		ClientToken: aws.String(tag + "-activate"), GrantArn: grant.GrantArn, Status: lmtypes.GrantStatusActive}); err != nil {
		return hostileLicense{}, fmt.Errorf("CreateGrantVersion: %w", err)
	}
	got, err := seller.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: lic.LicenseArn})
	if err != nil {
		return hostileLicense{}, fmt.Errorf("GetLicense: %w", err)
	}
	return hostileLicense{sku: tag, fingerprint: aws.ToString(got.License.Issuer.KeyFingerprint), arn: aws.ToString(lic.LicenseArn)}, nil
}

// jsonString quotes s as JSON does (a NUL becomes \u0000).
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// hostileValues are entitlement values that overflow, underflow or are not
// numbers at all, as JSON strings (Value is a string in the model).
var hostileValues = []string{
	`"1"`, `"9223372036854775807"`, `"9223372036854775808"`, `"18446744073709551616"`, `"-1"`, `"-9223372036854775808"`,
	`"0"`, `"1e400"`, `"1.5"`, `"NaN"`, `""`, `" 5"`, `"0x10"`, `"5\u00005"`, `"\u0000"`, "\"\xff\xfe\"",
	`"` + strings.Repeat("9", 1000) + `"`, `1e400`, `-1`, `9223372036854775808`, `null`, `{"a":1}`, `["1"]`,
}

// signed sends License Manager requests signed as the SDKs sign them,
// carrying hostile values into the domain, and checks the license they
// touch is still served afterwards.
func (s *suite) signed(ctx context.Context) error {
	lic, err := s.setUpLicense(ctx)
	if err != nil {
		return err
	}
	w := demo.Parties()
	n := 0
	call := func(name string, key demo.Party, op, body string) *answer {
		n++
		return s.lmCall(ctx, name, key, op, body)
	}
	for _, checkoutType := range []string{"PERPETUAL", "PROVISIONAL"} {
		ent := map[string]string{"PERPETUAL": "Units", "PROVISIONAL": "Seats"}[checkoutType]
		for i, v := range hostileValues {
			body := fmt.Sprintf(`{"ProductSKU":%s,"CheckoutType":%q,"KeyFingerprint":%s,"Entitlements":[{"Name":%q,"Value":%s,"Unit":"Count"}],"ClientToken":"hostile-%s-%s-%d"}`,
				jsonString(lic.sku), checkoutType, jsonString(lic.fingerprint), ent, v, s.runID, checkoutType, i)
			call(fmt.Sprintf("CheckoutLicense %s Value %.40s", checkoutType, v), w.Buyer, "CheckoutLicense", body)
		}
	}
	// The license must still be served: the overflow once left it
	// answering 500 for good.
	if a := call("GetLicenseUsage after the hostile checkouts", w.Seller, "GetLicenseUsage", fmt.Sprintf(`{"LicenseArn":%s}`, jsonString(lic.arn))); a != nil && a.status != http.StatusOK {
		s.failf("GetLicenseUsage after the hostile checkouts: HTTP %d %s", a.status, a.body)
	}
	ok := fmt.Sprintf(`{"ProductSKU":%s,"CheckoutType":"PROVISIONAL","KeyFingerprint":%s,"Entitlements":[{"Name":"Seats","Value":"1","Unit":"Count"}],"ClientToken":"hostile-after-%s"}`,
		jsonString(lic.sku), jsonString(lic.fingerprint), s.runID)
	if a := call("a plain checkout after the hostile ones", w.Buyer, "CheckoutLicense", ok); a != nil && a.status != http.StatusOK {
		s.failf("a plain checkout after the hostile ones: HTTP %d %s", a.status, a.body)
	}
	for _, c := range hostileCreates(lic) {
		call("CreateLicense "+c.name, w.Seller, "CreateLicense", c.body)
	}
	nul, bad := jsonString("\x00"), "\"\xff\xfe\""
	for _, c := range []struct{ op, body string }{
		{"ExtendLicenseConsumption", `{"LicenseConsumptionToken":` + nul + `}`},
		{"ExtendLicenseConsumption", `{"LicenseConsumptionToken":` + bad + `}`},
		{"CheckInLicense", `{"LicenseConsumptionToken":` + nul + `}`},
		{"CheckInLicense", `{"LicenseConsumptionToken":` + bad + `,"Beneficiary":` + nul + `}`},
		{"GetLicense", `{"LicenseArn":` + nul + `,"Version":` + nul + `}`},
		{"GetLicense", `{"LicenseArn":` + jsonString(lic.arn) + `,"Version":"99999999999999999999"}`},
		{"DeleteToken", `{"TokenId":` + nul + `}`},
		{"GetAccessToken", `{"Token":` + nul + `}`},
		{"CreateGrant", `{"ClientToken":` + nul + `,"GrantName":"g","LicenseArn":` + jsonString(lic.arn) + `,"Principals":["arn:aws:iam::333333333333:root"],"HomeRegion":"us-east-1","AllowedOperations":["CheckoutLicense"]}`},
		{"ListLicenses", `{"MaxResults":-1}`},
		{"ListLicenses", `{"MaxResults":2147483648}`},
		{"ListLicenses", `{"NextToken":` + bad + `}`},
		{"ListLicenses", `{"Filters":[{"Name":"ProductSKU","Values":[` + strings.TrimSuffix(strings.Repeat(nul+",", 10_000), ",") + `]}]}`},
		{"ListReceivedLicenses", `{"Filters":[{"Name":` + bad + `,"Values":[` + bad + `]}]}`},
	} {
		for _, key := range []demo.Party{w.Buyer, w.Seller} {
			call(fmt.Sprintf("%s as the %s with %.60s", c.op, key.Role, c.body), key, c.op, c.body)
		}
	}
	s.logf("   %d signed calls on license %s", n, lic.arn)
	return nil
}

type namedBody struct{ name, body string }

// hostileCreates are CreateLicense bodies with one hostile field each.
func hostileCreates(lic hostileLicense) []namedBody {
	valid := func(sku, issuer, beneficiary, token, ents string) string {
		return fmt.Sprintf(`{"LicenseName":"h","ProductName":"h","ProductSKU":%s,"Issuer":{"Name":%s},"HomeRegion":"us-east-1",`+
			`"Beneficiary":%s,"Validity":{"Begin":"2025-01-01T00:00:00Z","End":"2035-01-01T00:00:00Z"},"Entitlements":%s,`+
			`"ConsumptionConfiguration":{"RenewType":"None"},"ClientToken":%s}`, sku, issuer, beneficiary, ents, token)
	}
	ent := func(maxCount string) string {
		return `[{"Name":"Seats","MaxCount":` + maxCount + `,"Unit":"Count","AllowCheckIn":true}]`
	}
	sku, self, buyer := jsonString(lic.sku+"-c"), `"Self"`, `"333333333333"`
	token := func(i int) string { return jsonString(fmt.Sprintf("%s-create-%d", lic.sku, i)) }
	nul, bad := jsonString("a\x00b"), "\"\xff\xfe\""
	return []namedBody{
		{"MaxCount 1e400", valid(sku, self, buyer, token(0), ent("1e400"))},
		{"MaxCount 2^63", valid(sku, self, buyer, token(1), ent("9223372036854775808"))},
		{"MaxCount 2^63-1", valid(sku, self, buyer, token(2), ent("9223372036854775807"))},
		{"MaxCount -1", valid(sku, self, buyer, token(3), ent("-1"))},
		{"MaxCount \"5\"", valid(sku, self, buyer, token(4), ent(`"5"`))},
		{"Entitlement Value of 1 MiB", valid(sku, self, buyer, token(5), `[{"Name":"Tier","Value":"`+strings.Repeat("v", 1<<20)+`","Unit":"None"}]`)},
		{"Entitlement Name of invalid UTF-8", valid(sku, self, buyer, token(6), `[{"Name":`+bad+`,"MaxCount":1,"Unit":"Count"}]`)},
		{"ProductSKU with NUL", valid(nul, self, buyer, token(7), ent("1"))},
		{"Issuer.Name with NUL", valid(sku, nul, buyer, token(8), ent("1"))},
		{"Issuer.Name of 5,000 characters", valid(sku, jsonString(strings.Repeat("i", 5000)), buyer, token(9), ent("1"))},
		{"Beneficiary with NUL", valid(sku, self, nul, token(10), ent("1"))},
		{"ClientToken with NUL", valid(sku, self, buyer, nul, ent("1"))},
		{"ProductSKU of invalid UTF-8", valid(bad, self, buyer, token(12), ent("1"))},
		{"10,000 entitlements", valid(sku, self, buyer, token(13), "["+strings.TrimSuffix(strings.Repeat(`{"Name":"E","MaxCount":1,"Unit":"Count"},`, 10_000), ",")+"]")},
	}
}

package licensemanager_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var _ = sdk("CreateLicenseIssuer", testCreateLicenseIssuer)

// testCreateLicenseIssuer covers the issuer names and the fingerprints
// they get: Self for any account, AWS/Marketplace only for operators.
func testCreateLicenseIssuer(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, operator, buyer := e.party("seller", false), e.party("operator", true), e.party("buyer", false)

	tests := []struct {
		name       string
		issuer     party
		issuerName string
		wantFP     string
		wantErr    string
	}{
		{"self", seller, "Self", seller.selfFingerprint(), ""},
		{"named issuer", seller, "Acme", "aws:" + seller.ID + ":Acme:issuer-fingerprint", ""},
		{"marketplace by operator", operator, "AWS/Marketplace", marketplaceFingerprint, ""},
		{"marketplace by seller", seller, "AWS/Marketplace", "", "AccessDeniedException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := e.licenseInput(newSKU(), buyer.ID, counted("ReadOnly", 5, false))
			in.Issuer = &types.Issuer{Name: aws.String(tt.issuerName)}
			out, err := tt.issuer.LM.CreateLicense(e.ctx, in)
			if got := errorCode(t, err); got != tt.wantErr {
				t.Fatalf("CreateLicense error %q (%v), want %q", got, err, tt.wantErr)
			}
			if tt.wantErr == "AccessDeniedException" {
				expectErr[*types.AccessDeniedException](t, err)
			}
			if err != nil {
				return
			}
			if out.Status != types.LicenseStatusAvailable || aws.ToString(out.Version) != "1" {
				t.Errorf("CreateLicense = %s version %s, want AVAILABLE version 1", out.Status, aws.ToString(out.Version))
			}
			got, err := tt.issuer.LM.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: out.LicenseArn})
			if err != nil {
				t.Fatalf("GetLicense: %v", err)
			}
			want := &types.License{
				LicenseArn: out.LicenseArn, LicenseName: in.LicenseName, ProductName: in.ProductName, ProductSKU: in.ProductSKU,
				Issuer:     &types.IssuerDetails{Name: aws.String(tt.issuerName), KeyFingerprint: aws.String(tt.wantFP)},
				HomeRegion: aws.String(region), Status: types.LicenseStatusAvailable, Validity: in.Validity,
				Beneficiary: aws.String(buyer.ID), Entitlements: in.Entitlements, ConsumptionConfiguration: in.ConsumptionConfiguration,
				Version: aws.String("1"),
			}
			if diff := cmp.Diff(want, got.License, ignoreUnexported, cmpopts.IgnoreFields(types.License{}, "CreateTime")); diff != "" {
				t.Errorf("GetLicense (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(aws.ToString(out.LicenseArn), "arn:aws:license-manager::"+tt.issuer.ID+":license:l-") {
				t.Errorf("LicenseArn %s is not a license of %s", aws.ToString(out.LicenseArn), tt.issuer.ID)
			}
			if ct := parseTime(t, got.License.CreateTime); !ct.Equal(e.now()) {
				t.Errorf("CreateTime %s, want the simulated now %s", ct, e.now())
			}
		})
	}
}

var _ = sdk("CreateLicenseValidation", testCreateLicenseValidation)

// testCreateLicenseValidation: bad license bodies are ValidationExceptions.
func testCreateLicenseValidation(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller := e.party("seller", false)
	tests := []struct {
		name string
		edit func(*licensemanager.CreateLicenseInput)
	}{
		{"no entitlements", func(in *licensemanager.CreateLicenseInput) { in.Entitlements = []types.Entitlement{} }},
		{"unknown unit", func(in *licensemanager.CreateLicenseInput) { in.Entitlements[0].Unit = "Furlongs" }},
		{"negative MaxCount", func(in *licensemanager.CreateLicenseInput) { in.Entitlements[0].MaxCount = aws.Int64(-1) }},
		{"duplicate entitlement", func(in *licensemanager.CreateLicenseInput) {
			in.Entitlements = append(in.Entitlements, in.Entitlements[0])
		}},
		{"validity end before begin", func(in *licensemanager.CreateLicenseInput) {
			in.Validity.End = aws.String(e.now().AddDate(-1, 0, 0).Format(isoFormat))
		}},
		{"validity not a date", func(in *licensemanager.CreateLicenseInput) { in.Validity.Begin = aws.String("yesterday") }},
		{"unknown renew type", func(in *licensemanager.CreateLicenseInput) { in.ConsumptionConfiguration.RenewType = "Hourly" }},
		{"zero time to live", func(in *licensemanager.CreateLicenseInput) {
			in.ConsumptionConfiguration.ProvisionalConfiguration.MaxTimeToLiveInMinutes = aws.Int32(0)
		}},
		{"client token too long", func(in *licensemanager.CreateLicenseInput) { in.ClientToken = aws.String(strings.Repeat("c", 2049)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := e.licenseInput(newSKU(), "123456789012", counted("ReadOnly", 5, false))
			tt.edit(in)
			_, err := seller.LM.CreateLicense(e.ctx, in)
			expectErr[*types.ValidationException](t, err)
		})
	}
}

var _ = sdk("LicenseVersions", testLicenseVersions)

// testLicenseVersions covers CreateLicenseVersion, GetLicense by version
// and ListLicenseVersions with pagination.
func testLicenseVersions(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, buyer := e.party("seller", false), e.party("buyer", false)
	in := e.licenseInput(newSKU(), buyer.ID, counted("Users", 10, false))
	arn := e.createLicense(seller, in)

	for _, max := range []int64{20, 30} {
		out, err := seller.LM.CreateLicenseVersion(e.ctx, versionInput(arn, in, counted("Users", max, false)))
		if err != nil {
			t.Fatalf("CreateLicenseVersion: %v", err)
		}
		if out.Status != types.LicenseStatusAvailable || aws.ToString(out.LicenseArn) != arn {
			t.Errorf("CreateLicenseVersion = %+v", out)
		}
	}
	maxOf := func(l *types.License) int64 { return aws.ToInt64(l.Entitlements[0].MaxCount) }
	for version, wantMax := range map[string]int64{"": 30, "1": 10, "2": 20, "3": 30} {
		got, err := seller.LM.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn), Version: aws.String(version)})
		if err != nil {
			t.Fatalf("GetLicense version %q: %v", version, err)
		}
		wantVersion := version
		if version == "" {
			wantVersion = "3"
		}
		if aws.ToString(got.License.Version) != wantVersion || maxOf(got.License) != wantMax {
			t.Errorf("GetLicense version %q = version %s MaxCount %d, want version %s MaxCount %d",
				version, aws.ToString(got.License.Version), maxOf(got.License), wantVersion, wantMax)
		}
	}
	_, err := seller.LM.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn), Version: aws.String("9")})
	expectErr[*types.InvalidParameterValueException](t, err)

	// ListLicenseVersions, a page at a time.
	var versions []string
	var next *string
	for pages := 0; ; pages++ {
		out, err := seller.LM.ListLicenseVersions(e.ctx, &licensemanager.ListLicenseVersionsInput{
			LicenseArn: aws.String(arn), MaxResults: aws.Int32(2), NextToken: next})
		if err != nil {
			t.Fatalf("ListLicenseVersions: %v", err)
		}
		if len(out.Licenses) > 2 {
			t.Fatalf("page of %d with MaxResults 2", len(out.Licenses))
		}
		for _, l := range out.Licenses {
			versions = append(versions, aws.ToString(l.Version)+":"+aws.ToString(l.LicenseArn))
		}
		if next = out.NextToken; next == nil {
			break
		}
		if pages > 3 {
			t.Fatal("ListLicenseVersions does not end")
		}
	}
	if diff := cmp.Diff([]string{"1:" + arn, "2:" + arn, "3:" + arn}, versions); diff != "" {
		t.Errorf("ListLicenseVersions (-want +got):\n%s", diff)
	}

	// A stale SourceVersion is a conflict; so is changing the issuer.
	stale := versionInput(arn, in, counted("Users", 40, false))
	stale.SourceVersion = aws.String("1")
	_, err = seller.LM.CreateLicenseVersion(e.ctx, stale)
	expectErr[*types.ConflictException](t, err)
	renamed := versionInput(arn, in, counted("Users", 40, false))
	renamed.Issuer = &types.Issuer{Name: aws.String("Someone Else")}
	_, err = seller.LM.CreateLicenseVersion(e.ctx, renamed)
	expectErr[*types.ValidationException](t, err)
	// Only the issuer makes versions.
	_, err = buyer.LM.CreateLicenseVersion(e.ctx, versionInput(arn, in, counted("Users", 40, false)))
	expectErr[*types.ResourceNotFoundException](t, err)
	_, err = buyer.LM.ListLicenseVersions(e.ctx, &licensemanager.ListLicenseVersionsInput{LicenseArn: aws.String(arn)})
	expectErr[*types.InvalidParameterValueException](t, err)
}

// versionInput is a CreateLicenseVersion that keeps in but for ents.
func versionInput(arn string, in *licensemanager.CreateLicenseInput, ents ...types.Entitlement) *licensemanager.CreateLicenseVersionInput {
	return &licensemanager.CreateLicenseVersionInput{
		LicenseArn: aws.String(arn), LicenseName: in.LicenseName, ProductName: in.ProductName, Issuer: in.Issuer,
		HomeRegion: in.HomeRegion, Validity: in.Validity, Entitlements: ents,
		ConsumptionConfiguration: in.ConsumptionConfiguration, Status: types.LicenseStatusAvailable, ClientToken: newToken(),
	}
}

var _ = sdk("RenewalTakesEffectForNextCheckout", testRenewalTakesEffectForNextCheckout)

// testRenewalTakesEffectForNextCheckout: a new version that raises
// MaxCount lets the next checkout through, and live checkouts stay.
func testRenewalTakesEffectForNextCheckout(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, buyer := e.party("seller", false), e.party("buyer", false)
	sku := newSKU()
	in := e.licenseInput(sku, buyer.ID, counted("Users", 2, false))
	arn := e.createLicense(seller, in)
	e.grantActive(seller, buyer, arn)
	fp := seller.selfFingerprint()

	first := e.mustCheckout(buyer, sku, fp, types.CheckoutTypeProvisional, want("Users", 2))
	_, err := e.checkout(buyer, sku, fp, types.CheckoutTypeProvisional, want("Users", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)

	if _, err := seller.LM.CreateLicenseVersion(e.ctx, versionInput(arn, in, counted("Users", 3, false))); err != nil {
		t.Fatalf("CreateLicenseVersion: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"Users": "2/3"}, e.usage(seller, arn)); diff != "" {
		t.Errorf("usage after renewal (-want +got):\n%s", diff)
	}
	e.mustCheckout(buyer, sku, fp, types.CheckoutTypeProvisional, want("Users", 1))
	_, err = e.checkout(buyer, sku, fp, types.CheckoutTypeProvisional, want("Users", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	// The checkout made under version 1 is still live: it extends and checks in.
	if _, err := buyer.LM.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: first.LicenseConsumptionToken}); err != nil {
		t.Fatalf("extending a checkout made under the previous version: %v", err)
	}
	if _, err := buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: first.LicenseConsumptionToken}); err != nil {
		t.Fatalf("checking in a checkout made under the previous version: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"Users": "1/3"}, e.usage(buyer, arn)); diff != "" {
		t.Errorf("usage after check-in (-want +got):\n%s", diff)
	}
}

var _ = sdk("ListLicenses", testListLicenses)

// testListLicenses covers the filters and pagination of ListLicenses.
func testListLicenses(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller := e.party("operator-seller", true) // an operator may issue as Self and as the marketplace
	other := e.party("other-seller", false)
	b1, b2 := e.party("buyer1", false), e.party("buyer2", false)
	skuA, skuB := newSKU(), newSKU()

	create := func(p party, sku, beneficiary, issuer string) string {
		in := e.licenseInput(sku, beneficiary, counted("Users", 5, false))
		in.Issuer = &types.Issuer{Name: aws.String(issuer)}
		return e.createLicense(p, in)
	}
	a1 := create(seller, skuA, b1.ID, "Self")
	a2 := create(seller, skuA, b2.ID, "Self")
	aMP := create(seller, skuA, b1.ID, "AWS/Marketplace")
	b1l := create(seller, skuB, b1.ID, "Self")
	deleted := create(seller, skuB, b2.ID, "Self")
	create(other, skuA, b1.ID, "Self") // another issuer's: never listed
	if _, err := seller.LM.DeleteLicense(e.ctx, &licensemanager.DeleteLicenseInput{LicenseArn: aws.String(deleted), SourceVersion: aws.String("1")}); err != nil {
		t.Fatalf("DeleteLicense: %v", err)
	}

	filter := func(name string, values ...string) []types.Filter {
		return []types.Filter{{Name: aws.String(name), Values: values}}
	}
	tests := []struct {
		name    string
		filters []types.Filter
		arns    []string
		want    []string
	}{
		{"all", nil, nil, []string{a1, a2, aMP, b1l, deleted}},
		{"ProductSKU", filter("ProductSKU", skuB), nil, []string{b1l, deleted}},
		{"Fingerprint self", filter("Fingerprint", seller.selfFingerprint()), nil, []string{a1, a2, b1l, deleted}},
		{"Fingerprint marketplace", filter("Fingerprint", marketplaceFingerprint), nil, []string{aMP}},
		{"Status DELETED", filter("Status", "DELETED"), nil, []string{deleted}},
		{"Status AVAILABLE", filter("Status", "AVAILABLE"), nil, []string{a1, a2, aMP, b1l}},
		{"Beneficiary", filter("Beneficiary", b2.ID), nil, []string{a2, deleted}},
		{"any of several values", filter("Beneficiary", b2.ID, "nobody"), nil, []string{a2, deleted}},
		{"filters combine", append(filter("ProductSKU", skuA), filter("Beneficiary", b1.ID)...), nil, []string{a1, aMP}},
		{"LicenseArns", nil, []string{a2, b1l}, []string{a2, b1l}},
		{"no match", filter("ProductSKU", "nothing"), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := seller.LM.ListLicenses(e.ctx, &licensemanager.ListLicensesInput{Filters: tt.filters, LicenseArns: tt.arns})
			if err != nil {
				t.Fatalf("ListLicenses: %v", err)
			}
			if diff := cmp.Diff(sorted(tt.want), licenseArns(out.Licenses), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ListLicenses (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("pagination", func(t *testing.T) {
		var got []string
		var next *string
		pages := 0
		for {
			out, err := seller.LM.ListLicenses(e.ctx, &licensemanager.ListLicensesInput{MaxResults: aws.Int32(2), NextToken: next})
			if err != nil {
				t.Fatalf("ListLicenses: %v", err)
			}
			pages++
			if len(out.Licenses) > 2 {
				t.Fatalf("page of %d with MaxResults 2", len(out.Licenses))
			}
			for _, l := range out.Licenses {
				got = append(got, aws.ToString(l.LicenseArn))
			}
			if next = out.NextToken; next == nil {
				break
			}
			if pages > 5 {
				t.Fatal("ListLicenses does not end")
			}
		}
		if pages != 3 {
			t.Errorf("%d pages of 2 for 5 licenses, want 3", pages)
		}
		if diff := cmp.Diff(sorted([]string{a1, a2, aMP, b1l, deleted}), got); diff != "" {
			t.Errorf("paged ListLicenses (-want +got):\n%s", diff)
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		_, err := seller.LM.ListLicenses(e.ctx, &licensemanager.ListLicensesInput{Filters: filter("Color", "red")})
		expectErr[*types.InvalidParameterValueException](t, err)
		_, err = seller.LM.ListLicenses(e.ctx, &licensemanager.ListLicensesInput{MaxResults: aws.Int32(0)})
		expectErr[*types.ValidationException](t, err)
		_, err = seller.LM.ListLicenses(e.ctx, &licensemanager.ListLicensesInput{NextToken: aws.String("!!not base64!!")})
		expectErr[*types.ValidationException](t, err)
	})
}

func licenseArns(ls []types.License) []string {
	var out []string
	for _, l := range ls {
		out = append(out, aws.ToString(l.LicenseArn))
	}
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

var _ = sdk("DeleteLicense", testDeleteLicense)

// testDeleteLicense: SourceVersion must be the current version; a deleted
// license shows DELETED and checks out nothing.
func testDeleteLicense(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Users", 5, false))
	del := func(p party, version string) (*licensemanager.DeleteLicenseOutput, error) {
		return p.LM.DeleteLicense(e.ctx, &licensemanager.DeleteLicenseInput{LicenseArn: aws.String(x.licenseArn), SourceVersion: aws.String(version)})
	}
	e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("Users", 1))

	_, err := del(x.seller, "2")
	expectErr[*types.ConflictException](t, err)
	_, err = del(x.buyer, "1")
	expectErr[*types.InvalidParameterValueException](t, err)

	out, err := del(x.seller, "1")
	if err != nil {
		t.Fatalf("DeleteLicense: %v", err)
	}
	if out.Status != types.LicenseDeletionStatusDeleted {
		t.Errorf("DeleteLicense status %s, want DELETED", out.Status)
	}
	if d := parseTime(t, out.DeletionDate); !d.Equal(e.now()) {
		t.Errorf("DeletionDate %s, want %s", d, e.now())
	}
	got, err := x.seller.LM.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(x.licenseArn)})
	if err != nil {
		t.Fatalf("GetLicense: %v", err)
	}
	if got.License.Status != types.LicenseStatusDeleted {
		t.Errorf("GetLicense status %s after delete, want DELETED", got.License.Status)
	}
	_, err = e.checkout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("Users", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	_, err = del(x.seller, "1")
	expectErr[*types.ConflictException](t, err)
	_, err = x.seller.LM.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String("late"), LicenseArn: aws.String(x.licenseArn),
		Principals: []string{x.buyer.principal()}, HomeRegion: aws.String(region), AllowedOperations: allOps, ClientToken: newToken()})
	expectErr[*types.InvalidParameterValueException](t, err)
}

var _ = sdk("GetLicenseUsage", testGetLicenseUsage)

// testGetLicenseUsage counts drawn-down units and live floating units, for
// the issuer and for the grantee.
func testGetLicenseUsage(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("DataConsumption", 500, false), counted("PowerUsers", 10, false), tier("Enterprise"))
	e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypePerpetual, want("DataConsumption", 10))
	e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypePerpetual, want("DataConsumption", 25))
	e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("PowerUsers", 3))
	e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("PowerUsers", 1), wantTier("Enterprise"))

	out, err := x.seller.LM.GetLicenseUsage(e.ctx, &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(x.licenseArn)})
	if err != nil {
		t.Fatalf("GetLicenseUsage: %v", err)
	}
	wantUsage := &types.LicenseUsage{EntitlementUsages: []types.EntitlementUsage{
		{Name: aws.String("DataConsumption"), ConsumedValue: aws.String("35"), MaxCount: aws.String("500"), Unit: types.EntitlementDataUnitCount},
		{Name: aws.String("PowerUsers"), ConsumedValue: aws.String("4"), MaxCount: aws.String("10"), Unit: types.EntitlementDataUnitCount},
		{Name: aws.String("Enterprise"), ConsumedValue: aws.String("0"), Unit: types.EntitlementDataUnitNone},
	}}
	if diff := cmp.Diff(wantUsage, out.LicenseUsage, ignoreUnexported); diff != "" {
		t.Errorf("GetLicenseUsage (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"DataConsumption": "35/500", "PowerUsers": "4/10", "Enterprise": "0/"}, e.usage(x.buyer, x.licenseArn)); diff != "" {
		t.Errorf("GetLicenseUsage as the grantee (-want +got):\n%s", diff)
	}
	// Floating units come back when they expire; drawn units do not.
	e.advance(ttl + time.Minute)
	if diff := cmp.Diff(map[string]string{"DataConsumption": "35/500", "PowerUsers": "0/10", "Enterprise": "0/"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("GetLicenseUsage after the floating units expired (-want +got):\n%s", diff)
	}
}

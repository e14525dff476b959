package licensemanager

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/license"
)

// TestValidityIn: the times of a license's validity are read as the model
// writes them (ISO 8601, any zone), and what is not one is a
// ValidationException naming the field.
func TestValidityIn(t *testing.T) {
	begin := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		in       *validityShape
		want     *license.Validity
		problems []string
	}{
		{"none", nil, nil, nil},
		{"UTC with milliseconds", &validityShape{Begin: "2024-01-01T00:00:00.000Z"}, &license.Validity{Begin: begin}, nil},
		{"an offset, and an end", &validityShape{Begin: "2024-01-01T02:00:00+02:00", End: "2025-01-01T00:00:00.123456789Z"},
			&license.Validity{Begin: begin, End: time.Date(2025, 1, 1, 0, 0, 0, 123456789, time.UTC)}, nil},
		{"no begin: the domain says it is required", &validityShape{End: "2025-01-01T00:00:00Z"},
			&license.Validity{End: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"not a time", &validityShape{Begin: "yesterday"}, &license.Validity{},
			[]string{"Value 'yesterday' at 'validity.begin' failed to satisfy constraint: Member must be an ISO 8601 date-time"}},
		{"a month that is not", &validityShape{Begin: "2024-01-01T00:00:00Z", End: "2024-13-01T00:00:00Z"}, &license.Validity{Begin: begin},
			[]string{"at 'validity.end' failed to satisfy constraint: Member must be an ISO 8601 date-time"}},
		{"a day the month lacks", &validityShape{Begin: "2024-02-30T00:00:00Z"}, &license.Validity{},
			[]string{"at 'validity.begin' failed to satisfy constraint: Member must be an ISO 8601 date-time"}},
		{"a NUL", &validityShape{Begin: "2024-01-01\x00"}, &license.Validity{},
			[]string{"Value at 'validity.begin' failed to satisfy constraint: Member must not contain the NUL character"}},
		{"longer than the shape allows", &validityShape{Begin: "2024-01-01T00:00:00.0000000000000000000000000000000000000Z"}, &license.Validity{},
			[]string{"at 'validity.begin' failed to satisfy constraint: Member must be an ISO 8601 date-time"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := createLicenseIn(createLicenseRequest{Validity: tc.in})
			wantValidation(t, err, tc.problems...)
			diff(t, "validity", tc.want, in.Validity)
		})
	}
}

// TestCreateLicenseIn: every member of the request reaches the domain's
// input; absent structures stay absent (the domain says which are
// required).
func TestCreateLicenseIn(t *testing.T) {
	hour, yes := 60, true
	for _, tc := range []struct {
		name string
		in   createLicenseRequest
		want license.CreateLicenseInput
	}{
		{"empty", createLicenseRequest{}, license.CreateLicenseInput{}},
		{"full", createLicenseRequest{LicenseName: "n", ProductName: "p", ProductSKU: "s",
			Issuer: &issuerShape{Name: "Self", SignKey: "k", KeyFingerprint: "f"}, HomeRegion: "r",
			Validity: &validityShape{Begin: "2024-01-01T00:00:00Z"},
			Entitlements: []entitlementShape{{Name: "Seats", MaxCount: ptr(int64(5)), Overage: &yes, Unit: "Count", AllowCheckIn: &yes},
				{Name: "Gold", Value: "Enabled", Unit: "None"}},
			Beneficiary: "b", ConsumptionConfiguration: &consumptionShape{RenewType: "None",
				ProvisionalConfiguration: &provisionalShape{MaxTimeToLiveInMinutes: &hour},
				BorrowConfiguration:      &borrowShape{AllowEarlyCheckIn: &yes, MaxTimeToLiveInMinutes: &hour}},
			LicenseMetadata: []metadataShape{{Name: "m", Value: "v"}}, ClientToken: "c"},
			license.CreateLicenseInput{LicenseName: "n", ProductName: "p", ProductSKU: "s",
				Issuer: &license.Issuer{Name: "Self", SignKey: "k", KeyFingerprint: "f"}, HomeRegion: "r",
				Validity: &license.Validity{Begin: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
				Entitlements: []license.Entitlement{{Name: "Seats", MaxCount: ptr(int64(5)), Overage: &yes, Unit: license.UnitCount, AllowCheckIn: &yes},
					{Name: "Gold", Value: "Enabled", Unit: license.UnitNone}},
				Beneficiary: "b", ConsumptionConfiguration: &license.ConsumptionConfiguration{RenewType: license.RenewNone,
					ProvisionalConfiguration: &license.ProvisionalConfiguration{MaxTimeToLiveInMinutes: &hour},
					BorrowConfiguration:      &license.BorrowConfiguration{AllowEarlyCheckIn: &yes, MaxTimeToLiveInMinutes: &hour}},
				LicenseMetadata: []license.Metadata{{Name: "m", Value: "v"}}, ClientToken: "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := createLicenseIn(tc.in)
			wantValidation(t, err)
			diff(t, "input", tc.want, got)
		})
	}
}

// TestLicenseOut: a license as the wire writes it, byte for byte: times in
// UTC to the millisecond, no End when there is none, optional members left
// out.
func TestLicenseOut(t *testing.T) {
	five, no, hour := int64(5), false, 60
	for _, tc := range []struct {
		name string
		in   license.License
		want string
	}{
		{"the least", license.License{LicenseArn: "a", Status: license.StatusAvailable, Validity: license.Validity{Begin: epoch},
			CreateTime: epoch, Version: "1"},
			`{"LicenseArn":"a","LicenseName":"","ProductName":"","ProductSKU":"","Issuer":{"Name":""},"HomeRegion":"","Status":"AVAILABLE",` +
				`"Validity":{"Begin":"2026-03-14T15:09:26.535Z"},"Beneficiary":"","Entitlements":null,"ConsumptionConfiguration":{},` +
				`"CreateTime":"2026-03-14T15:09:26.535Z","Version":"1"}`},
		{"the most", license.License{LicenseArn: "a", LicenseName: "n", ProductName: "p", ProductSKU: "s",
			Issuer: license.Issuer{Name: "Self", SignKey: "k", KeyFingerprint: "f"}, HomeRegion: "r", Status: license.StatusDeactivated,
			Validity:    license.Validity{Begin: epoch.In(time.FixedZone("x", 3600)), End: epoch.AddDate(1, 0, 0)},
			Beneficiary: "b", Entitlements: []license.Entitlement{{Name: "Seats", MaxCount: &five, Overage: &no, Unit: license.UnitCount},
				{Name: "Gold", Value: "Enabled", Unit: license.UnitNone}},
			ConsumptionConfiguration: license.ConsumptionConfiguration{RenewType: license.RenewMonthly,
				ProvisionalConfiguration: &license.ProvisionalConfiguration{MaxTimeToLiveInMinutes: &hour}},
			LicenseMetadata: []license.Metadata{{Name: "m", Value: "v"}}, CreateTime: epoch, Version: "2", Owner: "not on the wire"},
			`{"LicenseArn":"a","LicenseName":"n","ProductName":"p","ProductSKU":"s","Issuer":{"Name":"Self","SignKey":"k","KeyFingerprint":"f"},` +
				`"HomeRegion":"r","Status":"DEACTIVATED","Validity":{"Begin":"2026-03-14T15:09:26.535Z","End":"2027-03-14T15:09:26.535Z"},` +
				`"Beneficiary":"b","Entitlements":[{"Name":"Seats","MaxCount":5,"Overage":false,"Unit":"Count"},{"Name":"Gold","Value":"Enabled","Unit":"None"}],` +
				`"ConsumptionConfiguration":{"RenewType":"Monthly","ProvisionalConfiguration":{"MaxTimeToLiveInMinutes":60}},` +
				`"LicenseMetadata":[{"Name":"m","Value":"v"}],"CreateTime":"2026-03-14T15:09:26.535Z","Version":"2"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantJSON(t, licenseOut(tc.in), tc.want)
		})
	}
}

// TestLicenseOperationsOut: the responses about licenses, byte for byte.
func TestLicenseOperationsOut(t *testing.T) {
	ten := int64(10)
	for _, tc := range []struct {
		name string
		out  any
		want string
	}{
		{"CreateLicense", createLicenseOut(license.CreateLicenseOutput{LicenseArn: "a", Status: license.StatusAvailable, Version: "1"}),
			`{"LicenseArn":"a","Status":"AVAILABLE","Version":"1"}`},
		{"CreateLicenseVersion", createLicenseVersionOut(license.CreateLicenseVersionOutput{LicenseArn: "a", Version: "2", Status: license.StatusAvailable}),
			`{"LicenseArn":"a","Version":"2","Status":"AVAILABLE"}`},
		{"DeleteLicense", deleteLicenseOut(license.DeleteLicenseOutput{Status: license.StatusDeleted, DeletionDate: epoch}),
			`{"Status":"DELETED","DeletionDate":"2026-03-14T15:09:26.535Z"}`},
		{"GetLicenseUsage", getLicenseUsageOut(license.GetLicenseUsageOutput{EntitlementUsages: []license.EntitlementUsage{
			{Name: "Seats", Consumed: 3, MaxCount: &ten, Unit: license.UnitCount}, {Name: "Gold", Unit: license.UnitNone}}}),
			`{"LicenseUsage":{"EntitlementUsages":[{"Name":"Seats","ConsumedValue":"3","MaxCount":"10","Unit":"Count"},` +
				`{"Name":"Gold","ConsumedValue":"0","Unit":"None"}]}}`},
		{"GetLicenseUsage of no entitlement", getLicenseUsageOut(license.GetLicenseUsageOutput{EntitlementUsages: []license.EntitlementUsage{}}),
			`{"LicenseUsage":{"EntitlementUsages":[]}}`},
		{"ListLicenses, a last page", listLicensesOut(license.ListLicensesOutput{Licenses: []license.License{}}), `{"Licenses":[]}`},
		{"ListReceivedLicenses", listReceivedLicensesOut(license.ListReceivedLicensesOutput{NextToken: "n", Licenses: []license.GrantedLicense{{
			License: license.License{LicenseArn: "a", Validity: license.Validity{Begin: epoch}, CreateTime: epoch, Version: "1"},
			ReceivedMetadata: license.ReceivedMetadata{ReceivedStatus: license.GrantActive,
				AllowedOperations: []license.Operation{license.OpCheckoutLicense}}}}}),
			`{"Licenses":[{"LicenseArn":"a","LicenseName":"","ProductName":"","ProductSKU":"","Issuer":{"Name":""},"HomeRegion":"","Status":"",` +
				`"Validity":{"Begin":"2026-03-14T15:09:26.535Z"},"Beneficiary":"","Entitlements":null,"ConsumptionConfiguration":{},` +
				`"CreateTime":"2026-03-14T15:09:26.535Z","Version":"1","ReceivedMetadata":{"ReceivedStatus":"ACTIVE","AllowedOperations":["CheckoutLicense"]}}],` +
				`"NextToken":"n"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantJSON(t, tc.out, tc.want)
		})
	}
}

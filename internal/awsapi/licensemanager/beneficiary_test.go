package licensemanager_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tollgate/tollgate/pkg/licensetoken"
)

var _ = sdk("ListReceivedLicenses", testListReceivedLicenses)

// testListReceivedLicenses: the grantee sees a license from the moment it
// is granted, with how it holds it, and can filter the list.
func testListReceivedLicenses(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, operator := e.party("seller", false), e.party("operator", true)
	buyer, bystander := e.party("buyer", false), e.party("bystander", false)
	skuA, skuB := newSKU(), newSKU()
	lA := e.createLicense(seller, e.licenseInput(skuA, buyer.ID, counted("Users", 5, false)))
	mpIn := e.licenseInput(skuB, buyer.ID, counted("Users", 5, false))
	mpIn.Issuer = &types.Issuer{Name: aws.String("AWS/Marketplace")}
	lB := e.createLicense(operator, mpIn)
	gA := e.createGrant(seller, buyer, lA, types.AllowedOperationCheckoutLicense)
	gB := e.createMarketplaceGrant(operator, buyer, lB)

	list := func(filters ...types.Filter) map[string]types.ReceivedStatus {
		t.Helper()
		out, err := buyer.LM.ListReceivedLicenses(e.ctx, &licensemanager.ListReceivedLicensesInput{Filters: filters})
		if err != nil {
			t.Fatalf("ListReceivedLicenses: %v", err)
		}
		got := map[string]types.ReceivedStatus{}
		for _, l := range out.Licenses {
			got[aws.ToString(l.LicenseArn)] = l.ReceivedMetadata.ReceivedStatus
		}
		return got
	}
	check := func(step string, want map[string]types.ReceivedStatus, filters ...types.Filter) {
		t.Helper()
		if diff := cmp.Diff(want, list(filters...), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: ListReceivedLicenses (-want +got):\n%s", step, diff)
		}
	}
	// The marketplace's grant is active at once; the seller's waits.
	check("granted", map[string]types.ReceivedStatus{lA: types.ReceivedStatusPendingAccept, lB: types.ReceivedStatusActive})
	e.accept(buyer, gA)
	check("accepted", map[string]types.ReceivedStatus{lA: types.ReceivedStatusDisabled, lB: types.ReceivedStatusActive})
	e.activate(buyer, gA)
	check("activated", map[string]types.ReceivedStatus{lA: types.ReceivedStatusActive, lB: types.ReceivedStatusActive})
	if _, err := e.setGrantStatus(buyer, gB, types.GrantStatusDisabled, nil); err != nil {
		t.Fatalf("disabling the marketplace grant: %v", err)
	}

	f := func(name string, values ...string) types.Filter {
		return types.Filter{Name: aws.String(name), Values: values}
	}
	active := map[string]types.ReceivedStatus{lA: types.ReceivedStatusActive}
	check("ProductSKU", active, f("ProductSKU", skuA))
	check("Fingerprint", map[string]types.ReceivedStatus{lB: types.ReceivedStatusDisabled}, f("Fingerprint", marketplaceFingerprint))
	check("IssuerName", active, f("IssuerName", "Self"))
	check("Status", map[string]types.ReceivedStatus{lA: types.ReceivedStatusActive, lB: types.ReceivedStatusDisabled}, f("Status", "AVAILABLE"))
	check("Beneficiary", map[string]types.ReceivedStatus{lA: types.ReceivedStatusActive, lB: types.ReceivedStatusDisabled}, f("Beneficiary", buyer.ID))
	check("Beneficiary none", nil, f("Beneficiary", bystander.ID))
	check("combined", nil, f("ProductSKU", skuA), f("IssuerName", "AWS/Marketplace"))

	// The full shape of one entry.
	out, err := buyer.LM.ListReceivedLicenses(e.ctx, &licensemanager.ListReceivedLicensesInput{LicenseArns: []string{lA}})
	if err != nil {
		t.Fatalf("ListReceivedLicenses: %v", err)
	}
	if len(out.Licenses) != 1 {
		t.Fatalf("ListReceivedLicenses by ARN: %d licenses, want 1", len(out.Licenses))
	}
	got := out.Licenses[0]
	if diff := cmp.Diff(&types.ReceivedMetadata{ReceivedStatus: types.ReceivedStatusActive,
		AllowedOperations: []types.AllowedOperation{types.AllowedOperationCheckoutLicense}}, got.ReceivedMetadata, ignoreUnexported); diff != "" {
		t.Errorf("ReceivedMetadata (-want +got):\n%s", diff)
	}
	if aws.ToString(got.ProductSKU) != skuA || aws.ToString(got.Issuer.KeyFingerprint) != seller.selfFingerprint() || aws.ToString(got.Version) != "1" {
		t.Errorf("received license = SKU %s fingerprint %s version %s", aws.ToString(got.ProductSKU), aws.ToString(got.Issuer.KeyFingerprint), aws.ToString(got.Version))
	}

	// Pagination.
	page, err := buyer.LM.ListReceivedLicenses(e.ctx, &licensemanager.ListReceivedLicensesInput{MaxResults: aws.Int32(1)})
	if err != nil || len(page.Licenses) != 1 || page.NextToken == nil {
		t.Fatalf("first page: %v, %+v", err, page)
	}
	page2, err := buyer.LM.ListReceivedLicenses(e.ctx, &licensemanager.ListReceivedLicensesInput{MaxResults: aws.Int32(1), NextToken: page.NextToken})
	if err != nil || len(page2.Licenses) != 1 || page2.NextToken != nil {
		t.Fatalf("second page: %v, %+v", err, page2)
	}
	if diff := cmp.Diff(sorted([]string{lA, lB}), []string{aws.ToString(page.Licenses[0].LicenseArn), aws.ToString(page2.Licenses[0].LicenseArn)}); diff != "" {
		t.Errorf("paged ListReceivedLicenses (-want +got):\n%s", diff)
	}

	_, err = buyer.LM.ListReceivedLicenses(e.ctx, &licensemanager.ListReceivedLicensesInput{Filters: []types.Filter{f("Color", "red")}})
	expectErr[*types.InvalidParameterValueException](t, err)
	// A grantee reads the license it holds, the current version and a past one.
	for _, v := range []string{"", "1"} {
		if _, err := buyer.LM.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(lB), Version: aws.String(v)}); err != nil {
			t.Errorf("GetLicense version %q as the grantee: %v", v, err)
		}
	}
}

var _ = sdk("CheckoutCheckInExtend", testCheckoutCheckInExtend)

// testCheckoutCheckInExtend covers a floating checkout's life: checkout,
// extension (and its dry run), check-in, and what fails afterwards.
func testCheckoutCheckInExtend(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("PowerUsers", 5, false))
	start := e.now()
	out, err := x.buyer.LM.CheckoutLicense(e.ctx, &licensemanager.CheckoutLicenseInput{
		ProductSKU: aws.String(x.sku), KeyFingerprint: aws.String(x.fp), CheckoutType: types.CheckoutTypeProvisional,
		Entitlements: []types.EntitlementData{want("PowerUsers", 2)}, ClientToken: newToken(),
		Beneficiary: aws.String(x.buyer.ID), NodeId: aws.String("node-1"),
	})
	if err != nil {
		t.Fatalf("CheckoutLicense: %v", err)
	}
	wantOut := &licensemanager.CheckoutLicenseOutput{
		CheckoutType: types.CheckoutTypeProvisional, LicenseArn: aws.String(x.licenseArn), NodeId: aws.String("node-1"),
		EntitlementsAllowed: []types.EntitlementData{{Name: aws.String("PowerUsers"), Value: aws.String("2"), Unit: types.EntitlementDataUnitCount}},
		IssuedAt:            aws.String(start.Format(isoFormat)), Expiration: aws.String(start.Add(ttl).Format(isoFormat)),
	}
	if diff := cmp.Diff(wantOut, out, ignoreUnexported,
		cmpopts.IgnoreFields(licensemanager.CheckoutLicenseOutput{}, "LicenseConsumptionToken", "SignedToken", "ResultMetadata")); diff != "" {
		t.Errorf("CheckoutLicense (-want +got):\n%s", diff)
	}
	if aws.ToString(out.LicenseConsumptionToken) == "" || aws.ToString(out.SignedToken) == "" {
		t.Fatalf("CheckoutLicense returned no consumption token or signed token: %+v", out)
	}
	tok := out.LicenseConsumptionToken
	extend := func(dry bool) (*licensemanager.ExtendLicenseConsumptionOutput, error) {
		return x.buyer.LM.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: tok, DryRun: dry})
	}

	// 40 minutes in, an extension runs one TTL from now.
	now := e.advance(40 * time.Minute)
	dry, err := extend(true)
	if err != nil {
		t.Fatalf("ExtendLicenseConsumption dry run: %v", err)
	}
	if got := parseTime(t, dry.Expiration); !got.Equal(now.Add(ttl)) {
		t.Errorf("dry-run expiration %s, want %s", got, now.Add(ttl))
	}
	// A dry run changes nothing: at start+61m the checkout has lapsed.
	e.advance(21 * time.Minute)
	_, err = extend(false)
	expectErr[*types.ResourceNotFoundException](t, err)

	// A second checkout, extended for real, outlives its first TTL.
	out2 := e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("PowerUsers", 5))
	tok = out2.LicenseConsumptionToken
	issued := parseTime(t, out2.IssuedAt)
	now = e.advance(45 * time.Minute)
	ext, err := extend(false)
	if err != nil {
		t.Fatalf("ExtendLicenseConsumption: %v", err)
	}
	if aws.ToString(ext.LicenseConsumptionToken) != aws.ToString(tok) {
		t.Errorf("ExtendLicenseConsumption token %q, want %q", aws.ToString(ext.LicenseConsumptionToken), aws.ToString(tok))
	}
	if got, want := parseTime(t, ext.Expiration), now.Add(ttl); !got.Equal(want) || !got.Equal(issued.Add(45*time.Minute+ttl)) {
		t.Errorf("extended expiration %s, want %s", got, want)
	}
	e.advance(30 * time.Minute) // past the original expiration, before the extended one
	if diff := cmp.Diff(map[string]string{"PowerUsers": "5/5"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage after the original expiry of an extended checkout (-want +got):\n%s", diff)
	}
	_, err = e.checkout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("PowerUsers", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)

	if _, err := x.buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: tok, Beneficiary: aws.String(x.buyer.ID)}); err != nil {
		t.Fatalf("CheckInLicense: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"PowerUsers": "0/5"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage after check-in (-want +got):\n%s", diff)
	}
	_, err = x.buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: tok})
	expectErr[*types.ResourceNotFoundException](t, err)
	_, err = extend(false)
	expectErr[*types.ResourceNotFoundException](t, err)

	// A drawdown checkout is consumed for good: no check-in, no extension.
	perm := e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypePerpetual, want("PowerUsers", 1))
	_, err = x.buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: perm.LicenseConsumptionToken})
	expectErr[*types.ConflictException](t, err)
	_, err = x.buyer.LM.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: perm.LicenseConsumptionToken})
	expectErr[*types.ValidationException](t, err)
}

var _ = sdk("GrantOperationsLimitCheckInAndExtend", testGrantOperationsLimitCheckInAndExtend)

// testGrantOperationsLimitCheckInAndExtend: CheckInLicense and
// ExtendLicenseConsumption need the grant to allow them.
func testGrantOperationsLimitCheckInAndExtend(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, buyer := e.party("seller", false), e.party("buyer", false)
	sku := newSKU()
	arn := e.createLicense(seller, e.licenseInput(sku, buyer.ID, counted("Users", 5, false)))
	e.grantActive(seller, buyer, arn, types.AllowedOperationCheckoutLicense)
	out := e.mustCheckout(buyer, sku, seller.selfFingerprint(), types.CheckoutTypeProvisional, want("Users", 1))
	_, err := buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: out.LicenseConsumptionToken})
	expectErr[*types.AccessDeniedException](t, err)
	_, err = buyer.LM.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: out.LicenseConsumptionToken})
	expectErr[*types.AccessDeniedException](t, err)
	_, err = buyer.LM.CheckoutBorrowLicense(e.ctx, borrowInput(arn, types.DigitalSignatureMethodJwtPs384, want("Users", 1)))
	expectErr[*types.ResourceNotFoundException](t, err)
	_, err = buyer.LM.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(arn), ClientToken: newToken()})
	expectErr[*types.ResourceNotFoundException](t, err)
}

func borrowInput(arn string, method types.DigitalSignatureMethod, ents ...types.EntitlementData) *licensemanager.CheckoutBorrowLicenseInput {
	return &licensemanager.CheckoutBorrowLicenseInput{LicenseArn: aws.String(arn), DigitalSignatureMethod: method,
		Entitlements: ents, ClientToken: newToken()}
}

// borrowable lets a license's entitlements be borrowed for a day.
func borrowable(early bool) func(*licensemanager.CreateLicenseInput) {
	return func(in *licensemanager.CreateLicenseInput) {
		in.ConsumptionConfiguration.BorrowConfiguration = &types.BorrowConfiguration{
			AllowEarlyCheckIn: aws.Bool(early), MaxTimeToLiveInMinutes: aws.Int32(24 * 60)}
	}
}

var _ = sdk("CheckoutBorrowLicense", testCheckoutBorrowLicense)

// testCheckoutBorrowLicense borrows entitlements for offline use: a signed
// token that lasts the borrow TTL, early check-in as the license allows.
func testCheckoutBorrowLicense(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(borrowable(true), counted("Seats", 2, false), tier("Enterprise"))
	in := borrowInput(x.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Seats", 1), wantTier("Enterprise"))
	in.NodeId = aws.String("laptop-7")
	in.CheckoutMetadata = []types.Metadata{{Name: aws.String("user"), Value: aws.String("ada")}}
	start := e.now()
	out, err := x.buyer.LM.CheckoutBorrowLicense(e.ctx, in)
	if err != nil {
		t.Fatalf("CheckoutBorrowLicense: %v", err)
	}
	wantOut := &licensemanager.CheckoutBorrowLicenseOutput{
		LicenseArn: aws.String(x.licenseArn), NodeId: aws.String("laptop-7"), CheckoutMetadata: in.CheckoutMetadata,
		EntitlementsAllowed: []types.EntitlementData{
			{Name: aws.String("Seats"), Value: aws.String("1"), Unit: types.EntitlementDataUnitCount},
			{Name: aws.String("Enterprise"), Value: aws.String("Enabled"), Unit: types.EntitlementDataUnitNone},
		},
		IssuedAt: aws.String(start.Format(isoFormat)), Expiration: aws.String(start.Add(24 * time.Hour).Format(isoFormat)),
	}
	if diff := cmp.Diff(wantOut, out, ignoreUnexported,
		cmpopts.IgnoreFields(licensemanager.CheckoutBorrowLicenseOutput{}, "LicenseConsumptionToken", "SignedToken", "ResultMetadata")); diff != "" {
		t.Errorf("CheckoutBorrowLicense (-want +got):\n%s", diff)
	}
	keys, err := licensetoken.FetchJWKS(context.Background(), http.DefaultClient, e.url)
	if err != nil {
		t.Fatalf("FetchJWKS: %v", err)
	}
	claims, err := licensetoken.Verify(aws.ToString(out.SignedToken), keys)
	if err != nil {
		t.Fatalf("verifying the borrow token: %v", err)
	}
	if claims.LicenseConsumptionToken != aws.ToString(out.LicenseConsumptionToken) || claims.NodeId != "laptop-7" ||
		claims.KeyFingerprint != x.fp || len(claims.CheckoutMetadata) != 1 || claims.Expiration != aws.ToString(out.Expiration) {
		t.Errorf("borrow token claims %+v do not match the response %+v", claims, out)
	}

	// Borrowed seats count until the borrow ends, well past a floating TTL.
	e.advance(2 * time.Hour)
	if diff := cmp.Diff(map[string]string{"Seats": "1/2", "Enterprise": "0/"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage while borrowed (-want +got):\n%s", diff)
	}
	_, err = x.buyer.LM.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: out.LicenseConsumptionToken})
	expectErr[*types.ValidationException](t, err)
	if _, err := x.buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: out.LicenseConsumptionToken}); err != nil {
		t.Fatalf("early check-in where the license allows it: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"Seats": "0/2", "Enterprise": "0/"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage after early check-in (-want +got):\n%s", diff)
	}

	t.Run("no early check-in", func(t *testing.T) {
		y := e.entitle(borrowable(false), counted("Seats", 2, false))
		out, err := y.buyer.LM.CheckoutBorrowLicense(e.ctx, borrowInput(y.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Seats", 2)))
		if err != nil {
			t.Fatalf("CheckoutBorrowLicense: %v", err)
		}
		_, err = y.buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: out.LicenseConsumptionToken})
		expectErr[*types.ConflictException](t, err)
		_, err = y.buyer.LM.CheckoutBorrowLicense(e.ctx, borrowInput(y.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Seats", 1)))
		expectErr[*types.NoEntitlementsAllowedException](t, err)
		e.advance(24*time.Hour + time.Minute)
		if _, err := y.buyer.LM.CheckoutBorrowLicense(e.ctx, borrowInput(y.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Seats", 2))); err != nil {
			t.Fatalf("borrowing after the previous borrow ended: %v", err)
		}
	})
	t.Run("license without borrow configuration", func(t *testing.T) {
		y := e.entitle(nil, counted("Seats", 2, false))
		_, err := y.buyer.LM.CheckoutBorrowLicense(e.ctx, borrowInput(y.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Seats", 1)))
		expectErr[*types.EntitlementNotAllowedException](t, err)
	})
	t.Run("unsupported signature method", func(t *testing.T) {
		_, err := x.buyer.LM.CheckoutBorrowLicense(e.ctx, borrowInput(x.licenseArn, "JWT_RS256", want("Seats", 1)))
		expectErr[*types.UnsupportedDigitalSignatureMethodException](t, err)
	})
	t.Run("entitlement named twice", func(t *testing.T) {
		_, err := x.buyer.LM.CheckoutBorrowLicense(e.ctx, borrowInput(x.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Seats", 2), want("Seats", 2)))
		expectErr[*types.ValidationException](t, err)
	})
	t.Run("unknown license", func(t *testing.T) {
		unknown := "arn:aws:license-manager::" + x.seller.ID + ":license:l-" + strings.Repeat("0", 32)
		_, err := x.buyer.LM.CheckoutBorrowLicense(e.ctx, borrowInput(unknown, types.DigitalSignatureMethodJwtPs384, want("Seats", 1)))
		expectErr[*types.ResourceNotFoundException](t, err)
	})
}

var _ = sdk("Tokens", testTokens)

// testTokens covers CreateToken, ListTokens, GetAccessToken and
// DeleteToken.
func testTokens(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Users", 5, false))
	other := e.entitle(nil, counted("Users", 5, false))

	created, err := x.buyer.LM.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(x.licenseArn),
		ExpirationInDays: aws.Int32(30), TokenProperties: []string{"on-prem"}, ClientToken: newToken()})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if created.TokenType != types.TokenTypeRefreshToken || aws.ToString(created.TokenId) == "" || aws.ToString(created.Token) == "" {
		t.Fatalf("CreateToken = %+v", created)
	}
	second, err := x.buyer.LM.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(x.licenseArn), ClientToken: newToken()})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	// The issuer may create tokens for its own license too.
	if _, err := x.seller.LM.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(x.licenseArn), ClientToken: newToken()}); err != nil {
		t.Errorf("CreateToken by the issuer: %v", err)
	}
	_, err = x.buyer.LM.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(other.licenseArn), ClientToken: newToken()})
	expectErr[*types.ResourceNotFoundException](t, err)
	_, err = x.buyer.LM.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(x.licenseArn),
		ExpirationInDays: aws.Int32(1000), ClientToken: newToken()})
	expectErr[*types.ValidationException](t, err)

	list, err := x.buyer.LM.ListTokens(e.ctx, &licensemanager.ListTokensInput{})
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	wantExpiry := e.now().Add(30 * 24 * time.Hour).Format(isoFormat)
	var found *types.TokenData
	for i := range list.Tokens {
		if aws.ToString(list.Tokens[i].TokenId) == aws.ToString(created.TokenId) {
			found = &list.Tokens[i]
		}
	}
	if len(list.Tokens) != 2 || found == nil {
		t.Fatalf("ListTokens = %d tokens (%+v), want the buyer's 2", len(list.Tokens), list.Tokens)
	}
	if diff := cmp.Diff(&types.TokenData{TokenId: created.TokenId, TokenType: aws.String("REFRESH_TOKEN"), LicenseArn: aws.String(x.licenseArn),
		ExpirationTime: aws.String(wantExpiry), TokenProperties: []string{"on-prem"}, Status: aws.String("AVAILABLE")}, found, ignoreUnexported); diff != "" {
		t.Errorf("ListTokens entry (-want +got):\n%s", diff)
	}
	byID, err := x.buyer.LM.ListTokens(e.ctx, &licensemanager.ListTokensInput{TokenIds: []string{aws.ToString(second.TokenId)}})
	if err != nil || len(byID.Tokens) != 1 || aws.ToString(byID.Tokens[0].TokenId) != aws.ToString(second.TokenId) {
		t.Errorf("ListTokens by TokenIds = %v, %+v", err, byID)
	}
	byLicense, err := x.buyer.LM.ListTokens(e.ctx, &licensemanager.ListTokensInput{
		Filters: []types.Filter{{Name: aws.String("LicenseArns"), Values: []string{other.licenseArn}}}})
	if err != nil || len(byLicense.Tokens) != 0 {
		t.Errorf("ListTokens filtered to another license = %v, %+v", err, byLicense)
	}
	paged, err := x.buyer.LM.ListTokens(e.ctx, &licensemanager.ListTokensInput{MaxResults: aws.Int32(1)})
	if err != nil || len(paged.Tokens) != 1 || paged.NextToken == nil {
		t.Errorf("ListTokens MaxResults 1 = %v, %+v", err, paged)
	}

	// The refresh token buys an access token signed by the marketplace.
	access, err := other.buyer.LM.GetAccessToken(e.ctx, &licensemanager.GetAccessTokenInput{Token: created.Token})
	if err != nil {
		t.Fatalf("GetAccessToken: %v", err)
	}
	keys, err := licensetoken.FetchJWKS(e.ctx, http.DefaultClient, e.url)
	if err != nil {
		t.Fatalf("FetchJWKS: %v", err)
	}
	claims, err := licensetoken.Verify(aws.ToString(access.AccessToken), keys)
	if err != nil {
		t.Fatalf("verifying the access token: %v", err)
	}
	if claims.KeyFingerprint != marketplaceFingerprint {
		t.Errorf("access token signed under %q, want the marketplace's key", claims.KeyFingerprint)
	}
	_, err = x.buyer.LM.GetAccessToken(e.ctx, &licensemanager.GetAccessTokenInput{Token: aws.String("tgr-not-a-token")})
	expectErr[*types.AccessDeniedException](t, err)

	// Only the owner deletes; a deleted token buys nothing.
	_, err = other.buyer.LM.DeleteToken(e.ctx, &licensemanager.DeleteTokenInput{TokenId: created.TokenId})
	expectErr[*types.ResourceNotFoundException](t, err)
	if _, err := x.buyer.LM.DeleteToken(e.ctx, &licensemanager.DeleteTokenInput{TokenId: created.TokenId}); err != nil {
		t.Fatalf("DeleteToken: %v", err)
	}
	_, err = x.buyer.LM.DeleteToken(e.ctx, &licensemanager.DeleteTokenInput{TokenId: created.TokenId})
	expectErr[*types.ResourceNotFoundException](t, err)
	_, err = x.buyer.LM.GetAccessToken(e.ctx, &licensemanager.GetAccessTokenInput{Token: created.Token})
	expectErr[*types.AccessDeniedException](t, err)
	// A deleted token stays listed, as DELETED.
	list, err = x.buyer.LM.ListTokens(e.ctx, &licensemanager.ListTokensInput{})
	if err != nil {
		t.Fatalf("ListTokens after delete: %v", err)
	}
	statuses := map[string]string{}
	for _, tok := range list.Tokens {
		statuses[aws.ToString(tok.TokenId)] = aws.ToString(tok.Status)
	}
	if diff := cmp.Diff(map[string]string{aws.ToString(created.TokenId): "DELETED", aws.ToString(second.TokenId): "AVAILABLE"}, statuses); diff != "" {
		t.Errorf("ListTokens statuses after delete (-want +got):\n%s", diff)
	}

	// Refresh tokens expire.
	e.advance(366 * 24 * time.Hour)
	_, err = x.buyer.LM.GetAccessToken(e.ctx, &licensemanager.GetAccessTokenInput{Token: second.Token})
	expectErr[*types.AccessDeniedException](t, err)
}

package licensemanager_test

import (
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var _ = sdk("CheckoutIdempotency", testCheckoutIdempotency)

// testCheckoutIdempotency: a repeated request under one ClientToken gets
// the first answer and draws once; a different request under it is
// refused; client tokens belong to the account that used them.
func testCheckoutIdempotency(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("DataConsumption", 50, false))
	in := &licensemanager.CheckoutLicenseInput{ProductSKU: aws.String(x.sku), KeyFingerprint: aws.String(x.fp),
		CheckoutType: types.CheckoutTypePerpetual, Entitlements: []types.EntitlementData{want("DataConsumption", 10)},
		ClientToken: aws.String("AKIAIOSFODNN7EXAMPLE")}
	first, err := x.buyer.LM.CheckoutLicense(e.ctx, in)
	if err != nil {
		t.Fatalf("CheckoutLicense: %v", err)
	}
	e.advance(5 * time.Minute) // a retry five minutes later
	again, err := x.buyer.LM.CheckoutLicense(e.ctx, in)
	if err != nil {
		t.Fatalf("repeated CheckoutLicense: %v", err)
	}
	if diff := cmp.Diff(first, again, ignoreUnexported, cmpopts.IgnoreFields(licensemanager.CheckoutLicenseOutput{}, "ResultMetadata")); diff != "" {
		t.Errorf("repeated CheckoutLicense answered differently (-first +again):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"DataConsumption": "10/50"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage after a repeated checkout (-want +got):\n%s", diff)
	}

	changed := *in
	changed.Entitlements = []types.EntitlementData{want("DataConsumption", 20)}
	_, err = x.buyer.LM.CheckoutLicense(e.ctx, &changed)
	expectErr[*types.ValidationException](t, err)
	changedType := *in
	changedType.CheckoutType = types.CheckoutTypeProvisional
	_, err = x.buyer.LM.CheckoutLicense(e.ctx, &changedType)
	expectErr[*types.ValidationException](t, err)
	if diff := cmp.Diff(map[string]string{"DataConsumption": "10/50"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage after refused reuses of the token (-want +got):\n%s", diff)
	}

	// Another buyer of the same product may use the same ClientToken.
	buyer2 := e.party("buyer2", false)
	e.grantActive(x.seller, buyer2, x.licenseArn)
	theirs, err := buyer2.LM.CheckoutLicense(e.ctx, in)
	if err != nil {
		t.Fatalf("CheckoutLicense by another account with the same ClientToken: %v", err)
	}
	if aws.ToString(theirs.LicenseConsumptionToken) == aws.ToString(first.LicenseConsumptionToken) {
		t.Error("two accounts' checkouts share a consumption token")
	}
	if diff := cmp.Diff(map[string]string{"DataConsumption": "20/50"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
}

var _ = sdk("ConcurrentCheckoutOneClientToken", testConcurrentCheckoutOneClientToken)

// testConcurrentCheckoutOneClientToken: 50 simultaneous checkouts under one
// ClientToken draw once and all get the same consumption token.
func testConcurrentCheckoutOneClientToken(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("DataConsumption", 50, false))
	in := &licensemanager.CheckoutLicenseInput{ProductSKU: aws.String(x.sku), KeyFingerprint: aws.String(x.fp),
		CheckoutType: types.CheckoutTypePerpetual, Entitlements: []types.EntitlementData{want("DataConsumption", 10)},
		ClientToken: newToken()}
	const n = 50
	tokens := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out, err := x.buyer.LM.CheckoutLicense(e.ctx, in)
			errs[i] = err
			if err == nil {
				tokens[i] = aws.ToString(out.LicenseConsumptionToken)
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if tokens[i] == "" || tokens[i] != tokens[0] {
			t.Fatalf("call %d got consumption token %q, call 0 got %q", i, tokens[i], tokens[0])
		}
	}
	if diff := cmp.Diff(map[string]string{"DataConsumption": "10/50"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage after 50 calls with one ClientToken (-want +got):\n%s", diff)
	}
}

var _ = sdk("ConcurrentFloatingPool", testConcurrentFloatingPool)

// testConcurrentFloatingPool: 50 simultaneous checkouts with distinct
// ClientTokens against a pool of 20 seats: exactly 20 succeed.
func testConcurrentFloatingPool(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Seats", 20, false))
	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = e.checkout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("Seats", 1))
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		if code := errorCode(t, err); code != "NoEntitlementsAllowedException" {
			t.Errorf("refused checkout: %q (%v), want NoEntitlementsAllowedException", code, err)
		}
	}
	if ok != 20 {
		t.Errorf("%d of %d checkouts succeeded against 20 seats, want 20", ok, n)
	}
	if diff := cmp.Diff(map[string]string{"Seats": "20/20"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
}

var _ = sdk("IdempotentCreates", testIdempotentCreates)

// testIdempotentCreates: the other operations that take a ClientToken
// answer a repeat with the first answer and create nothing new.
func testIdempotentCreates(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(borrowable(true), counted("Seats", 5, false))

	t.Run("CreateLicense", func(t *testing.T) {
		in := e.licenseInput(newSKU(), x.buyer.ID, counted("Seats", 5, false))
		a, err1 := x.seller.LM.CreateLicense(e.ctx, in)
		b, err2 := x.seller.LM.CreateLicense(e.ctx, in)
		if err1 != nil || err2 != nil || aws.ToString(a.LicenseArn) != aws.ToString(b.LicenseArn) {
			t.Fatalf("CreateLicense twice = %v %v, %v %v", a.LicenseArn, err1, b.LicenseArn, err2)
		}
		changed := *in
		changed.LicenseName = aws.String("another name")
		_, err := x.seller.LM.CreateLicense(e.ctx, &changed)
		expectErr[*types.ValidationException](t, err)
		list, err := x.seller.LM.ListLicenses(e.ctx, &licensemanager.ListLicensesInput{
			Filters: []types.Filter{{Name: aws.String("ProductSKU"), Values: []string{aws.ToString(in.ProductSKU)}}}})
		if err != nil || len(list.Licenses) != 1 {
			t.Errorf("ListLicenses for the product = %v, %d licenses, want 1", err, len(list.Licenses))
		}
	})
	t.Run("CreateLicenseVersion", func(t *testing.T) {
		in := e.licenseInput(x.sku, x.buyer.ID)
		borrowable(true)(in)
		v := versionInput(x.licenseArn, in, counted("Seats", 6, false))
		a, err1 := x.seller.LM.CreateLicenseVersion(e.ctx, v)
		b, err2 := x.seller.LM.CreateLicenseVersion(e.ctx, v)
		if err1 != nil || err2 != nil || aws.ToString(a.Version) != aws.ToString(b.Version) {
			t.Fatalf("CreateLicenseVersion twice = %v %v, %v %v", a.Version, err1, b.Version, err2)
		}
	})
	t.Run("CreateGrant", func(t *testing.T) {
		b2 := e.party("buyer2", false)
		in := &licensemanager.CreateGrantInput{GrantName: aws.String("g"), LicenseArn: aws.String(x.licenseArn),
			Principals: []string{b2.principal()}, HomeRegion: aws.String(region), AllowedOperations: allOps, ClientToken: newToken()}
		a, err1 := x.seller.LM.CreateGrant(e.ctx, in)
		b, err2 := x.seller.LM.CreateGrant(e.ctx, in)
		if err1 != nil || err2 != nil || aws.ToString(a.GrantArn) != aws.ToString(b.GrantArn) {
			t.Fatalf("CreateGrant twice = %v %v, %v %v", a.GrantArn, err1, b.GrantArn, err2)
		}
		recv, err := b2.LM.ListReceivedGrants(e.ctx, &licensemanager.ListReceivedGrantsInput{})
		if err != nil || len(recv.Grants) != 1 {
			t.Errorf("ListReceivedGrants = %v, %d grants, want 1", err, len(recv.Grants))
		}
	})
	t.Run("CreateGrantVersion", func(t *testing.T) {
		in := &licensemanager.CreateGrantVersionInput{GrantArn: aws.String(x.grantArn), Status: types.GrantStatusDisabled, ClientToken: newToken()}
		a, err1 := x.buyer.LM.CreateGrantVersion(e.ctx, in)
		b, err2 := x.buyer.LM.CreateGrantVersion(e.ctx, in)
		if err1 != nil || err2 != nil || aws.ToString(a.Version) != aws.ToString(b.Version) {
			t.Fatalf("CreateGrantVersion twice = %v %v, %v %v", a.Version, err1, b.Version, err2)
		}
		e.activate(x.buyer, x.grantArn)
	})
	t.Run("CheckoutBorrowLicense", func(t *testing.T) {
		in := borrowInput(x.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Seats", 2))
		a, err1 := x.buyer.LM.CheckoutBorrowLicense(e.ctx, in)
		b, err2 := x.buyer.LM.CheckoutBorrowLicense(e.ctx, in)
		if err1 != nil || err2 != nil || aws.ToString(a.LicenseConsumptionToken) != aws.ToString(b.LicenseConsumptionToken) {
			t.Fatalf("CheckoutBorrowLicense twice = %v, %v", err1, err2)
		}
		if got := e.usage(x.seller, x.licenseArn)["Seats"]; got != "2/6" {
			t.Errorf("usage %s after a repeated borrow, want 2/6", got)
		}
	})
	t.Run("CreateToken", func(t *testing.T) {
		in := &licensemanager.CreateTokenInput{LicenseArn: aws.String(x.licenseArn), ClientToken: newToken()}
		a, err1 := x.buyer.LM.CreateToken(e.ctx, in)
		b, err2 := x.buyer.LM.CreateToken(e.ctx, in)
		if err1 != nil || err2 != nil || aws.ToString(a.TokenId) != aws.ToString(b.TokenId) || aws.ToString(a.Token) != aws.ToString(b.Token) {
			t.Fatalf("CreateToken twice = %v, %v", err1, err2)
		}
		list, err := x.buyer.LM.ListTokens(e.ctx, &licensemanager.ListTokensInput{})
		if err != nil || len(list.Tokens) != 1 {
			t.Errorf("ListTokens = %v, %d tokens, want 1", err, len(list.Tokens))
		}
	})
}

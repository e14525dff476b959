package licensemanager_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/google/go-cmp/cmp"
)

var _ = sdk("BorrowRefusesPartialCheckouts", testBorrowRefusesPartialCheckouts)

// testBorrowRefusesPartialCheckouts: the model says partial checkouts are
// not supported for CheckoutBorrowLicense, so a borrow of Seats and a tier
// the license does not hold is refused, and takes nothing; CheckoutLicense
// still skips the tiers a license lacks (naming every tier finds the one
// held).
func testBorrowRefusesPartialCheckouts(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(borrowable(true), counted("Seats", 2, false), tier("Enterprise"))
	_, err := x.buyer.LM.CheckoutBorrowLicense(e.ctx, borrowInput(x.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Seats", 1), wantTier("Premium")))
	refused := expectErr[*types.EntitlementNotAllowedException](t, err)
	if !strings.Contains(aws.ToString(refused.Message), "partial checkouts are not supported") {
		t.Errorf("refusal %q does not say why", aws.ToString(refused.Message))
	}
	_, err = x.buyer.LM.CheckoutBorrowLicense(e.ctx, borrowInput(x.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Seats", 1), want("Storage", 1)))
	expectErr[*types.EntitlementNotAllowedException](t, err)
	if diff := cmp.Diff(map[string]string{"Seats": "0/2", "Enterprise": "0/"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage after the refused borrows (-want +got):\n%s", diff)
	}
	// What the license holds, borrowed whole.
	if _, err := x.buyer.LM.CheckoutBorrowLicense(e.ctx, borrowInput(x.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Seats", 1), wantTier("Enterprise"))); err != nil {
		t.Fatalf("CheckoutBorrowLicense of what the license holds: %v", err)
	}
	// A checkout, unlike a borrow, skips the tier the license lacks.
	out := e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("Seats", 1), wantTier("Premium"), wantTier("Enterprise"))
	if len(out.EntitlementsAllowed) != 2 {
		t.Errorf("CheckoutLicense allowed %d entitlements, want Seats and Enterprise", len(out.EntitlementsAllowed))
	}
}

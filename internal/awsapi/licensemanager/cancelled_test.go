package licensemanager_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
)

var _ = sdk("CancelledLicenseRefusesExtendAndBorrow", testCancelledLicenseRefusesExtendAndBorrow)

// testCancelledLicenseRefusesExtendAndBorrow: an extension and a borrow
// obey the availability rule a checkout obeys. Once a license is deleted,
// deactivated or past its validity, software that only extends its
// checkout stops with NoEntitlementsAllowedException, and nothing more can
// be borrowed; checking in, which only returns units, still works.
func testCancelledLicenseRefusesExtendAndBorrow(t *testing.T, be backend) {
	t.Parallel()
	cancellations := []struct {
		name   string
		cancel func(e *env, x entitled, in *licensemanager.CreateLicenseInput)
	}{
		{"deleted", func(e *env, x entitled, _ *licensemanager.CreateLicenseInput) {
			e.t.Helper()
			if _, err := x.seller.LM.DeleteLicense(e.ctx, &licensemanager.DeleteLicenseInput{LicenseArn: aws.String(x.licenseArn),
				SourceVersion: aws.String("1")}); err != nil {
				e.t.Fatalf("DeleteLicense: %v", err)
			}
		}},
		{"deactivated", func(e *env, x entitled, in *licensemanager.CreateLicenseInput) {
			e.t.Helper()
			v := versionInput(x.licenseArn, in, in.Entitlements...)
			v.Status = types.LicenseStatusDeactivated
			if _, err := x.seller.LM.CreateLicenseVersion(e.ctx, v); err != nil {
				e.t.Fatalf("CreateLicenseVersion DEACTIVATED: %v", err)
			}
		}},
		{"past its validity", func(e *env, _ entitled, _ *licensemanager.CreateLicenseInput) {
			e.advance(31 * time.Minute) // the license ends 30 minutes in; the checkouts live 60
		}},
	}
	for _, tc := range cancellations {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, be)
			var in *licensemanager.CreateLicenseInput
			x := e.entitle(func(c *licensemanager.CreateLicenseInput) {
				borrowable(true)(c)
				c.Validity.End = aws.String(e.now().Add(30 * time.Minute).Format(isoFormat))
				in = c
			}, counted("Seats", 5, false))
			floating := e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("Seats", 1))
			kept := e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("Seats", 1))
			borrowed, err := x.buyer.LM.CheckoutBorrowLicense(e.ctx, borrowInput(x.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Seats", 1)))
			if err != nil {
				t.Fatalf("CheckoutBorrowLicense: %v", err)
			}
			extend := func(out *licensemanager.CheckoutLicenseOutput) error {
				_, err := x.buyer.LM.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: out.LicenseConsumptionToken})
				return err
			}
			if err := extend(floating); err != nil {
				t.Fatalf("ExtendLicenseConsumption before the cancellation: %v", err)
			}

			tc.cancel(e.in(t), x, in)
			if got := errorCode(t, extend(floating)); got != "NoEntitlementsAllowedException" {
				t.Errorf("ExtendLicenseConsumption of a %s license: %q, want NoEntitlementsAllowedException", tc.name, got)
			}
			_, err = x.buyer.LM.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{
				LicenseConsumptionToken: floating.LicenseConsumptionToken, DryRun: true})
			if got := errorCode(t, err); got != "NoEntitlementsAllowedException" {
				t.Errorf("dry-run ExtendLicenseConsumption of a %s license: %q, want NoEntitlementsAllowedException", tc.name, got)
			}
			_, err = x.buyer.LM.CheckoutBorrowLicense(e.ctx, borrowInput(x.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Seats", 1)))
			expectErr[*types.NoEntitlementsAllowedException](t, err)
			_, err = e.checkout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("Seats", 1))
			expectErr[*types.NoEntitlementsAllowedException](t, err)
			// Checking in only gives units back.
			for name, tok := range map[string]*string{"floating": kept.LicenseConsumptionToken, "borrowed": borrowed.LicenseConsumptionToken} {
				if _, err := x.buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: tok}); err != nil {
					t.Errorf("CheckInLicense of the %s checkout of a %s license: %v", name, tc.name, err)
				}
			}
		})
	}
}

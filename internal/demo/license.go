package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/internal/license"
)

// The demo product: the demo seller's contract for it, granted to the demo
// buyer and active, so that checkouts work as soon as the server is up.
const (
	ProductName = "Demo Analytics"
	ProductSKU  = "tollgate-demo-analytics"
)

// Fingerprint is the key fingerprint of the demo seller's licenses (issued
// as Self).
func Fingerprint(w World) string {
	return license.FingerprintFor(w.Seller.Account.ID, "Self")
}

// SeedLicense issues the demo seller's Demo Analytics license to the demo
// buyer, grants it and activates the grant, all through the License Manager
// service as the API would, unless the buyer has already received a grant
// of the product from the seller, in whatever state: what happened to it
// since (accepted, rejected, disabled, deleted) is left as it is. It asks
// the buyer's side, which holds a handful of grants, not the seller's, which
// may hold millions of licenses.
func SeedLicense(ctx context.Context, svc *license.Service, w World, now time.Time) error {
	seller, buyer := w.Seller.Account.ID, w.Buyer.Account.ID
	existing, err := svc.ListReceivedGrants(ctx, buyer, license.ListReceivedGrantsInput{ListInput: license.ListInput{
		Filters: []license.Filter{{Name: "ProductSKU", Values: []string{ProductSKU}}, {Name: "GranterAccountId", Values: []string{seller}}}}})
	if err != nil || len(existing.Grants) > 0 {
		return err
	}
	token := func(step string) string { return fmt.Sprintf("tollgate-demo-%s-%d", step, now.UnixNano()) }
	five, hundred, yes, no, hour := int64(5), int64(100), true, false, 60
	lic, err := svc.CreateLicense(ctx, seller, license.CreateLicenseInput{
		LicenseName: ProductName + " for " + w.Buyer.Account.Name, ProductName: ProductName, ProductSKU: ProductSKU,
		Issuer: &license.Issuer{Name: "Self"}, HomeRegion: "us-east-1", Beneficiary: buyer,
		Validity: &license.Validity{Begin: now.Truncate(time.Second), End: now.AddDate(1, 0, 0).Truncate(time.Second)},
		Entitlements: []license.Entitlement{
			{Name: "Seats", MaxCount: &five, Unit: "Count", AllowCheckIn: &yes},     // floating: PROVISIONAL, checked in
			{Name: "Reports", MaxCount: &hundred, Unit: "Count", AllowCheckIn: &no}, // drawn down: PERPETUAL
			{Name: "ProfessionalTier", Unit: license.UnitNone},                      // the tier bought
		},
		ConsumptionConfiguration: &license.ConsumptionConfiguration{RenewType: "None",
			ProvisionalConfiguration: &license.ProvisionalConfiguration{MaxTimeToLiveInMinutes: &hour}},
		ClientToken: token("license"),
	})
	if err != nil {
		return fmt.Errorf("demo license: %w", err)
	}
	grant, err := svc.CreateGrant(ctx, seller, license.CreateGrantInput{
		ClientToken: token("grant"), GrantName: ProductName + " contract", LicenseArn: lic.LicenseArn, HomeRegion: "us-east-1",
		Principals:        []string{"arn:aws:iam::" + buyer + ":root"},
		AllowedOperations: []license.Operation{license.OpCheckoutLicense, license.OpCheckInLicense, license.OpExtendConsumption, license.OpListPurchasedLicenses},
	})
	if err != nil {
		return fmt.Errorf("demo grant: %w", err)
	}
	if _, err := svc.AcceptGrant(ctx, buyer, license.GrantArnInput{GrantArn: grant.GrantArn}); err != nil {
		return fmt.Errorf("demo grant accepted: %w", err)
	}
	_, err = svc.CreateGrantVersion(ctx, buyer, license.CreateGrantVersionInput{
		ClientToken: token("activate"), GrantArn: grant.GrantArn, Status: license.GrantActive})
	if err != nil {
		return fmt.Errorf("demo grant activated: %w", err)
	}
	return nil
}

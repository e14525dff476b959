package license

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
)

// MarketplaceLicenseInput is a license the marketplace issues to a buyer for
// a contract sign-up: from the marketplace issuer, owned by the seller, with
// the grant to the buyer active at once (marketplace grants need no
// acceptance), so that CheckoutLicense works as soon as it returns.
type MarketplaceLicenseInput struct {
	Seller, Buyer           string
	ProductName, ProductSKU string
	LicenseName             string
	Begin, End              time.Time
	Entitlements            []Entitlement
	// ClientToken makes issuing idempotent: the subscription's ID.
	ClientToken string
}

// MarketplaceLicense is what was issued.
type MarketplaceLicense struct {
	LicenseArn string
	Version    string
	GrantArn   string
}

// IssueMarketplaceLicense issues a marketplace license and its active grant.
func (s *Service) IssueMarketplaceLicense(ctx context.Context, in MarketplaceLicenseInput) (MarketplaceLicense, error) {
	return MarketplaceLicense{}, fault.New(fault.Internal, "license: not built yet")
}

// ReviseMarketplaceLicense creates a new version of a marketplace license
// (an upgrade or renewal).
func (s *Service) ReviseMarketplaceLicense(ctx context.Context, arn string, in MarketplaceLicenseInput) (MarketplaceLicense, error) {
	return MarketplaceLicense{}, fault.New(fault.Internal, "license: not built yet")
}

package license

import (
	"context"
	"time"
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
	// ClientToken makes issuing idempotent: the subscription's ID. A
	// revision's token names the revision (the subscription's ID and the
	// change's number).
	ClientToken string
}

// MarketplaceLicense is what was issued.
type MarketplaceLicense struct {
	LicenseArn string
	Version    string
	GrantArn   string
}

// MarketplaceHomeRegion is the home region of licenses the marketplace
// issues.
const MarketplaceHomeRegion = "us-east-1"

// marketplaceOperations are what a buyer may do with a marketplace
// license's grant: check out, check in and extend (floating entitlements),
// list it, and create tokens for software running elsewhere.
var marketplaceOperations = []Operation{OpCheckoutLicense, OpCheckInLicense, OpExtendConsumption, OpListPurchasedLicenses, OpCreateToken}

// marketplaceConsumption is how marketplace licenses are consumed: floating
// checkouts live DefaultProvisionalTTL minutes, as AWS Marketplace's do.
func marketplaceConsumption() ConsumptionConfiguration {
	ttl := DefaultProvisionalTTL
	return ConsumptionConfiguration{RenewType: RenewNone, ProvisionalConfiguration: &ProvisionalConfiguration{MaxTimeToLiveInMinutes: &ttl}}
}

// createInput is the CreateLicense request in is equivalent to, so that a
// marketplace license passes the same validation as any other.
func (in MarketplaceLicenseInput) createInput() CreateLicenseInput {
	cc := marketplaceConsumption()
	return CreateLicenseInput{
		LicenseName: in.LicenseName, ProductName: in.ProductName, ProductSKU: in.ProductSKU,
		Issuer: &Issuer{Name: MarketplaceIssuerName}, HomeRegion: MarketplaceHomeRegion,
		Validity: &Validity{Begin: in.Begin, End: in.End}, Entitlements: in.Entitlements, Beneficiary: in.Buyer,
		ConsumptionConfiguration: &cc, ClientToken: in.ClientToken,
	}
}

// validate checks in as CreateLicense would, and that it names the seller
// and a client token, which CreateLicense takes from elsewhere or leaves
// optional.
func (in MarketplaceLicenseInput) validate() error {
	ci := in.createInput()
	p := problems(&ci)
	p.Required("seller", in.Seller)
	p.Required("clientToken", in.ClientToken)
	if err := p.Err(); err != nil {
		return err
	}
	return ci.Validate()
}

// IssueMarketplaceLicense issues a marketplace license and its active grant,
// in one transaction. A retry with the same client token gets the first
// answer whatever else it says: the token names the sign-up, and the
// sign-up's license is the one first issued for it.
func (s *Service) IssueMarketplaceLicense(ctx context.Context, in MarketplaceLicenseInput) (MarketplaceLicense, error) {
	if err := in.validate(); err != nil {
		return MarketplaceLicense{}, err
	}
	fp := s.cfg.MarketplaceFingerprint
	if err := s.keys.Ensure(ctx, fp); err != nil {
		return MarketplaceLicense{}, err
	}
	hash := requestHash(struct{ Seller, Buyer, ProductSKU string }{in.Seller, in.Buyer, in.ProductSKU})
	var out MarketplaceLicense
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		out, err = idempotent(tx, in.Seller, "IssueMarketplaceLicense", in.ClientToken, hash, func() (MarketplaceLicense, error) {
			return s.issueMarketplace(tx, in, fp)
		})
		return err
	})
	return out, err
}

// issueMarketplace stores the license and its grant to the buyer, ACTIVE,
// replacing any other active marketplace grant the buyer holds for the
// product (that of an earlier, cancelled sign-up), so that checkouts find
// this one.
func (s *Service) issueMarketplace(tx Tx, in MarketplaceLicenseInput, fp string) (MarketplaceLicense, error) {
	l := License{
		LicenseArn: licenseARN(in.Seller), LicenseName: in.LicenseName, ProductName: in.ProductName, ProductSKU: in.ProductSKU,
		Issuer: Issuer{Name: MarketplaceIssuerName, KeyFingerprint: fp}, HomeRegion: MarketplaceHomeRegion,
		Status: StatusAvailable, Validity: Validity{Begin: in.Begin, End: in.End}, Beneficiary: in.Buyer,
		Entitlements: in.Entitlements, ConsumptionConfiguration: marketplaceConsumption(),
		CreateTime: tx.Now(), Version: "1", Owner: in.Seller,
	}
	if err := tx.PutLicense(l); err != nil {
		return MarketplaceLicense{}, err
	}
	g := Grant{
		GrantArn: grantARN(in.Seller), GrantName: in.LicenseName, ParentArn: l.LicenseArn, LicenseArn: l.LicenseArn,
		GranteePrincipalArn: "arn:aws:iam::" + in.Buyer + ":root", HomeRegion: MarketplaceHomeRegion,
		GrantStatus: GrantActive, Version: "1", GrantedOperations: marketplaceOperations,
		Options: &Options{ActivationOverrideBehavior: ActivationAllGrants},
		Grantor: in.Seller, Grantee: in.Buyer, ProductSKU: in.ProductSKU, KeyFingerprint: fp, IssuerName: MarketplaceIssuerName,
	}
	if err := s.replaceActiveGrants(tx, &g); err != nil {
		return MarketplaceLicense{}, err
	}
	if err := tx.PutGrant(g); err != nil {
		return MarketplaceLicense{}, err
	}
	return MarketplaceLicense{LicenseArn: l.LicenseArn, Version: l.Version, GrantArn: g.GrantArn}, nil
}

// ReviseMarketplaceLicense creates a new version of a marketplace license
// (an upgrade or renewal): CreateLicenseVersion, as the seller that owns it.
// The next checkout sees the new version; live checkouts stay valid.
func (s *Service) ReviseMarketplaceLicense(ctx context.Context, arn string, in MarketplaceLicenseInput) (MarketplaceLicense, error) {
	if err := in.validate(); err != nil {
		return MarketplaceLicense{}, err
	}
	ci := in.createInput()
	out, err := s.CreateLicenseVersion(ctx, in.Seller, CreateLicenseVersionInput{
		LicenseArn: arn, LicenseName: ci.LicenseName, ProductName: ci.ProductName, Issuer: ci.Issuer, HomeRegion: ci.HomeRegion,
		Validity: ci.Validity, Entitlements: ci.Entitlements, ConsumptionConfiguration: ci.ConsumptionConfiguration,
		Status: StatusAvailable, ClientToken: in.ClientToken,
	})
	if err != nil {
		return MarketplaceLicense{}, err
	}
	return MarketplaceLicense{LicenseArn: out.LicenseArn, Version: out.Version}, nil
}

// DeactivateMarketplaceLicense ends a marketplace license at once, when its
// subscription is cancelled: the license becomes DEACTIVATED and its active
// grants DISABLED, so every later checkout is refused. Deactivating a
// license again does nothing.
func (s *Service) DeactivateMarketplaceLicense(ctx context.Context, seller, arn string) error {
	return s.store.UpdateLicense(ctx, arn, func(tx Tx) error {
		l, err := ownedLicense(tx, seller, arn)
		if err != nil {
			return err
		}
		if l.Issuer.Name != MarketplaceIssuerName {
			return errValidation("license %s was not issued by the marketplace", clip(arn))
		}
		if l.Status == StatusDeactivated || l.Status == StatusDeleted {
			return nil
		}
		if err := tx.SetLicenseStatus(arn, StatusDeactivated); err != nil {
			return err
		}
		grants, err := tx.GranteeGrants(l.Beneficiary, l.ProductSKU, l.Issuer.KeyFingerprint)
		if err != nil {
			return err
		}
		for _, g := range grants {
			if g.LicenseArn != arn || g.GrantStatus != GrantActive {
				continue
			}
			g.GrantStatus, g.StatusReason, g.Version = GrantDisabled, "the subscription was cancelled", nextVersion(g.Version)
			if err := tx.PutGrant(g); err != nil {
				return err
			}
		}
		return nil
	})
}

package licensemanager_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
)

var _ = sdk("Isolation", testIsolation)

// testIsolation: an account that is neither the issuer nor the grantee
// can read, change or consume nothing of another account's licenses,
// grants, checkouts and tokens, and sees none of them in its lists.
func testIsolation(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(borrowable(true), counted("Users", 5, false))
	pending := e.createGrant(x.seller, x.buyer, e.createLicense(x.seller, e.licenseInput(newSKU(), x.buyer.ID, counted("Users", 5, false))))
	co := e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("Users", 1))
	tok, err := x.buyer.LM.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(x.licenseArn), ClientToken: newToken()})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	mallory := e.party("mallory", false)
	lm := mallory.LM

	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"GetLicense", func() error {
			_, err := lm.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(x.licenseArn)})
			return err
		}, "InvalidParameterValueException"},
		{"GetLicense old version", func() error {
			_, err := lm.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(x.licenseArn), Version: aws.String("1")})
			return err
		}, "InvalidParameterValueException"},
		{"GetLicenseUsage", func() error {
			_, err := lm.GetLicenseUsage(e.ctx, &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(x.licenseArn)})
			return err
		}, "InvalidParameterValueException"},
		{"ListLicenseVersions", func() error {
			_, err := lm.ListLicenseVersions(e.ctx, &licensemanager.ListLicenseVersionsInput{LicenseArn: aws.String(x.licenseArn)})
			return err
		}, "InvalidParameterValueException"},
		{"CreateLicenseVersion", func() error {
			_, err := lm.CreateLicenseVersion(e.ctx, versionInput(x.licenseArn, e.licenseInput(x.sku, mallory.ID), counted("Users", 500, false)))
			return err
		}, "ResourceNotFoundException"},
		{"DeleteLicense", func() error {
			_, err := lm.DeleteLicense(e.ctx, &licensemanager.DeleteLicenseInput{LicenseArn: aws.String(x.licenseArn), SourceVersion: aws.String("1")})
			return err
		}, "InvalidParameterValueException"},
		{"CreateGrant to itself", func() error {
			_, err := lm.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String("steal"), LicenseArn: aws.String(x.licenseArn),
				Principals: []string{mallory.principal()}, HomeRegion: aws.String(region), AllowedOperations: allOps, ClientToken: newToken()})
			return err
		}, "InvalidParameterValueException"},
		{"GetGrant", func() error {
			_, err := lm.GetGrant(e.ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(x.grantArn)})
			return err
		}, "InvalidParameterValueException"},
		{"GetGrant old version", func() error {
			_, err := lm.GetGrant(e.ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(x.grantArn), Version: aws.String("1")})
			return err
		}, "InvalidParameterValueException"},
		{"AcceptGrant", func() error {
			_, err := lm.AcceptGrant(e.ctx, &licensemanager.AcceptGrantInput{GrantArn: aws.String(pending)})
			return err
		}, "InvalidParameterValueException"},
		{"RejectGrant", func() error {
			_, err := lm.RejectGrant(e.ctx, &licensemanager.RejectGrantInput{GrantArn: aws.String(pending)})
			return err
		}, "InvalidParameterValueException"},
		{"CreateGrantVersion", func() error {
			_, err := e.setGrantStatus(mallory, x.grantArn, types.GrantStatusDisabled, nil)
			return err
		}, "InvalidParameterValueException"},
		{"DeleteGrant", func() error {
			_, err := lm.DeleteGrant(e.ctx, &licensemanager.DeleteGrantInput{GrantArn: aws.String(x.grantArn), Version: aws.String("3")})
			return err
		}, "InvalidParameterValueException"},
		{"CheckoutLicense", func() error {
			_, err := e.checkout(mallory, x.sku, x.fp, types.CheckoutTypeProvisional, want("Users", 1))
			return err
		}, "NoEntitlementsAllowedException"},
		{"CheckoutBorrowLicense", func() error {
			_, err := lm.CheckoutBorrowLicense(e.ctx, borrowInput(x.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Users", 1)))
			return err
		}, "ResourceNotFoundException"},
		{"CheckInLicense", func() error {
			_, err := lm.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: co.LicenseConsumptionToken})
			return err
		}, "ResourceNotFoundException"},
		{"ExtendLicenseConsumption", func() error {
			_, err := lm.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: co.LicenseConsumptionToken})
			return err
		}, "ResourceNotFoundException"},
		{"ExtendLicenseConsumption dry run", func() error {
			_, err := lm.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: co.LicenseConsumptionToken, DryRun: true})
			return err
		}, "ResourceNotFoundException"},
		{"CreateToken", func() error {
			_, err := lm.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(x.licenseArn), ClientToken: newToken()})
			return err
		}, "ResourceNotFoundException"},
		{"DeleteToken", func() error {
			_, err := lm.DeleteToken(e.ctx, &licensemanager.DeleteTokenInput{TokenId: tok.TokenId})
			return err
		}, "ResourceNotFoundException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorCode(t, tt.call()); got != tt.want {
				t.Errorf("%s by a third account: error %q, want %q", tt.name, got, tt.want)
			}
		})
	}

	t.Run("lists", func(t *testing.T) {
		licenses, err := lm.ListLicenses(e.ctx, &licensemanager.ListLicensesInput{LicenseArns: []string{x.licenseArn}})
		if err != nil || len(licenses.Licenses) != 0 {
			t.Errorf("ListLicenses = %v, %d licenses", err, len(licenses.Licenses))
		}
		received, err := lm.ListReceivedLicenses(e.ctx, &licensemanager.ListReceivedLicensesInput{})
		if err != nil || len(received.Licenses) != 0 {
			t.Errorf("ListReceivedLicenses = %v, %d licenses", err, len(received.Licenses))
		}
		dist, err := lm.ListDistributedGrants(e.ctx, &licensemanager.ListDistributedGrantsInput{GrantArns: []string{x.grantArn}})
		if err != nil || len(dist.Grants) != 0 {
			t.Errorf("ListDistributedGrants = %v, %d grants", err, len(dist.Grants))
		}
		recv, err := lm.ListReceivedGrants(e.ctx, &licensemanager.ListReceivedGrantsInput{GrantArns: []string{x.grantArn, pending}})
		if err != nil || len(recv.Grants) != 0 {
			t.Errorf("ListReceivedGrants = %v, %d grants", err, len(recv.Grants))
		}
		tokens, err := lm.ListTokens(e.ctx, &licensemanager.ListTokensInput{TokenIds: []string{aws.ToString(tok.TokenId)}})
		if err != nil || len(tokens.Tokens) != 0 {
			t.Errorf("ListTokens = %v, %d tokens", err, len(tokens.Tokens))
		}
	})

	// Nothing above changed anything: the buyer's checkout, grant and token
	// are intact, and the usage counts one seat.
	t.Run("unchanged", func(t *testing.T) {
		if _, err := x.buyer.LM.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: co.LicenseConsumptionToken}); err != nil {
			t.Errorf("the buyer's checkout: %v", err)
		}
		g, err := x.buyer.LM.GetGrant(e.ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(x.grantArn)})
		if err != nil || g.Grant.GrantStatus != types.GrantStatusActive || aws.ToString(g.Grant.Version) != "3" {
			t.Errorf("the buyer's grant: %v %+v", err, g)
		}
		pg, err := x.buyer.LM.GetGrant(e.ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(pending)})
		if err != nil || pg.Grant.GrantStatus != types.GrantStatusPendingAccept {
			t.Errorf("the pending grant: %v %+v", err, pg)
		}
		if got := e.usage(x.seller, x.licenseArn)["Users"]; got != "1/5" {
			t.Errorf("usage %s, want 1/5", got)
		}
		if _, err := x.buyer.LM.GetAccessToken(e.ctx, &licensemanager.GetAccessTokenInput{Token: tok.Token}); err != nil {
			t.Errorf("the buyer's refresh token: %v", err)
		}
	})
}

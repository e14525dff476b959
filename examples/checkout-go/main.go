// Command checkout-go is what a seller's software does at start-up with the
// stock aws-sdk-go-v2: check out a floating seat of the license the buyer
// bought, verify the signed token offline against the issuers' published
// keys, and check the seat in again when done.
//
// Run it as the demo buyer against `tollgate serve --demo`:
//
//	export AWS_ACCESS_KEY_ID=AKIATOLLGATEBUYER001
//	export AWS_SECRET_ACCESS_KEY=tollgate-demo-buyer-secret-0000000000000
//	export AWS_REGION=us-east-1
//	go run ./examples/checkout-go -endpoint http://127.0.0.1:7070
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"

	"github.com/tollgate/tollgate/pkg/licensetoken"
)

// options say what to check out, and where.
type options struct {
	endpoint    string
	sku         string
	fingerprint string
	entitlement string
}

func main() {
	var o options
	flag.StringVar(&o.endpoint, "endpoint", "http://127.0.0.1:7070", "Tollgate's URL")
	flag.StringVar(&o.sku, "sku", "tollgate-demo-analytics", "product SKU of the license")
	flag.StringVar(&o.fingerprint, "fingerprint", "aws:222222222222:Self:issuer-fingerprint", "key fingerprint of the license's issuer")
	flag.StringVar(&o.entitlement, "entitlement", "Seats", "floating entitlement to check one unit out of")
	flag.Parse()
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "checkout-go:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	cfg, err := config.LoadDefaultConfig(ctx) // keys and region from the environment
	if err != nil {
		return err
	}
	lm := licensemanager.NewFromConfig(cfg, func(opt *licensemanager.Options) {
		opt.BaseEndpoint = aws.String(o.endpoint)
	})

	// A retried request with the same ClientToken gets the first answer and
	// draws nothing more, so a retry after a lost answer is safe.
	checkout, err := lm.CheckoutLicense(ctx, &licensemanager.CheckoutLicenseInput{
		ProductSKU:     aws.String(o.sku),
		KeyFingerprint: aws.String(o.fingerprint),
		CheckoutType:   types.CheckoutTypeProvisional,
		Entitlements: []types.EntitlementData{
			{Name: aws.String(o.entitlement), Value: aws.String("1"), Unit: types.EntitlementDataUnitCount},
		},
		ClientToken: aws.String(rand.Text()),
	})
	if err != nil {
		return fmt.Errorf("check out: %w", err)
	}
	for _, e := range checkout.EntitlementsAllowed {
		fmt.Fprintf(out, "checked out %s %s of %s until %s\n", aws.ToString(e.Value), aws.ToString(e.Name),
			aws.ToString(checkout.LicenseArn), aws.ToString(checkout.Expiration))
	}

	// The token proves the checkout offline: the issuer signed it with a key
	// published at /.well-known/jwks.json.
	keys, err := licensetoken.FetchJWKS(ctx, http.DefaultClient, o.endpoint)
	if err != nil {
		return err
	}
	claims, err := licensetoken.Verify(aws.ToString(checkout.SignedToken), keys)
	if err != nil {
		return fmt.Errorf("verify the signed token: %w", err)
	}
	if claims.LicenseConsumptionToken != aws.ToString(checkout.LicenseConsumptionToken) {
		return fmt.Errorf("the signed token is for another checkout")
	}
	fmt.Fprintf(out, "signed token verified: signed by %s, expires %s\n", claims.KeyFingerprint, claims.Expiration)

	if _, err := lm.CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{
		LicenseConsumptionToken: checkout.LicenseConsumptionToken,
	}); err != nil {
		return fmt.Errorf("check in: %w", err)
	}
	fmt.Fprintln(out, "checked in")
	return nil
}

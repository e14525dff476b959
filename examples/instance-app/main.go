// Command instance-app is what a seller's software does inside an instance
// of its paid image, with the stock aws-sdk-go-v2 and nothing configured
// but the metadata endpoint, Tollgate's URL and a region: it reads the
// instance's product codes from the instance metadata service
// (feature/ec2/imds), makes sure it runs with the seller's code, and checks
// a floating seat of the buyer's license out and in again with License
// Manager. No keys are given: the default credential chain finds the
// credentials of the instance's role in the metadata service, as on AWS,
// and they act as the buyer who launched the instance.
//
// Run it as an instance the buyer launched with an instance profile
// (`aws ec2 run-instances ... --iam-instance-profile Name=seller-app`):
//
//	export AWS_EC2_METADATA_SERVICE_ENDPOINT=$(tollgate instance metadata-endpoint --instance-id i-...)
//	export AWS_ENDPOINT_URL=http://127.0.0.1:7070 AWS_REGION=us-east-1
//	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
//	go run ./examples/instance-app -product-code CODE -sku PRODUCT_ID
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// MarketplaceFingerprint is the key fingerprint of licenses AWS Marketplace
// issues (seed 003), which Tollgate's marketplace issues under too.
const MarketplaceFingerprint = "aws:294406891311:AWS/Marketplace:issuer-fingerprint"

// options say what the software was built for.
type options struct {
	productCode string // the seller's product code the instance must carry
	sku         string // the product SKU of the license to check out
	fingerprint string
	entitlement string
}

func main() {
	var o options
	flag.StringVar(&o.productCode, "product-code", "", "the product code the instance must run with (required)")
	flag.StringVar(&o.sku, "sku", "", "product SKU (product ID) of the buyer's license (required)")
	flag.StringVar(&o.fingerprint, "fingerprint", MarketplaceFingerprint, "key fingerprint of the license's issuer")
	flag.StringVar(&o.entitlement, "entitlement", "Seats", "floating entitlement to check one unit out of")
	flag.Parse()
	if o.productCode == "" || o.sku == "" {
		fmt.Fprintln(os.Stderr, "instance-app: -product-code and -sku are required")
		flag.Usage()
		os.Exit(2)
	}
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "instance-app:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	// The region and Tollgate's URL (AWS_ENDPOINT_URL) from the
	// environment; the credentials from the metadata service, the last
	// link of the default chain.
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	md := imds.NewFromConfig(cfg)
	id, err := metadata(ctx, md, "instance-id")
	if err != nil {
		return err
	}
	codes, err := metadata(ctx, md, "product-codes")
	if err != nil {
		return err
	}
	if !slices.Contains(strings.Fields(codes), o.productCode) {
		return fmt.Errorf("instance %s does not run with product code %s (it carries %q)", id, o.productCode, codes)
	}
	fmt.Fprintf(out, "instance %s runs with product code %s\n", id, o.productCode)

	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("who am I: %w", err)
	}
	fmt.Fprintf(out, "acting as %s\n", aws.ToString(who.Arn))
	return checkout(ctx, licensemanager.NewFromConfig(cfg), o, out)
}

// metadata reads one meta-data path.
func metadata(ctx context.Context, md *imds.Client, path string) (string, error) {
	res, err := md.GetMetadata(ctx, &imds.GetMetadataInput{Path: path})
	if err != nil {
		return "", fmt.Errorf("read %s from the metadata service: %w", path, err)
	}
	defer res.Content.Close()
	b, err := io.ReadAll(res.Content)
	if err != nil {
		return "", fmt.Errorf("read %s from the metadata service: %w", path, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// checkout checks one unit of the entitlement out of the buyer's license,
// then in again.
func checkout(ctx context.Context, lm *licensemanager.Client, o options, out io.Writer) error {
	res, err := lm.CheckoutLicense(ctx, &licensemanager.CheckoutLicenseInput{
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
	if len(res.EntitlementsAllowed) == 0 {
		return errors.New("check out: no entitlement allowed")
	}
	for _, e := range res.EntitlementsAllowed {
		fmt.Fprintf(out, "checked out %s %s of %s\n", aws.ToString(e.Value), aws.ToString(e.Name), aws.ToString(res.LicenseArn))
	}
	if _, err := lm.CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{
		LicenseConsumptionToken: res.LicenseConsumptionToken,
	}); err != nil {
		return fmt.Errorf("check in: %w", err)
	}
	fmt.Fprintln(out, "checked in")
	return nil
}

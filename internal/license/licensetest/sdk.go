package licensetest

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/aws/smithy-go"

	"github.com/tollgate/tollgate/internal/sdktest"
)

// Client is a stock aws-sdk-go-v2 License Manager client pointed at
// endpoint, with static credentials and no retries, so that every answer the
// server gives is seen as it is.
func Client(endpoint, keyID, secret string) *licensemanager.Client {
	return licensemanager.New(licensemanager.Options{HTTPClient: sdktest.HTTPClient(),
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		RetryMaxAttempts: 1,
		Retryer:          aws.NopRetryer{},
	})
}

// ErrorCode returns the AWS error code of err, or "" if it has none.
func ErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// SDKPool is a floating pool set up over the wire.
type SDKPool struct {
	LicenseArn  string
	GrantArn    string
	ProductSKU  string
	Fingerprint string
	Entitlement string
	Max         int64
	TTL         time.Duration
	// The license's validity (End zero: none) and RenewType.
	Begin, End time.Time
	Renew      types.RenewType
}

// NewSDKPool does what NewPool does, through the License Manager API: the
// seller creates a license of max floating seats that live ttlMinutes, valid
// from begin, and grants it to buyerAccount, who accepts and activates it.
func NewSDKPool(t testing.TB, seller, buyer *licensemanager.Client, buyerAccount string, begin time.Time, max int64, ttlMinutes int32) SDKPool {
	t.Helper()
	return NewSDKPoolOn(t, seller, buyer, buyerAccount, SDKPool{Begin: begin, Max: max, TTL: time.Duration(ttlMinutes) * time.Minute,
		Renew: types.RenewTypeNone})
}

// validity is the license's validity on the wire.
func (p SDKPool) validity() *types.DatetimeRange {
	v := &types.DatetimeRange{Begin: aws.String(p.Begin.UTC().Format(time.RFC3339Nano))}
	if !p.End.IsZero() {
		v.End = aws.String(p.End.UTC().Format(time.RFC3339Nano))
	}
	return v
}

func (p SDKPool) entitlements() []types.Entitlement {
	return []types.Entitlement{{Name: aws.String(p.Entitlement), MaxCount: aws.Int64(p.Max), Unit: types.EntitlementUnitCount, AllowCheckIn: aws.Bool(true)}}
}

func (p SDKPool) consumption() *types.ConsumptionConfiguration {
	return &types.ConsumptionConfiguration{RenewType: p.Renew,
		ProvisionalConfiguration: &types.ProvisionalConfiguration{MaxTimeToLiveInMinutes: aws.Int32(int32(p.TTL / time.Minute))}}
}

// NewSDKPoolOn is NewSDKPool of a license on the terms spec gives (its Max,
// TTL, Begin, End and Renew).
func NewSDKPoolOn(t testing.TB, seller, buyer *licensemanager.Client, buyerAccount string, spec SDKPool) SDKPool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := spec
	p.ProductSKU, p.Entitlement = "sku-floating", "Seats"
	lic, err := seller.CreateLicense(ctx, &licensemanager.CreateLicenseInput{
		LicenseName: aws.String("floating"), ProductName: aws.String("Floating"), ProductSKU: aws.String(p.ProductSKU),
		HomeRegion: aws.String("us-east-1"), Beneficiary: aws.String(buyerAccount), ClientToken: aws.String("create-license"),
		Issuer: &types.Issuer{Name: aws.String("Seller Inc")}, Validity: p.validity(), Entitlements: p.entitlements(),
		ConsumptionConfiguration: p.consumption(),
	})
	if err != nil {
		t.Fatalf("CreateLicense: %v", err)
	}
	p.LicenseArn = aws.ToString(lic.LicenseArn)
	got, err := seller.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: lic.LicenseArn})
	if err != nil {
		t.Fatalf("GetLicense: %v", err)
	}
	p.Fingerprint = aws.ToString(got.License.Issuer.KeyFingerprint)
	g, err := seller.CreateGrant(ctx, &licensemanager.CreateGrantInput{
		ClientToken: aws.String("create-grant"), GrantName: aws.String("buyer"), LicenseArn: lic.LicenseArn,
		HomeRegion: aws.String("us-east-1"), Principals: []string{"arn:aws:iam::" + buyerAccount + ":root"},
		AllowedOperations: []types.AllowedOperation{types.AllowedOperationCheckoutLicense, types.AllowedOperationCheckInLicense,
			types.AllowedOperationExtendConsumptionLicense},
	})
	if err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	p.GrantArn = aws.ToString(g.GrantArn)
	if _, err := buyer.AcceptGrant(ctx, &licensemanager.AcceptGrantInput{GrantArn: g.GrantArn}); err != nil {
		t.Fatalf("AcceptGrant: %v", err)
	}
	if _, err := buyer.CreateGrantVersion(ctx, &licensemanager.CreateGrantVersionInput{
		ClientToken: aws.String("activate"), GrantArn: g.GrantArn, Status: types.GrantStatusActive}); err != nil {
		t.Fatalf("CreateGrantVersion ACTIVE: %v", err)
	}
	return p
}

// CheckoutInput is a PROVISIONAL checkout of one unit of the pool.
func (p SDKPool) CheckoutInput(clientToken string) *licensemanager.CheckoutLicenseInput {
	return &licensemanager.CheckoutLicenseInput{
		ProductSKU: aws.String(p.ProductSKU), CheckoutType: types.CheckoutTypeProvisional,
		KeyFingerprint: aws.String(p.Fingerprint), ClientToken: aws.String(clientToken),
		Entitlements: []types.EntitlementData{{Name: aws.String(p.Entitlement), Value: aws.String("1"), Unit: types.EntitlementDataUnitCount}},
	}
}

// DrawInput is a PERPETUAL checkout of one unit of the pool.
func (p SDKPool) DrawInput(clientToken string) *licensemanager.CheckoutLicenseInput {
	in := p.CheckoutInput(clientToken)
	in.CheckoutType = types.CheckoutTypePerpetual
	return in
}

// RenewInput is a new version of the pool's license, the same but for the
// end of its validity: a renewal.
func (p SDKPool) RenewInput(clientToken string, end time.Time) *licensemanager.CreateLicenseVersionInput {
	p.End = end
	return &licensemanager.CreateLicenseVersionInput{LicenseArn: aws.String(p.LicenseArn), LicenseName: aws.String("floating"),
		ProductName: aws.String("Floating"), Issuer: &types.Issuer{Name: aws.String("Seller Inc")}, HomeRegion: aws.String("us-east-1"),
		Validity: p.validity(), Entitlements: p.entitlements(), ConsumptionConfiguration: p.consumption(),
		Status: types.LicenseStatusAvailable, ClientToken: aws.String(clientToken)}
}

// InUse returns the pool's consumed value from GetLicenseUsage.
func (p SDKPool) InUse(ctx context.Context, c *licensemanager.Client) (int64, error) {
	out, err := c.GetLicenseUsage(ctx, &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(p.LicenseArn)})
	if err != nil {
		return 0, err
	}
	for _, u := range out.LicenseUsage.EntitlementUsages {
		if aws.ToString(u.Name) == p.Entitlement {
			return strconv.ParseInt(aws.ToString(u.ConsumedValue), 10, 64)
		}
	}
	return 0, errors.New("GetLicenseUsage: no usage for " + p.Entitlement)
}

package license

import (
	"context"

	"github.com/tollgate/tollgate/internal/fault"
)

// What a request says of itself beyond its caller and input, which the
// wire adapter puts in its context: the license its credentials are
// limited to, and the region it was made in.
//
// A caller holding temporary credentials from a license token (see
// AssumeRoleWithWebIdentity) may use one license only. The wire adapter
// says so in the request's context (ForLicense); the operations such a
// caller may call (CheckoutLicense, CheckInLicense,
// ExtendLicenseConsumption, GetLicense: AWS's
// AWSLicenseManagerConsumptionPolicy) then act on that license alone.

type scopeKey struct{}

// ForLicense returns ctx for a caller limited to the license arn.
func ForLicense(ctx context.Context, arn string) context.Context {
	if arn == "" {
		return ctx
	}
	return context.WithValue(ctx, scopeKey{}, arn)
}

// licenseScope is the one license the caller may use, or "" for any.
func licenseScope(ctx context.Context) string {
	arn, _ := ctx.Value(scopeKey{}).(string)
	return arn
}

type regionKey struct{}

// InRegion returns ctx for a request made in region (the one its signature
// names): the operations the model says may redirect (CreateLicense,
// CheckoutLicense, CheckoutBorrowLicense, DeleteLicense, CreateToken) are
// then refused with RedirectException for a license whose home region is
// another. Without a region (a request of the domain's own), nothing is
// checked.
func InRegion(ctx context.Context, region string) context.Context {
	if region == "" {
		return ctx
	}
	return context.WithValue(ctx, regionKey{}, region)
}

// inHomeRegion refuses a request made outside the home region of a
// license: AWS answers RedirectException, naming where to go.
func inHomeRegion(ctx context.Context, licenseArn, home string) error {
	region, _ := ctx.Value(regionKey{}).(string)
	if region == "" || home == "" || region == home {
		return nil
	}
	return fault.Coded(fault.Invalid, "RedirectException", "license %s has its home in %s: call License Manager in %s, not %s",
		clip(licenseArn), clip(home), clip(home), region)
}

// createdInHomeRegion refuses to create a license whose home region is not
// the one the request is made in.
func createdInHomeRegion(ctx context.Context, home string) error {
	region, _ := ctx.Value(regionKey{}).(string)
	if region == "" || region == home {
		return nil
	}
	return fault.Coded(fault.Invalid, "RedirectException", "HomeRegion %s is not the region of this request, %s: create the license in %s",
		clip(home), region, clip(home))
}

// inScope refuses a license the caller's credentials are not for.
func inScope(ctx context.Context, arn string) error {
	if scope := licenseScope(ctx); scope != "" && scope != arn {
		return errAccessDenied("these credentials are for license %s only, not %s", scope, clip(arn))
	}
	return nil
}

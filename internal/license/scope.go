package license

import "context"

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

// inScope refuses a license the caller's credentials are not for.
func inScope(ctx context.Context, arn string) error {
	if scope := licenseScope(ctx); scope != "" && scope != arn {
		return errAccessDenied("these credentials are for license %s only, not %s", scope, clip(arn))
	}
	return nil
}

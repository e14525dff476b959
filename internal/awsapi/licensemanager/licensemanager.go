// Package licensemanager serves the AWS License Manager JSON 1.1 API
// (X-Amz-Target AWSLicenseManager.<Op>, signing name license-manager) over
// the license domain. It only decodes requests into the domain's inputs,
// which carry the model's JSON names, and encodes the domain's outputs.
package licensemanager

import (
	"context"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/license"
)

// Service returns the License Manager service definition.
func Service(lm *license.Service) *awsapi.Service {
	return &awsapi.Service{
		Protocol:     awsapi.JSON11,
		SigningName:  "license-manager",
		TargetPrefix: "AWSLicenseManager",
		Operations: map[string]awsapi.Handler{
			"CreateLicense":            op(lm.CreateLicense),
			"CreateLicenseVersion":     op(lm.CreateLicenseVersion),
			"GetLicense":               op(lm.GetLicense),
			"ListLicenses":             op(lm.ListLicenses),
			"ListLicenseVersions":      op(lm.ListLicenseVersions),
			"DeleteLicense":            op(lm.DeleteLicense),
			"GetLicenseUsage":          op(lm.GetLicenseUsage),
			"CreateGrant":              op(lm.CreateGrant),
			"CreateGrantVersion":       op(lm.CreateGrantVersion),
			"GetGrant":                 op(lm.GetGrant),
			"ListDistributedGrants":    op(lm.ListDistributedGrants),
			"DeleteGrant":              op(lm.DeleteGrant),
			"ListReceivedLicenses":     op(lm.ListReceivedLicenses),
			"ListReceivedGrants":       op(lm.ListReceivedGrants),
			"AcceptGrant":              op(lm.AcceptGrant),
			"RejectGrant":              op(lm.RejectGrant),
			"CheckoutLicense":          op(lm.CheckoutLicense),
			"CheckInLicense":           op(lm.CheckInLicense),
			"ExtendLicenseConsumption": op(lm.ExtendLicenseConsumption),
			"CheckoutBorrowLicense":    op(lm.CheckoutBorrowLicense),
			"CreateToken":              op(lm.CreateToken),
			"ListTokens":               op(lm.ListTokens),
			"DeleteToken":              op(lm.DeleteToken),
			"GetAccessToken":           op(lm.GetAccessToken),
		},
		Errors: Errors,
	}
}

// Errors are the error codes of the License Manager API model (the
// exceptions of botocore's license-manager/2018-08-01), which the license
// domain names itself; metrics label any other code unknown.
var Errors = []string{
	"AccessDeniedException", "AuthorizationException", "ConflictException", "EntitlementNotAllowedException",
	"FailedDependencyException", "FilterLimitExceededException", "InvalidParameterValueException",
	"InvalidResourceStateException", "LicenseUsageException", "NoEntitlementsAllowedException",
	"RateLimitExceededException", "RedirectException", "ResourceLimitExceededException", "ResourceNotFoundException",
	"ServerInternalException", "UnsupportedDigitalSignatureMethodException", "ValidationException",
}

// op adapts a domain operation to a wire handler: decode the body into the
// operation's input, call it as the authenticated account.
func op[In, Out any](fn func(ctx context.Context, caller string, in In) (Out, error)) awsapi.Handler {
	return func(ctx context.Context, call *awsapi.Call) (any, error) {
		var in In
		if err := awsapi.DecodeJSON(call.Body, &in); err != nil {
			return nil, err
		}
		return fn(ctx, call.Principal.AccountID, in)
	}
}

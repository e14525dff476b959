// Package licensemanager serves the AWS License Manager JSON 1.1 API
// (X-Amz-Target AWSLicenseManager.<Op>, signing name license-manager) over
// the license domain. It defines the model's request and response shapes
// (with the JSON names of botocore's license-manager/2018-08-01), one file
// per entity (license.go, grant.go, checkout.go, token.go), and maps them to
// and from the domain's wire-neutral types: times and quantities are
// strings here, time.Time and integers there. A request whose times or
// quantities cannot be read gets a ValidationException naming the field
// before the domain sees it; the domain's Validate checks the rest.
package licensemanager

import (
	"context"
	"reflect"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/license"
)

// Service returns the License Manager service definition.
func Service(lm *license.Service) *awsapi.Service {
	ops := operations(lm)
	handlers := make(map[string]awsapi.Handler, len(ops))
	for name, o := range ops {
		handlers[name] = o.handler
	}
	return &awsapi.Service{
		Protocol:     awsapi.JSON11,
		SigningName:  "license-manager",
		TargetPrefix: "AWSLicenseManager",
		Operations:   handlers,
		Errors:       Errors,
		// GetAccessToken's credential is the refresh token it carries:
		// software without an AWS account calls it unsigned.
		Anonymous: []string{"GetAccessToken"},
		// What temporary credentials from a license token may do, on their
		// license only: AWS's AWSLicenseManagerConsumptionPolicy.
		Scoped: []string{"CheckoutLicense", "CheckInLicense", "ExtendLicenseConsumption", "GetLicense"},
		// The model's fault for failures of the service's own (HTTP 500),
		// which every operation lists, where JSON services answer
		// InternalFailure otherwise.
		InternalError: "ServerInternalException",
	}
}

// operations maps each operation to its handler.
func operations(lm *license.Service) map[string]operation {
	return map[string]operation{
		"CreateLicense":            op(lm.CreateLicense, createLicenseIn, createLicenseOut),
		"CreateLicenseVersion":     op(lm.CreateLicenseVersion, createLicenseVersionIn, createLicenseVersionOut),
		"GetLicense":               op(lm.GetLicense, getLicenseIn, getLicenseOut),
		"ListLicenses":             op(lm.ListLicenses, listLicensesIn, listLicensesOut),
		"ListLicenseVersions":      op(lm.ListLicenseVersions, listLicenseVersionsIn, listLicensesOut),
		"DeleteLicense":            op(lm.DeleteLicense, deleteLicenseIn, deleteLicenseOut),
		"GetLicenseUsage":          op(lm.GetLicenseUsage, getLicenseUsageIn, getLicenseUsageOut),
		"CreateGrant":              op(lm.CreateGrant, createGrantIn, grantOutputOut),
		"CreateGrantVersion":       op(lm.CreateGrantVersion, createGrantVersionIn, grantOutputOut),
		"GetGrant":                 op(lm.GetGrant, getGrantIn, getGrantOut),
		"ListDistributedGrants":    op(lm.ListDistributedGrants, listDistributedGrantsIn, listGrantsOut),
		"DeleteGrant":              op(lm.DeleteGrant, deleteGrantIn, grantOutputOut),
		"ListReceivedLicenses":     op(lm.ListReceivedLicenses, listReceivedLicensesIn, listReceivedLicensesOut),
		"ListReceivedGrants":       op(lm.ListReceivedGrants, listReceivedGrantsIn, listGrantsOut),
		"AcceptGrant":              op(lm.AcceptGrant, grantArnIn, grantOutputOut),
		"RejectGrant":              op(lm.RejectGrant, grantArnIn, grantOutputOut),
		"CheckoutLicense":          op(lm.CheckoutLicense, checkoutLicenseIn, checkoutLicenseOut),
		"CheckInLicense":           op(lm.CheckInLicense, checkInLicenseIn, empty),
		"ExtendLicenseConsumption": op(lm.ExtendLicenseConsumption, extendLicenseConsumptionIn, extendLicenseConsumptionOut),
		"CheckoutBorrowLicense":    op(lm.CheckoutBorrowLicense, checkoutBorrowLicenseIn, checkoutBorrowLicenseOut),
		"CreateToken":              op(lm.CreateToken, createTokenIn, createTokenOut),
		"ListTokens":               op(lm.ListTokens, listTokensIn, listTokensOut),
		"DeleteToken":              op(lm.DeleteToken, deleteTokenIn, empty),
		"GetAccessToken":           op(lm.GetAccessToken, getAccessTokenIn, getAccessTokenOut),
		"TagResource":              op(lm.TagResource, tagResourceIn, empty),
		"UntagResource":            op(lm.UntagResource, untagResourceIn, empty),
		"ListTagsForResource":      op(lm.ListTagsForResource, listTagsForResourceIn, listTagsForResourceOut),
		"GetServiceSettings":       op(lm.GetServiceSettings, getServiceSettingsIn, getServiceSettingsOut),
		"UpdateServiceSettings":    op(lm.UpdateServiceSettings, updateServiceSettingsIn, empty),
		"ListReceivedLicensesForOrganization": op(lm.ListReceivedLicensesForOrganization, listReceivedLicensesForOrganizationIn,
			listReceivedLicensesOut),
		"ListReceivedGrantsForOrganization": op(lm.ListReceivedGrantsForOrganization, listReceivedGrantsForOrganizationIn, listGrantsOut),
	}
}

// Errors are the error codes of the License Manager API model (the
// exceptions of botocore's license-manager/2018-08-01), which the license
// domain names itself, and UnsupportedOperationException, Tollgate's own
// for what it does not have (AWS Organizations); metrics label any other
// code unknown.
var Errors = []string{
	"AccessDeniedException", "AuthorizationException", "ConflictException", "EntitlementNotAllowedException",
	"FailedDependencyException", "FilterLimitExceededException", "InvalidParameterValueException",
	"InvalidResourceStateException", "LicenseUsageException", "NoEntitlementsAllowedException",
	"RateLimitExceededException", "RedirectException", "ResourceLimitExceededException", "ResourceNotFoundException",
	"ServerInternalException", "UnsupportedDigitalSignatureMethodException", "ValidationException",
	"UnsupportedOperationException",
}

// operation is an operation's handler, and the wire shape of its request
// (for the tests that go through every member of every request).
type operation struct {
	handler awsapi.Handler
	request reflect.Type
}

// op adapts a domain operation to a wire handler: decode the body into the
// operation's wire request, map it to the domain's input (in), call the
// operation as the authenticated account, and map its output to the wire
// response (out).
func op[Req, In, Out, Resp any](fn func(ctx context.Context, caller string, in In) (Out, error),
	in func(Req) (In, error), out func(Out) Resp) operation {
	handler := func(ctx context.Context, call *awsapi.Call) (any, error) {
		var req Req
		if err := awsapi.DecodeJSON(call.Body, &req); err != nil {
			return nil, err
		}
		input, err := in(req)
		if err != nil {
			return nil, err
		}
		ctx = license.InRegion(license.ForLicense(ctx, call.Principal.License), call.Region)
		output, err := fn(ctx, call.Principal.AccountID, input)
		if err != nil {
			return nil, err
		}
		return out(output), nil
	}
	return operation{handler: handler, request: reflect.TypeFor[Req]()}
}

// empty is the response of the operations that answer nothing.
func empty(struct{}) struct{} { return struct{}{} }

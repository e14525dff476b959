package awsapi

import (
	"net/http"

	"github.com/tollgate/tollgate/internal/fault"
)

// wireError is how one wire format spells an error kind.
type wireError struct {
	Code   string
	Status int
}

// jsonErrors maps kinds to AWS JSON 1.1 errors, as AWS's JSON services
// (License Manager, Marketplace Metering and Entitlement) answer them.
var jsonErrors = map[fault.Kind]wireError{
	fault.Internal:           {"InternalFailure", http.StatusInternalServerError},
	fault.Invalid:            {"ValidationException", http.StatusBadRequest},
	fault.NotFound:           {"ResourceNotFoundException", http.StatusBadRequest},
	fault.Conflict:           {"ConflictException", http.StatusBadRequest},
	fault.LimitExceeded:      {"ResourceLimitExceededException", http.StatusBadRequest},
	fault.Unauthenticated:    {"MissingAuthenticationTokenException", http.StatusForbidden},
	fault.UnknownCredentials: {"UnrecognizedClientException", http.StatusForbidden},
	fault.BadSignature:       {"InvalidSignatureException", http.StatusForbidden},
	fault.MalformedSignature: {"IncompleteSignatureException", http.StatusBadRequest},
	fault.ClockSkew:          {"InvalidSignatureException", http.StatusForbidden},
	fault.Expired:            {"InvalidSignatureException", http.StatusForbidden},
	fault.Forbidden:          {"AccessDeniedException", http.StatusBadRequest},
	fault.UnknownOperation:   {"UnknownOperationException", http.StatusBadRequest},
	fault.Throttled:          {"ThrottlingException", http.StatusBadRequest},
	fault.Unavailable:        {"ServiceUnavailableException", http.StatusServiceUnavailable},
}

// queryErrors maps kinds to AWS Query errors (STS and other awsQuery services).
var queryErrors = map[fault.Kind]wireError{
	fault.Internal:           {"InternalFailure", http.StatusInternalServerError},
	fault.Invalid:            {"ValidationError", http.StatusBadRequest},
	fault.NotFound:           {"ResourceNotFound", http.StatusNotFound},
	fault.Conflict:           {"Conflict", http.StatusConflict},
	fault.LimitExceeded:      {"LimitExceeded", http.StatusBadRequest},
	fault.Unauthenticated:    {"MissingAuthenticationToken", http.StatusForbidden},
	fault.UnknownCredentials: {"InvalidClientTokenId", http.StatusForbidden},
	fault.BadSignature:       {"SignatureDoesNotMatch", http.StatusForbidden},
	fault.MalformedSignature: {"IncompleteSignature", http.StatusBadRequest},
	fault.ClockSkew:          {"RequestTimeTooSkewed", http.StatusForbidden},
	fault.Expired:            {"RequestExpired", http.StatusForbidden},
	fault.Forbidden:          {"AccessDenied", http.StatusForbidden},
	fault.UnknownOperation:   {"InvalidAction", http.StatusBadRequest},
	fault.Throttled:          {"Throttling", http.StatusBadRequest},
	fault.Unavailable:        {"ServiceUnavailable", http.StatusServiceUnavailable},
}

// ec2Errors maps kinds to EC2 Query errors, per the EC2 API's common error
// codes.
var ec2Errors = map[fault.Kind]wireError{
	fault.Internal:           {"InternalError", http.StatusInternalServerError},
	fault.Invalid:            {"InvalidParameterValue", http.StatusBadRequest},
	fault.NotFound:           {"InvalidParameterValue", http.StatusBadRequest},
	fault.Conflict:           {"IncorrectState", http.StatusBadRequest},
	fault.LimitExceeded:      {"ResourceLimitExceeded", http.StatusBadRequest},
	fault.Unauthenticated:    {"MissingAuthenticationToken", http.StatusUnauthorized},
	fault.UnknownCredentials: {"AuthFailure", http.StatusUnauthorized},
	fault.BadSignature:       {"SignatureDoesNotMatch", http.StatusForbidden},
	fault.MalformedSignature: {"IncompleteSignature", http.StatusBadRequest},
	fault.ClockSkew:          {"RequestExpired", http.StatusBadRequest},
	fault.Expired:            {"RequestExpired", http.StatusBadRequest},
	fault.Forbidden:          {"UnauthorizedOperation", http.StatusForbidden},
	fault.UnknownOperation:   {"InvalidAction", http.StatusBadRequest},
	fault.Throttled:          {"RequestLimitExceeded", http.StatusServiceUnavailable},
	fault.Unavailable:        {"Unavailable", http.StatusServiceUnavailable},
}

// wireFor returns the code, HTTP status and client-facing message of err in
// one wire format. A code the domain names wins over the table's; internal
// errors never show their cause.
func wireFor(table map[fault.Kind]wireError, err error) (code string, status int, message string) {
	fe := fault.As(err)
	w, ok := table[fe.Kind]
	if !ok {
		w = table[fault.Internal]
	}
	code, status, message = w.Code, w.Status, fe.Message
	if fe.Code != "" {
		code = fe.Code
	}
	if fe.Kind == fault.Internal {
		message = "We encountered an internal error. Please try again."
	}
	return code, status, message
}

// Package awsapi serves the AWS wire protocols: it recognises JSON 1.1
// requests (by X-Amz-Target) and Query requests (by Action), authenticates
// them with SigV4, dispatches them to the operations each service registers,
// and encodes results and errors the way AWS does. Services live in
// subpackages and only map wire shapes to domain calls.
package awsapi

import (
	"context"
	"slices"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/fault"
)

// Protocol is an AWS wire protocol family.
type Protocol int

// The protocols served.
const (
	JSON11   Protocol = iota // application/x-amz-json-1.1 with X-Amz-Target
	AWSQuery                 // form-encoded Action=..., XML <OpResponse><OpResult>
	EC2Query                 // form-encoded Action=..., XML <OpResponse><requestId>
)

// Call is one decoded request, handed to an operation.
type Call struct {
	Principal account.Principal
	Service   string // signing name
	Operation string
	Region    string
	RequestID string
	// BaseURL is the scheme and host the request was sent to, for answers
	// that name the server's own pages (a product's purchase URL).
	BaseURL string
	Body    []byte // JSON 1.1 request body
	Params  Params // Query parameters
}

// Handler performs one operation. For JSON services the result is encoded
// as JSON; for Query services it is encoded as the XML result element.
type Handler func(ctx context.Context, call *Call) (any, error)

// Service is one AWS service's operations on one protocol.
type Service struct {
	Protocol    Protocol
	SigningName string // the service in the SigV4 credential scope
	// TargetPrefix is the part of X-Amz-Target before the dot (JSON 1.1).
	TargetPrefix string
	// Version and Namespace identify Query services and their XML.
	Version   string
	Namespace string
	// Operations by name.
	Operations map[string]Handler
	// Errors are the AWS error codes the operations name themselves
	// (fault.Coded), beyond those of the wire format's table. Metrics label
	// any code outside both as Unknown.
	Errors []string
	// Anonymous lists the operations a client may call unsigned, even in
	// strict mode, because AWS documents them so (their credential is in
	// the request, such as a web identity token); they run as a principal
	// with no account.
	Anonymous []string
	// Scoped lists the operations a principal limited to one license
	// (Principal.License: temporary credentials from a license token) may
	// call; any other is refused with AccessDenied.
	Scoped []string
	// InternalError is the code the service's model gives failures of its
	// own (License Manager's ServerInternalException), in place of the
	// wire format's (InternalFailure); "" keeps the wire format's.
	InternalError string
}

// internalError gives an internal error that names no code the service's
// own code for internal failures, keeping its cause for the log; other
// errors, and errors of no service (svc nil), are returned as they are.
func (s *Service) internalError(err error) error {
	if s == nil || s.InternalError == "" || err == nil || fault.KindOf(err) != fault.Internal || fault.As(err).Code != "" {
		return err
	}
	return &fault.Error{Kind: fault.Internal, Code: s.InternalError, Message: fault.As(err).Message, Err: err}
}

func (s *Service) anonymous(op string) bool { return slices.Contains(s.Anonymous, op) }

func (s *Service) scoped(op string) bool { return slices.Contains(s.Scoped, op) }

// routerCodes are the error codes the router and its codecs name
// themselves.
var routerCodes = []string{"MissingAction", "SerializationException", "MalformedQueryString", "InvalidParameterValue", "ExpiredTokenException"}

// knownCodes is every error code a router over services may answer with:
// the wire formats' tables, the router's own, and the services'.
func knownCodes(services []*Service) map[string]bool {
	codes := map[string]bool{}
	for _, table := range []map[fault.Kind]wireError{jsonErrors, queryErrors, ec2Errors} {
		for _, w := range table {
			codes[w.Code] = true
		}
	}
	for _, c := range routerCodes {
		codes[c] = true
	}
	for _, s := range services {
		for _, c := range s.Errors {
			codes[c] = true
		}
	}
	return codes
}

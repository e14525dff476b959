// Package awsapi serves the AWS wire protocols: it recognises JSON 1.1
// requests (by X-Amz-Target) and Query requests (by Action), authenticates
// them with SigV4, dispatches them to the operations each service registers,
// and encodes results and errors the way AWS does. Services live in
// subpackages and only map wire shapes to domain calls.
package awsapi

import (
	"context"

	"github.com/tollgate/tollgate/internal/account"
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
	Body      []byte // JSON 1.1 request body
	Params    Params // Query parameters
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
}

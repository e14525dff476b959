// Package fault defines the one error type the domain returns: an error that
// carries a Kind, and where AWS names one, the AWS error code to put on the
// wire. Each wire format maps kinds to its own codes in exactly one table, so
// domain code never knows which protocol it is answering.
package fault

import (
	"errors"
	"fmt"
)

// Kind classifies an error independently of any wire format.
type Kind int

// The kinds, from the caller's point of view.
const (
	// Internal is a fault of ours; it is the zero value so that an
	// unclassified error is never mistaken for the caller's.
	Internal           Kind = iota
	Invalid                 // the request is malformed or a value is out of range
	NotFound                // the named thing does not exist (for this caller)
	Conflict                // the request contradicts current state
	LimitExceeded           // a quota or pool is exhausted
	Unauthenticated         // no credentials were presented
	UnknownCredentials      // the access key is not known
	BadSignature            // the signature does not match
	MalformedSignature      // the signature's parts are missing or unreadable
	ClockSkew               // the request time is too far from ours
	Expired                 // a presigned request or a token has expired
	Forbidden               // authenticated, but not allowed
	UnknownOperation        // the protocol names an operation we do not have
	Throttled               // too many requests; try later
	Unavailable             // a dependency is down; try later

	// kindCount follows the last kind: a kind added above it is in Kinds,
	// and so in the tests that every wire format maps every kind.
	kindCount
)

// Kinds returns every kind, in order.
func Kinds() []Kind {
	out := make([]Kind, kindCount)
	for k := range out {
		out[k] = Kind(k)
	}
	return out
}

var kindNames = [...]string{
	Internal:           "Internal",
	Invalid:            "Invalid",
	NotFound:           "NotFound",
	Conflict:           "Conflict",
	LimitExceeded:      "LimitExceeded",
	Unauthenticated:    "Unauthenticated",
	UnknownCredentials: "UnknownCredentials",
	BadSignature:       "BadSignature",
	MalformedSignature: "MalformedSignature",
	ClockSkew:          "ClockSkew",
	Expired:            "Expired",
	Forbidden:          "Forbidden",
	UnknownOperation:   "UnknownOperation",
	Throttled:          "Throttled",
	Unavailable:        "Unavailable",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is a classified error. Code, when set, is the AWS error code the
// domain wants on the wire (for example "NoEntitlementsAllowedException");
// when empty, each wire format picks its own code for the Kind.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	// Fields names every invalid field of a request at once, for wire
	// formats that can list them (the native API's problem details, the
	// console's forms); empty when the error is not about fields.
	Fields []FieldError
	Err    error // the underlying cause, never shown to clients
}

// FieldError is one invalid field of a request.
type FieldError struct {
	// Field is the field's path in the request as the client wrote it:
	// dotted names and map keys, [i] for list items
	// ("Pricing.Hourly.m5.large", "Pricing.Usage[2].Price").
	Field string
	// Code is a stable, machine-readable name for the rule broken
	// ("required", "not_decimal", "too_many_places", "unknown_instance_type").
	Code string
	// Message says what to fix, in a sentence.
	Message string
}

// InvalidFields returns an Invalid error that lists fields; its message
// summarises them. It returns nil when fields is empty, so that a validator
// can end with `return fault.InvalidFields(problems)`.
func InvalidFields(fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	msg := fields[0].Field + ": " + fields[0].Message
	if len(fields) > 1 {
		msg = fmt.Sprintf("%d fields are invalid; the first, %s", len(fields), msg)
	}
	return &Error{Kind: Invalid, Message: msg, Fields: fields}
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Code != "" {
		msg = e.Code + ": " + msg
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of the given kind with a formatted message.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Coded returns an error of the given kind that names an AWS error code.
func Coded(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap classifies cause as an internal error with a message for logs.
func Wrap(cause error, format string, args ...any) *Error {
	return &Error{Kind: Internal, Message: fmt.Sprintf(format, args...), Err: cause}
}

// As returns err as a *Error, classifying anything unknown as Internal.
func As(err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	return &Error{Kind: Internal, Message: "internal error", Err: err}
}

// KindOf returns the kind of err, Internal if it is not classified.
func KindOf(err error) Kind {
	return As(err).Kind
}

// Annotate adds context to *errp, unless it is nil: where the error came
// from, for the log. What a client sees is kept: errors.As still finds the
// same *Error beneath, with its Kind, Code and Message, and an internal
// error's cause stays hidden; only Error(), which the log prints, gains the
// context. Deferred at the top of a function, it annotates every error the
// function returns:
//
//	func (s *Store) PutLicense(l License) (err error) {
//		defer fault.Annotate(&err, "store: put license %s", l.LicenseArn)
//		...
func Annotate(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}

// Is reports whether err is classified with kind.
func Is(err error, kind Kind) bool {
	var fe *Error
	return errors.As(err, &fe) && fe.Kind == kind
}

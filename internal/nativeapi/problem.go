package nativeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tollgate/tollgate/internal/fault"
)

// ProblemContentType is the media type of every error the API answers
// (RFC 9457).
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem details object, the body of every error the
// native API answers: the standard members, plus a stable machine-readable
// code and the list of every invalid field.
type Problem struct {
	Type     string      `json:"type" doc:"A URI naming the problem's type: urn:tollgate:problem: and the code."`
	Title    string      `json:"title" doc:"A short summary of the problem's type; the same for every occurrence of a code."`
	Status   int         `json:"status" doc:"The HTTP status code."`
	Detail   string      `json:"detail" doc:"What went wrong in this request, and what to do about it."`
	Instance string      `json:"instance,omitempty" doc:"The path of the request that failed."`
	Code     ProblemCode `json:"code"`
	// RequestID matches the X-Amzn-Requestid header and the server's log.
	RequestID string         `json:"requestId,omitempty" doc:"The request's ID, as in the X-Amzn-Requestid response header and the server's log."`
	Errors    []FieldProblem `json:"errors" doc:"Every invalid field of the request at once; empty when the problem is not about fields."`
}

// FieldProblem is one invalid field of a request.
type FieldProblem struct {
	Field   string `json:"field" doc:"The field's path in the request as written: dotted names and map keys, [i] for list items (Pricing.Hourly.m5.large, Pricing.Usage[2].Price); query parameters by name."`
	Code    string `json:"code" doc:"A stable name for the rule broken, such as required, not_decimal, too_many_places, unknown_instance_type, wrong_type, unknown_field."`
	Message string `json:"message" doc:"What to fix, in a sentence."`
}

// ProblemCode is a problem's stable code: one of the codes in the table
// below, documented as an enum in the OpenAPI document.
type ProblemCode string

// Schema documents the code as an enum of every code the API can answer.
func (ProblemCode) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Enum: problemCodeEnum(),
		Description: "A stable, machine-readable name for the problem: branch on it, not on the title or detail."}
}

func (p *Problem) Error() string  { return p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma answer a Problem as application/problem+json.
func (p *Problem) ContentType(string) string { return ProblemContentType }

// wireProblem is how the API spells one kind of problem.
type wireProblem struct {
	Status int
	Code   ProblemCode
}

// kindProblems maps every fault kind to its status and code: the native
// API's one error table, as internal/awsapi has one per AWS wire format.
// A domain error's Code (an AWS error code) is not used here: the native
// API's codes are its own.
var kindProblems = map[fault.Kind]wireProblem{
	fault.Internal:           {http.StatusInternalServerError, "internal_error"},
	fault.Invalid:            {http.StatusBadRequest, "invalid_request"},
	fault.NotFound:           {http.StatusNotFound, "not_found"},
	fault.Conflict:           {http.StatusConflict, "conflict"},
	fault.LimitExceeded:      {http.StatusConflict, "limit_exceeded"},
	fault.Unauthenticated:    {http.StatusUnauthorized, "unauthenticated"},
	fault.UnknownCredentials: {http.StatusUnauthorized, "unknown_access_key"},
	fault.BadSignature:       {http.StatusUnauthorized, "signature_mismatch"},
	fault.MalformedSignature: {http.StatusUnauthorized, "malformed_signature"},
	fault.ClockSkew:          {http.StatusUnauthorized, "request_time_skewed"},
	fault.Expired:            {http.StatusUnauthorized, "expired"},
	fault.Forbidden:          {http.StatusForbidden, "forbidden"},
	fault.UnknownOperation:   {http.StatusNotFound, "no_such_route"},
	fault.Throttled:          {http.StatusTooManyRequests, "throttled"},
	fault.Unavailable:        {http.StatusServiceUnavailable, "unavailable"},
}

// The codes of problems that are not domain errors: what HTTP and the
// decoding of a request can go wrong with before any domain code runs.
const (
	codeMalformedJSON    ProblemCode = "malformed_json"
	codeBodyTooLarge     ProblemCode = "body_too_large"
	codeUnsupportedMedia ProblemCode = "unsupported_media_type"
	codeMethodNotAllowed ProblemCode = "method_not_allowed"
	codeNotAcceptable    ProblemCode = "not_acceptable"
	codeRequestTimeout   ProblemCode = "request_timeout"
)

// statusProblems names the problems huma raises by HTTP status, for the
// statuses no fault kind has.
var statusProblems = map[int]ProblemCode{
	http.StatusMethodNotAllowed:      codeMethodNotAllowed,
	http.StatusNotAcceptable:         codeNotAcceptable,
	http.StatusRequestTimeout:        codeRequestTimeout,
	http.StatusRequestEntityTooLarge: codeBodyTooLarge,
	http.StatusUnsupportedMediaType:  codeUnsupportedMedia,
}

// problemCodeEnum lists every code, sorted.
func problemCodeEnum() []any {
	var codes []string
	for _, w := range kindProblems {
		codes = append(codes, string(w.Code))
	}
	for _, c := range statusProblems {
		codes = append(codes, string(c))
	}
	codes = append(codes, string(codeMalformedJSON))
	slices.Sort(codes)
	codes = slices.Compact(codes)
	out := make([]any, len(codes))
	for i, c := range codes {
		out[i] = c
	}
	return out
}

// newProblem returns a problem with the standard members filled in from
// the request in ctx (nil-safe).
func newProblem(ctx context.Context, status int, code ProblemCode, detail string) *Problem {
	p := &Problem{
		Type:   "urn:tollgate:problem:" + string(code),
		Title:  titleOf(code),
		Status: status,
		Detail: detail,
		Code:   code,
		Errors: []FieldProblem{},
	}
	if info := infoFrom(ctx); info != nil {
		p.Instance, p.RequestID = info.path, info.requestID
	}
	return p
}

// titleOf turns a code into its title: "invalid_request" -> "Invalid
// request", "malformed_json" -> "Malformed JSON".
func titleOf(code ProblemCode) string {
	words := strings.Split(string(code), "_")
	for i, w := range words {
		switch {
		case w == "json" || w == "utf8":
			words[i] = strings.ToUpper(strings.Replace(w, "utf8", "utf-8", 1))
		case i == 0 && w != "":
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// problemFor converts a domain error into its problem. Internal errors are
// logged with their cause and answered without it.
func problemFor(ctx context.Context, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var mj *malformedJSON
	if errors.As(err, &mj) {
		return newProblem(ctx, http.StatusBadRequest, codeMalformedJSON,
			"The request body is not valid JSON ("+truncate(mj.Error())+"); send one JSON object.")
	}
	if ctx.Err() != nil && fault.KindOf(err) == fault.Internal {
		// The client went away, which cancelled what was waiting on its
		// request: no fault of ours.
		err = fault.New(fault.Invalid, "the request was abandoned: the client closed the connection before it was answered")
	}
	fe := fault.As(err)
	w, ok := kindProblems[fe.Kind]
	if !ok {
		w = kindProblems[fault.Internal]
	}
	if fe.Kind == fault.Internal || !ok {
		logInternal(ctx, err)
		return newProblem(ctx, w.Status, w.Code, "The server could not answer this request; it is logged under the request ID. Try again later.")
	}
	p = newProblem(ctx, w.Status, w.Code, fe.Message)
	for _, f := range fe.Fields {
		p.Errors = append(p.Errors, FieldProblem{Field: wireField(f.Field), Code: f.Code, Message: f.Message})
	}
	if len(fe.Fields) > 0 {
		p.Detail = summarize(p.Errors) // with the fields named as the API names them
	}
	if w.Status == http.StatusUnauthorized && !strings.HasSuffix(p.Detail, ".") {
		p.Detail += "."
	}
	return p
}

// domainFields maps the top-level field names the domain's inputs use to
// the names requests use, where they differ: the domain spells Go's
// initialisms (ProductID), the wire AWS's (ProductId), and its page token
// and size are the lists' NextToken and MaxResults.
var domainFields = map[string]string{
	"ProductID": "ProductId",
	"OfferID":   "OfferId",
	"ReturnURL": "ReturnUrl",
	"Next":      "NextToken",
	"Limit":     "MaxResults",
}

// wireField names a domain field error's field as the request did.
func wireField(field string) string {
	head, rest, dotted := strings.Cut(field, ".")
	name, index, indexed := strings.Cut(head, "[")
	if w, ok := domainFields[name]; ok {
		name = w
	}
	if indexed {
		name += "[" + index
	}
	if dotted {
		name += "." + rest
	}
	return name
}

// logInternal logs an internal error with its cause, under the request ID.
func logInternal(ctx context.Context, err error) {
	log := slog.Default()
	attrs := []slog.Attr{slog.String("error", err.Error())}
	if info := infoFrom(ctx); info != nil {
		log = info.log
		attrs = append(attrs, slog.String("path", info.path), slog.String("request_id", info.requestID))
	}
	log.LogAttrs(ctx, slog.LevelError, "native api: internal error", attrs...)
}

// writeProblem answers a request with p, outside huma (authentication,
// routing and body errors).
func writeProblem(w http.ResponseWriter, p *Problem) {
	h := w.Header()
	h.Set("Content-Type", ProblemContentType)
	h.Set("Cache-Control", "no-store")
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `AWS4-HMAC-SHA256 service="tollgate"`)
	}
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(p)
}

func init() {
	// Lists are never null on the wire: the document says so, and the
	// tests' validation against it catches a nil slice sent as null.
	huma.DefaultArrayNullable = false
	// huma builds its own errors (malformed JSON, wrong types, unknown
	// fields, bodies it cannot read, statuses it answers itself) through
	// these two hooks, and documents every operation's errors with the type
	// NewError returns: both give Problems, so that every error the API
	// answers has the one format. Only this package uses huma in the
	// binary, so the hooks are ours to set.
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		return humaProblem(context.Background(), status, msg, errs)
	}
	huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		ctx := context.Background()
		if hctx != nil {
			ctx = hctx.Context()
		}
		return humaProblem(ctx, status, msg, errs)
	}
}

// humaProblem converts an error huma raises into a Problem. A handler's
// domain error comes here as huma's 500 with the error attached: it is
// mapped through the kind table instead.
func humaProblem(ctx context.Context, status int, msg string, errs []error) *Problem {
	if status == http.StatusInternalServerError && len(errs) == 1 && errs[0] != nil {
		return problemFor(ctx, errs[0])
	}
	if status == 0 { // huma's probe for the error type, when it documents operations
		return &Problem{Errors: []FieldProblem{}}
	}
	if status >= 500 {
		logInternal(ctx, fmt.Errorf("%s: %v", msg, errors.Join(errs...)))
		return problemFor(ctx, fault.New(fault.Internal, "%s", msg))
	}
	var fields []FieldProblem
	var bodyErr string
	for _, err := range errs {
		var d *huma.ErrorDetail
		if !errors.As(err, &d) {
			if err != nil {
				fields = append(fields, FieldProblem{Code: "invalid", Message: err.Error()})
			}
			continue
		}
		if d.Location == "body" && !isValidationMessage(d.Message) {
			bodyErr = d.Message // the body is not JSON: say so once, without echoing it
			continue
		}
		fields = append(fields, fieldProblem(d))
	}
	return statusProblem(ctx, status, msg, bodyErr, fields)
}

// statusProblem builds the problem for a status huma chose.
func statusProblem(ctx context.Context, status int, msg, bodyErr string, fields []FieldProblem) *Problem {
	switch {
	case status == http.StatusUnsupportedMediaType || strings.Contains(bodyErr, huma.ErrUnknownContentType.Error()):
		return newProblem(ctx, http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			"The request body must be JSON, sent with Content-Type: application/json.")
	case bodyErr != "":
		return newProblem(ctx, http.StatusBadRequest, codeMalformedJSON,
			"The request body is not valid JSON ("+truncate(bodyErr)+"); send one JSON object.")
	case status == http.StatusRequestEntityTooLarge:
		return tooLarge(ctx)
	}
	if code, ok := statusProblems[status]; ok {
		return newProblem(ctx, status, code, upperFirst(msg)+".")
	}
	// Everything else huma refuses is the client's input: 400, as a domain
	// validation error is, so that a client sees one status for bad input.
	detail := upperFirst(msg) + "."
	if msg == "validation failed" && len(fields) > 0 {
		detail = summarize(fields)
	}
	p := newProblem(ctx, http.StatusBadRequest, kindProblems[fault.Invalid].Code, detail)
	p.Errors = append(p.Errors, fields...)
	return p
}

// summarize says how many fields are wrong and names the first, as
// fault.InvalidFields does for the domain's errors.
func summarize(fields []FieldProblem) string {
	first := fields[0].Field + ": " + fields[0].Message
	if fields[0].Field == "" {
		first = fields[0].Message
	}
	if len(fields) == 1 {
		return first
	}
	return fmt.Sprintf("%d fields are invalid; the first, %s", len(fields), first)
}

func tooLarge(ctx context.Context) *Problem {
	return newProblem(ctx, http.StatusRequestEntityTooLarge, codeBodyTooLarge,
		fmt.Sprintf("The request body is larger than %d bytes (1 MiB), the most the API reads.", MaxBodyBytes))
}

// fieldProblem converts one of huma's validation errors: its location
// ("body.Pricing.Hourly", "query.MaxResults") without the part of the
// request it is in, and a code for its rule.
func fieldProblem(d *huma.ErrorDetail) FieldProblem {
	field := d.Location
	for _, prefix := range []string{"body.", "query.", "path.", "header.", "cookie."} {
		if strings.HasPrefix(field, prefix) {
			field = strings.TrimPrefix(field, prefix)
			break
		}
	}
	if field == "body" {
		field = ""
	}
	code, message := "invalid", d.Message
	for _, r := range humaRules {
		if strings.HasPrefix(d.Message, r.prefix) {
			code = r.code
			break
		}
	}
	switch code {
	case "required":
		// "expected required property Name to be present": the field is
		// the missing one.
		name := strings.TrimSuffix(strings.TrimPrefix(d.Message, "expected required property "), " to be present")
		field = joinField(field, name)
		message = "is required"
	case "unknown_field":
		message = "is not a field of this request; check its spelling and case"
	case "wrong_type":
		message = "must be " + strings.TrimPrefix(d.Message, "expected ")
	case "bad_format":
		message = "must be " + strings.TrimPrefix(strings.TrimPrefix(d.Message, "expected string to be "), "expected ")
	}
	return FieldProblem{Field: field, Code: code, Message: message}
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// humaRules names huma's validation messages (huma/v2/validation) by the
// rule they break.
var humaRules = []struct{ prefix, code string }{
	{"unexpected property", "unknown_field"},
	{"unknown query parameter", "unknown_field"},
	{"expected required property", "required"},
	{"required ", "required"},
	{"expected number >", "out_of_range"},
	{"expected number <", "out_of_range"},
	{"expected number to be a multiple", "out_of_range"},
	{"expected length", "wrong_length"},
	{"expected array length", "wrong_length"},
	{"expected object with at", "wrong_length"},
	{"expected value to be one of", "not_allowed"},
	{"expected string to match pattern", "bad_format"},
	{"expected string to be", "bad_format"},
	{"expected duration", "bad_format"},
	{"expected boolean", "wrong_type"},
	{"expected number", "wrong_type"},
	{"expected integer", "wrong_type"},
	{"expected string", "wrong_type"},
	{"expected array", "wrong_type"},
	{"expected object", "wrong_type"},
	{"invalid integer", "wrong_type"},
	{"invalid float", "wrong_type"},
	{"invalid boolean", "wrong_type"},
}

// isValidationMessage reports whether a body error is a schema rule huma
// checked (rather than JSON that did not parse).
func isValidationMessage(msg string) bool {
	for _, r := range humaRules {
		if strings.HasPrefix(msg, r.prefix) {
			return true
		}
	}
	return false
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// truncate keeps client-supplied text in messages short.
func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

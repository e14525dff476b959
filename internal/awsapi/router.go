package awsapi

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/awsapi/sigv4"
	"github.com/tollgate/tollgate/internal/baseurl"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/requestid"
)

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 8 << 20

// Observer is told the outcome of every AWS request, for metrics. The
// router passes only names from closed sets (see Router.ServeHTTP), so that
// clients cannot make the observer's label sets grow.
type Observer interface {
	ObserveAWS(service, operation, code string, elapsed time.Duration)
}

// Unknown is the metric label of a service, operation or error code that the
// router does not know.
const Unknown = "unknown"

// Router dispatches AWS requests to services.
type Router struct {
	auth      Authenticator
	log       *slog.Logger
	observer  Observer
	budget    *BodyBudget
	byTarget  map[string]*Service
	bySigning map[string]*Service
	byVersion map[string]*Service
	query     []*Service
	codes     map[string]bool // every error code the router may answer with
}

// NewRouter serves the given services, with a body budget of
// DefaultBodyBudget bytes (see LimitBodies).
func NewRouter(auth Authenticator, log *slog.Logger, observer Observer, services ...*Service) *Router {
	rt := &Router{auth: auth, log: log, observer: observer, budget: NewBodyBudget(DefaultBodyBudget, DefaultBodyWait),
		byTarget: map[string]*Service{}, bySigning: map[string]*Service{}, byVersion: map[string]*Service{},
		codes: knownCodes(services)}
	for _, s := range services {
		if s.Protocol == JSON11 {
			rt.byTarget[s.TargetPrefix] = s
			continue
		}
		rt.bySigning[s.SigningName] = s
		rt.byVersion[s.Version] = s
		rt.query = append(rt.query, s)
	}
	return rt
}

// LimitBodies sets the body budget: at most limit bytes of bodies held by
// requests in flight, each waiting up to wait for room. It returns rt; call
// it before serving.
func (rt *Router) LimitBodies(limit int64, wait time.Duration) *Router {
	rt.budget = NewBodyBudget(max(limit, MaxBodyBytes), wait)
	return rt
}

// Budget is the router's body budget, for metrics and tests.
func (rt *Router) Budget() *BodyBudget { return rt.budget }

// Matches reports whether r looks like an AWS protocol request.
func Matches(r *http.Request) bool {
	if r.Header.Get("X-Amz-Target") != "" || strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-") {
		return true
	}
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return true
	}
	q := r.URL.Query()
	if q.Has("Action") || q.Has("X-Amz-Algorithm") {
		return true
	}
	// A query that does not parse (a ";" in a pair drops it from Query)
	// but names an action or a presigned signature's parts is still an AWS
	// request: it gets the AWS error it deserves, not the console.
	raw := strings.ToLower(r.URL.RawQuery)
	return strings.Contains(raw, "action=") || strings.Contains(raw, "x-amz-")
}

// ServeHTTP answers one AWS request: admit it (find its service,
// authenticate it), run its operation, answer in its protocol.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	call := &Call{RequestID: requestid.From(r.Context()), BaseURL: baseurl.Of(r)}
	if call.RequestID == "" {
		call.RequestID = requestid.New()
	}
	svc, body, held, err := rt.admit(r, call)
	defer rt.budget.release(held)
	var result any
	if err == nil {
		result, err = rt.dispatch(r, body, svc, call)
	}
	err = settle(r, svc, err)
	protocol, namespace := AWSQuery, ""
	if r.Header.Get("X-Amz-Target") != "" {
		protocol = JSON11
	}
	if svc != nil {
		protocol, namespace = svc.Protocol, svc.Namespace
	}
	var code string
	if st, ok := result.(Streamer); ok && err == nil && protocol == EC2Query {
		// An error before the answer's first bytes went is answered as
		// any other; after, stream has cut the connection.
		if err := rt.stream(r.Context(), w, namespace, call, st); err != nil {
			code = rt.respond(w, protocol, namespace, call, nil, settle(r, svc, err))
		}
	} else {
		code = rt.respond(w, protocol, namespace, call, result, err)
	}
	if rt.observer != nil {
		service, operation := rt.labels(svc, call.Operation)
		if code != "" && !rt.codes[code] {
			code = Unknown
		}
		rt.observer.ObserveAWS(service, operation, code, time.Since(start))
	}
}

// settle is the error a request is answered with: an internal failure of
// an abandoned request is the client's doing, and the service's own
// internal errors are in its terms.
func settle(r *http.Request, svc *Service, err error) error {
	if err != nil && r.Context().Err() != nil && fault.KindOf(err) == fault.Internal {
		// The client closed the connection, or its side of it, before the
		// answer, which cancels the request's context and fails whatever
		// was waiting on it: no fault of ours, and no server error.
		err = fault.New(fault.Invalid, "the request was abandoned: the client closed the connection before it was answered")
	}
	return svc.internalError(err)
}

// admit finds the service a request is for and authenticates it, reading
// its body only once its headers pass: a request they condemn (an unknown
// X-Amz-Target, no signature in strict mode, an unknown key, a stale date)
// is refused before a byte of its body is read. The body is read within the
// body budget; the bytes it holds there are returned, for the caller to
// give back once the request is answered (the decoded request lives as long
// as the body, so the budget bounds both). The service is returned
// alongside an error too when known, so that the refusal is in its format.
func (rt *Router) admit(r *http.Request, call *Call) (svc *Service, body []byte, held int64, err error) {
	target := r.Header.Get("X-Amz-Target")
	if target != "" {
		svc, err = rt.jsonService(target, call)
	}
	var id Identity
	if err == nil {
		id, err = rt.auth.Identify(r.Context(), r)
	}
	// An unsigned request may be for an operation that AWS serves
	// unsigned; its body (small, for a Query request, whose Action it
	// holds) is read to tell.
	var unsigned error
	if fault.Is(err, fault.Unauthenticated) && !sigv4.Signed(r) && rt.mayBeAnonymous(r, svc, call) {
		unsigned, err, id = err, nil, Identity{}
	}
	if err == nil {
		body, held, err = rt.readBody(r)
	}
	if target == "" {
		// Without a body (refused before it was read), only the URL's
		// parameters and the credential scope tell the service.
		var qerr error
		svc, qerr = rt.queryService(r, body, id.Scope, call)
		err = cmp.Or(err, qerr)
	}
	if unsigned != nil && (err != nil || !svc.anonymous(call.Operation)) {
		// Not an operation served unsigned, or not a request one can
		// tell: refused as any unsigned request is.
		err = unsigned
	}
	if err == nil {
		err = id.Verify(r, body)
	}
	call.Principal, call.Region = id.Principal, id.Region
	return svc, body, held, err
}

// maxAnonymousQueryBody bounds the body read from an unsigned Query request
// to find its Action: the operations served unsigned take small requests.
const maxAnonymousQueryBody = 64 << 10

// mayBeAnonymous says whether an unsigned request may be for an operation
// served unsigned: a JSON request names its operation in a header, a Query
// request in a body, read only when it is small and some service has such
// operations.
func (rt *Router) mayBeAnonymous(r *http.Request, svc *Service, call *Call) bool {
	if svc != nil {
		return svc.anonymous(call.Operation)
	}
	if r.ContentLength < 0 || r.ContentLength > maxAnonymousQueryBody {
		return false
	}
	for _, s := range rt.query {
		if len(s.Anonymous) > 0 {
			return true
		}
	}
	return false
}

// scopeAllows refuses an operation that a principal limited to one license
// may not call.
func scopeAllows(svc *Service, call *Call) error {
	if call.Principal.License == "" || svc.scoped(call.Operation) {
		return nil
	}
	return fault.New(fault.Forbidden, "%s is not authorized to perform %s:%s: temporary credentials from a license token may only use license %s",
		call.Principal.ARN(), svc.SigningName, truncate(call.Operation), call.Principal.License)
}

// labels names a request's service and operation for metrics: the names of
// known ones, Unknown for anything a client made up.
func (rt *Router) labels(svc *Service, operation string) (string, string) {
	if svc == nil {
		return Unknown, Unknown
	}
	if _, ok := svc.Operations[operation]; !ok {
		return svc.SigningName, Unknown
	}
	return svc.SigningName, operation
}

// bodyChunk is the size of the first buffer of a body whose length is not
// known, or is over a MiB; the buffer doubles from there as bytes arrive,
// so that a client that declares a large body and sends little of it costs
// little memory.
const bodyChunk = 64 << 10

// readBody reads the body within the body budget: it takes the bytes of
// the declared length (or of the largest body, for a body of unknown
// length, giving back what it did not use) before reading. It returns the
// bytes held, for the caller to release once the request is answered.
func (rt *Router) readBody(r *http.Request) (buf []byte, held int64, err error) {
	want := r.ContentLength // -1 when unknown (chunked)
	if want > MaxBodyBytes {
		return nil, 0, bodyTooLarge()
	}
	if want == 0 {
		return nil, 0, nil
	}
	limit := want
	if want < 0 {
		limit = MaxBodyBytes + 1 // one byte more tells an over-long body
	}
	if !rt.budget.acquire(r.Context(), limit) {
		return nil, 0, fault.New(fault.Throttled, "too many request bodies are being received at once; retry shortly")
	}
	buf, err = readUpTo(r.Body, limit, want)
	switch {
	case err != nil:
		rt.budget.release(limit)
		return nil, 0, fault.New(fault.Invalid, "could not read the request body: %v", err)
	case len(buf) > MaxBodyBytes:
		rt.budget.release(limit)
		return nil, 0, bodyTooLarge()
	}
	held = int64(cap(buf))
	rt.budget.release(limit - held)
	return buf, held, nil
}

// readUpTo reads body until EOF or limit bytes, growing its buffer as bytes
// arrive; a declared length of at most a MiB is read into one buffer.
func readUpTo(body io.Reader, limit, declared int64) ([]byte, error) {
	first := min(limit, bodyChunk)
	if declared > 0 && declared <= 1<<20 {
		first = declared
	}
	var buf []byte
	for {
		if len(buf) == cap(buf) {
			if int64(cap(buf)) >= limit {
				return buf, nil
			}
			grown := make([]byte, len(buf), min(limit, max(2*int64(cap(buf)), first)))
			copy(grown, buf)
			buf = grown
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func bodyTooLarge() error {
	return fault.New(fault.Invalid, "request body exceeds %d bytes", MaxBodyBytes)
}

func (rt *Router) jsonService(target string, call *Call) (*Service, error) {
	prefix, op, _ := strings.Cut(target, ".")
	call.Operation = op
	svc, ok := rt.byTarget[prefix]
	if !ok {
		return nil, fault.New(fault.UnknownOperation, "no service answers X-Amz-Target %q", truncate(target))
	}
	call.Service = svc.SigningName
	return svc, nil
}

// queryService finds the Query service a request is for: by the service in
// its credential scope, else by its Version, else by which service has the
// Action. Without a body (one refused before it was read), only the URL's
// parameters count.
func (rt *Router) queryService(r *http.Request, body []byte, scope string, call *Call) (*Service, error) {
	params, err := ParseQuery(r.URL.RawQuery, body)
	call.Params = params
	call.Operation = params.Get("Action")
	svc := rt.bySigning[scope]
	if svc == nil {
		svc = rt.byVersion[params.Get("Version")]
	}
	if svc == nil {
		for _, s := range rt.query {
			if _, ok := s.Operations[call.Operation]; ok {
				svc = s
				break
			}
		}
	}
	if err != nil {
		return svc, err
	}
	if svc == nil {
		if call.Operation == "" {
			return nil, fault.Coded(fault.Invalid, "MissingAction", "the request must contain the parameter Action")
		}
		return nil, fault.New(fault.UnknownOperation, "The action %s is not valid for this web service.", truncate(call.Operation))
	}
	call.Service = svc.SigningName
	return svc, nil
}

// dispatch runs the operation of an authenticated request.
func (rt *Router) dispatch(r *http.Request, body []byte, svc *Service, call *Call) (any, error) {
	if svc.Protocol == JSON11 {
		if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/x-amz-json-1.") && !strings.HasPrefix(ct, "application/json") {
			return nil, fault.Coded(fault.Invalid, "SerializationException", "unsupported Content-Type %q: want application/x-amz-json-1.1", truncate(ct))
		}
		call.Body = body
	}
	if call.Operation == "" {
		return nil, fault.Coded(fault.Invalid, "MissingAction", "the request must contain the parameter Action")
	}
	handler, ok := svc.Operations[call.Operation]
	if !ok {
		if svc.Protocol == JSON11 {
			return nil, fault.New(fault.UnknownOperation, "operation %s is not supported by this service", truncate(call.Operation))
		}
		return nil, fault.New(fault.UnknownOperation, "The action %s is not valid for this web service.", truncate(call.Operation))
	}
	if err := scopeAllows(svc, call); err != nil {
		return nil, err
	}
	return rt.invoke(r.Context(), handler, call)
}

// WriteInternalError answers r with an internal error in the format of the
// protocol its headers name, for a server whose handler failed in a way
// nothing else caught (a panic outside any operation).
func (rt *Router) WriteInternalError(w http.ResponseWriter, r *http.Request) {
	call := &Call{RequestID: w.Header().Get("X-Amzn-Requestid")}
	if call.RequestID == "" {
		call.RequestID = requestid.New()
	}
	protocol, namespace := AWSQuery, ""
	if r.Header.Get("X-Amz-Target") != "" {
		protocol = JSON11
	} else {
		scope := ""
		if sig, err := sigv4.Parse(r); err == nil {
			scope = sig.Credential.Service
		}
		if svc, _ := rt.queryService(r, nil, scope, call); svc != nil {
			protocol, namespace = svc.Protocol, svc.Namespace
		}
	}
	svc := rt.byTarget[strings.SplitN(r.Header.Get("X-Amz-Target"), ".", 2)[0]]
	rt.encodeError(w, protocol, namespace, call, svc.internalError(fault.New(fault.Internal, "internal error")))
}

// invoke runs a handler, turning a panic into an internal error so that one
// bad request cannot take the server down.
func (rt *Router) invoke(ctx context.Context, h Handler, call *Call) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			rt.log.Error("handler panicked", "operation", call.Operation, "request_id", call.RequestID, "panic", p)
			result, err = nil, fault.New(fault.Internal, "internal error")
		}
	}()
	return h(ctx, call)
}

// respond writes the result or error and returns the error code ("" on success).
func (rt *Router) respond(w http.ResponseWriter, protocol Protocol, namespace string, call *Call, result any, err error) string {
	if err != nil {
		code, status, message := rt.encodeError(w, protocol, namespace, call, err)
		if status >= 500 {
			rt.log.Error("request failed", "service", call.Service, "operation", call.Operation, "request_id", call.RequestID, "code", code, "error", err)
		} else if k := fault.KindOf(err); k == fault.Throttled || k == fault.Unavailable {
			// The client is told to try again; the cause it is not shown
			// (the database's own words) is for the operator.
			rt.log.Warn("request not served", "service", call.Service, "operation", call.Operation, "request_id", call.RequestID, "code", code, "error", err)
		} else {
			rt.log.Debug("request refused", "service", call.Service, "operation", call.Operation, "request_id", call.RequestID, "code", code, "message", message)
		}
		return code
	}
	if err := encodeResult(w, protocol, namespace, call, result); err != nil {
		rt.log.Error("encoding response failed", "operation", call.Operation, "request_id", call.RequestID, "error", err)
		return "InternalFailure"
	}
	return ""
}

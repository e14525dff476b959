package awsapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/awsapi/sigv4"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/requestid"
)

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 8 << 20

// Observer is told the outcome of every AWS request, for metrics.
type Observer interface {
	ObserveAWS(service, operation, code string, elapsed time.Duration)
}

// Router dispatches AWS requests to services.
type Router struct {
	auth      Authenticator
	log       *slog.Logger
	observer  Observer
	byTarget  map[string]*Service
	bySigning map[string]*Service
	byVersion map[string]*Service
	query     []*Service
}

// NewRouter serves the given services.
func NewRouter(auth Authenticator, log *slog.Logger, observer Observer, services ...*Service) *Router {
	rt := &Router{auth: auth, log: log, observer: observer,
		byTarget: map[string]*Service{}, bySigning: map[string]*Service{}, byVersion: map[string]*Service{}}
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

// Matches reports whether r looks like an AWS protocol request.
func Matches(r *http.Request) bool {
	if r.Header.Get("X-Amz-Target") != "" || strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-") {
		return true
	}
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return true
	}
	q := r.URL.Query()
	return q.Has("Action") || q.Has("X-Amz-Algorithm")
}

// ServeHTTP answers one AWS request.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	call := &Call{RequestID: requestid.From(r.Context())}
	if call.RequestID == "" {
		call.RequestID = requestid.New()
	}
	body, readErr := readBody(w, r)
	var svc *Service
	var result any
	var err error
	protocol := AWSQuery
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		protocol = JSON11
		svc, err = rt.jsonService(target, call)
	} else {
		svc, err = rt.queryService(r, body, call)
	}
	namespace := ""
	if svc != nil {
		protocol, namespace = svc.Protocol, svc.Namespace
	}
	if readErr != nil {
		err = readErr // an unreadable body explains any other complaint
	}
	if err == nil {
		result, err = rt.dispatch(r, body, svc, call)
	}
	code := rt.respond(w, protocol, namespace, call, result, err)
	if rt.observer != nil {
		name := "unknown"
		if svc != nil {
			name = svc.SigningName
		}
		rt.observer.ObserveAWS(name, call.Operation, code, time.Since(start))
	}
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, fault.New(fault.Invalid, "request body exceeds %d bytes", MaxBodyBytes)
		}
		return nil, fault.New(fault.Invalid, "could not read the request body: %v", err)
	}
	return body, nil
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
// Action.
func (rt *Router) queryService(r *http.Request, body []byte, call *Call) (*Service, error) {
	params, err := ParseQuery(r.URL.RawQuery, body)
	call.Params = params
	call.Operation = params.Get("Action")
	var svc *Service
	if sig, perr := sigv4.Parse(r); perr == nil {
		svc = rt.bySigning[sig.Credential.Service]
	}
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

func (rt *Router) dispatch(r *http.Request, body []byte, svc *Service, call *Call) (any, error) {
	principal, region, err := rt.auth.Authenticate(r.Context(), r, body)
	if err != nil {
		return nil, err
	}
	call.Principal, call.Region = principal, region
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
	return rt.invoke(r.Context(), handler, call)
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

package nativeapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tollgate/tollgate/internal/fault"
)

// registerRoutes adds every operation of the API.
func registerRoutes(a *API) {
	a.registerWhoAmI()
	a.registerProducts()
	a.registerSubscriptions()
	a.registerOffers()
	a.registerInstanceTypes()
	a.registerEntitlements()
	a.registerPlatform()
}

// The statuses of the problems every operation may answer, documented on
// each: bad input, authentication, permission, absence, state, body limits,
// and the server's own trouble.
var documentedErrors = []int{
	http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
	http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType,
	http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable,
}

// operation describes one route for huma: its ID, method, path, summary,
// tag and success status, with the API's common errors and body limit.
func operation(id, method, path, tag string, status int, summary, description string) huma.Operation {
	return huma.Operation{
		OperationID:   id,
		Method:        method,
		Path:          path,
		Summary:       summary,
		Description:   description,
		Tags:          []string{tag},
		DefaultStatus: status,
		Errors:        documentedErrors,
		// The body was read, within MaxBodyBytes, before routing; huma
		// refuses a body of exactly its limit, so its limit is one more.
		MaxBodyBytes: MaxBodyBytes + 1,
		// Bodies are validated against the document before routing
		// (validate.go), so huma's own check is not repeated.
		SkipValidateBody: true,
	}
}

// callerID returns the authenticated account of the request in ctx.
func callerID(ctx context.Context) (string, error) {
	id := caller(ctx).AccountID
	if id == "" {
		return "", fault.New(fault.Unauthenticated, "the request is not authenticated")
	}
	return id, nil
}

// baseURL is the scheme and host the request was sent to, for the
// absolute URLs responses carry (purchase URLs).
func baseURL(ctx context.Context) string {
	if info := infoFrom(ctx); info != nil {
		return info.base
	}
	return ""
}

// optionalTime writes a zero time as absent.
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// nonNil keeps an empty list a list on the wire, not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// registerOp adds one operation to the API.
func registerOp[I, O any](a *API, op huma.Operation, handler func(context.Context, *I) (*O, error)) {
	huma.Register(a.api, op, handler)
}

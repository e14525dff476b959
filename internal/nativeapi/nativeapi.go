// Package nativeapi is Tollgate's own API under /v1/: what AWS keeps in its
// portals (products and prices, purchase URLs, subscriptions, private
// offers, entitlements), as JSON over HTTP, described by an OpenAPI 3.1
// document at /v1/openapi.json that huma derives from the Go types here, so
// that the document cannot drift from the code.
//
// Requests are signed with SigV4 for the service "tollgate" (any region),
// with an account's access keys, or carry the console's session cookie.
// Errors are RFC 9457 problem details with a stable code and every invalid
// field at once (problem.go). The wire types live here and are mapped to the
// domain's inputs and outputs; the handlers decode, call the domain, encode.
package nativeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/baseurl"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/requestid"
	"github.com/tollgate/tollgate/internal/subscription"
	"github.com/tollgate/tollgate/pkg/identitydoc"
)

// Prefix is where the API is served.
const Prefix = "/v1/"

// MaxBodyBytes bounds a request body: a product with the longest
// description and every price the limits allow fits well within it.
const MaxBodyBytes = 1 << 20

// OpenAPIPath is the path of the OpenAPI document, served without
// authentication; huma also serves it as YAML (openapi.yaml) and downgraded
// to OpenAPI 3.0 (openapi-3.0.json, openapi-3.0.yaml) for older tools.
const OpenAPIPath = "/v1/openapi.json"

// Version is the API's version in its OpenAPI document.
const Version = "1.0.0"

// SessionCookie is the name of the console's session cookie.
const SessionCookie = "tollgate_session"

// SessionLookup returns whose session a cookie's token is; an error of kind
// NotFound (or Unauthenticated, or Expired) means the session is unknown or
// over.
type SessionLookup func(ctx context.Context, token string) (account.Principal, error)

// Config is what the API is built from.
type Config struct {
	// Auth checks SigV4 signatures: awsapi's Strict or Emulator
	// authenticator, the same the AWS APIs use.
	Auth awsapi.Authenticator
	// Sessions looks up the console's session cookie; nil: cookies are
	// not accepted.
	Sessions      SessionLookup
	Catalog       *catalog.Service
	Subscriptions *subscription.Service
	// Clock is the marketplace's clock (the simulated one in tests and
	// demos): entitlement checks ask "now" by it.
	Clock clock.Clock
	Log   *slog.Logger
	// Bodies bounds the bytes of request bodies held at once, shared with
	// the AWS router; nil: a budget of the API's own, of
	// awsapi.DefaultBodyBudget bytes.
	Bodies *awsapi.BodyBudget
	// Metadata tells of the instance metadata service; nil: the API
	// serves neither its certificate nor instances' endpoints.
	Metadata Metadata
}

// API is the native API's HTTP handler.
type API struct {
	cfg    Config
	mux    *recordingMux
	api    huma.API
	bodies *bodyValidator
	origin *http.CrossOriginProtection
}

// New builds the API with every route.
func New(cfg Config) *API {
	return build(cfg, registerRoutes)
}

// build builds the API with the routes register adds.
func build(cfg Config, register func(*API)) *API {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Bodies == nil {
		cfg.Bodies = awsapi.NewBodyBudget(awsapi.DefaultBodyBudget, awsapi.DefaultBodyWait)
	}
	a := &API{cfg: cfg, mux: &recordingMux{ServeMux: http.NewServeMux()}, origin: http.NewCrossOriginProtection()}
	a.api = humago.New(a.mux, humaConfig())
	register(a)
	a.mux.HandleFunc(Prefix, a.noRoute)
	bodies, err := newBodyValidator(a.api.OpenAPI())
	if err != nil {
		panic(fmt.Sprintf("nativeapi: the OpenAPI document's request schemas do not compile: %v", err))
	}
	a.bodies = bodies
	return a
}

// humaConfig is huma's configuration: the OpenAPI document at
// /v1/openapi.json, no documentation UI (it would load scripts from a CDN),
// no $schema links in responses, and request bodies that may not carry
// fields the schema does not name.
func humaConfig() huma.Config {
	cfg := huma.DefaultConfig("Tollgate native API", Version)
	cfg.Info.Description = "Tollgate's own API: products and prices, purchase URLs, subscriptions, private offers " +
		"and entitlements. Sign requests with SigV4 for the service `tollgate` in any region " +
		"(`curl --aws-sigv4 \"aws:amz:us-east-1:tollgate\" --user \"$AK:$SK\"`), or send the console's session cookie. " +
		"Money is a decimal string in the operator's currency (" + "USD" + "), exact to 6 decimal places. " +
		"Errors are RFC 9457 problem details (application/problem+json) with a stable `code` and an `errors` list naming every invalid field."
	cfg.OpenAPIPath = strings.TrimSuffix(OpenAPIPath, ".json")
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil // the default hook adds $schema links to every response
	cfg.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"sigv4": {Type: "apiKey", In: "header", Name: "Authorization",
			Description: "AWS Signature Version 4 with an account's access key: service `tollgate`, any region."},
		"session": {Type: "apiKey", In: "cookie", Name: SessionCookie,
			Description: "The web console's session, for requests from its pages."},
	}
	cfg.Security = []map[string][]string{{"sigv4": {}}, {"session": {}}}
	return cfg
}

// jsonFormat is huma's JSON, except that <, > and & in strings are written
// as \u003c, \u003e and \u0026: text that a seller wrote (a description
// with markup in it) cannot be read as HTML by anything that sniffs a
// response, whatever page shows it later.
var jsonFormat = huma.Format{
	Marshal: func(w io.Writer, v any) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(true)
		return enc.Encode(v)
	},
	Unmarshal: json.Unmarshal,
}

// ServeHTTP authenticates a request, reads its body within the limit, and
// routes it.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := &requestInfo{path: r.URL.Path, requestID: requestid.From(r.Context()), log: a.cfg.Log, base: baseurl.Of(r)}
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
	defer a.recoverPanic(w, r)
	if isDocument(r) {
		a.mux.ServeHTTP(w, r)
		return
	}
	body, err := a.authenticate(r, info)
	defer a.cfg.Bodies.Release(info.held)
	if err == nil {
		_, pattern := a.mux.Handler(r)
		err = a.bodies.check(pattern, r.Header.Get("Content-Type"), body)
	}
	if err != nil {
		writeProblem(w, problemFor(r.Context(), err))
		return
	}
	a.mux.ServeHTTP(w, r)
}

// isDocument reports whether r asks for the OpenAPI document or the
// instance identity certificate, which anyone may read.
func isDocument(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch r.URL.Path {
	case OpenAPIPath, "/v1/openapi.yaml", "/v1/openapi-3.0.json", "/v1/openapi-3.0.yaml", identitydoc.CertificatePath:
		return true
	}
	return false
}

// authenticate decides who r comes from: a SigV4 signature (checked over
// the body, which it reads, within MaxBodyBytes, and puts back), else the
// session cookie, else whatever the authenticator makes of an unsigned
// request (strict: refused; emulator: the default account).
func (a *API) authenticate(r *http.Request, info *requestInfo) ([]byte, error) {
	if !signed(r) {
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" && a.cfg.Sessions != nil {
			return a.sessionAuth(r, info, c.Value)
		}
	}
	id, err := a.cfg.Auth.Identify(r.Context(), r)
	if err == nil && id.Scope != "" && id.Scope != SigningName {
		err = fault.New(fault.BadSignature, "the request is signed for the service %q; sign requests to the native API "+
			"for the service %q (curl --aws-sigv4 \"aws:amz:REGION:%s\")", truncate(id.Scope), SigningName, SigningName)
	}
	if err != nil {
		return nil, err
	}
	body, err := a.readBody(r, info)
	if err != nil {
		return nil, err
	}
	if err := id.Verify(r, body); err != nil {
		return nil, err
	}
	info.principal, info.via = id.Principal, viaSigV4
	if !signed(r) {
		info.via = viaEmulator
	}
	return body, nil
}

// SigningName is the service name requests are signed for.
const SigningName = "tollgate"

// How a request was authenticated (whoami's AuthenticatedBy).
const (
	viaSigV4    = "sigv4"
	viaSession  = "session"
	viaEmulator = "emulator-default-account"
)

func signed(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || r.URL.Query().Get("X-Amz-Algorithm") != ""
}

// sessionAuth accepts the console's session cookie. A cookie is sent by the
// browser with any request to the site, so an unsafe request with one must
// come from the site's own pages (CSRF).
func (a *API) sessionAuth(r *http.Request, info *requestInfo, token string) ([]byte, error) {
	if err := a.origin.Check(r); err != nil {
		return nil, fault.New(fault.Forbidden, "a cross-origin request with the console's session cookie is refused; "+
			"call the API from the console's own pages or sign the request with SigV4")
	}
	p, err := a.cfg.Sessions(r.Context(), token)
	if err != nil {
		switch fault.KindOf(err) {
		case fault.NotFound, fault.Unauthenticated, fault.Expired:
			return nil, fault.New(fault.Unauthenticated, "the console session has ended or is unknown; sign in again, or sign the request with SigV4")
		}
		return nil, err
	}
	body, err := a.readBody(r, info) // the same limits as for signed requests
	if err != nil {
		return nil, err
	}
	info.principal, info.via = p, viaSession
	return body, nil
}

// readBody reads r's body, at most MaxBodyBytes, and puts it back for the
// handler to decode: the signature covers its hash, so it is read before
// the request is routed. The bytes come from the body budget first (the
// declared length, or the largest body when none is declared); what the
// body did not use goes back at once, the rest when the request is
// answered (info.held).
func (a *API) readBody(r *http.Request, info *requestInfo) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, tooLarge(r.Context())
	}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil, nil
	}
	want := r.ContentLength
	if want < 0 {
		want = MaxBodyBytes + 1
	}
	if !a.cfg.Bodies.Acquire(r.Context(), want) {
		return nil, fault.New(fault.Throttled, "too many request bodies are being received at once; retry shortly")
	}
	info.held = want
	body, err := io.ReadAll(io.LimitReader(r.Body, want))
	r.Body.Close()
	if err != nil {
		return nil, fault.New(fault.Invalid, "could not read the request body: %v", err)
	}
	if len(body) > MaxBodyBytes {
		return nil, tooLarge(r.Context())
	}
	a.cfg.Bodies.Release(want - int64(len(body)))
	info.held = int64(len(body))
	// JSON is UTF-8 (RFC 8259); Go's decoder would quietly turn invalid
	// bytes into U+FFFD, storing something other than what was sent.
	if !utf8.Valid(body) {
		return nil, newProblem(r.Context(), http.StatusBadRequest, codeMalformedJSON,
			"The request body is not valid UTF-8; JSON must be sent as UTF-8 text.")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return body, nil
}

// noRoute answers a /v1/ path no operation serves: 405 with the methods it
// has when the path exists, 404 otherwise.
func (a *API) noRoute(w http.ResponseWriter, r *http.Request) {
	if allow := a.mux.methodsFor(r.URL.Path); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, newProblem(r.Context(), http.StatusMethodNotAllowed, codeMethodNotAllowed,
			fmt.Sprintf("%s does not answer %s; it answers %s.", truncate(r.URL.Path), truncate(r.Method), strings.Join(allow, ", "))))
		return
	}
	writeProblem(w, problemFor(r.Context(), fault.New(fault.UnknownOperation,
		"no operation of the native API is at %s %s; the operations are listed in %s",
		truncate(r.Method), truncate(r.URL.Path), OpenAPIPath)))
}

// recoverPanic answers a request whose handler panicked with a 500 problem,
// if nothing was written yet, and logs the panic in one line.
func (a *API) recoverPanic(w http.ResponseWriter, r *http.Request) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	logInternal(r.Context(), fmt.Errorf("panic: %v", p))
	writeProblem(w, newProblem(r.Context(), http.StatusInternalServerError, kindProblems[fault.Internal].Code,
		"The server could not answer this request; it is logged under the request ID. Try again later."))
}

// OpenAPI returns the API's OpenAPI document.
func (a *API) OpenAPI() *huma.OpenAPI { return a.api.OpenAPI() }

// Routes lists the "METHOD /path" patterns of every operation registered on
// the router, whether or not through huma, besides the OpenAPI document's
// own: for the test that every route is documented.
func (a *API) Routes() []string { return a.mux.routes() }

// requestInfo is what the API knows of a request, in its context.
type requestInfo struct {
	path      string
	base      string // scheme://host the request was sent to
	requestID string
	log       *slog.Logger
	principal account.Principal
	via       string
	held      int64 // bytes of the body budget the request holds
}

type infoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(infoKey{}).(*requestInfo)
	return info
}

// caller returns the authenticated account of the request in ctx.
func caller(ctx context.Context) account.Principal {
	if info := infoFrom(ctx); info != nil {
		return info.principal
	}
	return account.Principal{}
}

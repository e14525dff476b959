// Package server assembles Tollgate's HTTP surface: one listener that routes
// AWS protocol requests to their services, plus health, metrics and
// emulator controls, wrapped in request-ID, logging, metrics and
// panic-recovery middleware; and the HTTP server itself, with its
// connection limit and timeouts.
package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/baseurl"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/requestid"
)

// Options configure the handler.
type Options struct {
	Log     *slog.Logger
	Metrics *Metrics
	AWS     *awsapi.Router
	Health  func(ctx context.Context) error
	Reset   func(ctx context.Context) error // nil unless emulator mode
	// JWKS returns the license issuers' public keys.
	JWKS     func(ctx context.Context) (any, error)
	Emulator bool
	// PublicURL, when set, is the base URL every response's absolute URLs
	// use, whatever the request's Host (package baseurl).
	PublicURL string
	// Native is the native API, served under /v1/; nil: not served.
	Native http.Handler
	// Console is the web console, served under /console/ and at the
	// purchase URLs under /purchase/; GET / redirects to it. nil: not
	// served.
	Console http.Handler
}

// The paths served besides the AWS APIs at "/".
const (
	pathHealth    = "/healthz"
	pathMetrics   = "/metrics"
	pathJWKS      = "/.well-known/jwks.json"
	pathReset     = "/_tollgate/reset"
	pathMotoReset = "/moto-api/reset"
	pathNative    = "/v1/"
	pathConsole   = "/console/"
	pathPurchase  = "/purchase/"
)

// Handler returns the root HTTP handler.
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathHealth, func(w http.ResponseWriter, r *http.Request) {
		if err := o.Health(r.Context()); err != nil {
			if r.Context().Err() != nil { // the client left: the database is not down
				writeJSON(w, http.StatusBadRequest, map[string]string{"status": "abandoned", "error": "the client closed the connection"})
				return
			}
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "16")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	mux.HandleFunc(pathHealth, methodNotAllowed("GET, HEAD", "GET it"))
	if o.JWKS != nil {
		mux.HandleFunc("GET "+pathJWKS, func(w http.ResponseWriter, r *http.Request) {
			keys, err := o.JWKS(r.Context())
			if err != nil {
				jwksFailed(o.Log, w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, keys)
		})
		mux.HandleFunc(pathJWKS, methodNotAllowed("GET, HEAD", "GET it"))
	}
	mux.Handle("GET "+pathMetrics, promhttp.HandlerFor(o.Metrics.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc(pathMetrics, methodNotAllowed("GET, HEAD", "GET it"))
	for _, path := range []string{pathReset, pathMotoReset} {
		if o.Reset == nil {
			mux.HandleFunc(path, notFound(path+" exists only in emulator mode (tollgate serve --auth emulator)"))
			continue
		}
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
			if err := o.Reset(r.Context()); err != nil {
				writeJSON(w, http.StatusInternalServerError, map[string]string{"status": "error", "error": err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
		})
		mux.HandleFunc(path, methodNotAllowed(http.MethodPost, "POST to it to delete all state"))
	}
	if o.Native != nil {
		mux.Handle(pathNative, o.Native)
	}
	if o.Console != nil {
		mux.Handle(pathConsole, o.Console)
		mux.Handle(pathPurchase, o.Console)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if awsapi.Matches(r) {
			o.AWS.ServeHTTP(w, r)
			return
		}
		if o.Console != nil && r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			http.Redirect(w, r, "/console/", http.StatusSeeOther)
			return
		}
		notFound(fmt.Sprintf("no endpoint answers %s %s: AWS API requests are POST / with an X-Amz-Target header (JSON 1.1) "+
			"or an Action parameter (Query); the server also answers GET %s, GET %s and GET %s",
			truncate(r.Method), truncate(r.URL.Path), pathHealth, pathMetrics, pathJWKS))(w, r)
	})
	return withRequestID(withAccessLog(o.Log, o.Metrics, o.AWS, baseurl.With(uncleanPaths(o.AWS, mux), o.PublicURL)))
}

// jwksFailed logs why the JWKS could not be read and answers 503 when the
// store is unavailable (a retry may pass), 500 otherwise: the cause (say, an
// issuer key sealed under a secret key this server lacks) goes to the log,
// not to the anonymous client.
func jwksFailed(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	log.LogAttrs(r.Context(), slog.LevelError, "jwks: could not read issuer keys",
		slog.String("request_id", requestid.From(r.Context())), slog.String("error", err.Error()))
	if fault.Is(err, fault.Unavailable) {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "issuer keys are unavailable; try again later"})
		return
	}
	writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not read issuer keys"})
}

// methodNotAllowed answers a request to a path that exists with a method it
// does not serve: 405, the methods it does serve, and what to do instead.
func methodNotAllowed(allow, hint string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{
			"message": fmt.Sprintf("%s does not answer %s: %s (%s)", r.URL.Path, truncate(r.Method), hint, allow),
		})
	}
}

func notFound(message string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": message})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// truncate keeps client-supplied text in messages and logs short.
func truncate(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

// withRequestID gives every request an ID, in its context and its response.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestid.New()
		w.Header().Set("X-Amzn-Requestid", id)
		next.ServeHTTP(w, r.WithContext(requestid.With(r.Context(), id)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool // whether the header has gone out
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(p)
}

// withAccessLog counts every request and logs it at debug level; at
// thousands of requests a second an info line each would cost more than the
// request. It is also the last resort against a panic that nothing nearer
// caught: the request is answered 500 in its protocol's format when nothing
// was written yet, and the panic is logged in one line, instead of net/http
// dropping the connection and logging a stack trace per request.
func withAccessLog(log *slog.Logger, m *Metrics, aws *awsapi.Router, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler { // net/http's own way to abort a response: let it
					panic(p)
				}
				recovered(log, aws, rec, r, p)
			}
			m.observeHTTP(route(r.URL.Path), rec.status)
			if log.Enabled(r.Context(), slog.LevelDebug) {
				log.Debug("request", "method", truncate(r.Method), "path", truncate(r.URL.Path), "status", rec.status,
					"duration", time.Since(start), "request_id", requestid.From(r.Context()))
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// route names a path for metrics, from a closed set: the native API is one
// route and the console (its pages and the purchase pages) another,
// whatever their paths, so that clients cannot grow the label set.
func route(path string) string {
	switch path {
	case pathHealth, pathMetrics, pathReset, pathMotoReset, pathJWKS:
		return path
	}
	switch {
	case strings.HasPrefix(path, pathNative):
		return "native"
	case strings.HasPrefix(path, pathConsole), strings.HasPrefix(path, pathPurchase):
		return "console"
	}
	return "aws"
}

// recovered logs a panic and answers the request with a 500 if it can.
func recovered(log *slog.Logger, aws *awsapi.Router, w *statusRecorder, r *http.Request, p any) {
	log.Error("panic serving a request", "method", truncate(r.Method), "path", truncate(r.URL.Path),
		"request_id", requestid.From(r.Context()), "panic", truncate(fmt.Sprint(p)), "at", panicSite())
	if w.wrote {
		return // too late to answer; net/http closes a response cut short
	}
	h := w.Header()
	for k := range h {
		if k != "X-Amzn-Requestid" {
			delete(h, k)
		}
	}
	if aws != nil && awsapi.Matches(r) {
		aws.WriteInternalError(w, r)
	} else {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "internal error"})
	}
	w.status = http.StatusInternalServerError
}

// panicSite names the functions a panic unwound, innermost first, in one
// short line: enough to find the bug without a stack trace per request.
func panicSite() string {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(4, pcs) // above runtime.Callers, panicSite, recovered and the deferred func
	frames := runtime.CallersFrames(pcs[:n])
	var b strings.Builder
	for count := 0; count < 8; {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "runtime.") {
			if count > 0 {
				b.WriteString(" < ")
			}
			fmt.Fprintf(&b, "%s:%d", f.Function, f.Line)
			count++
		}
		if !more {
			break
		}
	}
	return b.String()
}

// uncleanPaths answers a request whose path is not in canonical form ("//x",
// "/a/../b") itself: an AWS request goes to the AWS router, which does not
// look at the path, and anything else gets the JSON 404. Left to it,
// http.ServeMux would answer such a path with a redirect in HTML, a format
// no client of this server speaks.
func uncleanPaths(aws http.Handler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		clean := path.Clean(p)
		if strings.HasSuffix(p, "/") && clean != "/" {
			clean += "/"
		}
		if p == "" || clean == p {
			next.ServeHTTP(w, r)
			return
		}
		if awsapi.Matches(r) {
			aws.ServeHTTP(w, r)
			return
		}
		notFound(fmt.Sprintf("no endpoint answers %s %s: the path is not in canonical form (it would read %s)",
			truncate(r.Method), truncate(p), truncate(clean)))(w, r)
	})
}

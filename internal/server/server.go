// Package server assembles Tollgate's HTTP surface: one listener that routes
// AWS protocol requests to their services, plus health, metrics and
// emulator controls, wrapped in request-ID, logging and metrics middleware.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tollgate/tollgate/internal/awsapi"
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
}

// Handler returns the root HTTP handler.
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := o.Health(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "16")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	if o.JWKS != nil {
		mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
			keys, err := o.JWKS(r.Context())
			if err != nil {
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not read issuer keys"})
				return
			}
			writeJSON(w, http.StatusOK, keys)
		})
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Metrics.Registry, promhttp.HandlerOpts{}))
	if o.Reset != nil {
		reset := func(w http.ResponseWriter, r *http.Request) {
			if err := o.Reset(r.Context()); err != nil {
				writeJSON(w, http.StatusInternalServerError, map[string]string{"status": "error", "error": err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
		}
		mux.HandleFunc("POST /moto-api/reset", reset)
		mux.HandleFunc("POST /_tollgate/reset", reset)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if awsapi.Matches(r) {
			o.AWS.ServeHTTP(w, r)
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]string{
			"message": "not found: AWS requests need an X-Amz-Target header (JSON 1.1) or an Action parameter (Query)",
		})
	})
	return withRequestID(withAccessLog(o.Log, o.Metrics, mux))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
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
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// withAccessLog counts every request and logs it at debug level; at
// thousands of requests a second an info line each would cost more than the
// request.
func withAccessLog(log *slog.Logger, m *Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := "aws"
		switch r.URL.Path {
		case "/healthz", "/metrics", "/moto-api/reset", "/_tollgate/reset", "/.well-known/jwks.json":
			route = r.URL.Path
		}
		m.observeHTTP(route, rec.status)
		if log.Enabled(r.Context(), slog.LevelDebug) {
			log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
				"duration", time.Since(start), "request_id", requestid.From(r.Context()))
		}
	})
}

// Serve runs an HTTP server on ln until ctx ends, then stops accepting,
// lets in-flight requests finish (up to grace), and returns.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, grace time.Duration) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}

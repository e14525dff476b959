package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Defaults of ServeOptions.
const (
	// DefaultIdleTimeout closes a keep-alive connection that has sent no
	// new request for this long. SDKs reconnect at no cost; idle
	// connections cost the server a file descriptor and some memory each.
	DefaultIdleTimeout = 30 * time.Second
	// DefaultReadHeaderTimeout closes a connection that has not sent a
	// whole request line and headers this long after it opened or after
	// its previous request: a real client sends them at once.
	DefaultReadHeaderTimeout = 5 * time.Second
	// DefaultReadTimeout bounds the reading of a whole request, body
	// included.
	DefaultReadTimeout = 60 * time.Second
	// DefaultMaxHeaderBytes bounds a request's line and headers. A SigV4
	// request needs a few KiB, a presigned URL a few more.
	DefaultMaxHeaderBytes = 64 << 10
	// DefaultShutdownGrace is how long a stopping server lets requests in
	// flight finish.
	DefaultShutdownGrace = 30 * time.Second
)

// ServeOptions configure the HTTP server. Zero values take the defaults.
type ServeOptions struct {
	Log *slog.Logger
	// Metrics, when set, get the connection gauges.
	Metrics *Metrics
	// MaxConnections bounds the open connections; DefaultMaxConnections()
	// when zero. At the limit the oldest idle connection is closed for a
	// new one (see connLimiter).
	MaxConnections    int
	IdleTimeout       time.Duration
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	MaxHeaderBytes    int
	ShutdownGrace     time.Duration
}

func (o *ServeOptions) defaults() {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections()
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = DefaultShutdownGrace
	}
}

// ServeWith runs an HTTP server on ln until ctx ends, then stops accepting,
// lets in-flight requests finish (up to the shutdown grace), and returns.
func ServeWith(ctx context.Context, ln net.Listener, h http.Handler, o ServeOptions) error {
	o.defaults()
	limited := newConnLimiter(ln, o.MaxConnections)
	if o.Metrics != nil {
		o.Metrics.watchConnections(limited)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    o.MaxHeaderBytes,
		ConnState:         limited.connState,
		ErrorLog:          slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(limited) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	o.Log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), o.ShutdownGrace)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}

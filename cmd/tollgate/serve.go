package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/server"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", DefaultAddr, "address to listen on")
	clockMode := fs.String("clock", app.ClockReal, "real, or simulated (persisted; moved with the clock command)")
	authMode := fs.String("auth", app.AuthStrict, "strict (SigV4 with registered keys) or emulator (any key)")
	defaultAccount := fs.String("default-account", app.DefaultEmulatorAccount, "account for unrecognised keys in emulator mode")
	withDemo := fs.Bool("demo", false, "create a demo operator, seller and buyer and print how to try them")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	fingerprint := fs.String("marketplace-fingerprint", license.DefaultMarketplacePrint, "key fingerprint of licenses the marketplace issues")
	pprofAddr := fs.String("pprof-addr", "", "if set, serve Go's runtime profiles (/debug/pprof/) on this address; keep it on loopback")
	if rest, err := parse(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageError("serve takes no arguments, got %q", rest)
	}
	log, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	a, err := app.Open(ctx, app.Config{Store: sf.config(), Clock: *clockMode, Auth: *authMode,
		DefaultAccount: *defaultAccount, Demo: *withDemo, Log: log, MarketplaceFingerprint: *fingerprint})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	if *pprofAddr != "" {
		stop, err := serveProfiles(*pprofAddr, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	endpoint := "http://" + ln.Addr().String()
	log.Info("serving", "endpoint", endpoint, "store", string(a.DB.Dialect()), "clock", *clockMode, "auth", *authMode)
	if a.Demo != nil {
		fmt.Fprint(stdout, demo.Instructions(*a.Demo, endpoint))
	}
	err = server.Serve(ctx, ln, a.Handler, log, 30*time.Second)
	log.Info("stopped")
	return err
}

// serveProfiles serves net/http/pprof on its own listener, apart from the API
// so that profiles are never reachable through the API's address. The
// command-line handler is left out: the command line may carry a database
// URL with its password.
func serveProfiles(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s for profiles: %w", addr, err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		log.Warn("profiles are served on a non-loopback address; anyone who reaches it can read the server's memory profile", "addr", ln.Addr().String())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("serving profiles", "endpoint", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { srv.Close() }, nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, usageError("--log-level must be debug, info, warn or error, not %q", level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

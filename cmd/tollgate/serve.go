package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/server"
	"github.com/tollgate/tollgate/internal/store"
)

// serveOptions are `tollgate serve`'s flags.
type serveOptions struct {
	store          storeFlags
	addr           string
	clock          string
	auth           string
	defaultAccount string
	demo           bool
	logLevel       string
	fingerprint    string
	pprofAddr      string
	publicURL      string
	imds           imdsFlags
	limits         limits
}

// imdsFlags place the instance metadata service's listener.
type imdsFlags struct {
	listen string // a HOST:PORT, "auto" or "off"
	url    string // where clients reach it, if not at its listen address
}

// The --imds-listen values that are not an address.
const (
	imdsAuto = "auto"
	imdsOff  = "off"
)

func (f *imdsFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "imds-listen", imdsAuto, "`HOST:PORT` of the instance metadata service's own listener; "+
		"auto: loopback, on the port after --addr's (7071 with the default --addr; any free port when --addr's is 0); off (or empty): none")
	fl.StringVar(&f.url, "imds-url", "", "the `URL` clients reach the metadata listener at, when it is not its listen address "+
		"(listening on 0.0.0.0, or behind a proxy); the endpoints `tollgate instance metadata-endpoint` prints name it")
}

// listenAddr returns the address to listen on, "" for none, given the API's
// address.
func (f imdsFlags) listenAddr(apiAddr string) (string, error) {
	switch f.listen {
	case imdsOff, "":
		return "", nil
	case imdsAuto:
	default:
		if _, _, err := net.SplitHostPort(f.listen); err != nil {
			return "", usageError("--imds-listen must be HOST:PORT, auto or off, not %q", f.listen)
		}
		return f.listen, nil
	}
	_, port, err := net.SplitHostPort(apiAddr)
	n, perr := strconv.Atoi(port)
	if err != nil || perr != nil || n < 0 || n >= 65535 {
		return "", usageError("--addr %q has no port to place the metadata listener after; give --imds-listen", apiAddr)
	}
	if n > 0 {
		n++
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(n)), nil
}

// check refuses flags that cannot work, before anything is opened.
func (f imdsFlags) check(apiAddr string) error {
	if _, err := f.listenAddr(apiAddr); err != nil {
		return err
	}
	if f.url == "" {
		return nil
	}
	u, err := url.Parse(f.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.Fragment != "" {
		return usageError("--imds-url must be an http URL of a host and port only, such as http://10.0.0.5:7071, not %q", f.url)
	}
	return nil
}

// baseURL is where clients reach the listener ln.
func (f imdsFlags) baseURL(ln net.Listener) string {
	if f.url == "" {
		return "http://" + ln.Addr().String()
	}
	return strings.TrimSuffix(f.url, "/")
}

// limits are the serve flags that bound what clients can hold of the
// server: connections, header and body bytes, and how long they may take.
type limits struct {
	maxConnections    int
	idleTimeout       time.Duration
	readHeaderTimeout time.Duration
	maxHeaderBytes    int
	bodyBudget        int64
	bodyWait          time.Duration
	shutdownGrace     time.Duration
	databaseConns     int
}

func (l *limits) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.IntVar(&l.maxConnections, "max-connections", server.DefaultMaxConnections(),
		"most open client connections (`N`); at the limit the longest-idle one is closed for a new one; the default follows the file-descriptor limit")
	f.DurationVar(&l.idleTimeout, "idle-timeout", server.DefaultIdleTimeout, "close a keep-alive connection idle this long (a `DURATION` such as 30s)")
	f.DurationVar(&l.readHeaderTimeout, "read-header-timeout", server.DefaultReadHeaderTimeout,
		"close a connection that has not sent a request's line and headers within this `DURATION`")
	f.IntVar(&l.maxHeaderBytes, "max-header-bytes", server.DefaultMaxHeaderBytes, "largest request line and headers, in `BYTES`")
	f.Int64Var(&l.bodyBudget, "body-budget", awsapi.DefaultBodyBudget,
		"`BYTES` of request bodies held at once, each taken before the body is read and given back once answered; at least the largest body, "+fmt.Sprint(awsapi.MaxBodyBytes))
	f.DurationVar(&l.bodyWait, "body-wait", awsapi.DefaultBodyWait, "how long (`DURATION`) a request waits for room in --body-budget before it is throttled")
	f.IntVar(&l.databaseConns, "database-max-conns", store.DefaultPostgresConns,
		"most connections (`N`) to PostgreSQL; replicas sharing a database must together stay under its max_connections")
	f.DurationVar(&l.shutdownGrace, "shutdown-grace", server.DefaultShutdownGrace, "how long (`DURATION`) a stopping server lets requests in flight finish")
}

func (l limits) apply(cfg *app.Config) {
	cfg.MaxConnections, cfg.IdleTimeout, cfg.ReadHeaderTimeout = l.maxConnections, l.idleTimeout, l.readHeaderTimeout
	cfg.MaxHeaderBytes, cfg.BodyBudget, cfg.BodyWait, cfg.ShutdownGrace = l.maxHeaderBytes, l.bodyBudget, l.bodyWait, l.shutdownGrace
	cfg.Store.MaxConns = l.databaseConns
}

func serveCommand() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "run the server: the AWS APIs, health, metrics and JWKS",
		Long: `Run the server on --addr until SIGINT or SIGTERM, which let requests in
flight finish. The store is created on first start: SQLite in --data unless
--database-url names a PostgreSQL database.`,
		Example: `  tollgate serve --demo                        # demo accounts on ./tollgate-data
  tollgate serve --clock simulated --auth emulator --addr 127.0.0.1:0
  tollgate serve --database-url postgres://tollgate@db:5432/tollgate`,
		Args: cobra.ArbitraryArgs,
	}
	o.store.register(cmd)
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", DefaultAddr, "`HOST:PORT` to listen on (port 0: any free port)")
	enumFlag(cmd, &o.clock, "clock", app.ClockReal, []string{app.ClockReal, app.ClockSimulated},
		"the clock the marketplace runs on: real, or simulated (kept in the store, moved with tollgate clock)")
	enumFlag(cmd, &o.auth, "auth", app.AuthStrict, []string{app.AuthStrict, app.AuthEmulator},
		"strict: SigV4 with registered keys; emulator: any key is accepted")
	f.StringVar(&o.defaultAccount, "default-account", app.DefaultEmulatorAccount, "12-digit `ID` of the account unknown keys act as in emulator mode")
	f.BoolVar(&o.demo, "demo", false, "create the demo operator, seller and buyer if missing, and print how to try them")
	enumFlag(cmd, &o.logLevel, "log-level", "info", []string{"debug", "info", "warn", "error"},
		"least severe log level; logs are JSON on stderr, one line per request at debug")
	f.StringVar(&o.fingerprint, "marketplace-fingerprint", license.DefaultMarketplacePrint, "key fingerprint (`FP`) of the licenses the marketplace itself issues")
	f.StringVar(&o.publicURL, "public-url", "", "the `URL` (scheme and host) browsers and clients reach the server at, behind a proxy that terminates TLS: "+
		"purchase URLs are written with it, whatever a request's Host header says, and console cookies are Secure when it is https")
	f.StringVar(&o.pprofAddr, "pprof-addr", "", "if set, serve Go's runtime profiles (/debug/pprof/) on this `HOST:PORT`; keep it on loopback")
	o.imds.register(cmd)
	o.limits.register(cmd)
	cmd.RunE = argSpec{}.runE(func(cmd *cobra.Command, _ []string) error {
		cfg := app.Config{Store: o.store.config(), Clock: o.clock, Auth: o.auth,
			DefaultAccount: o.defaultAccount, Demo: o.demo, MarketplaceFingerprint: o.fingerprint, PublicURL: o.publicURL}
		o.limits.apply(&cfg)
		// What the flags say is checked before anything is opened, so that a
		// wrong value is a usage error.
		if err := cfg.Validate(); err != nil {
			return usageError("%s", message(err))
		}
		if err := o.imds.check(o.addr); err != nil {
			return err
		}
		cfg.Log = newLogger(cmd.ErrOrStderr(), o.logLevel)
		return serve(cmd.Context(), cfg, o, cmd.OutOrStdout())
	})
	return cmd
}

func serve(ctx context.Context, cfg app.Config, o serveOptions, stdout io.Writer) error {
	log := cfg.Log
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	if o.pprofAddr != "" {
		stop, err := serveProfiles(o.pprofAddr, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	imdsDone, err := serveMetadata(ctx, a, o.imds, o.addr, log)
	if err != nil {
		ln.Close()
		return err
	}
	endpoint := "http://" + ln.Addr().String()
	log.Info("serving", "endpoint", endpoint, "store", string(a.DB.Dialect()), "clock", cfg.Clock, "auth", cfg.Auth,
		"max_connections", cfg.MaxConnections)
	if a.Demo != nil {
		fmt.Fprint(stdout, demo.Instructions(*a.Demo, endpoint))
	}
	err = a.Serve(ctx, ln)
	<-imdsDone
	log.Info("stopped")
	return err
}

// serveMetadata starts the instance metadata service on its own listener,
// unless it is off, and returns a channel closed once it has stopped
// (when ctx ends). Its own loopback listener by default, apart from the
// API's: software in an instance reaches it without credentials, by the
// key in its endpoint, and an operator can keep it off the network the
// API is served on.
func serveMetadata(ctx context.Context, a *app.App, f imdsFlags, apiAddr string, log *slog.Logger) (<-chan struct{}, error) {
	done := make(chan struct{})
	addr, err := f.listenAddr(apiAddr)
	if err != nil || addr == "" {
		close(done)
		return done, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s for the instance metadata service (--imds-listen): %w", addr, err)
	}
	base := f.baseURL(ln)
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		log.Warn("the instance metadata service listens beyond loopback; whoever holds an instance's endpoint reads its metadata and credentials",
			"addr", ln.Addr().String())
	}
	log.Info("serving instance metadata", "endpoint", base)
	go func() {
		defer close(done)
		if err := a.ServeMetadata(ctx, ln, base); err != nil {
			log.Error("instance metadata service stopped", "err", err)
		}
	}()
	return done, nil
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

// newLogger logs JSON to w from level up; level is one --log-level accepts.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(strings.ToUpper(level)))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

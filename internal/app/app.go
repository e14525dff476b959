// Package app wires Tollgate together: it opens the store, picks the clock
// and the authenticator, builds the services and the HTTP handler. The
// command line and the end-to-end tests both start servers through it, and
// the command line's admin commands open the store through it too
// (OpenAdmin), so that what they create is stamped by the same clock the
// server runs on.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/awsapi/ec2"
	"github.com/tollgate/tollgate/internal/awsapi/licensemanager"
	"github.com/tollgate/tollgate/internal/awsapi/sts"
	"github.com/tollgate/tollgate/internal/baseurl"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/console"
	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/imds"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/nativeapi"
	"github.com/tollgate/tollgate/internal/server"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/subscription"
	"github.com/tollgate/tollgate/internal/tag"
)

// Clock and auth modes.
const (
	ClockReal      = "real"
	ClockSimulated = "simulated"
	AuthStrict     = "strict"
	AuthEmulator   = "emulator"
)

// DefaultEmulatorAccount is the account unknown keys act as in emulator mode.
const DefaultEmulatorAccount = "000000000000"

// Config is everything `tollgate serve` can be told.
type Config struct {
	// Store says where the data lives and, in Store.SecretKeyFile (or
	// Store.SecretKey), the key that seals its secrets; see secrets.go.
	Store          store.Config
	Clock          string // ClockReal or ClockSimulated
	Auth           string // AuthStrict or AuthEmulator
	DefaultAccount string
	Demo           bool
	Log            *slog.Logger
	// WallClock is the clock signatures are checked against; the real
	// clock unless a test says otherwise.
	WallClock clock.Clock
	// MarketplaceFingerprint identifies licenses the marketplace issues.
	MarketplaceFingerprint string
	// PublicURL, when set, is the scheme and host that browsers and
	// clients reach the server at (behind a proxy that terminates TLS):
	// absolute URLs are written with it and cookies are Secure when it is
	// https. Empty: each request's own Host and connection say.
	PublicURL string
	// SweepInterval is how often expired checkouts, old client-token
	// answers (license.Service.Sweep) and ended console sessions
	// (account.Service.SweepSessions) are deleted: a minute unless set.
	SweepInterval time.Duration

	// Limits against clients that would exhaust the server. Zero takes the
	// default; App.Serve applies the connection ones.
	//
	// MaxConnections bounds the open client connections; at the limit the
	// longest-idle connection is closed for a new one. Default: derived
	// from the file-descriptor limit (server.DefaultMaxConnections).
	MaxConnections int
	// IdleTimeout closes a keep-alive connection idle this long: 30 s.
	IdleTimeout time.Duration
	// ReadHeaderTimeout closes a connection that has not sent its request
	// line and headers this long after opening or after its last request:
	// 5 s.
	ReadHeaderTimeout time.Duration
	// MaxHeaderBytes bounds a request's line and headers: 64 KiB.
	MaxHeaderBytes int
	// BodyBudget bounds the bytes of AWS request bodies held at once, read
	// before their signature can be checked: 32 MiB, at least
	// awsapi.MaxBodyBytes (8 MiB).
	BodyBudget int64
	// BodyWait is how long a request waits for room in the body budget
	// before it is answered with a throttling error: 1 s.
	BodyWait time.Duration
	// ShutdownGrace is how long a stopping server lets requests in flight
	// finish: 30 s.
	ShutdownGrace time.Duration
}

// App is a wired Tollgate instance.
type App struct {
	DB    *store.DB
	Clock clock.Clock
	// ClockMode is ClockReal or ClockSimulated: what Clock is.
	ClockMode string
	Simulated *clock.Simulated // nil with the real clock
	Accounts  *account.Service
	Licenses  *license.Service
	Catalog   *catalog.Service
	// Subscriptions are sign-ups, and the one entitlement check
	// (Subscriptions.Checker()).
	Subscriptions *subscription.Service
	// Images are machine images; Instances the instances launched from
	// them; Tags the tags on both.
	Images    *image.Service
	Instances *compute.Service
	// InstanceCredentials are the temporary credentials of instances'
	// roles, which their metadata service serves.
	InstanceCredentials *compute.Credentials
	Tags                *tag.Service
	// Metadata is the instance metadata service, served on a listener of
	// its own (ServeMetadata); PlatformKeys its signing key, whose
	// certificate sellers fetch.
	Metadata     *imds.Server
	PlatformKeys *imds.Keys
	Metrics      *server.Metrics
	Handler      http.Handler
	Demo         *demo.World

	cfg  Config
	keys *awsapi.KeyCache
	// metadataURL is where clients reach the metadata listener, once it
	// serves: what the endpoints given to instance owners name.
	metadataURL atomic.Pointer[string]
	cancel      context.CancelFunc
	bg          sync.WaitGroup // the goroutines Close waits for
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	switch c.Clock {
	case "":
		c.Clock = ClockReal
	case ClockReal, ClockSimulated:
	default:
		return fault.New(fault.Invalid, "--clock must be real or simulated, not %q", c.Clock)
	}
	switch c.Auth {
	case "":
		c.Auth = AuthStrict
	case AuthStrict, AuthEmulator:
	default:
		return fault.New(fault.Invalid, "--auth must be strict or emulator, not %q", c.Auth)
	}
	if c.DefaultAccount == "" {
		c.DefaultAccount = DefaultEmulatorAccount
	}
	if !account.ValidID(c.DefaultAccount) {
		return fault.New(fault.Invalid, "--default-account must be 12 digits, not %q", c.DefaultAccount)
	}
	if c.PublicURL != "" {
		public, err := baseurl.Parse(c.PublicURL)
		if err != nil {
			return fault.New(fault.Invalid, "--public-url: %v", err)
		}
		c.PublicURL = public
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.WallClock == nil {
		c.WallClock = clock.Real{}
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = time.Minute
	}
	return c.validateLimits()
}

// validateLimits refuses negative limits and fills in the defaults.
func (c *Config) validateLimits() error {
	for _, l := range []struct {
		flag     string
		negative bool
	}{
		{"--max-connections", c.MaxConnections < 0},
		{"--idle-timeout", c.IdleTimeout < 0},
		{"--read-header-timeout", c.ReadHeaderTimeout < 0},
		{"--max-header-bytes", c.MaxHeaderBytes < 0},
		{"--body-budget", c.BodyBudget < 0},
		{"--body-wait", c.BodyWait < 0},
		{"--shutdown-grace", c.ShutdownGrace < 0},
		{"--database-max-conns", c.Store.MaxConns < 0},
	} {
		if l.negative {
			return fault.New(fault.Invalid, "%s must not be negative", l.flag)
		}
	}
	if c.BodyBudget != 0 && c.BodyBudget < awsapi.MaxBodyBytes {
		return fault.New(fault.Invalid, "--body-budget must be at least %d bytes, the largest request body, not %d", awsapi.MaxBodyBytes, c.BodyBudget)
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = server.DefaultMaxConnections()
	}
	c.IdleTimeout = cmp.Or(c.IdleTimeout, server.DefaultIdleTimeout)
	c.ReadHeaderTimeout = cmp.Or(c.ReadHeaderTimeout, server.DefaultReadHeaderTimeout)
	c.MaxHeaderBytes = cmp.Or(c.MaxHeaderBytes, server.DefaultMaxHeaderBytes)
	c.BodyBudget = cmp.Or(c.BodyBudget, awsapi.DefaultBodyBudget)
	c.BodyWait = cmp.Or(c.BodyWait, awsapi.DefaultBodyWait)
	c.ShutdownGrace = cmp.Or(c.ShutdownGrace, server.DefaultShutdownGrace)
	return nil
}

// Open builds an App. Close releases it.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a, bg, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	logSecrets(cfg.Log, a.DB.Secrets())
	if err := a.startClock(ctx, bg); err != nil {
		a.Close()
		return nil, err
	}
	a.buildServices()
	if cfg.Demo {
		if err := a.seedDemo(ctx); err != nil {
			a.Close()
			return nil, err
		}
	}
	if err := a.buildHandler(); err != nil {
		a.Close()
		return nil, err
	}
	a.bg.Go(func() { a.sweep(bg) })
	return a, nil
}

// OpenAdmin opens the store for one command-line operation, wired as the
// server is, on the clock the store records: the simulated clock if the last
// server to start on it ran on one. Unlike Open it runs nothing in the
// background, builds no HTTP handler, and records no clock mode; cfg.Clock,
// Auth and Demo are ignored. Close releases it.
func OpenAdmin(ctx context.Context, cfg Config) (*App, error) {
	cfg.Clock, cfg.Auth, cfg.Demo = "", "", false
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a, _, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	mode, err := StoredClockMode(ctx, a.DB)
	if err == nil {
		err = a.useClock(ctx, mode)
	}
	if err != nil {
		a.Close()
		return nil, err
	}
	a.buildServices()
	return a, nil
}

// openStore opens the store cfg names, after checking that a SQLite data
// directory can hold it, and returns the App to build on and the context of
// its background work, which Close cancels.
func openStore(ctx context.Context, cfg Config) (*App, context.Context, error) {
	if cfg.Store.DatabaseURL == "" {
		if err := checkDataDir(cfg.Store.DataDir); err != nil {
			return nil, nil, err
		}
	}
	db, err := store.Open(ctx, cfg.Store)
	if err != nil {
		return nil, nil, err
	}
	bg, cancel := context.WithCancel(context.Background())
	return &App{DB: db, cfg: cfg, cancel: cancel}, bg, nil
}

// checkDataDir creates the SQLite data directory if needed and checks that
// the store can be written there, so that a directory that cannot hold it is
// reported with its path and the cause; SQLite itself would only say
// "unable to open database file".
func checkDataDir(dir string) error {
	if dir == "" {
		return fault.New(fault.Invalid, "no data directory given")
	}
	fail := func(err error) error {
		return fmt.Errorf("cannot create the store in %s: %s", dir, cause(err, dir))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	path := filepath.Join(dir, store.SQLiteFile)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	switch {
	case err == nil:
		return f.Close()
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("cannot open the store %s for writing: %s", path, cause(err, path))
	}
	// No store yet: SQLite will create it, and its journal, in dir.
	probe, err := os.CreateTemp(dir, ".tollgate-write-check-*")
	if err != nil {
		return fail(err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// cause says why a file operation on target failed: the system's reason,
// and the path it failed on when that is another one (a parent that is a
// file, say).
func cause(err error, target string) string {
	var pe *os.PathError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	if filepath.Clean(pe.Path) == filepath.Clean(target) || filepath.Dir(pe.Path) == filepath.Clean(target) {
		return pe.Err.Error()
	}
	return fmt.Sprintf("%s (%s %s)", pe.Err, pe.Op, pe.Path)
}

func (a *App) buildServices() {
	a.DB.SetClock(a.Clock) // transactions read their time (Tx.Now) from the services' clock
	a.Accounts = account.NewService(a.DB.Accounts(), a.Clock)
	a.Licenses = license.NewService(a.DB.Licenses(), a.Clock, operators{a.DB.Accounts()},
		license.Config{MarketplaceFingerprint: a.cfg.MarketplaceFingerprint, Sessions: a.Accounts})
	a.Catalog = catalog.NewService(a.DB.Catalog(), a.Clock)
	// The entitlement cache measures its staleness on the wall clock: the
	// simulated clock may stand still, and other replicas' cancellations
	// must still be seen within a second.
	a.Subscriptions = subscription.NewService(a.DB.Subscriptions(), a.Catalog, a.Licenses, operators{a.DB.Accounts()}, a.Clock,
		subscription.WithChecker(subscription.CheckerConfig{Fresh: a.cfg.WallClock}))
	a.Images = image.NewService(a.DB.Images(), a.Catalog, a.Subscriptions.Checker(), a.Clock)
	a.Instances = compute.NewService(a.DB.Instances(), a.Images, a.Catalog, a.Subscriptions.Checker(),
		compute.Placement{Regions: compute.DefaultRegions}, a.Clock)
	a.Images.UseCompute(a.Instances)
	a.InstanceCredentials = compute.NewCredentials(a.DB.Instances(), a.Accounts)
	a.PlatformKeys = imds.NewKeys(a.DB.PlatformKeys(), a.Clock)
	a.Metadata = imds.New(imds.Config{Instances: a.Instances, Keys: a.PlatformKeys, Credentials: a.InstanceCredentials,
		Clock: a.Clock, Log: a.cfg.Log})
	a.Tags = tag.NewService(a.DB.Tags(), map[string]tag.Resolver{
		"ami": func(ctx context.Context, caller, id string) (tag.ResourceType, error) {
			_, err := a.Images.Get(ctx, caller, id)
			return tag.Image, err
		},
		"i": func(ctx context.Context, caller, id string) (tag.ResourceType, error) {
			_, err := a.Instances.Get(ctx, caller, id)
			return tag.Instance, err
		},
		"vol": func(ctx context.Context, caller, id string) (tag.ResourceType, error) {
			_, err := a.Instances.Volume(ctx, caller, id)
			return tag.Volume, err
		},
		"snap": func(ctx context.Context, caller, id string) (tag.ResourceType, error) {
			_, err := a.Images.Snapshot(ctx, caller, id)
			return tag.Snapshot, err
		},
		"import": func(ctx context.Context, caller, id string) (tag.ResourceType, error) {
			_, err := a.Images.ImportTask(ctx, caller, id)
			return tag.ImportImageTask, err
		},
	})
}

// clockModeSetting is the setting that records the clock mode of the last
// server to start on the store, which admin commands follow.
const clockModeSetting = "clock.mode"

// StoredClockMode returns the clock mode the store records: the mode of the
// last server that started on it. A store that predates the record is
// simulated if it holds a simulated time, real otherwise.
func StoredClockMode(ctx context.Context, db *store.DB) (string, error) {
	mode, ok, err := db.Setting(ctx, clockModeSetting)
	if err != nil || ok {
		return mode, err
	}
	if _, ok, err = db.SimulatedClock().SimulatedTime(ctx); err != nil {
		return "", err
	} else if ok {
		return ClockSimulated, nil
	}
	return ClockReal, nil
}

// startClock starts the server's clock and records its mode in the store.
func (a *App) startClock(ctx, bg context.Context) error {
	if err := a.useClock(ctx, a.cfg.Clock); err != nil {
		return err
	}
	if a.Simulated != nil {
		a.bg.Go(func() {
			a.Simulated.Run(bg, 250*time.Millisecond) // other processes' advances show within a second
		})
	}
	return a.DB.PutSetting(ctx, clockModeSetting, a.ClockMode)
}

// useClock sets the App's clock: the wall clock, or the store's simulated
// clock (started at the wall-clock time if the store has none yet).
func (a *App) useClock(ctx context.Context, mode string) error {
	a.ClockMode = mode
	if mode != ClockSimulated {
		a.ClockMode, a.Clock = ClockReal, a.cfg.WallClock
		return nil
	}
	sim, err := clock.NewSimulated(ctx, a.DB.SimulatedClock(), a.cfg.WallClock.Now())
	if err != nil {
		return err
	}
	a.Clock, a.Simulated = sim, sim
	return nil
}

// sweep deletes expired checkouts, old client-token answers and ended
// console sessions, and finishes contract licenses, every SweepInterval
// until ctx ends. A failed sweep is logged and tried again at the next
// tick.
func (a *App) sweep(ctx context.Context) {
	clock.Every(ctx, a.cfg.SweepInterval, func(ctx context.Context) {
		r, err := a.Licenses.Sweep(ctx)
		roles, rerr := a.Accounts.DeleteExpiredRoleSessions(ctx)
		switch err = cmp.Or(err, rerr); {
		case err != nil && ctx.Err() == nil:
			a.cfg.Log.Warn("sweep failed", "err", err)
		case r != (license.SweepResult{}) || roles > 0:
			a.cfg.Log.Debug("swept", "checkouts", r.Checkouts, "client_tokens", r.ClientTokens, "role_sessions", roles)
		}
		synced, err := a.Subscriptions.SyncLicenses(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			a.cfg.Log.Warn("finishing contract licenses failed", "err", err)
		case synced > 0:
			a.cfg.Log.Info("finished contract licenses", "subscriptions", synced)
		}
		n, err := a.Accounts.SweepSessions(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			a.cfg.Log.Warn("session sweep failed", "err", err)
		case n > 0:
			a.cfg.Log.Debug("swept", "console_sessions", n)
		}
	})
}

func (a *App) seedDemo(ctx context.Context) error {
	w, err := demo.Seed(ctx, a.DB.Accounts(), a.Clock.Now())
	if err != nil {
		return err
	}
	if err := demo.SeedLicense(ctx, a.Licenses, w, a.Clock.Now()); err != nil {
		return err
	}
	if err := demo.SeedPasswords(ctx, a.Accounts, w); err != nil {
		return err
	}
	if w.ImageProduct, err = demo.SeedProduct(ctx, a.Catalog, w); err != nil {
		return err
	}
	if w.Image, err = demo.SeedImage(ctx, a.Images, w); err != nil {
		return err
	}
	a.Demo = &w
	return nil
}

func (a *App) buildHandler() error {
	wall := a.cfg.WallClock.Now
	a.keys = awsapi.NewKeyCache(a.DB.Accounts().GetAccessKey, time.Second, wall)
	// Signatures are checked against the wall clock; temporary
	// credentials expire by the clock that stamped them.
	var auth awsapi.Authenticator = awsapi.NewStrict(a.keys.Lookup, wall).SessionClock(a.Clock.Now)
	if a.cfg.Auth == AuthEmulator {
		auth = awsapi.NewEmulator(a.keys.Lookup, a.cfg.DefaultAccount)
	}
	a.Metrics = server.NewMetrics()
	router := awsapi.NewRouter(auth, a.cfg.Log, a.Metrics, sts.Service(a.Licenses), licensemanager.Service(a.Licenses), ec2.Service(a.ec2Deps())).
		LimitBodies(a.cfg.BodyBudget, a.cfg.BodyWait)
	a.Metrics.WatchBodyBudget(router.Budget())
	opts := server.Options{Log: a.cfg.Log, Metrics: a.Metrics, AWS: router, Health: a.DB.Ping, PublicURL: a.cfg.PublicURL,
		JWKS: func(ctx context.Context) (any, error) { return a.Licenses.Keys().JWKS(ctx) }}
	// The native API authenticates as the AWS APIs do (the same keys, cache
	// and mode), or by the console's session, and reads bodies within the
	// same budget.
	opts.Native = nativeapi.New(nativeapi.Config{Auth: auth, Sessions: a.Accounts.Session,
		Catalog: a.Catalog, Subscriptions: a.Subscriptions, Clock: a.Clock, Log: a.cfg.Log, Bodies: router.Budget(), Metadata: a})
	if a.cfg.Auth == AuthEmulator {
		opts.Reset = a.Reset
	}
	con, err := console.New(console.Config{Accounts: a.Accounts, Catalog: a.Catalog, Subscriptions: a.Subscriptions,
		Clock: a.Clock, Log: a.cfg.Log})
	if err != nil {
		return err
	}
	opts.Console = con
	a.Handler = server.Handler(opts)
	return nil
}

// ec2Deps are the domain services the EC2 API maps to.
func (a *App) ec2Deps() ec2.Deps {
	return ec2.Deps{Placement: a.Instances.Placement(), Images: a.Images, Tags: a.Tags, Instances: a.Instances}
}

// Serve serves the handler on ln until ctx ends, within the configured
// connection limits, then lets requests in flight finish for up to
// ShutdownGrace.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	return server.ServeWith(ctx, ln, a.Handler, server.ServeOptions{
		Log:               a.cfg.Log,
		Metrics:           a.Metrics,
		MaxConnections:    a.cfg.MaxConnections,
		IdleTimeout:       a.cfg.IdleTimeout,
		ReadHeaderTimeout: a.cfg.ReadHeaderTimeout,
		MaxHeaderBytes:    a.cfg.MaxHeaderBytes,
		ShutdownGrace:     a.cfg.ShutdownGrace,
	})
}

// ServeMetadata serves the instance metadata service on ln until ctx
// ends, within the same connection limits as Serve. base is the URL
// clients reach it at ("http://127.0.0.1:7071"), which the endpoints given
// to instance owners name.
func (a *App) ServeMetadata(ctx context.Context, ln net.Listener, base string) error {
	a.metadataURL.Store(&base)
	defer a.metadataURL.Store(nil)
	return server.ServeWith(ctx, ln, a.Metadata, server.ServeOptions{
		Log:               a.cfg.Log,
		MaxConnections:    a.cfg.MaxConnections,
		IdleTimeout:       a.cfg.IdleTimeout,
		ReadHeaderTimeout: a.cfg.ReadHeaderTimeout,
		MaxHeaderBytes:    a.cfg.MaxHeaderBytes,
		ShutdownGrace:     a.cfg.ShutdownGrace,
	})
}

// MetadataURL returns where the metadata listener is reached, and false
// while none serves.
func (a *App) MetadataURL() (string, bool) {
	if p := a.metadataURL.Load(); p != nil {
		return *p, true
	}
	return "", false
}

// MetadataEndpoint returns the metadata endpoint of one of caller's
// instances: what AWS_EC2_METADATA_SERVICE_ENDPOINT is set to for stock
// clients to act as that instance. Only the instance's owner is given it.
func (a *App) MetadataEndpoint(ctx context.Context, caller, instanceID string) (string, error) {
	if _, err := a.Instances.Get(ctx, caller, instanceID); err != nil {
		return "", err
	}
	base, ok := a.MetadataURL()
	if !ok {
		return "", fault.New(fault.Unavailable, "this server runs no instance metadata listener (it was started with --imds-listen off)")
	}
	return a.Metadata.Endpoint(ctx, base, instanceID)
}

// IdentityCertificate returns the platform certificate instance identity
// documents verify under, PEM.
func (a *App) IdentityCertificate(ctx context.Context) ([]byte, error) {
	return a.PlatformKeys.CertificatePEM(ctx)
}

// Reset deletes all state (emulator mode), then re-seeds the demo world if
// the server was started with one.
func (a *App) Reset(ctx context.Context) error {
	if err := a.DB.Reset(ctx); err != nil {
		return err
	}
	a.keys.Forget()
	// Reset empties the settings, the clock mode among them.
	if err := a.DB.PutSetting(ctx, clockModeSetting, a.ClockMode); err != nil {
		return err
	}
	if a.cfg.Demo {
		return a.seedDemo(ctx)
	}
	return nil
}

// Close stops background work and closes the store.
func (a *App) Close() error {
	a.cancel()
	a.bg.Wait()
	return a.DB.Close()
}

// operators answers whether an account is a platform operator.
type operators struct{ accounts account.Store }

func (o operators) IsOperator(ctx context.Context, id string) (bool, error) {
	a, err := o.accounts.GetAccount(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return false, nil
	}
	return a.Operator, err
}

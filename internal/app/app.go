// Package app wires Tollgate together: it opens the store, picks the clock
// and the authenticator, builds the services and the HTTP handler. The
// command line and the end-to-end tests both start servers through it.
package app

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/awsapi/licensemanager"
	"github.com/tollgate/tollgate/internal/awsapi/sts"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/server"
	"github.com/tollgate/tollgate/internal/store"
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
	// SweepInterval is how often expired checkouts and old client-token
	// answers are deleted (license.Service.Sweep): a minute unless set.
	SweepInterval time.Duration
}

// App is a wired Tollgate instance.
type App struct {
	DB        *store.DB
	Clock     clock.Clock
	Simulated *clock.Simulated // nil with the real clock
	Accounts  *account.Service
	Licenses  *license.Service
	Metrics   *server.Metrics
	Handler   http.Handler
	Demo      *demo.World

	cfg    Config
	keys   *awsapi.KeyCache
	cancel context.CancelFunc
	bg     sync.WaitGroup // the goroutines Close waits for
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
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.WallClock == nil {
		c.WallClock = clock.Real{}
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = time.Minute
	}
	return nil
}

// Open builds an App. Close releases it.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	a := &App{DB: db, cfg: cfg}
	bg, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	if err := a.startClock(ctx, bg); err != nil {
		cancel()
		db.Close()
		return nil, err
	}
	a.Accounts = account.NewService(db.Accounts(), a.Clock)
	a.Licenses = license.NewService(db.Licenses(), a.Clock, operators{db.Accounts()},
		license.Config{MarketplaceFingerprint: cfg.MarketplaceFingerprint})
	if cfg.Demo {
		if err := a.seedDemo(ctx); err != nil {
			a.Close()
			return nil, err
		}
	}
	a.buildHandler()
	a.bg.Go(func() { a.sweep(bg) })
	return a, nil
}

func (a *App) startClock(ctx, bg context.Context) error {
	if a.cfg.Clock != ClockSimulated {
		a.Clock = a.cfg.WallClock
		return nil
	}
	sim, err := clock.NewSimulated(ctx, a.DB.SimulatedClock(), a.cfg.WallClock.Now())
	if err != nil {
		return err
	}
	a.Clock, a.Simulated = sim, sim
	a.bg.Go(func() {
		sim.Run(bg, 250*time.Millisecond) // other processes' advances show within a second
	})
	return nil
}

// sweep deletes expired checkouts and old client-token answers every
// SweepInterval until ctx ends. A failed sweep is logged and tried again at
// the next tick: nothing depends on it but the size of the store.
func (a *App) sweep(ctx context.Context) {
	clock.Every(ctx, a.cfg.SweepInterval, func(ctx context.Context) {
		r, err := a.Licenses.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			a.cfg.Log.Warn("sweep failed", "err", err)
		case r != (license.SweepResult{}):
			a.cfg.Log.Debug("swept", "checkouts", r.Checkouts, "client_tokens", r.ClientTokens)
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
	a.Demo = &w
	return nil
}

func (a *App) buildHandler() {
	wall := a.cfg.WallClock.Now
	a.keys = awsapi.NewKeyCache(a.DB.Accounts().GetAccessKey, time.Second, wall)
	var auth awsapi.Authenticator = awsapi.NewStrict(a.keys.Lookup, wall)
	if a.cfg.Auth == AuthEmulator {
		auth = awsapi.NewEmulator(a.keys.Lookup, a.cfg.DefaultAccount)
	}
	a.Metrics = server.NewMetrics()
	router := awsapi.NewRouter(auth, a.cfg.Log, a.Metrics, sts.Service(), licensemanager.Service(a.Licenses))
	opts := server.Options{Log: a.cfg.Log, Metrics: a.Metrics, AWS: router, Health: a.DB.Ping,
		JWKS: func(ctx context.Context) (any, error) { return a.Licenses.Keys().JWKS(ctx) }}
	if a.cfg.Auth == AuthEmulator {
		opts.Reset = a.Reset
	}
	a.Handler = server.Handler(opts)
}

// Reset deletes all state (emulator mode), then re-seeds the demo world if
// the server was started with one.
func (a *App) Reset(ctx context.Context) error {
	if err := a.DB.Reset(ctx); err != nil {
		return err
	}
	a.keys.Forget()
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

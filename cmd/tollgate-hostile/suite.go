package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tollgate/tollgate/internal/toolmain"
)

// config is the suite's command line.
type config struct {
	endpoint  *url.URL
	mode      string // strict or emulator: what the server was started with
	serverPID int    // for its memory; 0 skips those checks
	serverLog string // scanned for panics; "" skips that check
	seed      int64
	idle      int   // idle connections held in the connections phase
	slow      int   // slow-header connections held beside them
	random    int   // randomly mutated requests
	bodies    int   // concurrent maximum-size bodies
	maxRSS    int64 // bytes the server's peak RSS may reach
	timeout   time.Duration
}

const usageText = `tollgate-hostile: drive a live Tollgate server (started with --demo) as a
hostile client would, and check that every request gets a complete answer in
its protocol's format and never a 5xx, that no panic reaches the server's log,
that real clients are answered under 10,000 idle connections, and that the
server's memory stays bounded. Exits 1 on any failure.

Usage:
  tollgate-hostile --endpoint URL --mode strict|emulator [--server-pid PID] [--server-log FILE] [--seed N]
  tollgate-hostile bodies --endpoint URL --server-pid PID [--concurrency 64] [--size BYTES]

Flags:
`

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("tollgate-hostile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	var c config
	endpoint := fs.String("endpoint", "http://127.0.0.1:7070", "base URL of the server")
	fs.StringVar(&c.mode, "mode", "strict", "the server's --auth mode: strict or emulator")
	fs.IntVar(&c.serverPID, "server-pid", 0, "the server's process ID, to check its memory (Linux /proc); 0 skips")
	fs.StringVar(&c.serverLog, "server-log", "", "the server's log file, checked for panics at the end; empty skips")
	seed := fs.String("seed", os.Getenv("TOLLGATE_TEST_SEED"), "seed of the random requests (env TOLLGATE_TEST_SEED); a new one when empty")
	fs.IntVar(&c.idle, "idle", 10_000, "idle connections to hold while real clients keep calling")
	fs.IntVar(&c.slow, "slow", 1_000, "connections to hold halfway through their headers beside the idle ones")
	fs.IntVar(&c.random, "random", 600, "randomly mutated requests to send")
	fs.IntVar(&c.bodies, "bodies", 64, "concurrent maximum-size request bodies to send")
	maxRSS := fs.Int64("max-rss-mib", 512, "the most the server's peak resident memory may reach, in MiB")
	fs.DurationVar(&c.timeout, "timeout", 20*time.Second, "how long one exchange may take before it counts as unanswered")
	if err := toolmain.Parse(fs, args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, usagef("unexpected arguments %q (see --help)", fs.Args())
	}
	u, err := url.Parse(*endpoint)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return c, usagef("--endpoint must be an http:// URL, not %q", *endpoint)
	}
	c.endpoint = u
	if c.mode != "strict" && c.mode != "emulator" {
		return c, usagef("--mode must be strict or emulator, not %q", c.mode)
	}
	c.seed = time.Now().UnixNano()
	if *seed != "" {
		if c.seed, err = strconv.ParseInt(*seed, 10, 64); err != nil {
			return c, usagef("--seed must be an integer, not %q", *seed)
		}
	}
	c.maxRSS = *maxRSS << 20
	return c, nil
}

// suite is one run against a server: its configuration and what it found.
type suite struct {
	cfg  config
	addr string // host:port
	out  io.Writer
	// runID names this run in the client tokens and SKUs it creates, apart
	// from the seed, so that replaying a seed against the same server
	// makes new requests rather than reuse the first run's tokens.
	runID string

	mu       sync.Mutex
	failures []string
	answers  map[int]int // by status code
}

func newSuite(cfg config, out io.Writer) (*suite, error) {
	return &suite{cfg: cfg, addr: cfg.endpoint.Host, out: out, answers: map[int]int{}, runID: strings.ToLower(rand.Text()[:10])}, nil
}

// failf records a failure; the run goes on and fails at the end.
func (s *suite) failf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.failures = append(s.failures, msg)
	n := len(s.failures)
	s.mu.Unlock()
	if n <= 50 {
		fmt.Fprintf(s.out, "  FAIL %s\n", msg)
	}
}

func (s *suite) counted(status int) {
	s.mu.Lock()
	s.answers[status]++
	s.mu.Unlock()
}

func (s *suite) logf(format string, args ...any) { fmt.Fprintf(s.out, format+"\n", args...) }

// phase runs one phase, timing it and saying how many failures it added.
func (s *suite) phase(name string, fn func() error) error {
	s.mu.Lock()
	before := len(s.failures)
	s.mu.Unlock()
	start := time.Now()
	s.logf("== %s", name)
	err := fn()
	s.mu.Lock()
	added := len(s.failures) - before
	s.mu.Unlock()
	s.logf("   %s: %d failures (%s)", name, added, time.Since(start).Round(time.Millisecond))
	return err
}

func (s *suite) run(ctx context.Context) error {
	if err := raiseFileLimit(s.cfg.idle + s.cfg.slow + 256); err != nil {
		return err
	}
	s.logf("tollgate-hostile: %s server at %s; seed %d (replay with --seed %d or TOLLGATE_TEST_SEED=%d)",
		s.cfg.mode, s.cfg.endpoint, s.cfg.seed, s.cfg.seed, s.cfg.seed)
	rssBefore := s.rss()
	phases := []struct {
		name string
		fn   func() error
	}{
		{"malformed requests, byte for byte", func() error { return s.malformed(ctx) }},
		{"signed License Manager requests with hostile values", func() error { return s.signed(ctx) }},
		{fmt.Sprintf("%d randomly mutated requests", s.cfg.random), func() error { return s.mutated(ctx) }},
		{fmt.Sprintf("%d concurrent maximum-size bodies", s.cfg.bodies), func() error { return s.bodyFlood(ctx) }},
		{fmt.Sprintf("%d idle and %d slow-header connections held while real clients call", s.cfg.idle, s.cfg.slow),
			func() error { return s.connections(ctx) }},
	}
	for _, p := range phases {
		if err := s.phase(p.name, p.fn); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	s.checkServer(rssBefore)
	return s.report()
}

// report prints the answers seen and the failures, and fails if any.
func (s *suite) report() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parts []string
	total := 0
	for status := 100; status < 600; status++ {
		if n := s.answers[status]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d×%d", n, status))
			total += n
		}
	}
	s.logf("answers: %d (%s)", total, strings.Join(parts, ", "))
	if len(s.failures) > 0 {
		return fmt.Errorf("%d failures (seed %d); the first: %s", len(s.failures), s.cfg.seed, s.failures[0])
	}
	s.logf("tollgate-hostile: all checks passed")
	return nil
}

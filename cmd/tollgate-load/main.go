// Command tollgate-load is Tollgate's load generator: it drives one or more
// targets (kinds of request) at a fixed concurrency for a fixed time and
// reports requests per second, latency quantiles and errors.
//
//	tollgate-load --endpoint http://127.0.0.1:7070 --target healthz --concurrency 64 --duration 10s
//	tollgate-load --endpoint URL --targets healthz,sts --rounds 3 \
//	    --access-key AKIATOLLGATEBUYER001 --secret-key tollgate-demo-buyer-secret-0000000000000
//
// Signed targets (sts) replay requests signed before each phase starts with
// aws-sdk-go-v2's SigV4 signer: a signature stays valid for 15 minutes and
// the server, like AWS, does not reject replays, so the load generator does
// not spend the shared CPU on signing while it measures the server. With
// --sign-per-request it signs every request instead, as an SDK client would.
//
// With several targets each round runs them back to back, in the order
// given, and the summary gives each one's median over the rounds and its
// throughput as a share of the first target's, measured in the same round.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/toolmain"
)

func main() { toolmain.Main("tollgate-load", run) }

var usagef = toolmain.Usagef

// config is the parsed command line.
type config struct {
	endpoint       *url.URL
	targets        []string
	concurrency    int
	duration       time.Duration
	warmup         time.Duration
	rounds         int
	accessKey      string
	secretKey      string
	region         string
	pool           int
	signPerRequest bool
	timeout        time.Duration
	serverPID      int
	json           bool
	wrkLua         string
	licenses       int
	codes          int
	perCode        int
}

const usageText = `tollgate-load: drive a Tollgate (or any AWS-compatible) endpoint and report
requests/s, p50, p90, p99 and errors.

Usage:
  tollgate-load --endpoint URL --target NAME [--concurrency 64] [--duration 10s]
                [--access-key K --secret-key S] [--region us-east-1] [--json]
  tollgate-load --endpoint URL --targets healthz,sts [--rounds 3] ...
  tollgate-load --endpoint URL --target sts --wrk-lua FILE ...   (write a wrk script, then exit)
  tollgate-load --endpoint URL --targets sts,checkout-hot,checkout-spread --demo-keys --licenses 10000 ...
  tollgate-load --endpoint URL --targets ec2-cycle,ec2-images --demo-keys --codes 100 --per-code 50 ...
  tollgate-load seed-licenses --data DIR --count 10000   (before the server starts; -h for more)
  tollgate-load seed-images --data DIR --count 10000 --codes 100 --per-code 50   (likewise)

Targets:
%s
Flags:
`

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("tollgate-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, usageText, targetHelp())
		fs.PrintDefaults()
	}
	endpoint := fs.String("endpoint", "http://127.0.0.1:7070", "base URL of the server")
	target := fs.String("target", "healthz", "the target to run: "+strings.Join(targetNames(), ", "))
	list := fs.String("targets", "", "comma-separated targets to run back to back in each round; the first is the baseline of the ratios (wins over --target)")
	var c config
	fs.IntVar(&c.concurrency, "concurrency", 64, "concurrent workers, each with its own keep-alive connection")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "measured time of each phase")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "unmeasured time before each phase's measurement starts (connections open, caches fill)")
	fs.IntVar(&c.rounds, "rounds", 1, "how many times to run the targets; the summary gives medians")
	fs.StringVar(&c.accessKey, "access-key", os.Getenv("AWS_ACCESS_KEY_ID"), "access key ID for signed targets (env AWS_ACCESS_KEY_ID)")
	fs.StringVar(&c.secretKey, "secret-key", os.Getenv("AWS_SECRET_ACCESS_KEY"), "secret access key for signed targets (env AWS_SECRET_ACCESS_KEY)")
	demoKeys := fs.Bool("demo-keys", false, "use the demo buyer's fixed key (a server started with `tollgate serve --demo`)")
	fs.StringVar(&c.region, "region", "us-east-1", "signing region")
	fs.IntVar(&c.pool, "presign", 1024, "distinct pre-signed requests per phase (at least --concurrency are made)")
	fs.BoolVar(&c.signPerRequest, "sign-per-request", false, "sign every request as it is sent, inside the measured window, instead of replaying pre-signed ones")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.IntVar(&c.serverPID, "server-pid", 0, "the server's process ID, to report its CPU time per request (Linux /proc)")
	fs.BoolVar(&c.json, "json", false, "print the results as JSON on stdout (the text lines go to stderr)")
	fs.IntVar(&c.licenses, "licenses", 10000, "checkout-spread: how many licenses seed-licenses --count created")
	fs.IntVar(&c.codes, "codes", 100, "ec2-images: how many product codes seed-images --codes spread")
	fs.IntVar(&c.perCode, "per-code", 0, "ec2-images: how many images each code must list (seed-images --per-code); 0 checks no count")
	fs.StringVar(&c.wrkLua, "wrk-lua", "", "write a wrk script that replays one pre-signed request of --target to this file, then exit")
	if err := toolmain.Parse(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected arguments %q", fs.Args())
	}
	u, err := url.Parse(*endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--endpoint must be an http:// or https:// URL, not %q", *endpoint)
	}
	c.endpoint = u
	names := []string{*target}
	if *list != "" {
		names = nil
		for name := range strings.SplitSeq(*list, ",") {
			if name = strings.TrimSpace(name); name != "" {
				names = append(names, name)
			}
		}
	}
	if len(names) == 0 {
		return nil, usagef("--targets names no target")
	}
	if *demoKeys {
		buyer := demo.Parties().Buyer.Key
		c.accessKey, c.secretKey = buyer.ID, buyer.Secret
	}
	for _, name := range names {
		info, ok := targets[name]
		if !ok {
			return nil, usagef("unknown target %q: want one of %s", name, strings.Join(targetNames(), ", "))
		}
		if info.needsKeys && (c.accessKey == "" || c.secretKey == "") {
			return nil, usagef("target %s sends signed requests: give --access-key and --secret-key (or --demo-keys)", name)
		}
	}
	c.targets = names
	switch {
	case c.concurrency < 1:
		return nil, usagef("--concurrency must be at least 1")
	case c.duration <= 0:
		return nil, usagef("--duration must be positive")
	case c.warmup < 0:
		return nil, usagef("--warmup must not be negative")
	case c.rounds < 1:
		return nil, usagef("--rounds must be at least 1")
	case c.pool < 1:
		return nil, usagef("--presign must be at least 1")
	case !c.signPerRequest && c.warmup+c.duration > maxSignatureAge-signSpread*time.Second:
		return nil, usagef("--warmup plus --duration must stay under %v so that pre-signed requests stay valid; use --sign-per-request for longer phases",
			maxSignatureAge-signSpread*time.Second)
	}
	if c.wrkLua != "" && len(names) != 1 {
		return nil, usagef("--wrk-lua takes one --target")
	}
	return &c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "seed-licenses" {
		return runSeed(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "seed-images" {
		return runSeedImages(ctx, args[1:], stdout, stderr)
	}
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.wrkLua != "" {
		return writeWrkLua(ctx, cfg)
	}
	text := stdout
	if cfg.json {
		text = stderr
	}
	var results []phaseResult
	for round := 1; round <= cfg.rounds; round++ {
		for _, name := range cfg.targets {
			res, err := runPhase(ctx, cfg, name, round)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			fmt.Fprintln(text, res.line(cfg.rounds))
			results = append(results, res)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	sum := summarize(cfg, results)
	if len(cfg.targets) > 1 || cfg.rounds > 1 {
		for _, line := range sum.lines() {
			fmt.Fprintln(text, line)
		}
	}
	if cfg.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report{Machine: machine(), Concurrency: cfg.concurrency, DurationSeconds: cfg.duration.Seconds(),
			WarmupSeconds: cfg.warmup.Seconds(), Rounds: cfg.rounds, PreSigned: !cfg.signPerRequest, Phases: results, Summary: sum}); err != nil {
			return err
		}
	}
	var failed []string
	for _, r := range results {
		if r.Errors > 0 {
			failed = append(failed, fmt.Sprintf("%s round %d: %d errors, first: %s", r.Target, r.Round, r.Errors, r.FirstError))
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

// newClient returns an HTTP client tuned for load: one keep-alive connection
// per worker, kept open between requests, no compression, no HTTP/2.
func newClient(concurrency int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil, // never through a proxy: loopback only
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          concurrency,
		MaxIdleConnsPerHost:   concurrency,
		MaxConnsPerHost:       concurrency,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
		ResponseHeaderTimeout: timeout,
		WriteBufferSize:       16 << 10,
		ReadBufferSize:        16 << 10,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}

func (c *config) env(client *http.Client) *Env {
	return &Env{Endpoint: c.endpoint, Region: c.region, AccessKey: c.accessKey, SecretKey: c.secretKey,
		Concurrency: c.concurrency, Pool: c.pool, SignPerRequest: c.signPerRequest, Client: client, Licenses: c.licenses,
		Codes: c.codes, PerCode: c.perCode}
}

func writeWrkLua(ctx context.Context, cfg *config) error {
	client := newClient(1, cfg.timeout)
	defer client.CloseIdleConnections()
	t := targets[cfg.targets[0]].new()
	if err := t.Prepare(ctx, cfg.env(client)); err != nil {
		return err
	}
	s, ok := t.(interface{ Sample() *prepared })
	if !ok {
		return fmt.Errorf("target %s has no fixed request for wrk to replay", cfg.targets[0])
	}
	return os.WriteFile(cfg.wrkLua, []byte(s.Sample().wrkLua()), 0o644)
}

// workerStats is one worker's tally of the measured window.
type workerStats struct {
	hist     histogram
	errors   uint64
	firstErr error
}

// runPhase runs one target for warmup + duration and measures the duration:
// an operation counts if it completes inside the measured window.
func runPhase(ctx context.Context, cfg *config, name string, round int) (phaseResult, error) {
	client := newClient(cfg.concurrency, cfg.timeout)
	defer client.CloseIdleConnections()
	t := targets[name].new()
	if err := t.Prepare(ctx, cfg.env(client)); err != nil {
		return phaseResult{}, err
	}
	workers := make([]Worker, cfg.concurrency)
	for i := range workers {
		workers[i] = t.NewWorker(i)
	}
	stats := make([]workerStats, cfg.concurrency)

	start := time.Now()
	measureFrom := start.Add(cfg.warmup)
	measureTo := measureFrom.Add(cfg.duration)
	// Workers poll a flag rather than ctx.Err(), which may take a lock.
	var stopped atomic.Bool
	stopWatch := context.AfterFunc(ctx, func() { stopped.Store(true) })
	defer stopWatch()
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Add(1)
		go func(st *workerStats) {
			defer wg.Done()
			for !stopped.Load() {
				t0 := time.Now()
				if !t0.Before(measureTo) {
					return
				}
				err := w.Do(ctx, client)
				t1 := time.Now()
				if t1.Before(measureFrom) || t1.After(measureTo) {
					continue
				}
				if err != nil {
					st.errors++
					if st.firstErr == nil {
						st.firstErr = err
					}
					continue
				}
				st.hist.record(t1.Sub(t0))
			}
		}(&stats[i])
	}

	// CPU use is read at the edges of the measured window.
	sleepUntil(ctx, measureFrom)
	selfFrom, selfOK := selfCPU()
	serverFrom, serverErr := time.Duration(0), error(nil)
	if cfg.serverPID > 0 {
		serverFrom, serverErr = processCPU(cfg.serverPID)
	}
	sleepUntil(ctx, measureTo)
	selfTo, _ := selfCPU()
	serverTo := time.Duration(0)
	if cfg.serverPID > 0 && serverErr == nil {
		serverTo, serverErr = processCPU(cfg.serverPID)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return phaseResult{}, err
	}
	unit := targets[name].unit
	if unit == "" {
		unit = "req"
	}

	var total histogram
	res := phaseResult{Target: name, Round: round, Concurrency: cfg.concurrency, DurationSeconds: cfg.duration.Seconds(), Unit: unit}
	if cfg.serverPID > 0 {
		res.ServerRSSMiB, res.ServerHWMMiB = processMemory(cfg.serverPID)
	}
	if in, ok := t.(interface{ Inline() int64 }); ok {
		res.SignedInWindow = in.Inline()
	}
	for i := range stats {
		total.merge(&stats[i].hist)
		res.Errors += stats[i].errors
		if res.FirstError == "" && stats[i].firstErr != nil {
			res.FirstError = stats[i].firstErr.Error()
		}
	}
	res.Requests = total.n
	res.RPS = float64(total.n) / cfg.duration.Seconds()
	res.P50 = ms(total.quantile(0.50))
	res.P90 = ms(total.quantile(0.90))
	res.P99 = ms(total.quantile(0.99))
	res.Max = ms(total.max)
	res.Mean = ms(total.mean())
	if ops := total.n + res.Errors; ops > 0 {
		if selfOK {
			res.ClientCPUPerRequest = float64(selfTo-selfFrom) / float64(time.Microsecond) / float64(ops)
		}
		if cfg.serverPID > 0 && serverErr == nil {
			res.ServerCPUPerRequest = float64(serverTo-serverFrom) / float64(time.Microsecond) / float64(ops)
		}
	}
	return res, nil
}

func sleepUntil(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// phaseResult is one target's run in one round.
type phaseResult struct {
	Target          string  `json:"target"`
	Round           int     `json:"round"`
	Concurrency     int     `json:"concurrency"`
	DurationSeconds float64 `json:"duration_seconds"`
	Requests        uint64  `json:"requests"` // successful, completed in the measured window
	Errors          uint64  `json:"errors"`
	RPS             float64 `json:"requests_per_second"`
	P50             float64 `json:"p50_ms"`
	P90             float64 `json:"p90_ms"`
	P99             float64 `json:"p99_ms"`
	Max             float64 `json:"max_ms"`
	Mean            float64 `json:"mean_ms"`
	// CPU time per operation, in microseconds, over the measured window:
	// this process's, and the server's when --server-pid is given.
	ClientCPUPerRequest float64 `json:"client_cpu_us_per_request,omitempty"`
	ServerCPUPerRequest float64 `json:"server_cpu_us_per_request,omitempty"`
	FirstError          string  `json:"first_error,omitempty"`
	// Unit is what one operation is: "req", or "pairs" (a checkout and its
	// check-in) for the checkout targets.
	Unit string `json:"unit"`
	// The server's resident memory (VmRSS) and its peak (VmHWM) right after
	// the phase, in MiB, with --server-pid.
	ServerRSSMiB float64 `json:"server_rss_mib,omitempty"`
	ServerHWMMiB float64 `json:"server_hwm_mib,omitempty"`
	// SignedInWindow counts requests a pre-signing target had to sign inside
	// the phase because its pre-signed ones ran out.
	SignedInWindow int64 `json:"signed_in_window,omitempty"`
}

func (r phaseResult) line(rounds int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s", r.Target)
	if rounds > 1 {
		fmt.Fprintf(&b, " round %d/%d", r.Round, rounds)
	}
	unit := r.Unit
	if unit == "" {
		unit = "req"
	}
	fmt.Fprintf(&b, ": %d conns, %.0f s: %.0f %s/s, p50 %s ms, p90 %s ms, p99 %s ms, max %s ms, errors %d",
		r.Concurrency, r.DurationSeconds, r.RPS, unit, fmtMS(r.P50), fmtMS(r.P90), fmtMS(r.P99), fmtMS(r.Max), r.Errors)
	if r.ClientCPUPerRequest > 0 || r.ServerCPUPerRequest > 0 {
		fmt.Fprintf(&b, " (CPU per %s: client %.0f µs", strings.TrimSuffix(unit, "s"), r.ClientCPUPerRequest)
		if r.ServerCPUPerRequest > 0 {
			fmt.Fprintf(&b, ", server %.0f µs", r.ServerCPUPerRequest)
		}
		b.WriteString(")")
	}
	if r.ServerRSSMiB > 0 {
		fmt.Fprintf(&b, " server RSS %.0f MiB (peak %.0f)", r.ServerRSSMiB, r.ServerHWMMiB)
	}
	if r.SignedInWindow > 0 {
		fmt.Fprintf(&b, " [%d signed in the window]", r.SignedInWindow)
	}
	return b.String()
}

func fmtMS(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// report is the --json output.
type report struct {
	Machine         machineInfo   `json:"machine"`
	Concurrency     int           `json:"concurrency"`
	DurationSeconds float64       `json:"duration_seconds"`
	WarmupSeconds   float64       `json:"warmup_seconds"`
	Rounds          int           `json:"rounds"`
	PreSigned       bool          `json:"pre_signed"`
	Phases          []phaseResult `json:"phases"`
	Summary         summary       `json:"summary"`
}

type machineInfo struct {
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
}

func machine() machineInfo {
	return machineInfo{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
}

// summary gives each target's medians over the rounds and, for every target
// after the first, its throughput as a share of the first's.
type summary struct {
	Targets []targetSummary `json:"targets"`
	Ratios  []ratioSummary  `json:"ratios,omitempty"`
}

type targetSummary struct {
	Target    string  `json:"target"`
	Rounds    int     `json:"rounds"`
	MedianRPS float64 `json:"median_requests_per_second"`
	MedianP50 float64 `json:"median_p50_ms"`
	MedianP90 float64 `json:"median_p90_ms"`
	MedianP99 float64 `json:"median_p99_ms"`
	Errors    uint64  `json:"errors"`
	// Medians of the CPU time per request, in microseconds (0 when unknown).
	MedianClientCPU float64 `json:"median_client_cpu_us_per_request,omitempty"`
	MedianServerCPU float64 `json:"median_server_cpu_us_per_request,omitempty"`
}

// ratioSummary is Target's requests/s over Baseline's, per round (both
// measured in that round, back to back) and the median of those.
type ratioSummary struct {
	Target   string    `json:"target"`
	Baseline string    `json:"baseline"`
	PerRound []float64 `json:"per_round"`
	Median   float64   `json:"median"`
}

func summarize(cfg *config, results []phaseResult) summary {
	var s summary
	byTarget := map[string][]phaseResult{}
	for _, r := range results {
		byTarget[r.Target] = append(byTarget[r.Target], r)
	}
	for _, name := range cfg.targets {
		rs := byTarget[name]
		ts := targetSummary{Target: name, Rounds: len(rs)}
		var rps, p50, p90, p99, client, server []float64
		for _, r := range rs {
			rps, p50, p90, p99 = append(rps, r.RPS), append(p50, r.P50), append(p90, r.P90), append(p99, r.P99)
			client, server = append(client, r.ClientCPUPerRequest), append(server, r.ServerCPUPerRequest)
			ts.Errors += r.Errors
		}
		ts.MedianRPS, ts.MedianP50, ts.MedianP90, ts.MedianP99 = median(rps), median(p50), median(p90), median(p99)
		ts.MedianClientCPU, ts.MedianServerCPU = median(client), median(server)
		s.Targets = append(s.Targets, ts)
	}
	base := cfg.targets[0]
	for _, name := range cfg.targets[1:] {
		rs := ratioSummary{Target: name, Baseline: base}
		for i, r := range byTarget[name] {
			if b := byTarget[base][i]; b.RPS > 0 {
				rs.PerRound = append(rs.PerRound, r.RPS/b.RPS)
			}
		}
		rs.Median = median(rs.PerRound)
		s.Ratios = append(s.Ratios, rs)
	}
	return s
}

func (s summary) lines() []string {
	var out []string
	for _, t := range s.Targets {
		unit := "req"
		if info, ok := targets[t.Target]; ok && info.unit != "" {
			unit = info.unit
		}
		line := fmt.Sprintf("%-8s median of %d: %.0f %s/s, p50 %s ms, p90 %s ms, p99 %s ms, errors %d",
			t.Target, t.Rounds, t.MedianRPS, unit, fmtMS(t.MedianP50), fmtMS(t.MedianP90), fmtMS(t.MedianP99), t.Errors)
		if t.MedianClientCPU > 0 {
			line += fmt.Sprintf(" (CPU per %s: client %.0f µs", strings.TrimSuffix(unit, "s"), t.MedianClientCPU)
			if t.MedianServerCPU > 0 {
				line += fmt.Sprintf(", server %.0f µs", t.MedianServerCPU)
			}
			line += ")"
		}
		out = append(out, line)
	}
	for _, r := range s.Ratios {
		per := make([]string, len(r.PerRound))
		for i, v := range r.PerRound {
			per[i] = fmt.Sprintf("%.1f%%", 100*v)
		}
		out = append(out, fmt.Sprintf("ratio %s/%s: %.1f%% (median of per-round ratios: %s)",
			r.Target, r.Baseline, 100*r.Median, strings.Join(per, ", ")))
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

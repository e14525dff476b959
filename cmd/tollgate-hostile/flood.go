package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/procmem"
	"github.com/tollgate/tollgate/internal/toolmain"
)

// maxBody is the largest body the server accepts.
const maxBody = awsapi.MaxBodyBytes

// bigBody is an unsigned request with a body of size bytes: a Query form
// or, with json, a License Manager JSON 1.1 call.
func bigBody(host string, size int, json bool) []byte {
	if json {
		body := append([]byte(`{"NextToken":"`), bytes.Repeat([]byte("a"), size-len(`{"NextToken":""}`))...)
		body = append(body, `"}`...)
		return newRaw("POST", "/", body, lmTarget+"ListLicenses", jsonType).bytes(host)
	}
	body := append([]byte(stsForm+"&x="), bytes.Repeat([]byte("a"), size-len(stsForm+"&x="))...)
	return newRaw("POST", "/", body, formType).bytes(host)
}

// floodResult is what the flood of bodies got back.
type floodResult struct {
	answers []*answer
	errs    []error
	peak    int64 // the most RSS seen while it ran (0 without a pid)
}

// sendBodies sends n maximum-size unsigned bodies at once, half of them
// JSON when mixed, sampling the server's RSS while they run.
func sendBodies(ctx context.Context, host string, n, size int, mixed bool, pid int, timeout time.Duration) floodResult {
	s := &suite{cfg: config{timeout: timeout}, addr: host}
	var res floodResult
	var mu sync.Mutex
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() { // sample RSS: VmHWM is the process's lifetime peak
		defer close(sampled)
		for pid != 0 {
			if m, err := procmem.Read(pid); err == nil {
				mu.Lock()
				res.peak = max(res.peak, m.RSS)
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	raws := [2][]byte{bigBody(host, size, false), bigBody(host, size, true)}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		raw := raws[0]
		if mixed && i%2 == 1 {
			raw = raws[1]
		}
		wg.Go(func() {
			<-start
			if ctx.Err() != nil {
				return
			}
			a, err := s.exchange(raw, false, http.MethodPost)
			mu.Lock()
			if err != nil {
				res.errs = append(res.errs, err)
			} else {
				res.answers = append(res.answers, a)
			}
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	close(stop)
	<-sampled
	return res
}

// bodyFlood sends concurrent maximum-size unsigned bodies: refused from
// their headers in strict mode, read within the body budget (and answered,
// or told to slow down) in emulator mode.
func (s *suite) bodyFlood(ctx context.Context) error {
	before := s.rss()
	res := sendBodies(ctx, s.addr, s.cfg.bodies, maxBody, true, s.cfg.serverPID, s.cfg.timeout)
	for _, err := range res.errs {
		s.failf("a maximum-size body: %v", err)
	}
	statuses := map[int]int{}
	for _, a := range res.answers {
		statuses[a.status]++
		s.check("a maximum-size body", a, nil, expectation{format: anyFormat})
	}
	if s.cfg.mode == "strict" && statuses[http.StatusForbidden] != s.cfg.bodies {
		s.failf("strict mode: unsigned maximum-size bodies answered %v, want all 403", statuses)
	}
	s.logf("   answers by status: %v", statuses)
	if s.cfg.serverPID != 0 {
		s.logf("   server RSS %s before, %s at most while they ran", mib(before.RSS), mib(res.peak))
	}
	return nil
}

// bodiesConfig is the bodies command's command line.
type bodiesConfig struct {
	endpoint    *url.URL
	serverPID   int
	concurrency int
	size        int
	mixed       bool
	timeout     time.Duration
}

func parseBodiesFlags(args []string, stderr io.Writer) (bodiesConfig, error) {
	fs := flag.NewFlagSet("tollgate-hostile bodies", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `tollgate-hostile bodies: send --concurrency unsigned request bodies of --size
bytes at once and report the server's resident memory before, at its peak
while they run (sampled every 5 ms, and the kernel's VmHWM), and after.

Flags:
`)
		fs.PrintDefaults()
	}
	var c bodiesConfig
	endpoint := fs.String("endpoint", "http://127.0.0.1:7070", "base URL of the server")
	fs.IntVar(&c.serverPID, "server-pid", 0, "the server's process ID (required: its memory is the measurement)")
	fs.IntVar(&c.concurrency, "concurrency", 64, "bodies sent at once")
	fs.IntVar(&c.size, "size", maxBody, "bytes in each body")
	fs.BoolVar(&c.mixed, "mixed", false, "make half of them License Manager JSON calls instead of STS forms")
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "how long one request may take")
	if err := toolmain.Parse(fs, args); err != nil {
		return c, err
	}
	u, err := url.Parse(*endpoint)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return c, usagef("--endpoint must be an http:// URL, not %q", *endpoint)
	}
	c.endpoint = u
	if c.serverPID == 0 {
		return c, usagef("--server-pid is required")
	}
	if c.size < 64 || c.concurrency < 1 {
		return c, usagef("--size must be at least 64 and --concurrency at least 1")
	}
	return c, nil
}

// measureBodies is the bodies command.
func measureBodies(ctx context.Context, c bodiesConfig, out io.Writer) error {
	if err := raiseFileLimit(c.concurrency + 100); err != nil {
		return err
	}
	before, err := procmem.Read(c.serverPID)
	if err != nil {
		return err
	}
	start := time.Now()
	res := sendBodies(ctx, c.endpoint.Host, c.concurrency, c.size, c.mixed, c.serverPID, c.timeout)
	elapsed := time.Since(start)
	time.Sleep(2 * time.Second) // let the garbage collector catch up
	after, err := procmem.Read(c.serverPID)
	if err != nil {
		return err
	}
	statuses := map[int]int{}
	for _, a := range res.answers {
		statuses[a.status]++
	}
	fmt.Fprintf(out, "%d concurrent unsigned bodies of %d bytes in %s: answers %v, %d without an answer\n",
		c.concurrency, c.size, elapsed.Round(time.Millisecond), statuses, len(res.errs))
	for i, err := range res.errs {
		if i == 3 {
			break
		}
		fmt.Fprintf(out, "  no answer: %v\n", err)
	}
	fmt.Fprintf(out, "server RSS: before %s, at most %s while they ran (VmHWM %s), %s two seconds after\n",
		mib(before.RSS), mib(res.peak), mib(after.Peak), mib(after.RSS))
	return nil
}

// realClients calls the server as real clients do until stop closes, and
// counts what they got.
type realClients struct {
	ok, failed atomic.Int64
	slowest    atomic.Int64 // nanoseconds
	firstErr   atomic.Value
}

func (rc *realClients) record(start time.Time, err error) {
	d := int64(time.Since(start))
	for {
		cur := rc.slowest.Load()
		if d <= cur || rc.slowest.CompareAndSwap(cur, d) {
			break
		}
	}
	if err != nil {
		rc.failed.Add(1)
		rc.firstErr.CompareAndSwap(nil, err.Error())
		return
	}
	rc.ok.Add(1)
}

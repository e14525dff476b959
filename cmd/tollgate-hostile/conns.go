package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tollgate/tollgate/internal/demo"
)

// connections holds slow-header and idle connections by the thousand
// while real clients, an SDK calling GetCallerIdentity and a monitor
// calling /healthz, keep calling; every real call must succeed.
func (s *suite) connections(ctx context.Context) error {
	rc := &realClients{}
	stop := make(chan struct{})
	var clients sync.WaitGroup
	clients.Go(func() { s.callSTS(ctx, rc, stop) })
	clients.Go(func() { s.callHealthz(ctx, rc, stop) })

	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	slow, err := s.openSlow(ctx, s.cfg.slow)
	held = append(held, slow...)
	if err != nil {
		close(stop)
		clients.Wait()
		return err
	}
	start := time.Now()
	idle := s.openIdle(ctx, s.cfg.idle)
	held = append(held, idle...)
	s.logf("   %d slow-header and %d idle connections opened in %s", len(slow), len(idle), time.Since(start).Round(time.Millisecond))

	select { // real clients carry on beside them a while longer
	case <-time.After(2 * time.Second):
	case <-ctx.Done():
	}
	close(stop)
	clients.Wait()
	s.logf("   real clients: %d calls answered, %d failed, slowest %s", rc.ok.Load(), rc.failed.Load(),
		time.Duration(rc.slowest.Load()).Round(time.Millisecond))
	if rc.failed.Load() > 0 {
		s.failf("%d real calls failed under the flood of connections; the first: %v", rc.failed.Load(), rc.firstErr.Load())
	}
	if rc.ok.Load() < 10 {
		s.failf("only %d real calls answered under the flood of connections", rc.ok.Load())
	}
	s.logf("   the server keeps %d of the %d idle and %d of the %d slow-header connections open", stillOpen(idle), len(idle), stillOpen(slow), len(slow))
	return nil
}

// callSTS calls GetCallerIdentity with a stock SDK client (standard
// retries, as real clients run) until stop closes.
func (s *suite) callSTS(ctx context.Context, rc *realClients, stop <-chan struct{}) {
	buyer := demo.Parties().Buyer
	client := sts.New(sts.Options{Region: region, BaseEndpoint: aws.String(s.cfg.endpoint.String()),
		Credentials: credentials.NewStaticCredentialsProvider(buyer.Key.ID, buyer.Key.Secret, "")})
	for !stopped(stop) {
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		out, err := client.GetCallerIdentity(cctx, &sts.GetCallerIdentityInput{})
		cancel()
		if err == nil && aws.ToString(out.Account) != buyer.Account.ID {
			err = errors.New("GetCallerIdentity answered for account " + aws.ToString(out.Account))
		}
		rc.record(start, err)
		time.Sleep(20 * time.Millisecond)
	}
}

// callHealthz gets /healthz as a monitor does, until stop closes.
func (s *suite) callHealthz(ctx context.Context, rc *realClients, stop <-chan struct{}) {
	client := &http.Client{Timeout: 15 * time.Second}
	for !stopped(stop) {
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.endpoint.String()+"/healthz", nil)
		resp, err := client.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = errors.New("/healthz answered " + resp.Status)
			}
		}
		rc.record(start, err)
		time.Sleep(20 * time.Millisecond)
	}
}

func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// openSlow opens n connections that send half of their headers, then
// nothing.
func (s *suite) openSlow(ctx context.Context, n int) ([]net.Conn, error) {
	conns := make([]net.Conn, 0, n)
	for range n {
		if ctx.Err() != nil {
			break
		}
		c, err := net.DialTimeout("tcp", s.addr, s.cfg.timeout)
		if err != nil {
			return conns, err
		}
		conns = append(conns, c)
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: "+s.addr+"\r\nX-Slow: "); err != nil {
			return conns, err
		}
	}
	return conns, nil
}

// openIdle opens n connections, 32 at a time, each of which gets /healthz
// once, must be answered, and then stays open and silent, as an idle
// keep-alive connection does.
func (s *suite) openIdle(ctx context.Context, n int) []net.Conn {
	var mu sync.Mutex
	conns := make([]net.Conn, 0, n)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				c, err := s.idleConn()
				if err != nil {
					if failed.Add(1) <= 5 {
						s.failf("an idle connection's first request: %v", err)
					}
					continue
				}
				s.counted(http.StatusOK)
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f > 5 {
		s.failf("%d idle connections' first requests failed in all", f)
	}
	return conns
}

func (s *suite) idleConn() (net.Conn, error) {
	c, err := net.DialTimeout("tcp", s.addr, s.cfg.timeout)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(s.cfg.timeout))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: "+s.addr+"\r\n\r\n"); err != nil {
		c.Close()
		return nil, err
	}
	a, err := readAnswer(bufio.NewReader(c), http.MethodGet)
	if err == nil {
		err = verify(a, expectation{format: ownJSON, status: http.StatusOK})
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// stillOpen counts the connections the server has not closed: a read
// that times out finds one open, one that ends finds it closed.
func stillOpen(conns []net.Conn) int {
	var open atomic.Int64
	var wg sync.WaitGroup
	for part := range slices.Chunk(conns, max(1, len(conns)/32+1)) {
		wg.Go(func() {
			one := make([]byte, 1)
			for _, c := range part {
				c.SetReadDeadline(time.Now().Add(time.Millisecond))
				if _, err := c.Read(one); errors.Is(err, os.ErrDeadlineExceeded) {
					open.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(open.Load())
}

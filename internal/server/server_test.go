package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/awsapi/sts"
	"github.com/tollgate/tollgate/internal/logtest"
	"github.com/tollgate/tollgate/internal/server"
)

// panicAuth panics while authenticating, outside any operation.
type panicAuth struct{}

func (panicAuth) Identify(context.Context, *http.Request) (awsapi.Identity, error) {
	panic("authenticator bug")
}

// panicObserver panics after the response is written.
type panicObserver struct{}

func (panicObserver) ObserveAWS(string, string, string, time.Duration) { panic("observer bug") }

type okAuth struct{}

func (okAuth) Identify(context.Context, *http.Request) (awsapi.Identity, error) {
	return awsapi.Identity{Region: "us-east-1"}, nil
}

func jsonService() *awsapi.Service {
	return &awsapi.Service{Protocol: awsapi.JSON11, SigningName: "fake", TargetPrefix: "Fake",
		Operations: map[string]awsapi.Handler{"Op": func(context.Context, *awsapi.Call) (any, error) { return nil, nil }}}
}

// TestRecoverMiddleware: a panic that nothing nearer catches is answered 500
// in the request's protocol's format, logged in one line, and the
// connection survives; a panic after the answer went out leaves the answer
// whole.
func TestRecoverMiddleware(t *testing.T) {
	newServer := func(auth awsapi.Authenticator, obs awsapi.Observer) (*httptest.Server, *logtest.Buffer) {
		logs := &logtest.Buffer{}
		log := slog.New(slog.NewJSONHandler(logs, nil))
		h := server.Handler(server.Options{Log: log, Metrics: server.NewMetrics(),
			AWS:    awsapi.NewRouter(auth, log, obs, sts.Service(nil), jsonService()),
			Health: func(context.Context) error { panic("health bug") }})
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv, logs
	}
	tests := []struct {
		name     string
		auth     awsapi.Authenticator
		obs      awsapi.Observer
		req      func(url string) *http.Request
		status   int
		wantBody func(t *testing.T, body []byte)
	}{
		{"JSON request", panicAuth{}, nil, func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader("{}"))
			r.Header.Set("X-Amz-Target", "Fake.Op")
			return r
		}, 500, func(t *testing.T, body []byte) {
			var fields map[string]string
			if err := json.Unmarshal(body, &fields); err != nil || fields["__type"] != "InternalFailure" {
				t.Errorf("not a JSON 1.1 internal error: %s", body)
			}
		}},
		{"Query request", panicAuth{}, nil, func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 500, func(t *testing.T, body []byte) {
			var e struct {
				XMLName xml.Name `xml:"ErrorResponse"`
				Code    string   `xml:"Error>Code"`
			}
			if err := xml.Unmarshal(body, &e); err != nil || e.Code != "InternalFailure" {
				t.Errorf("not a Query internal error: %s", body)
			}
		}},
		{"health", okAuth{}, nil, func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodGet, url+"/healthz", nil)
			return r
		}, 500, func(t *testing.T, body []byte) {
			var fields map[string]string
			if err := json.Unmarshal(body, &fields); err != nil || fields["message"] != "internal error" {
				t.Errorf("not a JSON internal error: %s", body)
			}
		}},
		{"after the answer", okAuth{}, panicObserver{}, func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader("{}"))
			r.Header.Set("X-Amz-Target", "Fake.Op")
			return r
		}, 200, func(t *testing.T, body []byte) {
			if string(body) != "{}" {
				t.Errorf("body %q", body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, logs := newServer(tt.auth, tt.obs)
			client := srv.Client()
			for i := range 2 { // the second request reuses the connection
				resp, err := client.Do(tt.req(srv.URL))
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatalf("request %d: reading the answer: %v", i, err)
				}
				if resp.StatusCode != tt.status {
					t.Errorf("HTTP %d, want %d: %s", resp.StatusCode, tt.status, body)
				}
				if resp.Header.Get("X-Amzn-Requestid") == "" {
					t.Errorf("no request ID")
				}
				tt.wantBody(t, body)
			}
			lines := logs.Lines()
			if len(lines) != 2 || !strings.Contains(lines[0], `"msg":"panic serving a request"`) || !strings.Contains(lines[0], `"at":"`) {
				t.Errorf("want one log line per panic, got:\n%s", strings.Join(lines, "\n"))
			}
		})
	}
}

// idleConn opens a connection, gets /healthz on it, and leaves it open.
func idleConn(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: tollgate\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("an idle connection's first request: %v", err)
	}
	resp.Body.Close()
	return c
}

// serveLimited serves a /healthz handler with a limit of max connections.
func serveLimited(t *testing.T, max int, readHeader time.Duration) (string, *server.Metrics) {
	t.Helper()
	return serveWith(t, server.ServeOptions{MaxConnections: max, ReadHeaderTimeout: readHeader})
}

// serveWith serves a /healthz handler with the given options.
func serveWith(t *testing.T, o server.ServeOptions) (string, *server.Metrics) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := server.NewMetrics()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		o.Log, o.Metrics, o.ShutdownGrace = slog.New(slog.NewTextHandler(io.Discard, nil)), m, time.Second
		done <- server.ServeWith(ctx, ln, mux, o)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("ServeWith: %v", err)
		}
	})
	return ln.Addr().String(), m
}

// gauge reads one of the server's unlabelled metrics.
func gauge(t *testing.T, m *server.Metrics, name string) float64 {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			mt := f.GetMetric()[0]
			if mt.GetGauge() != nil {
				return mt.GetGauge().GetValue()
			}
			return mt.GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// healthzWithin gets /healthz on a new connection and fails unless it
// answers within d.
func healthzWithin(t *testing.T, addr string, d time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: d, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("/healthz did not answer within %s: %v", d, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: HTTP %d", resp.StatusCode)
	}
	t.Logf("/healthz answered in %s", time.Since(start).Round(time.Millisecond))
}

// TestConnectionLimitIdle: ten times as many idle keep-alive connections as
// the limit never hold more than the limit open, and /healthz keeps
// answering at once: the longest idle make room.
func TestConnectionLimitIdle(t *testing.T) {
	const max = 50
	addr, m := serveLimited(t, max, 0)
	for range 10 * max {
		idleConn(t, addr)
		if open := gauge(t, m, "tollgate_http_connections_open"); open > max {
			t.Fatalf("%v connections open, limit %d", open, max)
		}
	}
	healthzWithin(t, addr, 2*time.Second)
	if got := gauge(t, m, "tollgate_http_connections_reclaimed_total"); got < 9*max {
		t.Errorf("%v connections reclaimed, want at least %d", got, 9*max)
	}
}

// TestConnectionLimitSilent: connections that never send a byte are closed
// to make room once they have been silent a moment.
func TestConnectionLimitSilent(t *testing.T) {
	const max = 50
	addr, m := serveLimited(t, max, 0)
	for range 10 * max {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	healthzWithin(t, addr, 5*time.Second)
	if open := gauge(t, m, "tollgate_http_connections_open"); open > max {
		t.Errorf("%v connections open, limit %d", open, max)
	}
}

// TestConnectionLimitSlowHeaders: connections stuck in the middle of their
// headers (slowloris) have not begun a request as far as the server is
// concerned, so they make room as silent ones do, well before the header
// timeout would close them.
func TestConnectionLimitSlowHeaders(t *testing.T) {
	const max = 20
	addr, _ := serveLimited(t, max, time.Minute)
	for range 5 * max {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: tollg"); err != nil {
			t.Fatal(err)
		}
	}
	healthzWithin(t, addr, 5*time.Second)
}

// TestTimeouts: an idle keep-alive connection is closed after the idle
// timeout, and a connection that sends nothing after the header timeout.
func TestTimeouts(t *testing.T) {
	addr, m := serveWith(t, server.ServeOptions{IdleTimeout: 200 * time.Millisecond, ReadHeaderTimeout: 300 * time.Millisecond})
	idle := idleConn(t, addr)
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	for name, c := range map[string]net.Conn{"idle": idle, "silent": silent} {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("%s connection: read %d bytes, %v; want it closed by the server", name, n, err)
		}
	}
	// The server counts a connection closed just after closing it.
	deadline := time.Now().Add(5 * time.Second)
	for gauge(t, m, "tollgate_http_connections_open") != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%v connections still counted open", gauge(t, m, "tollgate_http_connections_open"))
		}
		time.Sleep(time.Millisecond)
	}
}

// TestRouteLabels: every request under /v1/ counts under one route label,
// and every console page under another, whatever their paths, so that
// clients cannot grow the label set; and a native API request that carries
// a SigV4 signature goes to the native API, not to the AWS router.
func TestRouteLabels(t *testing.T) {
	m := server.NewMetrics()
	native := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	console := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	h := server.Handler(server.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: m,
		AWS: awsapi.NewRouter(okAuth{}, slog.Default(), nil, sts.Service(nil)), Native: native, Console: console,
		Health: func(context.Context) error { return nil }})
	for _, path := range []string{"/console/products/x-" + strings.Repeat("y", 40), "/purchase/abcdefgh"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusAccepted {
			t.Errorf("%s went elsewhere than the console: %d", path, w.Code)
		}
	}
	for _, path := range []string{"/v1/products/prod-1", "/v1/whatever-" + strings.Repeat("x", 50)} {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/tollgate/aws4_request, SignedHeaders=host, Signature=00")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusTeapot {
			t.Errorf("%s went elsewhere than the native API: %d", path, w.Code)
		}
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "tollgate_http_requests_total" {
			continue
		}
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "route" {
					counts[l.GetValue()] += metric.GetCounter().GetValue()
				}
			}
		}
	}
	if want := map[string]float64{"native": 2, "console": 2}; !maps.Equal(counts, want) {
		t.Errorf("requests by route label %v, want %v", counts, want)
	}
}

// TestUncleanPaths: a path not in canonical form gets the JSON 404, or the
// AWS router for an AWS request, never http.ServeMux's HTML redirect (the
// hostile suite's seed 1796100720959376725 found "//Action=...").
func TestUncleanPaths(t *testing.T) {
	h := server.Handler(server.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: server.NewMetrics(),
		AWS: awsapi.NewRouter(okAuth{}, slog.Default(), nil, sts.Service(nil)), Health: func(context.Context) error { return nil }})
	for _, target := range []string{"//Action=GetCallerIdentity", "/a/../healthz", "/./metrics", "//?Action=GetCallerIdentity&Version=2011-06-15"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		if w.Code >= 300 && w.Code < 400 || strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: %d %s, want an answer in a format the server speaks", target, w.Code, w.Header().Get("Content-Type"))
		}
	}
}

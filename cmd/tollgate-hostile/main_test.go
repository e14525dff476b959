package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/store"
)

// serveApp serves an in-process Tollgate with the demo world, a small
// connection limit, and its log in a file.
func serveApp(t *testing.T, mode string) (endpoint, logFile string) {
	t.Helper()
	logFile = filepath.Join(t.TempDir(), "server.log")
	f, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	a, err := app.Open(context.Background(), app.Config{
		Store: store.Config{DataDir: t.TempDir()}, Demo: true, Auth: mode,
		Log:            slog.New(slog.NewJSONHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug})),
		MaxConnections: 200, ShutdownGrace: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return "http://" + ln.Addr().String(), logFile
}

// TestSuite runs the suite, scaled down, against an in-process server in
// both modes: every check it makes must hold.
func TestSuite(t *testing.T) {
	for _, mode := range []string{app.AuthStrict, app.AuthEmulator} {
		t.Run(mode, func(t *testing.T) {
			endpoint, logFile := serveApp(t, mode)
			var out bytes.Buffer
			err := run(context.Background(), []string{"--endpoint", endpoint, "--mode", mode, "--server-log", logFile,
				"--seed", "7", "--idle", "600", "--slow", "50", "--random", "200", "--bodies", "6"}, &out, &out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for _, want := range []string{"seed 7 (replay with --seed 7", "600 idle connections opened", "all checks passed"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("the report lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

// TestSuiteCatchesFailures: an answer that is a server error, or in the
// wrong format, or cut short, fails the check.
func TestSuiteCatchesFailures(t *testing.T) {
	json := func(status int, body string) *answer {
		return &answer{status: status, header: map[string][]string{"Content-Type": {"application/x-amz-json-1.1"},
			"X-Amzn-Requestid": {"r"}, "X-Amzn-Errortype": {"ValidationException"}}, body: []byte(body)}
	}
	tests := []struct {
		name string
		a    *answer
		want expectation
	}{
		{"a 500", json(500, `{"__type":"InternalFailure","message":"x"}`), expectation{format: awsJSON}},
		{"a 503 the protocol does not call for", json(503, `{"__type":"ServiceUnavailableException","message":"x"}`), expectation{protocol5xx: anyProtocol5xx}},
		{"XML where JSON is due", &answer{status: 400, header: map[string][]string{"Content-Type": {"text/xml"}}, body: []byte("<a/>")}, expectation{format: awsJSON}},
		{"JSON that is not JSON", json(400, `{"__type":"ValidationException"`), expectation{format: awsJSON}},
		{"an error without a message", json(400, `{"__type":"ValidationException"}`), expectation{}},
		{"an error type header that disagrees", json(400, `{"__type":"Other","message":"m"}`), expectation{}},
		{"XML of two roots", &answer{status: 400, header: map[string][]string{"Content-Type": {"text/xml"}, "X-Amzn-Requestid": {"r"}}, body: []byte("<a/><b/>")}, expectation{}},
		{"an XML error without a code", &answer{status: 400, header: map[string][]string{"Content-Type": {"text/xml"}, "X-Amzn-Requestid": {"r"}}, body: []byte("<ErrorResponse/>")}, expectation{}},
		{"an unknown content type", &answer{status: 200, header: map[string][]string{"Content-Type": {"text/html"}}, body: []byte("<p>")}, expectation{}},
		{"the wrong status", json(400, `{"__type":"ValidationException","message":"m"}`), expectation{status: 403}},
	}
	for _, tt := range tests {
		if err := verify(tt.a, tt.want); err == nil {
			t.Errorf("%s: passed", tt.name)
		}
	}
	s := &suite{cfg: config{timeout: time.Second}, answers: map[int]int{}, out: &bytes.Buffer{}}
	s.check("no answer", nil, errors.New("no answer: EOF"), expectation{})
	if len(s.failures) != 1 {
		t.Errorf("an exchange without an answer did not fail the run")
	}
}

// TestSeed: the seed comes from --seed or TOLLGATE_TEST_SEED, and the same
// seed gives the same mutations.
func TestSeed(t *testing.T) {
	cfg, err := parseFlags([]string{"--seed", "42"}, &bytes.Buffer{})
	if err != nil || cfg.seed != 42 {
		t.Fatalf("seed %d, %v", cfg.seed, err)
	}
	t.Setenv("TOLLGATE_TEST_SEED", strconv.Itoa(43))
	if cfg, err := parseFlags(nil, &bytes.Buffer{}); err != nil || cfg.seed != 43 {
		t.Fatalf("seed from the environment: %d, %v", cfg.seed, err)
	}
	req := newRaw("POST", "/", []byte(stsForm), formType).bytes("h")
	a, b := rand.New(rand.NewPCG(42, 1)), rand.New(rand.NewPCG(42, 1))
	for range 100 {
		ma, wa := mutate(a, req)
		mb, wb := mutate(b, req)
		if !bytes.Equal(ma, mb) || wa != wb {
			t.Fatalf("the same seed mutated differently: %s / %s", wa, wb)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/testrand"
	"github.com/tollgate/tollgate/internal/toolmain"
)

// demoServer starts an in-process Tollgate with the demo world.
func demoServer(t *testing.T) *httptest.Server {
	t.Helper()
	a, err := app.Open(context.Background(), app.Config{
		Store: store.Config{DataDir: t.TempDir()},
		Demo:  true,
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return srv
}

func TestBothTargetsJSON(t *testing.T) {
	srv := demoServer(t)
	buyer := demo.Parties().Buyer.Key
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--endpoint", srv.URL, "--targets", "healthz,sts", "--rounds", "2",
		"--concurrency", "4", "--duration", "300ms", "--warmup", "50ms", "--presign", "8",
		"--access-key", buyer.ID, "--secret-key", buyer.Secret, "--server-pid", "0", "--json"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout.String())
	}
	if len(rep.Phases) != 4 {
		t.Fatalf("got %d phases, want 4 (2 rounds x 2 targets)", len(rep.Phases))
	}
	for _, p := range rep.Phases {
		if p.Requests == 0 || p.Errors != 0 || p.RPS <= 0 {
			t.Errorf("%s round %d: %d requests, %d errors (%s), %.0f req/s", p.Target, p.Round, p.Requests, p.Errors, p.FirstError, p.RPS)
		}
		if !(p.P50 > 0 && p.P50 <= p.P90 && p.P90 <= p.P99 && p.P99 <= p.Max) {
			t.Errorf("%s: quantiles out of order: p50 %v p90 %v p99 %v max %v", p.Target, p.P50, p.P90, p.P99, p.Max)
		}
	}
	if len(rep.Summary.Ratios) != 1 || len(rep.Summary.Ratios[0].PerRound) != 2 || rep.Summary.Ratios[0].Median <= 0 {
		t.Errorf("ratios: %+v", rep.Summary.Ratios)
	}
	for _, want := range []string{"healthz  round 1/2:", "sts      round 2/2:", "ratio sts/healthz:"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestSignPerRequest(t *testing.T) {
	srv := demoServer(t)
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"--endpoint", srv.URL, "--target", "sts", "--demo-keys", "--sign-per-request",
		"--concurrency", "2", "--duration", "200ms", "--warmup", "0s"}, &stdout, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout.String(), "sts     : 2 conns") || !strings.Contains(stdout.String(), "errors 0") {
		t.Errorf("output: %s", stdout.String())
	}
}

func TestWrongSecretFailsBeforeMeasuring(t *testing.T) {
	srv := demoServer(t)
	start := time.Now()
	err := run(context.Background(), []string{"--endpoint", srv.URL, "--target", "sts", "--duration", "1m",
		"--access-key", demo.Parties().Buyer.Key.ID, "--secret-key", "wrong"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Fatalf("err = %v, want the server's SignatureDoesNotMatch", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("took %v: the check should fail before the phase", time.Since(start))
	}
}

func TestWrkLua(t *testing.T) {
	srv := demoServer(t)
	file := filepath.Join(t.TempDir(), "sts.lua")
	if err := run(context.Background(), []string{"--endpoint", srv.URL, "--target", "sts", "--demo-keys", "--wrk-lua", file}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lua := string(raw)
	for _, want := range []string{`wrk.method = "POST"`, `wrk.path = "/"`, `wrk.body = "Action=GetCallerIdentity&Version=2011-06-15"`,
		`wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIATOLLGATEBUYER001/`, `wrk.headers["X-Amz-Date"]`} {
		if !strings.Contains(lua, want) {
			t.Errorf("script lacks %q:\n%s", want, lua)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--target", "nope"},
		{"--target", "sts"}, // no keys
		{"--concurrency", "0"},
		{"--duration", "20m"}, // longer than a signature lives
		{"--endpoint", "127.0.0.1:7070"},
		{"--targets", "healthz,sts", "--demo-keys", "--wrk-lua", "x.lua"},
	} {
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		err := run(context.Background(), args, io.Discard, io.Discard)
		if code := toolmain.Report("tollgate-load", err, io.Discard); code != 2 {
			t.Errorf("%q: err = %v, exit code %d, want a usage error (2)", args, err, code)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	var all []time.Duration
	r := testrand.New(t)
	for range 100_000 {
		// Log-uniform from 1 µs to 1 s, like latencies.
		d := time.Duration(float64(time.Microsecond) * math.Pow(10, r.Float64()*6))
		h.record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
		want := all[int(q*float64(len(all)))-1]
		got := h.quantile(q)
		if diff := float64(got-want) / float64(want); diff < -0.01 || diff > 0.01 {
			t.Errorf("q%v: got %v, want %v (within 1%%)", q, got, want)
		}
	}
	if h.max != all[len(all)-1] {
		t.Errorf("max %v, want %v", h.max, all[len(all)-1])
	}
}

func TestHistogramBuckets(t *testing.T) {
	prev := -1
	for _, v := range []uint64{0, 1, 255, 256, 257, 511, 512, 1 << 20, 1<<20 + 1, 1 << 40, 1<<63 - 1, 1<<64 - 1} {
		i := bucketOf(v)
		if i < prev || i >= histBuckets {
			t.Errorf("bucketOf(%d) = %d after %d (of %d)", v, i, prev, histBuckets)
		}
		prev = i
		mid := bucketValue(i)
		if v >= linearLimit {
			if diff := float64(mid) - float64(v); diff < 0 && -diff/float64(v) > 1.0/subCount || diff > 0 && diff/float64(v) > 1.0/subCount {
				t.Errorf("bucketValue(bucketOf(%d)) = %d: more than 1/%d away", v, mid, subCount)
			}
		} else if mid != v {
			t.Errorf("bucketValue(bucketOf(%d)) = %d", v, mid)
		}
	}
}

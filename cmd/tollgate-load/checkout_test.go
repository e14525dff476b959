package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/store"
)

// TestCheckoutTargets seeds a data directory, starts a demo server on it and
// runs both checkout targets briefly: every pair must succeed.
func TestCheckoutTargets(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed-licenses", "--data", dir, "--count", "5", "--batch", "2"}, &out, &out); err != nil {
		t.Fatalf("seed-licenses: %v\n%s", err, out.String())
	}
	a, err := app.Open(context.Background(), app.Config{Store: store.Config{DataDir: dir}, Demo: true,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"--endpoint", srv.URL, "--targets", "checkout-hot,checkout-spread", "--demo-keys",
		"--licenses", "5", "--concurrency", "3", "--duration", "300ms", "--warmup", "50ms", "--presign", "4", "--json"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout.String())
	}
	for _, p := range rep.Phases {
		if p.Requests == 0 || p.Errors != 0 || p.Unit != "pairs" {
			t.Errorf("%s: %d pairs, %d errors (%s), unit %q", p.Target, p.Requests, p.Errors, p.FirstError, p.Unit)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/store"
)

// seededEC2Server seeds a data directory with seed-images args and starts
// a demo server on it.
func seededEC2Server(t *testing.T, args ...string) *httptest.Server {
	t.Helper()
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), append([]string{"seed-images", "--data", dir}, args...), &out, &out); err != nil {
		t.Fatalf("seed-images: %v\n%s", err, out.String())
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
	return srv
}

// TestEC2Targets seeds images over two batches, starts a demo server on
// them and runs both EC2 targets briefly: every cycle and every listing
// (of exactly the images each code is on) must succeed.
func TestEC2Targets(t *testing.T) {
	srv := seededEC2Server(t, "--count", "130", "--codes", "6", "--per-code", "20", "--batch", "100")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--endpoint", srv.URL, "--targets", "ec2-cycle,ec2-images", "--demo-keys",
		"--codes", "6", "--per-code", "20", "--concurrency", "3", "--duration", "300ms", "--warmup", "50ms", "--presign", "8", "--json"},
		&stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout.String())
	}
	units := map[string]string{"ec2-cycle": "cycles", "ec2-images": "req"}
	for _, p := range rep.Phases {
		if p.Requests == 0 || p.Errors != 0 || p.Unit != units[p.Target] {
			t.Errorf("%s: %d ops, %d errors (%s), unit %q", p.Target, p.Requests, p.Errors, p.FirstError, p.Unit)
		}
	}
}

// TestEC2ImagesCountsImages: a listing of another number of images than
// --per-code is an error, found before the phase.
func TestEC2ImagesCountsImages(t *testing.T) {
	srv := seededEC2Server(t, "--count", "40", "--codes", "4", "--per-code", "10")
	err := run(context.Background(), []string{"--endpoint", srv.URL, "--target", "ec2-images", "--demo-keys",
		"--codes", "4", "--per-code", "9", "--duration", "1s"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "listed 10 images, want 9") {
		t.Fatalf("err = %v, want a count mismatch", err)
	}
}

// TestSeedImagesMotoFile: the moto AMI file holds the same images, with
// the same product codes, as the store gets.
func TestSeedImagesMotoFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "amis.json")
	if err := run(context.Background(), []string{"seed-images", "--moto-amis", file, "--count", "10", "--codes", "2", "--per-code", "3"},
		io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var amis []motoAMI
	if err := json.Unmarshal(raw, &amis); err != nil {
		t.Fatal(err)
	}
	if len(amis) != 10 {
		t.Fatalf("%d images, want 10", len(amis))
	}
	codes := map[string]int{}
	ids := map[string]bool{}
	for i, a := range amis {
		ids[a.ID] = true
		if a.ID != imageID(i) || (i < 6) != a.Public {
			t.Errorf("image %d: %+v", i, a)
		}
		for _, c := range a.ProductCodes {
			codes[c]++
		}
	}
	if len(ids) != 10 || len(codes) != 2 || codes[loadCode(0)] != 3 || codes[loadCode(1)] != 3 {
		t.Errorf("ids %d distinct, codes %v; want 10 and 3 images of each of 2 codes", len(ids), codes)
	}
}

func TestSeedImagesUsage(t *testing.T) {
	for _, args := range [][]string{
		{"seed-images"},
		{"seed-images", "--data", "x", "--codes", "10", "--per-code", "10", "--count", "50"},
		{"seed-images", "--data", "x", "--batch", "0"},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

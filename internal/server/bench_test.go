package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/store"
)

// These benchmarks drive the whole HTTP handler of a real app (SQLite store
// in a temporary directory, demo keys, strict SigV4, metrics, request IDs)
// without a network: they show what the server spends per request, apart
// from the HTTP/1.1 framing and the kernel. cmd/tollgate-load and
// scripts/bench-sts.sh measure the same two routes over loopback.

func benchApp(b *testing.B) *app.App {
	b.Helper()
	a, err := app.Open(context.Background(), app.Config{
		Store: store.Config{DataDir: b.TempDir()},
		Demo:  true,
		Log:   slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a
}

// discardWriter is a minimal http.ResponseWriter, so that the benchmark
// measures the handler rather than httptest's recorder.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

func (w *discardWriter) reset() {
	clear(w.h)
	w.status, w.n = 0, 0
}

var stsBody = []byte("Action=GetCallerIdentity&Version=2011-06-15")

// stsRequest is a GetCallerIdentity request signed by aws-sdk-go-v2's signer
// with the demo buyer's key, shaped as Go's server hands it to a handler.
func stsRequest(b *testing.B) *http.Request {
	b.Helper()
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:7070/", nil)
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.ContentLength = int64(len(stsBody))
	key := demo.Parties().Buyer.Key
	sum := sha256.Sum256(stsBody)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret},
		r, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Length", "43")
	r.RequestURI = "/"
	return r
}

// serve sends one copy of tmpl (with a fresh body) through h.
func serve(h http.Handler, tmpl *http.Request, body []byte, w *discardWriter) {
	r := new(http.Request)
	*r = *tmpl
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
	} else {
		r.Body = http.NoBody
	}
	w.reset()
	h.ServeHTTP(w, r)
}

func benchRoute(b *testing.B, tmpl *http.Request, body []byte, want int) {
	a := benchApp(b)
	h := a.Handler
	w := &discardWriter{h: http.Header{}}
	serve(h, tmpl, body, w)
	if w.status != want {
		b.Fatalf("status %d, want %d", w.status, want)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			serve(h, tmpl, body, w)
			if w.status != want {
				b.Errorf("status %d, want %d", w.status, want)
				return
			}
		}
	})
}

// BenchmarkHealthz is GET /healthz through the full handler (a SQLite ping).
func BenchmarkHealthz(b *testing.B) {
	r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:7070/healthz", nil)
	if err != nil {
		b.Fatal(err)
	}
	r.RequestURI = "/healthz"
	benchRoute(b, r, nil, http.StatusOK)
}

// BenchmarkGetCallerIdentity is a signed STS GetCallerIdentity through the
// full handler: routing, SigV4 verification with a cached key, the
// operation, XML encoding, metrics.
func BenchmarkGetCallerIdentity(b *testing.B) {
	benchRoute(b, stsRequest(b), stsBody, http.StatusOK)
}

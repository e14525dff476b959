package sigv4_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tollgate/tollgate/internal/awsapi/sigv4"
)

const (
	benchKey    = "AKIATOLLGATEBUYER001"
	benchSecret = "tollgate-demo-buyer-secret-0000000000000"
)

var benchBody = []byte("Action=GetCallerIdentity&Version=2011-06-15")

// signedSTSRequest returns a GetCallerIdentity request signed by
// aws-sdk-go-v2's signer at t, as the SDK's STS client would send it.
func signedSTSRequest(tb testing.TB, t time.Time) *http.Request {
	tb.Helper()
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:7070/", bytes.NewReader(benchBody))
	if err != nil {
		tb.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(benchBody)
	creds := aws.Credentials{AccessKeyID: benchKey, SecretAccessKey: benchSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "sts", "us-east-1", t); err != nil {
		tb.Fatal(err)
	}
	// What the server sees: Go's server keeps Content-Length in the header.
	r.Header.Set("Content-Length", "43")
	return r
}

func benchVerifier(now time.Time) *sigv4.Verifier {
	return &sigv4.Verifier{
		Now:     func() time.Time { return now },
		Secrets: func(context.Context, string) (string, error) { return benchSecret, nil },
	}
}

// BenchmarkVerify is the server's whole SigV4 check of one signed Query
// request: parse the Authorization header, check the time, rebuild the
// canonical request, derive the signing key and compare the HMAC.
func BenchmarkVerify(b *testing.B) {
	now := time.Now().UTC()
	r := signedSTSRequest(b, now)
	v := benchVerifier(now)
	ctx := context.Background()
	if _, err := v.Verify(ctx, r, benchBody); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, r, benchBody); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyParallel runs Verify on every P, as a busy server does.
func BenchmarkVerifyParallel(b *testing.B) {
	now := time.Now().UTC()
	r := signedSTSRequest(b, now)
	v := benchVerifier(now)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if _, err := v.Verify(ctx, r, benchBody); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkParse is the Authorization header parsing alone.
func BenchmarkParse(b *testing.B) {
	r := signedSTSRequest(b, time.Now())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sigv4.Parse(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonicalRequest is the canonical request alone.
func BenchmarkCanonicalRequest(b *testing.B) {
	r := signedSTSRequest(b, time.Now())
	sig, err := sigv4.Parse(r)
	if err != nil {
		b.Fatal(err)
	}
	sum := sha256.Sum256(benchBody)
	hash := hex.EncodeToString(sum[:])
	b.ReportAllocs()
	for b.Loop() {
		_ = sigv4.CanonicalRequest(r, sig.SignedHeaders, hash)
	}
}

// BenchmarkCompute is the signature alone: a SHA-256 of the canonical
// request and five HMAC-SHA256s (four to derive the signing key).
func BenchmarkCompute(b *testing.B) {
	r := signedSTSRequest(b, time.Now())
	sig, err := sigv4.Parse(r)
	if err != nil {
		b.Fatal(err)
	}
	sum := sha256.Sum256(benchBody)
	cr := sigv4.CanonicalRequest(r, sig.SignedHeaders, hex.EncodeToString(sum[:]))
	b.ReportAllocs()
	for b.Loop() {
		_ = sigv4.Compute(benchSecret, sig, cr)
	}
}

// TestVerifyManyScopes checks verification with the signing-key cache warm
// and cold, across secrets, dates, regions and services: every correctly
// signed request verifies, and a wrong secret never does, even when the
// right secret's key for the same scope is cached.
func TestVerifyManyScopes(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	secrets := []string{benchSecret, "another-secret-000000000000000000000000", "x"}
	for _, secret := range secrets {
		for _, at := range []time.Time{now, now.Add(-10 * time.Minute), now.Add(10 * time.Minute)} {
			for _, region := range []string{"us-east-1", "eu-west-3"} {
				for _, service := range []string{"sts", "ec2"} {
					r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:7070/", bytes.NewReader(benchBody))
					if err != nil {
						t.Fatal(err)
					}
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
					sum := sha256.Sum256(benchBody)
					creds := aws.Credentials{AccessKeyID: benchKey, SecretAccessKey: secret}
					if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, region, at); err != nil {
						t.Fatal(err)
					}
					right := &sigv4.Verifier{Now: func() time.Time { return now },
						Secrets: func(context.Context, string) (string, error) { return secret, nil }}
					wrong := &sigv4.Verifier{Now: func() time.Time { return now },
						Secrets: func(context.Context, string) (string, error) { return secret + "y", nil }}
					for range 2 { // cold, then warm
						if _, err := right.Verify(context.Background(), r, benchBody); err != nil {
							t.Errorf("%s %s %s %v: %v", secret, region, service, at, err)
						}
						if _, err := wrong.Verify(context.Background(), r, benchBody); err == nil {
							t.Errorf("%s %s %s %v: a wrong secret verified", secret, region, service, at)
						}
					}
				}
			}
		}
	}
}

// TestVerifyPastSigningKeyCacheLimit verifies more distinct secrets than the
// signing-key cache holds, so that it empties itself along the way.
func TestVerifyPastSigningKeyCacheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("signs 5000 requests")
	}
	now := time.Now().UTC()
	ctx := context.Background()
	sum := sha256.Sum256(benchBody)
	hash := hex.EncodeToString(sum[:])
	signer := v4.NewSigner()
	for i := range 5000 {
		secret := "secret-" + strconv.Itoa(i)
		r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:7070/", bytes.NewReader(benchBody))
		if err != nil {
			t.Fatal(err)
		}
		// A distinct key ID each time: the SDK's signer caches derived keys by
		// key ID, not by secret.
		creds := aws.Credentials{AccessKeyID: "AKIA" + strconv.Itoa(1000000+i), SecretAccessKey: secret}
		if err := signer.SignHTTP(ctx, creds, r, hash, "sts", "us-east-1", now); err != nil {
			t.Fatal(err)
		}
		v := &sigv4.Verifier{Now: func() time.Time { return now },
			Secrets: func(context.Context, string) (string, error) { return secret, nil }}
		if _, err := v.Verify(ctx, r, benchBody); err != nil {
			t.Fatalf("secret %d: %v", i, err)
		}
	}
}

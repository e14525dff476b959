package license_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/pkg/licensetoken"
)

// These benchmarks measure License Manager checkout throughput without HTTP
// (docs/BENCHMARKS.md, "License Manager checkout throughput"):
//
//	go test -run '^$' -bench 'Checkout|Sign' -benchtime 3s ./internal/license
//	go test -run '^$' -bench 'CheckoutCheckIn/hot' -cpuprofile cpu.out ./internal/license
//	go tool pprof -top license.test cpu.out
//
// BenchmarkCheckoutCheckIn drives Service.CheckoutLicense then
// Service.CheckInLicense (one op = one pair) from 64 goroutines at the
// default GOMAXPROCS, on a real SQLite store in a temporary directory
// (synchronous=FULL, group commit): the server's work per pair less HTTP,
// SigV4 and JSON framing. BenchmarkSign* measure the checkout token's
// signature alone, and the alternatives the docs compare it with.

// benchSeller and benchBuyer are the accounts the fixtures use; the store's
// account tables are not involved in checkouts.
const (
	benchSeller = "222222222222"
	benchBuyerN = 900000000000 // buyer i is benchBuyerN+i
	benchTTL    = 60
)

type noOperators struct{}

func (noOperators) IsOperator(context.Context, string) (bool, error) { return false, nil }

// benchPool is a license the buyer holds through an active grant.
type benchPool struct {
	buyer, sku, fp string
}

func openBenchService(b *testing.B) (*license.Service, *store.DB) {
	b.Helper()
	db, err := store.Open(context.Background(), store.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return license.NewService(db.Licenses(), clock.Real{}, noOperators{}, license.Config{}), db
}

var (
	tokenSeq atomic.Int64
	oneUnit  = int64(1)
)

func clientToken() string {
	var r [8]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s-%d", hex.EncodeToString(r[:]), tokenSeq.Add(1))
}

// newBenchPool creates, grants, accepts and activates a license of one
// floating entitlement "Seats" with max units for buyer, through the Service.
func newBenchPool(b *testing.B, svc *license.Service, buyer, sku string, max int64) benchPool {
	b.Helper()
	ctx := context.Background()
	now := time.Now()
	ttl, allow := benchTTL, true
	lic, err := svc.CreateLicense(ctx, benchSeller, license.CreateLicenseInput{
		LicenseName: "bench", ProductName: "bench", ProductSKU: sku, Issuer: &license.Issuer{Name: "Self"},
		HomeRegion: "us-east-1", Beneficiary: buyer, ClientToken: clientToken(),
		Validity:     &license.Validity{Begin: now.Add(-time.Hour), End: now.AddDate(1, 0, 0)},
		Entitlements: []license.Entitlement{{Name: "Seats", Unit: "Count", MaxCount: &max, AllowCheckIn: &allow}},
		ConsumptionConfiguration: &license.ConsumptionConfiguration{RenewType: "None",
			ProvisionalConfiguration: &license.ProvisionalConfiguration{MaxTimeToLiveInMinutes: &ttl}},
	})
	if err != nil {
		b.Fatalf("CreateLicense: %v", err)
	}
	g, err := svc.CreateGrant(ctx, benchSeller, license.CreateGrantInput{GrantName: "bench", LicenseArn: lic.LicenseArn,
		Principals: []string{"arn:aws:iam::" + buyer + ":root"}, HomeRegion: "us-east-1", ClientToken: clientToken(),
		AllowedOperations: []license.Operation{license.OpCheckoutLicense, license.OpCheckInLicense}})
	if err != nil {
		b.Fatalf("CreateGrant: %v", err)
	}
	if _, err := svc.AcceptGrant(ctx, buyer, license.GrantArnInput{GrantArn: g.GrantArn}); err != nil {
		b.Fatalf("AcceptGrant: %v", err)
	}
	if _, err := svc.CreateGrantVersion(ctx, buyer, license.CreateGrantVersionInput{GrantArn: g.GrantArn, Status: license.GrantActive, ClientToken: clientToken()}); err != nil {
		b.Fatalf("activating the grant: %v", err)
	}
	return benchPool{buyer: buyer, sku: sku, fp: "aws:" + benchSeller + ":Self:issuer-fingerprint"}
}

func (p benchPool) pair(ctx context.Context, svc *license.Service) error {
	out, err := svc.CheckoutLicense(ctx, p.buyer, license.CheckoutLicenseInput{ProductSKU: p.sku, CheckoutType: license.Provisional,
		KeyFingerprint: p.fp, ClientToken: clientToken(), Entitlements: []license.EntitlementRequest{{Name: "Seats", Unit: license.UnitCount, Quantity: &oneUnit}}})
	if err != nil {
		return fmt.Errorf("CheckoutLicense: %w", err)
	}
	if _, err := svc.CheckInLicense(ctx, p.buyer, license.CheckInLicenseInput{LicenseConsumptionToken: out.LicenseConsumptionToken}); err != nil {
		return fmt.Errorf("CheckInLicense: %w", err)
	}
	return nil
}

// benchClients is the number of goroutines RunParallel runs, as the HTTP
// benchmark's 64 connections.
const benchClients = 64

// BenchmarkCheckoutCheckIn is one PROVISIONAL checkout of one unit and its
// check-in per op. hot: every goroutine on one pool of a billion units;
// spread: 256 buyers, each holding its own license, goroutines taking them
// in turn.
func BenchmarkCheckoutCheckIn(b *testing.B) {
	b.Run("hot", func(b *testing.B) {
		svc, _ := openBenchService(b)
		pools := []benchPool{newBenchPool(b, svc, fmt.Sprint(benchBuyerN), "bench-hot", 1_000_000_000)}
		runPairs(b, svc, pools)
	})
	b.Run("spread", func(b *testing.B) {
		svc, _ := openBenchService(b)
		pools := make([]benchPool, 256)
		for i := range pools {
			pools[i] = newBenchPool(b, svc, fmt.Sprint(benchBuyerN+i), "bench-spread", 10)
		}
		runPairs(b, svc, pools)
	})
}

func runPairs(b *testing.B, svc *license.Service, pools []benchPool) {
	ctx := context.Background()
	// Warm the key ring (parse the issuer's key) before timing.
	if err := pools[0].pair(ctx, svc); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	var failed atomic.Int64
	b.SetParallelism(max(1, benchClients/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p := pools[int(next.Add(1))%len(pools)]
			if err := p.pair(ctx, svc); err != nil {
				if failed.Add(1) == 1 {
					b.Error(err)
				}
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pairs/s")
}

// BenchmarkSignPS384 is the checkout token's signature as CheckoutLicense
// makes it: KeyRing.Sign (JSON header and claims, SHA-384, RSA-2048 PSS),
// the key already cached. -cpu 1 gives the CPU cost of one signature.
func BenchmarkSignPS384(b *testing.B) {
	svc, _ := openBenchService(b)
	ctx := context.Background()
	p := newBenchPool(b, svc, fmt.Sprint(benchBuyerN), "bench-sign", 10)
	claims := licensetoken.Claims{EntitlementsAllowed: []licensetoken.Entitlement{{Name: "Seats", Value: "1", Unit: "Count"}},
		Expiration: "2030-01-01T01:00:00.000Z", IssuedAt: "2030-01-01T00:00:00.000Z",
		LicenseArn: "arn:aws:license-manager::222222222222:license:l-0123456789abcdef0123456789abcdef", LicenseConsumptionToken: hex.EncodeToString(make([]byte, 32))}
	if _, err := svc.Keys().Sign(ctx, p.fp, claims); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Keys().Sign(ctx, p.fp, claims); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignAlternatives compares the raw signature primitives over a
// SHA-384 digest of a token-sized input: RSA-2048 and RSA-3072 PSS (PS384),
// ECDSA P-256 (ES256) and P-384 (ES384), Ed25519 (EdDSA), and RSA-2048
// verification (what the seller's software pays).
func BenchmarkSignAlternatives(b *testing.B) {
	msg := make([]byte, 400)
	_, _ = rand.Read(msg)
	d384 := sha512.Sum384(msg)
	d256 := sha256.Sum256(msg)
	pss := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
	for _, bits := range []int{2048, 3072} {
		key, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("PS384-RSA%d", bits), func(b *testing.B) {
			for b.Loop() {
				if _, err := rsa.SignPSS(rand.Reader, key, crypto.SHA384, d384[:], pss); err != nil {
					b.Fatal(err)
				}
			}
		})
		if bits == 2048 {
			sig, _ := rsa.SignPSS(rand.Reader, key, crypto.SHA384, d384[:], pss)
			b.Run("PS384-RSA2048-verify", func(b *testing.B) {
				for b.Loop() {
					if err := rsa.VerifyPSS(&key.PublicKey, crypto.SHA384, d384[:], sig, pss); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	for _, c := range []struct {
		name   string
		curve  elliptic.Curve
		digest []byte
	}{{"ES256-P256", elliptic.P256(), d256[:]}, {"ES384-P384", elliptic.P384(), d384[:]}} {
		key, err := ecdsa.GenerateKey(c.curve, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ecdsa.SignASN1(rand.Reader, key, c.digest); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("EdDSA-Ed25519", func(b *testing.B) {
		for b.Loop() {
			_ = ed25519.Sign(edKey, msg)
		}
	})
}

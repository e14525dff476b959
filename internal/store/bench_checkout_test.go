package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/store"
)

// BenchmarkCheckoutStorePath is the store's side of a PROVISIONAL checkout
// and its check-in, without the token's RSA signature: the same reads
// before the transaction and the same statements inside the two write
// transactions that license.Service.CheckoutLicense and CheckInLicense run
// (internal/license/checkout.go), from 64 goroutines on a real SQLite store
// (synchronous=FULL, group commit). It shows what the store can do, and so
// what checkout throughput would be if signing cost nothing; compare
// internal/license's BenchmarkCheckoutCheckIn, which signs.
//
//	go test -run '^$' -bench CheckoutStorePath -benchtime 5s ./internal/store
//
// One op is one pair: two durable write transactions, which the group
// committer batches with those of the other goroutines.
func BenchmarkCheckoutStorePath(b *testing.B) {
	b.Run("hot", func(b *testing.B) { benchStorePath(b, 1) })
	b.Run("spread", func(b *testing.B) { benchStorePath(b, 256) })
}

type storePool struct {
	buyer string
	lic   license.License
	grant license.Grant
}

func benchStorePath(b *testing.B, pools int) {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	lm := db.Licenses()
	ps := make([]storePool, pools)
	maxCount, allow, ttl := int64(1_000_000_000), true, 60
	now := time.Now().UTC()
	err = lm.Update(ctx, func(tx license.Tx) error {
		for i := range ps {
			buyer := fmt.Sprint(900000000000 + i)
			fp := "aws:222222222222:Self:issuer-fingerprint"
			l := license.License{LicenseArn: "arn:aws:license-manager::222222222222:license:l-" + randHex(16), LicenseName: "bench",
				ProductName: "bench", ProductSKU: "bench", Issuer: license.Issuer{Name: "Self", KeyFingerprint: fp}, HomeRegion: "us-east-1",
				Status: license.StatusAvailable, Validity: license.Validity{Begin: now.Add(-time.Hour)}, Beneficiary: buyer,
				Entitlements: []license.Entitlement{{Name: "Seats", Unit: "Count", MaxCount: &maxCount, AllowCheckIn: &allow}},
				ConsumptionConfiguration: license.ConsumptionConfiguration{RenewType: "None",
					ProvisionalConfiguration: &license.ProvisionalConfiguration{MaxTimeToLiveInMinutes: &ttl}},
				CreateTime: now, Version: "1", Owner: "222222222222"}
			g := license.Grant{GrantArn: "arn:aws:license-manager::222222222222:grant:g-" + randHex(16), GrantName: "bench",
				ParentArn: l.LicenseArn, LicenseArn: l.LicenseArn, GranteePrincipalArn: "arn:aws:iam::" + buyer + ":root",
				HomeRegion: "us-east-1", GrantStatus: license.GrantActive, Version: "2",
				GrantedOperations: []license.Operation{license.OpCheckoutLicense, license.OpCheckInLicense},
				Grantor:           "222222222222", Grantee: buyer, ProductSKU: "bench", KeyFingerprint: fp, IssuerName: "Self"}
			if err := tx.PutLicense(l); err != nil {
				return err
			}
			if err := tx.PutGrant(g); err != nil {
				return err
			}
			ps[i] = storePool{buyer: buyer, lic: l, grant: g}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var next, failed atomic.Int64
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p := ps[int(next.Add(1))%len(ps)]
			if err := storePair(ctx, lm, p); err != nil && failed.Add(1) == 1 {
				b.Error(err)
			}
		}
	})
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)/elapsed, "pairs/s")
}

// storePair mirrors CheckoutLicense (replay check, findCheckoutGrant,
// then commitCheckout and idempotent inside one Update) and CheckInLicense
// (liveCheckout, checkInAllowed, DeleteSeats, DeleteCheckout in one Update).
func storePair(ctx context.Context, lm *store.Licenses, p storePool) error {
	clientToken := randHex(16)
	if _, err := lm.Idempotent(ctx, p.buyer, "CheckoutLicense", clientToken); err == nil {
		return fmt.Errorf("client token reused")
	}
	grants, err := lm.ListGrantsByGrantee(ctx, p.buyer)
	if err != nil || len(grants) == 0 {
		return fmt.Errorf("ListGrantsByGrantee: %v (%d)", err, len(grants))
	}
	if _, err := lm.GetLicense(ctx, p.lic.LicenseArn, ""); err != nil {
		return err
	}
	now := time.Now()
	allowed := []license.AllowedEntitlement{{Name: "Seats", Quantity: 1, Unit: license.UnitCount}}
	c := license.Checkout{Token: randHex(32), Account: p.buyer, LicenseArn: p.lic.LicenseArn, GrantArn: p.grant.GrantArn,
		Type: license.Provisional, IssuedAt: now, Expires: now.Add(time.Hour), Entitlements: allowed}
	// The response is stored for idempotency; its signed token is about 1 KB.
	response, _ := json.Marshal(map[string]any{"LicenseConsumptionToken": c.Token, "SignedToken": randHex(420), "EntitlementsAllowed": allowed})
	err = lm.Update(ctx, func(tx license.Tx) error {
		if _, err := tx.Idempotent(p.buyer, "CheckoutLicense", clientToken); err == nil {
			return fmt.Errorf("client token reused")
		}
		if _, err := tx.Grant(p.grant.GrantArn); err != nil {
			return err
		}
		if _, err := tx.License(p.lic.LicenseArn); err != nil {
			return err
		}
		if _, err := tx.Usage(p.lic.LicenseArn, "Seats", time.Time{}, time.Now()); err != nil {
			return err
		}
		if err := tx.AddSeat(license.Seat{Token: c.Token, LicenseArn: c.LicenseArn, Name: "Seats", Quantity: 1, Expires: c.Expires}); err != nil {
			return err
		}
		if err := tx.PutCheckout(c); err != nil {
			return err
		}
		return tx.PutIdempotent(p.buyer, "CheckoutLicense", clientToken, randHex(32), response, c.IssuedAt)
	})
	if err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	err = lm.Update(ctx, func(tx license.Tx) error {
		if _, err := tx.Checkout(c.Token); err != nil {
			return err
		}
		if _, err := tx.License(c.LicenseArn); err != nil {
			return err
		}
		if _, err := tx.Grant(c.GrantArn); err != nil {
			return err
		}
		if err := tx.DeleteSeats(c.Token); err != nil {
			return err
		}
		return tx.DeleteCheckout(c.Token)
	})
	if err != nil {
		return fmt.Errorf("check-in: %w", err)
	}
	return nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

package subscription_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
	"github.com/tollgate/tollgate/internal/subscription"
)

// The entitlement check's speed (docs/BENCHMARKS.md): warm, from the cache,
// and cold, every check a read of SQLite. Both check a launch (with an
// instance type) of an image product, among benchAccounts subscribers.
//
//	go test ./internal/subscription/ -run '^$' -bench 'Check' -benchtime 2s

const benchAccounts = 1000

// benchChecker returns a checker over a SQLite store holding benchAccounts
// active subscriptions to one image product, on the wall clock, and the
// queries that ask about them.
func benchChecker(b *testing.B, cfg subscription.CheckerConfig) (*subscription.Checker, []subscription.Query) {
	db, err := store.Open(b.Context(), store.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	cat := newFakeCatalog()
	p := hourlyProduct()
	if err := cat.CreateProduct(b.Context(), p, catalog.PriceVersion{ProductID: p.ID, Version: 1}); err != nil {
		b.Fatal(err)
	}
	var subs []subscription.Subscription
	var queries []subscription.Query
	for i := range benchAccounts {
		account := fmt.Sprintf("5%011d", i)
		s := storetest.NewSubscription(i, account, 1)
		s.ProductID, s.ProductCode = p.ID, p.Code
		subs = append(subs, s)
		queries = append(queries, subscription.Query{Account: account, ProductCode: p.Code, InstanceType: "m5.large", At: start})
	}
	storetest.PutSubscriptions(b, db, subs...)
	c := subscription.NewChecker(db.Subscriptions(), catalog.NewService(cat, nil), cfg)
	for _, q := range queries { // warm what may be cached, and check every answer once
		if d, err := c.Check(b.Context(), q); err != nil || !d.Entitled {
			b.Fatalf("%v, %v", d, err)
		}
	}
	return c, queries
}

// runChecks runs the checks, and reports their rate and the process's CPU
// time per check (every thread's, the garbage collector's included): on a
// shared machine the rate says as much about the neighbours as about the
// check, while the CPU time hardly depends on them; 1e9 / cpu-ns is the
// checks one core does in a second.
func runChecks(b *testing.B, c *subscription.Checker, queries []subscription.Query, parallel bool) {
	ctx := b.Context()
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	b.ResetTimer()
	if !parallel {
		for i := 0; b.Loop(); i++ {
			if d, err := c.Check(ctx, queries[i%len(queries)]); err != nil || !d.Entitled {
				b.Fatalf("%v, %v", d, err)
			}
		}
	} else {
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				if d, err := c.Check(ctx, queries[i%len(queries)]); err != nil || !d.Entitled {
					b.Errorf("%v, %v", d, err)
					return
				}
			}
		})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCheckWarm: every answer from the cache.
func BenchmarkCheckWarm(b *testing.B) {
	c, queries := benchChecker(b, subscription.CheckerConfig{})
	b.Run("OneGoroutine", func(b *testing.B) { runChecks(b, c, queries, false) })
	b.Run("Parallel", func(b *testing.B) { runChecks(b, c, queries, true) })
}

// BenchmarkCheckCold: nothing cached (MaxEntries < 0); every check reads
// the account's subscriptions from SQLite. The product's instance types
// stay cached, as they would for the few products of many buyers.
func BenchmarkCheckCold(b *testing.B) {
	c, queries := benchChecker(b, subscription.CheckerConfig{MaxEntries: -1})
	b.Run("OneGoroutine", func(b *testing.B) { runChecks(b, c, queries, false) })
	b.Run("Parallel", func(b *testing.B) { runChecks(b, c, queries, true) })
}

package subscription_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
	"github.com/tollgate/tollgate/internal/subscription"
	"github.com/tollgate/tollgate/internal/testrand"
)

// TestCheckRules: the entitlement rules, one subscription state at a time.
func TestCheckRules(t *testing.T) {
	e := newEnv(t, sqlite)
	image, contract := e.put(hourlyProduct()), e.put(contractProduct())
	saas := e.put(catalog.Product{ID: "prod-0000000000000000a", Seller: seller, Kind: catalog.SaaS, Code: "saas00000000000000000010",
		InstanceTypes: []string{"m5.large"}})
	untyped := e.put(catalog.Product{ID: "prod-0000000000000000b", Seller: seller, Kind: catalog.PaidImage, Code: "untyped000000000000000011"})
	termEnds := start.Add(time.Hour)
	for i, tc := range []struct {
		name         string
		product      catalog.Product
		edit         func(s *subscription.Subscription)
		instanceType string
		at           time.Time
		entitled     bool
	}{
		{"Active", image, nil, "", start, true},
		{"NoSubscription", image, func(s *subscription.Subscription) { s.Buyer = other }, "", start, false},
		{"Pending", contract, func(s *subscription.Subscription) { s.Status = subscription.Pending }, "", start, false},
		{"Suspended", image, func(s *subscription.Subscription) { s.Status = subscription.Suspended }, "", start, false},
		{"Cancelled", image, func(s *subscription.Subscription) { s.Status = subscription.Cancelled }, "", start, false},
		{"ContractInTerm", contract, func(s *subscription.Subscription) {
			s.Contract, s.TermEndsAt = &subscription.ContractTerms{Duration: "P1M"}, termEnds
		}, "", termEnds.Add(-time.Nanosecond), true},
		{"ContractTermEnded", contract, func(s *subscription.Subscription) {
			s.Contract, s.TermEndsAt = &subscription.ContractTerms{Duration: "P1M"}, termEnds
		}, "", termEnds, false},
		{"OfferTermEnded", image, func(s *subscription.Subscription) { s.OfferID, s.TermEndsAt = "offer-00000000000000001", termEnds }, "", termEnds, false},
		{"AnnualAfterItsTerm", image, func(s *subscription.Subscription) {
			s.Annual, s.TermEndsAt = map[string]int64{"m5.large": 1}, termEnds
		}, "m5.large", termEnds.Add(24 * time.Hour), true},
		{"ImageOnItsType", image, nil, "m5.xlarge", start, true},
		{"ImageOnAnotherType", image, nil, "c5.large", start, false},
		{"ImageWithoutTypes", untyped, nil, "c5.large", start, true},
		{"SaaSTypesDoNotApply", saas, nil, "c5.large", start, true},
		{"SuspendedOnItsType", image, func(s *subscription.Subscription) { s.Status = subscription.Suspended }, "m5.large", start, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := storetest.NewSubscription(i, buyer, 0)
			sub.ProductID, sub.ProductCode, sub.Seller, sub.Kind = tc.product.ID, tc.product.Code, seller, tc.product.Kind
			if tc.edit != nil {
				tc.edit(&sub)
			}
			storetest.PutSubscriptions(t, e.db, sub)
			defer func() { // the next case starts from none
				sub.Status = subscription.Cancelled
				storetest.PutSubscriptions(t, e.db, sub)
				e.svc.Checker().Invalidate(subscription.Key{Account: sub.Buyer, ProductCode: sub.ProductCode})
			}()
			e.svc.Checker().Invalidate(subscription.Key{Account: buyer, ProductCode: tc.product.Code})
			for range 2 { // cold, then warm
				d, err := e.svc.Checker().Check(t.Context(), subscription.Query{Account: buyer, ProductCode: tc.product.Code, InstanceType: tc.instanceType, At: tc.at})
				if err != nil {
					t.Fatal(err)
				}
				if d.Entitled != tc.entitled || (!d.Entitled && len(d.Reason) < 20) {
					t.Errorf("got %v, want entitled %v", d, tc.entitled)
				}
			}
		})
	}
	if _, err := e.svc.Checker().Check(t.Context(), subscription.Query{Account: buyer, ProductCode: image.Code}); err == nil {
		t.Error("a check without a time answered")
	}
}

// TestCheckerAcrossReplicas: two servers over one store, each with its own
// cache. A cancellation through one is seen by the other as soon as its
// cache is RefreshEvery old on the freshness clock, while the services'
// (simulated) clock stands still; a new sign-up likewise.
func TestCheckerAcrossReplicasSQLite(t *testing.T) {
	cfg := storetest.SQLiteConfig(t)
	testCheckerAcrossReplicas(t, cfg)
}

func TestCheckerAcrossReplicasPostgres(t *testing.T) {
	cfg := storetest.PostgresConfig(storetest.PostgresURL(t))(t)
	testCheckerAcrossReplicas(t, cfg)
}

// replicas opens two stores on cfg, and returns an environment on the
// first and a second service, with its own freshness clock, on the second.
func replicas(t *testing.T, cfg store.Config) (*env, *subscription.Service, *clock.Manual) {
	a := storetest.OpenConfig(t, cfg)
	e := newEnv(t, func(*testing.T) *store.DB { return a })
	b := storetest.OpenConfig(t, cfg)
	b.SetClock(e.clk)
	freshB := clock.NewManual(start)
	svcB := subscription.NewService(b.Subscriptions(), catalog.NewService(e.catalog, e.clk), license.NewService(b.Licenses(), e.clk, operators{}, license.Config{}),
		operators{operator: true}, e.clk, subscription.WithChecker(subscription.CheckerConfig{Fresh: freshB}))
	return e, svcB, freshB
}

func testCheckerAcrossReplicas(t *testing.T, cfg store.Config) {
	e, svcB, freshB := replicas(t, cfg)
	p := e.put(hourlyProduct())
	check := func(svc *subscription.Service) bool {
		t.Helper()
		d, err := svc.Checker().Check(t.Context(), subscription.Query{Account: buyer, ProductCode: p.Code, At: e.clk.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return d.Entitled
	}
	if check(svcB) {
		t.Fatal("B: entitled before any sign-up")
	}
	sub := e.subscribe(buyer, subscription.SubscribeInput{ProductCode: p.Code})
	if !check(e.svc) {
		t.Fatal("A: not entitled right after its own sign-up")
	}
	freshB.Advance(subscription.DefaultRefreshEvery)
	if !check(svcB) {
		t.Fatal("B: not entitled a refresh interval after the sign-up")
	}

	if _, err := e.svc.Cancel(t.Context(), buyer, sub.ID); err != nil {
		t.Fatal(err)
	}
	if check(e.svc) {
		t.Error("A: entitled right after its own cancellation")
	}
	// B's cache answers until it is RefreshEvery old...
	freshB.Advance(subscription.DefaultRefreshEvery - time.Nanosecond)
	if !check(svcB) {
		t.Error("B: refreshed before its interval: the warm cache is not used")
	}
	// ...and then no more: the bound is RefreshEvery (250 ms) plus one read.
	freshB.Advance(time.Nanosecond)
	if check(svcB) {
		t.Error("B: entitled a refresh interval after the cancellation")
	}
	if got := e.clk.Now(); !got.Equal(start) {
		t.Fatalf("the services' clock moved to %v; the test is about a clock that stands still", got)
	}
}

// TestCheckerRaces: checks on one replica race sign-ups and cancellations
// on another; once a change is committed and the checking replica's
// freshness clock has passed an interval, every check that starts says
// what the store says, whatever the interleaving of loads and drops.
func TestCheckerRacesSQLite(t *testing.T) { testCheckerRaces(t, storetest.SQLiteConfig(t)) }

func TestCheckerRacesPostgres(t *testing.T) {
	testCheckerRaces(t, storetest.PostgresConfig(storetest.PostgresURL(t))(t))
}

func testCheckerRaces(t *testing.T, cfg store.Config) {
	e, svcB, freshB := replicas(t, cfg)
	r := testrand.New(t)
	p := e.put(hourlyProduct())
	accounts := []string{buyer, other, seller2}
	live := map[string]string{} // account -> live subscription
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				for _, a := range accounts {
					if _, err := svcB.Checker().Check(context.Background(), subscription.Query{Account: a, ProductCode: p.Code, At: start}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	defer func() { stop.Store(true); wg.Wait() }()
	for range 40 {
		a := accounts[r.IntN(len(accounts))]
		if id, ok := live[a]; ok {
			if _, err := e.svc.Cancel(t.Context(), a, id); err != nil {
				t.Fatal(err)
			}
			delete(live, a)
		} else {
			live[a] = e.subscribe(a, subscription.SubscribeInput{ProductCode: p.Code}).ID
		}
		freshB.Advance(subscription.DefaultRefreshEvery)
		for _, acct := range accounts {
			d, err := svcB.Checker().Check(t.Context(), subscription.Query{Account: acct, ProductCode: p.Code, At: start})
			if err != nil {
				t.Fatal(err)
			}
			if _, want := live[acct]; d.Entitled != want {
				t.Fatalf("%s after a refresh: %v, want entitled %v", acct, d, want)
			}
		}
	}
}

// pausingStore is a store whose ForAccountAndCode, once armed, reads and
// then waits to return until released: a load overtaken by a change.
type pausingStore struct {
	subscription.Store
	armed   atomic.Bool
	read    chan struct{} // closed when the paused read has read
	release chan struct{}
}

func (s *pausingStore) ForAccountAndCode(ctx context.Context, account, code string) ([]subscription.Access, error) {
	subs, err := s.Store.ForAccountAndCode(ctx, account, code)
	if s.armed.CompareAndSwap(true, false) {
		close(s.read)
		<-s.release
	}
	return subs, err
}

// TestCheckerLoadOvertakenByChange: a load that read a subscription before
// its cancellation and would store it after the cache dropped the key does
// not store it, so the next check reads the cancellation.
func TestCheckerLoadOvertakenByChange(t *testing.T) {
	e := newEnv(t, sqlite)
	p := e.put(hourlyProduct())
	sub := e.subscribe(buyer, subscription.SubscribeInput{ProductCode: p.Code})
	ps := &pausingStore{Store: e.db.Subscriptions(), read: make(chan struct{}), release: make(chan struct{})}
	checker := subscription.NewChecker(ps, catalog.NewService(e.catalog, e.clk), subscription.CheckerConfig{Fresh: e.fresh})
	check := func(account string) subscription.Decision {
		d, err := checker.Check(context.Background(), subscription.Query{Account: account, ProductCode: p.Code, At: start})
		if err != nil {
			t.Error(err)
		}
		return d
	}
	check(other) // the first refresh
	ps.armed.Store(true)
	loaded := make(chan subscription.Decision)
	go func() { loaded <- check(buyer) }()
	<-ps.read
	if _, err := e.svc.Cancel(t.Context(), buyer, sub.ID); err != nil {
		t.Fatal(err)
	}
	e.fresh.Advance(subscription.DefaultRefreshEvery)
	check(other) // refreshes: drops the buyer's key, which the paused load has not stored yet
	close(ps.release)
	if d := <-loaded; !d.Entitled {
		t.Fatalf("the paused load answered %v; it read before the cancellation", d)
	}
	if d := check(buyer); d.Entitled {
		t.Errorf("after the cancellation and a refresh: %v", d)
	}
}

// TestCheckInstanceTypesChange: a seller's change to a product's instance
// types applies to launches once the cached ones are ProductTTL old.
func TestCheckInstanceTypesChange(t *testing.T) {
	e := newEnv(t, sqlite)
	p := e.put(hourlyProduct())
	e.subscribe(buyer, subscription.SubscribeInput{ProductCode: p.Code})
	if d := e.check(buyer, p.Code, "m5.large"); !d.Entitled {
		t.Fatalf("m5.large: %v", d)
	}
	p.InstanceTypes = []string{"c5.large"}
	if err := e.catalog.UpdateProduct(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	e.fresh.Advance(subscription.DefaultProductTTL - time.Nanosecond)
	if d := e.check(buyer, p.Code, "m5.large"); !d.Entitled {
		t.Errorf("m5.large within the TTL: %v", d)
	}
	e.fresh.Advance(time.Nanosecond)
	if d := e.check(buyer, p.Code, "m5.large"); d.Entitled {
		t.Errorf("m5.large after the TTL: %v", d)
	}
	if d := e.check(buyer, p.Code, "c5.large"); !d.Entitled {
		t.Errorf("c5.large after the TTL: %v", d)
	}
}

package subscription

import (
	"context"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

// The entitlement check: is account A entitled to product code P (and
// instance type T) at time t. RunInstances, CheckoutLicense, MeterUsage and
// the API all ask it, through Checker.Check, and nothing else decides it.
//
// The rules: A holds a live subscription to P that is active (not pending,
// suspended or cancelled); a contract's or private offer's ends with its
// term (t before TermEndsAt), an annual subscription's does not (after the
// term, hourly prices apply); and for image products, T is one of the
// product's instance types, when it names any.
//
// The cache. Each (account, code) pair's live subscriptions are read once
// from the store and kept, immutable, in a sharded map; a warm check is a
// map lookup under a shard's read lock. An entry goes when its
// subscriptions change:
//
//   - in this process at once: the service drops the key after every
//     transaction that changes a subscription (Invalidate);
//   - on other replicas within a second: every change of a subscription
//     raises the store's epoch and logs its key in the same transaction
//     (Store.Changes). A check first makes sure the cache has read the
//     changes within the last RefreshEvery (250 ms); if not, it reads
//     those after the epoch it last saw, drops their keys (or everything,
//     if the log no longer reaches back or too much changed), and goes on.
//     A cancellation committed at time c is therefore seen by every check
//     that starts after c + RefreshEvery + the time of one small read.
//
// Staleness is measured on the freshness clock, the wall clock, not on the
// service's clock: the simulated clock may stand still for hours, and a
// cache that refreshed only when simulated time moved would never see
// another replica's cancellation. Terms are judged at the query's time,
// from the service's clock. A load that raced a change is not kept: every
// drop raises a generation counter, and a load stores its entry only if
// the counter did not move while it read.
//
// The instance types of products are cached too, for ProductTTL on the
// freshness clock: a seller's change to them takes that long to apply.

// Products finds a product by its code; catalog.Service implements it.
type Products interface {
	ProductByCode(ctx context.Context, code string) (catalog.Product, error)
}

// CheckerConfig configures the entitlement check.
type CheckerConfig struct {
	// Fresh is the clock cache staleness is measured on: the wall clock
	// (clock.Real) when nil.
	Fresh clock.Clock
	// RefreshEvery is how stale the cache may get before a check reads
	// the store's changes: DefaultRefreshEvery when zero.
	RefreshEvery time.Duration
	// MaxEntries bounds the (account, code) pairs kept:
	// DefaultMaxEntries when zero; negative keeps none (every check reads
	// the store).
	MaxEntries int
	// ProductTTL is how long a product's instance types are kept:
	// DefaultProductTTL when zero.
	ProductTTL time.Duration
}

// Defaults of CheckerConfig.
const (
	DefaultRefreshEvery = 250 * time.Millisecond
	DefaultMaxEntries   = 1 << 20
	DefaultProductTTL   = 5 * time.Second
)

// changeBatch is the most changes a refresh reads; beyond it the cache
// starts over.
const changeBatch = 1000

const shardCount = 64

// Query is one entitlement question.
type Query struct {
	Account      string
	ProductCode  string
	InstanceType string // "" when the caller does not launch (checkout, metering)
	At           time.Time
}

// Decision is its answer.
type Decision struct {
	Entitled       bool
	Reason         string // why not, in a sentence for the error message
	SubscriptionID string
	ProductCode    string
}

// Checker is the one entitlement check, with its cache.
type Checker struct {
	store    Store
	products Products
	cfg      CheckerConfig
	perShard int

	seed   maphash.Seed
	shards [shardCount]shard
	// gen rises with every drop from the cache (Invalidate, clear).
	gen atomic.Uint64

	refreshMu   sync.Mutex
	epoch       atomic.Int64 // the store epoch whose changes the cache has seen
	refreshedAt atomic.Int64 // freshness-clock nanoseconds when that was read
	primed      atomic.Bool  // whether epoch was ever read

}

// shard is one part of the cache: some keys' subscriptions, and some
// product codes' instance types.
type shard struct {
	mu       sync.RWMutex
	m        map[Key]*entry
	products map[string]productEntry
}

// entry is what a key's live subscriptions say, immutable once built.
type entry struct {
	subs []Access
}

type productEntry struct {
	kind      catalog.Kind
	types     []string // sorted
	expiresAt int64    // freshness-clock nanoseconds
}

// NewChecker returns an entitlement check over store, which finds the
// instance types of products in products.
func NewChecker(store Store, products Products, cfg CheckerConfig) *Checker {
	if cfg.Fresh == nil {
		cfg.Fresh = clock.Real{}
	}
	if cfg.RefreshEvery <= 0 {
		cfg.RefreshEvery = DefaultRefreshEvery
	}
	if cfg.MaxEntries == 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.ProductTTL <= 0 {
		cfg.ProductTTL = DefaultProductTTL
	}
	c := &Checker{store: store, products: products, cfg: cfg, seed: maphash.MakeSeed()}
	if cfg.MaxEntries > 0 {
		c.perShard = max(1, cfg.MaxEntries/shardCount)
	}
	for i := range c.shards {
		c.shards[i].m, c.shards[i].products = map[Key]*entry{}, map[string]productEntry{}
	}
	return c
}

// Check answers q. It fails, rather than answer from a cache it cannot
// refresh, when the store does not answer.
func (c *Checker) Check(ctx context.Context, q Query) (Decision, error) {
	if q.At.IsZero() {
		return Decision{}, fault.New(fault.Internal, "entitlement check of %s for %s without a time", q.Account, q.ProductCode)
	}
	now := c.cfg.Fresh.Now().UnixNano()
	if err := c.refresh(ctx, now); err != nil {
		return Decision{}, err
	}
	k := Key{Account: q.Account, ProductCode: q.ProductCode}
	e := c.lookup(k)
	if e == nil {
		var err error
		if e, err = c.load(ctx, k); err != nil {
			return Decision{}, err
		}
	}
	d := e.decide(q)
	if !d.Entitled || q.InstanceType == "" {
		return d, nil
	}
	return c.checkInstanceType(ctx, q, d, now)
}

// decide applies the rules to a key's subscriptions.
func (e *entry) decide(q Query) Decision {
	d := Decision{ProductCode: q.ProductCode}
	for _, a := range e.subs {
		id := a.SubscriptionID
		switch {
		case a.Status == Active && (a.Until.IsZero() || q.At.Before(a.Until)):
			return Decision{Entitled: true, SubscriptionID: id, ProductCode: q.ProductCode}
		case a.Status == Active:
			d.SubscriptionID, d.Reason = id, "the term of subscription "+id+" to product "+q.ProductCode+" ended at "+a.Until.Format(time.RFC3339)
		case a.Status == Pending:
			d.SubscriptionID, d.Reason = id, "subscription "+id+" to product "+q.ProductCode+" is pending: its license is being issued"
		case a.Status == Suspended:
			d.SubscriptionID, d.Reason = id, "subscription "+id+" to product "+q.ProductCode+" is suspended until the account's balance is paid"
		}
	}
	if d.Reason == "" {
		d.Reason = "account " + q.Account + " is not subscribed to product " + q.ProductCode
	}
	return d
}

// checkInstanceType refuses an instance type an image product does not run
// on.
func (c *Checker) checkInstanceType(ctx context.Context, q Query, d Decision, now int64) (Decision, error) {
	p, err := c.product(ctx, q.ProductCode, now)
	if err != nil {
		return Decision{}, err
	}
	if (p.kind != catalog.PaidImage && p.kind != catalog.SupportedImage) || len(p.types) == 0 {
		return d, nil
	}
	if _, ok := slices.BinarySearch(p.types, q.InstanceType); ok {
		return d, nil
	}
	return Decision{SubscriptionID: d.SubscriptionID, ProductCode: q.ProductCode,
		Reason: "product " + q.ProductCode + " does not run on instance type " + clip(q.InstanceType) + "; it runs on " + quoteList(p.types)}, nil
}

// product returns a product's kind and instance types, read again after
// ProductTTL; now is the freshness clock's.
func (c *Checker) product(ctx context.Context, code string, now int64) (productEntry, error) {
	s := &c.shards[maphash.String(c.seed, code)%shardCount]
	s.mu.RLock()
	p, ok := s.products[code]
	s.mu.RUnlock()
	if ok && now < p.expiresAt {
		return p, nil
	}
	prod, err := c.products.ProductByCode(ctx, code)
	if err != nil {
		return productEntry{}, err
	}
	p = productEntry{kind: prod.Kind, types: slices.Sorted(slices.Values(prod.InstanceTypes)), expiresAt: now + int64(c.cfg.ProductTTL)}
	s.mu.Lock()
	if len(s.products) >= maxProductsPerShard {
		clear(s.products) // start over rather than grow
	}
	s.products[code] = p
	s.mu.Unlock()
	return p, nil
}

// maxProductsPerShard bounds the products whose instance types are kept.
const maxProductsPerShard = 100_000 / shardCount

func (c *Checker) shard(k Key) *shard {
	h := maphash.String(c.seed, k.Account) ^ maphash.String(c.seed, k.ProductCode)*0x9e3779b97f4a7c15
	return &c.shards[h%shardCount]
}

func (c *Checker) lookup(k Key) *entry {
	s := c.shard(k)
	s.mu.RLock()
	e := s.m[k]
	s.mu.RUnlock()
	return e
}

// load reads a key's live subscriptions and keeps them, unless something
// was dropped from the cache while it read (the read may predate the
// change that caused the drop).
func (c *Checker) load(ctx context.Context, k Key) (*entry, error) {
	gen := c.gen.Load()
	subs, err := c.store.ForAccountAndCode(ctx, k.Account, k.ProductCode)
	if err != nil {
		return nil, err
	}
	e := &entry{subs: subs}
	if c.perShard == 0 {
		return e, nil
	}
	s := c.shard(k)
	s.mu.Lock()
	if c.gen.Load() == gen {
		if len(s.m) >= c.perShard {
			for old := range s.m { // make room: drop any one
				delete(s.m, old)
				break
			}
		}
		s.m[k] = e
	}
	s.mu.Unlock()
	return e, nil
}

// Invalidate drops what the cache holds for k: the service calls it after
// every change of a subscription of k.
func (c *Checker) Invalidate(k Key) {
	s := c.shard(k)
	s.mu.Lock()
	delete(s.m, k)
	c.gen.Add(1)
	s.mu.Unlock()
}

// clearAll drops everything.
func (c *Checker) clearAll() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.m)
		c.gen.Add(1)
		s.mu.Unlock()
	}
}

// refresh reads the store's changes if the cache last did more than
// RefreshEvery before now (the freshness clock's), and drops what they
// name.
func (c *Checker) refresh(ctx context.Context, now int64) error {
	every := int64(c.cfg.RefreshEvery)
	if now-c.refreshedAt.Load() < every && c.primed.Load() {
		return nil
	}
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	start := c.cfg.Fresh.Now().UnixNano()
	if start-c.refreshedAt.Load() < every && c.primed.Load() {
		return nil // another check refreshed while this one waited
	}
	ch, err := c.store.Changes(ctx, c.epoch.Load(), changeBatch)
	if err != nil {
		return err
	}
	if !ch.Complete || !c.primed.Load() {
		c.clearAll()
	} else {
		for _, k := range ch.Keys {
			c.Invalidate(k)
		}
	}
	c.epoch.Store(ch.Epoch)
	// What was read is at least as fresh as the moment the read began.
	c.refreshedAt.Store(start)
	c.primed.Store(true)
	return nil
}

// String describes a decision, for logs and failure messages.
func (d Decision) String() string {
	if d.Entitled {
		return "entitled by " + d.SubscriptionID
	}
	return "not entitled: " + strings.TrimSpace(d.Reason)
}

package store

import (
	"context"
	"database/sql"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/subscription"
)

// Subscriptions implements subscription.Store.
type Subscriptions struct{ db *DB }

// Subscriptions returns the subscription store.
func (db *DB) Subscriptions() *Subscriptions { return &Subscriptions{db: db} }

var _ subscription.Store = (*Subscriptions)(nil)

// subscriptionsLock is the key every subscription write holds
// (DB.UpdateLocked): each one raises the one epoch row, so on PostgreSQL
// they would otherwise fail each other's serializable transactions; in a
// queue they wait instead. Sign-ups and cancellations are rare enough for
// one queue.
const subscriptionsLock = "subscriptions"

// Update runs fn in one durable transaction.
func (s *Subscriptions) Update(ctx context.Context, fn func(subscription.Tx) error) error {
	return s.db.UpdateLocked(ctx, subscriptionsLock, func(tx *Tx) error { return fn(&subscriptionTx{tx: tx}) })
}

// subscriptionColumns are the columns PutSubscription writes;
// selectSubscription reads them all but access_until, which is derived.
const (
	subscriptionColumns = `id, buyer, seller, product_id, product_code, kind, offer_id, status, price_version,
	license_arn, license_revision, license_pending, client_token,
	started_at, trial_ends_at, term_ends_at, access_until, cancelled_at, created_at, updated_at, doc`
	selectSubscription = `SELECT id, buyer, seller, product_id, product_code, kind, offer_id, status, price_version,
	license_arn, license_revision, license_pending, client_token,
	started_at, trial_ends_at, term_ends_at, cancelled_at, created_at, updated_at, doc FROM subscriptions`
)

func scanSubscription(row scanner) (s subscription.Subscription, err error) {
	var pending int
	var started, trial, term, cancelled, created, updated int64
	var doc string
	if err := row.Scan(&s.ID, &s.Buyer, &s.Seller, &s.ProductID, &s.ProductCode, &s.Kind, &s.OfferID, &s.Status, &s.PriceVersion,
		&s.LicenseArn, &s.LicenseRevision, &pending, &s.ClientToken,
		&started, &trial, &term, &cancelled, &created, &updated, &doc); err != nil {
		return s, err
	}
	var d subscriptionDoc
	if err := decodeDoc(doc, &d, "subscription"); err != nil {
		return s, err
	}
	d.fill(&s)
	s.LicensePending = pending != 0
	s.StartedAt, s.TrialEndsAt, s.TermEndsAt = timeOrZero(started), timeOrZero(trial), timeOrZero(term)
	s.CancelledAt, s.CreatedAt, s.UpdatedAt = timeOrZero(cancelled), timeOrZero(created), timeOrZero(updated)
	return s, nil
}

func (s *Subscriptions) collect(rows *sql.Rows, err error) ([]subscription.Subscription, error) {
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	var out []subscription.Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, s.db.classify(err)
		}
		out = append(out, sub)
	}
	return out, s.db.classify(rows.Err())
}

// notFound names the subscription a getter did not find.
func notFoundSubscription(err error, id string) error {
	if fault.Is(err, fault.NotFound) {
		return fault.New(fault.NotFound, "subscription %s does not exist", id)
	}
	return err
}

// GetSubscription returns a subscription by ID.
func (s *Subscriptions) GetSubscription(ctx context.Context, id string) (sub subscription.Subscription, err error) {
	defer fault.Annotate(&err, "store: read subscription %s", id)
	sub, err = scanSubscription(s.db.queryRow(ctx, selectSubscription+` WHERE id = ?`, id))
	return sub, notFoundSubscription(s.db.classify(err), id)
}

// ListByBuyer returns a page of a buyer's subscriptions.
func (s *Subscriptions) ListByBuyer(ctx context.Context, buyer, productID, after string, limit int) (_ []subscription.Subscription, err error) {
	defer fault.Annotate(&err, "store: list the subscriptions of %s", buyer)
	return s.listBy(ctx, "buyer", buyer, productID, after, limit)
}

// ListBySeller returns a page of the subscriptions to a seller's products.
func (s *Subscriptions) ListBySeller(ctx context.Context, seller, productID, after string, limit int) (_ []subscription.Subscription, err error) {
	defer fault.Annotate(&err, "store: list the subscribers of %s", seller)
	return s.listBy(ctx, "seller", seller, productID, after, limit)
}

// ListAll returns a page of every subscription.
func (s *Subscriptions) ListAll(ctx context.Context, productID, after string, limit int) (_ []subscription.Subscription, err error) {
	defer fault.Annotate(&err, "store: list every subscription")
	if productID == "" {
		return s.collect(s.db.query(ctx, selectSubscription+` WHERE id > ? ORDER BY id LIMIT ?`, after, limit))
	}
	return s.collect(s.db.query(ctx, selectSubscription+` WHERE product_id = ? AND id > ? ORDER BY id LIMIT ?`, productID, after, limit))
}

// listBy reads a page keyed by column (buyer or seller, never a value from
// a request), through the index that gives its order.
func (s *Subscriptions) listBy(ctx context.Context, column, key, productID, after string, limit int) ([]subscription.Subscription, error) {
	if productID == "" {
		return s.collect(s.db.query(ctx, selectSubscription+` WHERE `+column+` = ? AND id > ? ORDER BY id LIMIT ?`, key, after, limit))
	}
	return s.collect(s.db.query(ctx, selectSubscription+` WHERE `+column+` = ? AND product_id = ? AND id > ? ORDER BY id LIMIT ?`,
		key, productID, after, limit))
}

// ForAccountAndCode returns what the entitlement check needs of an
// account's live subscriptions to a code, from one index that holds it all
// (subscriptions_by_buyer_code). No ORDER BY: a buyer has at most one live
// subscription to a product, and asking for an order makes SQLite's planner
// prefer the index that gives it, which holds none of the columns.
func (s *Subscriptions) ForAccountAndCode(ctx context.Context, account, code string) (_ []subscription.Access, err error) {
	defer fault.Annotate(&err, "store: subscriptions of %s to a product code", account)
	rows, err := s.db.query(s.db.quickReadContext(ctx), `SELECT id, status, access_until FROM subscriptions
		WHERE buyer = ? AND product_code = ? AND status <> 'cancelled'`, account, code)
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	var out []subscription.Access
	for rows.Next() {
		var a subscription.Access
		var until int64
		if err := rows.Scan(&a.SubscriptionID, &a.Status, &until); err != nil {
			return nil, s.db.classify(err)
		}
		a.Until = timeOrZero(until)
		out = append(out, a)
	}
	return out, s.db.classify(rows.Err())
}

// LicensePending returns subscriptions whose license work is unfinished.
func (s *Subscriptions) LicensePending(ctx context.Context, limit int) (_ []subscription.Subscription, err error) {
	defer fault.Annotate(&err, "store: subscriptions with license work pending")
	return s.collect(s.db.query(ctx, selectSubscription+` WHERE license_pending = 1 ORDER BY id LIMIT ?`, limit))
}

// Charges returns a subscription's charges in the order they were added.
func (s *Subscriptions) Charges(ctx context.Context, id string) (_ []subscription.Charge, err error) {
	defer fault.Annotate(&err, "store: charges of subscription %s", id)
	rows, err := s.db.query(ctx, selectCharges, id)
	return collectCharges(s.db, rows, err)
}

// Changes returns the epoch and what changed after epoch after. The epoch
// is read first: every change up to it is committed with it, so the log's
// rows up to it are all there unless they were pruned, which the count
// shows.
func (s *Subscriptions) Changes(ctx context.Context, after int64, limit int) (c subscription.Changes, err error) {
	defer fault.Annotate(&err, "store: subscription changes after epoch %d", after)
	if err := s.db.queryRow(ctx, `SELECT epoch FROM subscription_epoch WHERE id = 1`).Scan(&c.Epoch); err != nil {
		return c, s.db.classify(err)
	}
	switch {
	case c.Epoch == after:
		c.Complete = true
		return c, nil
	case c.Epoch < after || c.Epoch-after > int64(limit):
		return c, nil // another store, or too much changed: start over
	}
	rows, err := s.db.query(ctx, `SELECT buyer, product_code FROM subscription_changes WHERE epoch > ? AND epoch <= ? ORDER BY epoch`, after, c.Epoch)
	if err != nil {
		return c, s.db.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k subscription.Key
		if err := rows.Scan(&k.Account, &k.ProductCode); err != nil {
			return c, s.db.classify(err)
		}
		c.Keys = append(c.Keys, k)
	}
	c.Complete = int64(len(c.Keys)) == c.Epoch-after
	return c, s.db.classify(rows.Err())
}

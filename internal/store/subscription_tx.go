package store

import (
	"database/sql"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
	"github.com/tollgate/tollgate/internal/subscription"
)

// subscriptionTx implements subscription.Tx over a write transaction.
type subscriptionTx struct{ tx *Tx }

func (t *subscriptionTx) classify(err error) error { return t.tx.db.classify(err) }

// Now is the transaction's time (Tx.Now).
func (t *subscriptionTx) Now() time.Time { return t.tx.Now() }

func (t *subscriptionTx) Subscription(id string) (s subscription.Subscription, err error) {
	defer fault.Annotate(&err, "store: read subscription %s", id)
	s, err = scanSubscription(t.tx.QueryRow(selectSubscription+` WHERE id = ?`, id))
	return s, notFoundSubscription(t.classify(err), id)
}

func (t *subscriptionTx) SubscriptionByClientToken(buyer, token string) (s subscription.Subscription, err error) {
	defer fault.Annotate(&err, "store: read the subscription of %s with a client token", buyer)
	s, err = scanSubscription(t.tx.QueryRow(selectSubscription+` WHERE buyer = ? AND client_token = ? AND client_token <> ''`, buyer, token))
	return s, t.classify(err)
}

// changeLogLength is how many changes the log keeps: a cache that fell
// further behind drops everything rather than read them all.
const changeLogLength = 10_000

func (t *subscriptionTx) PutSubscription(s subscription.Subscription) (err error) {
	defer fault.Annotate(&err, "store: put subscription %s", s.ID)
	doc, err := encodeDoc(subscriptionDocOf(s), "subscription")
	if err != nil {
		return err
	}
	if _, err := t.tx.Exec(`INSERT INTO subscriptions (`+subscriptionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, price_version = excluded.price_version,
			license_arn = excluded.license_arn, license_revision = excluded.license_revision, license_pending = excluded.license_pending,
			trial_ends_at = excluded.trial_ends_at, term_ends_at = excluded.term_ends_at, access_until = excluded.access_until,
			cancelled_at = excluded.cancelled_at, updated_at = excluded.updated_at, doc = excluded.doc`,
		s.ID, s.Buyer, s.Seller, s.ProductID, s.ProductCode, string(s.Kind), s.OfferID, string(s.Status), s.PriceVersion,
		s.LicenseArn, s.LicenseRevision, boolInt(s.LicensePending), s.ClientToken,
		nanosOrZero(s.StartedAt), nanosOrZero(s.TrialEndsAt), nanosOrZero(s.TermEndsAt), nanosOrZero(s.AccessUntil()),
		nanosOrZero(s.CancelledAt), nanosOrZero(s.CreatedAt), nanosOrZero(s.UpdatedAt), doc); err != nil {
		return t.classify(err)
	}
	return t.raiseEpoch(s.Buyer, s.ProductCode)
}

// raiseEpoch raises the epoch and logs what changed under it, dropping the
// log's oldest entry beyond changeLogLength.
func (t *subscriptionTx) raiseEpoch(buyer, code string) error {
	var epoch int64
	if err := t.tx.QueryRow(`UPDATE subscription_epoch SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch`).Scan(&epoch); err != nil {
		return t.classify(err)
	}
	if _, err := t.tx.Exec(`INSERT INTO subscription_changes (epoch, buyer, product_code) VALUES (?, ?, ?)`, epoch, buyer, code); err != nil {
		return t.classify(err)
	}
	_, err := t.tx.Exec(`DELETE FROM subscription_changes WHERE epoch <= ?`, epoch-changeLogLength)
	return t.classify(err)
}

func (t *subscriptionTx) LiveSubscriptions(buyer, productID string) (_ []subscription.Subscription, err error) {
	defer fault.Annotate(&err, "store: live subscriptions of %s to %s", buyer, productID)
	rows, err := t.tx.Query(selectSubscription+` WHERE buyer = ? AND product_id = ? AND status <> 'cancelled' ORDER BY id`, buyer, productID)
	if err != nil {
		return nil, t.classify(err)
	}
	defer rows.Close()
	var out []subscription.Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, t.classify(err)
		}
		out = append(out, s)
	}
	return out, t.classify(rows.Err())
}

func (t *subscriptionTx) AddCharge(c subscription.Charge) (err error) {
	defer fault.Annotate(&err, "store: add charge %s to subscription %s", c.ID, c.SubscriptionID)
	_, err = t.tx.Exec(`INSERT INTO subscription_charges (id, subscription_id, position, buyer, seller, product_id, product_code, offer_id,
			price_version, kind, description, quantity, unit_price, amount, period_start, period_end, due_at, refunds, created_at)
		VALUES (?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM subscription_charges WHERE subscription_id = ?),
			?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.SubscriptionID, c.SubscriptionID, c.Buyer, c.Seller, c.ProductID, c.ProductCode, c.OfferID,
		c.PriceVersion, string(c.Kind), c.Description, c.Quantity, c.UnitPrice.Micros(), c.Amount.Micros(),
		nanosOrZero(c.PeriodStart), nanosOrZero(c.PeriodEnd), nanosOrZero(c.DueAt), c.Refunds, nanosOrZero(c.CreatedAt))
	return t.classify(err)
}

func (t *subscriptionTx) Charges(id string) (_ []subscription.Charge, err error) {
	defer fault.Annotate(&err, "store: charges of subscription %s", id)
	rows, err := t.tx.Query(selectCharges, id)
	return collectCharges(t.tx.db, rows, err)
}

const selectCharges = `SELECT id, subscription_id, buyer, seller, product_id, product_code, offer_id, price_version, kind, description,
	quantity, unit_price, amount, period_start, period_end, due_at, refunds, created_at
	FROM subscription_charges WHERE subscription_id = ? ORDER BY position`

func collectCharges(db *DB, rows *sql.Rows, err error) ([]subscription.Charge, error) {
	if err != nil {
		return nil, db.classify(err)
	}
	defer rows.Close()
	var out []subscription.Charge
	for rows.Next() {
		var c subscription.Charge
		var unit, amount, start, end, due, created int64
		if err := rows.Scan(&c.ID, &c.SubscriptionID, &c.Buyer, &c.Seller, &c.ProductID, &c.ProductCode, &c.OfferID, &c.PriceVersion,
			&c.Kind, &c.Description, &c.Quantity, &unit, &amount, &start, &end, &due, &c.Refunds, &created); err != nil {
			return nil, db.classify(err)
		}
		c.UnitPrice, c.Amount = money.Amount(unit), money.Amount(amount)
		c.PeriodStart, c.PeriodEnd, c.DueAt, c.CreatedAt = timeOrZero(start), timeOrZero(end), timeOrZero(due), timeOrZero(created)
		out = append(out, c)
	}
	return out, db.classify(rows.Err())
}

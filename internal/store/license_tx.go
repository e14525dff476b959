package store

import (
	"database/sql"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/sealed"
)

// licenseTx implements license.Tx over a write transaction.
type licenseTx struct{ tx *Tx }

func (t *licenseTx) classify(err error) error { return t.tx.db.classify(err) }

// Now is the transaction's time (Tx.Now).
func (t *licenseTx) Now() time.Time { return t.tx.Now() }

func (t *licenseTx) License(arn string) (l license.License, err error) {
	defer fault.Annotate(&err, "store: read license %s", arn)
	l, err = scanLicense(t.tx.QueryRow(selectLicense+` WHERE arn = ?`, arn))
	return l, t.classify(err)
}

func (t *licenseTx) PutLicense(l license.License) (err error) {
	defer fault.Annotate(&err, "store: put license %s version %s", l.LicenseArn, l.Version)
	doc, err := encodeDoc(licenseDocOf(l), "license")
	if err != nil {
		return err
	}
	if _, err := t.tx.Exec(`INSERT INTO licenses (arn, owner, product_sku, fingerprint, status, version, beneficiary, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (arn) DO UPDATE SET status = excluded.status, version = excluded.version, beneficiary = excluded.beneficiary, doc = excluded.doc`,
		l.LicenseArn, l.Owner, l.ProductSKU, l.Issuer.KeyFingerprint, string(l.Status), l.Version, l.Beneficiary, doc); err != nil {
		return err
	}
	_, err = t.tx.Exec(`INSERT INTO license_versions (arn, version, doc) VALUES (?, ?, ?)`, l.LicenseArn, l.Version, doc)
	return err
}

// SetLicenseStatus changes the status of the license as it is now. Its
// versions are immutable: each keeps the status it was published with.
func (t *licenseTx) SetLicenseStatus(arn string, status license.LicenseStatus) (err error) {
	defer fault.Annotate(&err, "store: set license %s status %s", arn, status)
	l, err := t.License(arn)
	if err != nil {
		return err
	}
	l.Status = status
	doc, err := encodeDoc(licenseDocOf(l), "license")
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(`UPDATE licenses SET status = ?, doc = ? WHERE arn = ?`, string(status), doc, arn)
	return err
}

func (t *licenseTx) Grant(arn string) (g license.Grant, err error) {
	defer fault.Annotate(&err, "store: read grant %s", arn)
	g, err = scanGrant(t.tx.QueryRow(`SELECT `+grantColumns+` FROM grants WHERE arn = ?`, arn))
	return g, t.classify(err)
}

func (t *licenseTx) PutGrant(g license.Grant) (err error) {
	defer fault.Annotate(&err, "store: put grant %s version %s", g.GrantArn, g.Version)
	doc, err := encodeDoc(grantDocOf(g), "grant")
	if err != nil {
		return err
	}
	if _, err := t.tx.Exec(`INSERT INTO grants (arn, license_arn, grantor, grantee, product_sku, fingerprint, issuer_name, status, version, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (arn) DO UPDATE SET status = excluded.status, version = excluded.version, doc = excluded.doc`,
		g.GrantArn, g.LicenseArn, g.Grantor, g.Grantee, g.ProductSKU, g.KeyFingerprint, g.IssuerName, string(g.GrantStatus), g.Version, doc); err != nil {
		return err
	}
	_, err = t.tx.Exec(`INSERT INTO grant_versions (arn, version, doc) VALUES (?, ?, ?)`, g.GrantArn, g.Version, doc)
	return err
}

func (t *licenseTx) CountGrants(licenseArn string) (n int, err error) {
	defer fault.Annotate(&err, "store: count the grants of license %s", licenseArn)
	err = t.tx.QueryRow(`SELECT COUNT(*) FROM grants WHERE license_arn = ? AND status NOT IN ('DELETED', 'REJECTED')`, licenseArn).Scan(&n)
	return n, t.classify(err)
}

func (t *licenseTx) GranteeGrants(grantee, sku, fingerprint string) (gs []license.Grant, err error) {
	defer fault.Annotate(&err, "store: grants of %s for a product", grantee)
	rows, err := t.tx.Query(granteeProductGrants, grantee, sku, fingerprint)
	if err != nil {
		return nil, t.classify(err)
	}
	return collectGrants(t.tx.db, rows)
}

func (t *licenseTx) Usage(arn, name string, period, now time.Time) (u license.Usage, err error) {
	defer fault.Annotate(&err, "store: usage of %s of license %s", name, arn)
	err = t.tx.QueryRow(`SELECT
		COALESCE((SELECT drawn FROM license_drawn WHERE license_arn = ? AND name = ? AND period = ?), 0),
		COALESCE((SELECT SUM(quantity) FROM license_seats WHERE license_arn = ? AND name = ? AND expires_at > ?), 0)`,
		arn, name, periodKey(period), arn, name, now.UnixNano()).Scan(&u.Drawn, &u.InUse)
	return u, t.classify(err)
}

func (t *licenseTx) AddDrawn(arn, name string, period time.Time, quantity int64) (err error) {
	defer fault.Annotate(&err, "store: draw %d of %s of license %s", quantity, name, arn)
	_, err = t.tx.Exec(`INSERT INTO license_drawn (license_arn, name, period, drawn) VALUES (?, ?, ?, ?)
		ON CONFLICT (license_arn, name, period) DO UPDATE SET drawn = license_drawn.drawn + excluded.drawn`,
		arn, name, periodKey(period), quantity)
	return err
}

// periodKey is how license_drawn keys a renewal period: the Unix
// nanoseconds of its start, and 0 for the one period of a license that
// does not renew (the zero time).
func periodKey(period time.Time) int64 {
	if period.IsZero() {
		return 0
	}
	return period.UnixNano()
}

func (t *licenseTx) AddSeat(s license.Seat) (err error) {
	defer fault.Annotate(&err, "store: add a seat of %s of license %s", s.Name, s.LicenseArn)
	_, err = t.tx.Exec(`INSERT INTO license_seats (token, license_arn, name, quantity, expires_at) VALUES (?, ?, ?, ?, ?)`,
		s.Token, s.LicenseArn, s.Name, s.Quantity, s.Expires.UnixNano())
	return err
}

func (t *licenseTx) DeleteSeats(token string) (err error) {
	defer fault.Annotate(&err, "store: delete the seats of a checkout")
	_, err = t.tx.Exec(`DELETE FROM license_seats WHERE token = ?`, token)
	return err
}

func (t *licenseTx) ExtendSeats(token string, expires time.Time) (err error) {
	defer fault.Annotate(&err, "store: extend the seats of a checkout")
	_, err = t.tx.Exec(`UPDATE license_seats SET expires_at = ? WHERE token = ?`, expires.UnixNano(), token)
	return err
}

// selectCheckout reads a checkout by its token.
const selectCheckout = `SELECT token, account, license_arn, grant_arn, checkout_type, borrow, node_id, issued_at, expires_at, doc
	FROM license_checkouts WHERE token = ?`

func scanCheckout(row scanner) (c license.Checkout, err error) {
	var borrow int
	var issued, expires int64
	var doc string
	if err := row.Scan(&c.Token, &c.Account, &c.LicenseArn, &c.GrantArn, &c.Type, &borrow, &c.NodeID, &issued, &expires, &doc); err != nil {
		return c, err
	}
	var d checkoutDoc
	if err := decodeDoc(doc, &d, "checkout"); err != nil {
		return c, err
	}
	c.Borrow, c.IssuedAt, c.Expires = borrow != 0, fromNanos(issued), fromNanos(expires)
	return c, d.fill(&c)
}

func (t *licenseTx) Checkout(token string) (c license.Checkout, err error) {
	defer fault.Annotate(&err, "store: read a checkout")
	c, err = scanCheckout(t.tx.QueryRow(selectCheckout, token))
	return c, t.classify(err)
}

func (t *licenseTx) PutCheckout(c license.Checkout) (err error) {
	defer fault.Annotate(&err, "store: put a checkout of license %s", c.LicenseArn)
	doc, err := encodeDoc(checkoutDocOf(c), "checkout")
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(`INSERT INTO license_checkouts (token, account, license_arn, grant_arn, checkout_type, borrow, node_id, issued_at, expires_at, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (token) DO UPDATE SET expires_at = excluded.expires_at, doc = excluded.doc`,
		c.Token, c.Account, c.LicenseArn, c.GrantArn, string(c.Type), boolInt(c.Borrow), c.NodeID, c.IssuedAt.UnixNano(), c.Expires.UnixNano(), doc)
	return err
}

func (t *licenseTx) DeleteCheckout(token string) (err error) {
	defer fault.Annotate(&err, "store: delete a checkout")
	_, err = t.tx.Exec(`DELETE FROM license_checkouts WHERE token = ?`, token)
	return err
}

func (t *licenseTx) Idempotent(account, operation, clientToken string) (a license.Answer, err error) {
	defer fault.Annotate(&err, "store: read the answer to %s of %s", operation, account)
	a, err = scanAnswer(t.tx.QueryRow(selectAnswer, account, operation, clientToken))
	return a, t.classify(err)
}

func (t *licenseTx) DeleteIdempotent(account, operation, clientToken string) (err error) {
	defer fault.Annotate(&err, "store: forget the answer to %s of %s", operation, account)
	_, err = t.tx.Exec(`DELETE FROM client_tokens WHERE account = ? AND operation = ? AND token = ?`, account, operation, clientToken)
	return err
}

func (t *licenseTx) PutIdempotent(account, operation, clientToken, hash string, response []byte, at time.Time) (err error) {
	defer fault.Annotate(&err, "store: keep the answer to %s of %s", operation, account)
	_, err = t.tx.Exec(`INSERT INTO client_tokens (account, operation, token, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		account, operation, clientToken, hash, string(response), at.UnixNano())
	return err
}

// DeleteExpiredCheckouts deletes at most limit floating checkouts that
// expired at or before cutoff, oldest first, with their seats: two set
// deletes over the same selection, so that a batch is two statements
// however large it is.
func (t *licenseTx) DeleteExpiredCheckouts(cutoff time.Time, limit int) (n int, err error) {
	defer fault.Annotate(&err, "store: delete expired checkouts")
	// The literal 'PERPETUAL' matches the partial index license_checkouts_by_expiry.
	const expired = `SELECT token FROM license_checkouts WHERE checkout_type <> 'PERPETUAL' AND expires_at <= ?
		ORDER BY expires_at LIMIT ?`
	if _, err := t.tx.Exec(`DELETE FROM license_seats WHERE token IN (`+expired+`)`, cutoff.UnixNano(), limit); err != nil {
		return 0, err
	}
	return t.count(t.tx.Exec(`DELETE FROM license_checkouts WHERE token IN (`+expired+`)`, cutoff.UnixNano(), limit))
}

// count says how many rows a statement changed.
func (t *licenseTx) count(res sql.Result, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), t.classify(err)
}

// DateClientTokens gives at most limit answers stored before their age was
// kept (created_at 0) the time at, and says how many.
func (t *licenseTx) DateClientTokens(at time.Time, limit int) (n int, err error) {
	defer fault.Annotate(&err, "store: date client-token answers")
	return t.count(t.tx.Exec(`UPDATE client_tokens SET created_at = ? WHERE (account, operation, token) IN
		(SELECT account, operation, token FROM client_tokens WHERE created_at = 0 LIMIT ?)`, at.UnixNano(), limit))
}

// DeleteClientTokens deletes at most limit client-token answers stored at or
// before cutoff.
func (t *licenseTx) DeleteClientTokens(cutoff time.Time, limit int) (n int, err error) {
	defer fault.Annotate(&err, "store: delete old client-token answers")
	return t.count(t.tx.Exec(`DELETE FROM client_tokens WHERE (account, operation, token) IN
		(SELECT account, operation, token FROM client_tokens WHERE created_at <= ? ORDER BY created_at LIMIT ?)`,
		cutoff.UnixNano(), limit))
}

// selectIssuerKey reads an issuer's key by its fingerprint.
const selectIssuerKey = `SELECT fingerprint, private_key_pem, created_at FROM issuer_keys WHERE fingerprint = ?`

// scanIssuerKey reads an issuer's key and opens its sealed private key.
func scanIssuerKey(db *DB, row scanner) (license.IssuerKey, error) {
	var k license.IssuerKey
	var pemText string
	var created int64
	if err := row.Scan(&k.Fingerprint, &pemText, &created); err != nil {
		return license.IssuerKey{}, err
	}
	var err error
	if k.PrivateKeyPEM, err = db.open(pemText, "issuer_keys", k.Fingerprint); err != nil {
		return license.IssuerKey{}, err
	}
	k.CreatedAt = fromNanos(created)
	return k, nil
}

func (t *licenseTx) IssuerKey(fingerprint string) (license.IssuerKey, error) {
	k, err := scanIssuerKey(t.tx.db, t.tx.QueryRow(selectIssuerKey, fingerprint))
	return k, t.classify(err)
}

// PutIssuerKey stores an issuer's key with the private key sealed, bound to
// the fingerprint.
func (t *licenseTx) PutIssuerKey(k license.IssuerKey) error {
	pemText, err := t.tx.seal(k.PrivateKeyPEM, "issuer_keys", k.Fingerprint)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(`INSERT INTO issuer_keys (fingerprint, private_key_pem, created_at) VALUES (?, ?, ?)`,
		k.Fingerprint, pemText, k.CreatedAt.UnixNano())
	return err
}

func (t *licenseTx) PutToken(tok license.Token) (err error) {
	defer fault.Annotate(&err, "store: put token %s", tok.TokenId)
	doc, err := encodeDoc(tokenDocOf(tok), "token")
	if err != nil {
		return err
	}
	// The secret is only ever looked up, so only its hash is kept.
	_, err = t.tx.Exec(`INSERT INTO license_tokens (id, account, secret, license_arn, expires_at, doc) VALUES (?, ?, ?, ?, ?, ?)`,
		tok.TokenId, tok.Account, sealed.HashToken(tok.Secret), tok.LicenseArn, tok.Expires.UnixNano(), doc)
	return err
}

func (t *licenseTx) Token(id string) (tok license.Token, err error) {
	defer fault.Annotate(&err, "store: read token %s", id)
	tok, err = scanToken(t.tx.QueryRow(selectToken+` WHERE id = ?`, id))
	return tok, t.classify(err)
}

func (t *licenseTx) SetTokenStatus(id, status string) (err error) {
	defer fault.Annotate(&err, "store: set token %s status %s", id, status)
	tok, err := t.Token(id)
	if err != nil {
		return err
	}
	tok.Status = status
	doc, err := encodeDoc(tokenDocOf(tok), "token")
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(`UPDATE license_tokens SET doc = ? WHERE id = ?`, doc, id)
	return err
}

func (t *licenseTx) Tags(arn string) (tags []license.Tag, err error) {
	defer fault.Annotate(&err, "store: tags of %s", arn)
	rows, err := t.tx.Query(selectTags, arn)
	return collectTags(t.tx.db, rows, err)
}

func (t *licenseTx) PutTag(arn string, tag license.Tag) (err error) {
	defer fault.Annotate(&err, "store: tag %s", arn)
	_, err = t.tx.Exec(`INSERT INTO license_tags (resource_arn, tag_key, tag_value) VALUES (?, ?, ?)
		ON CONFLICT (resource_arn, tag_key) DO UPDATE SET tag_value = excluded.tag_value`, arn, tag.Key, tag.Value)
	return err
}

func (t *licenseTx) DeleteTag(arn, key string) (err error) {
	defer fault.Annotate(&err, "store: untag %s", arn)
	_, err = t.tx.Exec(`DELETE FROM license_tags WHERE resource_arn = ? AND tag_key = ?`, arn, key)
	return err
}

package store

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/sealed"
)

// Licenses implements license.Store.
type Licenses struct{ db *DB }

// Licenses returns the license store.
func (db *DB) Licenses() *Licenses { return &Licenses{db: db} }

var _ license.Store = (*Licenses)(nil)

// Update runs fn in one durable transaction.
func (s *Licenses) Update(ctx context.Context, fn func(license.Tx) error) error {
	return s.db.Update(ctx, func(tx *Tx) error { return fn(&licenseTx{tx: tx}) })
}

// UpdateLicense runs fn in one durable transaction, after every other
// UpdateLicense of the same license has ended and before the next begins
// (DB.UpdateLocked).
func (s *Licenses) UpdateLicense(ctx context.Context, arn string, fn func(license.Tx) error) error {
	return s.db.UpdateLocked(ctx, "license:"+arn, func(tx *Tx) error { return fn(&licenseTx{tx: tx}) })
}

// Checkout returns a checkout by its consumption token.
func (s *Licenses) Checkout(ctx context.Context, token string) (c license.Checkout, err error) {
	defer fault.Annotate(&err, "store: read a checkout")
	c, err = scanCheckout(s.db.queryRow(ctx, selectCheckout, token))
	return c, s.db.classify(err)
}

// licenseColumnsSelected are the columns scanLicense reads, of the licenses
// table; selectLicenseVersion reads the same of a past version.
const (
	licenseColumnsSelected = `arn, version, owner, doc`
	selectLicense          = `SELECT ` + licenseColumnsSelected + ` FROM licenses`
	selectLicenseVersion   = `SELECT v.arn, v.version, l.owner, v.doc FROM license_versions v JOIN licenses l ON l.arn = v.arn`
)

func scanLicense(row scanner) (license.License, error) {
	var arn, version, owner, doc string
	if err := row.Scan(&arn, &version, &owner, &doc); err != nil {
		return license.License{}, err
	}
	var d licenseDoc
	if err := decodeDoc(doc, &d, "license"); err != nil {
		return license.License{}, err
	}
	return d.license(arn, version, owner)
}

// GetLicense returns a license, at version or at its current version.
func (s *Licenses) GetLicense(ctx context.Context, arn, version string) (l license.License, err error) {
	defer fault.Annotate(&err, "store: read license %s version %q", arn, version)
	if version == "" {
		l, err = scanLicense(s.db.queryRow(ctx, selectLicense+` WHERE arn = ?`, arn))
	} else {
		l, err = scanLicense(s.db.queryRow(ctx, selectLicenseVersion+` WHERE v.arn = ? AND v.version = ?`, arn, version))
	}
	return l, s.db.classify(err)
}

func (s *Licenses) listLicenses(ctx context.Context, query string, args ...any) ([]license.License, error) {
	rows, err := s.db.query(ctx, query, args...)
	return s.collectLicenses(rows, err)
}

func (s *Licenses) collectLicenses(rows *sql.Rows, err error) ([]license.License, error) {
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	var out []license.License
	for rows.Next() {
		l, err := scanLicense(rows)
		if err != nil {
			return nil, s.db.classify(err)
		}
		out = append(out, l)
	}
	return out, s.db.classify(rows.Err())
}

// ListLicensesByOwner returns at most limit of an issuer's licenses whose
// ARN sorts after after, in ARN order, leaving out those whose ARN, product
// SKU, fingerprint, status or beneficiary narrow excludes.
func (s *Licenses) ListLicensesByOwner(ctx context.Context, owner, after string, limit int, narrow license.Narrowing) (ls []license.License, err error) {
	defer fault.Annotate(&err, "store: list the licenses of %s", owner)
	return s.collectLicenses(s.listPage(ctx, selectLicense, `owner = ?`, owner, after, limit, narrow, licenseColumns))
}

// listPage runs `selectFrom WHERE keyColumn = key AND arn > after [AND the
// narrowing] ORDER BY arn LIMIT limit`: through the statement cache when
// nothing narrows it, uncached otherwise, because a narrowed query's text
// depends on the request and the cache must not grow with it.
func (s *Licenses) listPage(ctx context.Context, selectFrom, keyIs, key, after string, limit int,
	narrow license.Narrowing, columns map[string]string) (*sql.Rows, error) {
	base := keyIs + ` AND arn > ?`
	where, args := narrowed(base, []any{key, after}, narrow, columns)
	query := selectFrom + ` WHERE ` + where + ` ORDER BY arn LIMIT ?`
	if where != base {
		return s.db.queryUncached(ctx, query, append(args, limit)...)
	}
	return s.db.query(ctx, query, append(args, limit)...)
}

// licenseColumns and grantColumnsByFilter name the columns that hold what
// list filters (and license.NarrowARN) compare.
var (
	licenseColumns = map[string]string{license.NarrowARN: "arn", "ProductSKU": "product_sku", "Fingerprint": "fingerprint",
		"Status": "status", "Beneficiary": "beneficiary"}
	grantColumnsByFilter = map[string]string{license.NarrowARN: "arn", "LicenseArn": "license_arn", "GrantStatus": "status",
		"ProductSKU": "product_sku", "LicenseIssuerName": "issuer_name"}
)

// narrowed adds to where a condition `column IN (...)` for each filter of
// narrow that columns maps and that has values, in a fixed order, with its
// values as arguments.
func narrowed(where string, args []any, narrow license.Narrowing, columns map[string]string) (string, []any) {
	for _, name := range slices.Sorted(maps.Keys(narrow)) {
		column, ok := columns[name]
		values := narrow[name]
		if !ok || len(values) == 0 {
			continue
		}
		where += ` AND ` + column + ` IN (?` + strings.Repeat(`, ?`, len(values)-1) + `)`
		for _, v := range values {
			args = append(args, v)
		}
	}
	return where, args
}

// ListLicenseVersions lists every version of a license.
func (s *Licenses) ListLicenseVersions(ctx context.Context, arn string) (ls []license.License, err error) {
	defer fault.Annotate(&err, "store: list the versions of license %s", arn)
	return s.listLicenses(ctx, selectLicenseVersion+` WHERE v.arn = ?`, arn)
}

// IssuedLicenses returns the licenses owner issued for a product and issuer
// to beneficiary, in ARN order. The index licenses_by_beneficiary keys the
// first 256 characters of the beneficiary (PostgreSQL refuses longer index
// rows), which the query names as the index does.
func (s *Licenses) IssuedLicenses(ctx context.Context, owner, sku, fingerprint, beneficiary string) (ls []license.License, err error) {
	defer fault.Annotate(&err, "store: licenses %s issued to a beneficiary", owner)
	return s.listLicenses(ctx, selectLicense+` WHERE owner = ? AND substr(beneficiary, 1, 256) = substr(?, 1, 256)
		AND beneficiary = ? AND product_sku = ? AND fingerprint = ? ORDER BY arn`, owner, beneficiary, beneficiary, sku, fingerprint)
}

const grantColumns = `arn, version, license_arn, grantor, grantee, product_sku, fingerprint, issuer_name, doc`

// granteeProductGrants selects a grantee's grants for one product and issuer
// (through the grants_by_grantee index).
const granteeProductGrants = `SELECT ` + grantColumns + ` FROM grants WHERE grantee = ? AND product_sku = ? AND fingerprint = ?`

func scanGrant(row scanner) (license.Grant, error) {
	var r grantRow
	var doc string
	if err := row.Scan(&r.arn, &r.version, &r.licenseArn, &r.grantor, &r.grantee, &r.productSKU, &r.fingerprint, &r.issuerName, &doc); err != nil {
		return license.Grant{}, err
	}
	var d grantDoc
	if err := decodeDoc(doc, &d, "grant"); err != nil {
		return license.Grant{}, err
	}
	return d.grant(r), nil
}

// GetGrant returns a grant, at version or at its current version.
func (s *Licenses) GetGrant(ctx context.Context, arn, version string) (g license.Grant, err error) {
	defer fault.Annotate(&err, "store: read grant %s version %q", arn, version)
	if version == "" {
		g, err = scanGrant(s.db.queryRow(ctx, `SELECT `+grantColumns+` FROM grants WHERE arn = ?`, arn))
	} else {
		g, err = scanGrant(s.db.queryRow(ctx, `SELECT v.arn, v.version, g.license_arn, g.grantor, g.grantee, g.product_sku, g.fingerprint, g.issuer_name, v.doc
			FROM grant_versions v JOIN grants g ON g.arn = v.arn WHERE v.arn = ? AND v.version = ?`, arn, version))
	}
	return g, s.db.classify(err)
}

func (s *Licenses) listGrants(ctx context.Context, where string, arg any) ([]license.Grant, error) {
	rows, err := s.db.query(ctx, `SELECT `+grantColumns+` FROM grants WHERE `+where, arg)
	if err != nil {
		return nil, s.db.classify(err)
	}
	return collectGrants(s.db, rows)
}

func collectGrants(db *DB, rows *sql.Rows) ([]license.Grant, error) {
	defer rows.Close()
	var out []license.Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, db.classify(err)
		}
		out = append(out, g)
	}
	return out, db.classify(rows.Err())
}

// ListGrantsByGrantor returns at most limit of the grants an account gave
// whose ARN sorts after after, in ARN order, leaving out those whose ARN,
// license, status, product SKU or issuer name narrow excludes.
func (s *Licenses) ListGrantsByGrantor(ctx context.Context, account, after string, limit int, narrow license.Narrowing) (gs []license.Grant, err error) {
	defer fault.Annotate(&err, "store: list the grants %s gave", account)
	rows, err := s.listPage(ctx, `SELECT `+grantColumns+` FROM grants`, `grantor = ?`, account, after, limit, narrow, grantColumnsByFilter)
	if err != nil {
		return nil, s.db.classify(err)
	}
	return collectGrants(s.db, rows)
}

// ListGrantsByGrantee lists the grants an account received.
func (s *Licenses) ListGrantsByGrantee(ctx context.Context, account string) (gs []license.Grant, err error) {
	defer fault.Annotate(&err, "store: list the grants %s received", account)
	return s.listGrants(ctx, `grantee = ?`, account)
}

// GranteeProductGrants returns a grantee's grants for one product and issuer.
func (s *Licenses) GranteeProductGrants(ctx context.Context, grantee, sku, fingerprint string) (gs []license.Grant, err error) {
	defer fault.Annotate(&err, "store: grants of %s for a product", grantee)
	rows, err := s.db.query(ctx, granteeProductGrants, grantee, sku, fingerprint)
	if err != nil {
		return nil, s.db.classify(err)
	}
	return collectGrants(s.db, rows)
}

// Usage returns, per entitlement of a license, the units drawn in a renewal
// period and those in use at now, as of one moment: one statement reads
// both, so that a transaction committed meanwhile (a check-in beside a
// draw) is counted wholly or not at all.
func (s *Licenses) Usage(ctx context.Context, arn string, period, now time.Time) (usage map[string]license.Usage, err error) {
	defer fault.Annotate(&err, "store: usage of license %s", arn)
	rows, err := s.db.query(ctx, licenseUsage, arn, periodKey(period), arn, now.UnixNano())
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	out := map[string]license.Usage{}
	for rows.Next() {
		var name string
		var u license.Usage
		if err := rows.Scan(&name, &u.Drawn, &u.InUse); err != nil {
			return nil, s.db.classify(err)
		}
		out[name] = u
	}
	return out, s.db.classify(rows.Err())
}

// licenseUsage sums, per entitlement, a license's draws in one period and
// its seats live at a time.
const licenseUsage = `SELECT name, SUM(drawn), SUM(in_use) FROM (
	SELECT name, drawn, 0 AS in_use FROM license_drawn WHERE license_arn = ? AND period = ?
	UNION ALL
	SELECT name, 0, quantity FROM license_seats WHERE license_arn = ? AND expires_at > ?
) AS usage GROUP BY name`

// IssuerKey returns one issuer's signing key, opening only its sealed
// private key.
func (s *Licenses) IssuerKey(ctx context.Context, fingerprint string) (k license.IssuerKey, err error) {
	defer fault.Annotate(&err, "store: issuer key %s", fingerprint)
	k, err = scanIssuerKey(s.db, s.db.queryRow(ctx, selectIssuerKey, fingerprint))
	return k, s.db.classify(err)
}

// IssuerFingerprints returns every issuer key's fingerprint, in order,
// without reading (or opening) any private key: the JWKS lists them on
// every request.
func (s *Licenses) IssuerFingerprints(ctx context.Context) (out []string, err error) {
	defer fault.Annotate(&err, "store: issuer fingerprints")
	rows, err := s.db.query(ctx, `SELECT fingerprint FROM issuer_keys ORDER BY fingerprint`)
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var fp string
		if err := rows.Scan(&fp); err != nil {
			return nil, s.db.classify(err)
		}
		out = append(out, fp)
	}
	return out, s.db.classify(rows.Err())
}

// scanToken reads a refresh token. Its secret is kept only as a hash
// (sealed.HashToken), so the token comes back without it.
func scanToken(row scanner) (license.Token, error) {
	var id, account, licenseArn, doc string
	var expires int64
	if err := row.Scan(&id, &account, &licenseArn, &expires, &doc); err != nil {
		return license.Token{}, err
	}
	var d tokenDoc
	if err := decodeDoc(doc, &d, "token"); err != nil {
		return license.Token{}, err
	}
	return d.token(id, account, licenseArn, fromNanos(expires)), nil
}

// selectToken reads what scanToken scans.
const selectToken = `SELECT id, account, license_arn, expires_at, doc FROM license_tokens`

// ListTokens lists an account's refresh tokens.
func (s *Licenses) ListTokens(ctx context.Context, account string) (ts []license.Token, err error) {
	defer fault.Annotate(&err, "store: list the tokens of %s", account)
	rows, err := s.db.query(ctx, selectToken+` WHERE account = ?`, account)
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	var out []license.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, s.db.classify(err)
		}
		out = append(out, t)
	}
	return out, s.db.classify(rows.Err())
}

// GetTokenBySecret finds a refresh token by its secret's hash.
func (s *Licenses) GetTokenBySecret(ctx context.Context, secret string) (tok license.Token, err error) {
	defer fault.Annotate(&err, "store: find a token by its secret")
	t, err := scanToken(s.db.queryRow(ctx, selectToken+` WHERE secret = ?`, sealed.HashToken(secret)))
	return t, s.db.classify(err)
}

// selectAnswer reads the answer kept for a client token.
const selectAnswer = `SELECT request_hash, response, created_at FROM client_tokens WHERE account = ? AND operation = ? AND token = ?`

// scanAnswer reads what selectAnswer selects; an answer kept before times
// were (created_at 0) has the zero time.
func scanAnswer(row scanner) (license.Answer, error) {
	var a license.Answer
	var text string
	var at int64
	if err := row.Scan(&a.RequestHash, &text, &at); err != nil {
		return license.Answer{}, err
	}
	a.Response = []byte(text)
	if at != 0 {
		a.At = fromNanos(at)
	}
	return a, nil
}

// Idempotent returns the stored answer to a request with a client token.
func (s *Licenses) Idempotent(ctx context.Context, account, operation, clientToken string) (a license.Answer, err error) {
	defer fault.Annotate(&err, "store: read the answer to %s of %s", operation, account)
	a, err = scanAnswer(s.db.queryRow(ctx, selectAnswer, account, operation, clientToken))
	return a, s.db.classify(err)
}

// Token returns a refresh token by its ID.
func (s *Licenses) Token(ctx context.Context, id string) (tok license.Token, err error) {
	defer fault.Annotate(&err, "store: read token %s", id)
	tok, err = scanToken(s.db.queryRow(ctx, selectToken+` WHERE id = ?`, id))
	return tok, s.db.classify(err)
}

// selectTags reads a resource's tags, by key.
const selectTags = `SELECT tag_key, tag_value FROM license_tags WHERE resource_arn = ? ORDER BY tag_key`

// Tags returns a resource's tags, by key.
func (s *Licenses) Tags(ctx context.Context, arn string) (tags []license.Tag, err error) {
	defer fault.Annotate(&err, "store: tags of %s", arn)
	rows, err := s.db.query(ctx, selectTags, arn)
	return collectTags(s.db, rows, err)
}

func collectTags(db *DB, rows *sql.Rows, err error) ([]license.Tag, error) {
	if err != nil {
		return nil, db.classify(err)
	}
	defer rows.Close()
	var out []license.Tag
	for rows.Next() {
		var t license.Tag
		if err := rows.Scan(&t.Key, &t.Value); err != nil {
			return nil, db.classify(err)
		}
		out = append(out, t)
	}
	return out, db.classify(rows.Err())
}

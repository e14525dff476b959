package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/tollgate/tollgate/internal/fault"
)

// documentsVersion is the migration that rewrites the documents of
// licenses, grants and refresh tokens from the shapes the first versions
// stored, the AWS License Manager wire shapes (the domain's types of the
// time, marshalled as they were), to the store's own (license_doc.go). It
// is written in Go, once for both dialects, because it reshapes nested JSON;
// it shares the sequence of versions with the SQL files of
// migrations/<dialect>, where its number is not used by a file. Down writes
// the first shapes back, for a return to an older Tollgate.
const documentsVersion = 6

func documentsMigration(dialect Dialect) *goose.Migration {
	return goose.NewGoMigration(documentsVersion,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return rewriteDocuments(ctx, tx, dialect, true) }},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return rewriteDocuments(ctx, tx, dialect, false) }},
	)
}

// docTable is a table whose documents the migration rewrites.
type docTable struct {
	name string
	// keys are the columns that identify a row, in order; with is a query
	// of the keys, then of the other columns the rewrites read, then of the
	// document, in rows after a key (the placeholders), in key order, at
	// most a number (the last placeholder).
	keys []string
	with string
	// up and down rewrite a document; cols are the selected columns
	// before the document.
	up, down func(cols []string, doc string) (string, error)
}

var docTables = []docTable{
	{name: "licenses", keys: []string{"arn"},
		with: `SELECT arn, version, doc FROM licenses WHERE arn > ? ORDER BY arn LIMIT ?`,
		up:   licenseUp, down: licenseDown},
	{name: "license_versions", keys: []string{"arn", "version"},
		with: `SELECT arn, version, doc FROM license_versions WHERE (arn, version) > (?, ?) ORDER BY arn, version LIMIT ?`,
		up:   licenseUp, down: licenseDown},
	{name: "grants", keys: []string{"arn"},
		with: `SELECT arn, version, license_arn, doc FROM grants WHERE arn > ? ORDER BY arn LIMIT ?`,
		up:   grantUp, down: grantDown},
	{name: "grant_versions", keys: []string{"arn", "version"},
		with: `SELECT v.arn, v.version, g.license_arn, v.doc FROM grant_versions v JOIN grants g ON g.arn = v.arn
			WHERE (v.arn, v.version) > (?, ?) ORDER BY v.arn, v.version LIMIT ?`,
		up: grantUp, down: grantDown},
	{name: "license_tokens", keys: []string{"id"},
		with: `SELECT id, license_arn, expires_at, doc FROM license_tokens WHERE id > ? ORDER BY id LIMIT ?`,
		up:   tokenUp, down: tokenDown},
}

// documentBatch is how many documents the migration holds at a time.
const documentBatch = 500

// rewriteDocuments rewrites every document of docTables, up to the store's
// shapes or down to the first ones, a batch at a time (a store may hold
// millions), inside the migration's one transaction.
func rewriteDocuments(ctx context.Context, tx *sql.Tx, dialect Dialect, up bool) error {
	for _, t := range docTables {
		rewrite := t.down
		if up {
			rewrite = t.up
		}
		if err := rewriteTable(ctx, tx, dialect, t, rewrite); err != nil {
			return fault.Wrap(err, "rewrite the documents of %s", t.name)
		}
	}
	return nil
}

type docRow struct {
	cols []string
	doc  string
}

func rewriteTable(ctx context.Context, tx *sql.Tx, dialect Dialect, t docTable, rewrite func([]string, string) (string, error)) error {
	var where []string
	for _, k := range t.keys {
		where = append(where, k+" = ?")
	}
	update := rebindFor(dialect, `UPDATE `+t.name+` SET doc = ? WHERE `+strings.Join(where, " AND "))
	after := make([]any, len(t.keys)) // "" sorts before every key
	for i := range after {
		after[i] = ""
	}
	for {
		batch, err := readDocBatch(ctx, tx, rebindFor(dialect, t.with), append(after, documentBatch))
		if err != nil {
			return err
		}
		for _, r := range batch {
			doc, err := rewrite(r.cols, r.doc)
			if err != nil {
				return fault.Wrap(err, "row %v", r.cols[:len(t.keys)])
			}
			args := []any{doc}
			for _, k := range r.cols[:len(t.keys)] {
				args = append(args, k)
			}
			if _, err := tx.ExecContext(ctx, update, args...); err != nil {
				return err
			}
		}
		if len(batch) < documentBatch {
			return nil
		}
		for i, k := range batch[len(batch)-1].cols[:len(t.keys)] {
			after[i] = k
		}
	}
}

func readDocBatch(ctx context.Context, tx *sql.Tx, query string, args []any) ([]docRow, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	n := -1
	var out []docRow
	for rows.Next() {
		if n < 0 {
			names, err := rows.Columns()
			if err != nil {
				return nil, err
			}
			n = len(names) - 1
		}
		r := docRow{cols: make([]string, n)}
		dest := make([]any, n+1)
		for i := range r.cols {
			dest[i] = &r.cols[i]
		}
		dest[n] = &r.doc
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// The first versions' documents: the domain's types of the time, with the
// JSON names of the AWS License Manager model, in their order, so that
// Down writes back what those versions wrote, byte for byte.
type (
	legacyLicense struct {
		LicenseArn               string              `json:"LicenseArn"`
		LicenseName              string              `json:"LicenseName"`
		ProductName              string              `json:"ProductName"`
		ProductSKU               string              `json:"ProductSKU"`
		Issuer                   legacyIssuer        `json:"Issuer"`
		HomeRegion               string              `json:"HomeRegion"`
		Status                   string              `json:"Status"`
		Validity                 legacyValidity      `json:"Validity"`
		Beneficiary              string              `json:"Beneficiary"`
		Entitlements             []legacyEntitlement `json:"Entitlements"`
		ConsumptionConfiguration legacyConsumption   `json:"ConsumptionConfiguration"`
		LicenseMetadata          []legacyMetadata    `json:"LicenseMetadata,omitempty"`
		CreateTime               string              `json:"CreateTime"`
		Version                  string              `json:"Version"`
	}
	legacyIssuer struct {
		Name           string `json:"Name"`
		SignKey        string `json:"SignKey,omitempty"`
		KeyFingerprint string `json:"KeyFingerprint,omitempty"`
	}
	legacyValidity struct {
		Begin string `json:"Begin"`
		End   string `json:"End,omitempty"`
	}
	legacyEntitlement struct {
		Name         string `json:"Name"`
		Value        string `json:"Value,omitempty"`
		MaxCount     *int64 `json:"MaxCount,omitempty"`
		Overage      *bool  `json:"Overage,omitempty"`
		Unit         string `json:"Unit"`
		AllowCheckIn *bool  `json:"AllowCheckIn,omitempty"`
	}
	legacyConsumption struct {
		RenewType                string             `json:"RenewType,omitempty"`
		ProvisionalConfiguration *legacyProvisional `json:"ProvisionalConfiguration,omitempty"`
		BorrowConfiguration      *legacyBorrow      `json:"BorrowConfiguration,omitempty"`
	}
	legacyProvisional struct {
		MaxTimeToLiveInMinutes *int `json:"MaxTimeToLiveInMinutes"`
	}
	legacyBorrow struct {
		AllowEarlyCheckIn      *bool `json:"AllowEarlyCheckIn"`
		MaxTimeToLiveInMinutes *int  `json:"MaxTimeToLiveInMinutes"`
	}
	legacyMetadata struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
	}
	legacyGrant struct {
		GrantArn            string         `json:"GrantArn"`
		GrantName           string         `json:"GrantName"`
		ParentArn           string         `json:"ParentArn"`
		LicenseArn          string         `json:"LicenseArn"`
		GranteePrincipalArn string         `json:"GranteePrincipalArn"`
		HomeRegion          string         `json:"HomeRegion"`
		GrantStatus         string         `json:"GrantStatus"`
		StatusReason        string         `json:"StatusReason,omitempty"`
		Version             string         `json:"Version"`
		GrantedOperations   []string       `json:"GrantedOperations"`
		Options             *legacyOptions `json:"Options,omitempty"`
	}
	legacyOptions struct {
		ActivationOverrideBehavior string `json:"ActivationOverrideBehavior,omitempty"`
	}
	legacyToken struct {
		TokenId         string   `json:"TokenId"`
		TokenType       string   `json:"TokenType"`
		LicenseArn      string   `json:"LicenseArn"`
		ExpirationTime  string   `json:"ExpirationTime"`
		TokenProperties []string `json:"TokenProperties,omitempty"`
		RoleArns        []string `json:"RoleArns,omitempty"`
		Status          string   `json:"Status"`
	}
)

// reshape decodes doc as From, maps it, and encodes the result.
func reshape[From, To any](doc string, f func(From) To) (string, error) {
	var from From
	if err := json.Unmarshal([]byte(doc), &from); err != nil {
		return "", err
	}
	b, err := json.Marshal(f(from))
	return string(b), err
}

// licenseUp: cols are arn, version. The times are kept as they were
// written: each is RFC 3339, which is what the store's documents hold.
func licenseUp(_ []string, doc string) (string, error) {
	return reshape(doc, func(o legacyLicense) licenseDoc {
		d := licenseDoc{Name: o.LicenseName, ProductName: o.ProductName, ProductSKU: o.ProductSKU,
			Issuer:     issuerDoc{Name: o.Issuer.Name, SignKey: o.Issuer.SignKey, Fingerprint: o.Issuer.KeyFingerprint},
			HomeRegion: o.HomeRegion, Status: o.Status, ValidFrom: o.Validity.Begin, ValidUntil: o.Validity.End,
			Beneficiary: o.Beneficiary, Created: o.CreateTime,
			Entitlements: mapSlice(o.Entitlements, func(e legacyEntitlement) entitlementDoc { return entitlementDoc(e) }),
			Metadata:     mapSlice(o.LicenseMetadata, func(m legacyMetadata) pairDoc { return pairDoc(m) }),
		}
		d.Consumption.RenewType = o.ConsumptionConfiguration.RenewType
		if p := o.ConsumptionConfiguration.ProvisionalConfiguration; p != nil {
			d.Consumption.Provisional = &provisionalDoc{TTLMinutes: p.MaxTimeToLiveInMinutes}
		}
		if b := o.ConsumptionConfiguration.BorrowConfiguration; b != nil {
			d.Consumption.Borrow = &borrowDoc{EarlyCheckIn: b.AllowEarlyCheckIn, TTLMinutes: b.MaxTimeToLiveInMinutes}
		}
		return d
	})
}

// licenseDown: cols are arn, version.
func licenseDown(cols []string, doc string) (string, error) {
	return reshape(doc, func(d licenseDoc) legacyLicense {
		o := legacyLicense{LicenseArn: cols[0], LicenseName: d.Name, ProductName: d.ProductName, ProductSKU: d.ProductSKU,
			Issuer:     legacyIssuer{Name: d.Issuer.Name, SignKey: d.Issuer.SignKey, KeyFingerprint: d.Issuer.Fingerprint},
			HomeRegion: d.HomeRegion, Status: d.Status, Validity: legacyValidity{Begin: d.ValidFrom, End: d.ValidUntil},
			Beneficiary: d.Beneficiary, CreateTime: d.Created, Version: cols[1],
			Entitlements:    mapSlice(d.Entitlements, func(e entitlementDoc) legacyEntitlement { return legacyEntitlement(e) }),
			LicenseMetadata: mapSlice(d.Metadata, func(m pairDoc) legacyMetadata { return legacyMetadata(m) }),
		}
		o.ConsumptionConfiguration.RenewType = d.Consumption.RenewType
		if p := d.Consumption.Provisional; p != nil {
			o.ConsumptionConfiguration.ProvisionalConfiguration = &legacyProvisional{MaxTimeToLiveInMinutes: p.TTLMinutes}
		}
		if b := d.Consumption.Borrow; b != nil {
			o.ConsumptionConfiguration.BorrowConfiguration = &legacyBorrow{AllowEarlyCheckIn: b.EarlyCheckIn, MaxTimeToLiveInMinutes: b.TTLMinutes}
		}
		return o
	})
}

// grantUp: cols are arn, version, license ARN.
func grantUp(_ []string, doc string) (string, error) {
	return reshape(doc, func(o legacyGrant) grantDoc {
		d := grantDoc{Name: o.GrantName, ParentArn: o.ParentArn, Principal: o.GranteePrincipalArn, HomeRegion: o.HomeRegion,
			Status: o.GrantStatus, StatusReason: o.StatusReason, Operations: o.GrantedOperations}
		if o.Options != nil {
			d.Activation = o.Options.ActivationOverrideBehavior
		}
		return d
	})
}

// grantDown: cols are arn, version, license ARN.
func grantDown(cols []string, doc string) (string, error) {
	return reshape(doc, func(d grantDoc) legacyGrant {
		o := legacyGrant{GrantArn: cols[0], GrantName: d.Name, ParentArn: d.ParentArn, LicenseArn: cols[2],
			GranteePrincipalArn: d.Principal, HomeRegion: d.HomeRegion, GrantStatus: d.Status, StatusReason: d.StatusReason,
			Version: cols[1], GrantedOperations: d.Operations}
		if d.Activation != "" {
			o.Options = &legacyOptions{ActivationOverrideBehavior: d.Activation}
		}
		return o
	})
}

// tokenUp: cols are the token ID, license ARN and expiry (Unix
// nanoseconds).
func tokenUp(_ []string, doc string) (string, error) {
	return reshape(doc, func(o legacyToken) tokenDoc {
		return tokenDoc{Type: o.TokenType, Properties: o.TokenProperties, RoleArns: o.RoleArns, Status: o.Status}
	})
}

// tokenDown: cols are the token ID, license ARN and expiry (Unix
// nanoseconds), from which the first versions formatted ExpirationTime.
func tokenDown(cols []string, doc string) (string, error) {
	expires, err := strconv.ParseInt(cols[2], 10, 64)
	if err != nil {
		return "", err
	}
	return reshape(doc, func(d tokenDoc) legacyToken {
		return legacyToken{TokenId: cols[0], TokenType: d.Type, LicenseArn: cols[1],
			ExpirationTime:  time.Unix(0, expires).UTC().Format("2006-01-02T15:04:05.000Z"),
			TokenProperties: d.Properties, RoleArns: d.RoleArns, Status: d.Status}
	})
}

package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// TestDocumentsMigrationSQLite and ...Postgres: licenses, grants and refresh
// tokens stored by the versions before migration 6, as JSON documents in
// the AWS wire shapes, read back through this version's store as they were
// written; migration 6 rewrites them in the store's own shapes, and rolling
// it back writes the old documents again, byte for byte.
func TestDocumentsMigrationSQLite(t *testing.T) { testDocumentsMigration(t, unmigratedSQLite(t)) }

func TestDocumentsMigrationPostgres(t *testing.T) { testDocumentsMigration(t, unmigratedPostgres(t)) }

const (
	oldOwner   = "222222222222"
	oldBuyer   = "333333333333"
	oldLicense = "arn:aws:license-manager::222222222222:license:l-old"
	oldGrant   = "arn:aws:license-manager::222222222222:grant:g-old"
	oldFP      = "aws:222222222222:Self:issuer-fingerprint"
)

// oldDocs are documents as the versions before migration 6 wrote them
// (json.Marshal of their domain types), by table and key.
var oldDocs = []struct {
	table, key, version, doc string
}{
	{"license_versions", oldLicense, "1", `{"LicenseArn":"` + oldLicense + `","LicenseName":"Old","ProductName":"Product","ProductSKU":"sku-old",` +
		`"Issuer":{"Name":"Self","KeyFingerprint":"` + oldFP + `"},"HomeRegion":"us-east-1","Status":"AVAILABLE",` +
		`"Validity":{"Begin":"2024-01-01T00:00:00+02:00","End":"2030-01-01T00:00:00.000Z"},"Beneficiary":"333333333333",` +
		`"Entitlements":[{"Name":"Seats","MaxCount":5,"Overage":false,"Unit":"Count","AllowCheckIn":true},{"Name":"Gold","Value":"Enabled","Unit":"None"}],` +
		`"ConsumptionConfiguration":{"RenewType":"None","ProvisionalConfiguration":{"MaxTimeToLiveInMinutes":60}},` +
		`"LicenseMetadata":[{"Name":"tier","Value":"gold"}],"CreateTime":"2024-01-01T00:00:00.000Z","Version":"1"}`},
	{"license_versions", oldLicense, "2", oldLicenseV2},
	{"licenses", oldLicense, "2", oldLicenseV2},
	{"grant_versions", oldGrant, "1", `{"GrantArn":"` + oldGrant + `","GrantName":"contract","ParentArn":"` + oldLicense + `","LicenseArn":"` + oldLicense + `",` +
		`"GranteePrincipalArn":"arn:aws:iam::333333333333:root","HomeRegion":"us-east-1","GrantStatus":"PENDING_ACCEPT","Version":"1",` +
		`"GrantedOperations":["CheckoutLicense","CheckInLicense"]}`},
	{"grant_versions", oldGrant, "2", oldGrantV2},
	{"grants", oldGrant, "2", oldGrantV2},
	{"license_tokens", "token-old", "", `{"TokenId":"token-old","TokenType":"REFRESH_TOKEN","LicenseArn":"` + oldLicense + `",` +
		`"ExpirationTime":"2026-03-14T16:09:26.535Z","TokenProperties":["on-prem"],"Status":"AVAILABLE"}`},
}

const (
	oldLicenseV2 = `{"LicenseArn":"` + oldLicense + `","LicenseName":"Old, renewed","ProductName":"Product","ProductSKU":"sku-old",` +
		`"Issuer":{"Name":"Self","SignKey":"key","KeyFingerprint":"` + oldFP + `"},"HomeRegion":"us-east-1","Status":"DEACTIVATED",` +
		`"Validity":{"Begin":"2025-01-01T00:00:00Z"},"Beneficiary":"333333333333","Entitlements":[{"Name":"Seats","MaxCount":10,"Unit":"Count"}],` +
		`"ConsumptionConfiguration":{"BorrowConfiguration":{"AllowEarlyCheckIn":true,"MaxTimeToLiveInMinutes":1440}},` +
		`"CreateTime":"2025-01-01T00:00:00.000Z","Version":"2"}`
	oldGrantV2 = `{"GrantArn":"` + oldGrant + `","GrantName":"contract","ParentArn":"` + oldLicense + `","LicenseArn":"` + oldLicense + `",` +
		`"GranteePrincipalArn":"arn:aws:iam::333333333333:root","HomeRegion":"us-east-1","GrantStatus":"ACTIVE","StatusReason":"ok","Version":"2",` +
		`"GrantedOperations":["CheckoutLicense","CheckInLicense"],"Options":{"ActivationOverrideBehavior":"ALL_GRANTS_PERMITTED_BY_ISSUER"}}`
)

// oldExpected is what the store must read from oldDocs.
func oldExpected() (v1, v2 license.License, g1, g2 license.Grant, tok license.Token) {
	five, ten, no, yes, hour, day := int64(5), int64(10), false, true, 60, 1440
	v1 = license.License{LicenseArn: oldLicense, LicenseName: "Old", ProductName: "Product", ProductSKU: "sku-old",
		Issuer: license.Issuer{Name: "Self", KeyFingerprint: oldFP}, HomeRegion: "us-east-1", Status: license.StatusAvailable,
		// Read as the times they are, in UTC, whatever zone they were written in.
		Validity:    license.Validity{Begin: date(2023, 12, 31, 22), End: date(2030, 1, 1, 0)},
		Beneficiary: oldBuyer,
		Entitlements: []license.Entitlement{{Name: "Seats", MaxCount: &five, Overage: &no, Unit: "Count", AllowCheckIn: &yes},
			{Name: "Gold", Value: "Enabled", Unit: license.UnitNone}},
		ConsumptionConfiguration: license.ConsumptionConfiguration{RenewType: "None",
			ProvisionalConfiguration: &license.ProvisionalConfiguration{MaxTimeToLiveInMinutes: &hour}},
		LicenseMetadata: []license.Metadata{{Name: "tier", Value: "gold"}},
		CreateTime:      date(2024, 1, 1, 0), Version: "1", Owner: oldOwner}
	v2 = license.License{LicenseArn: oldLicense, LicenseName: "Old, renewed", ProductName: "Product", ProductSKU: "sku-old",
		Issuer: license.Issuer{Name: "Self", SignKey: "key", KeyFingerprint: oldFP}, HomeRegion: "us-east-1", Status: license.StatusDeactivated,
		Validity: license.Validity{Begin: date(2025, 1, 1, 0)}, Beneficiary: oldBuyer,
		Entitlements: []license.Entitlement{{Name: "Seats", MaxCount: &ten, Unit: "Count"}},
		ConsumptionConfiguration: license.ConsumptionConfiguration{
			BorrowConfiguration: &license.BorrowConfiguration{AllowEarlyCheckIn: &yes, MaxTimeToLiveInMinutes: &day}},
		CreateTime: date(2025, 1, 1, 0), Version: "2", Owner: oldOwner}
	g1 = license.Grant{GrantArn: oldGrant, GrantName: "contract", ParentArn: oldLicense, LicenseArn: oldLicense,
		GranteePrincipalArn: "arn:aws:iam::333333333333:root", HomeRegion: "us-east-1", GrantStatus: license.GrantPendingAccept, Version: "1",
		GrantedOperations: []license.Operation{license.OpCheckoutLicense, license.OpCheckInLicense},
		Grantor:           oldOwner, Grantee: oldBuyer, ProductSKU: "sku-old", KeyFingerprint: oldFP, IssuerName: "Self"}
	g2 = g1
	g2.GrantStatus, g2.StatusReason, g2.Version = license.GrantActive, "ok", "2"
	g2.Options = &license.Options{ActivationOverrideBehavior: license.ActivationAllGrants}
	expires := storetest.Epoch.Add(time.Hour)
	tok = license.Token{TokenId: "token-old", TokenType: license.RefreshTokenType, LicenseArn: oldLicense,
		TokenProperties: []string{"on-prem"}, Status: "AVAILABLE", Account: oldBuyer, Expires: expires}
	return v1, v2, g1, g2, tok
}

func date(year int, month time.Month, day, hour int) time.Time {
	return time.Date(year, month, day, hour, 0, 0, 0, time.UTC)
}

func testDocumentsMigration(t *testing.T, u unmigrated) {
	dialect, cfg := u.dialect, u.cfg
	ctx := t.Context()
	conn := u.open(t)
	if err := store.MigrateUpTo(ctx, conn, dialect, 5); err != nil {
		t.Fatalf("migrate to 5: %v", err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if dialect == store.Postgres {
			for i := 1; strings.Contains(q, "?"); i++ {
				q = strings.Replace(q, "?", "$"+string(rune('0'+i)), 1)
			}
		}
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO licenses (arn, owner, product_sku, fingerprint, status, version, beneficiary, doc) VALUES (?, ?, ?, ?, ?, ?, ?, '')`,
		oldLicense, oldOwner, "sku-old", oldFP, license.StatusDeactivated, "2", oldBuyer)
	exec(`INSERT INTO license_versions (arn, version, doc) VALUES (?, '1', ''), (?, '2', '')`, oldLicense, oldLicense)
	exec(`INSERT INTO grants (arn, license_arn, grantor, grantee, product_sku, fingerprint, issuer_name, status, version, doc)
		VALUES (?, ?, ?, ?, ?, ?, 'Self', ?, '2', '')`, oldGrant, oldLicense, oldOwner, oldBuyer, "sku-old", oldFP, license.GrantActive)
	exec(`INSERT INTO grant_versions (arn, version, doc) VALUES (?, '1', ''), (?, '2', '')`, oldGrant, oldGrant)
	exec(`INSERT INTO license_tokens (id, account, secret, license_arn, expires_at, doc) VALUES ('token-old', ?, 'tgr-old', ?, ?, '')`,
		oldBuyer, oldLicense, storetest.Epoch.Add(time.Hour).UnixNano())
	exec(`INSERT INTO secrets_unsealed (pending) VALUES (1)`) // what migration 5 leaves in a store with secrets
	for _, d := range oldDocs {
		if d.table == "license_tokens" {
			exec(`UPDATE license_tokens SET doc = ? WHERE id = ?`, d.doc, d.key)
		} else if strings.HasSuffix(d.table, "_versions") {
			exec(`UPDATE `+d.table+` SET doc = ? WHERE arn = ? AND version = ?`, d.doc, d.key, d.version)
		} else {
			exec(`UPDATE `+d.table+` SET doc = ? WHERE arn = ?`, d.doc, d.key)
		}
	}
	conn.Close()

	readBack := func(when string) {
		t.Helper()
		db, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatalf("open and migrate (%s): %v", when, err)
		}
		defer db.Close()
		v1, v2, g1, g2, tok := oldExpected()
		lm := db.Licenses()
		got, err := lm.GetLicense(ctx, oldLicense, "")
		storetest.NoError(t, err, "current license "+when)
		storetest.Diff(t, "current license "+when, v2, got)
		got, err = lm.GetLicense(ctx, oldLicense, "1")
		storetest.NoError(t, err, "license version 1 "+when)
		storetest.Diff(t, "license version 1 "+when, v1, got)
		gotGrant, err := lm.GetGrant(ctx, oldGrant, "")
		storetest.NoError(t, err, "current grant "+when)
		storetest.Diff(t, "current grant "+when, g2, gotGrant)
		gotGrant, err = lm.GetGrant(ctx, oldGrant, "1")
		storetest.NoError(t, err, "grant version 1 "+when)
		storetest.Diff(t, "grant version 1 "+when, g1, gotGrant)
		gotTok, err := lm.GetTokenBySecret(ctx, "tgr-old")
		storetest.NoError(t, err, "token by its secret "+when)
		storetest.Diff(t, "token "+when, tok, gotTok)
	}
	readBack("after migration 6")

	conn = u.open(t)
	defer conn.Close()
	var doc string
	if err := conn.QueryRowContext(ctx, `SELECT doc FROM licenses`).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc, `{"name":"Old, renewed",`) {
		t.Errorf("the license's document after migration 6 is not in the store's shape: %s", doc)
	}
	if err := store.MigrateDownTo(ctx, conn, dialect, 5); err != nil {
		t.Fatalf("roll back to 5: %v", err)
	}
	for _, d := range oldDocs {
		q := `SELECT doc FROM ` + d.table + ` WHERE arn = '` + d.key + `'`
		switch {
		case d.table == "license_tokens":
			q = `SELECT doc FROM license_tokens WHERE id = '` + d.key + `'`
		case strings.HasSuffix(d.table, "_versions"):
			q += ` AND version = '` + d.version + `'`
		}
		if err := conn.QueryRowContext(ctx, q).Scan(&doc); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if doc != d.doc {
			t.Errorf("%s %s %s after rolling back:\n got %s\nwant %s", d.table, d.key, d.version, doc, d.doc)
		}
	}
	readBack("after rolling back and migrating again")
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/toolmain"
)

// The licenses the checkout targets use. seed-licenses creates them in a
// data directory before `tollgate serve --demo` starts on it; the targets
// derive every name from the same scheme, so nothing is passed between the
// two but --licenses.
//
//   - checkout-hot: one license of the demo seller (Self issuer) for product
//     hotSKU, granted to the demo buyer, with one floating entitlement
//     "Seats" of hotMaxCount units.
//   - checkout-spread: --count licenses for product spreadSKU, license i
//     granted to its own buyer account spreadAccount(i), whose access key
//     is spreadKey(i); each license has "Seats" with spreadMaxCount units.
const (
	hotSKU         = "tollgate-load-hot"
	spreadSKU      = "tollgate-load-spread"
	seatName       = "Seats"
	hotMaxCount    = 1_000_000_000
	spreadMaxCount = 10
	seedTTLMinutes = 60
)

// loadFingerprint is the key fingerprint of the demo seller's Self-issued
// licenses.
func loadFingerprint() string {
	return demo.Fingerprint(demo.Parties())
}

// spreadAccount is buyer i's 12-digit account ID.
func spreadAccount(i int) string { return fmt.Sprintf("4%011d", i) }

// spreadKey is buyer i's access key ID (20 characters) and secret (40).
func spreadKey(i int) (id, secret string) {
	return fmt.Sprintf("AKIALOAD%012d", i), fmt.Sprintf("tollgate-load-buyer-secret-%014d", i)
}

const seedUsage = `tollgate-load seed-licenses: create the checkout targets' licenses in a
Tollgate store (a data directory, or a PostgreSQL database), before the server
starts on it.

Usage:
  tollgate-load seed-licenses --data DIR [--count 10000] [--batch 5000]
  tollgate-load seed-licenses --database-url URL [--count 10000] [--batch 5000]

Creates the demo world (as tollgate serve --demo would), the checkout-hot
license, and --count checkout-spread licenses, each with its own buyer account
and access key. The hot license and the first spread license (with its grant,
accepted and activated) go through the License Manager service, as the API
would create them; the other spread licenses and grants are copies of that
first one with their own ARNs and buyer, written --batch at a time in one
transaction each through the store's license transaction (PutLicense,
PutGrant: the same statements the service runs), and their accounts and keys
through the account store's transaction (Tx.CreateAccount, which seals the
secrets). Only each grant's current version is copied, not its history.

Flags:
`

// runSeed is the seed-licenses subcommand.
func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tollgate-load seed-licenses", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, seedUsage); fs.PrintDefaults() }
	dir := fs.String("data", "", "Tollgate data directory (created if missing; the server must not be running on it)")
	dbURL := fs.String("database-url", "", "PostgreSQL store (postgres://...), as tollgate serve --database-url; wins over --data")
	count := fs.Int("count", 10000, "checkout-spread licenses (and buyers) to create")
	batch := fs.Int("batch", 5000, "licenses written per transaction")
	if err := toolmain.Parse(fs, args); err != nil {
		return err
	}
	if (*dir == "" && *dbURL == "") || *count < 1 || *batch < 1 || fs.NArg() > 0 {
		return usagef("seed-licenses needs --data DIR or --database-url URL, a positive --count and --batch, and no other arguments")
	}
	start := time.Now()
	db, err := store.Open(ctx, store.Config{DataDir: *dir, DatabaseURL: *dbURL})
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	world, err := demo.Seed(ctx, db.Accounts(), now)
	if err != nil {
		return err
	}
	svc := license.NewService(db.Licenses(), clock.Real{}, noOperators{}, license.Config{})
	seller, buyer := world.Seller.Account.ID, world.Buyer.Account.ID
	if _, err := seedViaService(ctx, svc, db.Licenses(), seller, buyer, hotSKU, hotMaxCount, now); err != nil {
		return fmt.Errorf("hot license: %w", err)
	}
	if err := seedAccounts(ctx, db, 0, 1, now); err != nil {
		return err
	}
	tmplGrant, err := seedViaService(ctx, svc, db.Licenses(), seller, spreadAccount(0), spreadSKU, spreadMaxCount, now)
	if err != nil {
		return fmt.Errorf("spread license 0: %w", err)
	}
	lm := db.Licenses()
	tmplLicense, err := lm.GetLicense(ctx, tmplGrant.LicenseArn, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded the demo world, the hot license and spread license 0 through the service (%.1f s)\n", time.Since(start).Seconds())
	for from := 1; from < *count; from += *batch {
		to := min(from+*batch, *count)
		if err := seedAccounts(ctx, db, from, to, now); err != nil {
			return err
		}
		err := lm.Update(ctx, func(tx license.Tx) error {
			for i := from; i < to; i++ {
				acct := spreadAccount(i)
				l := tmplLicense
				l.LicenseArn = "arn:aws:license-manager::" + seller + ":license:l-" + randomHex(16)
				l.Beneficiary = acct
				if err := tx.PutLicense(l); err != nil {
					return err
				}
				g := tmplGrant
				g.GrantArn = "arn:aws:license-manager::" + seller + ":grant:g-" + randomHex(16)
				g.LicenseArn, g.ParentArn = l.LicenseArn, l.LicenseArn
				g.GranteePrincipalArn, g.Grantee = "arn:aws:iam::"+acct+":root", acct
				if err := tx.PutGrant(g); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("spread licenses %d-%d: %w", from, to-1, err)
		}
		if (to/(*batch))%20 == 0 || to == *count {
			fmt.Fprintf(stdout, "seeded %d spread licenses (%.1f s)\n", to, time.Since(start).Seconds())
		}
	}
	return nil
}

// seedAccounts creates spread buyers from..to-1 with their access keys, in
// one transaction, through the account store's Tx.CreateAccount.
func seedAccounts(ctx context.Context, db *store.DB, from, to int, now time.Time) error {
	return db.Update(ctx, func(tx *store.Tx) error {
		for i := from; i < to; i++ {
			acct := spreadAccount(i)
			id, secret := spreadKey(i)
			if err := tx.CreateAccount(account.Account{ID: acct, Name: fmt.Sprintf("load buyer %d", i), CreatedAt: now},
				account.AccessKey{ID: id, Secret: secret, AccountID: acct, CreatedAt: now}); err != nil {
				return fmt.Errorf("account %s: %w", acct, err)
			}
		}
		return nil
	})
}

// seedViaService creates a license of one floating entitlement for buyer,
// grants it, accepts and activates the grant, all through the service, and
// returns the active grant.
func seedViaService(ctx context.Context, svc *license.Service, lm *store.Licenses, seller, buyer, sku string, maxCount int64, now time.Time) (license.Grant, error) {
	ttl, allow := seedTTLMinutes, true
	lic, err := svc.CreateLicense(ctx, seller, license.CreateLicenseInput{
		LicenseName: "tollgate-load " + sku, ProductName: "tollgate-load", ProductSKU: sku, Issuer: &license.Issuer{Name: "Self"},
		HomeRegion: "us-east-1", Beneficiary: buyer, ClientToken: randomHex(16),
		Validity:     &license.Validity{Begin: now.Add(-time.Hour), End: now.AddDate(1, 0, 0)},
		Entitlements: []license.Entitlement{{Name: seatName, Unit: "Count", MaxCount: &maxCount, AllowCheckIn: &allow}},
		ConsumptionConfiguration: &license.ConsumptionConfiguration{RenewType: "None",
			ProvisionalConfiguration: &license.ProvisionalConfiguration{MaxTimeToLiveInMinutes: &ttl}},
	})
	if err != nil {
		return license.Grant{}, fmt.Errorf("CreateLicense: %w", err)
	}
	g, err := svc.CreateGrant(ctx, seller, license.CreateGrantInput{GrantName: "tollgate-load", LicenseArn: lic.LicenseArn,
		Principals: []string{"arn:aws:iam::" + buyer + ":root"}, HomeRegion: "us-east-1", ClientToken: randomHex(16),
		AllowedOperations: []license.Operation{license.OpCheckoutLicense, license.OpCheckInLicense, license.OpExtendConsumption}})
	if err != nil {
		return license.Grant{}, fmt.Errorf("CreateGrant: %w", err)
	}
	if _, err := svc.AcceptGrant(ctx, buyer, license.GrantArnInput{GrantArn: g.GrantArn}); err != nil {
		return license.Grant{}, fmt.Errorf("AcceptGrant: %w", err)
	}
	if _, err := svc.CreateGrantVersion(ctx, buyer, license.CreateGrantVersionInput{GrantArn: g.GrantArn,
		Status: license.GrantActive, ClientToken: randomHex(16)}); err != nil {
		return license.Grant{}, fmt.Errorf("activating the grant: %w", err)
	}
	return lm.GetGrant(ctx, g.GrantArn, "")
}

// noOperators says no account is an operator; the seeded licenses are
// Self-issued, which needs none.
type noOperators struct{}

func (noOperators) IsOperator(context.Context, string) (bool, error) { return false, nil }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

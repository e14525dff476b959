package storetest

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/license"
)

var _ = register("LicenseDrawnPerPeriod", LicenseDrawnPerPeriod)

// LicenseDrawnPerPeriod tests that what PERPETUAL checkouts drew is kept
// per renewal period: each period counts its own draws, the zero period (a
// license that does not renew) is one of them, and adding to one period
// leaves the others as they were.
func LicenseDrawnPerPeriod(t *testing.T, open Opener) {
	db := open(t)
	const arn = "arn:aws:license-manager::222222222222:license:l-renews"
	week1, week2 := Epoch, Epoch.Add(7*24*time.Hour)
	NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
		for _, d := range []struct {
			period time.Time
			name   string
			n      int64
		}{{week1, "Calls", 10}, {week1, "Calls", 5}, {week2, "Calls", 3}, {time.Time{}, "Calls", 7}, {week2, "Bytes", 1}} {
			if err := tx.AddDrawn(arn, d.name, d.period, d.n); err != nil {
				return err
			}
		}
		return tx.AddSeat(license.Seat{Token: "seat", LicenseArn: arn, Name: "Calls", Quantity: 2, Expires: Epoch.Add(time.Hour)})
	}), "draw in three periods")
	for _, tc := range []struct {
		name   string
		period time.Time
		want   map[string]license.Usage
	}{
		{"first week", week1, map[string]license.Usage{"Calls": {Drawn: 15, InUse: 2}}},
		{"second week", week2, map[string]license.Usage{"Calls": {Drawn: 3, InUse: 2}, "Bytes": {Drawn: 1}}},
		{"no renewal", time.Time{}, map[string]license.Usage{"Calls": {Drawn: 7, InUse: 2}}},
		{"a week nothing was drawn in", week2.Add(7 * 24 * time.Hour), map[string]license.Usage{"Calls": {InUse: 2}}},
	} {
		got, err := db.Licenses().Usage(t.Context(), arn, tc.period, Epoch)
		NoError(t, err, "usage of the "+tc.name)
		Diff(t, "usage of the "+tc.name, tc.want, got)
		NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
			u, err := tx.Usage(arn, "Calls", tc.period, Epoch)
			Diff(t, "Calls in the "+tc.name+" in a transaction", tc.want["Calls"], u)
			return err
		}), "usage in a transaction")
	}
}

package storetest

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/license"
)

var _ = register("LicenseUsageIsOneSnapshot", LicenseUsageIsOneSnapshot)

// LicenseUsageIsOneSnapshot tests that Usage reads what was drawn and what
// is in use as of one moment. A writer turns seats into draws one at a
// time, in transactions that keep drawn plus in use at the same total,
// while readers sample Usage: a sample that read the draws before a
// transaction and the seats after it would count one unit fewer, a total
// the pool never had (GetLicenseUsage answering 8 of 10 while 9 or 10 were
// taken).
func LicenseUsageIsOneSnapshot(t *testing.T, open Opener) {
	db := open(t)
	const arn = "arn:aws:license-manager::222222222222:license:l-snapshot"
	const seats = 300
	NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
		for i := range seats {
			if err := tx.AddSeat(license.Seat{Token: "seat-" + strconv.Itoa(i), LicenseArn: arn, Name: "Seats", Quantity: 1,
				Expires: Epoch.Add(time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	}), "take the seats")

	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var mu sync.Mutex
	samples, torn := 0, map[int64]int{}
	for range 2 {
		wg.Go(func() {
			for ctx.Err() == nil {
				u, err := db.Licenses().Usage(ctx, arn, time.Time{}, Epoch)
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					t.Errorf("usage: %v", err)
					return
				}
				mu.Lock()
				samples++
				if total := u["Seats"].Drawn + u["Seats"].InUse; total != seats {
					torn[total]++
				}
				mu.Unlock()
			}
		})
	}
	for i := range seats {
		NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
			if err := tx.DeleteSeats("seat-" + strconv.Itoa(i)); err != nil {
				return err
			}
			return tx.AddDrawn(arn, "Seats", time.Time{}, 1)
		}), "turn a seat into a draw")
	}
	stop()
	wg.Wait()
	t.Logf("%d usage samples while %d seats became draws", samples, seats)
	if len(torn) > 0 {
		t.Errorf("usage read drawn and in use at different moments: totals other than %d (total: samples) %v", seats, torn)
	}
}

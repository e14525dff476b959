package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/store"
)

var _ = register("Close", Close)

// Close tests closing a store: writes racing with Close either commit or fail,
// writes after it fail, none panics or hangs, and Close may be called again.
func Close(t *testing.T, open Opener) {
	t.Run("WritesAfterClose", func(t *testing.T) {
		db := open(t)
		NoError(t, db.PutSetting(t.Context(), "before", "close"), "write before close")
		NoError(t, db.Close(), "close")
		for i := range 20 { // enough to hit every branch of a select
			if err := db.PutSetting(t.Context(), "after", "close"); err == nil {
				t.Fatalf("write %d after Close succeeded", i)
			}
		}
		NoError(t, db.Close(), "close again")
	})

	t.Run("WritesRacingClose", func(t *testing.T) {
		db := open(t)
		const n = 100
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_ = db.Update(t.Context(), func(tx *store.Tx) error {
					return putSetting(tx, fmt.Sprintf("r%03d", i), "v")
				})
			})
		}
		NoError(t, db.Close(), "close while writes arrive")
		done := make(chan struct{})
		go func() {
			wg.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("writes racing Close still waiting 30s later")
		}
	})
}

package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// TestHotKeyWaitersHoldNoConnectionPostgres: while one write holds a hot
// key and twenty more wait for it, on a store of four connections, a write
// that names no key still gets a connection and commits; once the holder
// finishes, every waiter runs, one after another.
func TestHotKeyWaitersHoldNoConnectionPostgres(t *testing.T) {
	cfg := storetest.PostgresConfig(storetest.PostgresURL(t))(t)
	cfg.MaxConns = 4
	ctx := context.Background()
	db, err := store.Open(ctx, cfg)
	storetest.NoError(t, err, "open")
	defer db.Close()

	holding, finish := make(chan struct{}), make(chan struct{})
	holderDone := make(chan error, 1)
	go func() {
		holderDone <- db.UpdateLocked(ctx, "hot", func(tx *store.Tx) error {
			close(holding)
			<-finish
			return nil
		})
	}()
	<-holding

	const waiters = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	running, most := 0, 0
	errs := make(chan error, waiters)
	for range waiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.UpdateLocked(ctx, "hot", func(tx *store.Tx) error {
				mu.Lock()
				running++
				most = max(most, running)
				mu.Unlock()
				_, err := tx.Exec(`SELECT 1`)
				mu.Lock()
				running--
				mu.Unlock()
				return err
			})
		}()
	}
	time.Sleep(200 * time.Millisecond) // let the waiters line up

	other, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err = db.Update(other, func(tx *store.Tx) error {
		_, err := tx.Exec(`SELECT 1`)
		return err
	})
	if err != nil {
		t.Fatalf("a write naming no key, while 20 writers wait for a hot key on 4 connections: %v", err)
	}

	close(finish)
	storetest.NoError(t, <-holderDone, "the holder")
	wg.Wait()
	close(errs)
	for err := range errs {
		storetest.NoError(t, err, "a waiter")
	}
	if most != 1 {
		t.Fatalf("%d writers of one key ran at once; want 1", most)
	}
}

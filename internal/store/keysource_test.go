package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/sealed"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// TestKeyRereadRateLimitedSQLite and ...Postgres: a store whose key file
// lacks the key its values are now sealed under reads the file again at
// most once per interval, however many requests need the key, one reader
// at a time; each of them gets a clean Unavailable error whose cause (for
// the log) names the key and the file, and whose message (for the client)
// names neither. Once the file holds the key, the next read past the
// interval finds it, and no further read follows.
func TestKeyRereadRateLimitedSQLite(t *testing.T) {
	testKeyRereadRateLimited(t, storetest.SQLiteConfig(t))
}

func TestKeyRereadRateLimitedPostgres(t *testing.T) {
	testKeyRereadRateLimited(t, storetest.PostgresConfig(storetest.PostgresURL(t))(t))
}

// fakeWall is a settable clock safe for concurrent reads.
type fakeWall struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeWall) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeWall) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func testKeyRereadRateLimited(t *testing.T, cfg store.Config) {
	t.Setenv(store.SecretKeyEnv, "")
	t.Setenv(store.SecretKeyFileEnv, "")
	ctx := context.Background()
	keyFile := filepath.Join(t.TempDir(), "server.key")
	if _, _, err := sealed.CreateKeyFile(keyFile); err != nil {
		t.Fatal(err)
	}
	oldText, err := os.ReadFile(keyFile)
	storetest.NoError(t, err, "read the key file")
	cfg.SecretKey, cfg.SecretKeyFile = "", keyFile
	db := storetest.OpenConfig(t, cfg)
	wall := &fakeWall{now: storetest.Epoch}
	db.SetKeyRereadClock(wall.Now)
	acct, key := storetest.CreateAccount(t, db, 1)

	// Another process rotates the store to a key the server's file lacks.
	newText := sealed.GenerateKey()
	newKeys, err := sealed.ParseKeys(newText)
	storetest.NoError(t, err, "parse the new key")
	rotating := cfg
	rotating.NewSecretKeys = newKeys
	_, err = storetest.OpenConfig(t, rotating).ResealSecrets(ctx)
	storetest.NoError(t, err, "reseal")

	// lookups looks key up n times at once and returns the errors.
	lookups := func(n int) []error {
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				got, err := db.Accounts().GetAccessKey(ctx, key.ID)
				if err == nil && got.Secret != key.Secret {
					t.Errorf("key read back with another secret")
				}
				errs[i] = err
			})
		}
		wg.Wait()
		return errs
	}
	wantReads := func(when string, want int64) {
		t.Helper()
		if got := db.KeySourceReads(); got != want {
			t.Fatalf("%s: the key file was read again %d times, want %d", when, got, want)
		}
	}
	wantMissing := func(when string, errs ...error) {
		t.Helper()
		for _, err := range errs {
			storetest.WantKind(t, err, fault.Unavailable)
			cause := "the store holds secrets sealed under key " + newKeys.Primary() + " that file " + keyFile + " does not hold; give every server the new key"
			if !strings.Contains(err.Error(), cause) {
				t.Fatalf("%s: %v; want the cause to say %q", when, err, cause)
			}
			if msg := fault.As(err).Message; strings.Contains(msg, newKeys.Primary()) || strings.Contains(msg, keyFile) {
				t.Fatalf("%s: the client would be told %q", when, msg)
			}
		}
	}

	wantMissing("200 lookups at once", lookups(200)...)
	wantReads("after 200 lookups at once", 1)
	err = db.Accounts().CreateAccessKey(ctx, storetest.NewKey(acct.ID, 2, storetest.Epoch))
	wantMissing("sealing a new key", err)
	wantReads("after a write that seals", 1)
	wall.Advance(store.DefaultKeyRereadInterval - time.Millisecond)
	wantMissing("just before the interval", lookups(50)...)
	wantReads("just before the interval", 1)
	wall.Advance(time.Millisecond)
	wantMissing("at the interval", lookups(50)...)
	wantReads("at the interval", 2)

	// The file gets the new key: found at the next read, past the interval.
	storetest.NoError(t, os.WriteFile(keyFile, []byte(newText+"\n"+string(oldText)), 0o600), "give the key file the new key")
	wantMissing("with the file fixed, within the interval", lookups(1)...)
	wantReads("with the file fixed, within the interval", 2)
	wall.Advance(store.DefaultKeyRereadInterval)
	for _, err := range lookups(100) {
		storetest.NoError(t, err, "look up the key once the file holds the new key")
	}
	wantReads("once the file holds the new key", 3)
	fresh := storetest.NewKey(acct.ID, 3, storetest.Epoch)
	storetest.NoError(t, db.Accounts().CreateAccessKey(ctx, fresh), "seal a new key")
	wantReads("after sealing", 3)
	var stored string
	storetest.NoError(t, db.Update(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT secret FROM access_keys WHERE id = ?`, fresh.ID).Scan(&stored)
	}), "read the stored secret")
	if id, _ := sealed.KeyID(stored); id != newKeys.Primary() {
		t.Errorf("a key created after the rotation is sealed under %s, want the new key %s", id, newKeys.Primary())
	}
}

package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/sealed"
	"github.com/tollgate/tollgate/internal/store"
)

// openApp opens an App on cfg and serves it; the returned function stops
// both.
func openApp(t *testing.T, cfg app.Config) (*app.App, string, func()) {
	t.Helper()
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	return a, srv.URL, func() {
		srv.Close()
		if err := a.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSecretKeyRotationWhileServing follows the README's rotation: a server
// on SQLite generates its key at first start and says so; it is restarted
// with the new key and the old one; the rotation runs while it answers
// signed requests; afterwards the new key alone opens the store, and the old
// one alone is refused.
func TestSecretKeyRotationWhileServing(t *testing.T) {
	t.Setenv(store.SecretKeyEnv, "")
	t.Setenv(store.SecretKeyFileEnv, "")
	ctx := context.Background()
	dir, keys := t.TempDir(), t.TempDir()
	var logs syncBuffer
	cfg := app.Config{Store: store.Config{DataDir: dir}, Log: slog.New(slog.NewTextHandler(&logs, nil))}

	a, url, stop := openApp(t, cfg)
	_, alice := createAccount(t, a, "alice")
	stop()
	oldKeyFile := filepath.Join(dir, store.SecretKeyFileName)
	if !strings.Contains(logs.String(), "generated a secret key") || !strings.Contains(logs.String(), oldKeyFile) {
		t.Errorf("the first start does not say it generated %s:\n%s", oldKeyFile, logs.String())
	}

	// The new key, then a key file with both, the new one first.
	newKeyFile := filepath.Join(keys, "new.key")
	oldText, err := os.ReadFile(oldKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := sealed.CreateKeyFile(newKeyFile); err != nil {
		t.Fatal(err)
	}
	newText, err := os.ReadFile(newKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	bothFile := filepath.Join(keys, "both.key")
	if err := os.WriteFile(bothFile, append(newText, oldText...), 0o600); err != nil {
		t.Fatal(err)
	}

	both := cfg
	both.Store.SecretKeyFile = bothFile
	a, url, stop = openApp(t, both)
	_, bob := createAccount(t, a, "bob") // sealed under the new key
	var wg sync.WaitGroup
	done := make(chan struct{})
	var calls int
	wg.Go(func() {
		for {
			for _, k := range [][2]string{{alice.ID, alice.Secret}, {bob.ID, bob.Secret}} {
				if _, code := callerIdentity(t, stsClient(url, k[0], k[1])); code != "" {
					t.Errorf("GetCallerIdentity as %s during the rotation: %s", k[0], code)
					return
				}
				calls++
			}
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond): // past the key cache's TTL now and then
			}
		}
	})
	res, err := app.RotateSecretKey(ctx, store.Config{DataDir: dir}, newKeyFile)
	time.Sleep(1200 * time.Millisecond) // the key cache's TTL: lookups go to the store again
	close(done)
	wg.Wait()
	stop()
	if err != nil {
		t.Fatalf("RotateSecretKey: %v", err)
	}
	t.Logf("rotation %+v during %d signed calls", res, calls)
	if res.Created || res.Resealed != 1 || len(res.Retired) != 1 || len(res.Kept) != 0 {
		t.Errorf("RotateSecretKey = %+v; want alice's key resealed and the old key retired", res)
	}

	onlyNew := cfg
	onlyNew.Store.SecretKeyFile = newKeyFile
	_, url, stop = openApp(t, onlyNew)
	for _, k := range [][2]string{{alice.ID, alice.Secret}, {bob.ID, bob.Secret}} {
		if _, code := callerIdentity(t, stsClient(url, k[0], k[1])); code != "" {
			t.Errorf("GetCallerIdentity as %s with the new key alone: %s", k[0], code)
		}
	}
	stop()
	if _, err := app.Open(ctx, cfg); err == nil || !strings.Contains(err.Error(), "the secret key does not open this store's secrets") {
		t.Errorf("opening with the old key alone after the rotation: %v", err)
	}
}

// TestRotateSecretKeyStopped: with no server running, the rotation may
// generate the new key itself; the store then opens with that key alone.
func TestRotateSecretKeyStopped(t *testing.T) {
	t.Setenv(store.SecretKeyEnv, "")
	t.Setenv(store.SecretKeyFileEnv, "")
	ctx := context.Background()
	cfg := app.Config{Store: store.Config{DataDir: t.TempDir()}, Log: slog.New(slog.DiscardHandler)}
	a, _, stop := openApp(t, cfg)
	_, key := createAccount(t, a, "alice")
	stop()

	if _, err := app.RotateSecretKey(ctx, cfg.Store, ""); err == nil {
		t.Error("RotateSecretKey without a new key file succeeded")
	}
	newKeyFile := filepath.Join(t.TempDir(), "new.key")
	res, err := app.RotateSecretKey(ctx, cfg.Store, newKeyFile)
	if err != nil || !res.Created || res.Resealed != 1 {
		t.Fatalf("RotateSecretKey = %+v, %v; want the key file created and one key resealed", res, err)
	}
	if info, err := os.Stat(newKeyFile); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("new key file: %v, %v; want mode 0600", info, err)
	}
	cfg.Store.SecretKeyFile = newKeyFile
	_, url, stop := openApp(t, cfg)
	defer stop()
	if _, code := callerIdentity(t, stsClient(url, key.ID, key.Secret)); code != "" {
		t.Errorf("GetCallerIdentity after the rotation: %s", code)
	}
}

package app_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/logtest"
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

// replaceFile writes text to path as a whole new file, as an operator
// distributing keys would (write beside it, then rename).
func replaceFile(t *testing.T, path string, text []byte) {
	t.Helper()
	if err := os.WriteFile(path+".tmp", text, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

// TestRotateWithNewKeyFileWhileServing follows the README's rotation for
// servers that do not share the store's key file: each server's key file is
// given both keys (no restart), the rotation runs with --new-key-file while
// the server answers signed requests, and the old key is then taken out of
// the server's file; the server answers throughout, and a restart on the
// new key alone opens the store.
func TestRotateWithNewKeyFileWhileServing(t *testing.T) {
	t.Setenv(store.SecretKeyEnv, "")
	t.Setenv(store.SecretKeyFileEnv, "")
	ctx := context.Background()
	dir, keys := t.TempDir(), t.TempDir()
	serverKey := filepath.Join(keys, "server.key")
	if _, _, err := sealed.CreateKeyFile(serverKey); err != nil {
		t.Fatal(err)
	}
	var logs logtest.Buffer
	cfg := app.Config{Store: store.Config{DataDir: dir, SecretKeyFile: serverKey}, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	a, url, stop := openApp(t, cfg)
	_, alice := createAccount(t, a, "alice")

	var wg sync.WaitGroup
	done := make(chan struct{})
	var calls int
	wg.Go(func() {
		for {
			if _, code := callerIdentity(t, stsClient(url, alice.ID, alice.Secret)); code != "" {
				t.Errorf("GetCallerIdentity during the rotation: %s", code)
				return
			}
			calls++
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond): // past the key cache's TTL now and then
			}
		}
	})

	// Every server's key file gets both keys, the new one first.
	newKeyFile := filepath.Join(keys, "new.key")
	if _, _, err := sealed.CreateKeyFile(newKeyFile); err != nil {
		t.Fatal(err)
	}
	oldText, err := os.ReadFile(serverKey)
	if err != nil {
		t.Fatal(err)
	}
	newText, err := os.ReadFile(newKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	replaceFile(t, serverKey, append(slices.Clone(newText), oldText...))
	_, bob := createAccount(t, a, "bob") // still sealed under the old key: no rotation yet

	rotation := cfg.Store
	res, err := app.RotateSecretKey(ctx, rotation, newKeyFile)
	if err != nil {
		t.Fatalf("RotateSecretKey: %v", err)
	}
	if res.Created || res.KeyFile != newKeyFile || res.Resealed != 2 || len(res.Retired) != 1 || len(res.Kept) != 0 || len(res.Removed) != 0 {
		t.Errorf("RotateSecretKey = %+v; want alice's and bob's keys resealed, the old key retired, no key file changed", res)
	}
	// Then the old key is taken out of every server's key file.
	replaceFile(t, serverKey, newText)
	time.Sleep(1200 * time.Millisecond) // the key cache's TTL: lookups go to the store again
	_, carol := createAccount(t, a, "carol")
	close(done)
	wg.Wait()
	t.Logf("rotation %+v during %d signed calls", res, calls)
	for _, k := range []account.AccessKey{alice, bob, carol} {
		if _, code := callerIdentity(t, stsClient(url, k.ID, k.Secret)); code != "" {
			t.Errorf("GetCallerIdentity as %s after the rotation: %s", k.ID, code)
		}
	}
	stop()
	if strings.Contains(logs.String(), "request failed") {
		t.Errorf("the server failed requests:\n%s", logs.String())
	}

	_, url, stop = openApp(t, cfg)
	for _, k := range []account.AccessKey{alice, bob, carol} {
		if _, code := callerIdentity(t, stsClient(url, k.ID, k.Secret)); code != "" {
			t.Errorf("GetCallerIdentity as %s with the new key alone: %s", k.ID, code)
		}
	}
	stop()
	replaceFile(t, serverKey, oldText)
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

	keyText, err := os.ReadFile(filepath.Join(cfg.Store.DataDir, store.SecretKeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	text := cfg.Store
	text.SecretKey = string(keyText)
	if _, err := app.RotateSecretKey(ctx, text, ""); err == nil || !strings.Contains(err.Error(), "--new-key-file") {
		t.Errorf("RotateSecretKey of a store whose key is given as text, without a new key file: %v; want it refused", err)
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

package app_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// storedMode opens the store and reports the clock mode it records.
func storedMode(t *testing.T, cfg store.Config) string {
	t.Helper()
	db, err := store.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mode, err := app.StoredClockMode(t.Context(), db)
	if err != nil {
		t.Fatalf("StoredClockMode: %v", err)
	}
	return mode
}

// TestStoredClockMode: a server records its clock mode when it starts, and
// keeps it through an emulator reset; a store from before the record counts
// as simulated when it holds a simulated time.
func TestStoredClockMode(t *testing.T) {
	ctx := t.Context()
	cfg := store.Config{DataDir: t.TempDir()}
	if got := storedMode(t, cfg); got != app.ClockReal {
		t.Errorf("fresh store: mode %q, want real", got)
	}

	// A store from before the mode was recorded, with a simulated time.
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SimulatedClock().InitSimulatedTime(ctx, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if got := storedMode(t, cfg); got != app.ClockSimulated {
		t.Errorf("store with a simulated time and no recorded mode: %q, want simulated", got)
	}

	for _, mode := range []string{app.ClockReal, app.ClockSimulated, app.ClockReal} {
		a, err := app.Open(ctx, app.Config{Store: cfg, Clock: mode, Auth: app.AuthEmulator, Log: quiet})
		if err != nil {
			t.Fatal(err)
		}
		if a.ClockMode != mode {
			t.Errorf("server on the %s clock: ClockMode %q", mode, a.ClockMode)
		}
		if err := a.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		a.Close()
		if got := storedMode(t, cfg); got != mode {
			t.Errorf("after a %s-clock server started and reset: stored mode %q", mode, got)
		}
	}
}

// TestOpenAdmin: admin commands get the store's clock, so what they create
// is stamped with the simulated time when the server runs on it; they start
// nothing in the background and do not change the recorded mode.
func TestOpenAdmin(t *testing.T) {
	ctx := t.Context()
	cfg := store.Config{DataDir: t.TempDir()}
	wall := clock.NewManual(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	srv, err := app.Open(ctx, app.Config{Store: cfg, Clock: app.ClockSimulated, WallClock: wall, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Simulated.Advance(ctx, 45*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	want := wall.Now().Add(45 * 24 * time.Hour)

	// Clock and Auth are those of a server; OpenAdmin ignores them.
	a, err := app.OpenAdmin(ctx, app.Config{Store: cfg, Clock: app.ClockReal, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.ClockMode != app.ClockSimulated || a.Simulated == nil || !a.Clock.Now().Equal(want) {
		t.Fatalf("admin clock: mode %q, now %v; want simulated %v", a.ClockMode, a.Clock.Now(), want)
	}
	if a.Handler != nil {
		t.Error("OpenAdmin built an HTTP handler")
	}
	acct, _, err := a.Accounts.Create(ctx, account.CreateAccountInput{Name: "stamped"})
	if err != nil {
		t.Fatal(err)
	}
	if !acct.CreatedAt.Equal(want) {
		t.Errorf("account created by an admin command at %v, want the simulated %v", acct.CreatedAt, want)
	}
	if got, err := app.StoredClockMode(ctx, a.DB); err != nil || got != app.ClockSimulated {
		t.Errorf("stored mode after OpenAdmin: %q, %v", got, err)
	}
}

// TestDataDirErrors: a data directory that cannot hold the store is
// reported with its path and the cause, before SQLite gets to say "unable to
// open database file".
func TestDataDirErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir, want string
	}{
		{"ParentIsAFile", filepath.Join(file, "data"), "cannot create the store in " + filepath.Join(file, "data") + ": not a directory (mkdir " + file + ")"},
		{"DirIsAFile", file, "cannot create the store in " + file + ": not a directory"},
		{"Empty", "", "no data directory given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, open := range []func(context.Context, app.Config) (*app.App, error){app.Open, app.OpenAdmin} {
				a, err := open(t.Context(), app.Config{Store: store.Config{DataDir: tc.dir}, Log: quiet})
				if err == nil {
					a.Close()
					t.Fatalf("opened a store in %q", tc.dir)
				}
				if err.Error() != tc.want && !strings.HasSuffix(err.Error(), tc.want) {
					t.Errorf("error %q, want %q", err, tc.want)
				}
			}
		})
	}
	// A store file that cannot be written is named too (only meaningful
	// when permissions bind, that is not as root).
	if os.Geteuid() != 0 {
		dir := t.TempDir()
		path := filepath.Join(dir, store.SQLiteFile)
		if err := os.WriteFile(path, nil, 0o400); err != nil {
			t.Fatal(err)
		}
		_, err := app.OpenAdmin(t.Context(), app.Config{Store: store.Config{DataDir: dir}, Log: quiet})
		if want := "cannot open the store " + path + " for writing: permission denied"; err == nil || err.Error() != want {
			t.Errorf("read-only store file: %v, want %q", err, want)
		}
	}
}

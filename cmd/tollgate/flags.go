package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/store"
)

// storeFlags are the flags every command takes to find the store. The
// environment is read when the store is opened, not as the flags' defaults,
// so that --help never prints a database URL with its password.
type storeFlags struct {
	cmd           *cobra.Command
	data          string
	databaseURL   string
	secretKeyFile string
}

func (s *storeFlags) register(cmd *cobra.Command) {
	s.cmd = cmd
	cmd.Flags().StringVar(&s.data, "data", DefaultDataDir, "`DIR` holding the embedded SQLite store, tollgate.db (env TOLLGATE_DATA)")
	cmd.Flags().StringVar(&s.databaseURL, "database-url", "", "PostgreSQL `URL`, such as postgres://user@host:5432/db; wins over --data (env TOLLGATE_DATABASE_URL)")
	cmd.Flags().StringVar(&s.secretKeyFile, "secret-key-file", "", "`FILE` of the key that seals the store's secrets (env TOLLGATE_SECRET_KEY_FILE; "+
		"default on SQLite: secret.key in --data, generated with the store; required with PostgreSQL)")
	_ = cmd.MarkFlagDirname("data")
	_ = cmd.MarkFlagFilename("secret-key-file")
}

// config resolves the store: a flag wins over its environment variable,
// which wins over the default.
func (s *storeFlags) config() store.Config {
	// The store reads TOLLGATE_SECRET_KEY_FILE and TOLLGATE_SECRET_KEY
	// itself when no key file is given.
	cfg := store.Config{DataDir: s.data, DatabaseURL: s.databaseURL, SecretKeyFile: s.secretKeyFile}
	if env := os.Getenv("TOLLGATE_DATA"); env != "" && !s.cmd.Flags().Changed("data") {
		cfg.DataDir = env
	}
	if env := os.Getenv("TOLLGATE_DATABASE_URL"); env != "" && !s.cmd.Flags().Changed("database-url") {
		cfg.DatabaseURL = env
	}
	return cfg
}

// Whether an admin command may create the store it is pointed at.
const (
	mustExist = false // it only reads, or needs what a server has written
	mayCreate = true
)

// openAdmin opens the store for an admin command through the server's
// wiring (so that what the command creates is stamped by the store's clock),
// and says on stderr which store it opened. A command that may not create
// the store refuses a SQLite directory without one, rather than leaving an
// empty store behind where the user did not mean to look.
func (s *storeFlags) openAdmin(ctx context.Context, stderr io.Writer, create bool) (*app.App, error) {
	cfg := s.config()
	where, created, err := locate(cfg, create)
	if err != nil {
		return nil, err
	}
	a, err := app.OpenAdmin(ctx, app.Config{Store: cfg,
		Log: slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, err
	}
	if created {
		where = "created " + where
	}
	fmt.Fprintln(stderr, "tollgate: store:", where)
	if info := a.DB.Secrets(); info.Created {
		fmt.Fprintf(stderr, "tollgate: store: generated the key that seals its secrets (%s); back it up, apart from the database\n", info.Source)
	}
	return a, nil
}

// locate says which store cfg names ("SQLite at PATH"), and whether opening
// it will create it; where that is not allowed, a missing SQLite store is an
// error.
func locate(cfg store.Config, create bool) (where string, created bool, err error) {
	if cfg.DatabaseURL != "" {
		return "PostgreSQL at " + postgresTarget(cfg.DatabaseURL), false, nil
	}
	path := filepath.Join(cfg.DataDir, store.SQLiteFile)
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	_, err = os.Stat(path)
	switch {
	case err == nil:
		return "SQLite at " + path, false, nil
	case !create && errors.Is(err, os.ErrNotExist):
		return "", false, fmt.Errorf("no store at %s; start the server with `tollgate serve` first or pass --data", path)
	case !create:
		return "", false, fmt.Errorf("cannot open the store %s: %w", path, errors.Unwrap(err))
	}
	return "SQLite at " + path, errors.Is(err, os.ErrNotExist), nil
}

// postgresTarget names a PostgreSQL database by host and name, leaving out
// the user's password.
func postgresTarget(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return "the configured URL"
	}
	return u.Host + u.Path
}

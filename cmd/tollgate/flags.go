package main

import (
	"context"
	"flag"
	"io"
	"os"

	"github.com/tollgate/tollgate/internal/store"
)

// storeFlags are the flags every command takes to find the store.
type storeFlags struct {
	data        string
	databaseURL string
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	data := os.Getenv("TOLLGATE_DATA")
	if data == "" {
		data = DefaultDataDir
	}
	fs.StringVar(&s.data, "data", data, "directory of the embedded SQLite store (env TOLLGATE_DATA)")
	fs.StringVar(&s.databaseURL, "database-url", os.Getenv("TOLLGATE_DATABASE_URL"), "PostgreSQL URL; wins over --data (env TOLLGATE_DATABASE_URL)")
}

func (s *storeFlags) config() store.Config {
	return store.Config{DataDir: s.data, DatabaseURL: s.databaseURL}
}

func (s *storeFlags) open(ctx context.Context) (*store.DB, error) {
	return store.Open(ctx, s.config())
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args, allowing flags after positional arguments too.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

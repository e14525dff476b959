package store

import (
	"context"
	"embed"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/tollgate/tollgate/internal/fault"
)

//go:embed migrations
var migrations embed.FS

// migrate applies pending migrations of the store's dialect. On PostgreSQL a
// session advisory lock keeps replicas that start together from racing; on
// SQLite the single writer lock does the same.
func (db *DB) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return fault.Wrap(err, "migrations")
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.dialect == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fault.Wrap(err, "migration lock")
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	provider, err := goose.NewProvider(dialect, db.write, sub, opts...)
	if err != nil {
		return fault.Wrap(err, "migrations")
	}
	if _, err := provider.Up(ctx); err != nil {
		return fault.Wrap(err, "apply migrations")
	}
	return nil
}

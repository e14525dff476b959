package store

import (
	"context"
	"database/sql"
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
//
// A pending migration numbered below one already applied is applied too:
// features are built side by side and their migrations (each on tables of
// its own) can reach a release in another order than their numbers, so a
// store that ran a build with 20 and 21 but not 13 takes 13 when it meets
// it, instead of refusing to start.
func (db *DB) migrate(ctx context.Context) error {
	opts := []goose.ProviderOption{goose.WithAllowOutofOrder(true)}
	if db.dialect == Postgres {
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fault.Wrap(err, "migration lock")
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	provider, err := newMigrationProvider(db.dialect, db.write, opts...)
	if err != nil {
		return fault.Wrap(err, "migrations")
	}
	if _, err := provider.Up(ctx); err != nil {
		return fault.Wrap(err, "apply migrations")
	}
	return nil
}

// newMigrationProvider returns the migrations of dialect over conn: the SQL
// files of migrations/<dialect>, and the migrations written in Go (those
// that rewrite documents, one implementation for both dialects), which share
// the one sequence of versions.
func newMigrationProvider(dialect Dialect, conn *sql.DB, opts ...goose.ProviderOption) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(dialect))
	if err != nil {
		return nil, err
	}
	gooseDialect := goose.DialectSQLite3
	if dialect == Postgres {
		gooseDialect = goose.DialectPostgres
	}
	opts = append(opts, goose.WithGoMigrations(goMigrations(dialect)...))
	return goose.NewProvider(gooseDialect, conn, sub, opts...)
}

// goMigrations are the migrations written in Go, for dialect.
func goMigrations(dialect Dialect) []*goose.Migration {
	return []*goose.Migration{documentsMigration(dialect)}
}

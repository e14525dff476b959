package store

import (
	"context"
	"database/sql"
	"slices"
	"time"
)

// DataTables is the list of tables Reset empties, children before parents.
var DataTables = dataTables

// KeptTables are the tables Reset deliberately leaves alone: the simulated
// clock, because time does not go back; the issuers' signing keys, because
// they are cached in memory by every replica (license.KeyRing) and published
// as a JWKS, so deleting them would leave replicas signing with keys the
// store no longer holds; the platform's keys, for the same reason and
// because sellers pin the instance-identity certificate; the list of secret keys, because the issuer keys
// are sealed under them; the mark of a store not yet sealed, which the
// store clears when it opens; and the subscription epoch, because it never
// goes back (Reset raises it instead). A migration that adds a table adds
// it to dataTables in settings.go, or here if Reset must keep it.
var KeptTables = []string{"simulated_clock", "issuer_keys", "platform_keys", "secret_keys", "secrets_unsealed", "subscription_epoch"}

// Tables lists the store's own tables (goose's version table aside), sorted.
func (db *DB) Tables(ctx context.Context) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.dialect == Postgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	names, err := db.strings(ctx, q)
	if err != nil {
		return nil, err
	}
	names = slices.DeleteFunc(names, func(n string) bool { return n == "goose_db_version" })
	slices.Sort(names)
	return names, nil
}

// ForeignKeys returns, for each table that has foreign keys, the tables they
// refer to.
func (db *DB) ForeignKeys(ctx context.Context) (map[string][]string, error) {
	q := `SELECT m.name || ' ' || p."table" FROM sqlite_master m, pragma_foreign_key_list(m.name) p WHERE m.type = 'table'`
	if db.dialect == Postgres {
		q = `SELECT conrelid::regclass::text || ' ' || confrelid::regclass::text FROM pg_constraint
		      WHERE contype = 'f' AND connamespace = current_schema()::regnamespace`
	}
	pairs, err := db.strings(ctx, q)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, p := range pairs {
		var child, parent string
		for i := range len(p) {
			if p[i] == ' ' {
				child, parent = p[:i], p[i+1:]
				break
			}
		}
		out[child] = append(out[child], parent)
	}
	return out, nil
}

func (db *DB) strings(ctx context.Context, q string) ([]string, error) {
	rows, err := db.query(ctx, q)
	if err != nil {
		return nil, err
	}
	return collectStrings(rows)
}

// SQLitePragmas returns the values of the named pragmas as the reader pool
// and the writer connection see them.
func (db *DB) SQLitePragmas(ctx context.Context, names ...string) (read, write map[string]string, err error) {
	read, write = map[string]string{}, map[string]string{}
	for _, name := range names {
		var r, w string
		if err := db.read.QueryRowContext(ctx, "PRAGMA "+name).Scan(&r); err != nil {
			return nil, nil, err
		}
		if err := db.write.QueryRowContext(ctx, "PRAGMA "+name).Scan(&w); err != nil {
			return nil, nil, err
		}
		read[name], write[name] = r, w
	}
	return read, write, nil
}

// collectStrings reads the one text column of every row.
func collectStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// MigrateUpTo applies the dialect's migrations up to version on conn, as
// an older Tollgate would have left a store.
func MigrateUpTo(ctx context.Context, conn *sql.DB, dialect Dialect, version int64) error {
	provider, err := newMigrationProvider(dialect, conn)
	if err != nil {
		return err
	}
	_, err = provider.UpTo(ctx, version)
	return err
}

// MigrateOnly applies just the dialect's migrations versions on conn, in
// that order, as a build that had only those would have left a store.
func MigrateOnly(ctx context.Context, conn *sql.DB, dialect Dialect, versions ...int64) error {
	provider, err := newMigrationProvider(dialect, conn)
	if err != nil {
		return err
	}
	for _, v := range versions {
		if _, err := provider.ApplyVersion(ctx, v, true); err != nil {
			return err
		}
	}
	return nil
}

// MigrateDownTo rolls the dialect's migrations on conn back to version, as
// an operator going back to an older Tollgate would.
func MigrateDownTo(ctx context.Context, conn *sql.DB, dialect Dialect, version int64) error {
	provider, err := newMigrationProvider(dialect, conn)
	if err != nil {
		return err
	}
	_, err = provider.DownTo(ctx, version)
	return err
}

// CachedReadStatements says how many read statements SQLite keeps prepared.
func (db *DB) CachedReadStatements() int {
	db.readStmts.mu.RLock()
	defer db.readStmts.mu.RUnlock()
	return len(db.readStmts.stmts)
}

// SetKeyRereadClock makes the store measure the interval between reads of
// its key source on now. Call it before the store is used concurrently.
func (db *DB) SetKeyRereadClock(now func() time.Time) { db.keys.now = now }

// KeySourceReads counts the times the store read its key source again.
func (db *DB) KeySourceReads() int64 { return db.keys.reads.Load() }

// Package store implements every domain package's storage interface over
// database/sql, for two dialects: SQLite (embedded, the default) and
// PostgreSQL (several replicas sharing one database). Migrations are embedded,
// one set per dialect, and applied with goose when the store opens.
//
// Writes go through Update. On SQLite a single writer goroutine gathers the
// writes that arrive while it is committing and commits them together (group
// commit), so that every acknowledged write is fsync'd without paying one
// fsync per write. On PostgreSQL each Update is its own serializable
// transaction, retried on serialization failures.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/sealed"
)

// Dialect names the SQL database behind a store.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Config says where the data lives. DatabaseURL, when set, wins over DataDir.
type Config struct {
	DataDir     string // directory holding tollgate.db (SQLite)
	DatabaseURL string // postgres://... (PostgreSQL)

	// SecretKeyFile names a file of the keys that seal the store's secrets
	// (the base64 of 32 random bytes a line; the first seals, all open);
	// SecretKey holds such keys as text. Without either, Open reads
	// TOLLGATE_SECRET_KEY_FILE or TOLLGATE_SECRET_KEY; without those, an
	// SQLite store uses secret.key in its data directory, generated on first
	// start, and a PostgreSQL store refuses to open.
	SecretKeyFile string
	SecretKey     string
	// NewSecretKeys, when set, seal in place of the keys found as above,
	// which still open: the store is being rotated to a new key
	// (ResealSecrets).
	NewSecretKeys *sealed.Keyring
	// KeyRereadInterval is how often, at most, the store reads its key
	// source again when a value needs a key it lacks (keysource.go):
	// DefaultKeyRereadInterval when zero.
	KeyRereadInterval time.Duration
	// MaxConns bounds the connections a PostgreSQL store opens:
	// DefaultPostgresConns when zero. Replicas sharing a database must
	// together stay under its max_connections.
	MaxConns int
}

// DefaultPostgresConns is how many connections a PostgreSQL store opens at
// most unless told otherwise.
const DefaultPostgresConns = 32

// DB is an open store.
type DB struct {
	dialect Dialect
	clock   atomic.Pointer[clock.Clock] // Tx.Now's source; the wall clock when nil
	read    *sql.DB                     // concurrent readers
	write   *sql.DB                     // the writer; the same pool as read on PostgreSQL
	commits *groupCommitter
	// The writers of one process that wait for the same key (UpdateLocked,
	// PostgreSQL only), lined up in memory: see keyQueue.
	queued *keyQueue
	// Prepared statements of the reader pool and the writer (SQLite only).
	readStmts, writeStmts *stmtCache
	// Statements of the reader pool whose texts requests build, at most
	// builtStmtLimit of them (SQLite only).
	builtStmts *stmtCache
	// The keys that seal and open secrets, where they are read from
	// (keysource.go), and how they were found at Open (secrets.go).
	keys        *keySource
	secretsInfo SecretsInfo
}

// builtStmtLimit bounds the cache of statements built from requests: far
// more shapes than the Describe calls clients make in practice, and at most
// a few hundred kilobytes of prepared statements per reader connection.
const builtStmtLimit = 128

// SQLiteFile is the database file's name inside the data directory.
const SQLiteFile = "tollgate.db"

// Open opens (creating if needed) the store, applies pending migrations, and
// checks that the secret key opens the store's secrets (Config).
func Open(ctx context.Context, cfg Config) (*DB, error) {
	keys, origin, err := cfg.secretKeys()
	if err != nil {
		return nil, err
	}
	var db *DB
	if cfg.DatabaseURL != "" {
		db, err = openPostgres(cfg.DatabaseURL, cfg.MaxConns)
	} else {
		db, err = openSQLite(cfg.DataDir)
	}
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.dialect == SQLite {
		db.commits = newGroupCommitter(db.write)
		db.readStmts, db.writeStmts = newStmtCache(db.read), newStmtCache(db.write)
		db.builtStmts = newBoundedStmtCache(db.read, builtStmtLimit)
	}
	if err := db.openSecrets(ctx, cfg, keys, origin); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openSQLite(dir string) (*DB, error) {
	if dir == "" {
		return nil, fault.New(fault.Invalid, "no data directory given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fault.Wrap(err, "create data directory %s", dir)
	}
	path := filepath.Join(dir, SQLiteFile)
	// WAL lets readers run beside the writer; synchronous=FULL fsyncs the WAL
	// at every commit, which is what makes an acknowledged write durable.
	params := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)", "secure_delete(FAST)"} {
		params.Add("_pragma", p)
	}
	read, err := sql.Open("sqlite", "file:"+path+"?"+params.Encode())
	if err != nil {
		return nil, fault.Wrap(err, "open %s", path)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	read.SetConnMaxIdleTime(0)
	params.Set("_txlock", "immediate") // take the write lock at BEGIN, not at first write
	write, err := sql.Open("sqlite", "file:"+path+"?"+params.Encode())
	if err != nil {
		read.Close()
		return nil, fault.Wrap(err, "open %s", path)
	}
	// One goroutine writes (the group committer), one transaction at a time;
	// the second connection lets the statement cache prepare a statement
	// while that transaction holds the first.
	write.SetMaxOpenConns(2)
	write.SetMaxIdleConns(2)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)
	return &DB{dialect: SQLite, read: read, write: write}, nil
}

func openPostgres(dsn string, maxConns int) (*DB, error) {
	if maxConns < 0 {
		return nil, fault.New(fault.Invalid, "the most connections to PostgreSQL must be positive, not %d", maxConns)
	}
	if maxConns == 0 {
		maxConns = DefaultPostgresConns
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fault.Wrap(err, "open PostgreSQL")
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{dialect: Postgres, read: db, write: db, queued: newKeyQueue()}, nil
}

// SetClock sets the clock that transactions read their time from (Tx.Now):
// the one the domain services run on. Until it is set they read the wall
// clock. It is set after Open because the simulated clock keeps its time in
// the store.
func (db *DB) SetClock(c clock.Clock) { db.clock.Store(&c) }

func (db *DB) now() time.Time {
	if c := db.clock.Load(); c != nil {
		return (*c).Now()
	}
	return clock.Real{}.Now()
}

// Dialect reports which database the store runs on.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Close stops the writer and closes the connections. Writes already
// acknowledged are on disk; nothing else is pending once Close returns.
func (db *DB) Close() error {
	if db.commits != nil {
		db.commits.close()
		db.readStmts.close()
		db.writeStmts.close()
		db.builtStmts.close()
	}
	err := db.read.Close()
	if db.write != db.read {
		err = errors.Join(err, db.write.Close())
	}
	return err
}

// rebind rewrites ? placeholders as $1, $2, ... for PostgreSQL. Queries in
// this package are written once, with ?, and contain no literal question
// marks.
func (db *DB) rebind(query string) string { return rebindFor(db.dialect, query) }

// rebindFor is rebind for a dialect, for code that runs before a DB exists
// (migrations).
func rebindFor(dialect Dialect, query string) string {
	if dialect != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// queryRow runs a read outside any transaction.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if db.readStmts != nil {
		if stmt, err := db.readStmts.get(ctx, query); err == nil {
			return stmt.QueryRowContext(ctx, args...)
		}
	}
	return db.read.QueryRowContext(ctx, db.rebind(query), args...)
}

// queryUncached runs a read outside any transaction whose text is built
// from a request (a list's filters): its prepared statement is kept in the
// bounded cache, whose size the variety of requests cannot grow, so that
// the common shapes are parsed once per connection rather than on every
// call (on SQLite, parsing was a sixth of a DescribeInstances).
func (db *DB) queryUncached(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if db.builtStmts != nil {
		if stmt, err := db.builtStmts.get(ctx, query); err == nil {
			return stmt.QueryContext(ctx, args...)
		}
	}
	return db.read.QueryContext(ctx, db.rebind(query), args...)
}

// query runs a read outside any transaction.
// quickReadContext is the context for a read that SQLite answers from one
// index in microseconds, on the store's hottest paths (the entitlement
// check). On SQLite it drops ctx's cancellation: with a cancellable context,
// database/sql and the driver each start a goroutine per query to watch it,
// which costs more than such a read, and a read that short has nothing to
// abandon. On PostgreSQL, where a query waits on the network and a cancelled
// client must be able to stop it, ctx is kept.
func (db *DB) quickReadContext(ctx context.Context) context.Context {
	if db.dialect == SQLite {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if db.readStmts != nil {
		if stmt, err := db.readStmts.get(ctx, query); err == nil {
			return stmt.QueryContext(ctx, args...)
		}
	}
	return db.read.QueryContext(ctx, db.rebind(query), args...)
}

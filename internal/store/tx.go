package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/sealed"
)

// Tx is a write transaction. Its methods take ?-style placeholders on both
// dialects.
type Tx struct {
	db  *DB
	ctx context.Context
	tx  *sql.Tx
	now time.Time

	// The key the transaction seals under, and keys that hold it, once
	// read (sealingKey): a batch that seals many values reads it once.
	sealID   string
	sealKeys *sealed.Keyring
}

// Now is the transaction's time: read once from the store's clock when the
// transaction starts (again for each retry), so that every decision a
// transaction makes sees one time, and transactions that write the same
// rows see times in the order they commit.
func (t *Tx) Now() time.Time { return t.now }

// Exec runs a statement in the transaction.
func (t *Tx) Exec(query string, args ...any) (sql.Result, error) {
	if stmt := t.prepared(query); stmt != nil {
		return stmt.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, t.db.rebind(query), args...)
}

// QueryRow runs a single-row query in the transaction.
func (t *Tx) QueryRow(query string, args ...any) *sql.Row {
	if stmt := t.prepared(query); stmt != nil {
		return stmt.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, t.db.rebind(query), args...)
}

// Query runs a query in the transaction.
func (t *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	if stmt := t.prepared(query); stmt != nil {
		return stmt.QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, t.db.rebind(query), args...)
}

// prepared returns the writer's cached statement for query, bound to this
// transaction, or nil where statements are not cached (PostgreSQL). The
// transaction-bound copy reuses the statement already prepared on the
// writer's one connection.
func (t *Tx) prepared(query string) *sql.Stmt {
	if t.db.writeStmts == nil {
		return nil
	}
	stmt, err := t.db.writeStmts.get(t.ctx, query)
	if err != nil {
		return nil // let the plain path report the error
	}
	return t.tx.StmtContext(t.ctx, stmt)
}

// Update runs fn in a write transaction and returns once its effects are
// durable, or returns fn's error (or the commit's) with nothing applied.
// On PostgreSQL a transaction that loses a serialization race is retried,
// so fn may run more than once: it must not accumulate side effects outside
// the transaction, such as appending to a captured slice.
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	if db.commits != nil {
		return db.commits.submit(ctx, db, fn)
	}
	return db.updatePostgres(ctx, fn)
}

// UpdateLocked is Update for writes that must run one after another: the
// writes that name one key never run beside each other. A hot row (the pool
// of a license that many clients check out at once) is written that way
// instead of failing its writers.
//
// On PostgreSQL the write takes a session advisory lock on a hash of key
// before its transaction begins, and releases it once the transaction has
// ended. Before, not as the transaction's first statement: a serializable
// transaction takes its snapshot when its first statement starts, so a
// transaction that waited for a lock inside itself would still read what
// was committed before it waited, and PostgreSQL would fail it for writing
// on top of what the previous holder wrote. Taken first, the lock orders
// the writers; each one's snapshot and time (Tx.Now) come after the
// previous one committed, and there is nothing left to fail. Two keys whose
// hashes collide only share a queue. Within one process the writers of a
// key first line up in memory (keyQueue), and only the one at the front
// takes a pooled connection to wait for the advisory lock, which then
// orders it against the other replicas' writers: a burst of writers on one
// hot key holds one connection per replica, not one per writer, and leaves
// the rest of the pool to every other write. On SQLite every write already runs
// alone, and UpdateLocked is Update.
func (db *DB) UpdateLocked(ctx context.Context, key string, fn func(*Tx) error) error {
	if db.commits != nil {
		return db.Update(ctx, fn)
	}
	id := lockID(key)
	release, err := db.queued.acquire(ctx, id)
	if err != nil {
		return fault.Wrap(err, "transaction abandoned while waiting for %s", key)
	}
	defer release()
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fault.Wrap(err, "connect to PostgreSQL")
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, id); err != nil {
		discard(conn) // the lock may have been granted as the wait was cancelled
		if ctx.Err() != nil {
			return fault.Wrap(ctx.Err(), "transaction abandoned while waiting for %s", key)
		}
		return fault.Wrap(err, "lock %s", key)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, id); err != nil {
			discard(conn) // closing the session releases its locks
		}
	}()
	return db.retryPostgres(ctx, func() error { return db.tryPostgres(ctx, conn.BeginTx, fn) })
}

// lockID is the advisory lock of key: its 64-bit FNV-1a hash.
func lockID(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return int64(h.Sum64())
}

// discard closes conn's session rather than returning it to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}

// maxSerializationRetries bounds the retries of a PostgreSQL transaction
// that lost a serialization race.
const maxSerializationRetries = 20

func (db *DB) updatePostgres(ctx context.Context, fn func(*Tx) error) error {
	return db.retryPostgres(ctx, func() error { return db.tryPostgres(ctx, db.write.BeginTx, fn) })
}

// retryPostgres runs try until it ends in something other than a
// serialization failure or a deadlock, at most maxSerializationRetries
// times. What the client is told when contention outlasts the retries says
// to try again; PostgreSQL's own text stays in the error's cause, for the
// log.
func (db *DB) retryPostgres(ctx context.Context, try func() error) error {
	var err error
	for attempt := 0; attempt < maxSerializationRetries; attempt++ {
		err = try()
		if !retryable(err) {
			return db.classify(err)
		}
		select {
		case <-ctx.Done():
			return fault.Wrap(ctx.Err(), "transaction abandoned")
		case <-time.After(retryDelay(attempt)):
		}
	}
	return &fault.Error{Kind: fault.Throttled, Message: "too much contention; try again", Err: err}
}

// retryDelay is how long a transaction waits before its retry after
// attempt (0 for the first) failed: a random time up to a ceiling that
// doubles with each attempt, from 1 ms to 128 ms. Random, so that the
// transactions that failed together do not retry together and collide
// again; growing, so that a burst of them spreads out.
func retryDelay(attempt int) time.Duration {
	ceiling := time.Millisecond << min(attempt, 7)
	return time.Duration(rand.Int64N(int64(ceiling))) + time.Millisecond/4
}

// tryPostgres runs fn once in a serializable transaction that begin starts.
func (db *DB) tryPostgres(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error), fn func(*Tx) error) (err error) {
	sqlTx, err := begin(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return err
	}
	// A panic in fn is an error, as on SQLite; without this the transaction
	// (and its pooled connection) would never be released.
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			err = fault.Wrap(fmt.Errorf("panic: %v", p), "write panicked")
		}
	}()
	if err := fn(&Tx{db: db, ctx: ctx, tx: sqlTx, now: db.now()}); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	return sqlTx.Commit()
}

// retryable reports whether a PostgreSQL error is a serialization failure or
// deadlock, which a retry resolves.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

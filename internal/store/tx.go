package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tollgate/tollgate/internal/fault"
)

// Tx is a write transaction. Its methods take ?-style placeholders on both
// dialects.
type Tx struct {
	db  *DB
	ctx context.Context
	tx  *sql.Tx
}

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

// maxSerializationRetries bounds the retries of a PostgreSQL transaction
// that lost a serialization race.
const maxSerializationRetries = 20

func (db *DB) updatePostgres(ctx context.Context, fn func(*Tx) error) error {
	var err error
	for attempt := 0; attempt < maxSerializationRetries; attempt++ {
		err = db.tryPostgres(ctx, fn)
		if !retryable(err) {
			return db.classify(err)
		}
		select {
		case <-ctx.Done():
			return fault.Wrap(ctx.Err(), "transaction abandoned")
		case <-time.After(time.Duration(attempt+1) * time.Millisecond):
		}
	}
	return fault.Coded(fault.Throttled, "", "too much contention; try again: %v", err)
}

func (db *DB) tryPostgres(ctx context.Context, fn func(*Tx) error) (err error) {
	sqlTx, err := db.write.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
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
	if err := fn(&Tx{db: db, ctx: ctx, tx: sqlTx}); err != nil {
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

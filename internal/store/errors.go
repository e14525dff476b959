package store

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tollgate/tollgate/internal/fault"
)

// classify turns driver errors into domain kinds: uniqueness violations are
// conflicts, foreign-key violations name something that does not exist, and
// everything else that is not already classified is internal.
func (db *DB) classify(err error) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fault.New(fault.NotFound, "not found")
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return &fault.Error{Kind: fault.Conflict, Message: "already exists", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &fault.Error{Kind: fault.NotFound, Message: "refers to something that does not exist", Err: err}
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return &fault.Error{Kind: fault.Unavailable, Message: "database is busy; try again", Err: err}
		}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return &fault.Error{Kind: fault.Conflict, Message: "already exists", Err: err}
		case "23503":
			return &fault.Error{Kind: fault.NotFound, Message: "refers to something that does not exist", Err: err}
		}
		// Class 08 (connection exceptions), class 53 (insufficient
		// resources: too many connections, out of memory or disk) and
		// 57P03 (starting up or shutting down) pass: the request may
		// succeed if tried again.
		if strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "53") || pgErr.Code == "57P03" {
			return &fault.Error{Kind: fault.Unavailable, Message: "the database is busy; try again", Err: err}
		}
	}
	return fault.Wrap(err, "database")
}

package store

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tollgate/tollgate/internal/fault"
)

// TestClassifyPostgres: PostgreSQL's refusals that a retry may get past
// (too many connections, a lost connection, a server starting or stopping)
// are Unavailable, which clients are told to retry, not internal errors.
func TestClassifyPostgres(t *testing.T) {
	db := &DB{dialect: Postgres}
	tests := []struct {
		code string
		want fault.Kind
	}{
		{"23505", fault.Conflict},
		{"23503", fault.NotFound},
		{"53300", fault.Unavailable}, // too_many_connections
		{"53100", fault.Unavailable}, // disk_full
		{"08006", fault.Unavailable}, // connection_failure
		{"57P03", fault.Unavailable}, // cannot_connect_now
		{"42P01", fault.Internal},    // undefined_table: our fault
	}
	for _, tt := range tests {
		err := fmt.Errorf("connect: %w", &pgconn.PgError{Code: tt.code, Message: "server text"})
		got := db.classify(err)
		if kind := fault.KindOf(got); kind != tt.want {
			t.Errorf("SQLSTATE %s: kind %v, want %v (%v)", tt.code, kind, tt.want, got)
		}
		if fe := fault.As(got); tt.want != fault.Internal && fe.Message != "" && strings.Contains(fe.Message, "server text") {
			t.Errorf("SQLSTATE %s: the client's message carries the database's text: %q", tt.code, fe.Message)
		}
	}
}

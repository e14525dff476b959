package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

// TestBoundedStmtCache: the cache of statements built from requests keeps
// at most its limit, dropping the oldest, and a statement dropped while its
// rows are open still reads them to the end.
func TestBoundedStmtCache(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE n (v INTEGER); INSERT INTO n VALUES (1), (2), (3)`); err != nil {
		t.Fatal(err)
	}
	c := newBoundedStmtCache(db, 3)
	defer c.close()
	first, err := c.get(ctx, `SELECT v FROM n WHERE v >= 0 ORDER BY v`)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := first.QueryContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for i := 1; i <= 5; i++ {
		if _, err := c.get(ctx, fmt.Sprintf(`SELECT v FROM n WHERE v >= %d`, i)); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.stmts) != 3 || len(c.order) != 3 {
		t.Fatalf("cache holds %d statements (%d in order), want 3", len(c.stmts), len(c.order))
	}
	if _, ok := c.stmts[`SELECT v FROM n WHERE v >= 0 ORDER BY v`]; ok {
		t.Error("the oldest statement is still cached")
	}
	if again, _ := c.get(ctx, `SELECT v FROM n WHERE v >= 5`); again != c.stmts[`SELECT v FROM n WHERE v >= 5`] {
		t.Error("a cached statement was prepared again")
	}
	var got []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if err := rows.Err(); err != nil || len(got) != 3 {
		t.Errorf("rows of the dropped statement: %v, %v; want [1 2 3]", got, err)
	}
}

package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements by query text, so that SQLite parses
// each of the store's few dozen statements once per connection instead of
// once per call; on the single writer connection the parse was about a
// third of the writer's time. PostgreSQL is left alone: pgx already caches
// prepared statements per connection.
//
// A cache given a limit holds statements whose texts are built from
// requests (a Describe call's filters, a list of IDs of any length): it
// keeps at most limit of them, dropping the oldest, so that their variety
// cannot grow it while the common shapes stay prepared. A dropped statement
// still in use is closed by database/sql once its rows are.
type stmtCache struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
	limit int      // 0: no limit
	order []string // with a limit: the cached texts, oldest first
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
}

// newBoundedStmtCache returns a cache of at most limit statements.
func newBoundedStmtCache(db *sql.DB, limit int) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, limit: limit}
}

// get returns the prepared statement for query, preparing it on first use.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.RLock()
	stmt, ok := c.stmts[query]
	c.mu.RUnlock()
	if ok {
		return stmt, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if stmt, ok := c.stmts[query]; ok {
		return stmt, nil
	}
	stmt, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = stmt
	if c.limit > 0 {
		c.order = append(c.order, query)
		if len(c.order) > c.limit {
			oldest := c.order[0]
			c.order = c.order[1:]
			_ = c.stmts[oldest].Close()
			delete(c.stmts, oldest)
		}
	}
	return stmt, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.stmts {
		_ = s.Close()
	}
	c.stmts = map[string]*sql.Stmt{}
	c.order = nil
}

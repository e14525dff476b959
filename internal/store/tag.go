package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/tag"
)

// Tags implements tag.Store.
type Tags struct{ db *DB }

// Tags returns the tag store.
func (db *DB) Tags() *Tags { return &Tags{db: db} }

var _ tag.Store = (*Tags)(nil)

// Update runs fn in one durable transaction.
func (s *Tags) Update(ctx context.Context, fn func(tag.Tx) error) error {
	return s.db.Update(ctx, func(tx *Tx) error { return fn(&tagTx{tx: tx}) })
}

const selectTag = `SELECT resource_id, resource_type, tag_key, tag_value FROM ec2_tags t`

func (s *Tags) collect(rows *sql.Rows, err error) ([]tag.Tagged, error) {
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	var out []tag.Tagged
	for rows.Next() {
		var t tag.Tagged
		if err := rows.Scan(&t.ResourceID, &t.ResourceType, &t.Key, &t.Value); err != nil {
			return nil, s.db.classify(err)
		}
		out = append(out, t)
	}
	return out, s.db.classify(rows.Err())
}

// OfResources returns account's tags on the resources, ordered by
// resource and key.
//
// The resources are read tagsPerQuery at a time, in ID order: one query
// naming them all would exceed SQLite's limit of 32,766 parameters for an
// unpaged listing of that many resources.
func (s *Tags) OfResources(ctx context.Context, account string, ids []string) (out []tag.Tagged, err error) {
	defer fault.Annotate(&err, "store: read the tags of %d resources", len(ids))
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	for chunk := range slices.Chunk(slices.Compact(sorted), tagsPerQuery) {
		c := &conds{dialect: s.db.dialect}
		c.add(`t.account = ?`, account)
		c.anyOf(`t.resource_id`, chunk)
		rows, err := s.db.queryUncached(ctx, selectTag+c.sql()+` ORDER BY t.resource_id, t.tag_key`, c.args...)
		tags, err := s.collect(rows, err)
		if err != nil {
			return nil, err
		}
		out = append(out, tags...)
	}
	return out, nil
}

// tagsPerQuery is how many resources one query of OfResources names.
const tagsPerQuery = 1000

// tagColumnsByFilter are the columns the DescribeTags filters compare.
var tagColumnsByFilter = map[string]string{
	"key": "t.tag_key", "value": "t.tag_value", "resource-id": "t.resource_id", "resource-type": "t.resource_type",
}

// List returns account's tags that q selects, ordered by resource and key.
func (s *Tags) List(ctx context.Context, account string, q tag.Query) (out []tag.Tagged, err error) {
	defer fault.Annotate(&err, "store: list the tags of %s", account)
	c := &conds{dialect: s.db.dialect}
	c.add(`t.account = ?`, account)
	if q.AfterResource != "" {
		c.add(`(t.resource_id > ? OR (t.resource_id = ? AND t.tag_key > ?))`, q.AfterResource, q.AfterResource, q.AfterKey)
	}
	for _, f := range q.Filters {
		if col, ok := tagColumnsByFilter[f.Name]; ok {
			c.matches(col, f.Values)
			continue
		}
		key, ok := filter.TagKey(f.Name)
		if !ok {
			return nil, fault.New(fault.Internal, "store: no SQL for the tag filter %q", f.Name)
		}
		cond, args := matchAny(s.db.dialect, "t.tag_value", f.Values)
		c.add(`t.tag_key = ? AND `+cond, append([]any{key}, args...)...)
	}
	query := c.limited(selectTag+c.sql()+` ORDER BY t.resource_id, t.tag_key`, q.Limit)
	rows, err := s.db.queryUncached(ctx, query, c.args...)
	return s.collect(rows, err)
}

// tagTx implements tag.Tx.
type tagTx struct{ tx *Tx }

func (t *tagTx) Now() time.Time { return t.tx.Now() }

func (t *tagTx) Put(account, resourceID string, typ tag.ResourceType, tags []tag.Tag) error {
	return putTags(t.tx, account, resourceID, typ, tags)
}

// putTags sets account's tags on a resource: for tag.Tx, and for the
// launches that tag what they create in their own transaction.
func putTags(tx *Tx, account, resourceID string, typ tag.ResourceType, tags []tag.Tag) error {
	upsert := `INSERT INTO ec2_tags (account, resource_id, resource_type, tag_key, tag_value) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account, resource_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`
	for _, tg := range tags {
		if _, err := tx.Exec(upsert, account, resourceID, string(typ), tg.Key, tg.Value); err != nil {
			return tx.db.classify(err)
		}
	}
	return nil
}

func (t *tagTx) Keys(account, resourceID string) ([]string, error) {
	rows, err := t.tx.Query(`SELECT tag_key FROM ec2_tags WHERE account = ? AND resource_id = ? ORDER BY tag_key`, account, resourceID)
	if err != nil {
		return nil, t.tx.db.classify(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, t.tx.db.classify(err)
		}
		keys = append(keys, k)
	}
	return keys, t.tx.db.classify(rows.Err())
}

func (t *tagTx) Delete(account, resourceID, key string, value *string) error {
	var err error
	if value == nil {
		_, err = t.tx.Exec(`DELETE FROM ec2_tags WHERE account = ? AND resource_id = ? AND tag_key = ?`, account, resourceID, key)
	} else {
		_, err = t.tx.Exec(`DELETE FROM ec2_tags WHERE account = ? AND resource_id = ? AND tag_key = ? AND tag_value = ?`, account, resourceID, key, *value)
	}
	return t.tx.db.classify(err)
}

func (t *tagTx) DeleteAll(account, resourceID string) error {
	_, err := t.tx.Exec(`DELETE FROM ec2_tags WHERE account = ? AND resource_id = ?`, account, resourceID)
	return t.tx.db.classify(err)
}

package store

import (
	"context"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/image"
)

// TestImageQueryPlansSQLite: the DescribeImages queries that select by
// product code, by owner, by owner alias or by launch permission read
// from an index, never every image, as SQLite's EXPLAIN QUERY PLAN shows
// them for the statements List builds. (The plain listing of what a
// caller may see reads images in ID order, checking each: with no
// selective condition that is the order the answer is in.)
func TestImageQueryPlansSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const caller = "333333333333"
	code := []filter.Filter{{Name: "product-code", Values: []string{"loadcode00000000000000001"}}}
	for _, tc := range []struct {
		name  string
		q     image.Query
		index string // the index the plan must search
	}{
		{"ProductCode", image.Query{Caller: caller, Filters: code}, "images_by_product_code"},
		{"ProductCodeBatch", image.Query{Caller: caller, Filters: code, After: "ami-0123456789abcdef0", Limit: image.DescribeBatch}, "images_by_product_code"},
		{"ProductCodes", image.Query{Caller: caller, Filters: []filter.Filter{{Name: "product-code", Values: []string{"a", "b"}}}}, "images_by_product_code"},
		{"OwnersSelf", image.Query{Caller: caller, Owners: []string{caller}, Limit: 1000}, "images_by_owner"},
		{"OwnersSelfAfter", image.Query{Caller: caller, Owners: []string{caller}, After: "ami-0123456789abcdef0", Limit: 1000}, "images_by_owner"},
		{"OwnerAlias", image.Query{Caller: caller, Owners: []string{"amazon"}}, "images_by_owner_alias"},
		{"ExecutableBySelf", image.Query{Caller: caller, ExecutableBy: true, SharedWith: []string{caller}}, "image_launch_permissions_by_account"},
		{"ImageIDs", image.Query{Caller: caller, IDs: []string{"ami-0123456789abcdef0", "ami-0123456789abcdef1"}}, "sqlite_autoindex_images_1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query, args, err := imageListSQL(SQLite, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := db.read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, notUsed int
				var detail string
				if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			text := strings.Join(plan, "\n")
			if !strings.Contains(text, tc.index) {
				t.Errorf("the plan does not use %s:\n%s\nfor %s", tc.index, text, query)
			}
			for _, step := range plan {
				if strings.HasPrefix(step, "SCAN i") {
					t.Errorf("the plan scans the images: %q in\n%s", step, text)
				}
			}
			t.Logf("%s:\n%s", tc.name, text)
		})
	}
}

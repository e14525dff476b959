package paging

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLimitAndCut(t *testing.T) {
	rows := []int{1, 2, 3, 4, 5}
	for _, c := range []struct {
		size, stored int
		limit        int
		page         []int
		more         bool
	}{
		{size: 0, stored: 5, limit: 0, page: []int{1, 2, 3, 4, 5}},
		{size: 2, stored: 5, limit: 3, page: []int{1, 2}, more: true},
		{size: 4, stored: 5, limit: 5, page: []int{1, 2, 3, 4}, more: true},
		{size: 5, stored: 5, limit: 6, page: []int{1, 2, 3, 4, 5}},
		{size: 9, stored: 5, limit: 10, page: []int{1, 2, 3, 4, 5}},
	} {
		limit := Limit(c.size)
		if limit != c.limit {
			t.Errorf("Limit(%d) = %d, want %d", c.size, limit, c.limit)
		}
		read := rows[:c.stored]
		if limit > 0 && len(read) > limit {
			read = read[:limit]
		}
		page, more := Cut(read, c.size)
		if diff := cmp.Diff(c.page, page); diff != "" || more != c.more {
			t.Errorf("Cut(%v, %d) = %v, %v, want %v, %v", read, c.size, page, more, c.page, c.more)
		}
	}
}

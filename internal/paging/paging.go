// Package paging is how the Describe calls read one page of a store
// listing and know whether another follows: they ask the store for one
// row more than the page holds, so that no count is needed, and the page's
// last row is where the next page starts (the next token names it).
package paging

// Limit is the store limit for a page of size rows: one more, whose
// presence says another page follows. A size of 0 (every row, one page)
// stays 0.
func Limit(size int) int {
	if size > 0 {
		return size + 1
	}
	return size
}

// Cut cuts rows, read with Limit(size), to the page, and reports whether
// another page follows it.
func Cut[T any](rows []T, size int) (page []T, more bool) {
	if size > 0 && len(rows) > size {
		return rows[:size], true
	}
	return rows, false
}

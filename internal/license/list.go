package license

import (
	"encoding/base64"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// validateList checks a list request: every string of in (text), the common
// list parameters in list, and that every filter is one the operation
// supports.
func validateList[T any](in any, list ListInput, arns []string, filters map[string]func(T) string, supported ...string) error {
	p := problems(in)
	maxResults(p, list.MaxResults)
	for _, a := range arns {
		arn(p, "arns.member", a, true)
	}
	if err := p.Err(); err != nil {
		return err
	}
	for _, f := range list.Filters {
		if !slices.Contains(supported, f.Name) || filters[f.Name] == nil {
			return errInvalidParameter("filter name %q is not supported; supported filters are %v", clip(f.Name), supported)
		}
	}
	return nil
}

// filterItems keeps items that match every filter (any of its values) and,
// when arns is not empty, whose ARN is listed.
func filterItems[T any](items []T, filters []Filter, arns []string, fields map[string]func(T) string, arnOf func(T) string) []T {
	keep := matcher(filters, arns, fields, arnOf)
	out := items[:0:0]
	for _, it := range items {
		if keep(it) {
			out = append(out, it)
		}
	}
	return out
}

// maxNarrowValues bounds the values of one filter that go to the store.
const maxNarrowValues = 100

// narrowing turns a list request's ARNs and filters into what the store may
// filter by: each filter named once, with values (a filter without values
// matches everything, and one named twice must match both, which a set of
// values cannot say), not too many of them, and none that no stored item
// could hold (a NUL, or bytes that are not UTF-8, which PostgreSQL refuses
// to compare).
func narrowing(filters []Filter, arns []string) Narrowing {
	n := Narrowing{}
	if len(arns) > 0 && storable(arns) {
		n[NarrowARN] = arns
	}
	seen := map[string]int{}
	for _, f := range filters {
		seen[f.Name]++
	}
	for _, f := range filters {
		if seen[f.Name] == 1 && f.Name != NarrowARN && storable(f.Values) {
			n[f.Name] = f.Values
		}
	}
	return n
}

// storable says whether values can go to the store as a narrowing.
func storable(values []string) bool {
	if len(values) == 0 || len(values) > maxNarrowValues {
		return false
	}
	for _, v := range values {
		if !storableValue(v) {
			return false
		}
	}
	return true
}

func storableValue(v string) bool { return utf8.ValidString(v) && !strings.ContainsRune(v, 0) }

// matcher says whether an item matches every filter (any of its values)
// and, when arns is not empty, is one of them.
func matcher[T any](filters []Filter, arns []string, fields map[string]func(T) string, arnOf func(T) string) func(T) bool {
	wanted := make(map[string]bool, len(arns))
	for _, a := range arns {
		wanted[a] = true
	}
	return func(it T) bool {
		return (len(arns) == 0 || wanted[arnOf(it)]) && matchesAll(it, filters, fields)
	}
}

func matchesAll[T any](it T, filters []Filter, fields map[string]func(T) string) bool {
	for _, f := range filters {
		if len(f.Values) == 0 {
			continue
		}
		got := fields[f.Name](it)
		ok := false
		for _, want := range f.Values {
			if got == want {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// scanBatch is how many items scanPage reads from the store at a time.
const scanBatch = 500

// scanPage returns one page of the items that match keep, reading them from
// fetch in key order, batch by batch, from the key nextToken names: memory
// stays bounded by the batch and the page, however many items the store
// holds. A page is always full unless the list ends: the AWS SDKs define no
// paginator for these operations, so the AWS CLI and most callers take a
// short page for the end. The token format is paginate's.
func scanPage[T any](fetch func(after string, limit int) ([]T, error), keep func(T) bool, key func(T) string,
	nextToken string, maxResults *int) ([]T, string, error) {
	after, err := decodeToken(nextToken)
	if err != nil {
		return nil, "", err
	}
	size := pageSize(maxResults)
	batchSize := max(scanBatch, size+1)
	page := []T{}
	for {
		batch, err := fetch(after, batchSize)
		if err != nil {
			return nil, "", err
		}
		for _, it := range batch {
			if !keep(it) {
				continue
			}
			if len(page) == size {
				return page, encodeToken(key(page[size-1])), nil
			}
			page = append(page, it)
		}
		if len(batch) < batchSize {
			return page, "", nil
		}
		after = key(batch[len(batch)-1])
	}
}

// decodeToken reads a NextToken: the key the previous page ended at. A
// token this server did not make is refused here, before it reaches a
// query.
func decodeToken(nextToken string) (string, error) {
	after, err := base64.RawURLEncoding.DecodeString(nextToken)
	if err != nil || !storableValue(string(after)) {
		return "", errValidation("NextToken %q is not valid", clip(nextToken))
	}
	return string(after), nil
}

func encodeToken(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func pageSize(maxResults *int) int {
	if maxResults != nil {
		return *maxResults
	}
	return defaultPageSize
}

// paginate sorts items by key and returns the page after nextToken.
func paginate[T any](items []T, key func(T) string, nextToken string, maxResults *int) ([]T, string, error) {
	sort.SliceStable(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	start := 0
	if nextToken != "" {
		after, err := decodeToken(nextToken)
		if err != nil {
			return nil, "", err
		}
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > after })
	}
	end := min(start+pageSize(maxResults), len(items))
	page := items[start:end]
	next := ""
	if end < len(items) {
		next = encodeToken(key(items[end-1]))
	}
	if page == nil {
		page = []T{}
	}
	return page, next, nil
}

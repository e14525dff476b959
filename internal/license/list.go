package license

import (
	"encoding/base64"
	"sort"
)

// validateList checks the common list parameters and that every filter is
// one the operation supports.
func validateList[T any](in ListInput, arns []string, filters map[string]func(T) string, supported ...string) error {
	var v validator
	v.maxResults(in.MaxResults)
	for _, a := range arns {
		v.arn("arns.member", a, true)
	}
	if err := v.err(); err != nil {
		return err
	}
	allowed := set(supported...)
	for _, f := range in.Filters {
		if !allowed[f.Name] || filters[f.Name] == nil {
			return errInvalidParameter("filter name %q is not supported; supported filters are %v", clip(f.Name), supported)
		}
	}
	return nil
}

// filterItems keeps items that match every filter (any of its values) and,
// when arns is not empty, whose ARN is listed.
func filterItems[T any](items []T, filters []Filter, arns []string, fields map[string]func(T) string, arnOf func(T) string) []T {
	wanted := set(arns...)
	out := items[:0:0]
	for _, it := range items {
		if len(arns) > 0 && !wanted[arnOf(it)] {
			continue
		}
		if matchesAll(it, filters, fields) {
			out = append(out, it)
		}
	}
	return out
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

// paginate sorts items by key and returns the page after nextToken.
func paginate[T any](items []T, key func(T) string, nextToken string, maxResults *int) ([]T, string, error) {
	sort.SliceStable(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	start := 0
	if nextToken != "" {
		after, err := base64.RawURLEncoding.DecodeString(nextToken)
		if err != nil {
			return nil, "", errValidation("NextToken %q is not valid", clip(nextToken))
		}
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > string(after) })
	}
	size := defaultPageSize
	if maxResults != nil {
		size = *maxResults
	}
	end := min(start+size, len(items))
	page := items[start:end]
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))
	}
	if page == nil {
		page = []T{}
	}
	return page, next, nil
}

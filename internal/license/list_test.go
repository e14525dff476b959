package license

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
)

// TestScanPageListsEveryMatch: following the tokens lists every item the
// filter keeps, in key order, for page sizes and filters that put page
// ends on either side of batch ends; every page but the last is full, and
// the store is never asked for more than a batch.
func TestScanPageListsEveryMatch(t *testing.T) {
	var sorted []string // the store's items, in key order
	for i := range 20*scanBatch + 37 {
		sorted = append(sorted, fmt.Sprintf("arn:%05d", i))
	}
	fetch := func(after string, limit int) ([]string, error) {
		if limit > max(scanBatch, 1001) {
			t.Fatalf("fetch asked for %d items", limit)
		}
		i, _ := slices.BinarySearch(sorted, after)
		for i < len(sorted) && sorted[i] <= after {
			i++
		}
		return sorted[i:min(i+limit, len(sorted))], nil
	}
	key := func(s string) string { return s }
	for _, every := range []int{1, 7, 499, 10*scanBatch + 1} {
		keep := func(s string) bool { n, _ := strconv.Atoi(s[len("arn:"):]); return n%every == 0 }
		for _, size := range []int{1, 100, 500, 1000} {
			var want, got []string
			for _, it := range sorted {
				if keep(it) {
					want = append(want, it)
				}
			}
			for token := ""; ; {
				page, next, err := scanPage(fetch, keep, key, token, &size)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > size || (next != "" && len(page) < size) {
					t.Fatalf("every %d, size %d: a page of %d items with NextToken %q", every, size, len(page), next)
				}
				got = append(got, page...)
				if next == "" {
					break
				}
				token = next
			}
			if !slices.Equal(want, got) {
				t.Errorf("every %d, size %d: scanPage listed %d items, want %d, or in another order", every, size, len(got), len(want))
			}
		}
	}
	if _, _, err := scanPage(fetch, func(string) bool { return true }, key, "not base64!", nil); err == nil {
		t.Error("a malformed NextToken was accepted")
	}
}

// TestNarrowing: only what a set of values per filter can say goes to the
// store, and only values a stored item could hold; the service's own
// filtering covers the rest.
func TestNarrowing(t *testing.T) {
	many := make([]string, maxNarrowValues+1)
	got := narrowing([]Filter{
		{Name: "ProductSKU", Values: []string{"a", "b"}},
		{Name: "Status", Values: []string{"AVAILABLE"}}, {Name: "Status", Values: []string{"DELETED"}}, // both must match
		{Name: "Fingerprint"},                            // no values: matches everything
		{Name: "Beneficiary", Values: many},              // too many to send
		{Name: "IssuerName", Values: []string{"a\x00b"}}, // nothing stored holds a NUL
		{Name: "LicenseArn", Values: []string{"\xff"}},   // nor bytes that are not UTF-8
	}, []string{"arn:1", "arn:2"})
	want := Narrowing{"ProductSKU": {"a", "b"}, NarrowARN: {"arn:1", "arn:2"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("narrowing = %v, want %v", got, want)
	}
	for _, token := range []string{"_w", encodeToken("a\x00b"), "not base64!"} {
		if _, err := decodeToken(token); err == nil {
			t.Errorf("NextToken %q was accepted", token)
		}
	}
}

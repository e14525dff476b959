package tag

import (
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
)

func TestCheckTags(t *testing.T) {
	many := make([]Tag, MaxPerResource+1)
	for i := range many {
		many[i] = Tag{Key: strings.Repeat("k", i+1)}
	}
	for _, tc := range []struct {
		name string
		tags []Tag
		code string
	}{
		{"Fine", []Tag{{Key: "Name", Value: "web"}, {Key: "empty"}}, ""},
		{"None", nil, ""},
		{"Longest", []Tag{{Key: strings.Repeat("ü", MaxKeyLength), Value: strings.Repeat("é", MaxValueLength)}}, ""},
		{"EmptyKey", []Tag{{Key: ""}}, "InvalidParameterValue"},
		{"LongKey", []Tag{{Key: strings.Repeat("k", MaxKeyLength+1)}}, "InvalidParameterValue"},
		{"LongValue", []Tag{{Key: "k", Value: strings.Repeat("v", MaxValueLength+1)}}, "InvalidParameterValue"},
		{"BadUTF8", []Tag{{Key: "k", Value: "\xff"}}, "InvalidParameterValue"},
		{"Reserved", []Tag{{Key: "aws:cloudformation:stack"}}, "InvalidParameterValue"},
		{"Twice", []Tag{{Key: "k"}, {Key: "k"}}, "InvalidParameterValue"},
		{"TooMany", many, "TagLimitExceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckTags(tc.tags)
			if got := fault.As(err).Code; (err == nil) != (tc.code == "") || (err != nil && got != tc.code) {
				t.Fatalf("CheckTags = %v, want %q", err, tc.code)
			}
		})
	}
}

func TestInputs(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code string
	}{
		{"CreateNoResources", CreateInput{Tags: []Tag{{Key: "k"}}}.Validate(), "MissingParameter"},
		{"CreateNoTags", CreateInput{Resources: []string{"ami-1"}}.Validate(), "MissingParameter"},
		{"CreateTooMany", CreateInput{Resources: make([]string, MaxResources+1), Tags: []Tag{{Key: "k"}}}.Validate(), "InvalidParameterValue"},
		{"DeleteAll", DeleteInput{Resources: []string{"ami-1"}}.Validate(), ""},
		{"DeleteEmptyKey", DeleteInput{Resources: []string{"ami-1"}, Tags: []DeleteTag{{}}}.Validate(), "InvalidParameterValue"},
		{"DescribeMax", DescribeInput{MaxResults: 4}.Validate(), "InvalidParameterValue"},
		{"DescribeFilters", DescribeInput{Filters: []filter.Filter{{Name: "tag:Name", Values: []string{"x"}}, {Name: "resource-type", Values: []string{"image"}}}}.Validate(), ""},
		{"DescribeFilter", DescribeInput{Filters: []filter.Filter{{Name: "resource-name", Values: []string{"x"}}}}.Validate(), "InvalidParameterValue"},
		{"DescribeToken", DescribeInput{NextToken: "x"}.Validate(), "InvalidPaginationToken"},
		{"DescribeGoodToken", DescribeInput{NextToken: encodeToken("ami-1", "k")}.Validate(), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fault.As(tc.err).Code; (tc.err == nil) != (tc.code == "") || (tc.err != nil && got != tc.code) {
				t.Fatalf("got %v, want %q", tc.err, tc.code)
			}
		})
	}
	r, k, err := decodeToken(encodeToken("i-1", "a:b\x01"))
	if err != nil || r != "i-1" || k != "a:b\x01" {
		t.Errorf("round trip: %q %q %v", r, k, err)
	}
}

package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/fault"
)

// TestProblemsErr: no problem is no error; one or more are one
// ValidationException that counts and lists them, as AWS words it.
func TestProblemsErr(t *testing.T) {
	for _, tc := range []struct {
		name     string
		problems []string
		want     string
	}{
		{"none", nil, ""},
		{"one", []string{"a"}, "1 validation error detected: a"},
		{"two", []string{"a", "b"}, "2 validation errors detected: a; b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Problems
			for _, s := range tc.problems {
				p.Add("%s", s)
			}
			err := p.Err()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Err = %v, want nil", err)
				}
				return
			}
			f := fault.As(err)
			if f.Kind != fault.Invalid || f.Code != "ValidationException" || f.Message != tc.want {
				t.Errorf("Err = %v %s %q, want Invalid ValidationException %q", f.Kind, f.Code, f.Message, tc.want)
			}
		})
	}
}

// list returns what p recorded.
func list(p *Problems) []string { return p.list }

type textIn struct {
	ProductSKU string
	Issuer     *textIssuer
	Items      []textItem
	When       time.Time // not a string: left alone
	Count      *int64
	textEmbedded
	hidden string
}

type textIssuer struct{ Name string }

type textItem struct {
	Name  string
	Value string
}

type textEmbedded struct{ NextToken string }

// TestText: every string of a request is checked, wherever it sits, and
// named as validation messages name it.
func TestText(t *testing.T) {
	limits := func(path string) int {
		if path == "issuer.name" {
			return 3
		}
		return 10
	}
	for _, tc := range []struct {
		name string
		in   textIn
		want []string
	}{
		{"clean", textIn{ProductSKU: "sku", Issuer: &textIssuer{Name: "abc"}, Items: []textItem{{Name: "n", Value: "v"}}, hidden: "\x00"}, nil},
		{"a NUL in a field", textIn{ProductSKU: "a\x00b"},
			[]string{"Value at 'productSKU' failed to satisfy constraint: Member must not contain the NUL character (U+0000)"}},
		{"bytes that are not UTF-8 in a nested field", textIn{Issuer: &textIssuer{Name: "\xff"}},
			[]string{"Value at 'issuer.name' failed to satisfy constraint: Member must be valid UTF-8"}},
		{"too long for its own limit", textIn{Issuer: &textIssuer{Name: "abcd"}},
			[]string{"Value at 'issuer.name' failed to satisfy constraint: Member must have length less than or equal to 3"}},
		{"a list member, counted from one", textIn{Items: []textItem{{}, {Value: "0123456789a"}}},
			[]string{"Value at 'items.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 10"}},
		{"an embedded structure's field is the outer one's", textIn{textEmbedded: textEmbedded{NextToken: "\x00"}},
			[]string{"Value at 'nextToken' failed to satisfy constraint: Member must not contain the NUL character (U+0000)"}},
		{"a NUL and too long", textIn{ProductSKU: "\x000123456789"}, []string{
			"Value at 'productSKU' failed to satisfy constraint: Member must not contain the NUL character (U+0000)",
			"Value at 'productSKU' failed to satisfy constraint: Member must have length less than or equal to 10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Problems
			p.Text(&tc.in, limits)
			if d := cmp.Diff(tc.want, list(&p)); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
		})
	}
}

// TestFieldChecks: the checks of single fields.
func TestFieldChecks(t *testing.T) {
	type color string
	colors := []color{"red", "green"}
	begin := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		check func(p *Problems)
		want  []string
	}{
		{"required, given", func(p *Problems) { p.Required("name", "x") }, nil},
		{"required, missing", func(p *Problems) { p.Required("name", "") },
			[]string{"Value null at 'name' failed to satisfy constraint: Member must not be null"}},
		{"client token with a space", func(p *Problems) { p.ClientToken("a b") },
			[]string{`Value at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: \S+`}},
		{"client token missing", func(p *Problems) { p.ClientToken("") },
			[]string{"Value null at 'clientToken' failed to satisfy constraint: Member must not be null"}},
		{"an ARN", func(p *Problems) { p.ARN("arn", "arn:aws:license-manager::1:license:l-1", true, 2048) }, nil},
		{"not an ARN", func(p *Problems) { p.ARN("arn", "l-1", true, 2048) },
			[]string{"Value 'l-1' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-(cn|us-gov|iso-b|iso-c|iso-d))?:..."}},
		{"an ARN too long", func(p *Problems) { p.ARN("arn", "arn:aws:license-manager::1:license:l-1", true, 10) },
			[]string{"Value 'arn:aws:license-manager::1:license:l-1' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-(cn|us-gov|iso-b|iso-c|iso-d))?:..."}},
		{"an optional ARN missing", func(p *Problems) { p.ARN("arn", "", false, 2048) }, nil},
		{"an enum value", func(p *Problems) { Enum(p, "color", color("red"), colors, true) }, nil},
		{"not an enum value: the allowed ones sorted", func(p *Problems) { Enum(p, "color", color("blue"), colors, true) },
			[]string{"Value 'blue' at 'color' failed to satisfy constraint: Member must satisfy enum value set: [green, red]"}},
		{"an optional enum missing", func(p *Problems) { Enum(p, "color", color(""), colors, false) }, nil},
		{"a list too long", func(p *Problems) { p.Count("list", 4, 3) },
			[]string{"Value at 'list' failed to satisfy constraint: Member must have length less than or equal to 3"}},
		{"a number out of range", func(p *Problems) { p.Between("days", ptr(0), 1, 730, "be") },
			[]string{"Value '0' at 'days' failed to satisfy constraint: Member must be between 1 and 730"}},
		{"no number", func(p *Problems) { p.Between("days", nil, 1, 730, "be") }, nil},
		{"a quantity", func(p *Problems) { p.Quantity("value", MaxQuantity, "9007199254740991") }, nil},
		{"a quantity of nothing", func(p *Problems) { p.Quantity("value", 0, "0") },
			[]string{"Value '0' at 'value' failed to satisfy constraint: Member must be a whole number between 1 and 9007199254740991"}},
		{"a quantity over MaxQuantity", func(p *Problems) { p.Quantity("value", MaxQuantity+1, "9007199254740992") },
			[]string{"Value '9007199254740992' at 'value' failed to satisfy constraint: Member must be a whole number between 1 and 9007199254740991"}},
		{"entitlements: none", func(p *Problems) { p.EntitlementNames(0, 100, nil) },
			[]string{"Value null at 'entitlements' failed to satisfy constraint: Member must not be null"}},
		{"entitlements: a name twice, a unit unknown, a name missing", func(p *Problems) {
			names := []struct {
				n string
				u Unit
			}{{"a", "Count"}, {"a", "Apples"}, {"", "None"}}
			p.EntitlementNames(len(names), 2, func(i int) (string, Unit) { return names[i].n, names[i].u })
		}, []string{
			"Value at 'entitlements' failed to satisfy constraint: Member must have length less than or equal to 2",
			"Value 'Apples' at 'entitlements.2.member.unit' failed to satisfy constraint: Member must satisfy enum value set: [" + sortedUnits() + "]",
			"Entitlement name 'a' appears more than once",
			"Value null at 'entitlements.3.member.name' failed to satisfy constraint: Member must not be null",
		}},
		{"a validity window", func(p *Problems) { p.ValidityWindow(Validity{Begin: begin, End: begin.Add(time.Second)}) }, nil},
		{"a validity window without end", func(p *Problems) { p.ValidityWindow(Validity{Begin: begin}) }, nil},
		{"a validity window that ends as it begins", func(p *Problems) { p.ValidityWindow(Validity{Begin: begin, End: begin}) },
			[]string{"Validity end 2026-01-01T00:00:00.000Z must be after its begin 2026-01-01T00:00:00.000Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Problems
			tc.check(&p)
			if d := cmp.Diff(tc.want, list(&p)); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
		})
	}
}

func sortedUnits() string {
	var p Problems
	Enum(&p, "u", Unit("?"), Units, true)
	s := list(&p)[0]
	return s[strings.Index(s, "[")+1 : strings.Index(s, "]")]
}

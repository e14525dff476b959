package filter

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/testrand"
)

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		value, s string
		want     bool
	}{
		{"", "", true},
		{"", "a", false},
		{"abc", "abc", true},
		{"abc", "ABC", false},
		{"a*", "a", true},
		{"a*", "abc", true},
		{"*c", "abc", true},
		{"*b*", "abc", true},
		{"*b*", "ac", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"?", "ü", true},
		{"??", "ü", false},
		{"*", "", true},
		{"**", "x", true},
		{`a\*`, "a*", true},
		{`a\*`, "ab", false},
		{`a\?`, "a?", true},
		{`a\\`, `a\`, true},
		{`a\`, `a\`, true},
		{`a\b`, `a\b`, true},
		{"*a*a*a*a*a*a*b", strings.Repeat("a", 200), false},
		{"m5.*", "m5.large", true},
		{"m5.*", "m5a.large", false},
	} {
		if got := Match(tc.value, tc.s); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.value, tc.s, got, tc.want)
		}
	}
}

func TestParseAndLiteral(t *testing.T) {
	for _, tc := range []struct {
		value   string
		pieces  []Piece
		literal string
		exact   bool
	}{
		{"abc", []Piece{{Literal: "abc"}}, "abc", true},
		{`a\*b`, []Piece{{Literal: "a*b"}}, "a*b", true},
		{"a*b?", []Piece{{Literal: "a"}, {Any: true}, {Literal: "b"}, {One: true}}, "", false},
		{"", nil, "", true},
	} {
		if diff := cmp.Diff(tc.pieces, Parse(tc.value)); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tc.value, diff)
		}
		lit, exact := Literal(tc.value)
		if lit != tc.literal || exact != tc.exact {
			t.Errorf("Literal(%q) = %q, %v; want %q, %v", tc.value, lit, exact, tc.literal, tc.exact)
		}
	}
}

// TestMatchAgainstNaive compares the greedy matcher with a plain recursive
// one on random patterns and strings over a small alphabet.
func TestMatchAgainstNaive(t *testing.T) {
	r := testrand.New(t)
	alphabet := []string{"a", "b", "*", "?", `\`}
	for range 20000 {
		var p, s strings.Builder
		for range r.IntN(7) {
			p.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		for range r.IntN(7) {
			s.WriteString(alphabet[r.IntN(2)])
		}
		if got, want := Match(p.String(), s.String()), naive(Parse(p.String()), s.String()); got != want {
			t.Fatalf("Match(%q, %q) = %v, want %v", p.String(), s.String(), got, want)
		}
	}
}

func naive(pieces []Piece, s string) bool {
	if len(pieces) == 0 {
		return s == ""
	}
	p, rest := pieces[0], pieces[1:]
	switch {
	case p.Any:
		for i := 0; i <= len(s); i++ {
			if naive(rest, s[i:]) {
				return true
			}
		}
		return false
	case p.One:
		return s != "" && naive(rest, s[1:])
	default:
		return strings.HasPrefix(s, p.Literal) && naive(rest, s[len(p.Literal):])
	}
}

func TestCheck(t *testing.T) {
	known := func(n string) bool { return n == "name" }
	many := make([]string, MaxValues+1)
	for i := range many {
		many[i] = "v"
	}
	for _, tc := range []struct {
		name    string
		filters []Filter
		ok      bool
	}{
		{"Fine", []Filter{{Name: "name", Values: []string{"a", "b*"}}}, true},
		{"None", nil, true},
		{"Unknown", []Filter{{Name: "colour", Values: []string{"a"}}}, false},
		{"NoName", []Filter{{Values: []string{"a"}}}, false},
		{"NoValues", []Filter{{Name: "name"}}, false},
		{"TooManyValues", []Filter{{Name: "name", Values: many}}, false},
		{"LongValue", []Filter{{Name: "name", Values: []string{strings.Repeat("x", MaxValueLength+1)}}}, false},
		{"BadUTF8", []Filter{{Name: "name", Values: []string{"\xff"}}}, false},
		{"TooMany", make([]Filter, MaxFilters+1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.filters, known)
			if tc.ok != (err == nil) {
				t.Fatalf("Check = %v", err)
			}
			if err != nil && (fault.KindOf(err) != fault.Invalid || fault.As(err).Code != "InvalidParameterValue") {
				t.Errorf("error %v, want an InvalidParameterValue", err)
			}
		})
	}
}

func TestTagKey(t *testing.T) {
	for name, want := range map[string]string{"tag:Name": "Name", "tag:": "", "tag-key": "", "name": "", "tag:a:b": "a:b"} {
		got, ok := TagKey(name)
		if got != want || ok != (want != "") {
			t.Errorf("TagKey(%q) = %q, %v", name, got, ok)
		}
	}
}

func TestNamedOrTag(t *testing.T) {
	names := []string{"state", "owner-id"}
	for _, c := range []struct {
		name            string
		named, orTagged bool
	}{
		{"state", true, true},
		{"owner-id", true, true},
		{"tag:Name", false, true},
		{"tag:", false, false},
		{"tag-key", false, false},
		{"colour", false, false},
	} {
		if got := Named(names)(c.name); got != c.named {
			t.Errorf("Named(%q) = %v, want %v", c.name, got, c.named)
		}
		if got := NamedOrTag(names)(c.name); got != c.orTagged {
			t.Errorf("NamedOrTag(%q) = %v, want %v", c.name, got, c.orTagged)
		}
	}
}

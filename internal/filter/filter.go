// Package filter is the EC2 APIs' way of narrowing a Describe call: named
// filters, each with values, where a resource matches when, for every
// filter, it matches at least one of the filter's values. Values may hold
// wildcards: * for any run of characters, ? for any one, and \ before *, ?
// or \ for the character itself. The domains say which names they know;
// this package holds what they share: the limits, the checks, and the
// matching of one value, in Go and as the pieces a store turns into SQL.
package filter

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/fault"
)

// Filter is one named filter and its values.
type Filter struct {
	Name   string
	Values []string
}

// Limits, EC2's: a call takes at most MaxFilters filters, each with at
// most MaxValues values of at most MaxValueLength characters.
const (
	MaxFilters     = 50
	MaxValues      = 200
	MaxValueLength = 255
)

// Check refuses filters that break the limits, name nothing, hold no value,
// or whose name known does not accept (known is the domain's list of
// names; it is given each name and reports whether it is one).
func Check(filters []Filter, known func(name string) bool) error {
	if len(filters) > MaxFilters {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The request has %d filters; at most %d are allowed", len(filters), MaxFilters)
	}
	for _, f := range filters {
		if f.Name == "" {
			return fault.Coded(fault.Invalid, "InvalidParameterValue", "A filter must have a name")
		}
		if !known(f.Name) {
			return fault.Coded(fault.Invalid, "InvalidParameterValue", "The filter '%s' is invalid", clip(f.Name))
		}
		if len(f.Values) == 0 {
			return fault.Coded(fault.Invalid, "InvalidParameterValue", "The filter '%s' has no values; give at least one", f.Name)
		}
		if len(f.Values) > MaxValues {
			return fault.Coded(fault.Invalid, "InvalidParameterValue", "The filter '%s' has %d values; at most %d are allowed", f.Name, len(f.Values), MaxValues)
		}
		for _, v := range f.Values {
			if utf8.RuneCountInString(v) > MaxValueLength {
				return fault.Coded(fault.Invalid, "InvalidParameterValue", "A value of the filter '%s' is longer than %d characters", f.Name, MaxValueLength)
			}
			if !utf8.ValidString(v) {
				return fault.Coded(fault.Invalid, "InvalidParameterValue", "A value of the filter '%s' is not valid UTF-8", f.Name)
			}
		}
	}
	return nil
}

// Named returns Check's known for a listing that knows the given filter
// names.
func Named(names []string) func(name string) bool {
	return func(name string) bool { return slices.Contains(names, name) }
}

// NamedOrTag returns Check's known for a listing of resources that carry
// tags: the given filter names, and tag:<key> for any key.
func NamedOrTag(names []string) func(name string) bool {
	return func(name string) bool {
		_, isTag := TagKey(name)
		return isTag || slices.Contains(names, name)
	}
}

// TagKey returns the key of a "tag:<key>" filter name, and whether name is
// one.
func TagKey(name string) (string, bool) {
	key, ok := strings.CutPrefix(name, "tag:")
	if !ok || key == "" {
		return "", false
	}
	return key, true
}

// Piece is one part of a value: literal text, or a wildcard.
type Piece struct {
	Literal string
	// Any is a * (any run of characters, Literal empty); One is a ? (any
	// one character, Literal empty).
	Any, One bool
}

// Parse splits a value into its pieces, joining adjacent literal text. A
// trailing lone backslash stands for itself.
func Parse(value string) []Piece {
	var out []Piece
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, Piece{Literal: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(value); i++ {
		switch c := value[i]; {
		case c == '\\' && i+1 < len(value) && strings.IndexByte(`*?\`, value[i+1]) >= 0:
			lit.WriteByte(value[i+1])
			i++
		case c == '*':
			flush()
			out = append(out, Piece{Any: true})
		case c == '?':
			flush()
			out = append(out, Piece{One: true})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return out
}

// Literal returns the text a value matches exactly, and whether it has no
// wildcard (so that a store can compare it with = and use an index).
func Literal(value string) (string, bool) {
	pieces := Parse(value)
	switch {
	case len(pieces) == 0:
		return "", true
	case len(pieces) == 1 && !pieces[0].Any && !pieces[0].One:
		return pieces[0].Literal, true
	}
	return "", false
}

// Match reports whether s matches value.
func Match(value, s string) bool { return match(Parse(value), s) }

// match is the greedy matcher: on a mismatch it goes back to the last *
// and lets it take one more character, so that it runs in time
// proportional to the product of the lengths, never exponential in the
// number of wildcards. Characters are runes: ? takes one, whatever its
// length in bytes.
func match(pieces []Piece, s string) bool {
	// The pattern as runes, with -1 for * and -2 for ?.
	const anyRun, oneRune = -1, -2
	var pat []rune
	for _, p := range pieces {
		switch {
		case p.Any:
			pat = append(pat, anyRun)
		case p.One:
			pat = append(pat, oneRune)
		default:
			pat = append(pat, []rune(p.Literal)...)
		}
	}
	str := []rune(s)
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(str) {
		switch {
		case pi < len(pat) && (pat[pi] == oneRune || pat[pi] == str[si]):
			pi++
			si++
		case pi < len(pat) && pat[pi] == anyRun:
			star, mark = pi, si
			pi++
		case star >= 0:
			mark++
			pi, si = star+1, mark
		default:
			return false
		}
	}
	for pi < len(pat) && pat[pi] == anyRun {
		pi++
	}
	return pi == len(pat)
}

// MatchAny reports whether s matches any of values.
func MatchAny(values []string, s string) bool {
	for _, v := range values {
		if Match(v, s) {
			return true
		}
	}
	return false
}

func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

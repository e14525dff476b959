package rules

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/fault"
)

// Problems gathers what is wrong with a request, field by field, the way
// AWS reports it: "N validation errors detected: Value X at 'field' failed
// to satisfy constraint: ...". Fields are named by the model's member names
// with a lower-case first letter, list members as "name.N.member"; Err
// makes one ValidationException (fault.Invalid) naming every bad field.
type Problems struct{ list []string }

// Add records a problem.
func (p *Problems) Add(format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

// Err is the ValidationException naming every problem, or nil.
func (p *Problems) Err() error {
	switch len(p.list) {
	case 0:
		return nil
	case 1:
		return fault.Coded(fault.Invalid, "ValidationException", "1 validation error detected: %s", p.list[0])
	default:
		return fault.Coded(fault.Invalid, "ValidationException", "%d validation errors detected: %s", len(p.list), strings.Join(p.list, "; "))
	}
}

// Null records a required member that is missing.
func (p *Problems) Null(field string) {
	p.Add("Value null at '%s' failed to satisfy constraint: Member must not be null", field)
}

// Required records value missing.
func (p *Problems) Required(field, value string) {
	if value == "" {
		p.Null(field)
	}
}

// ClientToken checks what a ClientToken must satisfy besides its length
// (see Text): present, and without white space.
func (p *Problems) ClientToken(value string) {
	switch {
	case value == "":
		p.Null("clientToken")
	case strings.ContainsAny(value, " \t\r\n"):
		p.Add("Value at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: \\S+")
	}
}

// arnPattern is the Arn shape's pattern from the AWS model.
var arnPattern = regexp.MustCompile(`^arn:aws(-(cn|us-gov|iso-b|iso-c|iso-d))?:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]*$`) // the model says {0,1023}; overall length is checked separately

// ARN checks an ARN of at most maxLength bytes.
func (p *Problems) ARN(field, value string, required bool, maxLength int) {
	if value == "" {
		if required {
			p.Null(field)
		}
		return
	}
	if len(value) > maxLength || !arnPattern.MatchString(value) {
		p.Add("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-(cn|us-gov|iso-b|iso-c|iso-d))?:...", Clip(value), field)
	}
}

// Enum checks that value is one of allowed.
func Enum[T ~string](p *Problems, field string, value T, allowed []T, required bool) {
	if value == "" {
		if required {
			p.Null(field)
		}
		return
	}
	if !slices.Contains(allowed, value) {
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		slices.Sort(names)
		p.Add("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", Clip(string(value)), field, strings.Join(names, ", "))
	}
}

// Count checks the number of members of a list.
func (p *Problems) Count(field string, n, limit int) {
	if n > limit {
		p.Add("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, limit)
	}
}

// Between checks a number of the model's shapes with a range.
func (p *Problems) Between(field string, value *int, lo, hi int, constraint string) {
	if value != nil && (*value < lo || *value > hi) {
		p.Add("Value '%d' at '%s' failed to satisfy constraint: Member must %s between %d and %d", *value, field, constraint, lo, hi)
	}
}

// String checks what any string must satisfy before it goes further:
// valid UTF-8, no NUL character (PostgreSQL cannot store one, SQLite can;
// refusing it here gives both the same answer), and no longer than limit
// bytes.
func (p *Problems) String(field, value string, limit int) {
	switch {
	case strings.IndexByte(value, 0) >= 0:
		p.Add("Value at '%s' failed to satisfy constraint: Member must not contain the NUL character (U+0000)", field)
	case !utf8.ValidString(value):
		p.Add("Value at '%s' failed to satisfy constraint: Member must be valid UTF-8", field)
	}
	if len(value) > limit {
		p.Add("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, limit)
	}
}

// Text checks every string of a request with String, wherever it sits (a
// field, a nested structure, a list), at the limit limit gives for its
// path. Fields are named by their Go names with a lower-case first letter,
// which for the license manager's inputs are the model's member names
// ("ProductSKU" is "productSKU"); the fields of an embedded structure are
// the outer one's; fields of other kinds (times, numbers) are not strings
// and are left to other checks.
func (p *Problems) Text(in any, limit func(path string) int) {
	p.walk("", reflect.ValueOf(in), limit)
}

func (p *Problems) walk(path string, rv reflect.Value, limit func(string) int) {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !rv.IsNil() {
			p.walk(path, rv.Elem(), limit)
		}
	case reflect.Struct:
		t := rv.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() && !f.Anonymous {
				continue
			}
			sub := path
			if !f.Anonymous {
				sub = joinPath(path, strings.ToLower(f.Name[:1])+f.Name[1:])
			}
			p.walk(sub, rv.Field(i), limit)
		}
	case reflect.Slice, reflect.Array:
		for i := range rv.Len() {
			p.walk(fmt.Sprintf("%s.%d.member", path, i+1), rv.Index(i), limit)
		}
	case reflect.String:
		p.String(path, rv.String(), limit(path))
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// EntitlementNames checks what every list of entitlements must satisfy: not
// empty, at most limit long, each with a name and a known unit, no name
// twice.
func (p *Problems) EntitlementNames(n, limit int, at func(i int) (name string, unit Unit)) {
	if n == 0 {
		p.Null("entitlements")
		return
	}
	p.Count("entitlements", n, limit)
	seen := map[string]bool{}
	for i := range n {
		name, unit := at(i)
		field := fmt.Sprintf("entitlements.%d", i+1)
		p.Required(field+".member.name", name)
		Enum(p, field+".member.unit", unit, Units, true)
		if seen[name] {
			p.Add("Entitlement name '%s' appears more than once", Clip(name))
		}
		seen[name] = true
	}
}

// Quantity checks a number of units: between 1 and MaxQuantity. shown is
// the value as the request wrote it.
func (p *Problems) Quantity(field string, n int64, shown string) {
	if n < 1 || n > MaxQuantity {
		p.BadQuantity(field, shown)
	}
}

// BadQuantity records a quantity that is not a whole number between 1 and
// MaxQuantity.
func (p *Problems) BadQuantity(field, shown string) {
	p.Add("Value '%s' at '%s' failed to satisfy constraint: Member must be a whole number between 1 and %d", Clip(shown), field, MaxQuantity)
}

// ValidityWindow checks that a license's validity ends after it begins.
func (p *Problems) ValidityWindow(v Validity) {
	if !v.End.IsZero() && !v.Begin.IsZero() && !v.End.After(v.Begin) {
		p.Add("Validity end %s must be after its begin %s", FormatTime(v.End), FormatTime(v.Begin))
	}
}

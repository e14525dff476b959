package license

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/fault"
)

// arnPattern is the Arn shape's pattern from the AWS model.
var arnPattern = regexp.MustCompile(`^arn:aws(-(cn|us-gov|iso-b|iso-c|iso-d))?:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]*$`) // the model says {0,1023}; overall length is checked separately

// isoPattern is the ISO8601DateTime shape's pattern from the AWS model.
var isoPattern = regexp.MustCompile(`^(-?(?:[1-9][0-9]*)?[0-9]{4})-(1[0-2]|0[1-9])-(3[0-1]|0[1-9]|[1-2][0-9])T(2[0-3]|[0-1][0-9]):([0-5][0-9]):([0-5][0-9])(\.[0-9]+)?(Z|[+-](?:2[0-3]|[0-1][0-9]):[0-5][0-9])+$`)

// validator gathers validation errors the way AWS reports them: "N
// validation errors detected: Value X at 'field' failed to satisfy
// constraint: ...".
type validator struct{ problems []string }

func (v *validator) add(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

func (v *validator) required(field, value string) {
	if value == "" {
		v.add("Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
}

// clientToken checks what a ClientToken must satisfy besides its length
// (see text): present, and without white space.
func (v *validator) clientToken(value string) {
	switch {
	case value == "":
		v.add("Value null at 'clientToken' failed to satisfy constraint: Member must not be null")
	case strings.ContainsAny(value, " \t\r\n"):
		v.add("Value at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: \\S+")
	}
}

// text checks every string of a request, wherever it sits (a field, a
// nested structure, a list), against what any string must satisfy before
// it goes further: valid UTF-8, no NUL character (PostgreSQL cannot store
// one, SQLite can; refusing it here gives both the same answer), and no
// longer than its limit (stringLimit). Fields are named as in the other
// validation messages: the JSON name with a lower-case first letter, list
// members as "name.N.member".
func (v *validator) text(in any) {
	v.walk("", reflect.ValueOf(in))
}

func (v *validator) walk(path string, rv reflect.Value) {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !rv.IsNil() {
			v.walk(path, rv.Elem())
		}
	case reflect.Struct:
		t := rv.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name := fieldName(f)
			if !f.IsExported() || name == "-" {
				continue
			}
			p := path
			if !f.Anonymous { // an embedded struct's fields are the outer one's
				p = joinPath(path, name)
			}
			v.walk(p, rv.Field(i))
		}
	case reflect.Slice, reflect.Array:
		for i := range rv.Len() {
			v.walk(fmt.Sprintf("%s.%d.member", path, i+1), rv.Index(i))
		}
	case reflect.String:
		v.string(path, rv.String())
	}
}

func (v *validator) string(field, value string) {
	switch {
	case strings.IndexByte(value, 0) >= 0:
		v.add("Value at '%s' failed to satisfy constraint: Member must not contain the NUL character (U+0000)", field)
	case !utf8.ValidString(value):
		v.add("Value at '%s' failed to satisfy constraint: Member must be valid UTF-8", field)
	}
	if limit := stringLimit(field); len(value) > limit {
		v.add("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, limit)
	}
}

// fieldName is the name of a struct field in validation messages: its JSON
// name with a lower-case first letter ("ProductSKU" is "productSKU"), or
// "-" for a field the JSON encoding leaves out.
func fieldName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return name
	}
	if name == "" {
		name = f.Name
	}
	return strings.ToLower(name[:1]) + name[1:]
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (v *validator) arn(field, value string, required bool) {
	if value == "" {
		if required {
			v.add("Value null at '%s' failed to satisfy constraint: Member must not be null", field)
		}
		return
	}
	if len(value) > MaxARNLength || !arnPattern.MatchString(value) {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-(cn|us-gov|iso-b|iso-c|iso-d))?:...", clip(value), field)
	}
}

func (v *validator) enum(field, value string, allowed map[string]bool, required bool) {
	if value == "" {
		if required {
			v.add("Value null at '%s' failed to satisfy constraint: Member must not be null", field)
		}
		return
	}
	if !allowed[value] {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", clip(value), field, strings.Join(sortedKeys(allowed), ", "))
	}
}

func (v *validator) timestamp(field, value string, required bool) {
	if value == "" {
		if required {
			v.add("Value null at '%s' failed to satisfy constraint: Member must not be null", field)
		}
		return
	}
	if len(value) > 50 || !isoPattern.MatchString(value) {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must be an ISO 8601 date-time such as 2024-01-01T00:00:00Z", clip(value), field)
		return
	}
	if _, err := parseTime(value); err != nil {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must be an ISO 8601 date-time such as 2024-01-01T00:00:00Z", clip(value), field)
	}
}

func (v *validator) maxResults(value *int) {
	if value != nil && (*value < 1 || *value > maxPageSize) {
		v.add("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and %d", *value, maxPageSize)
	}
}

// count checks the number of members of a list.
func (v *validator) count(field string, n, limit int) {
	if n > limit {
		v.add("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, limit)
	}
}

func (v *validator) err() error {
	switch len(v.problems) {
	case 0:
		return nil
	case 1:
		return fault.Coded(fault.Invalid, "ValidationException", "1 validation error detected: %s", v.problems[0])
	default:
		return fault.Coded(fault.Invalid, "ValidationException", "%d validation errors detected: %s", len(v.problems), strings.Join(v.problems, "; "))
	}
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func sortedKeys(m map[string]bool) []string {
	return slices.Sorted(maps.Keys(m))
}

// entitlements checks a license's entitlements: names unique, units known,
// MaxCount between 0 and MaxQuantity.
func (v *validator) entitlements(list []Entitlement) {
	v.entitlementList(len(list), func(i int) (string, string) { return list[i].Name, list[i].Unit })
	for i, e := range list {
		if e.MaxCount != nil && (*e.MaxCount < 0 || *e.MaxCount > MaxQuantity) {
			v.add("Value '%d' at 'entitlements.%d.member.maxCount' failed to satisfy constraint: Member must have value between 0 and %d",
				*e.MaxCount, i+1, MaxQuantity)
		}
	}
}

// entitlementList checks what every list of entitlements must satisfy: not
// empty, not too long, each with a name and a known unit, no name twice.
func (v *validator) entitlementList(n int, at func(i int) (name, unit string)) {
	if n == 0 {
		v.add("Value null at 'entitlements' failed to satisfy constraint: Member must not be null")
		return
	}
	v.count("entitlements", n, maxEntitlementsPerRecord)
	seen := map[string]bool{}
	for i := range n {
		name, unit := at(i)
		field := fmt.Sprintf("entitlements.%d", i+1)
		v.required(field+".member.name", name)
		v.enum(field+".member.unit", unit, units, true)
		if seen[name] {
			v.add("Entitlement name '%s' appears more than once", clip(name))
		}
		seen[name] = true
	}
}

func (v *validator) consumption(c ConsumptionConfiguration) {
	v.enum("consumptionConfiguration.renewType", c.RenewType, renewTypes, false)
	if p := c.ProvisionalConfiguration; p != nil {
		if p.MaxTimeToLiveInMinutes == nil {
			v.add("Value null at 'consumptionConfiguration.provisionalConfiguration.maxTimeToLiveInMinutes' failed to satisfy constraint: Member must not be null")
		} else {
			v.ttl("provisionalConfiguration", *p.MaxTimeToLiveInMinutes)
		}
	}
	if b := c.BorrowConfiguration; b != nil {
		if b.MaxTimeToLiveInMinutes == nil || b.AllowEarlyCheckIn == nil {
			v.add("Value null at 'consumptionConfiguration.borrowConfiguration' members failed to satisfy constraint: AllowEarlyCheckIn and MaxTimeToLiveInMinutes must not be null")
		} else {
			v.ttl("borrowConfiguration", *b.MaxTimeToLiveInMinutes)
		}
	}
}

func (v *validator) ttl(config string, minutes int) {
	if minutes < 1 || minutes > maxTTLMinutes {
		v.add("Value '%d' at 'consumptionConfiguration.%s.maxTimeToLiveInMinutes' failed to satisfy constraint: Member must be between 1 and %d", minutes, config, maxTTLMinutes)
	}
}

// checkoutEntitlements checks the entitlements a checkout asks for. A name
// may not appear twice: each draw is checked against the pool on its own, so
// a name asked for twice could take more than the pool holds. A Value, when
// given, is a whole number of units between 1 and MaxQuantity; it counts
// only for counted entitlements (a tier's Value is not read), but a request
// that cannot be meant is refused whatever the license holds.
func (v *validator) checkoutEntitlements(list []EntitlementData) {
	v.entitlementList(len(list), func(i int) (string, string) { return list[i].Name, list[i].Unit })
	for i, e := range list {
		if e.Unit == UnitNone || e.Value == "" {
			continue
		}
		if _, ok := parseQuantity(e.Value); !ok {
			v.add("Value '%s' at 'entitlements.%d.member.value' failed to satisfy constraint: Member must be a whole number between 1 and %d",
				clip(e.Value), i+1, MaxQuantity)
		}
	}
}

// parseQuantity reads a checkout's Value: a whole number of units between 1
// and MaxQuantity.
func parseQuantity(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > MaxQuantity {
		return 0, false
	}
	return n, true
}

package license

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

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
	} else if len(value) > maxStringLength {
		v.add("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, maxStringLength)
	}
}

func (v *validator) optional(field, value string) {
	if len(value) > maxStringLength {
		v.add("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, maxStringLength)
	}
}

func (v *validator) clientToken(value string) {
	switch {
	case value == "":
		v.add("Value null at 'clientToken' failed to satisfy constraint: Member must not be null")
	case len(value) > maxClientTokenLength:
		v.add("Value at 'clientToken' failed to satisfy constraint: Member must have length less than or equal to %d", maxClientTokenLength)
	case strings.ContainsAny(value, " \t\r\n"):
		v.add("Value at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: \\S+")
	}
}

func (v *validator) arn(field, value string, required bool) {
	if value == "" {
		if required {
			v.add("Value null at '%s' failed to satisfy constraint: Member must not be null", field)
		}
		return
	}
	if len(value) > 2048 || !arnPattern.MatchString(value) {
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
	if value != nil && (*value < 1 || *value > 100) {
		v.add("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100", *value)
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
// counted entitlements with a non-negative MaxCount.
func (v *validator) entitlements(list []Entitlement) {
	v.entitlementList(len(list), func(i int) (string, string) { return list[i].Name, list[i].Unit })
	for i, e := range list {
		// A stored entitlement's name is part of the keys that count its
		// units; PostgreSQL refuses index rows over 2,704 bytes.
		if len(e.Name) > maxEntitlementNameLength {
			v.add("Value at 'entitlements.%d.member.name' failed to satisfy constraint: Member must have length less than or equal to %d", i+1, maxEntitlementNameLength)
		}
		if e.MaxCount != nil && *e.MaxCount < 0 {
			v.add("Value '%d' at 'entitlements.%d.member.maxCount' failed to satisfy constraint: Member must be non-negative", *e.MaxCount, i+1)
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
	if n > maxEntitlementsPerRecord {
		v.add("Value at 'entitlements' failed to satisfy constraint: Member must have at most %d items", maxEntitlementsPerRecord)
	}
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

// maxTTLMinutes bounds a time to live: a leap year.
const maxTTLMinutes = 60 * 24 * 366

func (v *validator) ttl(config string, minutes int) {
	if minutes < 1 || minutes > maxTTLMinutes {
		v.add("Value '%d' at 'consumptionConfiguration.%s.maxTimeToLiveInMinutes' failed to satisfy constraint: Member must be between 1 and %d", minutes, config, maxTTLMinutes)
	}
}

// checkoutEntitlements checks the entitlements a checkout asks for. A name
// may not appear twice: each draw is checked against the pool on its own, so
// a name asked for twice could take more than the pool holds.
func (v *validator) checkoutEntitlements(list []EntitlementData) {
	v.entitlementList(len(list), func(i int) (string, string) { return list[i].Name, list[i].Unit })
	for i, e := range list {
		v.optional(fmt.Sprintf("entitlements.%d.member.value", i+1), e.Value)
	}
}

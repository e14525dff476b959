package license

import (
	"fmt"
	"regexp"
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
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ { // insertion sort: the sets are small
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// validateEntitlements checks a license's entitlements: names unique,
// units known, counted entitlements with a non-negative MaxCount.
func (v *validator) entitlements(list []Entitlement) {
	if len(list) == 0 {
		v.add("Value null at 'entitlements' failed to satisfy constraint: Member must not be null")
		return
	}
	if len(list) > maxEntitlementsPerRecord {
		v.add("Value at 'entitlements' failed to satisfy constraint: Member must have at most %d items", maxEntitlementsPerRecord)
	}
	seen := map[string]bool{}
	for i, e := range list {
		field := fmt.Sprintf("entitlements.%d", i+1)
		v.required(field+".member.name", e.Name)
		v.enum(field+".member.unit", e.Unit, units, true)
		if seen[e.Name] {
			v.add("Entitlement name '%s' appears more than once", clip(e.Name))
		}
		seen[e.Name] = true
		if e.MaxCount != nil && *e.MaxCount < 0 {
			v.add("Value '%d' at '%s.member.maxCount' failed to satisfy constraint: Member must be non-negative", *e.MaxCount, field)
		}
	}
}

func (v *validator) consumption(c ConsumptionConfiguration) {
	v.enum("consumptionConfiguration.renewType", c.RenewType, renewTypes, false)
	if p := c.ProvisionalConfiguration; p != nil {
		if p.MaxTimeToLiveInMinutes == nil {
			v.add("Value null at 'consumptionConfiguration.provisionalConfiguration.maxTimeToLiveInMinutes' failed to satisfy constraint: Member must not be null")
		} else if *p.MaxTimeToLiveInMinutes < 1 || *p.MaxTimeToLiveInMinutes > 60*24*366 {
			v.add("Value '%d' at 'consumptionConfiguration.provisionalConfiguration.maxTimeToLiveInMinutes' failed to satisfy constraint: Member must be between 1 and 527040", *p.MaxTimeToLiveInMinutes)
		}
	}
	if b := c.BorrowConfiguration; b != nil {
		if b.MaxTimeToLiveInMinutes == nil || b.AllowEarlyCheckIn == nil {
			v.add("Value null at 'consumptionConfiguration.borrowConfiguration' members failed to satisfy constraint: AllowEarlyCheckIn and MaxTimeToLiveInMinutes must not be null")
		} else if *b.MaxTimeToLiveInMinutes < 1 || *b.MaxTimeToLiveInMinutes > 60*24*366 {
			v.add("Value '%d' at 'consumptionConfiguration.borrowConfiguration.maxTimeToLiveInMinutes' failed to satisfy constraint: Member must be between 1 and 527040", *b.MaxTimeToLiveInMinutes)
		}
	}
}

func (v *validator) checkoutEntitlements(list []EntitlementData) {
	if len(list) == 0 {
		v.add("Value null at 'entitlements' failed to satisfy constraint: Member must not be null")
		return
	}
	if len(list) > maxEntitlementsPerRecord {
		v.add("Value at 'entitlements' failed to satisfy constraint: Member must have at most %d items", maxEntitlementsPerRecord)
	}
	seen := map[string]bool{}
	for i, e := range list {
		field := fmt.Sprintf("entitlements.%d", i+1)
		v.required(field+".member.name", e.Name)
		v.enum(field+".member.unit", e.Unit, units, true)
		v.optional(field+".member.value", e.Value)
		// Each draw is checked against the pool on its own, so a name asked
		// for twice could take more than the pool holds.
		if seen[e.Name] {
			v.add("Entitlement name '%s' appears more than once", clip(e.Name))
		}
		seen[e.Name] = true
	}
}

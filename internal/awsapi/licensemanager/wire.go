package licensemanager

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/license/rules"
)

// The shapes the entities share, with the JSON names of the License Manager
// model (botocore's license-manager/2018-08-01), and the conversions of the
// model's strings: times and quantities are strings on the wire and
// time.Time and integers in the domain.

type metadataShape struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type filterShape struct {
	Name   string   `json:"Name"`
	Values []string `json:"Values"`
}

// listRequest is the common part of the List* requests.
type listRequest struct {
	Filters    []filterShape `json:"Filters"`
	NextToken  string        `json:"NextToken"`
	MaxResults *int          `json:"MaxResults"`
}

// entitlementData is the EntitlementData shape: an entitlement a checkout
// asks for, or was allowed. Value is a decimal count of units, or a tier's
// value (Unit None).
type entitlementData struct {
	Name  string `json:"Name"`
	Value string `json:"Value,omitempty"`
	Unit  string `json:"Unit"`
}

// mapSlice maps a slice, keeping nil nil (a list the encoder writes as
// null stays null, an empty one []).
func mapSlice[T, U any](in []T, f func(T) U) []U {
	if in == nil {
		return nil
	}
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func metadataIn(m metadataShape) license.Metadata {
	return license.Metadata{Name: m.Name, Value: m.Value}
}

func metadataOut(m license.Metadata) metadataShape {
	return metadataShape{Name: m.Name, Value: m.Value}
}

func listIn(l listRequest) license.ListInput {
	return license.ListInput{
		Filters:   mapSlice(l.Filters, func(f filterShape) license.Filter { return license.Filter{Name: f.Name, Values: f.Values} }),
		NextToken: l.NextToken, MaxResults: l.MaxResults,
	}
}

// isoFormat is how the wire writes times: as License Manager does, in UTC
// to the millisecond.
const isoFormat = "2006-01-02T15:04:05.000Z"

// formatTime writes a time for the wire; the zero time, none, is the empty
// string (which the omitempty members leave out).
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(isoFormat)
}

// isoPattern is the ISO8601DateTime shape's pattern from the AWS model.
var isoPattern = regexp.MustCompile(`^(-?(?:[1-9][0-9]*)?[0-9]{4})-(1[0-2]|0[1-9])-(3[0-1]|0[1-9]|[1-2][0-9])T(2[0-3]|[0-1][0-9]):([0-5][0-9]):([0-5][0-9])(\.[0-9]+)?(Z|[+-](?:2[0-3]|[0-1][0-9]):[0-5][0-9])+$`)

// maxTimeLength is the ISO8601DateTime shape's length limit.
const maxTimeLength = 50

// parseTime reads a time of a request: an ISO 8601 date-time the model's
// pattern allows and Go reads as RFC 3339; the empty string is no time (the
// domain says whether one is required). What is not a time is recorded in
// p, naming field.
func parseTime(p *rules.Problems, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	p.String(field, s, license.MaxStringLength)
	if len(s) <= maxTimeLength && isoPattern.MatchString(s) {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
	}
	p.Add("Value '%s' at '%s' failed to satisfy constraint: Member must be an ISO 8601 date-time such as 2024-01-01T00:00:00Z", rules.Clip(s), field)
	return time.Time{}
}

// parseQuantity reads a count of units: a decimal integer (the domain says
// which are allowed); the empty string is none. What is not a number is
// recorded in p, naming field.
func parseQuantity(p *rules.Problems, field, s string) *int64 {
	if s == "" {
		return nil
	}
	p.String(field, s, license.MaxStringLength)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		p.BadQuantity(field, s)
		return nil
	}
	return &n
}

func formatQuantity(n int64) string { return strconv.FormatInt(n, 10) }

// entitlementRequests maps the entitlements a checkout asks for: a counted
// one's Value is its quantity, a tier's is kept as it is.
func entitlementRequests(p *rules.Problems, list []entitlementData) []license.EntitlementRequest {
	if list == nil {
		return nil
	}
	out := make([]license.EntitlementRequest, len(list))
	for i, e := range list {
		r := license.EntitlementRequest{Name: e.Name, Unit: license.Unit(e.Unit)}
		if r.Unit == license.UnitNone {
			r.Value = e.Value
		} else {
			r.Quantity = parseQuantity(p, fmt.Sprintf("entitlements.%d.member.value", i+1), e.Value)
		}
		out[i] = r
	}
	return out
}

// allowedOut writes an entitlement a checkout took: a counted one's Value
// is its quantity.
func allowedOut(a license.AllowedEntitlement) entitlementData {
	return entitlementData{Name: a.Name, Value: a.Text(), Unit: string(a.Unit)}
}

// mapEnum converts a list of strings to a list of an enumeration's type.
func mapEnum[T ~string](in []string) []T {
	return mapSlice(in, func(s string) T { return T(s) })
}

// enumStrings converts a list of an enumeration's type to strings.
func enumStrings[T ~string](in []T) []string {
	return mapSlice(in, func(v T) string { return string(v) })
}

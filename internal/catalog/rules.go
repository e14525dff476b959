package catalog

// The pure rules of products, price plans and offers: what Validate checks,
// without a store or a clock. Each rule reports a fault.FieldError with the
// field's path as the client wrote it, a stable code and a message that
// says what to fix; every rule runs, so one response lists every problem.
// The rules come from seed 004 (annual pricing), seed 003 (contract
// dimensions) and AWS Marketplace's published limits.

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license/rules"
	"github.com/tollgate/tollgate/internal/money"
)

// MaxFreeTrialDays is the longest free trial: a month, the longest AWS
// Marketplace offers on hourly products.
const MaxFreeTrialDays = 31

// MaxNameChars bounds a dimension, tier or unit name.
const MaxNameChars = 100

// ProductDurations are the contract durations a product may offer; private
// offers may name any number of months (up to their limit).
var ProductDurations = []Duration{"P1M", "P12M", "P24M", "P36M"}

// problems collects field errors in the order the rules find them.
type problems []fault.FieldError

func (p *problems) add(field, code, format string, args ...any) {
	*p = append(*p, fault.FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// has reports whether a problem was found at field.
func (p problems) has(field string) bool {
	return slices.ContainsFunc(p, func(f fault.FieldError) bool { return f.Field == field })
}

// quote quotes what a client wrote for a message, cut to 40 bytes.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}

// checkKind reads a product kind; ok is false if it is not one.
func checkKind(p *problems, field, s string) (Kind, bool) {
	switch {
	case s == "":
		p.add(field, "required", "is required: one of paid-image, supported-image, contract or saas")
	case !slices.Contains(Kinds, Kind(s)):
		p.add(field, "invalid_kind", "must be one of paid-image, supported-image, contract or saas, not %s", quote(s))
	default:
		return Kind(s), true
	}
	return "", false
}

// checkName checks a product's name: required, at most MaxNameLength bytes
// of UTF-8 plain text on one line. Angle brackets are refused too: a name is
// shown on pages and in listings, and markup in it is never meant.
func checkName(p *problems, field, s string) {
	switch {
	case strings.TrimSpace(s) == "":
		p.add(field, "required", "is required")
	case len(s) > MaxNameLength:
		p.add(field, "too_long", "is %d bytes; at most %d are allowed", len(s), MaxNameLength)
	case !utf8.ValidString(s):
		p.add(field, "invalid_utf8", "must be valid UTF-8 text")
	case strings.ContainsFunc(s, unicode.IsControl):
		p.add(field, "control_character", "must not contain control characters such as NUL or line breaks")
	case strings.ContainsAny(s, "<>"):
		p.add(field, "markup", "must not contain < or >: a product name is plain text")
	}
}

// checkDescription checks a description: at most MaxDescriptionLength
// bytes of UTF-8 text, whose only control characters are tabs and line
// breaks.
func checkDescription(p *problems, field, s string) {
	switch {
	case len(s) > MaxDescriptionLength:
		p.add(field, "too_long", "is %d bytes; at most %d are allowed", len(s), MaxDescriptionLength)
	case !utf8.ValidString(s):
		p.add(field, "invalid_utf8", "must be valid UTF-8 text")
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }):
		p.add(field, "control_character", "must not contain control characters other than tabs and line breaks")
	}
}

// checkReturnURL checks an optional return URL: absolute, http or https,
// with a host.
func checkReturnURL(p *problems, field, s string) {
	if s == "" {
		return
	}
	if len(s) > MaxURLLength {
		p.add(field, "too_long", "is %d bytes; at most %d are allowed", len(s), MaxURLLength)
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		p.add(field, "invalid_url", "must be an absolute http or https URL, such as https://example.com/welcome")
	}
}

// ValidInstanceTypeName reports whether s is shaped like an instance type
// name: a family and a size, "m5.large", "m7i-flex.2xlarge", "u-6tb1.metal".
func ValidInstanceTypeName(s string) bool {
	family, size, ok := strings.Cut(s, ".")
	return ok && len(s) <= 64 && family != "" && size != "" &&
		isLower(family[0]) && allOf(family, isNameByte) && allOf(size, isNameByte)
}

func isLower(c byte) bool    { return c >= 'a' && c <= 'z' }
func isNameByte(c byte) bool { return isLower(c) || (c >= '0' && c <= '9') || c == '-' }

func allOf(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// checkInstanceTypes checks a product's instance types: at most
// MaxInstanceTypes, each a well-formed name, none repeated, and, when
// catalogue is not nil, each in it.
func checkInstanceTypes(p *problems, field string, types []string, catalogue map[string]bool) {
	if len(types) > MaxInstanceTypes {
		p.add(field, "too_many", "has %d instance types; at most %d are allowed", len(types), MaxInstanceTypes)
		return
	}
	seen := map[string]bool{}
	for i, t := range types {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !ValidInstanceTypeName(t):
			p.add(f, "invalid_instance_type", "must be an instance type name such as m5.large, not %s", quote(t))
		case seen[t]:
			p.add(f, "duplicate", "repeats %s", t)
		case catalogue != nil && !catalogue[t]:
			p.add(f, "unknown_instance_type", "%s is not in this marketplace's catalogue of instance types", t)
		}
		seen[t] = true
	}
}

// amount parses an optional price; empty is zero.
func amount(p *problems, field, s string) money.Amount {
	if s == "" {
		return 0
	}
	return price(p, field, s)
}

// price parses a price that must be present.
func price(p *problems, field, s string) money.Amount {
	a, err := money.Parse(s)
	if err != nil {
		pe := err.(*money.ParseError)
		p.add(field, pe.Code, "%s", pe.Message)
	}
	return a
}

// checkDimensionName checks the name of a usage or contract dimension, a
// tier or a unit: 1 to MaxNameChars letters, digits, '_', '.' or '-' (and
// '/' where slash is true, for units such as Bytes/Second): names that
// licenses, metering records and URLs carry unescaped.
func checkDimensionName(p *problems, field, s string, slash bool) bool {
	ok := func(c byte) bool {
		return isLower(c) || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' || (slash && c == '/')
	}
	switch {
	case s == "":
		p.add(field, "required", "is required")
	case len(s) > MaxNameChars || !allOf(s, ok):
		extra := ""
		if slash {
			extra = ", '/'"
		}
		p.add(field, "invalid_name", "must be 1 to %d letters, digits, '_', '.', '-'%s, not %s", MaxNameChars, extra, quote(s))
	default:
		return true
	}
	return false
}

// pricingContext is what the pricing rules know of the product a plan is
// for.
type pricingContext struct {
	// kind is the product's kind; "" when it is not known (the kind-
	// dependent rules are skipped) or not valid (already reported).
	kind Kind
	// instanceTypes are the product's instance types; typesKnown is false
	// when they are not known, and the rules that compare against them use
	// the plan's own instance types instead.
	instanceTypes []string
	typesKnown    bool
	// offer allows any duration of months in contract pricing.
	offer bool
}

// isImage reports whether k is sold as a machine image, priced by the
// instance-hour.
func (k Kind) isImage() bool { return k == PaidImage || k == SupportedImage }

// parsePricing checks a price plan and returns it parsed; the problems, at
// field paths under field, are added to p.
func parsePricing(p *problems, field string, in PricingInput, c pricingContext) Pricing {
	out := Pricing{
		SignUpFee:     amount(p, field+".SignUpFee", in.SignUpFee),
		MonthlyFee:    amount(p, field+".MonthlyFee", in.MonthlyFee),
		Hourly:        parseByType(p, field+".Hourly", in.Hourly, c),
		Annual:        parseByType(p, field+".Annual", in.Annual, c),
		FreeTrialDays: in.FreeTrialDays,
	}
	if in.FreeTrialDays < 0 || in.FreeTrialDays > MaxFreeTrialDays {
		p.add(field+".FreeTrialDays", "out_of_range", "must be from 0 to %d days, not %d", MaxFreeTrialDays, in.FreeTrialDays)
	}
	out.Usage = parseUsage(p, field+".Usage", in.Usage)
	if in.Contract != nil {
		out.Contract = parseContract(p, field+".Contract", *in.Contract, c.offer)
	}
	checkKindRules(p, field, in, c)
	checkAnnual(p, field, in, out, c)
	checkCombinations(p, field, in, out)
	return out
}

// parseByType parses hourly or annual prices by instance type, each of
// which must be among the product's instance types.
func parseByType(p *problems, field string, in map[string]string, c pricingContext) map[string]money.Amount {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]money.Amount, len(in))
	for _, t := range sortedKeys(in) {
		f := field + "." + t
		switch {
		case c.typesKnown && !slices.Contains(c.instanceTypes, t):
			p.add(f, "unlisted_instance_type", "prices %s, which is not among the product's InstanceTypes", quote(t))
		case !c.typesKnown && !ValidInstanceTypeName(t):
			p.add(f, "invalid_instance_type", "must be keyed by an instance type name such as m5.large, not %s", quote(t))
		default:
			out[t] = price(p, f, in[t])
		}
	}
	return out
}

// parseUsage checks metered dimensions: at most MaxDimensions, each named
// uniquely, with a unit and a price.
func parseUsage(p *problems, field string, in []UsageDimensionInput) []UsageDimension {
	if len(in) > MaxDimensions {
		p.add(field, "too_many", "has %d dimensions; at most %d are allowed", len(in), MaxDimensions)
		return nil
	}
	var out []UsageDimension
	seen := map[string]bool{}
	for i, d := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		if checkDimensionName(p, f+".Dimension", d.Dimension, false) && seen[d.Dimension] {
			p.add(f+".Dimension", "duplicate", "repeats %s", d.Dimension)
		}
		seen[d.Dimension] = true
		checkDimensionName(p, f+".Unit", d.Unit, true)
		out = append(out, UsageDimension{Dimension: d.Dimension, Unit: d.Unit, Price: price(p, f+".Price", d.Price)})
	}
	return out
}

// parseContract checks a contract's durations and dimensions.
func parseContract(p *problems, field string, in ContractPricingInput, offer bool) *ContractPricing {
	out := &ContractPricing{Durations: parseDurations(p, field+".Durations", in.Durations, offer)}
	f := field + ".Dimensions"
	switch {
	case len(in.Dimensions) == 0:
		p.add(f, "required", "needs at least one dimension")
		return out
	case len(in.Dimensions) > MaxDimensions:
		p.add(f, "too_many", "has %d dimensions; at most %d are allowed", len(in.Dimensions), MaxDimensions)
		return out
	}
	seen := map[string]bool{}
	for i, d := range in.Dimensions {
		df := fmt.Sprintf("%s[%d]", f, i)
		if checkDimensionName(p, df+".Name", d.Name, false) && seen[d.Name] {
			p.add(df+".Name", "duplicate", "repeats %s", d.Name)
		}
		seen[d.Name] = true
		out.Dimensions = append(out.Dimensions, parseDimension(p, df, d, out.Durations))
	}
	return out
}

// parseDurations checks a contract's durations: at least one, none
// repeated, each one of ProductDurations (any P<n>M up to
// MaxContractOfferMonths in an offer). Only the valid ones are returned.
func parseDurations(p *problems, field string, in []string, offer bool) []Duration {
	if len(in) == 0 {
		p.add(field, "required", "needs at least one duration, such as P12M")
		return nil
	}
	var out []Duration
	for i, s := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		d := Duration(s)
		months, ok := d.Months()
		switch {
		case !offer && !slices.Contains(ProductDurations, d):
			p.add(f, "invalid_duration", "must be one of P1M, P12M, P24M or P36M, not %s", quote(s))
		case offer && (!ok || !strings.HasSuffix(s, "M") || months > MaxContractOfferMonths):
			p.add(f, "invalid_duration", "must be a number of months from P1M to P%dM, not %s", MaxContractOfferMonths, quote(s))
		case slices.Contains(out, d):
			p.add(f, "duplicate", "repeats %s", s)
		default:
			out = append(out, d)
		}
	}
	return out
}

// parseDimension checks one contract dimension, priced for every duration.
func parseDimension(p *problems, field string, in ContractDimensionInput, durations []Duration) ContractDimension {
	out := ContractDimension{Name: in.Name, Type: DimensionType(in.Type), Floating: in.Floating}
	switch out.Type {
	case Configurable:
		if in.Unit == "" {
			p.add(field+".Unit", "required", "is required: a License Manager unit such as Count or Gigabytes")
		} else if in.Unit == string(rules.UnitNone) || !slices.Contains(rules.Units, rules.Unit(in.Unit)) {
			p.add(field+".Unit", "invalid_unit", "must be a License Manager unit such as Count or Gigabytes, not %s", quote(in.Unit))
		}
		out.Unit = in.Unit
		if len(in.Tiers) > 0 {
			p.add(field+".Tiers", "not_for_type", "only Tiered dimensions have tiers")
		}
		out.Price = parseDurationPrices(p, field+".Price", in.Price, durations)
	case Tiered:
		if in.Unit != "" && in.Unit != string(rules.UnitNone) {
			p.add(field+".Unit", "not_for_type", "must be empty or None: a tier is held, not counted")
		}
		if in.Floating {
			p.add(field+".Floating", "not_for_type", "only Configurable dimensions float")
		}
		if len(in.Price) > 0 {
			p.add(field+".Price", "not_for_type", "a Tiered dimension is priced by its Tiers")
		}
		out.Tiers = parseTiers(p, field+".Tiers", in.Tiers, durations)
	case "":
		p.add(field+".Type", "required", "is required: Configurable or Tiered")
	default:
		p.add(field+".Type", "invalid_type", "must be Configurable or Tiered, not %s", quote(in.Type))
	}
	return out
}

// parseTiers checks a tiered dimension's tiers: 1 to MaxTiers, each named
// and priced for every duration.
func parseTiers(p *problems, field string, in map[string]map[string]string, durations []Duration) map[string]map[Duration]money.Amount {
	switch {
	case len(in) == 0:
		p.add(field, "required", "needs at least one tier")
		return nil
	case len(in) > MaxTiers:
		p.add(field, "too_many", "has %d tiers; at most %d are allowed", len(in), MaxTiers)
		return nil
	}
	out := make(map[string]map[Duration]money.Amount, len(in))
	for _, name := range sortedKeys(in) {
		f := field + "." + name
		if checkDimensionName(p, f, name, false) {
			out[name] = parseDurationPrices(p, f, in[name], durations)
		}
	}
	return out
}

// parseDurationPrices checks prices by duration: one for each of the
// contract's durations, and none for another.
func parseDurationPrices(p *problems, field string, in map[string]string, durations []Duration) map[Duration]money.Amount {
	out := map[Duration]money.Amount{}
	for _, d := range durations {
		s, ok := in[string(d)]
		if !ok {
			p.add(field+"."+string(d), "required", "needs a price for %s, one of the contract's Durations", d)
			continue
		}
		out[d] = price(p, field+"."+string(d), s)
	}
	for _, k := range sortedKeys(in) {
		if !slices.Contains(durations, Duration(k)) {
			p.add(field+"."+k, "unlisted_duration", "prices %s, which is not among the contract's Durations", quote(k))
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// checkKindRules checks which pricing models the product's kind takes:
// image products are priced by the hour and the year but not by contract;
// contract products only by contract (a term bought upfront has no trial);
// SaaS products, which run no instances the marketplace sees, by neither
// the hour, the year nor contract.
func checkKindRules(p *problems, field string, in PricingInput, c pricingContext) {
	if c.kind == "" {
		return
	}
	notFor := func(f string) { p.add(field+f, "not_for_kind", "is not a pricing model of %s products", c.kind) }
	if !c.kind.isImage() {
		if len(in.Hourly) > 0 {
			notFor(".Hourly")
		}
		if len(in.Annual) > 0 {
			notFor(".Annual")
		}
	}
	if c.kind == Contract {
		if in.FreeTrialDays > 0 {
			notFor(".FreeTrialDays")
		}
		if in.Contract == nil {
			p.add(field+".Contract", "required", "is required: a contract product is priced per dimension and duration")
		}
	} else if in.Contract != nil {
		notFor(".Contract")
	}
}

// checkAnnual checks the annual-pricing rules of seed 004: with annual
// pricing, every instance type has both an hourly and an annual price, and
// an annual price may be $0 only where the hourly price is $0 too and some
// other annual price is not.
func checkAnnual(p *problems, field string, in PricingInput, out Pricing, c pricingContext) {
	if len(in.Annual) == 0 || (c.kind != "" && !c.kind.isImage()) {
		return
	}
	types := c.instanceTypes
	if !c.typesKnown {
		types = sortedKeys(in.Annual)
		for _, t := range sortedKeys(in.Hourly) {
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
	}
	for _, t := range types {
		if _, ok := in.Hourly[t]; !ok {
			p.add(field+".Hourly."+t, "missing_hourly", "needs an hourly price: with annual pricing every instance type has an hourly and an annual price")
		}
		if _, ok := in.Annual[t]; !ok {
			p.add(field+".Annual."+t, "missing_annual", "needs an annual price: with annual pricing every instance type has an hourly and an annual price")
		}
	}
	nonZero := 0
	for _, a := range out.Annual {
		if a > 0 {
			nonZero++
		}
	}
	for _, t := range sortedKeys(out.Annual) {
		f := field + ".Annual." + t
		if out.Annual[t] != 0 || p.has(f) {
			continue
		}
		if h, ok := out.Hourly[t]; (ok && h != 0) || nonZero == 0 {
			p.add(f, "zero_annual", "may be 0 only where the hourly price is 0 too and another instance type has an annual price above 0")
		}
	}
}

// checkCombinations checks the models that do not combine: a monthly fee
// with a free trial or annual pricing, usage pricing with either.
func checkCombinations(p *problems, field string, in PricingInput, out Pricing) {
	if out.MonthlyFee > 0 && in.FreeTrialDays > 0 {
		p.add(field+".MonthlyFee", "monthly_with_free_trial", "cannot be combined with a free trial")
	}
	if out.MonthlyFee > 0 && len(in.Annual) > 0 {
		p.add(field+".MonthlyFee", "monthly_with_annual", "cannot be combined with annual pricing")
	}
	if len(in.Usage) > 0 && in.FreeTrialDays > 0 {
		p.add(field+".Usage", "usage_with_free_trial", "usage pricing cannot be combined with a free trial")
	}
	if len(in.Usage) > 0 && len(in.Annual) > 0 {
		p.add(field+".Usage", "usage_with_annual", "usage pricing cannot be combined with annual pricing")
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

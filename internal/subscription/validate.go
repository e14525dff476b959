package subscription

import (
	"fmt"
	"regexp"
	"slices"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
)

// The shapes of what a request names.
var (
	productCodeFormat = regexp.MustCompile(`^[a-z0-9]{8,25}$`)
	offerIDFormat     = regexp.MustCompile(`^offer-[0-9a-f]{17}$`)
	subscriptionIDFmt = regexp.MustCompile(`^sub-[0-9a-f]{17}$`)
)

// problems gathers the field errors of one request, so that every one is
// reported at once (fault.InvalidFields).
type problems []fault.FieldError

func (p *problems) add(field, code, format string, args ...any) {
	*p = append(*p, fault.FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (p problems) err() error { return fault.InvalidFields(p) }

// key checks a map key or name a request gives: present and of a length the
// catalog could hold.
func (p *problems) key(field, value string) bool {
	switch {
	case value == "":
		p.add(field, "required", "must not be empty")
	case len(value) > maxKeyLength || !utf8.ValidString(value):
		p.add(field, "too_long", "must be at most %d bytes of UTF-8", maxKeyLength)
	default:
		return true
	}
	return false
}

// sortedKeys returns a map's keys in order, so that errors come in the same
// order every time.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Validate checks everything that needs no store, and names every invalid
// field at once.
func (in SubscribeInput) Validate() error {
	var p problems
	switch {
	case in.ProductCode == "" && in.OfferID == "":
		p.add("ProductCode", "required", "name the product code to subscribe to, or a private offer (OfferID)")
	case in.ProductCode != "" && !productCodeFormat.MatchString(in.ProductCode):
		p.add("ProductCode", "invalid_format", "must be 8 to 25 lowercase letters and digits, as in a purchase URL")
	}
	if in.OfferID != "" && !offerIDFormat.MatchString(in.OfferID) {
		p.add("OfferID", "invalid_format", "must be \"offer-\" and 17 lowercase hexadecimal digits")
	}
	if len(in.Annual) > catalog.MaxInstanceTypes {
		p.add("Annual", "too_many", "names %d instance types; at most %d are allowed", len(in.Annual), catalog.MaxInstanceTypes)
	} else {
		for _, t := range sortedKeys(in.Annual) {
			field := "Annual." + clip(t)
			if p.key(field, t) && (in.Annual[t] < 1 || in.Annual[t] > MaxAnnualQuantity) {
				p.add(field, "out_of_range", "must be between 1 and %d annual subscriptions, not %d", MaxAnnualQuantity, in.Annual[t])
			}
		}
	}
	if in.Contract != nil {
		if len(in.Annual) > 0 {
			p.add("Contract", "conflict", "choose annual subscriptions or a contract, not both")
		}
		in.Contract.validate(&p, "Contract")
	}
	if len(in.ClientToken) > MaxClientTokenLength {
		p.add("ClientToken", "too_long", "must be at most %d characters", MaxClientTokenLength)
	}
	return p.err()
}

// validate checks a contract's choices as far as they can be without the
// product.
func (c *ContractInput) validate(p *problems, prefix string) {
	if c.Duration != "" {
		if _, ok := catalog.Duration(c.Duration).Months(); !ok {
			p.add(prefix+".Duration", "invalid_format", "must be an ISO 8601 duration in months or years, such as P12M")
		}
	}
	if len(c.Quantities) > catalog.MaxDimensions {
		p.add(prefix+".Quantities", "too_many", "names %d dimensions; a product has at most %d", len(c.Quantities), catalog.MaxDimensions)
	} else {
		for _, name := range sortedKeys(c.Quantities) {
			field := prefix + ".Quantities." + clip(name)
			if q := c.Quantities[name]; p.key(field, name) && (q < 0 || q > MaxContractQuantity) {
				p.add(field, "out_of_range", "must be between 0 and %d units, not %d", MaxContractQuantity, q)
			}
		}
	}
	if c.Tier != "" {
		p.key(prefix+".Tier", c.Tier)
	}
}

// clip shortens what a client wrote for a field's name or a message.
func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// quoteList writes names for a message: "m5.large, m5.xlarge".
func quoteList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += clip(n)
	}
	return out
}

// checkChoices checks what the buyer chose against the price plan it buys
// under, and returns the contract terms bought (nil when not a contract).
// A private offer's contract is priced for the offer's term, its
// DurationMonths, which the choice may leave out but not contradict.
func checkChoices(in SubscribeInput, p catalog.Pricing, code string, offer *catalog.Offer) (*ContractTerms, error) {
	var probs problems
	var terms *ContractTerms
	if p.Contract != nil {
		if len(in.Annual) > 0 {
			probs.add("Annual", "not_offered", "product %s is sold by contract, not by annual subscriptions", code)
		}
		if in.Contract == nil {
			probs.add("Contract", "required", "product %s is sold by contract: choose a duration (%s), quantities and a tier", code, durationList(p.Contract))
		} else {
			choice := *in.Contract
			if offer != nil && offer.DurationMonths > 0 {
				term := fmt.Sprintf("P%dM", offer.DurationMonths)
				if choice.Duration != "" && choice.Duration != term {
					probs.add("Contract.Duration", "not_offered", "the offer's term is %s", term)
				}
				choice.Duration = term
			}
			terms = checkContract(&probs, "Contract", choice, *p.Contract)
		}
		return terms, probs.err()
	}
	if in.Contract != nil {
		probs.add("Contract", "not_offered", "product %s is not sold by contract", code)
	}
	for _, t := range sortedKeys(in.Annual) {
		if _, ok := p.Annual[t]; !ok {
			probs.add("Annual."+clip(t), "not_sold_annually", "%s has no annual price; annual prices are for %s", clip(t), quoteList(sortedKeys(p.Annual)))
		}
	}
	return nil, probs.err()
}

func durationList(c *catalog.ContractPricing) string {
	names := make([]string, len(c.Durations))
	for i, d := range c.Durations {
		names[i] = string(d)
	}
	return quoteList(names)
}

// checkContract checks a contract's choices against the product's
// dimensions: a duration it sells (the only one, when it sells one and none
// was named), quantities of its Configurable dimensions priced for that
// duration, one of its tiers when it has Tiered dimensions, and something
// bought.
func checkContract(p *problems, prefix string, in ContractInput, c catalog.ContractPricing) *ContractTerms {
	d := catalog.Duration(in.Duration)
	switch {
	case d == "" && len(c.Durations) == 1:
		d = c.Durations[0]
	case d == "":
		p.add(prefix+".Duration", "required", "choose one of %s", durationList(&c))
	case !slices.Contains(c.Durations, d):
		p.add(prefix+".Duration", "not_offered", "%s is not sold; choose one of %s", clip(string(d)), durationList(&c))
		d = "" // nothing is priced for it: say so once
	}
	terms := &ContractTerms{Duration: d, Quantities: map[string]int64{}, Tier: in.Tier}
	var configurable, tiers []string
	bought := false
	for _, dim := range c.Dimensions {
		switch dim.Type {
		case catalog.Configurable:
			configurable = append(configurable, dim.Name)
		case catalog.Tiered:
			tiers = append(tiers, sortedKeys(dim.Tiers)...)
		}
	}
	for _, name := range sortedKeys(in.Quantities) {
		field := prefix + ".Quantities." + clip(name)
		dim, ok := findDimension(c, name, catalog.Configurable)
		switch {
		case !ok:
			p.add(field, "unknown_dimension", "%s is not a configurable dimension of the product; its dimensions are %s", clip(name), quoteList(configurable))
		case in.Quantities[name] == 0:
		case d != "" && !hasPrice(dim.Price, d):
			p.add(field, "not_offered", "%s is not sold for %s", clip(name), clip(string(d)))
		default:
			terms.Quantities[name] = in.Quantities[name]
			bought = true
		}
	}
	switch {
	case in.Tier == "" && len(tiers) > 0:
		p.add(prefix+".Tier", "required", "choose one of %s", quoteList(tiers))
	case in.Tier == "":
	case len(tiers) == 0:
		p.add(prefix+".Tier", "not_offered", "the product has no tiers")
	case !slices.Contains(tiers, in.Tier):
		p.add(prefix+".Tier", "unknown_tier", "%s is not a tier of the product; choose one of %s", clip(in.Tier), quoteList(tiers))
	case d != "" && !tierPriced(c, in.Tier, d):
		p.add(prefix+".Tier", "not_offered", "%s is not sold for %s", clip(in.Tier), clip(string(d)))
	default:
		bought = true
	}
	if !bought && len(*p) == 0 {
		p.add(prefix+".Quantities", "required", "buy at least one unit of %s", quoteList(configurable))
	}
	return terms
}

func findDimension(c catalog.ContractPricing, name string, typ catalog.DimensionType) (catalog.ContractDimension, bool) {
	for _, dim := range c.Dimensions {
		if dim.Name == name && dim.Type == typ {
			return dim, true
		}
	}
	return catalog.ContractDimension{}, false
}

// tierDimension returns the Tiered dimension that holds tier.
func tierDimension(c catalog.ContractPricing, tier string) (catalog.ContractDimension, bool) {
	for _, dim := range c.Dimensions {
		if _, ok := dim.Tiers[tier]; ok && dim.Type == catalog.Tiered {
			return dim, true
		}
	}
	return catalog.ContractDimension{}, false
}

func tierPriced(c catalog.ContractPricing, tier string, d catalog.Duration) bool {
	dim, ok := tierDimension(c, tier)
	return ok && hasPrice(dim.Tiers[tier], d)
}

func hasPrice[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}

// months returns a duration's months; checked durations always have them.
func months(d catalog.Duration) int {
	n, _ := d.Months()
	return n
}

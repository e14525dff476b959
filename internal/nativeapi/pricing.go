package nativeapi

import (
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/money"
)

// Pricing is a price plan on the wire, in requests and responses alike.
// Every amount is a decimal string in the operator's currency; an absent
// field means the pricing model is not used.
type Pricing struct {
	SignUpFee     string            `json:"SignUpFee,omitempty" doc:"One-time fee charged at each sign-up." example:"10.00"`
	MonthlyFee    string            `json:"MonthlyFee,omitempty" doc:"Fee charged each month; the first month is prorated." example:"5.00"`
	Hourly        map[string]string `json:"Hourly,omitempty" doc:"Price per instance-hour, by instance type."`
	Annual        map[string]string `json:"Annual,omitempty" doc:"Price of a 12-month subscription for one instance, by instance type, charged upfront."`
	FreeTrialDays int               `json:"FreeTrialDays,omitempty" doc:"Days a new subscriber pays no software charges."`
	Usage         []UsageDimension  `json:"Usage,omitempty" doc:"Metered dimensions priced per unit (at most 24)."`
	Contract      *ContractPricing  `json:"Contract,omitempty" doc:"A contract product's dimensions, priced per duration."`
}

// UsageDimension is a metered dimension's price per unit.
type UsageDimension struct {
	Dimension string `json:"Dimension" example:"Requests"`
	Unit      string `json:"Unit,omitempty" example:"Count"`
	Price     string `json:"Price" doc:"Price per unit." example:"0.001"`
}

// ContractPricing prices a contract product's dimensions.
type ContractPricing struct {
	Durations  []string            `json:"Durations" doc:"The terms a buyer may choose, as ISO 8601 durations: P1M, P12M, P24M, P36M." example:"[\"P1M\",\"P12M\"]"`
	Dimensions []ContractDimension `json:"Dimensions"`
}

// ContractDimension is one dimension of a contract: Configurable ones are
// bought in a quantity at a price per unit, Tiered ones as one tier.
type ContractDimension struct {
	Name     string                       `json:"Name" example:"Seats"`
	Unit     string                       `json:"Unit,omitempty" doc:"The license entitlement's unit (Configurable); Tiered dimensions have none." example:"Count"`
	Type     string                       `json:"Type" doc:"Configurable or Tiered." example:"Configurable"`
	Floating bool                         `json:"Floating,omitempty" doc:"A Configurable dimension checked out and in (floating) rather than drawn down."`
	Price    map[string]string            `json:"Price,omitempty" doc:"Price per unit by duration (Configurable)."`
	Tiers    map[string]map[string]string `json:"Tiers,omitempty" doc:"Each tier's price by duration (Tiered)."`
}

// input maps a wire price plan to the domain's, amounts still as written:
// the domain's validation reports every bad one with its field.
func (p Pricing) input() catalog.PricingInput {
	in := catalog.PricingInput{
		SignUpFee:     p.SignUpFee,
		MonthlyFee:    p.MonthlyFee,
		Hourly:        p.Hourly,
		Annual:        p.Annual,
		FreeTrialDays: p.FreeTrialDays,
	}
	for _, u := range p.Usage {
		in.Usage = append(in.Usage, catalog.UsageDimensionInput{Dimension: u.Dimension, Unit: u.Unit, Price: u.Price})
	}
	if c := p.Contract; c != nil {
		in.Contract = &catalog.ContractPricingInput{Durations: c.Durations}
		for _, d := range c.Dimensions {
			in.Contract.Dimensions = append(in.Contract.Dimensions, catalog.ContractDimensionInput{
				Name: d.Name, Unit: d.Unit, Type: d.Type, Floating: d.Floating, Price: d.Price, Tiers: d.Tiers})
		}
	}
	return in
}

// pricingOf maps the domain's price plan to the wire.
func pricingOf(p catalog.Pricing) Pricing {
	out := Pricing{
		SignUpFee:     amountOrEmpty(p.SignUpFee),
		MonthlyFee:    amountOrEmpty(p.MonthlyFee),
		Hourly:        amounts(p.Hourly),
		Annual:        amounts(p.Annual),
		FreeTrialDays: p.FreeTrialDays,
	}
	for _, u := range p.Usage {
		out.Usage = append(out.Usage, UsageDimension{Dimension: u.Dimension, Unit: u.Unit, Price: u.Price.String()})
	}
	if c := p.Contract; c != nil {
		out.Contract = &ContractPricing{Durations: make([]string, 0, len(c.Durations)), Dimensions: []ContractDimension{}}
		for _, d := range c.Durations {
			out.Contract.Durations = append(out.Contract.Durations, string(d))
		}
		for _, d := range c.Dimensions {
			out.Contract.Dimensions = append(out.Contract.Dimensions, contractDimensionOf(d))
		}
	}
	return out
}

func contractDimensionOf(d catalog.ContractDimension) ContractDimension {
	out := ContractDimension{Name: d.Name, Unit: d.Unit, Type: string(d.Type), Floating: d.Floating,
		Price: byDuration(d.Price)}
	if len(d.Tiers) > 0 {
		out.Tiers = make(map[string]map[string]string, len(d.Tiers))
		for tier, prices := range d.Tiers {
			out.Tiers[tier] = byDuration(prices)
		}
	}
	return out
}

func byDuration(m map[catalog.Duration]money.Amount) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for d, a := range m {
		out[string(d)] = a.String()
	}
	return out
}

// amounts writes a map of amounts; zero amounts stay, since a $0 price for
// an instance type is a price.
func amounts(m map[string]money.Amount) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, a := range m {
		out[k] = a.String()
	}
	return out
}

// amountOrEmpty writes a fee, leaving out a zero one: a zero fee is a fee
// not charged.
func amountOrEmpty(a money.Amount) string {
	if a.IsZero() {
		return ""
	}
	return a.String()
}

package store

import (
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/money"
)

// The documents below are how the store keeps products, price plans and
// offers: its own shapes, mapped to and from the catalog's types here and
// nowhere else (as license_doc.go does for licenses), so that a change to
// a domain or wire type is a change to a mapping, not to stored data.
// Amounts are whole micro-units (money.Amount's own representation, exact
// and independent of how amounts are written); durations are the ISO 8601
// strings of the catalog ("P12M"). A field may be added with omitempty;
// renaming or retyping one needs a migration.

// productDoc is the part of a product no query looks into, with its
// current price plan (a copy of its newest price version's), so that a
// purchase page reads one row.
type productDoc struct {
	Name          string     `json:"name"`
	Description   string     `json:"description,omitempty"`
	InstanceTypes []string   `json:"instance_types,omitempty"`
	ReturnURL     string     `json:"return_url,omitempty"`
	Pricing       pricingDoc `json:"pricing"`
}

// pricingDoc is a price plan; it is also the whole document of a price
// version.
type pricingDoc struct {
	SignUpFee     int64            `json:"sign_up_fee_micros,omitempty"`
	MonthlyFee    int64            `json:"monthly_fee_micros,omitempty"`
	Hourly        map[string]int64 `json:"hourly_micros,omitempty"`
	Annual        map[string]int64 `json:"annual_micros,omitempty"`
	FreeTrialDays int              `json:"free_trial_days,omitempty"`
	Usage         []usageDoc       `json:"usage,omitempty"`
	Contract      *contractDoc     `json:"contract,omitempty"`
}

type usageDoc struct {
	Dimension string `json:"dimension"`
	Unit      string `json:"unit"`
	Price     int64  `json:"price_micros"`
}

type contractDoc struct {
	Durations  []string               `json:"durations"`
	Dimensions []contractDimensionDoc `json:"dimensions"`
}

type contractDimensionDoc struct {
	Name     string                      `json:"name"`
	Unit     string                      `json:"unit,omitempty"`
	Type     string                      `json:"type"`
	Floating bool                        `json:"floating,omitempty"`
	Price    map[string]int64            `json:"price_micros,omitempty"`
	Tiers    map[string]map[string]int64 `json:"tiers_micros,omitempty"`
}

// offerDoc is the part of an offer no query looks into; its buyers are
// also rows of offer_buyers, for the buyer's index.
type offerDoc struct {
	Buyers         []string         `json:"buyers"`
	Pricing        pricingDoc       `json:"pricing"`
	DurationMonths int              `json:"duration_months"`
	Installments   []installmentDoc `json:"installments,omitempty"`
	ExpiresAt      string           `json:"expires_at,omitempty"` // never when empty
}

type installmentDoc struct {
	DueAfterMonths int   `json:"due_after_months"`
	Amount         int64 `json:"amount_micros"`
}

func productDocOf(p catalog.Product) productDoc {
	return productDoc{Name: p.Name, Description: p.Description, InstanceTypes: p.InstanceTypes, ReturnURL: p.ReturnURL,
		Pricing: pricingDocOf(p.Pricing)}
}

// fill sets the parts of p that d holds.
func (d productDoc) fill(p *catalog.Product) {
	p.Name, p.Description, p.InstanceTypes, p.ReturnURL = d.Name, d.Description, d.InstanceTypes, d.ReturnURL
	p.Pricing = d.Pricing.pricing()
}

func pricingDocOf(p catalog.Pricing) pricingDoc {
	d := pricingDoc{SignUpFee: p.SignUpFee.Micros(), MonthlyFee: p.MonthlyFee.Micros(),
		Hourly: microsOf(p.Hourly), Annual: microsOf(p.Annual), FreeTrialDays: p.FreeTrialDays,
		Usage: mapSlice(p.Usage, func(u catalog.UsageDimension) usageDoc {
			return usageDoc{Dimension: u.Dimension, Unit: u.Unit, Price: u.Price.Micros()}
		})}
	if c := p.Contract; c != nil {
		d.Contract = &contractDoc{
			Durations:  mapSlice(c.Durations, func(d catalog.Duration) string { return string(d) }),
			Dimensions: mapSlice(c.Dimensions, contractDimensionDocOf),
		}
	}
	return d
}

func (d pricingDoc) pricing() catalog.Pricing {
	p := catalog.Pricing{SignUpFee: money.Amount(d.SignUpFee), MonthlyFee: money.Amount(d.MonthlyFee),
		Hourly: amountsOf[string](d.Hourly), Annual: amountsOf[string](d.Annual), FreeTrialDays: d.FreeTrialDays,
		Usage: mapSlice(d.Usage, func(u usageDoc) catalog.UsageDimension {
			return catalog.UsageDimension{Dimension: u.Dimension, Unit: u.Unit, Price: money.Amount(u.Price)}
		})}
	if c := d.Contract; c != nil {
		p.Contract = &catalog.ContractPricing{
			Durations:  mapSlice(c.Durations, func(s string) catalog.Duration { return catalog.Duration(s) }),
			Dimensions: mapSlice(c.Dimensions, contractDimensionDoc.dimension),
		}
	}
	return p
}

func contractDimensionDocOf(d catalog.ContractDimension) contractDimensionDoc {
	out := contractDimensionDoc{Name: d.Name, Unit: d.Unit, Type: string(d.Type), Floating: d.Floating, Price: microsOf(d.Price)}
	if d.Tiers != nil {
		out.Tiers = make(map[string]map[string]int64, len(d.Tiers))
		for name, prices := range d.Tiers {
			out.Tiers[name] = microsOf(prices)
		}
	}
	return out
}

func (d contractDimensionDoc) dimension() catalog.ContractDimension {
	out := catalog.ContractDimension{Name: d.Name, Unit: d.Unit, Type: catalog.DimensionType(d.Type), Floating: d.Floating,
		Price: amountsOf[catalog.Duration](d.Price)}
	if d.Tiers != nil {
		out.Tiers = make(map[string]map[catalog.Duration]money.Amount, len(d.Tiers))
		for name, prices := range d.Tiers {
			out.Tiers[name] = amountsOf[catalog.Duration](prices)
		}
	}
	return out
}

func offerDocOf(o catalog.Offer) offerDoc {
	return offerDoc{Buyers: o.Buyers, Pricing: pricingDocOf(o.Pricing), DurationMonths: o.DurationMonths,
		Installments: mapSlice(o.Installments, func(i catalog.Installment) installmentDoc {
			return installmentDoc{DueAfterMonths: i.DueAfterMonths, Amount: i.Amount.Micros()}
		}),
		ExpiresAt: formatDocTime(o.ExpiresAt)}
}

// fill sets the parts of o that d holds.
func (d offerDoc) fill(o *catalog.Offer) error {
	expires, err := parseDocTime(d.ExpiresAt, "offer "+o.ID)
	if err != nil {
		return err
	}
	o.Buyers, o.Pricing, o.DurationMonths, o.ExpiresAt = d.Buyers, d.Pricing.pricing(), d.DurationMonths, expires
	o.Installments = mapSlice(d.Installments, func(i installmentDoc) catalog.Installment {
		return catalog.Installment{DueAfterMonths: i.DueAfterMonths, Amount: money.Amount(i.Amount)}
	})
	return nil
}

// microsOf writes amounts by key as micro-units; nil or empty as nil.
func microsOf[K ~string](m map[K]money.Amount) map[string]int64 {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[string(k)] = v.Micros()
	}
	return out
}

// amountsOf reads what microsOf wrote; nil as nil.
func amountsOf[K ~string](m map[string]int64) map[K]money.Amount {
	if m == nil {
		return nil
	}
	out := make(map[K]money.Amount, len(m))
	for k, v := range m {
		out[K(k)] = money.Amount(v)
	}
	return out
}

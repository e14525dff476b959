package catalog

import (
	"fmt"
	"slices"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
)

// The inputs of the catalog's operations, as clients write them, and their
// Validate methods. Each Validate checks what it can without the store or
// the clock; the service runs the same rules with what it reads (the
// product an offer or a price change is for, the catalogue of instance
// types, the time) and reports every problem in one error.

// PricingInput is a price plan as a client writes it: amounts are decimal
// strings, parsed by Validate so that every bad one is reported with its
// field. Empty strings and nil maps mean "not used".
type PricingInput struct {
	SignUpFee     string
	MonthlyFee    string
	Hourly        map[string]string
	Annual        map[string]string
	FreeTrialDays int
	Usage         []UsageDimensionInput
	Contract      *ContractPricingInput
}

// UsageDimensionInput is a metered dimension as a client writes it.
type UsageDimensionInput struct {
	Dimension, Unit, Price string
}

// ContractPricingInput is a contract's prices as a client writes them.
type ContractPricingInput struct {
	Durations  []string
	Dimensions []ContractDimensionInput
}

// ContractDimensionInput is a contract dimension as a client writes it.
type ContractDimensionInput struct {
	Name     string
	Unit     string
	Type     string
	Floating bool
	Price    map[string]string            // by duration
	Tiers    map[string]map[string]string // tier -> duration -> price
}

// CreateProductInput registers a product.
type CreateProductInput struct {
	Name          string
	Description   string
	Kind          string
	InstanceTypes []string
	ReturnURL     string
	Pricing       PricingInput
}

// Validate checks everything that needs no store (rules.go), and returns
// one fault.Invalid error naming every invalid field (fault.InvalidFields).
// CreateProduct checks the same and the instance types against the
// operator's catalogue, and reports all of it at once.
func (in CreateProductInput) Validate() error {
	_, p := in.parse(nil)
	return fault.InvalidFields(p)
}

// parse checks the input, and the instance types against catalogue when it
// is not nil, and returns the product it describes (without its IDs and
// times).
func (in CreateProductInput) parse(catalogue map[string]bool) (Product, problems) {
	var p problems
	checkName(&p, "Name", in.Name)
	checkDescription(&p, "Description", in.Description)
	kind, _ := checkKind(&p, "Kind", in.Kind)
	checkInstanceTypes(&p, "InstanceTypes", in.InstanceTypes, catalogue)
	checkReturnURL(&p, "ReturnURL", in.ReturnURL)
	pricing := parsePricing(&p, "Pricing", in.Pricing,
		pricingContext{kind: kind, instanceTypes: in.InstanceTypes, typesKnown: true})
	return Product{Name: in.Name, Description: in.Description, Kind: kind, InstanceTypes: slices.Clone(in.InstanceTypes),
		ReturnURL: in.ReturnURL, Pricing: pricing}, p
}

// UpdateProductInput changes a product's descriptive fields; nil leaves a
// field as it is.
type UpdateProductInput struct {
	Name, Description, ReturnURL *string
	InstanceTypes                []string // nil: unchanged
}

// Validate checks the fields given. UpdateProduct checks the product they
// make, prices and all: an instance type that still has prices cannot be
// removed.
func (in UpdateProductInput) Validate() error {
	var p problems
	in.check(&p, nil)
	return fault.InvalidFields(p)
}

func (in UpdateProductInput) check(p *problems, catalogue map[string]bool) {
	if in.Name != nil {
		checkName(p, "Name", *in.Name)
	}
	if in.Description != nil {
		checkDescription(p, "Description", *in.Description)
	}
	if in.InstanceTypes != nil {
		checkInstanceTypes(p, "InstanceTypes", in.InstanceTypes, catalogue)
	}
	if in.ReturnURL != nil {
		checkReturnURL(p, "ReturnURL", *in.ReturnURL)
	}
}

// apply returns p with the changes made.
func (in UpdateProductInput) apply(p Product) Product {
	if in.Name != nil {
		p.Name = *in.Name
	}
	if in.Description != nil {
		p.Description = *in.Description
	}
	if in.ReturnURL != nil {
		p.ReturnURL = *in.ReturnURL
	}
	if in.InstanceTypes != nil {
		p.InstanceTypes = slices.Clone(in.InstanceTypes)
	}
	return p
}

// ChangePricingInput is a new price plan for a product.
type ChangePricingInput struct {
	Pricing PricingInput
	// EffectiveAt is when existing subscribers move to it; zero means as
	// soon as the notice rule allows.
	EffectiveAt time.Time
}

// Validate checks the plan's amounts and the rules that do not depend on
// the product; ChangePricing checks those and the rest (the product's kind
// and instance types, the notice rule) together.
func (in ChangePricingInput) Validate() error {
	var p problems
	parsePricing(&p, "Pricing", in.Pricing, pricingContext{})
	return fault.InvalidFields(p)
}

// CreateOfferInput is a private offer.
type CreateOfferInput struct {
	ProductID      string
	Buyers         []string
	Pricing        PricingInput
	DurationMonths int
	Installments   []InstallmentInput
	ExpiresAt      time.Time
}

// InstallmentInput is one installment as a client writes it.
type InstallmentInput struct {
	DueAfterMonths int
	Amount         string
}

// Validate checks the offer without its product; CreateOffer checks it
// with the product (its kind's duration limit, its instance types, the
// seller not among the buyers) and the time, and reports everything at
// once.
func (in CreateOfferInput) Validate() error {
	_, p := in.parse(nil, "", time.Time{})
	return fault.InvalidFields(p)
}

// parse checks the offer, against product and now when product is not nil
// (its seller is seller), and returns it parsed (without its IDs and
// times).
func (in CreateOfferInput) parse(product *Product, seller string, now time.Time) (Offer, problems) {
	var p problems
	if in.ProductID == "" {
		p.add("ProductId", "required", "is required")
	}
	checkBuyers(&p, in.Buyers, seller)
	maxMonths, c := MaxContractOfferMonths, pricingContext{offer: true}
	if product != nil {
		maxMonths = offerMonthLimit(product.Kind)
		c = pricingContext{kind: product.Kind, instanceTypes: product.InstanceTypes, typesKnown: true, offer: true}
	}
	if in.DurationMonths < 1 || in.DurationMonths > maxMonths {
		p.add("DurationMonths", "out_of_range", "must be from 1 to %d months, not %d", maxMonths, in.DurationMonths)
	}
	pricing := parsePricing(&p, "Pricing", in.Pricing, c)
	if product != nil && product.Kind == Contract && in.Pricing.Contract != nil && in.DurationMonths >= 1 {
		term := Duration(fmt.Sprintf("P%dM", in.DurationMonths))
		if !slices.Contains(in.Pricing.Contract.Durations, string(term)) {
			p.add("Pricing.Contract.Durations", "missing_term", "must include %s, the offer's term of DurationMonths", term)
		}
	}
	installments := checkInstallments(&p, in.Installments, in.DurationMonths)
	if product != nil && !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now) {
		p.add("ExpiresAt", "in_past", "must be in the future")
	}
	return Offer{ProductID: in.ProductID, Buyers: slices.Clone(in.Buyers), Pricing: pricing, DurationMonths: in.DurationMonths,
		Installments: installments, ExpiresAt: in.ExpiresAt}, p
}

// offerMonthLimit is the longest term of a private offer of a kind of
// product: three years for images (seed 004), five for contracts and SaaS.
func offerMonthLimit(k Kind) int {
	if k.isImage() {
		return MaxImageOfferMonths
	}
	return MaxContractOfferMonths
}

// checkBuyers checks an offer's buyers: 1 to MaxOfferBuyers distinct
// account IDs, not the seller's (when seller is known).
func checkBuyers(p *problems, buyers []string, seller string) {
	switch {
	case len(buyers) == 0:
		p.add("Buyers", "required", "needs 1 to %d buyer accounts", MaxOfferBuyers)
		return
	case len(buyers) > MaxOfferBuyers:
		p.add("Buyers", "too_many", "has %d buyers; at most %d are allowed", len(buyers), MaxOfferBuyers)
		return
	}
	for i, b := range buyers {
		f := fmt.Sprintf("Buyers[%d]", i)
		switch {
		case !account.ValidID(b):
			p.add(f, "invalid_account", "must be a 12-digit account ID, not %s", quote(b))
		case slices.Contains(buyers[:i], b):
			p.add(f, "duplicate", "repeats %s", b)
		case b == seller:
			p.add(f, "seller_as_buyer", "is the seller's own account")
		}
	}
}

// checkInstallments checks an installment schedule: at most
// MaxInstallments, each due within the term, strictly after the one before,
// for an amount above zero.
func checkInstallments(p *problems, in []InstallmentInput, months int) []Installment {
	if len(in) > MaxInstallments {
		p.add("Installments", "too_many", "has %d installments; at most %d are allowed", len(in), MaxInstallments)
		return nil
	}
	var out []Installment
	for i, x := range in {
		f := fmt.Sprintf("Installments[%d]", i)
		switch {
		case x.DueAfterMonths < 0 || x.DueAfterMonths >= max(months, 1):
			p.add(f+".DueAfterMonths", "out_of_range", "must be from 0 to %d, within the offer's term", max(months-1, 0))
		case i > 0 && x.DueAfterMonths <= in[i-1].DueAfterMonths:
			p.add(f+".DueAfterMonths", "not_increasing", "must be after the previous installment's month %d", in[i-1].DueAfterMonths)
		}
		a := price(p, f+".Amount", x.Amount)
		if a == 0 && !p.has(f+".Amount") {
			p.add(f+".Amount", "not_positive", "must be more than 0")
		}
		out = append(out, Installment{DueAfterMonths: x.DueAfterMonths, Amount: a})
	}
	return out
}

// pricingInputOf writes a parsed plan back as a client would, so that a
// product can be checked again with a change (UpdateProduct): amounts write
// back exactly (money.Amount.String).
func pricingInputOf(pr Pricing) PricingInput {
	in := PricingInput{Hourly: stringsOf(pr.Hourly), Annual: stringsOf(pr.Annual), FreeTrialDays: pr.FreeTrialDays}
	if pr.SignUpFee != 0 {
		in.SignUpFee = pr.SignUpFee.String()
	}
	if pr.MonthlyFee != 0 {
		in.MonthlyFee = pr.MonthlyFee.String()
	}
	for _, u := range pr.Usage {
		in.Usage = append(in.Usage, UsageDimensionInput{Dimension: u.Dimension, Unit: u.Unit, Price: u.Price.String()})
	}
	if c := pr.Contract; c != nil {
		ci := &ContractPricingInput{}
		for _, d := range c.Durations {
			ci.Durations = append(ci.Durations, string(d))
		}
		for _, d := range c.Dimensions {
			di := ContractDimensionInput{Name: d.Name, Unit: d.Unit, Type: string(d.Type), Floating: d.Floating, Price: stringsOf(d.Price)}
			if d.Tiers != nil {
				di.Tiers = map[string]map[string]string{}
				for name, prices := range d.Tiers {
					di.Tiers[name] = stringsOf(prices)
				}
			}
			ci.Dimensions = append(ci.Dimensions, di)
		}
		in.Contract = ci
	}
	return in
}

func stringsOf[K ~string](m map[K]money.Amount) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = v.String()
	}
	return out
}

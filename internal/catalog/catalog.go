// Package catalog is what sellers sell: products, their price plans and the
// versions of those plans, product codes and purchase URLs, private offers,
// and the operator's catalogue of instance types. It is DevPay's product
// registration and the Marketplace's listings and offers, kept by the
// platform rather than by AWS: the native API and the console are its only
// wire formats.
package catalog

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/internal/money"
)

// Kind is what a product sells.
type Kind string

// The product kinds.
const (
	// PaidImage is a machine image the seller attaches its code to and
	// shares; buyers pay the seller's prices for running it (seed 000).
	PaidImage Kind = "paid-image"
	// SupportedImage is software or a service a buyer attaches to the
	// buyer's own image after subscribing (seed 001).
	SupportedImage Kind = "supported-image"
	// Contract is sold for a term, with entitlements checked out from the
	// license manager (seed 003).
	Contract Kind = "contract"
	// SaaS is software run by the seller, billed by usage or contract.
	SaaS Kind = "saas"
)

// Kinds lists every kind, in the order pages show them.
var Kinds = []Kind{PaidImage, SupportedImage, Contract, SaaS}

// Product is a seller's product, with its current price plan.
type Product struct {
	ID          string // "prod-" and 17 lowercase hex digits
	Seller      string // the seller's account ID
	Name        string
	Description string
	Kind        Kind
	// InstanceTypes are the instance types the product may run on: for
	// image products, RunInstances of any other type is refused.
	InstanceTypes []string
	// ReturnURL is where the purchase page sends a buyer after sign-up.
	ReturnURL string
	// Code is the product code: 8 to 25 lowercase letters and digits,
	// unique, generated.
	Code string
	// Token is the product token the seller's software presents with the
	// code (DevPay's product token): generated, not secret from the seller.
	Token string
	// Pricing is the plan of the newest price version; PriceVersion its
	// number.
	Pricing      Pricing
	PriceVersion int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Pricing is a price plan: any mix of the pricing models the seeds and AWS
// Marketplace describe, as far as Validate allows them together. A zero
// amount or an empty map means the model is not used.
type Pricing struct {
	// SignUpFee is charged once at each sign-up (DevPay's one-time fee).
	SignUpFee money.Amount
	// MonthlyFee is charged each month; the first month is prorated.
	MonthlyFee money.Amount
	// Hourly is the price per instance-hour, by instance type.
	Hourly map[string]money.Amount
	// Annual is the price of a 12-month subscription for one instance of a
	// type, by instance type; charged upfront at sign-up (seed 004).
	Annual map[string]money.Amount
	// FreeTrialDays is how long a new subscriber pays no software charges.
	FreeTrialDays int
	// Usage are metered dimensions priced per unit (MeterUsage).
	Usage []UsageDimension
	// Contract prices a contract product's dimensions per duration.
	Contract *ContractPricing
}

// UsageDimension is a metered dimension's price per unit.
type UsageDimension struct {
	Dimension string
	Unit      string
	Price     money.Amount
}

// Duration is an ISO 8601 contract duration: "P1M", "P12M", "P24M", "P36M"
// (and, in private offers, any number of months up to the offer limits).
type Duration string

// Months returns the number of months d spans; false if d is not "P<n>M"
// or "P<n>Y" with n at least 1.
func (d Duration) Months() (int, bool) { return parseDuration(string(d)) }

// DimensionType says how a contract dimension is bought.
type DimensionType string

// The contract dimension types (seed 003).
const (
	// Configurable dimensions are bought in a quantity, priced per unit;
	// the license counts them (drawn down or floating).
	Configurable DimensionType = "Configurable"
	// Tiered dimensions are bought as one of several tiers; the license
	// holds the tier bought as an entitlement with Unit None.
	Tiered DimensionType = "Tiered"
)

// ContractPricing prices a contract product.
type ContractPricing struct {
	// Durations are the terms a buyer may choose.
	Durations  []Duration
	Dimensions []ContractDimension
}

// ContractDimension is one dimension of a contract.
type ContractDimension struct {
	Name string
	// Unit is the license entitlement's unit for Configurable dimensions
	// ("Count", "Gigabytes", ... as License Manager names them); Tiered
	// dimensions have none (their tiers are Unit None).
	Unit string
	Type DimensionType
	// Floating makes a Configurable dimension's entitlement one that is
	// checked out and checked in (AllowCheckIn); otherwise it is drawn down.
	Floating bool
	// Price is the price per unit by duration (Configurable).
	Price map[Duration]money.Amount
	// Tiers is each tier's price by duration (Tiered).
	Tiers map[string]map[Duration]money.Amount
}

// PriceVersion is one version of a product's price plan. The first is
// version 1, at creation. New subscribers pay the newest version at once;
// existing subscribers keep the version they signed up under until the
// newer one's EffectiveAt (NoticeDays rule, see Service.ChangePricing).
type PriceVersion struct {
	ProductID   string
	Version     int
	Pricing     Pricing
	EffectiveAt time.Time // when it applies to existing subscribers
	CreatedAt   time.Time
}

// Offer is a seller's private offer of a product to named buyers, at its own
// prices and duration.
type Offer struct {
	ID        string // "offer-" and 17 lowercase hex digits
	ProductID string
	Seller    string
	// Buyers are the accounts that may see and accept the offer: 1 to
	// MaxOfferBuyers.
	Buyers []string
	// Pricing is the offer's own price plan, validated as a product's is.
	Pricing Pricing
	// DurationMonths is the term: up to 36 months for image products, 60
	// for contracts.
	DurationMonths int
	// Installments, when present, replace the upfront charge: amounts due
	// at offsets from sign-up, summing to the term's price.
	Installments []Installment
	// ExpiresAt is when the offer can no longer be accepted (zero: never).
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Installment is one payment of a private offer's schedule.
type Installment struct {
	// DueAfterMonths is when it falls due, in months after sign-up (0 is
	// at sign-up).
	DueAfterMonths int
	Amount         money.Amount
}

// InstanceType is one entry of the operator's catalogue of instance types.
type InstanceType struct {
	Name      string // "m5.large"
	VCPUs     int
	MemoryMiB int
	// BaseHourly is the platform's own price per hour for the type, the
	// compute cost the fee model subtracts from the seller's revenue.
	BaseHourly money.Amount
	// Architectures are the processor architectures the type offers
	// ("x86_64", "arm64"); empty when the operator does not say.
	Architectures []string
	// CurrentGeneration says whether the type is of the current
	// generation, as EC2 marks types; nil when the operator does not say.
	CurrentGeneration *bool
}

// TypeArchitectures are the processor architectures a catalogued type may
// name: EC2's.
var TypeArchitectures = []string{"i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac"}

// Limits. Applied at creation, so that nothing created is unusable later.
const (
	MaxNameLength        = 256
	MaxDescriptionLength = 16 * 1024
	MaxURLLength         = 2048
	MaxInstanceTypes     = 500
	// MaxDimensions is the most usage or contract dimensions a product may
	// have (AWS Marketplace's limit).
	MaxDimensions          = 24
	MaxTiers               = 24
	MaxOfferBuyers         = 25
	MaxImageOfferMonths    = 36
	MaxContractOfferMonths = 60
	MaxInstallments        = 60
	// NoticeDays is the notice existing subscribers get of a price rise.
	NoticeDays = 90
)

// Store is what the catalog needs from storage. Getters return
// fault.NotFound when nothing matches.
type Store interface {
	// CreateProduct stores a new product and its first price version; a
	// taken product code is fault.Conflict (the service draws another).
	CreateProduct(ctx context.Context, p Product, v PriceVersion) error
	GetProduct(ctx context.Context, id string) (Product, error)
	ProductByCode(ctx context.Context, code string) (Product, error)
	// ListProductsBySeller returns at most limit of a seller's products
	// whose ID sorts after after, in ID order.
	ListProductsBySeller(ctx context.Context, seller, after string, limit int) ([]Product, error)
	// UpdateProduct changes a product's descriptive fields (not its code,
	// token or pricing).
	UpdateProduct(ctx context.Context, p Product) error
	// AddPriceVersion stores a new price version and makes it the
	// product's current one; fault.Conflict if v.Version is not the next.
	AddPriceVersion(ctx context.Context, v PriceVersion) error
	ListPriceVersions(ctx context.Context, productID string) ([]PriceVersion, error)

	CreateOffer(ctx context.Context, o Offer) error
	GetOffer(ctx context.Context, id string) (Offer, error)
	ListOffersBySeller(ctx context.Context, seller string) ([]Offer, error)
	ListOffersForBuyer(ctx context.Context, buyer string) ([]Offer, error)

	// PutInstanceTypes replaces the operator's catalogue.
	PutInstanceTypes(ctx context.Context, types []InstanceType) error
	// InstanceTypes returns the catalogue; empty if none was ever put.
	InstanceTypes(ctx context.Context) ([]InstanceType, error)
}

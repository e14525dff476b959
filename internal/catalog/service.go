package catalog

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

// Service is the catalog.
type Service struct {
	store Store
	clock clock.Clock
}

// NewService returns the catalog over store.
func NewService(store Store, clk clock.Clock) *Service {
	return &Service{store: store, clock: clk}
}

// PurchasePath is the path of a product's purchase page; the adapters put
// the server's address before it.
func PurchasePath(code string) string { return "/purchase/" + code }

// OfferPath is the path of a private offer's purchase page.
func OfferPath(offerID string) string { return "/purchase/offer/" + offerID }

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

// Validate checks everything that needs no store, and returns one
// fault.Invalid error naming every invalid field (fault.InvalidFields).
func (in CreateProductInput) Validate() error {
	return fault.New(fault.Internal, "catalog: not built yet")
}

// CreateProduct registers a product for seller: validates it (every rule,
// the instance types against the operator's catalogue, all errors at once),
// draws its code and token, and stores it with price version 1.
func (s *Service) CreateProduct(ctx context.Context, seller string, in CreateProductInput) (Product, error) {
	return Product{}, fault.New(fault.Internal, "catalog: not built yet")
}

// GetProduct returns a product by ID. Products are public listings: any
// account may read one.
func (s *Service) GetProduct(ctx context.Context, id string) (Product, error) {
	return s.store.GetProduct(ctx, id)
}

// ProductByCode returns the product with a product code.
func (s *Service) ProductByCode(ctx context.Context, code string) (Product, error) {
	return s.store.ProductByCode(ctx, code)
}

// ListInput pages through a listing: Limit items (default and most 100)
// after the opaque token Next of the previous page.
type ListInput struct {
	Next  string
	Limit int
}

// ProductPage is one page of products; Next is empty on the last.
type ProductPage struct {
	Products []Product
	Next     string
}

// ListProducts returns the caller's own products.
func (s *Service) ListProducts(ctx context.Context, seller string, in ListInput) (ProductPage, error) {
	return ProductPage{}, fault.New(fault.Internal, "catalog: not built yet")
}

// UpdateProductInput changes a product's description; nil leaves a field.
type UpdateProductInput struct {
	Name, Description, ReturnURL *string
	InstanceTypes                []string // nil: unchanged
}

// UpdateProduct changes a product's descriptive fields; only its seller may.
func (s *Service) UpdateProduct(ctx context.Context, seller, id string, in UpdateProductInput) (Product, error) {
	return Product{}, fault.New(fault.Internal, "catalog: not built yet")
}

// ChangePricingInput is a new price plan for a product.
type ChangePricingInput struct {
	Pricing PricingInput
	// EffectiveAt is when existing subscribers move to it; zero means as
	// soon as the notice rule allows.
	EffectiveAt time.Time
}

// ChangePricing adds a price version. New subscribers pay it at once;
// existing subscribers at its EffectiveAt, which must leave NoticeDays'
// notice when any price rises, and may be now when none does.
func (s *Service) ChangePricing(ctx context.Context, seller, id string, in ChangePricingInput) (PriceVersion, error) {
	return PriceVersion{}, fault.New(fault.Internal, "catalog: not built yet")
}

// PriceVersions returns a product's price versions, oldest first.
func (s *Service) PriceVersions(ctx context.Context, id string) ([]PriceVersion, error) {
	return s.store.ListPriceVersions(ctx, id)
}

// PricingAt returns the price version a subscriber who signed up under
// version signedUpUnder pays at t: the newest version effective at t, never
// older than signedUpUnder. Every charge names the version it came from.
func (s *Service) PricingAt(ctx context.Context, productID string, signedUpUnder int, t time.Time) (PriceVersion, error) {
	return PriceVersion{}, fault.New(fault.Internal, "catalog: not built yet")
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

// CreateOffer makes a private offer of one of the seller's products.
func (s *Service) CreateOffer(ctx context.Context, seller string, in CreateOfferInput) (Offer, error) {
	return Offer{}, fault.New(fault.Internal, "catalog: not built yet")
}

// GetOffer returns an offer to its seller or one of its buyers; to anyone
// else it does not exist (fault.NotFound).
func (s *Service) GetOffer(ctx context.Context, caller, id string) (Offer, error) {
	return Offer{}, fault.New(fault.Internal, "catalog: not built yet")
}

// ListOffers returns the offers the caller made and those made to it.
func (s *Service) ListOffers(ctx context.Context, caller string) ([]Offer, error) {
	return nil, fault.New(fault.Internal, "catalog: not built yet")
}

// InstanceTypes returns the operator's catalogue, or the built-in default
// list (DefaultInstanceTypes) when none was loaded.
func (s *Service) InstanceTypes(ctx context.Context) ([]InstanceType, error) {
	return nil, fault.New(fault.Internal, "catalog: not built yet")
}

// LoadInstanceTypes replaces the operator's catalogue.
func (s *Service) LoadInstanceTypes(ctx context.Context, types []InstanceType) error {
	return fault.New(fault.Internal, "catalog: not built yet")
}

// parseDuration reads "P<n>M" or "P<n>Y".
func parseDuration(s string) (int, bool) { return 0, false }

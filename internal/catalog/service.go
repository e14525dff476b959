package catalog

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

// Service is the catalog.
type Service struct {
	store  Store
	clock  clock.Clock
	random io.Reader // where IDs, codes and tokens are drawn from
}

// NewService returns the catalog over store, drawing product codes, tokens
// and IDs from crypto/rand.
func NewService(store Store, clk clock.Clock) *Service {
	return &Service{store: store, clock: clk, random: rand.Reader}
}

// WithRandom returns a catalog that draws IDs, codes and tokens from r
// instead of crypto/rand: the demo's fixed product code, and tests.
func (s *Service) WithRandom(r io.Reader) *Service {
	c := *s
	c.random = r
	return &c
}

// PurchasePath is the path of a product's purchase page; the adapters put
// the server's address before it.
func PurchasePath(code string) string { return "/purchase/" + code }

// OfferPath is the path of a private offer's purchase page.
func OfferPath(offerID string) string { return "/purchase/offer/" + offerID }

// now is the service's one reading of the clock for an operation, in UTC
// and without a monotonic reading, as the store gives times back.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Round(0) }

// maxDraws bounds the codes drawn for one product: with 36^25 codes a
// second collision means the random source is broken, not unlucky.
const maxDraws = 5

// CreateProduct registers a product for seller: validates it (every rule,
// the instance types against the operator's catalogue, all errors at once),
// draws its code and token, and stores it with price version 1, effective
// at once.
func (s *Service) CreateProduct(ctx context.Context, seller string, in CreateProductInput) (p Product, err error) {
	defer fault.Annotate(&err, "catalog: create a product for %s", seller)
	catalogue, err := s.catalogue(ctx)
	if err != nil {
		return Product{}, err
	}
	p, problems := in.parse(catalogue)
	if err := fault.InvalidFields(problems); err != nil {
		return Product{}, err
	}
	now := s.now()
	p.Seller, p.PriceVersion, p.CreatedAt, p.UpdatedAt = seller, 1, now, now
	for attempt := 1; ; attempt++ {
		p.ID, p.Code, p.Token = s.newID("prod-"), s.newCode(), s.newToken()
		v := PriceVersion{ProductID: p.ID, Version: 1, Pricing: p.Pricing, EffectiveAt: now, CreatedAt: now}
		err := s.store.CreateProduct(ctx, p, v)
		if err == nil {
			return p, nil
		}
		if !fault.Is(err, fault.Conflict) || attempt == maxDraws {
			return Product{}, err
		}
	}
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

// ListInput pages through a listing: Limit items (default and most
// MaxPageSize) after the opaque token Next of the previous page.
type ListInput struct {
	Next  string
	Limit int
}

// MaxPageSize is the most items a page of a listing holds.
const MaxPageSize = 100

// Validate checks the limit and the token.
func (in ListInput) Validate() error {
	_, _, err := in.parse()
	return err
}

// parse returns the ID to list after and the page size.
func (in ListInput) parse() (after string, limit int, err error) {
	var p problems
	if in.Limit < 0 {
		p.add("Limit", "out_of_range", "must not be negative")
	}
	if in.Next != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.Next)
		if after = string(b); err != nil || !strings.HasPrefix(after, "prod-") {
			p.add("Next", "invalid_token", "is not a token this listing gave; start again without it")
		}
	}
	limit = in.Limit
	if limit == 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	return after, limit, fault.InvalidFields(p)
}

// ProductPage is one page of products; Next is empty on the last.
type ProductPage struct {
	Products []Product
	Next     string
}

// ListProducts returns the caller's own products, in ID order, a page at a
// time.
func (s *Service) ListProducts(ctx context.Context, seller string, in ListInput) (ProductPage, error) {
	after, limit, err := in.parse()
	if err != nil {
		return ProductPage{}, err
	}
	// One more than the page holds says whether another page follows.
	ps, err := s.store.ListProductsBySeller(ctx, seller, after, limit+1)
	if err != nil {
		return ProductPage{}, err
	}
	page := ProductPage{Products: ps}
	if len(ps) > limit {
		page.Products = ps[:limit]
		page.Next = base64.RawURLEncoding.EncodeToString([]byte(ps[limit-1].ID))
	}
	return page, nil
}

// ownProduct returns seller's product id; anyone else's does not exist
// for seller.
func (s *Service) ownProduct(ctx context.Context, seller, id string) (Product, error) {
	p, err := s.store.GetProduct(ctx, id)
	if err == nil && p.Seller != seller {
		err = fault.New(fault.NotFound, "product %s does not exist", id)
	}
	return p, err
}

// UpdateProduct changes a product's descriptive fields; only its seller
// may (to anyone else the product does not exist). The product it makes is
// checked as a new one would be, prices included, so that an instance type
// with prices is not dropped from under them.
func (s *Service) UpdateProduct(ctx context.Context, seller, id string, in UpdateProductInput) (p Product, err error) {
	defer fault.Annotate(&err, "catalog: update product %s", id)
	p, err = s.ownProduct(ctx, seller, id)
	if err != nil {
		return Product{}, err
	}
	catalogue, err := s.catalogue(ctx)
	if err != nil {
		return Product{}, err
	}
	var problems problems
	in.check(&problems, catalogue)
	if len(problems) == 0 {
		p = in.apply(p)
		_, problems = CreateProductInput{Name: p.Name, Description: p.Description, Kind: string(p.Kind), InstanceTypes: p.InstanceTypes,
			ReturnURL: p.ReturnURL, Pricing: pricingInputOf(p.Pricing)}.parse(catalogue)
	}
	if err := fault.InvalidFields(problems); err != nil {
		return Product{}, err
	}
	p.UpdatedAt = s.now()
	if err := s.store.UpdateProduct(ctx, p); err != nil {
		return Product{}, err
	}
	return p, nil
}

// ChangePricing adds a price version; only the product's seller may. New
// subscribers pay it at once. Existing subscribers move to it at its
// EffectiveAt, and the notice rule says when that may be:
//
//   - A version that raises any price (sign-up, monthly, hourly, annual,
//     usage, or a contract dimension's or tier's price for a duration;
//     something not charged for before counts as charged at 0) above what
//     a live version charges must be effective NoticeDays (90) days or
//     more after it is made; without an EffectiveAt it is effective exactly
//     then. A live version is the newest one already effective and every
//     version after it: the versions some existing subscriber may pay.
//   - A version that raises nothing may be effective at once (the default)
//     or at any later time.
//
// EffectiveAt never lies in the past.
func (s *Service) ChangePricing(ctx context.Context, seller, id string, in ChangePricingInput) (v PriceVersion, err error) {
	defer fault.Annotate(&err, "catalog: change the pricing of product %s", id)
	p, err := s.ownProduct(ctx, seller, id)
	if err != nil {
		return PriceVersion{}, err
	}
	versions, err := s.store.ListPriceVersions(ctx, id)
	if err != nil {
		return PriceVersion{}, err
	}
	var problems problems
	pricing := parsePricing(&problems, "Pricing", in.Pricing,
		pricingContext{kind: p.Kind, instanceTypes: p.InstanceTypes, typesKnown: true})
	now := s.now()
	effective := noticeRule(&problems, in.EffectiveAt, now, liveVersions(versions, now), pricing)
	if err := fault.InvalidFields(problems); err != nil {
		return PriceVersion{}, err
	}
	v = PriceVersion{ProductID: id, Version: p.PriceVersion + 1, Pricing: pricing, EffectiveAt: effective, CreatedAt: now}
	if err := s.store.AddPriceVersion(ctx, v); err != nil {
		return PriceVersion{}, err
	}
	return v, nil
}

// noticeRule returns when a new plan takes effect for existing subscribers
// (ChangePricing), reporting an EffectiveAt the rule does not allow.
func noticeRule(p *problems, at, now time.Time, live []PriceVersion, pricing Pricing) time.Time {
	rises := slices.ContainsFunc(live, func(v PriceVersion) bool { return Raises(v.Pricing, pricing) })
	earliest := now
	if rises {
		earliest = now.AddDate(0, 0, NoticeDays)
	}
	switch {
	case at.IsZero():
		return earliest
	case at.Before(now):
		p.add("EffectiveAt", "in_past", "must not be in the past")
	case at.Before(earliest):
		p.add("EffectiveAt", "notice_too_short", "must be at least %d days away, at or after %s: the new plan raises a price existing subscribers pay",
			NoticeDays, earliest.Format(time.RFC3339))
	}
	return at.UTC()
}

// liveVersions returns the versions an existing subscriber may pay at now:
// the newest one already effective, and every one after it.
func liveVersions(versions []PriceVersion, now time.Time) []PriceVersion {
	start := 0
	for i, v := range versions {
		if !v.EffectiveAt.After(now) {
			start = i
		}
	}
	return versions[start:]
}

// PriceVersions returns a product's price versions, oldest first.
func (s *Service) PriceVersions(ctx context.Context, id string) ([]PriceVersion, error) {
	return s.store.ListPriceVersions(ctx, id)
}

// PricingAt returns the price version a subscriber who signed up under
// version signedUpUnder pays at t: the newest version effective at t, never
// older than signedUpUnder. Every charge names the version it came from.
func (s *Service) PricingAt(ctx context.Context, productID string, signedUpUnder int, t time.Time) (PriceVersion, error) {
	versions, err := s.store.ListPriceVersions(ctx, productID)
	if err != nil {
		return PriceVersion{}, err
	}
	v, ok := VersionAt(versions, signedUpUnder, t)
	if !ok {
		return PriceVersion{}, fault.New(fault.NotFound, "product %s has no price version %d", productID, signedUpUnder)
	}
	return v, nil
}

// VersionAt is PricingAt over a product's versions, oldest first; false if
// signedUpUnder is not among them.
func VersionAt(versions []PriceVersion, signedUpUnder int, t time.Time) (PriceVersion, bool) {
	i := slices.IndexFunc(versions, func(v PriceVersion) bool { return v.Version == signedUpUnder })
	if i < 0 {
		return PriceVersion{}, false
	}
	best := versions[i]
	for _, v := range versions[i+1:] {
		if !v.EffectiveAt.After(t) {
			best = v
		}
	}
	return best, true
}

// CreateOffer makes a private offer of one of the seller's products: to 1
// to MaxOfferBuyers named accounts (not the seller), for a term of
// DurationMonths (up to 36 for image products, 60 for contract and SaaS
// products), at prices checked as a product's are (any P<n>M duration in
// contract pricing, which must include the term), with an optional
// installment schedule.
func (s *Service) CreateOffer(ctx context.Context, seller string, in CreateOfferInput) (o Offer, err error) {
	defer fault.Annotate(&err, "catalog: create an offer of %s", in.ProductID)
	var product *Product
	if in.ProductID != "" {
		p, err := s.ownProduct(ctx, seller, in.ProductID)
		if err != nil {
			return Offer{}, err
		}
		product = &p
	}
	now := s.now()
	o, problems := in.parse(product, seller, now)
	if err := fault.InvalidFields(problems); err != nil {
		return Offer{}, err
	}
	o.Seller, o.CreatedAt, o.ExpiresAt = seller, now, o.ExpiresAt.UTC().Round(0)
	if in.ExpiresAt.IsZero() {
		o.ExpiresAt = time.Time{}
	}
	for attempt := 1; ; attempt++ {
		o.ID = s.newID("offer-")
		err := s.store.CreateOffer(ctx, o)
		if err == nil {
			return o, nil
		}
		if !fault.Is(err, fault.Conflict) || attempt == maxDraws {
			return Offer{}, err
		}
	}
}

// GetOffer returns an offer to its seller or one of its buyers; to anyone
// else it does not exist (fault.NotFound).
func (s *Service) GetOffer(ctx context.Context, caller, id string) (Offer, error) {
	o, err := s.store.GetOffer(ctx, id)
	if err == nil && caller != o.Seller && !slices.Contains(o.Buyers, caller) {
		return Offer{}, fault.New(fault.NotFound, "offer %s does not exist", id)
	}
	return o, err
}

// ListOffers returns the offers the caller made and those made to it,
// oldest first.
func (s *Service) ListOffers(ctx context.Context, caller string) ([]Offer, error) {
	made, err := s.store.ListOffersBySeller(ctx, caller)
	if err != nil {
		return nil, err
	}
	received, err := s.store.ListOffersForBuyer(ctx, caller)
	if err != nil {
		return nil, err
	}
	out := append(made, received...)
	slices.SortFunc(out, func(a, b Offer) int { return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID)) })
	return out, nil
}

// InstanceTypes returns the operator's catalogue, or the built-in default
// list (DefaultInstanceTypes) when none was loaded.
func (s *Service) InstanceTypes(ctx context.Context) ([]InstanceType, error) {
	types, err := s.store.InstanceTypes(ctx)
	if err != nil || len(types) > 0 {
		return types, err
	}
	return DefaultInstanceTypes(), nil
}

// catalogue returns the names of InstanceTypes, as a set.
func (s *Service) catalogue(ctx context.Context) (map[string]bool, error) {
	types, err := s.InstanceTypes(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(types))
	for _, t := range types {
		out[t.Name] = true
	}
	return out, nil
}

// LoadInstanceTypes replaces the operator's catalogue, once it passes
// ValidateInstanceTypes. Products keep the instance types they list; new
// products and updates are checked against the new catalogue.
func (s *Service) LoadInstanceTypes(ctx context.Context, types []InstanceType) error {
	if err := ValidateInstanceTypes(types); err != nil {
		return err
	}
	return s.store.PutInstanceTypes(ctx, types)
}

// newID returns prefix and 17 random lowercase hex digits.
func (s *Service) newID(prefix string) string {
	return prefix + hex.EncodeToString(s.randomBytes(9))[:17]
}

// codeAlphabet is what product codes are drawn from.
const codeAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// CodeLength is the length of the product codes the catalog draws.
const CodeLength = 25

// newCode draws a product code: CodeLength lowercase letters and digits,
// uniformly (bytes at or above the largest multiple of 36 are drawn again).
func (s *Service) newCode() string {
	const limit = 256 - 256%len(codeAlphabet)
	code := make([]byte, 0, CodeLength)
	for len(code) < CodeLength {
		for _, b := range s.randomBytes(CodeLength) {
			if int(b) < limit && len(code) < CodeLength {
				code = append(code, codeAlphabet[int(b)%len(codeAlphabet)])
			}
		}
	}
	return string(code)
}

// newToken draws a product token: "ptok-" and 40 hex digits (160 bits).
func (s *Service) newToken() string { return "ptok-" + hex.EncodeToString(s.randomBytes(20)) }

func (s *Service) randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.random, b); err != nil {
		panic("catalog: random source failed: " + err.Error()) // crypto/rand never does
	}
	return b
}

// maxDurationMonths bounds what Duration.Months reads: a century, far
// beyond any term, so that no arithmetic on a term can overflow.
const maxDurationMonths = 1200

// parseDuration reads "P<n>M" or "P<n>Y" (n from 1, without leading zeros)
// as a number of months, at most maxDurationMonths.
func parseDuration(s string) (int, bool) {
	if len(s) < 3 || s[0] != 'P' || len(s) > 7 {
		return 0, false
	}
	digits, unit := s[1:len(s)-1], s[len(s)-1]
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || digits[0] == '0' || !allOf(digits, func(c byte) bool { return c >= '0' && c <= '9' }) {
		return 0, false
	}
	switch {
	case unit == 'M' && n <= maxDurationMonths:
		return n, true
	case unit == 'Y' && n <= maxDurationMonths/12:
		return n * 12, true
	}
	return 0, false
}

package nativeapi

import (
	"context"
	"net/http"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
)

// Offer is a seller's private offer of a product to named buyers.
type Offer struct {
	OfferId         string        `json:"OfferId" example:"offer-0123456789abcdef0"`
	ProductId       string        `json:"ProductId"`
	SellerAccountId string        `json:"SellerAccountId"`
	Buyers          []string      `json:"Buyers" doc:"The accounts that may see and accept the offer."`
	Pricing         Pricing       `json:"Pricing"`
	DurationMonths  int           `json:"DurationMonths"`
	Installments    []Installment `json:"Installments" doc:"The payment schedule; empty when the term is paid upfront."`
	ExpiresAt       *time.Time    `json:"ExpiresAt,omitempty" doc:"When the offer can no longer be accepted; absent: never."`
	PurchaseUrl     string        `json:"PurchaseUrl" doc:"The offer's own purchase page, which only its buyers and seller can see."`
	CreatedAt       time.Time     `json:"CreatedAt"`
}

// Installment is one payment of an offer's schedule.
type Installment struct {
	DueAfterMonths int    `json:"DueAfterMonths" doc:"Months after sign-up it falls due; 0 is at sign-up."`
	Amount         string `json:"Amount" doc:"A decimal amount." example:"1000.00"`
}

// CreateOfferRequest makes a private offer of one of the caller's products.
type CreateOfferRequest struct {
	ProductId      string        `json:"ProductId,omitempty" pattern:"^prod-[0-9a-f]{17}$" doc:"Required: one of the caller's products (prod- and 17 lowercase hex digits)."`
	Buyers         []string      `json:"Buyers,omitempty" doc:"Required: 1 to 25 buyer account IDs."`
	Pricing        Pricing       `json:"Pricing,omitzero" doc:"The offer's own prices, validated as a product's are."`
	DurationMonths int           `json:"DurationMonths,omitempty" doc:"The term: up to 36 months for image products, 60 for contracts."`
	Installments   []Installment `json:"Installments,omitempty" doc:"A payment schedule summing to the term's price, instead of paying upfront."`
	ExpiresAt      *time.Time    `json:"ExpiresAt,omitempty"`
}

// OfferList is a page of the offers the caller made or was made.
type OfferList struct {
	Offers    []Offer `json:"Offers"`
	NextToken string  `json:"NextToken,omitempty"`
}

type (
	// OfferPath is the path parameter of an offer's routes.
	OfferPath struct {
		ID string `path:"id" pattern:"^offer-[0-9a-f]{17}$" patternDescription:"an offer ID: offer- and 17 lowercase hex digits" doc:"The offer ID." example:"offer-0123456789abcdef0"`
	}
	createOfferInput struct{ Body CreateOfferRequest }
	offerOutput      struct {
		Location string `header:"Location"`
		Body     Offer
	}
	listOffersInput struct{ PageParams }
	offerListOutput struct{ Body OfferList }
)

func (a *API) registerOffers() {
	const tag = "Offers"
	registerOp(a, operation("CreateOffer", http.MethodPost, "/v1/offers", tag, http.StatusCreated,
		"Make a private offer",
		"Offers one of the caller's products to up to 25 named buyers at its own prices and duration, with an optional "+
			"installment schedule; the offer has its own purchase URL."), a.createOffer)
	registerOp(a, operation("ListOffers", http.MethodGet, "/v1/offers", tag, http.StatusOK,
		"List private offers", "The offers the caller made and those made to it."), a.listOffers)
	registerOp(a, operation("GetOffer", http.MethodGet, "/v1/offers/{id}", tag, http.StatusOK,
		"Get a private offer", "To its seller or one of its buyers; to anyone else it does not exist."), a.getOffer)
}

func (a *API) createOffer(ctx context.Context, in *createOfferInput) (*offerOutput, error) {
	seller, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	offer := catalog.CreateOfferInput{ProductID: b.ProductId, Buyers: b.Buyers, Pricing: b.Pricing.input(),
		DurationMonths: b.DurationMonths}
	for _, i := range b.Installments {
		offer.Installments = append(offer.Installments, catalog.InstallmentInput{DueAfterMonths: i.DueAfterMonths, Amount: i.Amount})
	}
	if b.ExpiresAt != nil {
		offer.ExpiresAt = *b.ExpiresAt
	}
	o, err := a.cfg.Catalog.CreateOffer(ctx, seller, offer)
	if err != nil {
		return nil, err
	}
	return &offerOutput{Location: "/v1/offers/" + o.ID, Body: offerOf(ctx, o)}, nil
}

func (a *API) listOffers(ctx context.Context, in *listOffersInput) (*offerListOutput, error) {
	who, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	offers, err := a.cfg.Catalog.ListOffers(ctx, who)
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(offers, in.PageParams)
	if err != nil {
		return nil, err
	}
	out := OfferList{Offers: []Offer{}, NextToken: next}
	for _, o := range page {
		out.Offers = append(out.Offers, offerOf(ctx, o))
	}
	return &offerListOutput{Body: out}, nil
}

func (a *API) getOffer(ctx context.Context, in *OfferPath) (*offerOutput, error) {
	who, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	o, err := a.cfg.Catalog.GetOffer(ctx, who, in.ID)
	if err != nil {
		return nil, err
	}
	return &offerOutput{Body: offerOf(ctx, o)}, nil
}

func offerOf(ctx context.Context, o catalog.Offer) Offer {
	out := Offer{
		OfferId:         o.ID,
		ProductId:       o.ProductID,
		SellerAccountId: o.Seller,
		Buyers:          nonNil(o.Buyers),
		Pricing:         pricingOf(o.Pricing),
		DurationMonths:  o.DurationMonths,
		Installments:    []Installment{},
		ExpiresAt:       optionalTime(o.ExpiresAt),
		PurchaseUrl:     baseURL(ctx) + catalog.OfferPath(o.ID),
		CreatedAt:       o.CreatedAt.UTC(),
	}
	for _, i := range o.Installments {
		out.Installments = append(out.Installments, Installment{DueAfterMonths: i.DueAfterMonths, Amount: i.Amount.String()})
	}
	return out
}

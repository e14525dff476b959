package nativeapi

import (
	"context"
	"net/http"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
	"github.com/tollgate/tollgate/internal/subscription"
)

// Subscription is a buyer's sign-up to a product on the wire.
type Subscription struct {
	SubscriptionId  string           `json:"SubscriptionId" example:"sub-0123456789abcdef0"`
	Status          string           `json:"Status" enum:"pending,active,suspended,cancelled"`
	ProductId       string           `json:"ProductId"`
	ProductCode     string           `json:"ProductCode"`
	Kind            string           `json:"Kind" enum:"paid-image,supported-image,contract,saas"`
	BuyerAccountId  string           `json:"BuyerAccountId"`
	SellerAccountId string           `json:"SellerAccountId"`
	OfferId         string           `json:"OfferId,omitempty" doc:"The private offer signed up through."`
	PriceVersion    int              `json:"PriceVersion" doc:"The price version at sign-up."`
	Annual          map[string]int64 `json:"Annual,omitempty" doc:"Annual subscriptions bought, by instance type."`
	Contract        *ContractTerms   `json:"Contract,omitempty" doc:"What a contract sign-up bought."`
	LicenseArn      string           `json:"LicenseArn,omitempty" doc:"The license a contract sign-up was issued (License Manager)."`
	StartedAt       time.Time        `json:"StartedAt"`
	TrialEndsAt     *time.Time       `json:"TrialEndsAt,omitempty"`
	TermEndsAt      *time.Time       `json:"TermEndsAt,omitempty" doc:"The end of an annual, contract or private-offer term."`
	CancelledAt     *time.Time       `json:"CancelledAt,omitempty"`
	CreatedAt       time.Time        `json:"CreatedAt"`
	UpdatedAt       time.Time        `json:"UpdatedAt"`
}

// ContractTerms is a contract's choices: its duration, the quantities of
// its configurable dimensions and the tier of its tiered one.
type ContractTerms struct {
	Duration   string           `json:"Duration,omitempty" doc:"An ISO 8601 duration the product offers: P1M, P12M, P24M, P36M." example:"P12M"`
	Quantities map[string]int64 `json:"Quantities,omitempty" doc:"Units of each Configurable dimension." example:"{\"Seats\":3}"`
	Tier       string           `json:"Tier,omitempty" doc:"The tier of the Tiered dimension." example:"ProfessionalTier"`
}

// SubscribeRequest signs the caller up to a product, or to a private offer
// made to it.
type SubscribeRequest struct {
	ProductCode string           `json:"ProductCode,omitempty" doc:"The product's code; required unless OfferId is given."`
	OfferId     string           `json:"OfferId,omitempty" doc:"A private offer made to the caller."`
	Annual      map[string]int64 `json:"Annual,omitempty" doc:"Annual subscriptions to buy, by instance type." example:"{\"m5.large\":2}"`
	Contract    *ContractTerms   `json:"Contract,omitempty" doc:"A contract's choices."`
	ClientToken string           `json:"ClientToken,omitempty" doc:"Makes a retried sign-up return the first one's answer."`
}

// ChangeSubscriptionRequest upgrades or renews a contract.
type ChangeSubscriptionRequest struct {
	Contract *ContractTerms `json:"Contract,omitempty" doc:"The contract's new choices, in full; Duration may be left out to keep the current term's."`
	Renew    bool           `json:"Renew,omitempty" doc:"Start a new term of the chosen duration when the current one ends (at once if it has ended), for the whole price of the new choices, which the license gets at once. Without it the change is an upgrade within the current term: the duration stays, no quantity goes down, the tier changes only to one priced no lower, and the difference is charged in full."`
}

// SubscriptionList is a page of subscriptions.
type SubscriptionList struct {
	Subscriptions []Subscription `json:"Subscriptions"`
	NextToken     string         `json:"NextToken,omitempty"`
}

// Charge is a billable item a subscription recorded.
type Charge struct {
	ChargeId       string     `json:"ChargeId" example:"chg-0123456789abcdef0"`
	SubscriptionId string     `json:"SubscriptionId"`
	Kind           string     `json:"Kind" doc:"sign-up-fee, monthly-fee, annual-fee, contract-fee, installment or refund."`
	Description    string     `json:"Description"`
	Quantity       int64      `json:"Quantity"`
	UnitPrice      string     `json:"UnitPrice" doc:"A decimal amount."`
	Amount         string     `json:"Amount" doc:"A decimal amount; negative for refunds."`
	Currency       string     `json:"Currency" example:"USD"`
	PriceVersion   int        `json:"PriceVersion" doc:"The price version the charge was rated at."`
	OfferId        string     `json:"OfferId,omitempty"`
	PeriodStart    *time.Time `json:"PeriodStart,omitempty"`
	PeriodEnd      *time.Time `json:"PeriodEnd,omitempty"`
	DueAt          time.Time  `json:"DueAt"`
	CreatedAt      time.Time  `json:"CreatedAt"`
}

// ChargeList is a page of a subscription's charges, oldest first.
type ChargeList struct {
	Charges   []Charge `json:"Charges"`
	NextToken string   `json:"NextToken,omitempty"`
}

// Confirmation answers a seller's "is this customer still subscribed".
type Confirmation struct {
	AccountId      string `json:"AccountId"`
	ProductCode    string `json:"ProductCode"`
	Subscribed     bool   `json:"Subscribed"`
	Status         string `json:"Status,omitempty" doc:"The status of the account's newest subscription to the product; absent if it never subscribed."`
	SubscriptionId string `json:"SubscriptionId,omitempty"`
}

type (
	// SubscriptionPath is the path parameter of a subscription's routes.
	SubscriptionPath struct {
		ID string `path:"id" pattern:"^sub-[0-9a-f]{17}$" patternDescription:"a subscription ID: sub- and 17 lowercase hex digits" doc:"The subscription ID." example:"sub-0123456789abcdef0"`
	}
	subscribeInput     struct{ Body SubscribeRequest }
	subscriptionOutput struct {
		Location string `header:"Location"`
		Body     Subscription
	}
	listSubscriptionsInput struct {
		Role      string `query:"Role" enum:"buyer,seller,operator" default:"buyer" doc:"buyer: the caller's own subscriptions; seller: the subscribers of the caller's products; operator: every subscription (operators only)."`
		ProductId string `query:"ProductId" pattern:"^prod-[0-9a-f]{17}$" patternDescription:"a product ID: prod- and 17 lowercase hex digits" doc:"Only subscriptions to this product."`
		PageParams
	}
	subscriptionListOutput struct{ Body SubscriptionList }
	listSubscribersInput   struct {
		ProductPath
		PageParams
	}
	changeSubscriptionInput struct {
		SubscriptionPath
		Body ChangeSubscriptionRequest
	}
	listChargesInput struct {
		SubscriptionPath
		PageParams
	}
	chargeListOutput struct{ Body ChargeList }
	confirmInput     struct {
		ProductCode string `query:"ProductCode" required:"true" pattern:"^[a-z0-9]{8,25}$" patternDescription:"a product code: 8 to 25 lowercase letters and digits" doc:"One of the caller's product codes."`
		AccountId   string `query:"AccountId" required:"true" pattern:"^[0-9]{12}$" patternDescription:"an account ID: 12 digits" doc:"The customer's account ID."`
	}
	confirmationOutput struct{ Body Confirmation }
)

func (a *API) registerSubscriptions() {
	const tag = "Subscriptions"
	registerOp(a, operation("Subscribe", http.MethodPost, "/v1/subscriptions", tag, http.StatusCreated,
		"Subscribe to a product",
		"Signs the caller up to a product by its code (or to a private offer made to it): records the charges due at "+
			"sign-up and, for a contract, issues its license, active at once."), a.subscribe)
	registerOp(a, operation("ListSubscriptions", http.MethodGet, "/v1/subscriptions", tag, http.StatusOK,
		"List subscriptions",
		"The caller's own subscriptions (Role=buyer), the subscribers of the caller's products (Role=seller), or, "+
			"for an operator, every subscription (Role=operator)."),
		a.listSubscriptions)
	registerOp(a, operation("GetSubscription", http.MethodGet, "/v1/subscriptions/{id}", tag, http.StatusOK,
		"Get a subscription", "To its buyer, the seller of its product, or an operator; to anyone else it does not exist."),
		a.getSubscription)
	registerOp(a, operation("CancelSubscription", http.MethodDelete, "/v1/subscriptions/{id}", tag, http.StatusOK,
		"Cancel a subscription",
		"Ends access at once (its buyer or an operator) and records the refund due; returns the cancelled subscription."),
		a.cancelSubscription)
	registerOp(a, operation("ChangeSubscription", http.MethodPost, "/v1/subscriptions/{id}/change", tag, http.StatusOK,
		"Upgrade or renew a contract", "Changes a contract's quantities, tier or duration; its license gets a new version."),
		a.changeSubscription)
	registerOp(a, operation("ListSubscribers", http.MethodGet, "/v1/products/{id}/subscribers", "Products", http.StatusOK,
		"List a product's subscribers", "The subscriptions to one of the caller's products; only its seller may list them."),
		a.listSubscribers)
	registerOp(a, operation("ListCharges", http.MethodGet, "/v1/subscriptions/{id}/charges", tag, http.StatusOK,
		"List a subscription's charges", "The billable items it recorded, each naming the price version that produced it."),
		a.listCharges)
	registerOp(a, operation("ConfirmSubscription", http.MethodGet, "/v1/subscription-confirmations", tag, http.StatusOK,
		"Confirm a customer is still subscribed",
		"Tells a seller whether an account is subscribed to one of the seller's product codes."), a.confirm)
}

func (a *API) subscribe(ctx context.Context, in *subscribeInput) (*subscriptionOutput, error) {
	buyer, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	s, err := a.cfg.Subscriptions.Subscribe(ctx, buyer, subscription.SubscribeInput{
		ProductCode: b.ProductCode, OfferID: b.OfferId, Annual: b.Annual, Contract: b.Contract.input(), ClientToken: b.ClientToken})
	if err != nil {
		return nil, err
	}
	return &subscriptionOutput{Location: "/v1/subscriptions/" + s.ID, Body: subscriptionOf(s)}, nil
}

func (a *API) listSubscriptions(ctx context.Context, in *listSubscriptionsInput) (*subscriptionListOutput, error) {
	who, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	role := subscription.Role(in.Role)
	if role == "" {
		role = subscription.AsBuyer
	}
	return a.subscriptionPage(ctx, who, subscription.ListInput{Role: role, ProductID: in.ProductId}, in.PageParams)
}

// subscriptionPage lists one page of the caller's subscriptions as list
// asks.
func (a *API) subscriptionPage(ctx context.Context, who string, list subscription.ListInput, p PageParams) (*subscriptionListOutput, error) {
	list.Next, list.Limit = p.NextToken, p.limit()
	page, err := a.cfg.Subscriptions.List(ctx, who, list)
	if err != nil {
		return nil, err
	}
	out := SubscriptionList{Subscriptions: []Subscription{}, NextToken: page.Next}
	for _, s := range page.Subscriptions {
		out.Subscriptions = append(out.Subscriptions, subscriptionOf(s))
	}
	return &subscriptionListOutput{Body: out}, nil
}

func (a *API) listSubscribers(ctx context.Context, in *listSubscribersInput) (*subscriptionListOutput, error) {
	seller, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	p, err := a.cfg.Catalog.GetProduct(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if p.Seller != seller {
		return nil, fault.New(fault.Forbidden, "only the seller of product %s may list its subscribers", p.ID)
	}
	return a.subscriptionPage(ctx, seller, subscription.ListInput{Role: subscription.AsSeller, ProductID: p.ID}, in.PageParams)
}

func (a *API) getSubscription(ctx context.Context, in *SubscriptionPath) (*subscriptionOutput, error) {
	who, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	s, err := a.cfg.Subscriptions.Get(ctx, who, in.ID)
	if err != nil {
		return nil, err
	}
	return &subscriptionOutput{Body: subscriptionOf(s)}, nil
}

func (a *API) cancelSubscription(ctx context.Context, in *SubscriptionPath) (*subscriptionOutput, error) {
	who, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	s, err := a.cfg.Subscriptions.Cancel(ctx, who, in.ID)
	if err != nil {
		return nil, err
	}
	return &subscriptionOutput{Body: subscriptionOf(s)}, nil
}

func (a *API) changeSubscription(ctx context.Context, in *changeSubscriptionInput) (*subscriptionOutput, error) {
	who, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	s, err := a.cfg.Subscriptions.Change(ctx, who, in.ID, subscription.ChangeInput{Contract: in.Body.Contract.input(), Renew: in.Body.Renew})
	if err != nil {
		return nil, err
	}
	return &subscriptionOutput{Body: subscriptionOf(s)}, nil
}

func (a *API) listCharges(ctx context.Context, in *listChargesInput) (*chargeListOutput, error) {
	who, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	charges, err := a.cfg.Subscriptions.Charges(ctx, who, in.ID)
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(charges, in.PageParams)
	if err != nil {
		return nil, err
	}
	out := ChargeList{Charges: []Charge{}, NextToken: next}
	for _, c := range page {
		out.Charges = append(out.Charges, chargeOf(c))
	}
	return &chargeListOutput{Body: out}, nil
}

func (a *API) confirm(ctx context.Context, in *confirmInput) (*confirmationOutput, error) {
	seller, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	c, err := a.cfg.Subscriptions.Confirm(ctx, seller, in.AccountId, in.ProductCode)
	if err != nil {
		return nil, err
	}
	return &confirmationOutput{Body: Confirmation{AccountId: in.AccountId, ProductCode: in.ProductCode,
		Subscribed: c.Subscribed, Status: string(c.Status), SubscriptionId: c.SubscriptionID}}, nil
}

// input maps a contract's choices to the domain's; nil stays nil.
func (t *ContractTerms) input() *subscription.ContractInput {
	if t == nil {
		return nil
	}
	return &subscription.ContractInput{Duration: t.Duration, Quantities: t.Quantities, Tier: t.Tier}
}

func subscriptionOf(s subscription.Subscription) Subscription {
	out := Subscription{
		SubscriptionId:  s.ID,
		Status:          string(s.Status),
		ProductId:       s.ProductID,
		ProductCode:     s.ProductCode,
		Kind:            string(s.Kind),
		BuyerAccountId:  s.Buyer,
		SellerAccountId: s.Seller,
		OfferId:         s.OfferID,
		PriceVersion:    s.PriceVersion,
		Annual:          s.Annual,
		LicenseArn:      s.LicenseArn,
		StartedAt:       s.StartedAt.UTC(),
		TrialEndsAt:     optionalTime(s.TrialEndsAt),
		TermEndsAt:      optionalTime(s.TermEndsAt),
		CancelledAt:     optionalTime(s.CancelledAt),
		CreatedAt:       s.CreatedAt.UTC(),
		UpdatedAt:       s.UpdatedAt.UTC(),
	}
	if c := s.Contract; c != nil {
		out.Contract = &ContractTerms{Duration: string(c.Duration), Quantities: c.Quantities, Tier: c.Tier}
	}
	return out
}

func chargeOf(c subscription.Charge) Charge {
	return Charge{
		ChargeId:       c.ID,
		SubscriptionId: c.SubscriptionID,
		Kind:           string(c.Kind),
		Description:    c.Description,
		Quantity:       c.Quantity,
		UnitPrice:      c.UnitPrice.String(),
		Amount:         c.Amount.String(),
		Currency:       money.Currency,
		PriceVersion:   c.PriceVersion,
		OfferId:        c.OfferID,
		PeriodStart:    optionalTime(c.PeriodStart),
		PeriodEnd:      optionalTime(c.PeriodEnd),
		DueAt:          c.DueAt.UTC(),
		CreatedAt:      c.CreatedAt.UTC(),
	}
}

package nativeapi

import (
	"context"
	"net/http"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
)

// Product is a seller's product on the wire.
type Product struct {
	ProductId   string `json:"ProductId" example:"prod-0123456789abcdef0"`
	ProductCode string `json:"ProductCode" doc:"The product code: 8 to 25 lowercase letters and digits, generated." example:"a1b2c3d4e5f6g7h8i9j0k1l2m"`
	// ProductToken is shown to the product's seller only.
	ProductToken    string    `json:"ProductToken,omitempty" doc:"The product token the seller's software presents with the code; shown to the seller only."`
	PurchaseUrl     string    `json:"PurchaseUrl" doc:"The purchase page buyers sign up on." example:"http://127.0.0.1:7070/purchase/a1b2c3d4e5f6g7h8i9j0k1l2m"`
	Name            string    `json:"Name"`
	Description     string    `json:"Description"`
	Kind            string    `json:"Kind" enum:"paid-image,supported-image,contract,saas"`
	InstanceTypes   []string  `json:"InstanceTypes" doc:"The instance types the product may run on."`
	ReturnUrl       string    `json:"ReturnUrl,omitempty" doc:"Where the purchase page sends a buyer after sign-up."`
	SellerAccountId string    `json:"SellerAccountId"`
	Pricing         Pricing   `json:"Pricing"`
	PriceVersion    int       `json:"PriceVersion" doc:"The number of the current price version."`
	CreatedAt       time.Time `json:"CreatedAt"`
	UpdatedAt       time.Time `json:"UpdatedAt"`
}

// CreateProductRequest registers a product. Name and Kind are required;
// the domain reports every missing or invalid field at once.
type CreateProductRequest struct {
	Name          string   `json:"Name,omitempty" doc:"Required; at most 256 characters." example:"Acme Analytics"`
	Kind          string   `json:"Kind,omitempty" doc:"Required: paid-image, supported-image, contract or saas." example:"paid-image"`
	Description   string   `json:"Description,omitempty" doc:"At most 16 KiB."`
	InstanceTypes []string `json:"InstanceTypes,omitempty" doc:"Instance types from the operator's catalogue (GET /v1/instance-types)." example:"[\"m5.large\",\"m5.xlarge\"]"`
	ReturnUrl     string   `json:"ReturnUrl,omitempty" doc:"An http or https URL."`
	Pricing       Pricing  `json:"Pricing,omitzero"`
}

// UpdateProductRequest changes a product's descriptive fields; an absent
// field is left as it is. Prices change through price versions.
type UpdateProductRequest struct {
	Name          *string  `json:"Name,omitempty"`
	Description   *string  `json:"Description,omitempty"`
	ReturnUrl     *string  `json:"ReturnUrl,omitempty"`
	InstanceTypes []string `json:"InstanceTypes,omitempty" doc:"Replaces the list when present."`
}

// ProductList is a page of the caller's products.
type ProductList struct {
	Products  []Product `json:"Products"`
	NextToken string    `json:"NextToken,omitempty" doc:"Pass it to get the next page; absent on the last."`
}

// PriceVersion is one version of a product's price plan.
type PriceVersion struct {
	ProductId   string    `json:"ProductId"`
	Version     int       `json:"Version"`
	Pricing     Pricing   `json:"Pricing"`
	EffectiveAt time.Time `json:"EffectiveAt" doc:"When existing subscribers move to it; new subscribers pay it from its creation."`
	CreatedAt   time.Time `json:"CreatedAt"`
}

// CreatePriceVersionRequest is a new price plan for a product.
type CreatePriceVersionRequest struct {
	Pricing     Pricing    `json:"Pricing,omitzero"`
	EffectiveAt *time.Time `json:"EffectiveAt,omitempty" doc:"When existing subscribers move to it: at least 90 days ahead if any price rises; absent means as soon as that rule allows."`
}

// PriceVersionList is a page of a product's price versions, oldest first.
type PriceVersionList struct {
	PriceVersions []PriceVersion `json:"PriceVersions"`
	NextToken     string         `json:"NextToken,omitempty"`
}

type (
	// ProductPath is the path parameter of a product's routes; exported so that
	// huma can fill it in the inputs that embed it.
	ProductPath struct {
		ID string `path:"id" pattern:"^prod-[0-9a-f]{17}$" patternDescription:"a product ID: prod- and 17 lowercase hex digits" doc:"The product ID." example:"prod-0123456789abcdef0"`
	}
	createProductInput struct{ Body CreateProductRequest }
	productOutput      struct {
		Location string `header:"Location"`
		Body     Product
	}
	listProductsInput  struct{ PageParams }
	productListOutput  struct{ Body ProductList }
	updateProductInput struct {
		ProductPath
		Body UpdateProductRequest
	}
	createPriceVersionInput struct {
		ProductPath
		Body CreatePriceVersionRequest
	}
	priceVersionOutput     struct{ Body PriceVersion }
	listPriceVersionsInput struct {
		ProductPath
		PageParams
	}
	priceVersionListOutput struct{ Body PriceVersionList }
)

func (a *API) registerProducts() {
	const tag = "Products"
	registerOp(a, operation("CreateProduct", http.MethodPost, "/v1/products", tag, http.StatusCreated,
		"Register a product",
		"Registers a product of the caller's with its first price version, and returns its product code, product token "+
			"and purchase URL. Every invalid field is reported at once."), a.createProduct)
	registerOp(a, operation("ListProducts", http.MethodGet, "/v1/products", tag, http.StatusOK,
		"List the caller's products", "The products the caller sells, a page at a time."), a.listProducts)
	registerOp(a, operation("GetProduct", http.MethodGet, "/v1/products/{id}", tag, http.StatusOK,
		"Get a product", "Products are public listings: any account may read one; only its seller sees its product token."), a.getProduct)
	registerOp(a, operation("UpdateProduct", http.MethodPatch, "/v1/products/{id}", tag, http.StatusOK,
		"Change a product's description",
		"Changes the fields given (name, description, return URL, instance types); only the seller may."), a.updateProduct)
	registerOp(a, operation("CreatePriceVersion", http.MethodPost, "/v1/products/{id}/price-versions", tag, http.StatusCreated,
		"Change a product's prices",
		"Adds a price version. New subscribers pay it at once; existing subscribers from its EffectiveAt, which must "+
			"give 90 days' notice when any price rises."), a.createPriceVersion)
	registerOp(a, operation("ListPriceVersions", http.MethodGet, "/v1/products/{id}/price-versions", tag, http.StatusOK,
		"List a product's price versions", "Every price version, oldest first."), a.listPriceVersions)
}

func (a *API) createProduct(ctx context.Context, in *createProductInput) (*productOutput, error) {
	seller, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	p, err := a.cfg.Catalog.CreateProduct(ctx, seller, catalog.CreateProductInput{
		Name: b.Name, Description: b.Description, Kind: b.Kind, InstanceTypes: b.InstanceTypes,
		ReturnURL: b.ReturnUrl, Pricing: b.Pricing.input()})
	if err != nil {
		return nil, err
	}
	return &productOutput{Location: "/v1/products/" + p.ID, Body: productOf(ctx, p, seller)}, nil
}

func (a *API) listProducts(ctx context.Context, in *listProductsInput) (*productListOutput, error) {
	seller, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	page, err := a.cfg.Catalog.ListProducts(ctx, seller, catalog.ListInput{Next: in.NextToken, Limit: in.limit()})
	if err != nil {
		return nil, err
	}
	out := ProductList{Products: []Product{}, NextToken: page.Next}
	for _, p := range page.Products {
		out.Products = append(out.Products, productOf(ctx, p, seller))
	}
	return &productListOutput{Body: out}, nil
}

func (a *API) getProduct(ctx context.Context, in *ProductPath) (*productOutput, error) {
	who, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	p, err := a.cfg.Catalog.GetProduct(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &productOutput{Body: productOf(ctx, p, who)}, nil
}

func (a *API) updateProduct(ctx context.Context, in *updateProductInput) (*productOutput, error) {
	seller, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	p, err := a.cfg.Catalog.UpdateProduct(ctx, seller, in.ID, catalog.UpdateProductInput{
		Name: b.Name, Description: b.Description, ReturnURL: b.ReturnUrl, InstanceTypes: b.InstanceTypes})
	if err != nil {
		return nil, err
	}
	return &productOutput{Body: productOf(ctx, p, seller)}, nil
}

func (a *API) createPriceVersion(ctx context.Context, in *createPriceVersionInput) (*priceVersionOutput, error) {
	seller, err := callerID(ctx)
	if err != nil {
		return nil, err
	}
	change := catalog.ChangePricingInput{Pricing: in.Body.Pricing.input()}
	if in.Body.EffectiveAt != nil {
		change.EffectiveAt = *in.Body.EffectiveAt
	}
	v, err := a.cfg.Catalog.ChangePricing(ctx, seller, in.ID, change)
	if err != nil {
		return nil, err
	}
	return &priceVersionOutput{Body: priceVersionOf(v)}, nil
}

func (a *API) listPriceVersions(ctx context.Context, in *listPriceVersionsInput) (*priceVersionListOutput, error) {
	if _, err := callerID(ctx); err != nil {
		return nil, err
	}
	if _, err := a.cfg.Catalog.GetProduct(ctx, in.ID); err != nil { // an unknown product is 404, not an empty list
		return nil, err
	}
	versions, err := a.cfg.Catalog.PriceVersions(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(versions, in.PageParams)
	if err != nil {
		return nil, err
	}
	out := PriceVersionList{PriceVersions: []PriceVersion{}, NextToken: next}
	for _, v := range page {
		out.PriceVersions = append(out.PriceVersions, priceVersionOf(v))
	}
	return &priceVersionListOutput{Body: out}, nil
}

// productOf maps a product to the wire for viewer: its seller alone sees
// the product token.
func productOf(ctx context.Context, p catalog.Product, viewer string) Product {
	out := Product{
		ProductId:       p.ID,
		ProductCode:     p.Code,
		PurchaseUrl:     baseURL(ctx) + catalog.PurchasePath(p.Code),
		Name:            p.Name,
		Description:     p.Description,
		Kind:            string(p.Kind),
		InstanceTypes:   nonNil(p.InstanceTypes),
		ReturnUrl:       p.ReturnURL,
		SellerAccountId: p.Seller,
		Pricing:         pricingOf(p.Pricing),
		PriceVersion:    p.PriceVersion,
		CreatedAt:       p.CreatedAt.UTC(),
		UpdatedAt:       p.UpdatedAt.UTC(),
	}
	if viewer == p.Seller {
		out.ProductToken = p.Token
	}
	return out
}

func priceVersionOf(v catalog.PriceVersion) PriceVersion {
	return PriceVersion{ProductId: v.ProductID, Version: v.Version, Pricing: pricingOf(v.Pricing),
		EffectiveAt: v.EffectiveAt.UTC(), CreatedAt: v.CreatedAt.UTC()}
}

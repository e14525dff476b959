package console

import (
	"context"
	"net/http"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/baseurl"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/subscription"
)

// The seller's pages: the product list, the registration form, and each
// product's page.

type productsData struct {
	Products []catalog.Product
	Next     string
}

func (c *Console) products(w http.ResponseWriter, r *http.Request) {
	me := c.requireViewer(w, r, r.URL.RequestURI())
	if me == nil {
		return
	}
	page, err := c.cfg.Catalog.ListProducts(r.Context(), me.ID, catalog.ListInput{Next: r.URL.Query().Get("page")})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "products", view{Title: "Your products", Me: me, Section: "products",
		Data: productsData{Products: page.Products, Next: page.Next}})
}

func (c *Console) newProductPage(w http.ResponseWriter, r *http.Request) {
	me := c.requireViewer(w, r, "/console/products/new")
	if me == nil {
		return
	}
	c.renderProductForm(w, r, me, http.StatusOK, newProductForm())
}

func (c *Console) createProduct(w http.ResponseWriter, r *http.Request) {
	me := c.requireViewer(w, r, "/console/products/new")
	if me == nil || !c.parseForm(w, r) {
		return
	}
	f := readProductForm(r.PostForm)
	if r.PostForm.Get("action") == "more" {
		f.grow(len(f.Types)+moreRows, len(f.Usage)+moreRows, len(f.Dims)+moreRows, len(f.Tiers)+moreRows)
		c.renderProductForm(w, r, me, http.StatusOK, f)
		return
	}
	in := f.input()
	if len(f.Errors) > 0 {
		// The form found a problem the catalog cannot see: report it with
		// what the catalog finds without the store, and create nothing.
		f.showErrors(in.Validate())
		c.renderProductForm(w, r, me, http.StatusUnprocessableEntity, f)
		return
	}
	p, err := c.cfg.Catalog.CreateProduct(r.Context(), me.ID, in)
	if fault.Is(err, fault.Invalid) {
		f.showErrors(err)
		c.renderProductForm(w, r, me, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/products/"+p.ID+"?created=1", http.StatusSeeOther)
}

func (c *Console) renderProductForm(w http.ResponseWriter, r *http.Request, me *account.Account, status int, f *productForm) {
	types, err := c.cfg.Catalog.InstanceTypes(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	for _, t := range types {
		f.InstanceTypes = append(f.InstanceTypes, t.Name)
	}
	f.Kinds, f.AllDurations = catalog.Kinds, formDurations
	c.render(w, r, status, "product_new", view{Title: "Register a product", Me: me, Section: "products", Data: f})
}

// productData is a seller's product page.
type productData struct {
	Product     catalog.Product
	PurchaseURL string
	Versions    []catalog.PriceVersion
	Subscribers []subscriberRow
	Next        string
}

type subscriberRow struct {
	Sub       subscription.Subscription
	BuyerName string
}

func (c *Console) product(w http.ResponseWriter, r *http.Request) {
	me := c.requireViewer(w, r, r.URL.RequestURI())
	if me == nil {
		return
	}
	p, ok := c.ownProduct(w, r, me, r.PathValue("id"))
	if !ok {
		return
	}
	versions, err := c.cfg.Catalog.PriceVersions(r.Context(), p.ID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	subs, err := c.cfg.Subscriptions.List(r.Context(), me.ID, subscription.ListInput{
		Role: subscription.AsSeller, ProductID: p.ID, Next: r.URL.Query().Get("page")})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	rows := make([]subscriberRow, 0, len(subs.Subscriptions))
	names := c.accountNames()
	for _, s := range subs.Subscriptions {
		rows = append(rows, subscriberRow{Sub: s, BuyerName: names(r.Context(), s.Buyer)})
	}
	v := view{Title: p.Name, Me: me, Section: "products", Data: productData{Product: p,
		PurchaseURL: baseurl.Of(r) + catalog.PurchasePath(p.Code), Versions: versions, Subscribers: rows, Next: subs.Next}}
	if r.URL.Query().Get("created") == "1" {
		v.Notice = "Your product is registered. Share its purchase URL with buyers."
	}
	c.render(w, r, http.StatusOK, "product", v)
}

// ownProduct returns the seller's own product; any other ID, another
// seller's product included, is answered with the not-found page, so that
// the page tells nothing about products that are not the caller's.
func (c *Console) ownProduct(w http.ResponseWriter, r *http.Request, me *account.Account, id string) (catalog.Product, bool) {
	p, err := c.cfg.Catalog.GetProduct(r.Context(), id)
	if err == nil && p.Seller != me.ID {
		err = fault.New(fault.NotFound, "")
	}
	if fault.Is(err, fault.NotFound) {
		c.errorPage(w, r, http.StatusNotFound, "Product not found",
			"None of your products has this ID. Your products are listed on the Products page.")
		return catalog.Product{}, false
	}
	if err != nil {
		c.fail(w, r, err)
		return catalog.Product{}, false
	}
	return p, true
}

// accountNames returns a lookup of account names for one page, which reads
// each account once; an account that cannot be read shows its ID.
func (c *Console) accountNames() func(ctx context.Context, id string) string {
	seen := map[string]string{}
	return func(ctx context.Context, id string) string {
		if n, ok := seen[id]; ok {
			return n
		}
		n := id
		if a, err := c.cfg.Accounts.Get(ctx, id); err == nil {
			n = a.Name
		}
		seen[id] = n
		return n
	}
}

package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/subscription"
)

// TestIsolation: a seller sees only its own products and their
// subscribers; a buyer sees and cancels only its own subscriptions; a
// private offer is seen only by its buyers and its seller.
func TestIsolation(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	sellerA, pwA := w.account(t, "Seller Alpha")
	sellerB, pwB := w.account(t, "Seller Beta")
	buyerX, pwX := w.account(t, "Buyer Xavier")
	buyerY, pwY := w.account(t, "Buyer Yvonne")

	product, err := w.app.Catalog.CreateProduct(ctx, sellerA.ID, catalog.CreateProductInput{Name: "Alpha Image", Kind: "paid-image",
		InstanceTypes: []string{"m5.large"}, Pricing: catalog.PricingInput{Hourly: map[string]string{"m5.large": "0.50"}}})
	if err != nil {
		t.Fatal(err)
	}
	subX, err := w.app.Subscriptions.Subscribe(ctx, buyerX.ID, subscription.SubscribeInput{ProductCode: product.Code})
	if err != nil {
		t.Fatal(err)
	}
	subY, err := w.app.Subscriptions.Subscribe(ctx, buyerY.ID, subscription.SubscribeInput{ProductCode: w.demo.ImageProduct.Code})
	if err != nil {
		t.Fatal(err)
	}
	offer, err := w.app.Catalog.CreateOffer(ctx, sellerA.ID, catalog.CreateOfferInput{ProductID: product.ID, Buyers: []string{buyerX.ID},
		DurationMonths: 12, Pricing: catalog.PricingInput{Hourly: map[string]string{"m5.large": "0.25"}}})
	if err != nil {
		t.Fatal(err)
	}

	a, b, x, y := w.client(t), w.client(t), w.client(t), w.client(t)
	a.signIn(sellerA.ID, pwA)
	b.signIn(sellerB.ID, pwB)
	x.signIn(buyerX.ID, pwX)
	y.signIn(buyerY.ID, pwY)

	t.Run("SellerProductPage", func(t *testing.T) {
		own := a.get("/console/products/" + product.ID)
		if own.status != 200 || !strings.Contains(own.body, subX.ID) || !strings.Contains(own.body, "Buyer Xavier") {
			t.Errorf("the seller's own product page: status %d, want its subscriber %s listed", own.status, subX.ID)
		}
		if strings.Contains(own.body, subY.ID) {
			t.Error("the product page lists a subscription to another product")
		}
		for name, c := range map[string]*client{"another seller": b, "a buyer": x} {
			r := c.get("/console/products/" + product.ID)
			if r.status != http.StatusNotFound || strings.Contains(r.body, subX.ID) || strings.Contains(r.body, product.Token) {
				t.Errorf("%s opening the product page: status %d, want 404 without its subscribers or token", name, r.status)
			}
		}
	})

	t.Run("ProductLists", func(t *testing.T) {
		if r := a.get("/console/products"); !strings.Contains(r.body, product.ID) {
			t.Error("the seller's product list lacks its product")
		}
		if r := b.get("/console/products"); strings.Contains(r.body, product.ID) || !strings.Contains(r.body, "No products yet") {
			t.Error("another seller's product list shows the product")
		}
	})

	t.Run("Subscriptions", func(t *testing.T) {
		rx, ry := x.get("/console/subscriptions"), y.get("/console/subscriptions")
		if !strings.Contains(rx.body, subX.ID) || strings.Contains(rx.body, subY.ID) {
			t.Errorf("buyer X's subscriptions: want %s only", subX.ID)
		}
		if !strings.Contains(ry.body, subY.ID) || strings.Contains(ry.body, subX.ID) {
			t.Errorf("buyer Y's subscriptions: want %s only", subY.ID)
		}
		if r := a.get("/console/subscriptions"); strings.Contains(r.body, subX.ID) {
			t.Error("the seller's own subscriptions page lists its subscribers' subscriptions")
		}
	})

	t.Run("CancelOthers", func(t *testing.T) {
		for name, c := range map[string]*client{"another buyer": y, "another seller": b} {
			r := c.post("/console/subscriptions/"+subX.ID+"/cancel", url.Values{})
			if r.status != http.StatusNotFound {
				t.Errorf("%s cancelling X's subscription: status %d, want 404", name, r.status)
			}
		}
		// The seller sees its subscribers' subscriptions, but only buyers
		// (and operators) cancel them.
		if r := a.post("/console/subscriptions/"+subX.ID+"/cancel", url.Values{}); r.status != http.StatusForbidden {
			t.Errorf("the seller cancelling its subscriber's subscription: status %d, want 403", r.status)
		}
		got, err := w.app.Subscriptions.Get(ctx, buyerX.ID, subX.ID)
		if err != nil || got.Status != subscription.Active {
			t.Errorf("X's subscription is %s (%v), want active", got.Status, err)
		}
	})

	t.Run("Offer", func(t *testing.T) {
		path := catalog.OfferPath(offer.ID)
		for name, c := range map[string]*client{"the named buyer": x, "the seller": a} {
			if r := c.get(path); r.status != 200 || !strings.Contains(r.body, "Alpha Image") {
				t.Errorf("%s opening the offer: status %d, want 200", name, r.status)
			}
		}
		for name, c := range map[string]*client{"another buyer": y, "another seller": b} {
			if r := c.get(path); r.status != http.StatusNotFound || strings.Contains(r.body, "Alpha Image") {
				t.Errorf("%s opening the offer: status %d, want 404 without the product", name, r.status)
			}
			if r := c.post(path, url.Values{}); r.status != http.StatusNotFound {
				t.Errorf("%s accepting the offer: status %d, want 404", name, r.status)
			}
		}
		if r := w.client(t).get(path); r.status != http.StatusSeeOther {
			t.Errorf("nobody signed in opening the offer: status %d, want a redirect to sign in", r.status)
		}
	})
}

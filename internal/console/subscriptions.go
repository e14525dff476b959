package console

import (
	"net/http"
	"net/url"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
	"github.com/tollgate/tollgate/internal/subscription"
)

// The buyer's subscriptions page, with cancellation.

type subscriptionsData struct {
	Rows []subscriptionRow
	Next string
	// Subscribed is the row of a sign-up just made, to confirm it;
	// Cancelled the row of one just cancelled.
	Subscribed, Cancelled *subscriptionRow
}

type subscriptionRow struct {
	Sub         subscription.Subscription
	ProductName string
	SellerName  string
	ReturnURL   string
	Charges     []subscription.Charge
	Total       money.Amount
}

// Live reports whether the subscription can still be cancelled.
func (r subscriptionRow) Live() bool { return r.Sub.Status != subscription.Cancelled }

// PurchasePath is the product's purchase page.
func (r subscriptionRow) PurchasePath() string { return catalog.PurchasePath(r.Sub.ProductCode) }

func (c *Console) subscriptions(w http.ResponseWriter, r *http.Request) {
	me := c.requireViewer(w, r, r.URL.RequestURI())
	if me == nil {
		return
	}
	page, err := c.cfg.Subscriptions.List(r.Context(), me.ID, subscription.ListInput{
		Role: subscription.AsBuyer, Next: r.URL.Query().Get("page")})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := subscriptionsData{Next: page.Next}
	names := c.accountNames()
	products := map[string]catalog.Product{}
	for _, s := range page.Subscriptions {
		row := subscriptionRow{Sub: s, SellerName: names(r.Context(), s.Seller), ProductName: s.ProductCode}
		p, ok := products[s.ProductID]
		if !ok {
			if p, err = c.cfg.Catalog.GetProduct(r.Context(), s.ProductID); err == nil {
				products[s.ProductID], ok = p, true
			}
		}
		if ok {
			row.ProductName, row.ReturnURL = p.Name, p.ReturnURL
		}
		if row.Charges, err = c.cfg.Subscriptions.Charges(r.Context(), me.ID, s.ID); err != nil {
			c.fail(w, r, err)
			return
		}
		for _, ch := range row.Charges {
			if row.Total, err = row.Total.Add(ch.Amount); err != nil {
				c.fail(w, r, err)
				return
			}
		}
		d.Rows = append(d.Rows, row)
	}
	q := r.URL.Query()
	for i := range d.Rows {
		switch d.Rows[i].Sub.ID {
		case q.Get("subscribed"):
			d.Subscribed = &d.Rows[i]
		case q.Get("cancelled"):
			d.Cancelled = &d.Rows[i]
		}
	}
	c.render(w, r, http.StatusOK, "subscriptions", view{Title: "Your subscriptions", Me: me, Section: "subscriptions", Data: d})
}

func (c *Console) cancel(w http.ResponseWriter, r *http.Request) {
	me := c.requireViewer(w, r, "/console/subscriptions")
	if me == nil {
		return
	}
	sub, err := c.cfg.Subscriptions.Cancel(r.Context(), me.ID, r.PathValue("id"))
	if fault.Is(err, fault.NotFound) {
		c.errorPage(w, r, http.StatusNotFound, "Subscription not found",
			"None of your subscriptions has this ID. Your subscriptions are listed on the Subscriptions page.")
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/subscriptions?cancelled="+url.QueryEscape(sub.ID), http.StatusSeeOther)
}

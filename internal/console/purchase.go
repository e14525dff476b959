package console

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
	"github.com/tollgate/tollgate/internal/subscription"
)

// The purchase pages: a product's public purchase URL, and a private
// offer's, which only the offer's buyers and its seller can see.

// purchaseData is a purchase page's data.
type purchaseData struct {
	Product    catalog.Product
	SellerName string
	Offer      *catalog.Offer
	Pricing    catalog.Pricing
	// Types are the price table's rows: every instance type the product
	// runs on, with its prices where it has them.
	Types     []priceRow
	HasHourly bool
	HasAnnual bool
	// Contract's tables: a row per configurable dimension, and per tier of
	// each tiered one.
	ContractRows []contractRow
	Tiers        []string
	// Me is the viewer; IsSeller when it is the product's seller, who
	// cannot buy from itself.
	Me       *account.Account
	IsSeller bool
	// Current is the viewer's subscription to the product that is not
	// cancelled, if any: the page links to it instead of selling again.
	Current *subscription.Subscription
	// The form: where it posts, the values entered, and its errors.
	Action      string
	ClientToken string
	Values      url.Values
	Errors      map[string][]string
	Summary     []fieldMessage
}

type priceRow struct {
	InstanceType         string
	Hourly, Annual       money.Amount
	HasHourly, HasAnnual bool
}

type contractRow struct {
	Dimension string
	Tier      string // for tiers of a tiered dimension
	Unit      string
	Prices    []durationPrice // one per duration, in the contract's order
}

type durationPrice struct {
	Duration catalog.Duration
	Price    money.Amount
	Sold     bool
}

// Value returns what the form held for input, for the templates.
func (d purchaseData) Value(input string) string { return d.Values.Get(input) }

// ErrorsOf returns input's errors, for the templates.
func (d purchaseData) ErrorsOf(input string) []string { return d.Errors[input] }

// HasContract reports whether the plan is a contract's.
func (d purchaseData) HasContract() bool { return d.Pricing.Contract != nil }

// CanBuy reports whether the page shows the form.
func (d purchaseData) CanBuy() bool { return d.Me != nil && !d.IsSeller && d.Current == nil }

// Configurable returns the contract's configurable dimensions.
func (d purchaseData) Configurable() []catalog.ContractDimension {
	var out []catalog.ContractDimension
	if d.Pricing.Contract != nil {
		for _, dim := range d.Pricing.Contract.Dimensions {
			if dim.Type == catalog.Configurable {
				out = append(out, dim)
			}
		}
	}
	return out
}

// AnnualTypes returns the instance types sold annually.
func (d purchaseData) AnnualTypes() []priceRow {
	var out []priceRow
	for _, t := range d.Types {
		if t.HasAnnual {
			out = append(out, t)
		}
	}
	return out
}

func (c *Console) purchasePage(w http.ResponseWriter, r *http.Request) {
	d, ok := c.purchaseProduct(w, r)
	if ok {
		c.renderPurchase(w, r, http.StatusOK, d)
	}
}

func (c *Console) offerPage(w http.ResponseWriter, r *http.Request) {
	d, ok := c.purchaseOffer(w, r)
	if ok {
		c.renderPurchase(w, r, http.StatusOK, d)
	}
}

// purchaseProduct reads what a product's purchase page shows.
func (c *Console) purchaseProduct(w http.ResponseWriter, r *http.Request) (purchaseData, bool) {
	me, err := c.viewer(r.Context(), r)
	if err != nil {
		c.fail(w, r, err)
		return purchaseData{}, false
	}
	p, err := c.cfg.Catalog.ProductByCode(r.Context(), r.PathValue("code"))
	if fault.Is(err, fault.NotFound) {
		c.errorPage(w, r, http.StatusNotFound, "Product not found",
			"No product has this purchase URL. Check the link you were given, or ask the seller for a new one.")
		return purchaseData{}, false
	}
	if err != nil {
		c.fail(w, r, err)
		return purchaseData{}, false
	}
	return c.purchaseData(w, r, me, p, nil)
}

// purchaseOffer reads what a private offer's page shows. Only the offer's
// buyers and its seller see it; anyone else, signed in, gets the same page
// as for an offer that does not exist. Nobody signed in is sent to sign in
// first, whether or not the offer exists.
func (c *Console) purchaseOffer(w http.ResponseWriter, r *http.Request) (purchaseData, bool) {
	me := c.requireViewer(w, r, r.URL.Path)
	if me == nil {
		return purchaseData{}, false
	}
	o, err := c.cfg.Catalog.GetOffer(r.Context(), me.ID, r.PathValue("id"))
	if fault.Is(err, fault.NotFound) {
		c.errorPage(w, r, http.StatusNotFound, "Offer not found",
			"There is no offer for your account at this address. Check that you are signed in with the account the seller made the offer to.")
		return purchaseData{}, false
	}
	if err != nil {
		c.fail(w, r, err)
		return purchaseData{}, false
	}
	p, err := c.cfg.Catalog.GetProduct(r.Context(), o.ProductID)
	if err != nil {
		c.fail(w, r, err)
		return purchaseData{}, false
	}
	return c.purchaseData(w, r, me, p, &o)
}

func (c *Console) purchaseData(w http.ResponseWriter, r *http.Request, me *account.Account, p catalog.Product, o *catalog.Offer) (purchaseData, bool) {
	d := purchaseData{Product: p, Offer: o, Pricing: p.Pricing, Me: me, Values: url.Values{}, Errors: map[string][]string{},
		Action: catalog.PurchasePath(p.Code)}
	if o != nil {
		d.Pricing, d.Action = o.Pricing, catalog.OfferPath(o.ID)
	}
	d.SellerName = c.accountNames()(r.Context(), p.Seller)
	d.tables()
	if me != nil {
		d.IsSeller = me.ID == p.Seller
		cur, err := c.currentSubscription(r, me.ID, p.ID)
		if err != nil {
			c.fail(w, r, err)
			return purchaseData{}, false
		}
		d.Current = cur
	}
	d.ClientToken = newClientToken()
	return d, true
}

// currentSubscription returns the buyer's subscription to a product that
// is not cancelled, or nil.
func (c *Console) currentSubscription(r *http.Request, buyer, productID string) (*subscription.Subscription, error) {
	page, err := c.cfg.Subscriptions.List(r.Context(), buyer, subscription.ListInput{Role: subscription.AsBuyer, ProductID: productID})
	if err != nil {
		return nil, err
	}
	for _, s := range page.Subscriptions {
		if s.Status != subscription.Cancelled {
			return &s, nil
		}
	}
	return nil, nil
}

// tables fills the price tables from the plan.
func (d *purchaseData) tables() {
	pr := d.Pricing
	for _, t := range d.Product.InstanceTypes {
		row := priceRow{InstanceType: t}
		row.Hourly, row.HasHourly = pr.Hourly[t]
		row.Annual, row.HasAnnual = pr.Annual[t]
		d.HasHourly = d.HasHourly || row.HasHourly
		d.HasAnnual = d.HasAnnual || row.HasAnnual
		d.Types = append(d.Types, row)
	}
	if pr.Contract == nil {
		return
	}
	prices := func(m map[catalog.Duration]money.Amount) []durationPrice {
		out := make([]durationPrice, 0, len(pr.Contract.Durations))
		for _, dur := range pr.Contract.Durations {
			a, ok := m[dur]
			out = append(out, durationPrice{Duration: dur, Price: a, Sold: ok})
		}
		return out
	}
	for _, dim := range pr.Contract.Dimensions {
		if dim.Type != catalog.Tiered {
			d.ContractRows = append(d.ContractRows, contractRow{Dimension: dim.Name, Unit: dim.Unit, Prices: prices(dim.Price)})
			continue
		}
		tiers := make([]string, 0, len(dim.Tiers))
		for t := range dim.Tiers {
			tiers = append(tiers, t)
		}
		sort.Strings(tiers)
		for _, t := range tiers {
			d.ContractRows = append(d.ContractRows, contractRow{Dimension: dim.Name, Tier: t, Prices: prices(dim.Tiers[t])})
			d.Tiers = append(d.Tiers, t)
		}
	}
}

func (c *Console) renderPurchase(w http.ResponseWriter, r *http.Request, status int, d purchaseData) {
	title := d.Product.Name
	if d.Offer != nil {
		title = "Private offer: " + title
	}
	c.render(w, r, status, "purchase", view{Title: title, Me: d.Me, Data: d})
}

func (c *Console) subscribe(w http.ResponseWriter, r *http.Request) {
	if c.requireViewer(w, r, r.URL.Path) == nil || !c.parseForm(w, r) {
		return
	}
	d, ok := c.purchaseProduct(w, r)
	if ok {
		c.signUp(w, r, d)
	}
}

func (c *Console) subscribeOffer(w http.ResponseWriter, r *http.Request) {
	if !c.parseForm(w, r) {
		return
	}
	d, ok := c.purchaseOffer(w, r)
	if ok {
		c.signUp(w, r, d)
	}
}

// signUp subscribes the viewer with the form's choices; on success it sends
// the browser to the subscriptions page, otherwise it shows the purchase
// page again with the errors and the values entered.
func (c *Console) signUp(w http.ResponseWriter, r *http.Request, d purchaseData) {
	d.Values = r.PostForm
	in := d.subscribeInput(r.PostForm)
	if len(d.Errors) == 0 {
		sub, err := c.cfg.Subscriptions.Subscribe(r.Context(), d.Me.ID, in)
		if err == nil {
			http.Redirect(w, r, "/console/subscriptions?subscribed="+url.QueryEscape(sub.ID), http.StatusSeeOther)
			return
		}
		if k := fault.KindOf(err); k != fault.Invalid && k != fault.Conflict && k != fault.Forbidden && k != fault.NotFound {
			c.fail(w, r, err)
			return
		}
		d.showErrors(err)
	}
	c.renderPurchase(w, r, http.StatusUnprocessableEntity, d)
}

// subscribeInput reads the form's choices.
func (d *purchaseData) subscribeInput(form url.Values) subscription.SubscribeInput {
	in := subscription.SubscribeInput{ProductCode: d.Product.Code, ClientToken: form.Get("client_token")}
	if d.Offer != nil {
		in.OfferID = d.Offer.ID
	}
	if d.Pricing.Contract != nil {
		ci := &subscription.ContractInput{Duration: form.Get("duration"), Tier: form.Get("tier"), Quantities: map[string]int64{}}
		for _, dim := range d.Configurable() {
			if n, ok := d.quantity(form, "qty."+dim.Name); ok && n > 0 {
				ci.Quantities[dim.Name] = n
			}
		}
		in.Contract = ci
		return in
	}
	for _, t := range d.AnnualTypes() {
		if n, ok := d.quantity(form, "annual."+t.InstanceType); ok && n > 0 {
			if in.Annual == nil {
				in.Annual = map[string]int64{}
			}
			in.Annual[t.InstanceType] = n
		}
	}
	return in
}

// quantity reads a whole number of at least 0 from a quantity input; empty
// is 0.
func (d *purchaseData) quantity(form url.Values, input string) (int64, bool) {
	s := strings.TrimSpace(form.Get(input))
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		d.addError(input, input, "must be a whole number, 0 or more")
		return 0, false
	}
	return n, true
}

func (d *purchaseData) addError(input, label, message string) {
	d.Errors[input] = append(d.Errors[input], message)
	d.Summary = append(d.Summary, fieldMessage{Input: input, Label: label, Message: message})
}

// showErrors places a sign-up's errors: field errors next to their inputs
// (Annual.<type>, Contract.Quantities.<dimension>, Contract.Duration,
// Contract.Tier), and anything else at the top.
func (d *purchaseData) showErrors(err error) {
	fe := fault.As(err)
	if len(fe.Fields) == 0 {
		d.Summary = append(d.Summary, fieldMessage{Message: fe.Message})
		return
	}
	for _, f := range fe.Fields {
		input, label := "", f.Field
		switch {
		case strings.HasPrefix(f.Field, "Annual."):
			t := strings.TrimPrefix(f.Field, "Annual.")
			input, label = "annual."+t, "Annual subscriptions of "+t
		case strings.HasPrefix(f.Field, "Contract.Quantities."):
			dim := strings.TrimPrefix(f.Field, "Contract.Quantities.")
			input, label = "qty."+dim, dim
		case f.Field == "Contract.Duration":
			input, label = "duration", "Duration"
		case f.Field == "Contract.Tier":
			input, label = "tier", "Tier"
		}
		if input != "" {
			d.Errors[input] = append(d.Errors[input], f.Message)
		}
		d.Summary = append(d.Summary, fieldMessage{Input: input, Label: label, Message: f.Message})
	}
}

// newClientToken makes the form's client token: a sign-up posted twice (a
// double click, a reload) is one sign-up.
func newClientToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return "console-" + hex.EncodeToString(b)
}

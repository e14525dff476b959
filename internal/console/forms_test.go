package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/subscription"
)

// TestPurchaseForm: the purchase form's mistakes are shown next to their
// inputs with what was typed; a sign-up posted twice is one sign-up; once
// subscribed, the page says so instead of selling again; the seller is not
// offered its own product.
func TestPurchaseForm(t *testing.T) {
	w := newWorld(t)
	buyer, product := w.demo.Buyer, w.demo.ImageProduct
	path := catalog.PurchasePath(product.Code)
	c := w.client(t)
	c.signIn(buyer.Account.ID, buyer.Password)

	for _, tc := range []struct {
		qty, want string
	}{
		{"-1", "must be a whole number, 0 or more"},
		{"two", "must be a whole number, 0 or more"},
		{"99999999999", "annual subscriptions"}, // the service's limit
	} {
		r := c.post(path, url.Values{"annual.m5.large": {tc.qty}, "client_token": {"t-" + tc.qty}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, tc.want) ||
			!strings.Contains(r.body, `value="`+tc.qty+`"`) {
			t.Errorf("quantity %q: status %d; want 422, %q and the value kept", tc.qty, r.status, tc.want)
		}
		if !regexp.MustCompile(`(?s)name="annual.m5.large"[^>]*>\s*<p class="field-error">`).MatchString(r.body) {
			t.Errorf("quantity %q: the error is not next to its input", tc.qty)
		}
	}

	form := url.Values{"annual.m5.large": {"1"}, "annual.m5.xlarge": {"0"}, "client_token": {"console-twice"}}
	first, second := c.post(path, form), c.post(path, form)
	if first.status != http.StatusSeeOther || second.header.Get("Location") != first.header.Get("Location") {
		t.Fatalf("posting twice: %d to %q, then %d to %q; want the same sign-up", first.status, first.header.Get("Location"),
			second.status, second.header.Get("Location"))
	}
	page, err := w.app.Subscriptions.List(t.Context(), buyer.Account.ID, subscription.ListInput{})
	if err != nil || len(page.Subscriptions) != 1 || page.Subscriptions[0].Annual["m5.large"] != 1 || len(page.Subscriptions[0].Annual) != 1 {
		t.Fatalf("after posting twice the buyer has %+v, %v; want one subscription with 1 annual m5.large", page.Subscriptions, err)
	}
	sub := page.Subscriptions[0]
	list := c.get(first.header.Get("Location"))
	if !strings.Contains(list.body, `id="subscribed-notice"`) || !strings.Contains(list.body, sub.ID) || !strings.Contains(list.body, "$3,000.00") {
		t.Errorf("the subscriptions page after signing up lacks the notice, the subscription or its charge:\n%s", list.body)
	}
	again := c.get(path)
	if !strings.Contains(again.body, "You are subscribed") || strings.Contains(again.body, `id="subscribe-form"`) {
		t.Error("the purchase page of a product the buyer has offers it again")
	}

	s := w.client(t)
	s.signIn(w.demo.Seller.Account.ID, w.demo.Seller.Password)
	if r := s.get(path); !strings.Contains(r.body, "This is your product") || strings.Contains(r.body, `id="subscribe-form"`) {
		t.Error("the seller is offered its own product")
	}

	// A cancellation through the page.
	r := c.post("/console/subscriptions/"+sub.ID+"/cancel", url.Values{})
	if r.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", r.status)
	}
	if got, _ := w.app.Subscriptions.Get(t.Context(), buyer.Account.ID, sub.ID); got.Status != subscription.Cancelled {
		t.Errorf("after the cancel button the subscription is %s", got.Status)
	}
	if r := c.get(r.header.Get("Location")); !strings.Contains(r.body, `id="cancelled-notice"`) || strings.Contains(r.body, `>Cancel</button>`) {
		t.Error("after cancelling, the page lacks the notice or still offers to cancel")
	}
}

// TestRegistrationForm: a good form registers the product and shows its
// page; "Add more rows" keeps what was typed and adds rows.
func TestRegistrationForm(t *testing.T) {
	w := newWorld(t)
	c := w.client(t)
	c.signIn(w.demo.Seller.Account.ID, w.demo.Seller.Password)

	more := c.post("/console/products/new", url.Values{"Name": {"Keep me"}, "type.3.name": {"m5.large"}, "action": {"more"}})
	if more.status != 200 || !strings.Contains(more.body, `value="Keep me"`) || !strings.Contains(more.body, `name="type.5.name"`) ||
		strings.Contains(more.body, `name="type.6.name"`) || !strings.Contains(more.body, `name="type.3.name" value="m5.large"`) {
		t.Errorf("add more rows: status %d; want the values kept and 6 instance-type rows", more.status)
	}

	r := c.post("/console/products/new", url.Values{"Name": {"Widget Server"}, "Kind": {"paid-image"}, "Description": {"Widgets."},
		"type.0.name": {"m5.large"}, "type.0.hourly": {"0.25"}, "SignUpFee": {"5"}, "action": {"create"}})
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !regexp.MustCompile(`^/console/products/prod-[0-9a-f]{17}\?created=1$`).MatchString(loc) {
		t.Fatalf("register: status %d to %q\n%s", r.status, loc, r.body)
	}
	page := c.get(loc)
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/console/products/"), "?created=1")
	p, err := w.app.Catalog.GetProduct(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Your product is registered", p.Code, p.Token, w.url + catalog.PurchasePath(p.Code), "Widget Server", "$5.00"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the new product's page lacks %q", want)
		}
	}
	if list := c.get("/console/products"); !strings.Contains(list.body, p.ID) {
		t.Error("the product list lacks the new product")
	}
}

package console_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/chromedp/chromedp"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/subscription"
)

// The browser tests: headless Chromium drives the console as a person
// would. They run when TOLLGATE_TEST_CHROMIUM names the browser, and keep
// screenshots in TOLLGATE_SCREENSHOTS.

// TestBrowserBuyerSubscribes: the demo buyer opens the purchase URL of the
// demo seller's paid image, signs in from it, subscribes with annual
// subscriptions, and is entitled at once; cancelling through the native API
// (DELETE /v1/subscriptions/ID, signed with the buyer's access key) ends the
// entitlement at once.
func TestBrowserBuyerSubscribes(t *testing.T) {
	ctx := chromium(t)
	w := newWorld(t)
	buyer, product := w.demo.Buyer, w.demo.ImageProduct
	purchaseURL := w.url + catalog.PurchasePath(product.Code)

	step(t, ctx, "open the purchase URL", chromedp.Navigate(purchaseURL), chromedp.WaitVisible(chromedp.CSS("#signin-to-buy")))
	if got := text(t, ctx, "#product-name"); got != product.Name {
		t.Errorf("purchase page names %q, want %q", got, product.Name)
	}
	if got := text(t, ctx, "#seller-name"); got != w.demo.Seller.Account.Name {
		t.Errorf("purchase page names the seller %q, want %q", got, w.demo.Seller.Account.Name)
	}
	table := text(t, ctx, "#price-table")
	for _, want := range []string{"m5.large", "$0.50", "$3,000.00", "m5.xlarge", "$1.00", "$6,000.00"} {
		if !strings.Contains(table, want) {
			t.Errorf("price table lacks %q:\n%s", want, table)
		}
	}
	screenshot(t, ctx, "purchase-signed-out")

	step(t, ctx, "follow the sign-in link", chromedp.Click(chromedp.CSS("#signin-to-buy")))
	browserSignIn(t, ctx, buyer.Account.ID, buyer.Password)
	if got := location(t, ctx); got != purchaseURL {
		t.Fatalf("after signing in the browser is at %s, want back at %s", got, purchaseURL)
	}
	step(t, ctx, "choose 2 annual m5.large",
		chromedp.WaitVisible(chromedp.CSS("#subscribe-form")),
		chromedp.SetValue(chromedp.CSS(`input[name="annual.m5.large"]`), "2"))
	screenshot(t, ctx, "purchase")

	check := func() subscription.Decision {
		t.Helper()
		d, err := w.app.Subscriptions.Checker().Check(t.Context(), subscription.Query{Account: buyer.Account.ID,
			ProductCode: product.Code, InstanceType: "m5.large", At: w.app.Clock.Now()})
		if err != nil {
			t.Fatalf("entitlement check: %v", err)
		}
		return d
	}
	if d := check(); d.Entitled {
		t.Fatalf("entitled before subscribing: %+v", d)
	}

	step(t, ctx, "subscribe", chromedp.Click(chromedp.CSS("#subscribe")), chromedp.WaitVisible(chromedp.CSS("#subscribed-notice")))
	if got := text(t, ctx, "#subscribed-notice"); !strings.Contains(got, product.Name) {
		t.Errorf("the confirmation reads %q, want the product's name", got)
	}
	screenshot(t, ctx, "subscriptions")

	d := check()
	if !d.Entitled {
		t.Fatalf("not entitled after subscribing: %+v", d)
	}
	sub, err := w.app.Subscriptions.Get(t.Context(), buyer.Account.ID, d.SubscriptionID)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != subscription.Active || sub.Annual["m5.large"] != 2 || len(sub.Annual) != 1 {
		t.Errorf("the subscription is %s with annual %v; want active with 2 m5.large", sub.Status, sub.Annual)
	}

	cancelThroughAPI(t, w.url+"/v1/subscriptions/"+sub.ID, buyer.Key.ID, buyer.Key.Secret)
	if d := check(); d.Entitled {
		t.Errorf("still entitled right after cancelling: %+v", d)
	}
	step(t, ctx, "reload the subscriptions", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#subscriptions")))
	if got := text(t, ctx, "#"+sub.ID); !strings.Contains(strings.ToLower(got), "cancelled") {
		t.Errorf("the subscriptions page shows %q for the cancelled subscription", got)
	}
}

// TestBrowserRegistrationErrors: a seller's registration form with three
// mistakes shows each next to its field, keeps what was typed, and a
// corrected form registers the product.
func TestBrowserRegistrationErrors(t *testing.T) {
	ctx := chromium(t)
	w := newWorld(t)
	seller := w.demo.Seller

	step(t, ctx, "open the registration form", chromedp.Navigate(w.url+"/console/products/new"))
	browserSignIn(t, ctx, seller.Account.ID, seller.Password)
	step(t, ctx, "fill it in with mistakes",
		chromedp.WaitVisible(chromedp.CSS("#Name")),
		chromedp.SendKeys(chromedp.CSS("#Description"), "Kept as typed."),
		chromedp.SendKeys(chromedp.CSS(`input[name="type.0.name"]`), "m5.large"),
		chromedp.SendKeys(chromedp.CSS(`input[name="type.0.hourly"]`), "0.5.0"),
		chromedp.SendKeys(chromedp.CSS(`input[name="type.1.name"]`), "m5.xlarge"),
		chromedp.SendKeys(chromedp.CSS(`input[name="type.1.hourly"]`), "1.00"),
		chromedp.SendKeys(chromedp.CSS(`input[name="type.1.annual"]`), "-6000"),
		chromedp.Click(chromedp.CSS(`button[value="create"]`)),
		chromedp.WaitVisible(chromedp.CSS(".error-summary")),
	)
	screenshot(t, ctx, "registration-errors")
	summary := text(t, ctx, ".error-summary")
	if !strings.Contains(summary, "things need fixing") {
		t.Errorf("the summary reads %q, want several errors", summary)
	}
	// Each error is next to its field.
	for sel, want := range map[string]string{
		"#Name":                       "required",
		`input[name="type.0.hourly"]`: "decimal",
		`input[name="type.1.annual"]`: "negative",
		`input[name="type.0.annual"]`: "annual price",
	} {
		if got := text(t, ctx, sel+" ~ .field-error"); !strings.Contains(got, want) {
			t.Errorf("the error next to %s reads %q, want %q in it", sel, got, want)
		}
	}
	if n := strings.Count(summary, "\n"); n < 4 {
		t.Errorf("the summary lists %d lines, want the heading and 4 errors:\n%s", n, summary)
	}
	got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#Description")))
	if err != nil || got != "Kept as typed." {
		t.Errorf("the description after the errors is %q (%v), want it kept", got, err)
	}

	step(t, ctx, "correct the mistakes",
		chromedp.SendKeys(chromedp.CSS("#Name"), "Registered Through The Browser"),
		chromedp.SetValue(chromedp.CSS(`input[name="type.0.hourly"]`), "0.50"),
		chromedp.SetValue(chromedp.CSS(`input[name="type.0.annual"]`), "3000"),
		chromedp.SetValue(chromedp.CSS(`input[name="type.1.annual"]`), "6000"),
		chromedp.Click(chromedp.CSS(`button[value="create"]`)),
		chromedp.WaitVisible(chromedp.CSS("#product-code")),
	)
	screenshot(t, ctx, "product")
	code := text(t, ctx, "#product-code")
	p, err := w.app.Catalog.ProductByCode(t.Context(), code)
	if err != nil || p.Name != "Registered Through The Browser" || p.Seller != seller.Account.ID {
		t.Fatalf("the product page's code %q finds %+v, %v", code, p, err)
	}
	if got := text(t, ctx, "#purchase-url"); got != w.url+catalog.PurchasePath(code) {
		t.Errorf("purchase URL %q, want %q", got, w.url+catalog.PurchasePath(code))
	}
}

// TestBrowserContract: a buyer chooses a contract's term, quantities and
// tier on its purchase page, and gets what it chose.
func TestBrowserContract(t *testing.T) {
	ctx := chromium(t)
	w := newWorld(t)
	buyer := w.demo.Buyer
	p, err := w.app.Catalog.CreateProduct(t.Context(), w.demo.Seller.Account.ID, catalog.CreateProductInput{
		Name: "Acme Seats", Kind: "contract", Description: "Analytics seats, sold by the year or the month.",
		Pricing: catalog.PricingInput{SignUpFee: "25.00", Contract: &catalog.ContractPricingInput{Durations: []string{"P1M", "P12M"},
			Dimensions: []catalog.ContractDimensionInput{
				{Name: "Seats", Unit: "Count", Type: "Configurable", Price: map[string]string{"P1M": "10.00", "P12M": "100.00"}},
				{Name: "Edition", Type: "Tiered", Tiers: map[string]map[string]string{
					"BasicTier": {"P1M": "0.00", "P12M": "0.00"}, "ProfessionalTier": {"P1M": "60.00", "P12M": "500.00"}}},
			}}}})
	if err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "open the contract's purchase URL", chromedp.Navigate(w.url+catalog.PurchasePath(p.Code)),
		chromedp.Click(chromedp.CSS("#signin-to-buy")))
	browserSignIn(t, ctx, buyer.Account.ID, buyer.Password)
	table := text(t, ctx, "#contract-table")
	for _, want := range []string{"Seats", "$10.00", "$100.00", "ProfessionalTier", "$500.00", "12 months"} {
		if !strings.Contains(strings.ToLower(table), strings.ToLower(want)) {
			t.Errorf("contract table lacks %q:\n%s", want, table)
		}
	}
	step(t, ctx, "choose 12 months, 3 seats, the professional tier",
		chromedp.SetValue(chromedp.CSS("#duration"), "P12M"),
		chromedp.SetValue(chromedp.CSS(`input[name="qty.Seats"]`), "3"),
		chromedp.SetValue(chromedp.CSS("#tier"), "ProfessionalTier"))
	screenshot(t, ctx, "purchase-contract")
	step(t, ctx, "subscribe", chromedp.Click(chromedp.CSS("#subscribe")), chromedp.WaitVisible(chromedp.CSS("#subscribed-notice")))

	d, err := w.app.Subscriptions.Checker().Check(t.Context(), subscription.Query{Account: buyer.Account.ID, ProductCode: p.Code, At: w.app.Clock.Now()})
	if err != nil || !d.Entitled {
		t.Fatalf("entitlement after the contract sign-up: %+v, %v", d, err)
	}
	sub, err := w.app.Subscriptions.Get(t.Context(), buyer.Account.ID, d.SubscriptionID)
	if err != nil {
		t.Fatal(err)
	}
	if c := sub.Contract; c == nil || c.Duration != "P12M" || c.Quantities["Seats"] != 3 || c.Tier != "ProfessionalTier" || sub.LicenseArn == "" {
		t.Errorf("the contract bought: %+v, license %q; want P12M, 3 Seats, ProfessionalTier and a license", sub.Contract, sub.LicenseArn)
	}
}

// TestBrowserPages: the pages not covered above render in the browser,
// each with its heading, for the screenshots.
func TestBrowserPages(t *testing.T) {
	ctx := chromium(t)
	w := newWorld(t)
	seller, buyer := w.demo.Seller, w.demo.Buyer
	offer, err := w.app.Catalog.CreateOffer(t.Context(), seller.Account.ID, catalog.CreateOfferInput{
		ProductID: w.demo.ImageProduct.ID, Buyers: []string{buyer.Account.ID}, DurationMonths: 24,
		Pricing: catalog.PricingInput{
			Hourly: map[string]string{"t3.medium": "0.08", "m5.large": "0.40", "m5.xlarge": "0.80"},
			Annual: map[string]string{"t3.medium": "500.00", "m5.large": "2500.00", "m5.xlarge": "5000.00"}},
		Installments: []catalog.InstallmentInput{{DueAfterMonths: 0, Amount: "2500.00"}, {DueAfterMonths: 12, Amount: "2500.00"}}})
	if err != nil {
		t.Fatal(err)
	}

	step(t, ctx, "open the sign-in page", chromedp.Navigate(w.url+"/console/"), chromedp.WaitVisible(chromedp.CSS("#account")))
	screenshot(t, ctx, "signin")
	step(t, ctx, "sign in with a wrong password",
		chromedp.SendKeys(chromedp.CSS("#account"), buyer.Account.ID),
		chromedp.SendKeys(chromedp.CSS("#password"), "not the password"),
		chromedp.Click(chromedp.CSS("form.form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".error-summary")))
	if got := text(t, ctx, ".error-summary"); got != "The account ID or the password is wrong." {
		t.Errorf("wrong password: %q", got)
	}
	screenshot(t, ctx, "signin-error")
	step(t, ctx, "clear the form", chromedp.Clear(chromedp.CSS("#account")))
	browserSignIn(t, ctx, buyer.Account.ID, buyer.Password)
	if got := text(t, ctx, "h1"); got != "Welcome, "+buyer.Account.Name {
		t.Errorf("home heading %q", got)
	}
	screenshot(t, ctx, "home")

	step(t, ctx, "open the private offer", chromedp.Navigate(w.url+catalog.OfferPath(offer.ID)), chromedp.WaitVisible(chromedp.CSS("#subscribe-form")))
	if got := text(t, ctx, "#price-table"); !strings.Contains(got, "$2,500.00") || !strings.Contains(got, "$0.40") {
		t.Errorf("the offer's price table shows %q, want the offer's prices", got)
	}
	screenshot(t, ctx, "offer")

	step(t, ctx, "open a page that does not exist", chromedp.Navigate(w.url+"/console/no-such-page"), chromedp.WaitVisible(chromedp.CSS(".error-page")))
	screenshot(t, ctx, "not-found")

	step(t, ctx, "sign out", chromedp.Click(chromedp.CSS(".who button")), chromedp.WaitVisible(chromedp.CSS("#account")))
	browserSignIn(t, ctx, seller.Account.ID, seller.Password)
	step(t, ctx, "open the product list", chromedp.Navigate(w.url+"/console/products"), chromedp.WaitVisible(chromedp.CSS("table")))
	if got := text(t, ctx, "table"); !strings.Contains(got, w.demo.ImageProduct.Name) {
		t.Errorf("the seller's products: %q", got)
	}
	screenshot(t, ctx, "products")
	step(t, ctx, "open the empty registration form", chromedp.Navigate(w.url+"/console/products/new"), chromedp.WaitVisible(chromedp.CSS("#Name")))
	screenshot(t, ctx, "registration")
}

// cancelThroughAPI cancels a subscription with the native API, as a client
// would: DELETE signed with SigV4 for the service tollgate.
func cancelThroughAPI(t *testing.T, url, keyID, secret string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodDelete, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	const emptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, req, emptyBodyHash, "tollgate", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("DELETE %s: %v", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("DELETE %s: HTTP %d: %s", url, res.StatusCode, body)
	}
	if !strings.Contains(string(body), `"cancelled"`) {
		t.Errorf("DELETE %s answered %s, want the cancelled subscription", url, body)
	}
}

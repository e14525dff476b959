package main

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/examples/internal/demoserver"
	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/subscription"
)

// world is a strict-auth Tollgate with its metadata listener, in process,
// where a buyer runs an instance of a seller's paid image with an instance
// profile, and holds a contract for the seller's software.
type world struct {
	app      *app.App
	url      string // the AWS APIs
	metadata string // the instance's metadata endpoint
	instance string
	buyer    string
	code     string // the image's product code
	sku      string // the contract's product SKU
}

func newWorld(t *testing.T) world {
	t.Helper()
	ctx := t.Context()
	a, err := app.Open(ctx, app.Config{Store: store.Config{DataDir: t.TempDir()}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("start Tollgate: %v", err)
	}
	srv, md := httptest.NewServer(a.Handler), httptest.NewServer(a.Metadata)
	t.Cleanup(func() {
		md.Close()
		srv.Close()
		a.Close()
	})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	seller, _, err := a.Accounts.Create(ctx, account.CreateAccountInput{Name: "seller"})
	must(err)
	buyer, _, err := a.Accounts.Create(ctx, account.CreateAccountInput{Name: "buyer"})
	must(err)
	paid, err := a.Catalog.CreateProduct(ctx, seller.ID, catalog.CreateProductInput{Name: "Analytics AMI", Kind: string(catalog.PaidImage),
		InstanceTypes: []string{"m5.large"}, Pricing: catalog.PricingInput{Hourly: map[string]string{"m5.large": "0.50"}}})
	must(err)
	contract, err := a.Catalog.CreateProduct(ctx, seller.ID, catalog.CreateProductInput{Name: "Analytics seats", Kind: string(catalog.Contract),
		Pricing: catalog.PricingInput{Contract: &catalog.ContractPricingInput{Durations: []string{"P1M"},
			Dimensions: []catalog.ContractDimensionInput{{Name: "Seats", Unit: "Count", Type: "Configurable", Floating: true,
				Price: map[string]string{"P1M": "10.00"}}}}}})
	must(err)
	img, err := a.Images.Register(ctx, seller.ID, image.RegisterInput{Name: "analytics 1.0"})
	must(err)
	must(a.Images.ModifyAttribute(ctx, seller.ID, img.ID, image.ModifyInput{ProductCodes: []string{paid.Code}}))
	must(a.Images.ModifyAttribute(ctx, seller.ID, img.ID, image.ModifyInput{Add: []image.Permission{{UserID: buyer.ID}}}))
	_, err = a.Subscriptions.Subscribe(ctx, buyer.ID, subscription.SubscribeInput{ProductCode: paid.Code})
	must(err)
	_, err = a.Subscriptions.Subscribe(ctx, buyer.ID, subscription.SubscribeInput{ProductCode: contract.Code,
		Contract: &subscription.ContractInput{Duration: "P1M", Quantities: map[string]int64{"Seats": 1}}})
	must(err)
	insts, err := a.Instances.Run(ctx, buyer.ID, compute.RunInput{ImageID: img.ID, InstanceType: "m5.large", MinCount: 1, MaxCount: 1,
		Region: "us-east-1", Profile: compute.ProfileRequest{Name: "seller-app"}})
	must(err)
	endpoint, err := a.Metadata.Endpoint(ctx, md.URL, insts[0].ID)
	must(err)
	// Nothing but the metadata endpoint, Tollgate's URL and the region:
	// the default chain must fall through to the metadata service.
	demoserver.UseEnv(t, map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint, "AWS_ENDPOINT_URL": srv.URL,
		"AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "false"})
	return world{app: a, url: srv.URL, metadata: endpoint, instance: insts[0].ID, buyer: buyer.ID, code: paid.Code, sku: contract.ID}
}

func (w world) options() options {
	return options{productCode: w.code, sku: w.sku, fingerprint: w.app.Licenses.MarketplaceFingerprint(), entitlement: "Seats"}
}

// TestRun runs the example as the README does, inside an instance: it reads
// the product codes, acts as the instance's role of the buyer, and checks
// the buyer's one seat out and in again, which leaves it free for the next
// run.
func TestRun(t *testing.T) {
	w := newWorld(t)
	want := regexp.MustCompile(`^instance ` + w.instance + ` runs with product code ` + w.code + `
acting as arn:aws:sts::\d{12}:assumed-role/seller-app/` + w.instance + `
checked out 1 Seats of arn:aws:license-manager::\d{12}:license:l-[0-9a-f]+
checked in
$`)
	for i := range 3 {
		var out strings.Builder
		if err := run(t.Context(), w.options(), &out); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if !want.MatchString(out.String()) {
			t.Fatalf("run %d printed:\n%s\nwant it to match %s", i+1, out.String(), want)
		}
	}
}

// TestRunRefused: software built for another product code stops before it
// checks anything out, and in a terminated instance there is no metadata
// to read.
func TestRunRefused(t *testing.T) {
	w := newWorld(t)
	o := w.options()
	o.productCode = "someothercode00000000"
	var out strings.Builder
	if err := run(t.Context(), o, &out); err == nil || !strings.Contains(err.Error(), "does not run with product code") || out.Len() != 0 {
		t.Errorf("another product code: err %v, printed %q", err, out.String())
	}
	if _, err := w.app.Instances.Terminate(t.Context(), w.buyer, []string{w.instance}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(t.Context(), w.options(), &out); err == nil || !strings.Contains(err.Error(), "metadata service") || out.Len() != 0 {
		t.Errorf("a terminated instance: err %v, printed %q", err, out.String())
	}
}

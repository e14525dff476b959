package console_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/money"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/subscription"
)

// The purchase page's speed in a full store: 10,000 products and 100,000
// subscriptions, a tenth of them to the page's own product. Reported: the
// median and the 99th percentile of the server's time per page (the whole
// handler, middleware included), for a visitor who is not signed in and for
// a signed-in buyer, whose page also looks up the buyer's own subscription.
//
//	go test ./internal/console/ -run '^$' -bench BenchmarkPurchasePage -benchtime 2000x
const (
	benchProducts      = 10_000
	benchSubscriptions = 100_000
	benchBuyers        = 10_000
)

func BenchmarkPurchasePage(b *testing.B) {
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{Store: store.Config{DataDir: b.TempDir()},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	start := time.Now()
	target, buyer := seedBenchStore(b, a)
	b.Logf("seeded %d products and %d subscriptions in %s", benchProducts, benchSubscriptions, time.Since(start).Round(time.Second))

	path := catalog.PurchasePath(target.Code)
	token, _, err := a.Accounts.SignIn(ctx, account.SignInInput{AccountID: buyer.ID, Password: benchPassword})
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name   string
		cookie string
	}{{"anonymous", ""}, {"signed-in", token}} {
		b.Run(v.name, func(b *testing.B) {
			durations := make([]time.Duration, 0, b.N)
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				if v.cookie != "" {
					req.AddCookie(&http.Cookie{Name: "tollgate_session", Value: v.cookie})
				}
				rec := httptest.NewRecorder()
				t0 := time.Now()
				a.Handler.ServeHTTP(rec, req)
				durations = append(durations, time.Since(t0))
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), target.Name) {
					b.Fatalf("GET %s: %d", path, rec.Code)
				}
			}
			slices.Sort(durations)
			b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

const benchPassword = "a password for benchmarks"

// seedBenchStore fills the store: benchProducts paid-image products from
// 100 sellers, and benchSubscriptions subscriptions from benchBuyers
// buyers, each subscribed to ten products, one of them the product it
// returns; it returns that product and one of its buyers, with a console
// password. Only that buyer and the sellers are accounts: the page never
// reads the other buyers'.
func seedBenchStore(b *testing.B, a *app.App) (catalog.Product, account.Account) {
	ctx := context.Background()
	sellers := make([]account.Account, 100)
	for i := range sellers {
		sellers[i] = benchAccount(b, a, fmt.Sprintf("Seller %d", i))
	}
	viewer := benchAccount(b, a, "Buyer")
	if err := a.Accounts.SetPassword(ctx, account.SetPasswordInput{AccountID: viewer.ID, Password: benchPassword}); err != nil {
		b.Fatal(err)
	}
	products := make([]catalog.Product, benchProducts)
	for i := range products {
		p, err := a.Catalog.CreateProduct(ctx, sellers[i%len(sellers)].ID, catalog.CreateProductInput{
			Name: fmt.Sprintf("Product %d", i), Kind: string(catalog.PaidImage), Description: "A product in a full store.",
			InstanceTypes: []string{"m5.large", "m5.xlarge"},
			Pricing: catalog.PricingInput{
				Hourly: map[string]string{"m5.large": "0.50", "m5.xlarge": "1.00"},
				Annual: map[string]string{"m5.large": "3000.00", "m5.xlarge": "6000.00"},
			}})
		if err != nil {
			b.Fatal(err)
		}
		products[i] = p
	}
	const target = benchProducts / 2
	buyerID := func(n int) string {
		if n == 0 {
			return viewer.ID
		}
		return fmt.Sprintf("9%011d", n)
	}
	subs := a.DB.Subscriptions()
	now := a.Clock.Now().UTC()
	const batch = 1000
	for first := 0; first < benchSubscriptions; first += batch {
		err := subs.Update(ctx, func(tx subscription.Tx) error {
			for i := first; i < first+batch; i++ {
				// Buyer n's k-th subscription: the target product for k 0,
				// nine others for k 1 to 9, all different.
				n, k := i%benchBuyers, i/benchBuyers
				idx := target
				if k > 0 {
					idx = (n*13 + k*997) % benchProducts
					if idx >= target {
						idx = (idx + 1) % benchProducts
					}
				}
				p := products[idx]
				s := subscription.Subscription{
					ID: fmt.Sprintf("sub-%017x", i), Buyer: buyerID(n), Seller: p.Seller,
					ProductID: p.ID, ProductCode: p.Code, Kind: p.Kind, Status: subscription.Active,
					PriceVersion: 1, Annual: map[string]int64{"m5.large": 1}, StartedAt: now,
					TermEndsAt: now.AddDate(1, 0, 0), CreatedAt: now, UpdatedAt: now,
				}
				if err := tx.PutSubscription(s); err != nil {
					return err
				}
				if err := tx.AddCharge(subscription.Charge{ID: fmt.Sprintf("chg-%017x", i), SubscriptionID: s.ID,
					Buyer: s.Buyer, Seller: s.Seller, ProductID: p.ID, ProductCode: p.Code, PriceVersion: 1,
					Kind: subscription.ChargeAnnualFee, Quantity: 1, UnitPrice: money.MustParse("3000"),
					Amount: money.MustParse("3000"), DueAt: now, CreatedAt: now}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return products[target], viewer
}

func benchAccount(b *testing.B, a *app.App, name string) account.Account {
	acct, _, err := a.Accounts.Create(context.Background(), account.CreateAccountInput{Name: name})
	if err != nil {
		b.Fatal(err)
	}
	return acct
}

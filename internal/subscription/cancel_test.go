package subscription_test

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/subscription"
)

// TestCancelRefunds: a cancellation records the refund of the monthly
// fee's unused days, and of annual fees within 48 hours of sign-up, once.
func TestCancelRefunds(t *testing.T) {
	backends(t, testCancelRefunds)
}

func testCancelRefunds(t *testing.T, open backend) {
	april := time.Date(2030, time.April, 1, 0, 0, 0, 0, time.UTC)
	monthly := "monthly fee for March 2030, 18 of 31 days"
	for _, tc := range []struct {
		name   string
		annual bool
		after  time.Duration
		want   []refund
	}{
		{"MonthlySameDay", false, time.Hour, []refund{{"refund of 17 unused of 18 days: " + monthly, "-17.00", day(15), april}}},
		{"MonthlyAWeekLater", false, 6*24*time.Hour - time.Hour, []refund{{"refund of 11 unused of 18 days: " + monthly, "-11.00", day(21), april}}},
		{"MonthlyLastDay", false, 17*24*time.Hour + 11*time.Hour, nil},
		{"MonthlyAfterThePeriod", false, 20 * 24 * time.Hour, nil},
		{"AnnualWithin48Hours", true, 48*time.Hour - time.Second, []refund{
			{"refund within 48 hours of sign-up: annual subscriptions of m5.large", "-6000.00", start, start.AddDate(1, 0, 0)},
			{"refund within 48 hours of sign-up: annual subscriptions of m5.xlarge", "-6000.00", start, start.AddDate(1, 0, 0)},
		}},
		{"AnnualAfter48Hours", true, 48 * time.Hour, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, open)
			in := subscription.SubscribeInput{ProductCode: e.put(hourlyProduct()).Code}
			if tc.annual {
				in = subscription.SubscribeInput{ProductCode: e.put(annualProduct()).Code, Annual: map[string]int64{"m5.large": 2, "m5.xlarge": 1}}
			}
			sub := e.subscribe(buyer, in)
			signUp := e.charges(sub)
			if d := e.check(buyer, sub.ProductCode, ""); !d.Entitled {
				t.Fatalf("before cancelling: %v", d)
			}
			e.clk.Advance(tc.after)
			at := e.clk.Now()
			got, err := e.svc.Cancel(t.Context(), buyer, sub.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := sub
			want.Status, want.CancelledAt, want.UpdatedAt = subscription.Cancelled, at, at
			diff(t, "cancelled subscription", want, got)
			// Access ends at once, on this replica without waiting for the
			// cache's refresh.
			if d := e.check(buyer, sub.ProductCode, ""); d.Entitled {
				t.Errorf("after cancelling: %v", d)
			}

			var wantCharges []subscription.Charge
			for _, r := range tc.want {
				refunded := signUp[len(signUp)-1]
				if tc.annual {
					refunded = signUp[1+len(wantCharges)]
				}
				a := usd(r.amount[1:]).Neg()
				wantCharges = append(wantCharges, subscription.Charge{
					SubscriptionID: sub.ID, Buyer: buyer, Seller: sub.Seller, ProductID: sub.ProductID, ProductCode: sub.ProductCode,
					PriceVersion: 1, Kind: subscription.ChargeRefund, Description: r.desc, Quantity: 1, UnitPrice: a, Amount: a,
					PeriodStart: r.from, PeriodEnd: r.until, DueAt: at, Refunds: refunded.ID, CreatedAt: at,
				})
			}
			diff(t, "charges", append(signUp, wantCharges...), e.charges(sub), ignoreStamps)

			// Cancelling again changes nothing and refunds nothing more.
			e.clk.Advance(time.Minute)
			again, err := e.svc.Cancel(t.Context(), buyer, sub.ID)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "cancelled again", got, again)
			diff(t, "charges after cancelling again", append(signUp, wantCharges...), e.charges(sub), ignoreStamps)
		})
	}
}

type refund struct {
	desc, amount string
	from, until  time.Time
}

func day(n int) time.Time { return time.Date(2030, time.March, n, 0, 0, 0, 0, time.UTC) }

// TestCancelAccess: the buyer and operators cancel; the seller sees the
// subscription but may not cancel it; anyone else is told it does not
// exist.
func TestCancelAccess(t *testing.T) {
	e := newEnv(t, sqlite)
	code := e.put(hourlyProduct()).Code
	sub := e.subscribe(buyer, subscription.SubscribeInput{ProductCode: code})
	_, err := e.svc.Cancel(t.Context(), seller, sub.ID)
	wantKind(t, err, fault.Forbidden)
	_, err = e.svc.Cancel(t.Context(), other, sub.ID)
	wantKind(t, err, fault.NotFound)
	_, err = e.svc.Cancel(t.Context(), buyer, "sub-00000000000000000")
	wantKind(t, err, fault.NotFound)
	if got, err := e.svc.Cancel(t.Context(), operator, sub.ID); err != nil || got.Status != subscription.Cancelled {
		t.Fatalf("operator's cancel: %+v, %v", got, err)
	}
}

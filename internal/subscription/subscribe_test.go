package subscription_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
	"github.com/tollgate/tollgate/internal/subscription"
)

// charge is a charge of sub made at sign-up.
func charge(sub subscription.Subscription, kind subscription.ChargeKind, desc string, qty int64, unit, amount money.Amount, from, until time.Time) subscription.Charge {
	return subscription.Charge{
		SubscriptionID: sub.ID, Buyer: sub.Buyer, Seller: sub.Seller, ProductID: sub.ProductID, ProductCode: sub.ProductCode,
		OfferID: sub.OfferID, PriceVersion: sub.PriceVersion, Kind: kind, Description: desc, Quantity: qty, UnitPrice: unit, Amount: amount,
		PeriodStart: from, PeriodEnd: until, DueAt: sub.StartedAt, CreatedAt: sub.StartedAt,
	}
}

// TestSubscribeCharges: what each kind of sign-up records, charges
// included, to the micro-unit.
func TestSubscribeCharges(t *testing.T) {
	backends(t, testSubscribeCharges)
}

func testSubscribeCharges(t *testing.T, open backend) {
	april := time.Date(2030, time.April, 1, 0, 0, 0, 0, time.UTC)
	trial := trialProduct()
	trial.Pricing.MonthlyFee = usd("30.00") // the first fee is the billing issue's, at the trial's end
	odd := hourlyProduct()
	odd.ID, odd.Code, odd.Pricing.SignUpFee, odd.Pricing.MonthlyFee = "prod-00000000000000009", "odd00000000000000000009", 0, usd("10.00")
	for _, tc := range []struct {
		name    string
		product catalog.Product
		at      time.Time
		in      subscription.SubscribeInput
		// sub edits the expected subscription (active, no term, from the
		// product and the buyer).
		sub     func(s *subscription.Subscription)
		charges func(s subscription.Subscription) []subscription.Charge
	}{
		{"HourlyWithMonthlyFee", hourlyProduct(), start, subscription.SubscribeInput{}, nil,
			func(s subscription.Subscription) []subscription.Charge {
				return []subscription.Charge{
					charge(s, subscription.ChargeSignUpFee, "one-time sign-up fee", 1, usd("10.00"), usd("10.00"), time.Time{}, time.Time{}),
					charge(s, subscription.ChargeMonthlyFee, "monthly fee for March 2030, 18 of 31 days", 1, usd("31.00"), usd("18.00"), start, april),
				}
			}},
		{"ProratedToTheMicroUnit", odd, start, subscription.SubscribeInput{}, nil,
			func(s subscription.Subscription) []subscription.Charge {
				return []subscription.Charge{ // 10 × 18/31 = 5.8064516..., half to even
					charge(s, subscription.ChargeMonthlyFee, "monthly fee for March 2030, 18 of 31 days", 1, usd("10.00"), usd("5.806452"), start, april),
				}
			}},
		{"LastDayOfALeapFebruary", odd, time.Date(2032, time.February, 29, 23, 59, 0, 0, time.UTC), subscription.SubscribeInput{}, nil,
			func(s subscription.Subscription) []subscription.Charge {
				return []subscription.Charge{
					charge(s, subscription.ChargeMonthlyFee, "monthly fee for February 2032, 1 of 29 days", 1, usd("10.00"), usd("0.344828"),
						s.StartedAt, time.Date(2032, time.March, 1, 0, 0, 0, 0, time.UTC)),
				}
			}},
		{"FreeTrial", trial, start, subscription.SubscribeInput{},
			func(s *subscription.Subscription) { s.TrialEndsAt = start.AddDate(0, 0, 14) },
			func(subscription.Subscription) []subscription.Charge { return nil }},
		{"Annual", annualProduct(), start, subscription.SubscribeInput{Annual: map[string]int64{"m5.xlarge": 1, "m5.large": 2}},
			func(s *subscription.Subscription) {
				s.Annual, s.TermEndsAt = map[string]int64{"m5.large": 2, "m5.xlarge": 1}, start.AddDate(1, 0, 0)
			},
			func(s subscription.Subscription) []subscription.Charge {
				end := start.AddDate(1, 0, 0)
				return []subscription.Charge{
					charge(s, subscription.ChargeSignUpFee, "one-time sign-up fee", 1, usd("10.00"), usd("10.00"), time.Time{}, time.Time{}),
					charge(s, subscription.ChargeAnnualFee, "annual subscriptions of m5.large", 2, usd("3000.00"), usd("6000.00"), start, end),
					charge(s, subscription.ChargeAnnualFee, "annual subscriptions of m5.xlarge", 1, usd("6000.00"), usd("6000.00"), start, end),
				}
			}},
		{"AnnualProductBoughtHourly", annualProduct(), start, subscription.SubscribeInput{}, nil,
			func(s subscription.Subscription) []subscription.Charge {
				return []subscription.Charge{
					charge(s, subscription.ChargeSignUpFee, "one-time sign-up fee", 1, usd("10.00"), usd("10.00"), time.Time{}, time.Time{}),
				}
			}},
		{"Contract", contractProduct(), start, subscription.SubscribeInput{Contract: &subscription.ContractInput{Duration: "P12M",
			Quantities: map[string]int64{"Seats": 3, "Storage": 10}, Tier: "ProfessionalTier"}},
			func(s *subscription.Subscription) {
				s.Contract = &subscription.ContractTerms{Duration: "P12M", Quantities: map[string]int64{"Seats": 3, "Storage": 10}, Tier: "ProfessionalTier"}
				s.TermEndsAt = start.AddDate(1, 0, 0)
			},
			func(s subscription.Subscription) []subscription.Charge {
				end := start.AddDate(1, 0, 0)
				return []subscription.Charge{
					charge(s, subscription.ChargeContractFee, "Seats for P12M", 3, usd("100.00"), usd("300.00"), start, end),
					charge(s, subscription.ChargeContractFee, "Storage for P12M", 10, usd("0.50"), usd("5.00"), start, end),
					charge(s, subscription.ChargeContractFee, "ProfessionalTier for P12M", 1, usd("500.00"), usd("500.00"), start, end),
				}
			}},
		{"MonthlyContractNoneOfOneDimension", contractProduct(), start, subscription.SubscribeInput{Contract: &subscription.ContractInput{Duration: "P1M",
			Quantities: map[string]int64{"Seats": 2, "Storage": 0}, Tier: "BasicTier"}},
			func(s *subscription.Subscription) {
				s.Contract = &subscription.ContractTerms{Duration: "P1M", Quantities: map[string]int64{"Seats": 2}, Tier: "BasicTier"}
				s.TermEndsAt = start.AddDate(0, 1, 0)
			},
			func(s subscription.Subscription) []subscription.Charge {
				end := start.AddDate(0, 1, 0)
				return []subscription.Charge{
					charge(s, subscription.ChargeContractFee, "Seats for P1M", 2, usd("10.00"), usd("20.00"), start, end),
					charge(s, subscription.ChargeContractFee, "BasicTier for P1M", 1, usd("0.00"), usd("0.00"), start, end),
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, open)
			e.clk.Set(tc.at)
			p := e.put(tc.product)
			tc.in.ProductCode = p.Code
			got := e.subscribe(buyer, tc.in)

			want := subscription.Subscription{
				ID: got.ID, Buyer: buyer, Seller: p.Seller, ProductID: p.ID, ProductCode: p.Code, Kind: p.Kind, Status: subscription.Active,
				PriceVersion: 1, StartedAt: tc.at, CreatedAt: tc.at, UpdatedAt: tc.at, LicenseArn: got.LicenseArn,
			}
			if tc.sub != nil {
				tc.sub(&want)
			}
			diff(t, "subscription", want, got)
			if (got.Contract != nil) != (got.LicenseArn != "") {
				t.Errorf("contract %v with license %q", got.Contract, got.LicenseArn)
			}
			stored, err := e.svc.Get(t.Context(), buyer, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "stored subscription", got, stored)
			diff(t, "charges", tc.charges(got), e.charges(got), ignoreStamps)
		})
	}
}

// TestSubscribeRefused: sign-ups that break a rule of the product are
// refused with every problem named, and nothing is recorded.
func TestSubscribeRefused(t *testing.T) {
	e := newEnv(t, sqlite)
	annual, contract := e.put(annualProduct()), e.put(contractProduct())
	for _, tc := range []struct {
		name string
		in   subscription.SubscribeInput
		kind fault.Kind
		want []string // field errors, for Invalid
	}{
		{"UnknownCode", subscription.SubscribeInput{ProductCode: "nosuchcode123"}, fault.NotFound, nil},
		{"AnnualOfAnUnpricedType", subscription.SubscribeInput{ProductCode: annual.Code, Annual: map[string]int64{"m5.large": 1, "c5.metal": 1, "t3.micro": 2}},
			fault.Invalid, []string{"Annual.c5.metal not_sold_annually", "Annual.t3.micro not_sold_annually"}},
		{"ContractOfAnImage", subscription.SubscribeInput{ProductCode: annual.Code, Contract: &subscription.ContractInput{Duration: "P1M"}},
			fault.Invalid, []string{"Contract not_offered"}},
		{"ContractWithoutChoices", subscription.SubscribeInput{ProductCode: contract.Code}, fault.Invalid, []string{"Contract required"}},
		{"AnnualOfAContract", subscription.SubscribeInput{ProductCode: contract.Code, Annual: map[string]int64{"m5.large": 1}},
			fault.Invalid, []string{"Annual not_offered", "Contract required"}},
		{"ContractChoicesWrong", subscription.SubscribeInput{ProductCode: contract.Code, Contract: &subscription.ContractInput{Duration: "P24M",
			Quantities: map[string]int64{"Seats": 1, "Users": 2}, Tier: "GoldTier"}},
			fault.Invalid, []string{"Contract.Duration not_offered", "Contract.Quantities.Users unknown_dimension", "Contract.Tier unknown_tier"}},
		{"DimensionNotSoldForTheDuration", subscription.SubscribeInput{ProductCode: contract.Code, Contract: &subscription.ContractInput{Duration: "P1M",
			Quantities: map[string]int64{"Storage": 5}, Tier: "ProfessionalTier"}},
			fault.Invalid, []string{"Contract.Quantities.Storage not_offered", "Contract.Tier not_offered"}},
		{"TierRequired", subscription.SubscribeInput{ProductCode: contract.Code, Contract: &subscription.ContractInput{Duration: "P12M",
			Quantities: map[string]int64{"Seats": 1}}}, fault.Invalid, []string{"Contract.Tier required"}},
		{"DurationRequired", subscription.SubscribeInput{ProductCode: contract.Code, Contract: &subscription.ContractInput{Tier: "BasicTier"}},
			fault.Invalid, []string{"Contract.Duration required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Subscribe(t.Context(), buyer, tc.in)
			wantKind(t, err, tc.kind)
			if tc.kind == fault.Invalid {
				diff(t, "field errors", tc.want, codes(t, fields(t, err)))
			}
		})
	}
	page, err := e.svc.List(t.Context(), buyer, subscription.ListInput{})
	if err != nil || len(page.Subscriptions) != 0 {
		t.Errorf("refused sign-ups left %d subscriptions (%v)", len(page.Subscriptions), err)
	}
}

// TestOneLiveSubscription: a second sign-up to a product is a conflict
// naming the first, unless it retries the first's client token, which gets
// the first answer; after a cancellation a new sign-up pays the one-time
// fee again.
func TestOneLiveSubscription(t *testing.T) {
	backends(t, func(t *testing.T, open backend) {
		e := newEnv(t, open)
		p := e.put(hourlyProduct())
		first := e.subscribe(buyer, subscription.SubscribeInput{ProductCode: p.Code, ClientToken: "first"})

		_, err := e.svc.Subscribe(t.Context(), buyer, subscription.SubscribeInput{ProductCode: p.Code})
		wantKind(t, err, fault.Conflict)
		if msg := fault.As(err).Message; !strings.Contains(msg, first.ID) {
			t.Errorf("conflict %q does not name %s", msg, first.ID)
		}
		again := e.subscribe(buyer, subscription.SubscribeInput{ProductCode: p.Code, ClientToken: "first"})
		diff(t, "retried sign-up", first, again)
		if n := len(e.charges(first)); n != 2 {
			t.Errorf("%d charges after a retry, want the first 2", n)
		}
		// The token is the buyer's: another product under it is a
		// conflict; another buyer may use it.
		_, err = e.svc.Subscribe(t.Context(), buyer, subscription.SubscribeInput{ProductCode: e.put(annualProduct()).Code, ClientToken: "first"})
		wantKind(t, err, fault.Conflict)
		e.subscribe(other, subscription.SubscribeInput{ProductCode: p.Code, ClientToken: "first"})

		if _, err := e.svc.Cancel(t.Context(), buyer, first.ID); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(40 * 24 * time.Hour) // into April
		second := e.subscribe(buyer, subscription.SubscribeInput{ProductCode: p.Code})
		if second.ID == first.ID {
			t.Fatal("the new sign-up is the cancelled one")
		}
		cs := e.charges(second)
		if len(cs) != 2 || cs[0].Kind != subscription.ChargeSignUpFee || cs[0].Amount != usd("10.00") {
			t.Errorf("charges of the new sign-up: %+v", cs)
		}
	})
}

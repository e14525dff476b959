package subscription

import (
	"fmt"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
)

// The charges of sign-up, change and cancellation, built by the rules in
// the package comment. Each builder returns charges without their ID and
// creation time, which chargeList.stamp gives them.

// day is a day of the calendar, UTC.
const day = 24 * time.Hour

// chargeList collects a subscription's new charges.
type chargeList struct {
	sub     Subscription
	version int // the price version, 0 for offers
	out     []Charge
}

func newCharges(sub Subscription) *chargeList {
	return &chargeList{sub: sub, version: sub.PriceVersion}
}

// add appends a charge of quantity × unit, checked.
func (l *chargeList) add(kind ChargeKind, desc string, qty int64, unit money.Amount, start, end, due time.Time) error {
	amount, err := unit.Times(qty)
	if err != nil {
		return fault.New(fault.Invalid, "%s: %d × %s is more than an amount can hold", desc, qty, unit)
	}
	l.addAmount(kind, desc, qty, unit, amount, start, end, due)
	return nil
}

func (l *chargeList) addAmount(kind ChargeKind, desc string, qty int64, unit, amount money.Amount, start, end, due time.Time) {
	s := l.sub
	l.out = append(l.out, Charge{
		SubscriptionID: s.ID, Buyer: s.Buyer, Seller: s.Seller, ProductID: s.ProductID, ProductCode: s.ProductCode,
		OfferID: s.OfferID, PriceVersion: l.version, Kind: kind, Description: desc, Quantity: qty, UnitPrice: unit, Amount: amount,
		PeriodStart: start, PeriodEnd: end, DueAt: due,
	})
}

// stamp gives the charges their IDs and creation time.
func (l *chargeList) stamp(now time.Time) []Charge {
	for i := range l.out {
		l.out[i].ID, l.out[i].CreatedAt = newID("chg-"), now
	}
	return l.out
}

// signUpCharges are what a sign-up owes at once: the one-time fee, the first
// monthly fee (prorated), and the term's price upfront (annual, contract),
// or a private offer's installments in its place.
func signUpCharges(sub Subscription, p catalog.Pricing, offer *catalog.Offer, now time.Time) ([]Charge, error) {
	l := newCharges(sub)
	if p.SignUpFee > 0 {
		if err := l.add(ChargeSignUpFee, "one-time sign-up fee", 1, p.SignUpFee, time.Time{}, time.Time{}, now); err != nil {
			return nil, err
		}
	}
	if p.MonthlyFee > 0 && !now.Before(sub.TrialEndsAt) {
		if err := l.firstMonth(p.MonthlyFee, now); err != nil {
			return nil, err
		}
	}
	if offer != nil && len(offer.Installments) > 0 {
		l.installments(offer.Installments, sub.StartedAt, sub.TermEndsAt)
		return l.stamp(now), nil
	}
	if err := l.annual(sub.Annual, p.Annual, sub.StartedAt, sub.TermEndsAt, now); err != nil {
		return nil, err
	}
	if sub.Contract != nil && p.Contract != nil {
		if err := l.contract(*sub.Contract, *p.Contract, sub.StartedAt, sub.TermEndsAt, now); err != nil {
			return nil, err
		}
	}
	return l.stamp(now), nil
}

// firstMonth charges the monthly fee prorated by the days left in the
// calendar month, the day of sign-up counted whole.
func (l *chargeList) firstMonth(fee money.Amount, now time.Time) error {
	start := dayStart(now)
	end := time.Date(start.Year(), start.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	inMonth := daysIn(start.Year(), start.Month())
	left := int64(end.Sub(start) / day)
	amount, err := money.Prorate(fee, left, inMonth)
	if err != nil {
		return fault.Wrap(err, "prorate the monthly fee")
	}
	l.addAmount(ChargeMonthlyFee, fmt.Sprintf("monthly fee for %s, %d of %d days", start.Format("January 2006"), left, inMonth),
		1, fee, amount, now, end, now)
	return nil
}

// annual charges price × quantity per instance type, for the term.
func (l *chargeList) annual(bought map[string]int64, prices map[string]money.Amount, start, end, due time.Time) error {
	for _, t := range sortedKeys(bought) {
		if err := l.add(ChargeAnnualFee, "annual subscriptions of "+t, bought[t], prices[t], start, end, due); err != nil {
			return err
		}
	}
	return nil
}

// contract charges each Configurable dimension's quantity × unit price for
// the duration, and the chosen tier's price.
func (l *chargeList) contract(t ContractTerms, c catalog.ContractPricing, start, end, due time.Time) error {
	for _, dim := range c.Dimensions {
		if q := t.Quantities[dim.Name]; dim.Type == catalog.Configurable && q > 0 {
			desc := fmt.Sprintf("%s for %s", dim.Name, t.Duration)
			if err := l.add(ChargeContractFee, desc, q, dim.Price[t.Duration], start, end, due); err != nil {
				return err
			}
		}
	}
	if t.Tier == "" {
		return nil
	}
	dim, _ := tierDimension(c, t.Tier)
	return l.add(ChargeContractFee, fmt.Sprintf("%s for %s", t.Tier, t.Duration), 1, dim.Tiers[t.Tier][t.Duration], start, end, due)
}

// installments charges a private offer's schedule, each due at its offset
// from sign-up.
func (l *chargeList) installments(list []catalog.Installment, start, end time.Time) {
	for i, in := range list {
		due := start.AddDate(0, in.DueAfterMonths, 0)
		l.addAmount(ChargeInstallment, fmt.Sprintf("installment %d of %d", i+1, len(list)), 1, in.Amount, in.Amount, start, end, due)
	}
}

// refunds are what a cancellation at now gives back: the unused days of
// the monthly fee of the period now falls in, and annual fees in full
// within AnnualRefundWindow of sign-up (not for private offers). A charge
// already refunded is not refunded again.
func refunds(sub Subscription, charges []Charge, now time.Time) ([]Charge, error) {
	refunded := map[string]bool{}
	for _, c := range charges {
		if c.Refunds != "" {
			refunded[c.Refunds] = true
		}
	}
	l := newCharges(sub)
	annualRefund := sub.OfferID == "" && now.Sub(sub.StartedAt) < AnnualRefundWindow
	for _, c := range charges {
		if refunded[c.ID] || c.Amount <= 0 {
			continue
		}
		switch {
		case c.Kind == ChargeMonthlyFee && now.Before(c.PeriodEnd):
			if err := l.monthlyRefund(c, now); err != nil {
				return nil, err
			}
		case c.Kind == ChargeAnnualFee && annualRefund:
			l.refund(c, fmt.Sprintf("refund within %d hours of sign-up: %s", int(AnnualRefundWindow/time.Hour), c.Description),
				c.Amount, c.PeriodStart, c.PeriodEnd, now)
		}
	}
	return l.stamp(now), nil
}

// monthlyRefund gives back a monthly fee's unused whole days: those after
// the day of cancellation, at the rate the period's days were charged.
func (l *chargeList) monthlyRefund(c Charge, now time.Time) error {
	billedFrom := dayStart(c.PeriodStart)
	billed := daysBetween(billedFrom, c.PeriodEnd)
	usedUntil := dayStart(now).Add(day)
	if usedUntil.Before(billedFrom) {
		usedUntil = billedFrom
	}
	unused := daysBetween(usedUntil, c.PeriodEnd)
	if unused <= 0 || billed <= 0 {
		return nil
	}
	amount, err := money.Prorate(c.Amount, unused, billed)
	if err != nil {
		return fault.Wrap(err, "prorate a refund")
	}
	l.refund(c, fmt.Sprintf("refund of %d unused of %d days: %s", unused, billed, c.Description), amount, usedUntil, c.PeriodEnd, now)
	return nil
}

// refund adds a negative charge giving amount of c back.
func (l *chargeList) refund(c Charge, desc string, amount money.Amount, start, end, now time.Time) {
	l.out = append(l.out, Charge{
		SubscriptionID: c.SubscriptionID, Buyer: c.Buyer, Seller: c.Seller, ProductID: c.ProductID, ProductCode: c.ProductCode,
		OfferID: c.OfferID, PriceVersion: c.PriceVersion, Kind: ChargeRefund, Description: desc,
		Quantity: 1, UnitPrice: amount.Neg(), Amount: amount.Neg(), PeriodStart: start, PeriodEnd: end, DueAt: now, Refunds: c.ID,
	})
}

func dayStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// daysBetween counts the days from a to b, a part of a day as a whole one.
func daysBetween(a, b time.Time) int64 {
	if !a.Before(b) {
		return 0
	}
	return int64((b.Sub(a) + day - 1) / day)
}

func daysIn(year int, month time.Month) int64 {
	return int64(time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day())
}

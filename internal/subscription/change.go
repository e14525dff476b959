package subscription

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
)

// Cancel ends a subscription at once (its buyer or an operator), records
// the refunds due (package comment), and for a contract deactivates its
// license, so that checkouts are refused. Cancelling a cancelled
// subscription returns it as it is.
func (s *Service) Cancel(ctx context.Context, caller, id string) (Subscription, error) {
	sub, err := s.Get(ctx, caller, id)
	if err != nil {
		return Subscription{}, err
	}
	if caller != sub.Buyer {
		if op, err := s.operators.IsOperator(ctx, caller); err != nil {
			return Subscription{}, err
		} else if !op {
			return Subscription{}, fault.New(fault.Forbidden, "only the buyer or an operator can cancel subscription %s", id)
		}
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		var err error
		sub, err = cancelIn(tx, id)
		return err
	})
	if err != nil {
		return Subscription{}, err
	}
	s.checker.Invalidate(Key{Account: sub.Buyer, ProductCode: sub.ProductCode})
	return s.syncLicense(ctx, sub)
}

// cancelIn cancels subscription id in tx, with its refunds.
func cancelIn(tx Tx, id string) (Subscription, error) {
	sub, err := tx.Subscription(id)
	if err != nil || sub.Status == Cancelled {
		return sub, err
	}
	now := tx.Now()
	charges, err := tx.Charges(id)
	if err != nil {
		return Subscription{}, err
	}
	back, err := refunds(sub, charges, now)
	if err != nil {
		return Subscription{}, err
	}
	// A contract's license is deactivated; a pending one's may have been
	// issued already, and is looked for first (syncLicense).
	sub.LicensePending = sub.Contract != nil && (sub.LicenseArn != "" || sub.Status == Pending || sub.LicensePending)
	sub.Status, sub.CancelledAt, sub.UpdatedAt = Cancelled, now, now
	if err := tx.PutSubscription(sub); err != nil {
		return Subscription{}, err
	}
	for _, c := range back {
		if err := tx.AddCharge(c); err != nil {
			return Subscription{}, err
		}
	}
	return sub, nil
}

// ChangeInput upgrades or renews a contract.
type ChangeInput struct {
	// Contract is the contract's new choices. Duration may be left out to
	// keep the current one.
	Contract *ContractInput
	// Renew starts a new term of the chosen duration when the current one
	// ends (at once if it has ended), for the whole price of the new
	// choices, which take effect in the license at once. Without it the
	// change is an upgrade within the current term: the duration stays,
	// no quantity may go down, the tier may change only to one priced no
	// lower, and the difference in the term's price is charged in full
	// (not prorated for the part of the term left).
	Renew bool
}

// Validate checks everything that needs no store.
func (in ChangeInput) Validate() error {
	var p problems
	if in.Contract == nil {
		p.add("Contract", "required", "give the contract's new choices")
	} else {
		in.Contract.validate(&p, "Contract")
	}
	return p.err()
}

// Change upgrades or renews a contract subscription (its buyer): records the
// charges for it and gives the license a new version, which the next
// checkout sees. The new choices are priced by the price version the
// subscriber pays when the change is asked for (catalog.Service.PricingAt).
func (s *Service) Change(ctx context.Context, caller, id string, in ChangeInput) (Subscription, error) {
	if err := in.Validate(); err != nil {
		return Subscription{}, err
	}
	sub, err := s.Get(ctx, caller, id)
	if err != nil {
		return Subscription{}, err
	}
	if caller != sub.Buyer {
		return Subscription{}, fault.New(fault.Forbidden, "only the buyer can change subscription %s", id)
	}
	if err := changeable(sub); err != nil {
		return Subscription{}, err
	}
	v, err := s.catalog.PricingAt(ctx, sub.ProductID, sub.PriceVersion, s.clock.Now())
	if err != nil {
		return Subscription{}, err
	}
	if v.Pricing.Contract == nil {
		return Subscription{}, fault.New(fault.Conflict, "product %s is no longer sold by contract", sub.ProductCode)
	}
	choice := *in.Contract
	if choice.Duration == "" {
		choice.Duration = string(sub.Contract.Duration)
	}
	var p problems
	terms := checkContract(&p, "Contract", choice, *v.Pricing.Contract)
	if err := p.err(); err != nil {
		return Subscription{}, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		var err error
		sub, err = s.changeIn(tx, sub, *terms, v, in.Renew)
		return err
	})
	if err != nil {
		return Subscription{}, err
	}
	s.checker.Invalidate(Key{Account: sub.Buyer, ProductCode: sub.ProductCode})
	return s.syncLicense(ctx, sub)
}

// changeable refuses what cannot change: subscriptions that are not active
// contracts of the public plan.
func changeable(sub Subscription) error {
	switch {
	case sub.Contract == nil:
		return fault.New(fault.Conflict, "subscription %s is not a contract; only contracts are upgraded or renewed", sub.ID)
	case sub.OfferID != "":
		return fault.New(fault.Conflict, "subscription %s is from private offer %s, whose terms change only by a new offer", sub.ID, sub.OfferID)
	case sub.Status != Active:
		return fault.New(fault.Conflict, "subscription %s is %s; only an active contract changes", sub.ID, sub.Status)
	}
	return nil
}

// changeIn records a change in tx, against the subscription as it is now,
// which must be the one the change was checked against.
func (s *Service) changeIn(tx Tx, read Subscription, terms ContractTerms, v catalog.PriceVersion, renew bool) (Subscription, error) {
	sub, err := tx.Subscription(read.ID)
	if err != nil {
		return Subscription{}, err
	}
	if err := changeable(sub); err != nil {
		return Subscription{}, err
	}
	if sub.LicenseRevision != read.LicenseRevision {
		return Subscription{}, fault.New(fault.Conflict, "subscription %s changed while this change was asked for; ask again", sub.ID)
	}
	now := tx.Now()
	sub.PriceVersion = v.Version
	l := newCharges(sub)
	if renew {
		start := now
		if sub.TermEndsAt.After(now) {
			start = sub.TermEndsAt
		}
		sub.TermEndsAt = start.AddDate(0, months(terms.Duration), 0)
		if err := l.contract(terms, *v.Pricing.Contract, start, sub.TermEndsAt, now); err != nil {
			return Subscription{}, err
		}
	} else if err := upgradeCharges(l, *sub.Contract, terms, *v.Pricing.Contract, now, sub.TermEndsAt); err != nil {
		return Subscription{}, err
	}
	sub.Contract = &terms
	sub.LicenseRevision++
	sub.LicensePending = true
	sub.UpdatedAt = now
	if err := tx.PutSubscription(sub); err != nil {
		return Subscription{}, err
	}
	for _, c := range l.stamp(now) {
		if err := tx.AddCharge(c); err != nil {
			return Subscription{}, err
		}
	}
	return sub, nil
}

// upgradeCharges charges an upgrade within the term: each dimension's added
// units at its unit price, and a new tier's price less the old one's. It
// refuses what is not an upgrade.
func upgradeCharges(l *chargeList, old, next ContractTerms, c catalog.ContractPricing, now, termEnds time.Time) error {
	var p problems
	if next.Duration != old.Duration {
		p.add("Contract.Duration", "not_renewal", "an upgrade keeps the duration %s; renew (Renew) to change it", old.Duration)
	}
	if !now.Before(termEnds) {
		return fault.New(fault.Conflict, "the contract's term ended at %s; renew it instead", termEnds.Format(time.RFC3339))
	}
	for _, name := range sortedKeys(old.Quantities) {
		if next.Quantities[name] < old.Quantities[name] {
			p.add("Contract.Quantities."+clip(name), "decrease", "an upgrade cannot reduce %s below %d; renew to buy fewer", clip(name), old.Quantities[name])
		}
	}
	var oldTier, newTier = tierPrice(c, old), tierPrice(c, next)
	if next.Tier != old.Tier && newTier < oldTier {
		p.add("Contract.Tier", "decrease", "an upgrade cannot move to a tier priced below %s; renew to change to it", old.Tier)
	}
	if err := p.err(); err != nil {
		return err
	}
	for _, dim := range c.Dimensions {
		added := next.Quantities[dim.Name] - old.Quantities[dim.Name]
		if dim.Type != catalog.Configurable || added <= 0 {
			continue
		}
		desc := fmt.Sprintf("%d more %s for the rest of the %s term", added, dim.Name, next.Duration)
		if err := l.add(ChargeContractFee, desc, added, dim.Price[next.Duration], now, termEnds, now); err != nil {
			return err
		}
	}
	if next.Tier != old.Tier {
		diff, err := newTier.Sub(oldTier)
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("upgrade from %s to %s for the rest of the %s term", tierName(old.Tier), next.Tier, next.Duration)
		l.addAmount(ChargeContractFee, desc, 1, diff, diff, now, termEnds, now)
	}
	if len(l.out) == 0 && next.Tier == old.Tier {
		return fault.InvalidFields([]fault.FieldError{{Field: "Contract", Code: "unchanged", Message: "the new choices are those the contract already has"}})
	}
	return nil
}

// tierPrice is the price of the tier t chose for its duration (zero for
// none).
func tierPrice(c catalog.ContractPricing, t ContractTerms) money.Amount {
	if t.Tier == "" {
		return 0
	}
	dim, ok := tierDimension(c, t.Tier)
	if !ok {
		return 0
	}
	return dim.Tiers[t.Tier][t.Duration]
}

func tierName(t string) string {
	if t == "" {
		return "no tier"
	}
	return t
}

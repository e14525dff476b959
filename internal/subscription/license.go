package subscription

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
)

// A contract's license follows its subscription in three steps, each done
// outside the subscription's transaction because the license manager has
// its own: issue (pending sign-up), revise (after a change), deactivate
// (after a cancellation). The transaction that makes a step due sets
// Subscription.LicensePending; the one that records the step's result
// clears it, if the subscription still wants what the step did. Every step
// is idempotent (the issue and the revision by client tokens derived from
// the subscription, deactivation by its nature), so a step repeated after a
// crash, or run by two replicas at once, does no harm.

// licenseStep is one step: what was done, and for which revision.
type licenseStep struct {
	kind     stepKind
	revision int
	arn      string // the license issued
}

type stepKind int

const (
	stepIssue stepKind = iota
	stepRevise
	stepDeactivate
)

// maxLicenseSteps bounds the steps one sync takes: a sign-up cancelled
// while its license was issued takes two (issue, then deactivate).
const maxLicenseSteps = 3

// syncLicense brings sub's license in line with it, and returns sub as it
// then is.
func (s *Service) syncLicense(ctx context.Context, sub Subscription) (Subscription, error) {
	for range maxLicenseSteps {
		if !sub.LicensePending {
			return sub, nil
		}
		step, err := s.doLicenseStep(ctx, sub)
		if err != nil {
			fault.Annotate(&err, "subscription %s: license", sub.ID)
			return sub, err
		}
		err = s.store.Update(ctx, func(tx Tx) error {
			cur, err := tx.Subscription(sub.ID)
			if err != nil {
				return err
			}
			sub = cur
			if !step.apply(&sub, tx.Now()) {
				return nil // it moved on; the next step sees where to
			}
			return tx.PutSubscription(sub)
		})
		if err != nil {
			return sub, err
		}
		s.checker.Invalidate(Key{Account: sub.Buyer, ProductCode: sub.ProductCode})
	}
	return sub, nil
}

// doLicenseStep does the step sub's state calls for. A sign-up cancelled
// before its license was recorded is issued its license first (if the
// license was issued before a crash, the client token gives it back), so
// that the deactivation that follows finds it.
func (s *Service) doLicenseStep(ctx context.Context, sub Subscription) (licenseStep, error) {
	switch {
	case sub.LicenseArn == "":
		in, err := s.licenseInput(ctx, sub, sub.ID)
		if err != nil {
			return licenseStep{}, err
		}
		out, err := s.licenses.IssueMarketplaceLicense(ctx, in)
		return licenseStep{kind: stepIssue, revision: sub.LicenseRevision, arn: out.LicenseArn}, err
	case sub.Status == Cancelled:
		err := s.licenses.DeactivateMarketplaceLicense(ctx, sub.Seller, sub.LicenseArn)
		return licenseStep{kind: stepDeactivate, revision: sub.LicenseRevision}, err
	default:
		in, err := s.licenseInput(ctx, sub, fmt.Sprintf("%s/%d", sub.ID, sub.LicenseRevision))
		if err != nil {
			return licenseStep{}, err
		}
		_, err = s.licenses.ReviseMarketplaceLicense(ctx, sub.LicenseArn, in)
		return licenseStep{kind: stepRevise, revision: sub.LicenseRevision}, err
	}
}

// apply records a step's result in cur, the subscription as it is now, and
// says whether it changed it.
func (st licenseStep) apply(cur *Subscription, now time.Time) bool {
	switch {
	case !cur.LicensePending:
		return false
	case st.kind == stepIssue && cur.LicenseArn == "":
		cur.LicenseArn = st.arn
		if cur.Status == Pending {
			cur.Status = Active
		}
		// Still due: a deactivation if it was cancelled meanwhile, a
		// revision if it changed (changes need an active subscription, so
		// only once active).
		cur.LicensePending = cur.Status == Cancelled || cur.LicenseRevision != st.revision
	case st.kind == stepDeactivate && cur.Status == Cancelled:
		cur.LicensePending = false
	case st.kind == stepRevise && cur.Status != Cancelled && cur.LicenseRevision == st.revision:
		cur.LicensePending = false
	default:
		return false
	}
	cur.UpdatedAt = now
	return true
}

// SyncLicenses finishes the license work that crashes left unfinished
// (Subscription.LicensePending), a batch at a time, and says how many
// subscriptions it brought in line. Several replicas may run it at once.
// Work that fails stays flagged for the next run; the first error is
// returned after the rest were tried.
func (s *Service) SyncLicenses(ctx context.Context) (int, error) {
	subs, err := s.store.LicensePending(ctx, syncBatch)
	if err != nil {
		return 0, err
	}
	done := 0
	var first error
	for _, sub := range subs {
		if _, err := s.syncLicense(ctx, sub); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		done++
	}
	return done, first
}

// syncBatch bounds the subscriptions one SyncLicenses brings in line.
const syncBatch = 100

// licenseInput is the license sub's contract calls for: from the
// marketplace, owned by the seller, for the buyer, its entitlements what
// was bought, valid for the term.
func (s *Service) licenseInput(ctx context.Context, sub Subscription, clientToken string) (license.MarketplaceLicenseInput, error) {
	if sub.Contract == nil {
		return license.MarketplaceLicenseInput{}, fault.New(fault.Internal, "subscription %s has no contract to license", sub.ID)
	}
	p, err := s.catalog.GetProduct(ctx, sub.ProductID)
	if err != nil {
		return license.MarketplaceLicenseInput{}, err
	}
	pricing, err := s.pricingOf(ctx, sub, p)
	if err != nil {
		return license.MarketplaceLicenseInput{}, err
	}
	if pricing.Contract == nil {
		return license.MarketplaceLicenseInput{}, fault.New(fault.Internal, "product %s has no contract pricing for subscription %s", p.ID, sub.ID)
	}
	return license.MarketplaceLicenseInput{
		Seller: sub.Seller, Buyer: sub.Buyer, ProductName: p.Name, ProductSKU: p.ID, LicenseName: p.Name + " contract",
		Begin: sub.StartedAt, End: sub.TermEndsAt, Entitlements: entitlements(*pricing.Contract, *sub.Contract),
		ClientToken: clientToken,
	}, nil
}

// pricingOf is the price plan sub was bought under: its offer's, or its
// price version's (the product's current plan if the version is gone).
func (s *Service) pricingOf(ctx context.Context, sub Subscription, p catalog.Product) (catalog.Pricing, error) {
	if sub.OfferID != "" {
		o, err := s.catalog.GetOffer(ctx, sub.Buyer, sub.OfferID)
		return o.Pricing, err
	}
	if sub.PriceVersion == p.PriceVersion {
		return p.Pricing, nil
	}
	versions, err := s.catalog.PriceVersions(ctx, p.ID)
	if err != nil {
		return catalog.Pricing{}, err
	}
	for _, v := range versions {
		if v.Version == sub.PriceVersion {
			return v.Pricing, nil
		}
	}
	return p.Pricing, nil
}

// entitlements are a contract's license entitlements: each Configurable
// dimension bought, counted up to its quantity (checked in and out when it
// floats, drawn down otherwise), and the tier bought, Unit None.
func entitlements(c catalog.ContractPricing, t ContractTerms) []license.Entitlement {
	var out []license.Entitlement
	for _, dim := range c.Dimensions {
		q := t.Quantities[dim.Name]
		if dim.Type != catalog.Configurable || q <= 0 {
			continue
		}
		unit := license.Unit(dim.Unit)
		if unit == "" {
			unit = license.UnitCount
		}
		e := license.Entitlement{Name: dim.Name, Unit: unit, MaxCount: &q}
		if dim.Floating {
			checkIn := true
			e.AllowCheckIn = &checkIn
		}
		out = append(out, e)
	}
	if t.Tier != "" {
		out = append(out, license.Entitlement{Name: t.Tier, Unit: license.UnitNone, Value: "Enabled"})
	}
	return out
}

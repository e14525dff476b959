package license

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/tollgate/tollgate/internal/checked"
	"github.com/tollgate/tollgate/internal/fault"
)

// CheckoutLicenseInput is the CheckoutLicense request.
type CheckoutLicenseInput struct {
	ProductSKU     string            `json:"ProductSKU"`
	CheckoutType   string            `json:"CheckoutType"`
	KeyFingerprint string            `json:"KeyFingerprint"`
	Entitlements   []EntitlementData `json:"Entitlements"`
	ClientToken    string            `json:"ClientToken"`
	Beneficiary    string            `json:"Beneficiary"`
	NodeId         string            `json:"NodeId"`
}

// Validate checks the request against the model's constraints.
func (in *CheckoutLicenseInput) Validate() error {
	var v validator
	v.text(in)
	v.required("productSKU", in.ProductSKU)
	v.enum("checkoutType", in.CheckoutType, set(Provisional, Perpetual), true)
	v.required("keyFingerprint", in.KeyFingerprint)
	v.checkoutEntitlements(in.Entitlements)
	v.clientToken(in.ClientToken)
	return v.err()
}

// CheckoutLicenseOutput is the CheckoutLicense response.
type CheckoutLicenseOutput struct {
	CheckoutType            string            `json:"CheckoutType"`
	LicenseConsumptionToken string            `json:"LicenseConsumptionToken"`
	EntitlementsAllowed     []EntitlementData `json:"EntitlementsAllowed"`
	SignedToken             string            `json:"SignedToken"`
	NodeId                  string            `json:"NodeId,omitempty"`
	IssuedAt                string            `json:"IssuedAt"`
	Expiration              string            `json:"Expiration"`
	LicenseArn              string            `json:"LicenseArn"`
}

// TokenClaims is the payload of a signed checkout token.
type TokenClaims struct {
	EntitlementsAllowed     []EntitlementData `json:"entitlementsAllowed"`
	Expiration              string            `json:"expiration"`
	IssuedAt                string            `json:"issuedAt"`
	LicenseArn              string            `json:"licenseArn"`
	LicenseConsumptionToken string            `json:"licenseConsumptionToken"`
	NodeId                  string            `json:"nodeId,omitempty"`
	CheckoutMetadata        []Metadata        `json:"checkoutMetadata,omitempty"`
}

// draw is a quantity of one counted entitlement a checkout takes.
type draw struct {
	entitlement Entitlement
	quantity    int64
}

// plan is what a checkout would take from a license, worked out before the
// transaction so that signing happens outside it.
type plan struct {
	license License
	grant   Grant
	allowed []EntitlementData
	draws   []draw
}

// planEntitlements matches requested entitlements against the license.
// Tiers (Unit None) the license does not hold are skipped, so that naming
// every tier returns the one held; a counted entitlement the license lacks
// fails the checkout.
func planEntitlements(l License, requested []EntitlementData) ([]EntitlementData, []draw, error) {
	var allowed []EntitlementData
	var draws []draw
	for _, r := range requested {
		e, ok := l.entitlement(r.Name)
		if !ok || e.Unit != r.Unit {
			if r.Unit == UnitNone {
				continue
			}
			return nil, nil, errNoEntitlements("license %s has no entitlement %s with unit %s", l.LicenseArn, clip(r.Name), r.Unit)
		}
		if !e.counted() {
			value := e.Value
			if value == "" {
				value = "Enabled"
			}
			allowed = append(allowed, EntitlementData{Name: e.Name, Value: value, Unit: e.Unit})
			continue
		}
		qty := int64(1)
		if r.Value != "" {
			n, ok := parseQuantity(r.Value)
			if !ok { // Validate refuses it first; this keeps the rule in one place
				return nil, nil, errValidation("Value %q of entitlement %s must be a whole number between 1 and %d", clip(r.Value), clip(r.Name), MaxQuantity)
			}
			qty = n
		}
		allowed = append(allowed, EntitlementData{Name: e.Name, Value: strconv.FormatInt(qty, 10), Unit: e.Unit})
		draws = append(draws, draw{entitlement: e, quantity: qty})
	}
	if len(allowed) == 0 {
		return nil, nil, errNoEntitlements("license %s holds none of the requested entitlements", l.LicenseArn)
	}
	return allowed, draws, nil
}

// checkAvailable refuses a license that is not AVAILABLE or outside its
// validity window.
func checkAvailable(l License, now time.Time) error {
	if l.Status != StatusAvailable {
		return errNoEntitlements("license %s is %s", l.LicenseArn, l.Status)
	}
	if !l.inValidity(now) {
		return errNoEntitlements("license %s is not valid at %s (validity %s to %s)", l.LicenseArn, formatTime(now), l.Validity.Begin, l.Validity.End)
	}
	return nil
}

// findCheckoutGrant finds the caller's active grant for product and issuer
// that allows op, and its license.
func (s *Service) findCheckoutGrant(ctx context.Context, caller, sku, fingerprint, op string) (Grant, License, error) {
	var found Grant
	grants, err := s.store.GranteeProductGrants(ctx, caller, sku, fingerprint)
	if err != nil {
		return Grant{}, License{}, err
	}
	for _, g := range grants {
		if g.GrantStatus == GrantActive && g.allows(op) {
			found = g
			break
		}
	}
	if found.GrantArn == "" {
		return Grant{}, License{}, errNoEntitlements("no active license grant for product %s from issuer %s allows %s for your account", clip(sku), clip(fingerprint), op)
	}
	lic, err := s.store.GetLicense(ctx, found.LicenseArn, "")
	return found, lic, err
}

// CheckoutLicense checks out entitlements of the license the caller holds
// for a product: PERPETUAL draws down for good, PROVISIONAL takes floating
// units until checked in or until the time to live passes.
func (s *Service) CheckoutLicense(ctx context.Context, caller string, in CheckoutLicenseInput) (CheckoutLicenseOutput, error) {
	if err := in.Validate(); err != nil {
		return CheckoutLicenseOutput{}, err
	}
	if in.Beneficiary != "" && in.Beneficiary != caller {
		return CheckoutLicenseOutput{}, errAccessDenied("Beneficiary %s is not the calling account", clip(in.Beneficiary))
	}
	hash := requestHash(in)
	if out, found, err := replay[CheckoutLicenseOutput](ctx, s.store, caller, "CheckoutLicense", in.ClientToken, hash); found || err != nil {
		return out, err
	}
	for attempt := 0; ; attempt++ {
		out, err := s.checkoutOnce(ctx, caller, in, hash)
		if !errors.Is(err, errStale) || attempt == maxStaleRetries {
			return out, err
		}
	}
}

// maxStaleRetries bounds how often a checkout re-plans after the license
// changed under it.
const maxStaleRetries = 3

func (s *Service) checkoutOnce(ctx context.Context, caller string, in CheckoutLicenseInput, hash string) (CheckoutLicenseOutput, error) {
	grant, lic, err := s.findCheckoutGrant(ctx, caller, in.ProductSKU, in.KeyFingerprint, OpCheckoutLicense)
	if err != nil {
		return CheckoutLicenseOutput{}, err
	}
	now := s.clock.Now()
	if err := checkAvailable(lic, now); err != nil {
		return CheckoutLicenseOutput{}, err
	}
	allowed, draws, err := planEntitlements(lic, in.Entitlements)
	if err != nil {
		return CheckoutLicenseOutput{}, err
	}
	ttl := lic.ConsumptionConfiguration.provisionalTTL()
	c := Checkout{Token: newID(32), Account: caller, LicenseArn: lic.LicenseArn, GrantArn: grant.GrantArn, Type: in.CheckoutType,
		NodeID: in.NodeId, IssuedAt: now, Expires: now.Add(ttl), Entitlements: allowed}
	out := CheckoutLicenseOutput{CheckoutType: in.CheckoutType, LicenseConsumptionToken: c.Token, EntitlementsAllowed: allowed,
		NodeId: in.NodeId, IssuedAt: formatTime(now), Expiration: formatTime(c.Expires), LicenseArn: lic.LicenseArn}
	out.SignedToken, err = s.keys.Sign(ctx, lic.Issuer.KeyFingerprint, claimsOf(out.EntitlementsAllowed, out.Expiration, out.IssuedAt, out.LicenseArn, c.Token, in.NodeId, nil))
	if err != nil {
		return CheckoutLicenseOutput{}, err
	}
	p := plan{license: lic, grant: grant, allowed: allowed, draws: draws}
	var result CheckoutLicenseOutput
	err = s.store.UpdateLicense(ctx, lic.LicenseArn, func(tx Tx) error {
		var err error
		result, err = idempotent(tx, caller, "CheckoutLicense", in.ClientToken, hash, func() (CheckoutLicenseOutput, error) {
			return out, s.commitCheckout(tx, p, c)
		})
		return err
	})
	return result, err
}

func claimsOf(allowed []EntitlementData, expiration, issuedAt, arn, token, node string, meta []Metadata) TokenClaims {
	return TokenClaims{EntitlementsAllowed: allowed, Expiration: expiration, IssuedAt: issuedAt, LicenseArn: arn,
		LicenseConsumptionToken: token, NodeId: node, CheckoutMetadata: meta}
}

// errStale says the license or grant changed between planning and
// committing; the caller plans again.
var errStale = fault.Coded(fault.Conflict, "ConflictException", "the license changed during checkout; try again")

// commitCheckout re-checks the plan against current state and takes the
// units: the capacity check and the take happen in one transaction, so a
// pool of N is never over-committed, however requests interleave. The
// check counts seats at the transaction's time, so that transactions see
// times in the order they commit; the checkout's own times, signed before
// the transaction, may be a little older, which only makes its seat expire
// sooner.
func (s *Service) commitCheckout(tx Tx, p plan, c Checkout) error {
	now := tx.Now()
	g, err := tx.Grant(p.grant.GrantArn)
	if err != nil {
		return err
	}
	if g.GrantStatus != GrantActive {
		return errNoEntitlements("grant %s is no longer active", g.GrantArn)
	}
	l, err := tx.License(p.license.LicenseArn)
	if err != nil {
		return err
	}
	if l.Version != p.license.Version || l.Status != p.license.Status {
		return errStale
	}
	if c.Type == Provisional && !c.Expires.After(now) {
		// The clock (a simulated one) passed the whole time to live while the
		// checkout was on its way: plan again rather than hand out a seat
		// that is already gone.
		return errStale
	}
	for _, d := range p.draws {
		u, err := tx.Usage(l.LicenseArn, d.entitlement.Name, now)
		if err != nil {
			return err
		}
		if left := available(d.entitlement, u); d.quantity > left {
			return errNoEntitlements("entitlement %s of license %s: %d requested, %d of %d left", d.entitlement.Name, l.LicenseArn,
				d.quantity, left, limit(d.entitlement))
		}
	}
	for _, d := range p.draws {
		if c.Type == Perpetual {
			err = tx.AddDrawn(l.LicenseArn, d.entitlement.Name, d.quantity)
		} else {
			err = tx.AddSeat(Seat{Token: c.Token, LicenseArn: l.LicenseArn, Name: d.entitlement.Name, Quantity: d.quantity, Expires: c.Expires})
		}
		if err != nil {
			return err
		}
	}
	return tx.PutCheckout(c)
}

// limit is the most units of e that may be drawn and in use together: its
// MaxCount, unless it allows overage, and never more than MaxQuantity, the
// most a counter holds.
func limit(e Entitlement) int64 {
	if e.MaxCount != nil && !e.overage() {
		return min(*e.MaxCount, MaxQuantity)
	}
	return MaxQuantity
}

// available is how many more units of e a checkout may take from a pool
// that has u of them drawn and in use. The sum is checked: a pool whose
// counters add up past what an int64 holds has nothing left, where a
// wrapped sum would have had almost everything left.
func available(e Entitlement, u Usage) int64 {
	used, ok := checked.Add(u.Drawn, u.InUse)
	if !ok || used < 0 {
		return 0
	}
	return max(limit(e)-used, 0) // both are between 0 and MaxInt64: no overflow
}

// CheckInLicenseInput is the CheckInLicense request.
type CheckInLicenseInput struct {
	LicenseConsumptionToken string `json:"LicenseConsumptionToken"`
	Beneficiary             string `json:"Beneficiary"`
}

// CheckInLicense returns the floating units of a live checkout to its pool.
func (s *Service) CheckInLicense(ctx context.Context, caller string, in CheckInLicenseInput) (struct{}, error) {
	var v validator
	v.text(in)
	v.required("licenseConsumptionToken", in.LicenseConsumptionToken)
	if err := v.err(); err != nil {
		return struct{}{}, err
	}
	arn, err := s.checkoutLicense(ctx, caller, in.LicenseConsumptionToken)
	if err != nil {
		return struct{}{}, err
	}
	err = s.store.UpdateLicense(ctx, arn, func(tx Tx) error {
		c, err := liveCheckout(tx, caller, in.LicenseConsumptionToken, tx.Now())
		if err != nil {
			return err
		}
		if c.Type == Perpetual {
			return errConflict("a PERPETUAL checkout is consumed for good and cannot be checked in")
		}
		l, err := tx.License(c.LicenseArn)
		if err != nil {
			return err
		}
		if err := checkInAllowed(tx, c, l); err != nil {
			return err
		}
		if err := tx.DeleteSeats(c.Token); err != nil {
			return err
		}
		return tx.DeleteCheckout(c.Token)
	})
	return struct{}{}, err
}

func checkInAllowed(tx Tx, c Checkout, l License) error {
	g, err := tx.Grant(c.GrantArn)
	if err != nil {
		return err
	}
	if !g.allows(OpCheckInLicense) {
		return errAccessDenied("grant %s does not allow CheckInLicense", g.GrantArn)
	}
	if c.Borrow {
		if b := l.ConsumptionConfiguration.BorrowConfiguration; b == nil || b.AllowEarlyCheckIn == nil || !*b.AllowEarlyCheckIn {
			return errConflict("borrowed entitlements of license %s cannot be checked in early", l.LicenseArn)
		}
	}
	for _, a := range c.Entitlements {
		if e, ok := l.entitlement(a.Name); ok && e.counted() && !e.allowCheckIn() {
			return errConflict("entitlement %s does not allow check-in; it returns when the checkout expires", e.Name)
		}
	}
	return nil
}

// checkoutLicense returns the license of a checkout of the caller's, the
// one whose transactions a check-in or an extension queues behind
// (Store.UpdateLicense). A checkout's license never changes; whether it is
// still live is decided inside the transaction.
func (s *Service) checkoutLicense(ctx context.Context, caller, token string) (string, error) {
	c, err := s.store.Checkout(ctx, token)
	if err != nil || c.Account != caller {
		if err == nil || fault.Is(err, fault.NotFound) {
			return "", errNoCheckout()
		}
		return "", err
	}
	return c.LicenseArn, nil
}

func errNoCheckout() error {
	return errNotFound("license consumption token does not exist, was checked in, or belongs to another account")
}

// liveCheckout reads a checkout of the caller's that has not expired.
func liveCheckout(tx Tx, caller, token string, now time.Time) (Checkout, error) {
	c, err := tx.Checkout(token)
	if err != nil || c.Account != caller {
		if err == nil || fault.Is(err, fault.NotFound) {
			return Checkout{}, errNoCheckout()
		}
		return Checkout{}, err
	}
	if c.Type == Provisional && !now.Before(c.Expires) {
		return Checkout{}, errNotFound("license consumption token expired at %s and its units have returned to the pool", formatTime(c.Expires))
	}
	return c, nil
}

// ExtendLicenseConsumptionInput is the ExtendLicenseConsumption request.
type ExtendLicenseConsumptionInput struct {
	LicenseConsumptionToken string `json:"LicenseConsumptionToken"`
	DryRun                  bool   `json:"DryRun"`
}

// ExtendLicenseConsumptionOutput is the ExtendLicenseConsumption response.
type ExtendLicenseConsumptionOutput struct {
	LicenseConsumptionToken string `json:"LicenseConsumptionToken"`
	Expiration              string `json:"Expiration"`
}

// ExtendLicenseConsumption keeps a floating checkout for another time to
// live, counted from now.
func (s *Service) ExtendLicenseConsumption(ctx context.Context, caller string, in ExtendLicenseConsumptionInput) (ExtendLicenseConsumptionOutput, error) {
	var v validator
	v.text(in)
	v.required("licenseConsumptionToken", in.LicenseConsumptionToken)
	if err := v.err(); err != nil {
		return ExtendLicenseConsumptionOutput{}, err
	}
	arn, err := s.checkoutLicense(ctx, caller, in.LicenseConsumptionToken)
	if err != nil {
		return ExtendLicenseConsumptionOutput{}, err
	}
	var out ExtendLicenseConsumptionOutput
	err = s.store.UpdateLicense(ctx, arn, func(tx Tx) error {
		// The transaction's time, not one read before it: that could be
		// older than the time of a transaction committed meanwhile, which
		// may have seen this seat expire and given its units away.
		now := tx.Now()
		c, err := liveCheckout(tx, caller, in.LicenseConsumptionToken, now)
		if err != nil {
			return err
		}
		if c.Type != Provisional || c.Borrow {
			return errValidation("only PROVISIONAL checkouts can be extended")
		}
		g, err := tx.Grant(c.GrantArn)
		if err != nil {
			return err
		}
		if g.GrantStatus != GrantActive || !g.allows(OpExtendConsumption) {
			return errAccessDenied("grant %s does not allow ExtendConsumptionLicense", g.GrantArn)
		}
		l, err := tx.License(c.LicenseArn)
		if err != nil {
			return err
		}
		if err := stillHeld(tx, l, c, now); err != nil {
			return err
		}
		c.Expires = now.Add(l.ConsumptionConfiguration.provisionalTTL())
		out = ExtendLicenseConsumptionOutput{LicenseConsumptionToken: c.Token, Expiration: formatTime(c.Expires)}
		if in.DryRun {
			return nil
		}
		if err := tx.ExtendSeats(c.Token, c.Expires); err != nil {
			return err
		}
		return tx.PutCheckout(c)
	})
	return out, err
}

// stillHeld refuses to renew a seat whose units the pool has given to other
// checkouts: counted at this transaction's time, the pool then holds more
// than its maximum. That happens when another transaction read a later time
// than this one and saw the seat expire (another replica, whose clock runs
// ahead of this one's). Reading the pool here also makes PostgreSQL's
// serializable checks see the conflict with a checkout committing beside the
// extension. A pool whose maximum was lowered below what is in use renews
// nothing until it is back under its maximum.
func stillHeld(tx Tx, l License, c Checkout, now time.Time) error {
	for _, a := range c.Entitlements {
		e, ok := l.entitlement(a.Name)
		if !ok || !e.counted() || e.MaxCount == nil || e.overage() {
			continue
		}
		u, err := tx.Usage(l.LicenseArn, e.Name, now)
		if err != nil {
			return err
		}
		if used, ok := checked.Add(u.Drawn, u.InUse); !ok || used > *e.MaxCount {
			return errNoEntitlements("entitlement %s of license %s has %d drawn and %d in use of %d: the units of this checkout went to others when it expired; check out again",
				e.Name, l.LicenseArn, u.Drawn, u.InUse, *e.MaxCount)
		}
	}
	return nil
}

// CheckoutBorrowLicenseInput is the CheckoutBorrowLicense request.
type CheckoutBorrowLicenseInput struct {
	LicenseArn             string            `json:"LicenseArn"`
	Entitlements           []EntitlementData `json:"Entitlements"`
	DigitalSignatureMethod string            `json:"DigitalSignatureMethod"`
	NodeId                 string            `json:"NodeId"`
	CheckoutMetadata       []Metadata        `json:"CheckoutMetadata"`
	ClientToken            string            `json:"ClientToken"`
}

// Validate checks the request against the model's constraints.
func (in *CheckoutBorrowLicenseInput) Validate() error {
	var v validator
	v.text(in)
	v.arn("licenseArn", in.LicenseArn, true)
	v.checkoutEntitlements(in.Entitlements)
	v.required("digitalSignatureMethod", in.DigitalSignatureMethod)
	v.clientToken(in.ClientToken)
	v.count("checkoutMetadata", len(in.CheckoutMetadata), maxMetadataPerRecord)
	return v.err()
}

// CheckoutBorrowLicenseOutput is the CheckoutBorrowLicense response.
type CheckoutBorrowLicenseOutput struct {
	LicenseArn              string            `json:"LicenseArn"`
	LicenseConsumptionToken string            `json:"LicenseConsumptionToken"`
	EntitlementsAllowed     []EntitlementData `json:"EntitlementsAllowed"`
	NodeId                  string            `json:"NodeId,omitempty"`
	SignedToken             string            `json:"SignedToken"`
	IssuedAt                string            `json:"IssuedAt"`
	Expiration              string            `json:"Expiration"`
	CheckoutMetadata        []Metadata        `json:"CheckoutMetadata,omitempty"`
}

// CheckoutBorrowLicense borrows entitlements for offline use for the
// license's borrow time to live; the signed token lets the software check
// its entitlement without calling back.
func (s *Service) CheckoutBorrowLicense(ctx context.Context, caller string, in CheckoutBorrowLicenseInput) (CheckoutBorrowLicenseOutput, error) {
	if err := in.Validate(); err != nil {
		return CheckoutBorrowLicenseOutput{}, err
	}
	if in.DigitalSignatureMethod != SignatureMethod {
		return CheckoutBorrowLicenseOutput{}, fault.Coded(fault.Invalid, "UnsupportedDigitalSignatureMethodException",
			"digital signature method %q is not supported; use %s", clip(in.DigitalSignatureMethod), SignatureMethod)
	}
	hash := requestHash(in)
	if out, found, err := replay[CheckoutBorrowLicenseOutput](ctx, s.store, caller, "CheckoutBorrowLicense", in.ClientToken, hash); found || err != nil {
		return out, err
	}
	grant, lic, err := s.borrowGrant(ctx, caller, in.LicenseArn)
	if err != nil {
		return CheckoutBorrowLicenseOutput{}, err
	}
	now := s.clock.Now()
	if err := checkAvailable(lic, now); err != nil {
		return CheckoutBorrowLicenseOutput{}, err
	}
	b := lic.ConsumptionConfiguration.BorrowConfiguration
	if b == nil || b.MaxTimeToLiveInMinutes == nil {
		return CheckoutBorrowLicenseOutput{}, fault.Coded(fault.Invalid, "EntitlementNotAllowedException", "license %s does not allow borrowing", lic.LicenseArn)
	}
	allowed, draws, err := planEntitlements(lic, in.Entitlements)
	if err != nil {
		return CheckoutBorrowLicenseOutput{}, err
	}
	c := Checkout{Token: newID(32), Account: caller, LicenseArn: lic.LicenseArn, GrantArn: grant.GrantArn, Type: Provisional, Borrow: true,
		NodeID: in.NodeId, IssuedAt: now, Expires: now.Add(time.Duration(*b.MaxTimeToLiveInMinutes) * time.Minute), Entitlements: allowed, Metadata: in.CheckoutMetadata}
	out := CheckoutBorrowLicenseOutput{LicenseArn: lic.LicenseArn, LicenseConsumptionToken: c.Token, EntitlementsAllowed: allowed, NodeId: in.NodeId,
		IssuedAt: formatTime(now), Expiration: formatTime(c.Expires), CheckoutMetadata: in.CheckoutMetadata}
	out.SignedToken, err = s.keys.Sign(ctx, lic.Issuer.KeyFingerprint, claimsOf(allowed, out.Expiration, out.IssuedAt, lic.LicenseArn, c.Token, in.NodeId, in.CheckoutMetadata))
	if err != nil {
		return CheckoutBorrowLicenseOutput{}, err
	}
	p := plan{license: lic, grant: grant, allowed: allowed, draws: draws}
	var result CheckoutBorrowLicenseOutput
	err = s.store.UpdateLicense(ctx, lic.LicenseArn, func(tx Tx) error {
		var err error
		result, err = idempotent(tx, caller, "CheckoutBorrowLicense", in.ClientToken, hash, func() (CheckoutBorrowLicenseOutput, error) {
			return out, s.commitCheckout(tx, p, c)
		})
		return err
	})
	return result, err
}

func (s *Service) borrowGrant(ctx context.Context, caller, arn string) (Grant, License, error) {
	grants, err := s.store.ListGrantsByGrantee(ctx, caller)
	if err != nil {
		return Grant{}, License{}, err
	}
	for _, g := range grants {
		if g.LicenseArn == arn && g.GrantStatus == GrantActive && g.allows(OpCheckoutBorrowLicense) {
			lic, err := s.store.GetLicense(ctx, arn, "")
			return g, lic, err
		}
	}
	return Grant{}, License{}, errNotFound("no active grant of license %s allows CheckoutBorrowLicense for your account", clip(arn))
}

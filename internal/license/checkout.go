package license

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license/rules"
	"github.com/tollgate/tollgate/pkg/licensetoken"
)

// CheckoutLicenseInput is the CheckoutLicense request.
type CheckoutLicenseInput struct {
	ProductSKU     string
	CheckoutType   CheckoutType
	KeyFingerprint string
	Entitlements   []EntitlementRequest
	ClientToken    string
	Beneficiary    string
	NodeId         string
}

// Validate checks the request against the model's constraints.
func (in *CheckoutLicenseInput) Validate() error {
	p := problems(in)
	p.Required("productSKU", in.ProductSKU)
	rules.Enum(p, "checkoutType", in.CheckoutType, checkoutTypes, true)
	p.Required("keyFingerprint", in.KeyFingerprint)
	checkoutEntitlements(p, in.Entitlements)
	p.ClientToken(in.ClientToken)
	return p.Err()
}

// CheckoutBorrowLicenseInput is the CheckoutBorrowLicense request.
type CheckoutBorrowLicenseInput struct {
	LicenseArn             string
	Entitlements           []EntitlementRequest
	DigitalSignatureMethod string
	NodeId                 string
	CheckoutMetadata       []Metadata
	ClientToken            string
}

// Validate checks the request against the model's constraints.
func (in *CheckoutBorrowLicenseInput) Validate() error {
	p := problems(in)
	arn(p, "licenseArn", in.LicenseArn, true)
	checkoutEntitlements(p, in.Entitlements)
	p.Required("digitalSignatureMethod", in.DigitalSignatureMethod)
	p.ClientToken(in.ClientToken)
	p.Count("checkoutMetadata", len(in.CheckoutMetadata), maxMetadataPerRecord)
	return p.Err()
}

// CheckoutOutput is the answer to CheckoutLicense and to
// CheckoutBorrowLicense: what was checked out, until when, and the token
// signed by the license's issuer that says so.
type CheckoutOutput struct {
	LicenseArn              string
	LicenseConsumptionToken string
	CheckoutType            CheckoutType
	EntitlementsAllowed     []AllowedEntitlement
	NodeId                  string
	SignedToken             string
	IssuedAt                time.Time
	Expiration              time.Time
	CheckoutMetadata        []Metadata
}

// CheckoutLicense checks out entitlements of the license the caller holds
// for a product: PERPETUAL draws down for good, PROVISIONAL takes floating
// units until checked in or until the time to live passes.
func (s *Service) CheckoutLicense(ctx context.Context, caller string, in CheckoutLicenseInput) (CheckoutOutput, error) {
	if err := in.Validate(); err != nil {
		return CheckoutOutput{}, err
	}
	return s.checkout(ctx, checkoutRequest{
		op: OpCheckoutLicense, caller: caller, clientToken: in.ClientToken, hash: requestHash(in),
		typ: in.CheckoutType, nodeID: in.NodeId, beneficiary: in.Beneficiary, entitlements: in.Entitlements,
		find: func(ctx context.Context) (Grant, License, error) {
			return s.findCheckoutLicense(ctx, caller, in)
		},
		ttl: func(l License) (time.Duration, error) { return l.ConsumptionConfiguration.ProvisionalTTL(), nil },
	})
}

// findCheckoutLicense finds the license a CheckoutLicense draws from. With a
// Beneficiary, the caller checks out, on that beneficiary's behalf, a
// license it issued to it for the product (the SaaS flow: an ISV checks out
// the licenses it created for its customers, identified by an account or by
// any identifier such as user@domain.com), with no grant. Otherwise, and
// when the caller names itself and issued it nothing, the caller checks out
// through its active grant for the product.
func (s *Service) findCheckoutLicense(ctx context.Context, caller string, in CheckoutLicenseInput) (Grant, License, error) {
	if in.Beneficiary != "" {
		l, found, err := s.findIssuedLicense(ctx, caller, in.ProductSKU, in.KeyFingerprint, in.Beneficiary)
		if found || err != nil {
			return Grant{}, l, err
		}
		if in.Beneficiary != caller {
			return Grant{}, License{}, errNoEntitlements("your account issued no license for product %s from issuer %s to beneficiary %s",
				clip(in.ProductSKU), clip(in.KeyFingerprint), clip(in.Beneficiary))
		}
	}
	return s.findCheckoutGrant(ctx, caller, in.ProductSKU, in.KeyFingerprint, OpCheckoutLicense)
}

// findIssuedLicense finds a license the caller issued for a product and
// issuer to beneficiary: of several (a customer may hold an expired
// contract beside its renewal), the first one available now, or else the
// first one, whose checkout then says why it is not available.
func (s *Service) findIssuedLicense(ctx context.Context, caller, sku, fingerprint, beneficiary string) (License, bool, error) {
	now := s.clock.Now() // before the licenses, as in checkoutOnce
	ls, err := s.store.IssuedLicenses(ctx, caller, sku, fingerprint, beneficiary)
	if scope := licenseScope(ctx); scope != "" {
		ls = slices.DeleteFunc(ls, func(l License) bool { return l.LicenseArn != scope })
	}
	if err != nil || len(ls) == 0 {
		return License{}, false, err
	}
	for _, l := range ls {
		if rules.CheckAvailable(l.LicenseArn, l.Status, l.Validity, now) == nil {
			return l, true, nil
		}
	}
	return ls[0], true, nil
}

// CheckoutBorrowLicense borrows entitlements for offline use for the
// license's borrow time to live; the signed token lets the software check
// its entitlement without calling back.
func (s *Service) CheckoutBorrowLicense(ctx context.Context, caller string, in CheckoutBorrowLicenseInput) (CheckoutOutput, error) {
	if err := in.Validate(); err != nil {
		return CheckoutOutput{}, err
	}
	if in.DigitalSignatureMethod != SignatureMethod {
		return CheckoutOutput{}, fault.Coded(fault.Invalid, "UnsupportedDigitalSignatureMethodException",
			"digital signature method %q is not supported; use %s", clip(in.DigitalSignatureMethod), SignatureMethod)
	}
	return s.checkout(ctx, checkoutRequest{
		op: OpCheckoutBorrowLicense, caller: caller, clientToken: in.ClientToken, hash: requestHash(in),
		typ: Provisional, borrow: true, nodeID: in.NodeId, metadata: in.CheckoutMetadata, entitlements: in.Entitlements,
		find: func(ctx context.Context) (Grant, License, error) { return s.borrowGrant(ctx, caller, in.LicenseArn) },
		ttl: func(l License) (time.Duration, error) {
			ttl, ok := l.ConsumptionConfiguration.BorrowTTL()
			if !ok {
				return 0, fault.Coded(fault.Invalid, "EntitlementNotAllowedException", "license %s does not allow borrowing", l.LicenseArn)
			}
			return ttl, nil
		},
	})
}

// checkoutRequest is what CheckoutLicense and CheckoutBorrowLicense ask of
// the one checkout path (Service.checkout): how to find the caller's grant
// and license, how long the checkout lives, and what it takes.
type checkoutRequest struct {
	op                Operation // the operation the grant must allow, and the client token's scope
	caller            string
	clientToken, hash string
	typ               CheckoutType
	borrow            bool
	nodeID            string
	beneficiary       string // on whose behalf the license's issuer checks out; "" for a grantee
	metadata          []Metadata
	entitlements      []EntitlementRequest
	find              func(ctx context.Context) (Grant, License, error)
	ttl               func(License) (time.Duration, error)
}

// maxStaleRetries bounds how often a checkout re-plans after the license
// changed under it.
const maxStaleRetries = 3

// checkout answers a retried request from the answer kept for its client
// token; otherwise it plans, signs and commits the checkout (checkoutOnce),
// again when the license changed between planning and committing.
func (s *Service) checkout(ctx context.Context, r checkoutRequest) (CheckoutOutput, error) {
	if out, found, err := replay[CheckoutOutput](ctx, s.store, r.caller, string(r.op), r.clientToken, r.hash); found || err != nil {
		return out, err
	}
	for attempt := 0; ; attempt++ {
		out, err := s.checkoutOnce(ctx, r)
		if !errors.Is(err, errStale) || attempt == maxStaleRetries {
			return out, err
		}
	}
}

// plan is what a checkout would take from a license, worked out before the
// transaction so that signing happens outside it.
type plan struct {
	license License
	grant   Grant
	draws   []rules.Draw
	// What was asked and granted, for replanning against a newer version
	// (onVersion).
	requested []EntitlementRequest
	allowed   []AllowedEntitlement
	ttl       time.Duration
	ttlOf     func(License) (time.Duration, error)
	planFor   func(string, []Entitlement, []EntitlementRequest) ([]AllowedEntitlement, []rules.Draw, error)
}

// onVersion replans p against l, a version of the license published
// between planning and committing (a renewal, say): the plan still holds,
// with l's draws (its MaxCount, its overage), if l grants the same
// entitlements for the same time to live, so that the token signed for the
// plan is true of l; otherwise the checkout plans again from the start.
// Availability is checked afterwards, on l, by the caller.
func (p plan) onVersion(l License) (plan, bool) {
	if ttl, err := p.ttlOf(l); err != nil || ttl != p.ttl {
		return p, false
	}
	allowed, draws, err := p.planFor(l.LicenseArn, l.Entitlements, p.requested)
	if err != nil || !slices.Equal(allowed, p.allowed) {
		return p, false
	}
	p.license, p.draws = l, draws
	return p, true
}

// checkoutOnce plans the checkout against the license as read (the rules
// decide: CheckAvailable, Plan), signs its token, which takes milliseconds,
// before any transaction, and commits it (commitCheckout), which re-checks
// the plan against the license as the transaction sees it.
func (s *Service) checkoutOnce(ctx context.Context, r checkoutRequest) (CheckoutOutput, error) {
	// The time is read before the license, not after: a license read
	// first may have been renewed while the clock moved past its old end,
	// and judging the old version at the new time would refuse a checkout
	// for an expiry that was never true. Read in this order, a license
	// found expired at now was expired when it was read.
	now := s.clock.Now()
	grant, lic, err := r.find(ctx)
	if err != nil {
		return CheckoutOutput{}, err
	}
	if err := inHomeRegion(ctx, lic.LicenseArn, lic.HomeRegion); err != nil {
		return CheckoutOutput{}, err
	}
	if err := rules.CheckAvailable(lic.LicenseArn, lic.Status, lic.Validity, now); err != nil {
		return CheckoutOutput{}, err
	}
	ttl, err := r.ttl(lic)
	if err != nil {
		return CheckoutOutput{}, err
	}
	planFor := rules.Plan
	if r.borrow {
		planFor = rules.PlanWhole
	}
	allowed, draws, err := planFor(lic.LicenseArn, lic.Entitlements, r.entitlements)
	if err != nil {
		return CheckoutOutput{}, err
	}
	c := Checkout{Token: newID(32), Account: r.caller, LicenseArn: lic.LicenseArn, GrantArn: grant.GrantArn, Type: r.typ, Borrow: r.borrow,
		NodeID: r.nodeID, Beneficiary: beneficiaryOf(grant, lic), IssuedAt: now, Expires: now.Add(ttl), Entitlements: allowed, Metadata: r.metadata}
	out := CheckoutOutput{LicenseArn: lic.LicenseArn, LicenseConsumptionToken: c.Token, CheckoutType: c.Type, EntitlementsAllowed: allowed,
		NodeId: c.NodeID, IssuedAt: c.IssuedAt, Expiration: c.Expires, CheckoutMetadata: c.Metadata}
	if out.SignedToken, err = s.keys.Sign(ctx, lic.Issuer.KeyFingerprint, claimsOf(c)); err != nil {
		return CheckoutOutput{}, err
	}
	p := plan{license: lic, grant: grant, draws: draws, requested: r.entitlements, allowed: allowed, ttl: ttl, ttlOf: r.ttl, planFor: planFor}
	var result CheckoutOutput
	err = s.store.UpdateLicense(ctx, lic.LicenseArn, func(tx Tx) error {
		var err error
		result, err = idempotent(tx, r.caller, string(r.op), r.clientToken, r.hash, func() (CheckoutOutput, error) {
			return out, s.commitCheckout(tx, p, c)
		})
		return err
	})
	return result, err
}

// claimsOf is the payload of a checkout's signed token, in the format
// package licensetoken verifies.
func claimsOf(c Checkout) licensetoken.Claims {
	claims := licensetoken.Claims{Expiration: licensetoken.FormatTime(c.Expires), IssuedAt: licensetoken.FormatTime(c.IssuedAt),
		LicenseArn: c.LicenseArn, LicenseConsumptionToken: c.Token, NodeId: c.NodeID}
	for _, a := range c.Entitlements {
		claims.EntitlementsAllowed = append(claims.EntitlementsAllowed,
			licensetoken.Entitlement{Name: a.Name, Value: a.Text(), Unit: string(a.Unit)})
	}
	for _, m := range c.Metadata {
		claims.CheckoutMetadata = append(claims.CheckoutMetadata, licensetoken.Metadata{Name: m.Name, Value: m.Value})
	}
	return claims
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
	if err := grantStillActive(tx, p.grant.GrantArn); err != nil {
		return err
	}
	l, err := tx.License(p.license.LicenseArn)
	if err != nil {
		return err
	}
	if l.Version != p.license.Version || l.Status != p.license.Status {
		var same bool
		if p, same = p.onVersion(l); !same {
			return errStale
		}
	}
	// Planned at a time read before the transaction: the license's
	// validity may have ended (or begun) since.
	if err := rules.CheckAvailable(l.LicenseArn, l.Status, l.Validity, now); err != nil {
		return err
	}
	if c.Type == Provisional && !c.Expires.After(now) {
		// The clock (a simulated one) passed the whole time to live while the
		// checkout was on its way: plan again rather than hand out a seat
		// that is already gone.
		return errStale
	}
	period := periodOf(l, now)
	for _, d := range p.draws {
		u, err := tx.Usage(l.LicenseArn, d.Entitlement.Name, period, now)
		if err != nil {
			return err
		}
		if err := rules.CheckCapacity(l.LicenseArn, d, u); err != nil {
			return err
		}
	}
	c.LicenseVersion = l.Version
	for _, d := range p.draws {
		if c.Type == Perpetual {
			err = tx.AddDrawn(l.LicenseArn, d.Entitlement.Name, period, d.Quantity)
		} else {
			err = tx.AddSeat(Seat{Token: c.Token, LicenseArn: l.LicenseArn, Name: d.Entitlement.Name, Quantity: d.Quantity, Expires: c.Expires})
		}
		if err != nil {
			return err
		}
	}
	return tx.PutCheckout(c)
}

// periodOf is the start of the license's renewal period that holds now:
// its RenewType's periods, anchored at the begin of its validity
// (rules.PeriodStart).
func periodOf(l License, now time.Time) time.Time {
	return rules.PeriodStart(l.ConsumptionConfiguration.RenewType, l.Validity.Begin, now)
}

// beneficiaryOf is on whose behalf a checkout is made: the license's
// beneficiary when its issuer checks out (no grant), none for a grantee.
func beneficiaryOf(g Grant, l License) string {
	if g.GrantArn == "" {
		return l.Beneficiary
	}
	return ""
}

// grantStillActive refuses a checkout whose grant stopped being active
// since it was planned. An issuer's own checkout has no grant.
func grantStillActive(tx Tx, grantArn string) error {
	if grantArn == "" {
		return nil
	}
	g, err := tx.Grant(grantArn)
	if err != nil {
		return err
	}
	if g.GrantStatus != GrantActive {
		return errNoEntitlements("grant %s is no longer active", g.GrantArn)
	}
	return activeChain(tx.Grant, g)
}

// findCheckoutGrant finds the caller's active grant for product and issuer
// that allows op, and its license.
func (s *Service) findCheckoutGrant(ctx context.Context, caller, sku, fingerprint string, op Operation) (Grant, License, error) {
	grants, err := s.store.GranteeProductGrants(ctx, caller, sku, fingerprint)
	if err != nil {
		return Grant{}, License{}, err
	}
	scope := licenseScope(ctx)
	for _, g := range grants {
		if g.GrantStatus == GrantActive && g.allows(op) && (scope == "" || g.LicenseArn == scope) && s.chainActive(ctx, g) == nil {
			lic, err := s.store.GetLicense(ctx, g.LicenseArn, "")
			return g, lic, err
		}
	}
	return Grant{}, License{}, errNoEntitlements("no active license grant for product %s from issuer %s allows %s for your account", clip(sku), clip(fingerprint), op)
}

// borrowGrant finds the caller's active grant of license arn that allows
// borrowing, and the license.
func (s *Service) borrowGrant(ctx context.Context, caller, arn string) (Grant, License, error) {
	if err := inScope(ctx, arn); err != nil {
		return Grant{}, License{}, err
	}
	grants, err := s.store.ListGrantsByGrantee(ctx, caller)
	if err != nil {
		return Grant{}, License{}, err
	}
	for _, g := range grants {
		if g.LicenseArn == arn && g.GrantStatus == GrantActive && g.allows(OpCheckoutBorrowLicense) && s.chainActive(ctx, g) == nil {
			lic, err := s.store.GetLicense(ctx, arn, "")
			return g, lic, err
		}
	}
	return Grant{}, License{}, errNotFound("no active grant of license %s allows CheckoutBorrowLicense for your account", clip(arn))
}

// CheckInLicenseInput is the CheckInLicense request.
type CheckInLicenseInput struct {
	LicenseConsumptionToken string
	Beneficiary             string
}

// Validate checks the request against the model's constraints.
func (in *CheckInLicenseInput) Validate() error {
	p := problems(in)
	p.Required("licenseConsumptionToken", in.LicenseConsumptionToken)
	return p.Err()
}

// CheckInLicense returns the floating units of a live checkout to its pool.
func (s *Service) CheckInLicense(ctx context.Context, caller string, in CheckInLicenseInput) (struct{}, error) {
	if err := in.Validate(); err != nil {
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
		if in.Beneficiary != "" && in.Beneficiary != cmp.Or(c.Beneficiary, caller) {
			return errNoCheckout()
		}
		l, err := tx.License(c.LicenseArn)
		if err != nil {
			return err
		}
		if err := grantAllows(tx, c.GrantArn, OpCheckInLicense, false); err != nil {
			return err
		}
		if err := rules.CheckIn(l.LicenseArn, c.Borrow, l.ConsumptionConfiguration.EarlyCheckIn(), l.Entitlements, c.Entitlements); err != nil {
			return err
		}
		if err := tx.DeleteSeats(c.Token); err != nil {
			return err
		}
		return tx.DeleteCheckout(c.Token)
	})
	return struct{}{}, err
}

// grantAllows refuses an operation on a checkout whose grant does not allow
// it (or, when active is set, is no longer active). A checkout the
// license's issuer made for a beneficiary has no grant: the issuer may do
// anything with its own license.
func grantAllows(tx Tx, grantArn string, op Operation, active bool) error {
	if grantArn == "" {
		return nil
	}
	g, err := tx.Grant(grantArn)
	if err != nil {
		return err
	}
	if (active && g.GrantStatus != GrantActive) || !g.allows(op) {
		return errAccessDenied("grant %s does not allow %s", g.GrantArn, op)
	}
	if active {
		return activeChain(tx.Grant, g)
	}
	return nil
}

// checkoutLicense returns the license of a checkout of the caller's, the
// one whose transactions a check-in or an extension queues behind
// (Store.UpdateLicense). A checkout's license never changes; whether it is
// still live is decided inside the transaction.
func (s *Service) checkoutLicense(ctx context.Context, caller, token string) (string, error) {
	c, err := s.store.Checkout(ctx, token)
	if c, err = callersCheckout(caller, c, err); err != nil {
		return "", err
	}
	if inScope(ctx, c.LicenseArn) != nil {
		return "", errNoCheckout() // another license's checkout is none of these credentials' business
	}
	return c.LicenseArn, nil
}

// callersCheckout passes on the result of reading a checkout for the
// caller, answering as if there were none when it belongs to another
// account, so that tokens of others are not told apart from missing ones.
func callersCheckout(caller string, c Checkout, err error) (Checkout, error) {
	if err == nil && c.Account == caller {
		return c, nil
	}
	if err == nil || fault.Is(err, fault.NotFound) {
		return Checkout{}, errNoCheckout()
	}
	return Checkout{}, err
}

func errNoCheckout() error {
	return errNotFound("license consumption token does not exist, was checked in, or belongs to another account")
}

// liveCheckout reads a checkout of the caller's that has not expired.
func liveCheckout(tx Tx, caller, token string, now time.Time) (Checkout, error) {
	c, err := tx.Checkout(token)
	if c, err = callersCheckout(caller, c, err); err != nil {
		return Checkout{}, err
	}
	if c.Type == Provisional && !now.Before(c.Expires) {
		return Checkout{}, errNotFound("license consumption token expired at %s and its units have returned to the pool", rules.FormatTime(c.Expires))
	}
	return c, nil
}

// ExtendLicenseConsumptionInput is the ExtendLicenseConsumption request.
type ExtendLicenseConsumptionInput struct {
	LicenseConsumptionToken string
	DryRun                  bool
}

// Validate checks the request against the model's constraints.
func (in *ExtendLicenseConsumptionInput) Validate() error {
	p := problems(in)
	p.Required("licenseConsumptionToken", in.LicenseConsumptionToken)
	return p.Err()
}

// ExtendLicenseConsumptionOutput is the ExtendLicenseConsumption response.
type ExtendLicenseConsumptionOutput struct {
	LicenseConsumptionToken string
	Expiration              time.Time
}

// ExtendLicenseConsumption keeps a floating checkout for another time to
// live, counted from now.
func (s *Service) ExtendLicenseConsumption(ctx context.Context, caller string, in ExtendLicenseConsumptionInput) (ExtendLicenseConsumptionOutput, error) {
	if err := in.Validate(); err != nil {
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
		if err := grantAllows(tx, c.GrantArn, OpExtendConsumption, true); err != nil {
			return err
		}
		l, err := tx.License(c.LicenseArn)
		if err != nil {
			return err
		}
		// An extension is a checkout for another time to live: a license
		// that is deleted, deactivated or past its validity grants none,
		// whatever it granted before.
		if err := rules.CheckAvailable(l.LicenseArn, l.Status, l.Validity, now); err != nil {
			return err
		}
		if err := stillHeld(tx, l, c, now); err != nil {
			return err
		}
		c.Expires, c.LicenseVersion = now.Add(l.ConsumptionConfiguration.ProvisionalTTL()), l.Version
		out = ExtendLicenseConsumptionOutput{LicenseConsumptionToken: c.Token, Expiration: c.Expires}
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
// checkouts (rules.StillHeld), counted at this transaction's time. Reading
// the pool here also makes PostgreSQL's serializable checks see the
// conflict with a checkout committing beside the extension.
func stillHeld(tx Tx, l License, c Checkout, now time.Time) error {
	for _, a := range c.Entitlements {
		e, ok := rules.Find(l.Entitlements, a.Name)
		if !ok || !e.Limited() {
			continue
		}
		u, err := tx.Usage(l.LicenseArn, e.Name, periodOf(l, now), now)
		if err != nil {
			return err
		}
		if err := rules.StillHeld(l.LicenseArn, l.Version, e, u, rules.Held{Version: c.LicenseVersion, Expires: c.Expires}); err != nil {
			return err
		}
	}
	return nil
}

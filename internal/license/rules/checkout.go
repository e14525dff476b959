package rules

import (
	"time"

	"github.com/tollgate/tollgate/internal/checked"
)

// Plan matches the entitlements a checkout asks for against those a license
// holds: the tiers (Unit None) the license holds are allowed with their
// value ("Enabled" when it has none), and those it does not hold are
// skipped, so that naming every tier returns the one held; each counted
// entitlement is a draw of its quantity (one unit when none is given). A
// counted entitlement the license lacks, or a request that matches nothing,
// fails the checkout with NoEntitlementsAllowedException.
func Plan(licenseArn string, held []Entitlement, requested []EntitlementRequest) ([]AllowedEntitlement, []Draw, error) {
	var allowed []AllowedEntitlement
	var draws []Draw
	for _, r := range requested {
		e, ok := Find(held, r.Name)
		if !ok || e.Unit != r.Unit {
			if r.Unit == UnitNone {
				continue
			}
			return nil, nil, errNoEntitlements("license %s has no entitlement %s with unit %s", licenseArn, Clip(r.Name), r.Unit)
		}
		if !e.Counted() {
			value := e.Value
			if value == "" {
				value = "Enabled"
			}
			allowed = append(allowed, AllowedEntitlement{Name: e.Name, Unit: e.Unit, Value: value})
			continue
		}
		qty := int64(1)
		if r.Quantity != nil {
			qty = *r.Quantity
		}
		allowed = append(allowed, AllowedEntitlement{Name: e.Name, Unit: e.Unit, Quantity: qty})
		draws = append(draws, Draw{Entitlement: e, Quantity: qty})
	}
	if len(allowed) == 0 {
		return nil, nil, errNoEntitlements("license %s holds none of the requested entitlements", licenseArn)
	}
	return allowed, draws, nil
}

// PlanWhole is Plan for a checkout that must take everything it asks for,
// as a borrow must (the model: "Partial checkouts are not supported"): a
// requested entitlement the license does not hold, a tier included, fails
// it with EntitlementNotAllowedException instead of being skipped.
func PlanWhole(licenseArn string, held []Entitlement, requested []EntitlementRequest) ([]AllowedEntitlement, []Draw, error) {
	for _, r := range requested {
		if e, ok := Find(held, r.Name); !ok || e.Unit != r.Unit {
			return nil, nil, errEntitlementNotAllowed("partial checkouts are not supported for borrowing: license %s has no entitlement %s with unit %s",
				licenseArn, Clip(r.Name), r.Unit)
		}
	}
	return Plan(licenseArn, held, requested)
}

// Find returns the entitlement of the given name among those a license
// holds.
func Find(held []Entitlement, name string) (Entitlement, bool) {
	for _, e := range held {
		if e.Name == name {
			return e, true
		}
	}
	return Entitlement{}, false
}

// Status is the status a license has at now: the status its issuer set,
// except that an AVAILABLE license whose validity has not begun yet is
// PENDING_AVAILABLE, and one whose validity has ended is EXPIRED. It is
// derived when read, never stored, so that a license expires at the end of
// its validity on the clock, to the nanosecond, on every replica alike, and
// a new version with a later end brings it back.
func Status(stored LicenseStatus, v Validity, now time.Time) LicenseStatus {
	if stored != StatusAvailable {
		return stored
	}
	switch {
	case now.Before(v.Begin):
		return StatusPendingAvailable
	case !v.End.IsZero() && !now.Before(v.End):
		return StatusExpired
	}
	return stored
}

// CheckAvailable refuses, with NoEntitlementsAllowedException, a license
// whose status at now (Status) is not AVAILABLE: one its issuer took out of
// service, or one outside its validity window.
func CheckAvailable(licenseArn string, stored LicenseStatus, v Validity, now time.Time) error {
	switch status := Status(stored, v, now); status {
	case StatusAvailable:
		return nil
	case StatusPendingAvailable:
		if stored == StatusAvailable {
			return errNoEntitlements("license %s is PENDING_AVAILABLE: its validity begins at %s", licenseArn, FormatTime(v.Begin))
		}
	case StatusExpired:
		if stored == StatusAvailable {
			return errNoEntitlements("license %s is EXPIRED: its validity ended at %s", licenseArn, FormatTime(v.End))
		}
	}
	return errNoEntitlements("license %s is %s", licenseArn, stored)
}

// Limit is the most units of e that may be drawn and in use together: its
// MaxCount, unless it allows overage, and never more than MaxQuantity, the
// most a counter holds. It is given counted entitlements only (draws).
func Limit(e Entitlement) int64 {
	if e.Limited() {
		return min(*e.MaxCount, MaxQuantity)
	}
	return MaxQuantity
}

// Available is how many more units of e a checkout may take from a pool
// that has u of them drawn and in use. The sum is checked: a pool whose
// counters add up past what an int64 holds has nothing left, where a
// wrapped sum would have had almost everything left.
func Available(e Entitlement, u Usage) int64 {
	used, ok := checked.Add(u.Drawn, u.InUse)
	if !ok || used < 0 {
		return 0
	}
	return max(Limit(e)-used, 0) // both are between 0 and MaxInt64: no overflow
}

// CheckCapacity refuses a draw larger than what its pool, with u drawn and
// in use, has left.
func CheckCapacity(licenseArn string, d Draw, u Usage) error {
	if left := Available(d.Entitlement, u); d.Quantity > left {
		return errNoEntitlements("entitlement %s of license %s: %d requested, %d of %d left", d.Entitlement.Name, licenseArn,
			d.Quantity, left, Limit(d.Entitlement))
	}
	return nil
}

// Held is what StillHeld knows of the checkout whose units it renews: the
// version of the license it was made (or last extended) under, and when it
// expires.
type Held struct {
	Version string
	Expires time.Time
}

// StillHeld refuses to renew the units a checkout holds of e, under
// version of the license, when its pool, with u drawn and in use (this
// checkout's units among them), holds more than MaxCount. Either a newer
// version lowered MaxCount below what is in use, and the rule is that a
// new count applies to new checkouts while live ones run to their expiry,
// not beyond it; or, under the same version, the pool gave the checkout's
// units to others when it expired (counted at a later time, by a replica
// whose clock runs ahead). Pools without a limit (tiers, no MaxCount,
// overage) always renew.
func StillHeld(licenseArn, version string, e Entitlement, u Usage, h Held) error {
	if !e.Limited() {
		return nil
	}
	used, ok := checked.Add(u.Drawn, u.InUse)
	if ok && used <= *e.MaxCount {
		return nil
	}
	if h.Version != "" && h.Version != version {
		return errNoEntitlements("version %s of license %s allows %d of entitlement %s, fewer than the %d drawn and %d in use: "+
			"a new count applies to new checkouts, and live ones run until they expire, this one at %s, without extension; "+
			"check out again once units are free", version, licenseArn, *e.MaxCount, e.Name, u.Drawn, u.InUse, FormatTime(h.Expires))
	}
	return errNoEntitlements("entitlement %s of license %s has %d drawn and %d in use of %d: the units of this checkout went to others when it expired; check out again",
		e.Name, licenseArn, u.Drawn, u.InUse, *e.MaxCount)
}

// CheckIn refuses the early return of a checkout's units that the license
// does not allow: borrowed units unless the license allows early check-in
// (earlyCheckIn), and units of an entitlement that does not allow check-in
// (they return when the checkout expires).
func CheckIn(licenseArn string, borrowed, earlyCheckIn bool, held []Entitlement, taken []AllowedEntitlement) error {
	if borrowed && !earlyCheckIn {
		return errConflict("borrowed entitlements of license %s cannot be checked in early", licenseArn)
	}
	for _, a := range taken {
		if e, ok := Find(held, a.Name); ok && e.Counted() && !e.AllowsCheckIn() {
			return errConflict("entitlement %s does not allow check-in; it returns when the checkout expires", e.Name)
		}
	}
	return nil
}

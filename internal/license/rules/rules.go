// Package rules holds the license manager's pure rules: what a checkout may
// take from a license (Plan), whether a license can be checked out at all
// (CheckAvailable), how many units a pool has left (Limit, Available,
// CheckCapacity, StillHeld), when units may be checked in (CheckIn), and the
// checks every request's fields must pass (Problems). They read no clock and
// no store: the service (package license) gives them the license, the
// counters and the time it read, so each rule is tested on its own, by
// table.
//
// The value types the rules work on are defined here and are the license
// package's own (it names them by alias), so that the rules need no
// conversion and package license no copy.
package rules

import (
	"strconv"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
)

// MaxQuantity bounds MaxCount, a checkout's quantity and every counter of
// units (drawn down, in use), whatever the entitlement's overage: 2^53-1,
// which every JSON decoder reads exactly (JavaScript's and those that decode
// numbers as float64 too) and which leaves headroom below the stores' 64-bit
// integers for sums of counters read at different times.
const MaxQuantity int64 = 1<<53 - 1

// Unit is the unit of an entitlement. UnitNone marks a tier: the license
// says which tier the holder has, and nothing is counted.
type Unit string

// The units the code names; Units lists them all.
const (
	UnitNone  Unit = "None"
	UnitCount Unit = "Count"
)

// Units lists every unit of the License Manager model.
var Units = []Unit{"Count", "None", "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
	"Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second"}

// Entitlement is one thing a license entitles its holder to: a pool of
// units (MaxCount of them, or unbounded; with Overage, MaxCount is not a
// limit), or a tier (Unit None, whose Value names it). The pointers are
// nil where the issuer did not say.
type Entitlement struct {
	Name         string
	Value        string
	MaxCount     *int64
	Overage      *bool
	Unit         Unit
	AllowCheckIn *bool
}

// Counted says whether the entitlement's units are counted (it is not a
// tier).
func (e Entitlement) Counted() bool { return e.Unit != UnitNone }

// AllowsOverage says whether checkouts may take units beyond MaxCount.
func (e Entitlement) AllowsOverage() bool { return e.Overage != nil && *e.Overage }

// Limited says whether MaxCount bounds the units of the entitlement: it is
// counted, has a MaxCount and does not allow overage.
func (e Entitlement) Limited() bool { return e.Counted() && e.MaxCount != nil && !e.AllowsOverage() }

// AllowsCheckIn says whether floating units of the entitlement may be
// checked in before they expire; they may unless the issuer said not.
func (e Entitlement) AllowsCheckIn() bool { return e.AllowCheckIn == nil || *e.AllowCheckIn }

// EntitlementRequest is an entitlement a checkout asks for: Quantity units
// of a counted one (nil: one unit), or a tier, whose Value is not read.
type EntitlementRequest struct {
	Name     string
	Unit     Unit
	Quantity *int64
	Value    string
}

// AllowedEntitlement is an entitlement a checkout took: Quantity units of a
// counted one, or the tier named by Value.
type AllowedEntitlement struct {
	Name     string
	Unit     Unit
	Quantity int64
	Value    string
}

// Text is the value an allowed entitlement is shown with (in a token's
// claims, on the wire): a counted one's quantity in decimal, a tier's value.
func (a AllowedEntitlement) Text() string {
	if a.Unit != UnitNone {
		return strconv.FormatInt(a.Quantity, 10)
	}
	return a.Value
}

// Validity is the window in which a license can be checked out: from Begin,
// until End (none when End is zero).
type Validity struct {
	Begin, End time.Time
}

// Contains says whether now is inside the window.
func (v Validity) Contains(now time.Time) bool {
	return !now.Before(v.Begin) && (v.End.IsZero() || now.Before(v.End))
}

// Usage is how much of one entitlement is in use.
type Usage struct {
	Drawn int64 // consumed for good by PERPETUAL checkouts
	InUse int64 // held by live floating checkouts
}

// Draw is a quantity of one counted entitlement a checkout takes.
type Draw struct {
	Entitlement Entitlement
	Quantity    int64
}

// LicenseStatus is the status of a license.
type LicenseStatus string

// License statuses.
const (
	StatusAvailable        LicenseStatus = "AVAILABLE"
	StatusPendingAvailable LicenseStatus = "PENDING_AVAILABLE"
	StatusDeactivated      LicenseStatus = "DEACTIVATED"
	StatusSuspended        LicenseStatus = "SUSPENDED"
	StatusExpired          LicenseStatus = "EXPIRED"
	StatusPendingDelete    LicenseStatus = "PENDING_DELETE"
	StatusDeleted          LicenseStatus = "DELETED"
)

// LicenseStatuses lists every license status.
var LicenseStatuses = []LicenseStatus{StatusAvailable, StatusPendingAvailable, StatusDeactivated, StatusSuspended, StatusExpired,
	StatusPendingDelete, StatusDeleted}

// Errors in the License Manager model's vocabulary.
func errNoEntitlements(format string, args ...any) error {
	return fault.Coded(fault.LimitExceeded, "NoEntitlementsAllowedException", format, args...)
}

func errEntitlementNotAllowed(format string, args ...any) error {
	return fault.Coded(fault.Invalid, "EntitlementNotAllowedException", format, args...)
}

func errConflict(format string, args ...any) error {
	return fault.Coded(fault.Conflict, "ConflictException", format, args...)
}

// Clip shortens a value quoted in a message: a request's values may be long.
func Clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// isoFormat is how messages show times, as the wire does.
const isoFormat = "2006-01-02T15:04:05.000Z"

// FormatTime shows a time in a message; the zero time, none, is the empty
// string.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(isoFormat)
}

// Package license is Tollgate's license manager: licenses that sellers (and
// the marketplace itself) issue to buyers, the grants that carry them to the
// buyer's account, and the checkouts through which the seller's software
// consumes entitlements. Configurable entitlements are drawn down for good
// (PERPETUAL checkouts) or float (PROVISIONAL checkouts, returned by check-in
// or when their time to live passes); tiered entitlements (Unit None) only
// say which tier the buyer holds.
//
// The types carry the JSON names of the AWS License Manager model, because
// that model is the product's contract: the wire adapter decodes straight
// into these inputs and encodes these outputs.
package license

import (
	"time"
)

// Checkout types.
const (
	Provisional = "PROVISIONAL"
	Perpetual   = "PERPETUAL"
)

// License statuses.
const (
	StatusAvailable        = "AVAILABLE"
	StatusPendingAvailable = "PENDING_AVAILABLE"
	StatusDeactivated      = "DEACTIVATED"
	StatusSuspended        = "SUSPENDED"
	StatusExpired          = "EXPIRED"
	StatusPendingDelete    = "PENDING_DELETE"
	StatusDeleted          = "DELETED"
)

// Grant statuses.
const (
	GrantPendingWorkflow    = "PENDING_WORKFLOW"
	GrantPendingAccept      = "PENDING_ACCEPT"
	GrantRejected           = "REJECTED"
	GrantActive             = "ACTIVE"
	GrantFailedWorkflow     = "FAILED_WORKFLOW"
	GrantDeleted            = "DELETED"
	GrantPendingDelete      = "PENDING_DELETE"
	GrantDisabled           = "DISABLED"
	GrantWorkflowCompleted  = "WORKFLOW_COMPLETED"
	UnitNone                = "None"
	DefaultProvisionalTTL   = 60 // minutes; AWS Marketplace licenses use 60
	MarketplaceIssuerName   = "AWS/Marketplace"
	DefaultMarketplacePrint = "aws:294406891311:AWS/Marketplace:issuer-fingerprint"
	SignatureMethod         = "JWT_PS384"
)

// Allowed operations a grant can carry.
const (
	OpCreateGrant           = "CreateGrant"
	OpCheckoutLicense       = "CheckoutLicense"
	OpCheckoutBorrowLicense = "CheckoutBorrowLicense"
	OpCheckInLicense        = "CheckInLicense"
	OpExtendConsumption     = "ExtendConsumptionLicense"
	OpListPurchasedLicenses = "ListPurchasedLicenses"
	OpCreateToken           = "CreateToken"
	ActivationDistributed   = "DISTRIBUTED_GRANTS_ONLY"
	ActivationAllGrants     = "ALL_GRANTS_PERMITTED_BY_ISSUER"
	defaultPageSize         = 100
)

var (
	licenseStatuses = set(StatusAvailable, StatusPendingAvailable, StatusDeactivated, StatusSuspended, StatusExpired, StatusPendingDelete, StatusDeleted)
	grantStatuses   = set(GrantPendingWorkflow, GrantPendingAccept, GrantRejected, GrantActive, GrantFailedWorkflow, GrantDeleted, GrantPendingDelete, GrantDisabled, GrantWorkflowCompleted)
	allowedOps      = set(OpCreateGrant, OpCheckoutLicense, OpCheckoutBorrowLicense, OpCheckInLicense, OpExtendConsumption, OpListPurchasedLicenses, OpCreateToken)
	renewTypes      = set("None", "Weekly", "Monthly")
	units           = set("Count", "None", "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
		"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
		"Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second")
)

func set(values ...string) map[string]bool {
	m := make(map[string]bool, len(values))
	for _, v := range values {
		m[v] = true
	}
	return m
}

// Issuer names who issues a license. KeyFingerprint is assigned by Tollgate.
type Issuer struct {
	Name           string `json:"Name"`
	SignKey        string `json:"SignKey,omitempty"`
	KeyFingerprint string `json:"KeyFingerprint,omitempty"`
}

// Validity is the window in which a license can be checked out. The strings
// are kept as the issuer wrote them; comparisons use their parsed times.
type Validity struct {
	Begin string `json:"Begin"`
	End   string `json:"End,omitempty"`
}

// Entitlement is one thing a license entitles its holder to.
type Entitlement struct {
	Name         string `json:"Name"`
	Value        string `json:"Value,omitempty"`
	MaxCount     *int64 `json:"MaxCount,omitempty"`
	Overage      *bool  `json:"Overage,omitempty"`
	Unit         string `json:"Unit"`
	AllowCheckIn *bool  `json:"AllowCheckIn,omitempty"`
}

func (e Entitlement) counted() bool { return e.Unit != UnitNone }

func (e Entitlement) overage() bool { return e.Overage != nil && *e.Overage }

func (e Entitlement) allowCheckIn() bool { return e.AllowCheckIn == nil || *e.AllowCheckIn }

// ProvisionalConfiguration sets the time to live of floating checkouts.
type ProvisionalConfiguration struct {
	MaxTimeToLiveInMinutes *int `json:"MaxTimeToLiveInMinutes"`
}

// BorrowConfiguration sets how long borrowed entitlements last.
type BorrowConfiguration struct {
	AllowEarlyCheckIn      *bool `json:"AllowEarlyCheckIn"`
	MaxTimeToLiveInMinutes *int  `json:"MaxTimeToLiveInMinutes"`
}

// ConsumptionConfiguration says how a license may be consumed.
type ConsumptionConfiguration struct {
	RenewType                string                    `json:"RenewType,omitempty"`
	ProvisionalConfiguration *ProvisionalConfiguration `json:"ProvisionalConfiguration,omitempty"`
	BorrowConfiguration      *BorrowConfiguration      `json:"BorrowConfiguration,omitempty"`
}

func (c ConsumptionConfiguration) provisionalTTL() time.Duration {
	if c.ProvisionalConfiguration != nil && c.ProvisionalConfiguration.MaxTimeToLiveInMinutes != nil {
		return time.Duration(*c.ProvisionalConfiguration.MaxTimeToLiveInMinutes) * time.Minute
	}
	return DefaultProvisionalTTL * time.Minute
}

// Metadata is a name/value pair.
type Metadata struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// License is one version of a license.
type License struct {
	LicenseArn               string                   `json:"LicenseArn"`
	LicenseName              string                   `json:"LicenseName"`
	ProductName              string                   `json:"ProductName"`
	ProductSKU               string                   `json:"ProductSKU"`
	Issuer                   Issuer                   `json:"Issuer"`
	HomeRegion               string                   `json:"HomeRegion"`
	Status                   string                   `json:"Status"`
	Validity                 Validity                 `json:"Validity"`
	Beneficiary              string                   `json:"Beneficiary"`
	Entitlements             []Entitlement            `json:"Entitlements"`
	ConsumptionConfiguration ConsumptionConfiguration `json:"ConsumptionConfiguration"`
	LicenseMetadata          []Metadata               `json:"LicenseMetadata,omitempty"`
	CreateTime               string                   `json:"CreateTime"`
	Version                  string                   `json:"Version"`

	// Owner is the issuing account; not part of the AWS shape.
	Owner string `json:"-"`
}

// entitlement returns the license's entitlement of the given name.
func (l *License) entitlement(name string) (Entitlement, bool) {
	for _, e := range l.Entitlements {
		if e.Name == name {
			return e, true
		}
	}
	return Entitlement{}, false
}

// inValidity reports whether now is inside the license's validity window.
func (l *License) inValidity(now time.Time) bool {
	begin, err := parseTime(l.Validity.Begin)
	if err != nil || now.Before(begin) {
		return false
	}
	if l.Validity.End == "" {
		return true
	}
	end, err := parseTime(l.Validity.End)
	return err == nil && now.Before(end)
}

// Options are a grant's activation options.
type Options struct {
	ActivationOverrideBehavior string `json:"ActivationOverrideBehavior,omitempty"`
}

// Grant gives an account the right to perform operations on a license.
type Grant struct {
	GrantArn            string   `json:"GrantArn"`
	GrantName           string   `json:"GrantName"`
	ParentArn           string   `json:"ParentArn"`
	LicenseArn          string   `json:"LicenseArn"`
	GranteePrincipalArn string   `json:"GranteePrincipalArn"`
	HomeRegion          string   `json:"HomeRegion"`
	GrantStatus         string   `json:"GrantStatus"`
	StatusReason        string   `json:"StatusReason,omitempty"`
	Version             string   `json:"Version"`
	GrantedOperations   []string `json:"GrantedOperations"`
	Options             *Options `json:"Options,omitempty"`

	// Not part of the AWS shape.
	Grantor        string `json:"-"`
	Grantee        string `json:"-"`
	ProductSKU     string `json:"-"`
	KeyFingerprint string `json:"-"`
	IssuerName     string `json:"-"`
}

func (g *Grant) allows(op string) bool {
	for _, o := range g.GrantedOperations {
		if o == op {
			return true
		}
	}
	return false
}

// EntitlementData is an entitlement asked for, or allowed, in a checkout.
type EntitlementData struct {
	Name  string `json:"Name"`
	Value string `json:"Value,omitempty"`
	Unit  string `json:"Unit"`
}

// Checkout is a record of entitlements checked out under a consumption
// token.
type Checkout struct {
	Token        string
	Account      string
	LicenseArn   string
	GrantArn     string
	Type         string // PROVISIONAL or PERPETUAL
	Borrow       bool
	NodeID       string
	IssuedAt     time.Time
	Expires      time.Time
	Entitlements []EntitlementData // what was allowed
	Metadata     []Metadata
}

// Seat is a floating quantity held by a live checkout.
type Seat struct {
	Token      string
	LicenseArn string
	Name       string
	Quantity   int64
	Expires    time.Time
}

// Usage is how much of one entitlement is in use.
type Usage struct {
	Drawn int64 // consumed for good by PERPETUAL checkouts
	InUse int64 // held by live floating checkouts
}

const isoFormat = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(isoFormat) }

func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

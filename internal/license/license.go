// Package license is Tollgate's license manager: licenses that sellers (and
// the marketplace itself) issue to buyers, the grants that carry them to the
// buyer's account, and the checkouts through which the seller's software
// consumes entitlements. Configurable entitlements are drawn down for good
// (PERPETUAL checkouts) or float (PROVISIONAL checkouts, returned by check-in
// or when their time to live passes); tiered entitlements (Unit None) only
// say which tier the buyer holds.
//
// The types are wire-neutral: times are time.Time (the zero time where
// there is none), quantities are integers, enumerations are typed
// constants. The AWS License Manager shapes, and the formatting of times
// and numbers as strings, live in the wire adapter
// (internal/awsapi/licensemanager); the stored shapes live in the store.
// The fields of the <Op>Input types are named as the members of the AWS
// model, because validation messages name them so (rules.Problems.Text).
// The pure rules a service decision rests on are in package rules.
package license

import (
	"slices"
	"time"

	"github.com/tollgate/tollgate/internal/license/rules"
)

// The value types of the rules, which are the license manager's own.
type (
	Unit               = rules.Unit
	Entitlement        = rules.Entitlement
	EntitlementRequest = rules.EntitlementRequest
	AllowedEntitlement = rules.AllowedEntitlement
	Validity           = rules.Validity
	Usage              = rules.Usage
	LicenseStatus      = rules.LicenseStatus
)

// Units.
const (
	UnitNone  = rules.UnitNone
	UnitCount = rules.UnitCount
)

// License statuses.
const (
	StatusAvailable        = rules.StatusAvailable
	StatusPendingAvailable = rules.StatusPendingAvailable
	StatusDeactivated      = rules.StatusDeactivated
	StatusSuspended        = rules.StatusSuspended
	StatusExpired          = rules.StatusExpired
	StatusPendingDelete    = rules.StatusPendingDelete
	StatusDeleted          = rules.StatusDeleted
)

// CheckoutType says how a checkout consumes units.
type CheckoutType string

// Checkout types.
const (
	Provisional CheckoutType = "PROVISIONAL" // floating: returned by check-in or at expiry
	Perpetual   CheckoutType = "PERPETUAL"   // drawn down for good
)

var checkoutTypes = []CheckoutType{Provisional, Perpetual}

// GrantStatus is the status of a grant.
type GrantStatus string

// Grant statuses.
const (
	GrantPendingWorkflow   GrantStatus = "PENDING_WORKFLOW"
	GrantPendingAccept     GrantStatus = "PENDING_ACCEPT"
	GrantRejected          GrantStatus = "REJECTED"
	GrantActive            GrantStatus = "ACTIVE"
	GrantFailedWorkflow    GrantStatus = "FAILED_WORKFLOW"
	GrantDeleted           GrantStatus = "DELETED"
	GrantPendingDelete     GrantStatus = "PENDING_DELETE"
	GrantDisabled          GrantStatus = "DISABLED"
	GrantWorkflowCompleted GrantStatus = "WORKFLOW_COMPLETED"
)

var grantStatuses = []GrantStatus{GrantPendingWorkflow, GrantPendingAccept, GrantRejected, GrantActive, GrantFailedWorkflow,
	GrantDeleted, GrantPendingDelete, GrantDisabled, GrantWorkflowCompleted}

// Operation is an operation a grant can allow.
type Operation string

// Allowed operations a grant can carry.
const (
	OpCreateGrant           Operation = "CreateGrant"
	OpCheckoutLicense       Operation = "CheckoutLicense"
	OpCheckoutBorrowLicense Operation = "CheckoutBorrowLicense"
	OpCheckInLicense        Operation = "CheckInLicense"
	OpExtendConsumption     Operation = "ExtendConsumptionLicense"
	OpListPurchasedLicenses Operation = "ListPurchasedLicenses"
	OpCreateToken           Operation = "CreateToken"
)

var allowedOps = []Operation{OpCreateGrant, OpCheckoutLicense, OpCheckoutBorrowLicense, OpCheckInLicense, OpExtendConsumption,
	OpListPurchasedLicenses, OpCreateToken}

// RenewType says when a license's consumption renews (rules.PeriodStart).
type RenewType = rules.RenewType

// Renew types.
const (
	RenewNone    = rules.RenewNone
	RenewWeekly  = rules.RenewWeekly
	RenewMonthly = rules.RenewMonthly
)

var renewTypes = []RenewType{RenewNone, RenewWeekly, RenewMonthly}

// ActivationOverride says which of a grantee's active grants for a product
// the activation of another one replaces.
type ActivationOverride string

// Activation overrides.
const (
	ActivationDistributed ActivationOverride = "DISTRIBUTED_GRANTS_ONLY"
	ActivationAllGrants   ActivationOverride = "ALL_GRANTS_PERMITTED_BY_ISSUER"
)

var activationOverrides = []ActivationOverride{ActivationDistributed, ActivationAllGrants}

// Other constants of the model and of Tollgate's defaults.
const (
	DefaultProvisionalTTL   = 60 // minutes; AWS Marketplace licenses use 60
	MarketplaceIssuerName   = "AWS/Marketplace"
	DefaultMarketplacePrint = "aws:294406891311:AWS/Marketplace:issuer-fingerprint"
	SignatureMethod         = "JWT_PS384"
	defaultPageSize         = 100
)

// Issuer names who issues a license. KeyFingerprint is assigned by Tollgate.
type Issuer struct {
	Name           string
	SignKey        string
	KeyFingerprint string
}

// ProvisionalConfiguration sets the time to live of floating checkouts.
type ProvisionalConfiguration struct {
	MaxTimeToLiveInMinutes *int
}

// BorrowConfiguration sets how long borrowed entitlements last.
type BorrowConfiguration struct {
	AllowEarlyCheckIn      *bool
	MaxTimeToLiveInMinutes *int
}

// ConsumptionConfiguration says how a license may be consumed.
type ConsumptionConfiguration struct {
	RenewType                RenewType
	ProvisionalConfiguration *ProvisionalConfiguration
	BorrowConfiguration      *BorrowConfiguration
}

// ProvisionalTTL is how long a floating checkout lives.
func (c ConsumptionConfiguration) ProvisionalTTL() time.Duration {
	if c.ProvisionalConfiguration != nil && c.ProvisionalConfiguration.MaxTimeToLiveInMinutes != nil {
		return time.Duration(*c.ProvisionalConfiguration.MaxTimeToLiveInMinutes) * time.Minute
	}
	return DefaultProvisionalTTL * time.Minute
}

// BorrowTTL is how long borrowed entitlements last, and false when the
// license does not allow borrowing.
func (c ConsumptionConfiguration) BorrowTTL() (time.Duration, bool) {
	if b := c.BorrowConfiguration; b != nil && b.MaxTimeToLiveInMinutes != nil {
		return time.Duration(*b.MaxTimeToLiveInMinutes) * time.Minute, true
	}
	return 0, false
}

// EarlyCheckIn says whether borrowed entitlements may be checked in before
// they expire.
func (c ConsumptionConfiguration) EarlyCheckIn() bool {
	b := c.BorrowConfiguration
	return b != nil && b.AllowEarlyCheckIn != nil && *b.AllowEarlyCheckIn
}

// Metadata is a name/value pair.
type Metadata struct {
	Name  string
	Value string
}

// License is one version of a license.
type License struct {
	LicenseArn               string
	LicenseName              string
	ProductName              string
	ProductSKU               string
	Issuer                   Issuer
	HomeRegion               string
	Status                   LicenseStatus
	Validity                 Validity
	Beneficiary              string
	Entitlements             []Entitlement
	ConsumptionConfiguration ConsumptionConfiguration
	LicenseMetadata          []Metadata
	CreateTime               time.Time
	Version                  string

	// Owner is the issuing account.
	Owner string
}

// Options are a grant's activation options.
type Options struct {
	ActivationOverrideBehavior ActivationOverride
}

// Grant gives an account the right to perform operations on a license.
type Grant struct {
	GrantArn            string
	GrantName           string
	ParentArn           string
	LicenseArn          string
	GranteePrincipalArn string
	HomeRegion          string
	GrantStatus         GrantStatus
	StatusReason        string
	Version             string
	GrantedOperations   []Operation
	Options             *Options

	// The accounts, and what the grant's license says, kept with the grant
	// so that a checkout finds its grant by them.
	Grantor        string
	Grantee        string
	ProductSKU     string
	KeyFingerprint string
	IssuerName     string
}

func (g *Grant) allows(op Operation) bool { return slices.Contains(g.GrantedOperations, op) }

// Checkout is a record of entitlements checked out under a consumption
// token.
type Checkout struct {
	Token      string
	Account    string
	LicenseArn string
	GrantArn   string
	Type       CheckoutType
	Borrow     bool
	NodeID     string
	// Beneficiary is on whose behalf the license's issuer checked out
	// (GrantArn is then empty); empty for a grantee's checkout.
	Beneficiary string
	// LicenseVersion is the version of the license the checkout was made,
	// or last extended, under; empty for checkouts stored before it was
	// kept.
	LicenseVersion string
	IssuedAt       time.Time
	Expires        time.Time
	Entitlements   []AllowedEntitlement
	Metadata       []Metadata
}

// Seat is a floating quantity held by a live checkout.
type Seat struct {
	Token      string
	LicenseArn string
	Name       string
	Quantity   int64
	Expires    time.Time
}

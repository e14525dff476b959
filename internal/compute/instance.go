package compute

import (
	"context"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/tag"
)

// Instance is a simulated virtual machine: no machine boots, but its
// states and their times are real on the service's clock.
type Instance struct {
	ID            string // "i-" and 17 lowercase hex digits
	Owner         string // the launching account
	ReservationID string // "r-" and 17 lowercase hex digits: one per launch
	LaunchIndex   int    // its place in the launch, from 0
	ImageID       string
	InstanceType  string
	State         State
	// StateReason says why the instance last changed state, in EC2's
	// words ("Client.UserInitiatedShutdown: User initiated shutdown").
	StateReason string
	// ProductCode is the image's product code at launch, carried for the
	// instance's life; its zero value is none.
	ProductCode  image.ProductCode
	Platform     image.Platform
	Architecture string
	// LaunchedAt is when the instance last started running; CreatedAt when
	// it was launched; TerminatedAt when it was terminated (zero until).
	LaunchedAt   time.Time
	CreatedAt    time.Time
	TerminatedAt time.Time
	// ClientToken makes a retried launch return the first one's instances;
	// LaunchRequest is what that launch asked for, to tell a retry from a
	// different launch with the same token.
	ClientToken   string
	LaunchRequest string
	Zone          string
	PrivateIP     string
	KeyName       string
	// RootDeviceName, RootDeviceType and Volumes are the instance's block
	// devices: its root EBS volume and any others the image maps.
	RootDeviceName     string
	RootDeviceType     image.DeviceType
	VirtualizationType string
	Volumes            []Volume
	// Profile is the IAM instance profile the instance runs with; its
	// role's credentials are what the metadata service serves.
	Profile InstanceProfile
	// Association is the instance's association with Profile: set
	// exactly when Profile is.
	Association ProfileAssociation
	// Metadata is how the instance metadata service answers the instance.
	Metadata MetadataOptions
}

// MetadataOptions are RunInstances' MetadataOptions that mean something
// without a machine: whether the metadata service answers requests
// without an IMDSv2 session token, and whether it answers at all. (The
// hop limit bounds how far a token's response travels from a real
// machine; Tollgate's metadata service is reached over the network, so it
// has nothing to bound.)
type MetadataOptions struct {
	HTTPTokens   string // HTTPTokensOptional or HTTPTokensRequired
	HTTPEndpoint string // HTTPEndpointEnabled or HTTPEndpointDisabled
}

// The values of MetadataOptions, as EC2 spells them.
const (
	HTTPTokensOptional   = "optional"
	HTTPTokensRequired   = "required"
	HTTPEndpointEnabled  = "enabled"
	HTTPEndpointDisabled = "disabled"
)

// TokensRequired reports whether the metadata service refuses requests
// without a session token (IMDSv1).
func (m MetadataOptions) TokensRequired() bool { return m.HTTPTokens == HTTPTokensRequired }

// Disabled reports whether the metadata service does not answer the
// instance at all.
func (m MetadataOptions) Disabled() bool { return m.HTTPEndpoint == HTTPEndpointDisabled }

// WithDefaults fills in what a launch (or an instance stored before the
// options were recorded) left out: tokens optional, the
// endpoint enabled, as EC2's defaults for an image that says nothing.
func (m MetadataOptions) WithDefaults() MetadataOptions {
	if m.HTTPTokens == "" {
		m.HTTPTokens = HTTPTokensOptional
	}
	if m.HTTPEndpoint == "" {
		m.HTTPEndpoint = HTTPEndpointEnabled
	}
	return m
}

// Validate refuses values EC2 does not know.
func (m MetadataOptions) Validate() error {
	switch m.HTTPTokens {
	case "", HTTPTokensOptional, HTTPTokensRequired:
	default:
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter HttpTokens is invalid. Expected optional or required.", clip(m.HTTPTokens))
	}
	switch m.HTTPEndpoint {
	case "", HTTPEndpointEnabled, HTTPEndpointDisabled:
	default:
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter HttpEndpoint is invalid. Expected enabled or disabled.", clip(m.HTTPEndpoint))
	}
	return nil
}

// PrivateDNSName is the instance's private host name, as EC2 names it
// after its private address; DescribeInstances and the metadata service
// both show it.
func (in Instance) PrivateDNSName() string {
	return "ip-" + strings.ReplaceAll(in.PrivateIP, ".", "-") + ".ec2.internal"
}

// Volume is an EBS volume attached to an instance.
type Volume struct {
	DeviceName          string
	VolumeID            string // "vol-" and 17 lowercase hex digits
	SnapshotID          string // what it was created from; empty for a blank volume
	SizeGiB             int64
	VolumeType          string
	AttachedAt          time.Time
	DeleteOnTermination bool
}

// State is an instance's state.
type State string

// The states. Transitions take effect at the time of the request that
// makes them: an instance launches straight into running (the launch's
// answer shows it pending), stops into stopped and terminates into
// terminated, and the answers of those requests show the transitional
// state (stopping, shutting-down) as EC2's do.
const (
	Pending      State = "pending"
	Running      State = "running"
	ShuttingDown State = "shutting-down"
	Terminated   State = "terminated"
	Stopping     State = "stopping"
	Stopped      State = "stopped"
)

// Code is EC2's number for a state.
func (s State) Code() int {
	switch s {
	case Running:
		return 16
	case ShuttingDown:
		return 32
	case Terminated:
		return 48
	case Stopping:
		return 64
	case Stopped:
		return 80
	}
	return 0
}

// States are every state, in order of their codes.
var States = []State{Pending, Running, ShuttingDown, Terminated, Stopping, Stopped}

// TerminatedVisibleFor is how long a terminated instance is still listed,
// as on EC2.
const TerminatedVisibleFor = time.Hour

// Interval is one running interval of an instance: what billing charges
// for. An instance has one interval per time it ran; the last one is open
// (End zero) while it runs.
type Interval struct {
	InstanceID   string
	Account      string
	InstanceType string
	ProductCode  image.ProductCode
	Start        time.Time
	End          time.Time
}

// Store is what instances need from storage. Getters return
// fault.NotFound when nothing matches.
type Store interface {
	// Update runs fn in one transaction, durable when it returns nil.
	Update(ctx context.Context, fn func(Tx) error) error
	// Get returns an instance, whoever owns it.
	Get(ctx context.Context, id string) (Instance, error)
	// List returns the instances q selects, ordered by reservation and ID.
	List(ctx context.Context, q Query) ([]Instance, error)
	// Intervals returns an account's running intervals that overlap
	// [from, to), open ones included, ordered by start and instance.
	Intervals(ctx context.Context, account string, from, to time.Time) ([]Interval, error)
	// Volumes returns the volumes q selects, ordered by volume ID.
	Volumes(ctx context.Context, q VolumeQuery) ([]InstanceVolume, error)
	// Tags returns account's tags on resources (volumes), by resource.
	Tags(ctx context.Context, account string, ids []string) (map[string][]tag.Tag, error)
	// Associations returns the instances q selects that have a profile
	// association and are not terminated, ordered by association ID.
	Associations(ctx context.Context, q AssociationQuery) ([]Instance, error)
}

// Tx is a write transaction.
type Tx interface {
	// Now is the transaction's one time.
	Now() time.Time
	Instance(id string) (Instance, error)
	// InstanceByAssociation returns the instance whose profile
	// association has the ID, whoever owns it.
	InstanceByAssociation(id string) (Instance, error)
	// Launched returns an account's instances launched with a client
	// token, in launch order.
	Launched(owner, clientToken string) ([]Instance, error)
	// CreateInstance stores a new instance; fault.Conflict if its ID is
	// taken.
	CreateInstance(in Instance) error
	// PutInstance replaces a stored instance.
	PutInstance(in Instance) error
	// OpenInterval records the start of a running interval; CloseInterval
	// ends an instance's open interval at end.
	OpenInterval(iv Interval) error
	CloseInterval(instanceID string, end time.Time) error
	// PutTags sets account's tags on a resource created in the
	// transaction.
	PutTags(account, resourceID string, typ tag.ResourceType, tags []tag.Tag) error
}

// Query selects instances for List.
type Query struct {
	Owner string
	IDs   []string
	// Filters are checked filters (FilterNames).
	Filters []filter.Filter
	// TerminatedSince leaves out instances terminated before it.
	TerminatedSince time.Time
	// AfterReservation and AfterID are the last instance of the previous
	// page; Limit bounds the page (0: no bound).
	AfterReservation, AfterID string
	Limit                     int
}

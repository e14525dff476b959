// Package image is machine images: registering and deregistering them,
// who may see and launch them (launch permissions, public images), the
// product code that makes an image paid (attached once, by its owner, from
// the owner's own paid-image product or a supported-image product the
// owner subscribes to), and the lineage that carries codes to images made
// from others. The EC2 API is its wire format (awsapi/ec2); the types here
// are wire-neutral.
package image

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/tag"
)

// Image is a machine image.
type Image struct {
	ID    string // "ami-" and 17 lowercase hex digits
	Owner string // the owning account's ID
	// OwnerAlias names the owner for images the operator publishes
	// ("amazon", "aws-marketplace"); empty for accounts' own images.
	OwnerAlias  string
	Name        string
	Description string
	// Architecture is one of Architectures.
	Architecture string
	// Platform is Windows for Windows images, Linux (empty) otherwise.
	Platform Platform
	State    State
	// Public images may be seen and launched by every account.
	Public bool
	// ProductCode is the image's product code; its zero value is none.
	ProductCode ProductCode
	// ImageLocation is the manifest of an instance-store image; empty for
	// EBS-backed ones.
	ImageLocation      string
	RootDeviceName     string
	RootDeviceType     DeviceType
	VirtualizationType string // "hvm" or "paravirtual"
	BlockDevices       []BlockDevice
	KernelID           string
	RamdiskID          string
	EnaSupport         bool
	SriovNetSupport    string
	BootMode           string
	TpmSupport         string
	ImdsSupport        string
	// SourceInstanceID is the instance the image was made from, when it
	// was (CreateImage); SourceImageID the image it was copied from.
	SourceInstanceID string
	SourceImageID    string
	CreatedAt        time.Time
}

// Platform is an image's operating-system family, as far as billing and
// rebundling care.
type Platform string

// The platforms. EC2 names only Windows; everything else is Linux/UNIX.
const (
	Linux   Platform = ""
	Windows Platform = "windows"
)

// Details is the platform as EC2's platformDetails shows it.
func (p Platform) Details() string {
	if p == Windows {
		return "Windows"
	}
	return "Linux/UNIX"
}

// UsageOperation is the billing operation of the platform, as EC2's
// usageOperation shows it.
func (p Platform) UsageOperation() string {
	if p == Windows {
		return "RunInstances:0002"
	}
	return "RunInstances"
}

// State is an image's state. Registration completes at once, so images
// are available from the start; a deregistered image is gone.
type State string

// The states an image is stored in.
const (
	Available State = "available"
)

// DeviceType says what backs an image's root device.
type DeviceType string

// The device types.
const (
	EBS           DeviceType = "ebs"
	InstanceStore DeviceType = "instance-store"
)

// CodeType is the type of a product code: devpay or marketplace.
type CodeType string

// The code types. A paid-image product's code is a marketplace code: its
// owner sells the image at its own prices, as an AWS Marketplace AMI
// product does, and software inside reads it as marketplaceProductCodes. A
// supported-image product's code is a devpay code: the buyer attaches it
// to the buyer's own image, which only DevPay's supported AMIs did.
const (
	DevPay      CodeType = "devpay"
	Marketplace CodeType = "marketplace"
)

// ProductCode is a product code as images and instances carry it.
type ProductCode struct {
	Code string
	Type CodeType
}

// IsZero reports whether pc is no code.
func (pc ProductCode) IsZero() bool { return pc.Code == "" }

// BlockDevice is one block device mapping of an image.
type BlockDevice struct {
	DeviceName  string
	VirtualName string // "ephemeral0", ... for instance-store volumes
	NoDevice    bool
	// Ebs is the EBS volume the device is created from; nil for others.
	Ebs *EbsDevice
}

// EbsDevice is an EBS volume of a block device mapping.
type EbsDevice struct {
	SnapshotID          string
	VolumeSize          int64 // GiB; 0 is the snapshot's size
	VolumeType          string
	Iops                int64
	Throughput          int64
	DeleteOnTermination bool
	Encrypted           bool
	KmsKeyID            string
}

// Launch permissions: the grantees of an image besides its owner. The
// group "all" is the image's Public flag; accounts are rows of their own.
const GroupAll = "all"

// Store is what images need from storage. Getters return fault.NotFound
// when nothing matches.
type Store interface {
	// Update runs fn in one transaction, durable when it returns nil.
	Update(ctx context.Context, fn func(Tx) error) error
	// Visible returns an image that caller may see: its own, one shared
	// with it, or a public one.
	Visible(ctx context.Context, caller, id string) (Image, error)
	// List returns the images q selects, in ID order.
	List(ctx context.Context, q Query) ([]Image, error)
	// LaunchPermissions returns the accounts an image is shared with, in
	// order.
	LaunchPermissions(ctx context.Context, id string) ([]string, error)
	// Snapshots returns the snapshots q selects, in ID order.
	Snapshots(ctx context.Context, q SnapshotQuery) ([]Snapshot, error)
	// SnapshotPermissions returns the accounts a snapshot is shared with,
	// in order.
	SnapshotPermissions(ctx context.Context, id string) ([]string, error)
	// ImportTasks returns the import tasks q selects, in ID order.
	ImportTasks(ctx context.Context, q ImportTaskQuery) ([]ImportTask, error)
}

// Tx is a write transaction.
type Tx interface {
	// Now is the transaction's one time.
	Now() time.Time
	Image(id string) (Image, error)
	// Permitted reports whether an image is shared with account.
	Permitted(id, account string) (bool, error)
	// CreateImage stores a new image; fault.Conflict if its ID is taken or
	// its owner has an image of that name.
	CreateImage(img Image) error
	// PutImage replaces a stored image's fields.
	PutImage(img Image) error
	// DeleteImage deletes an image and its launch permissions.
	DeleteImage(id string) error
	// AddLaunchPermissions shares an image with accounts (those it is
	// already shared with are left alone); RemoveLaunchPermissions stops
	// sharing it.
	AddLaunchPermissions(id string, accounts []string) error
	RemoveLaunchPermissions(id string, accounts []string) error
	// ResetLaunchPermissions stops sharing an image with anyone.
	ResetLaunchPermissions(id string) error
	// PutTags sets account's tags on an image.
	PutTags(account, id string, tags []tag.Tag) error
	// Tag sets account's tags on a resource of type typ made in the
	// transaction (a snapshot, an import task).
	Tag(account, id string, typ tag.ResourceType, tags []tag.Tag) error
	// TagsOf returns account's tags on a resource, ordered by key.
	TagsOf(account, id string) ([]tag.Tag, error)

	Snapshot(id string) (Snapshot, error)
	// CreateSnapshot stores a new snapshot; fault.Conflict if its ID is
	// taken.
	CreateSnapshot(s Snapshot) error
	// DeleteSnapshot deletes a snapshot, the tags on it and its
	// create-volume permissions.
	DeleteSnapshot(id string) error
	// SetSnapshotPublic makes a snapshot public or private.
	SetSnapshotPublic(id string, public bool) error
	// SnapshotPermitted reports whether a snapshot is shared with account.
	SnapshotPermitted(id, account string) (bool, error)
	// AddSnapshotPermissions shares a snapshot with accounts (those it is
	// already shared with are left alone); RemoveSnapshotPermissions stops
	// sharing it; ResetSnapshotPermissions stops sharing it with any.
	AddSnapshotPermissions(id string, accounts []string) error
	RemoveSnapshotPermissions(id string, accounts []string) error
	ResetSnapshotPermissions(id string) error
	// SnapshotUsers returns the images whose block devices are made from a
	// snapshot, in ID order.
	SnapshotUsers(id string) ([]string, error)

	// ClientToken returns what an account's call of an operation with a
	// client token made, and what that call asked for; fault.NotFound if
	// none. PutClientToken records it.
	ClientToken(account, operation, token string) (resourceID, request string, err error)
	PutClientToken(account, operation, token, resourceID, request string) error

	// CreateImportTask stores a new import task.
	CreateImportTask(t ImportTask) error
	// ImportTask returns an import task; PutImportTask replaces a stored
	// one's status and fields.
	ImportTask(id string) (ImportTask, error)
	PutImportTask(t ImportTask) error
}

// Query selects images for List. Every condition given must hold.
type Query struct {
	// Caller is the account listing: only images it may see are listed.
	Caller string
	// IDs, when given, are the only images listed.
	IDs []string
	// Owners, when given, are the owners whose images are listed: account
	// IDs, and owner aliases ("amazon").
	Owners []string
	// SharedWith, when given, lists only images with explicit launch
	// permissions for these accounts; AnyPublic adds public images.
	SharedWith []string
	AnyPublic  bool
	// ExecutableBy is set when SharedWith or AnyPublic are to apply.
	ExecutableBy bool
	// Filters are the checked filters (FilterNames).
	Filters []filter.Filter
	// After is the ID the listing starts after; Limit bounds it (0: no
	// bound).
	After string
	Limit int
}

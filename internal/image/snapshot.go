package image

import (
	"context"
	"encoding/base64"
	"regexp"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/tag"
)

// Snapshot is an EBS snapshot: a copy of a volume's disk, which images
// are registered from.
type Snapshot struct {
	ID            string // "snap-" and 17 lowercase hex digits
	Owner         string
	VolumeID      string // the volume it was taken of; empty for imported disks
	VolumeSizeGiB int64
	State         SnapshotState
	Description   string
	Encrypted     bool
	StartedAt     time.Time
	// Public snapshots may be restored by every account (the group "all"
	// of their create-volume permissions); the accounts they are shared
	// with are the store's rows of their own.
	Public bool
	// Lineage is where the disk came from, which the rebundling rule reads.
	Lineage Lineage
}

// SnapshotState is a snapshot's state. Tollgate copies no data, so a
// snapshot is complete as soon as it is made; the answer to CreateSnapshot
// shows it pending, as EC2's does.
type SnapshotState string

// The snapshot states.
const (
	SnapshotPending   SnapshotState = "pending"
	SnapshotCompleted SnapshotState = "completed"
)

// Lineage is where a disk came from: the instance (or image) whose volume
// it is a copy of, with that source's product code and platform. A disk
// imported from elsewhere has no known lineage; its platform is what the
// import declared.
type Lineage struct {
	// Known is set when the disk is a copy of an instance's or an image's
	// volume, and its platform and code are theirs.
	Known            bool
	SourceInstanceID string
	SourceImageID    string
	ProductCode      ProductCode
	Platform         Platform
}

// Source is an instance as images and snapshots are made from it:
// CreateImage's instance, or the instance whose volume a snapshot copies.
type Source struct {
	InstanceID         string
	ImageID            string
	ProductCode        ProductCode
	Platform           Platform
	Architecture       string
	RootDeviceName     string
	VirtualizationType string
	Volumes            []SourceVolume
}

// SourceVolume is an EBS volume of a Source.
type SourceVolume struct {
	ID                  string
	DeviceName          string
	SizeGiB             int64
	VolumeType          string
	DeleteOnTermination bool
}

// lineage is the lineage of a copy of one of src's volumes.
func (src Source) lineage() Lineage {
	return Lineage{Known: true, SourceInstanceID: src.InstanceID, ProductCode: src.ProductCode, Platform: src.Platform}
}

// Compute is what images need of instances: the instance an image is made
// from, the volume a snapshot is taken of (both caller's own), and the
// regions images may be copied from; compute.Service implements it.
type Compute interface {
	// ImageSource returns one of caller's instances to make an image of:
	// InvalidInstanceID.NotFound if caller has no such instance,
	// IncorrectInstanceState if it is terminated.
	ImageSource(ctx context.Context, caller, instanceID string) (Source, error)
	// VolumeSource returns the instance one of caller's volumes belongs to,
	// with that volume alone: InvalidVolume.NotFound if caller has no such
	// volume.
	VolumeSource(ctx context.Context, caller, volumeID string) (Source, error)
	// HasRegion reports whether region is one the platform offers.
	HasRegion(region string) bool
}

var (
	volumePattern = regexp.MustCompile(`^vol-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

// CheckVolumeID refuses a malformed volume ID.
func CheckVolumeID(id string) error {
	if !volumePattern.MatchString(id) {
		return fault.Coded(fault.Invalid, "InvalidVolumeID.Malformed", "Invalid id: %q (expecting \"vol-...\")", clip(id))
	}
	return nil
}

func snapshotNotFound(ids ...string) error {
	return fault.Coded(fault.NotFound, "InvalidSnapshot.NotFound", "The snapshot '%s' does not exist.", strings.Join(ids, ", "))
}

// CreateSnapshotInput takes a snapshot of a volume.
type CreateSnapshotInput struct {
	VolumeID    string
	Description string
	Tags        []tag.Tag
}

// Validate checks everything that needs no store.
func (in CreateSnapshotInput) Validate() error {
	if in.VolumeID == "" {
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter VolumeId")
	}
	if err := CheckVolumeID(in.VolumeID); err != nil {
		return err
	}
	if err := checkDescription(in.Description); err != nil {
		return err
	}
	return tag.CheckTags(in.Tags)
}

// SnapshotFilterNames are the DescribeSnapshots filters Tollgate knows,
// besides tag:<key>.
var SnapshotFilterNames = []string{
	"description", "encrypted", "owner-alias", "owner-id", "progress", "snapshot-id", "status", "tag-key",
	"tag-value", "volume-id", "volume-size",
}

// DescribeSnapshotsInput selects snapshots.
type DescribeSnapshotsInput struct {
	IDs []string
	// Owners are account IDs or "self"; RestorableBy likewise.
	Owners       []string
	RestorableBy []string
	Filters      []filter.Filter
	MaxResults   int64
	NextToken    string
}

// Validate checks everything that needs no store.
func (in DescribeSnapshotsInput) Validate() error {
	if err := checkIDs(in.IDs, "snapshots", CheckSnapshotID); err != nil {
		return err
	}
	if len(in.IDs) > 0 && in.MaxResults != 0 {
		return fault.Coded(fault.Invalid, "InvalidParameterCombination", "The parameter SnapshotIds cannot be used with the parameter MaxResults")
	}
	if err := checkMaxResults(in.MaxResults); err != nil {
		return err
	}
	if err := checkAudience(in.Owners, in.RestorableBy); err != nil {
		return err
	}
	if _, err := decodeListToken("snapshot", in.NextToken, CheckSnapshotID); err != nil {
		return err
	}
	return filter.Check(in.Filters, filter.NamedOrTag(SnapshotFilterNames))
}

// SnapshotQuery selects snapshots for ListSnapshots. Only snapshots
// Caller may restore are listed: its own, those shared with it, and public
// ones; every other condition given must hold too.
type SnapshotQuery struct {
	Caller string
	IDs    []string
	// Owners, when given, are the only owners whose snapshots are listed
	// (account IDs; "self" is resolved to Caller before the query).
	Owners []string
	// Restorable is set when RestorableBy applies: then only snapshots
	// with create-volume permissions for one of RestorableBy are listed:
	// for Caller, its own and those shared with it; for another account,
	// Caller's own shared with that account; AnyPublic adds public ones.
	Restorable   bool
	RestorableBy []string
	AnyPublic    bool
	Filters      []filter.Filter
	// None is set when the query can match nothing.
	None  bool
	After string
	Limit int
}

// SnapshotPage is one page of snapshots.
type SnapshotPage struct {
	Snapshots []Snapshot
	NextToken string
}

// encodeListToken and decodeListToken are the pagination tokens of the
// listings (images, snapshots, import tasks): the last ID of a page, with
// the listing's name, base64-encoded so that clients treat it as opaque.
func encodeListToken(kind, lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + lastID))
}

func decodeListToken(kind, token string, check func(string) error) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if id, ok := strings.CutPrefix(string(b), kind+":"); err == nil && ok && check(id) == nil {
		return id, nil
	}
	return "", fault.Coded(fault.Invalid, "InvalidPaginationToken", "The pagination token %q is invalid", clip(token))
}

package compute

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/tag"
)

// VolumeView is an EBS volume as DescribeVolumes shows it. Volumes are
// parts of their instances (Instance.Volumes), created with them; a volume
// is in use while its instance exists, and once the instance is terminated
// it is deleted with it, or, if it is not to be, stays available, detached.
type VolumeView struct {
	Volume
	Owner      string
	InstanceID string // its instance, attached or not
	Zone       string
	State      VolumeState
	// Attached is set while the volume is attached to its instance.
	Attached bool
	Tags     []tag.Tag
}

// VolumeState is a volume's state.
type VolumeState string

// The volume states Tollgate's volumes are in.
const (
	VolumeInUse     VolumeState = "in-use"
	VolumeAvailable VolumeState = "available"
)

// VolumeFilterNames are the DescribeVolumes filters Tollgate knows,
// besides tag:<key>.
var VolumeFilterNames = []string{
	"attachment.delete-on-termination", "attachment.device", "attachment.instance-id", "attachment.status",
	"availability-zone", "encrypted", "size", "snapshot-id", "status", "tag-key", "tag-value", "volume-id", "volume-type",
}

// Limits of DescribeVolumes' MaxResults, EC2's.
const (
	MinVolumeResults = 5
	MaxVolumeResults = 500
)

// DescribeVolumesInput selects volumes.
type DescribeVolumesInput struct {
	IDs        []string
	Filters    []filter.Filter
	MaxResults int64
	NextToken  string
}

// Validate checks everything that needs no store.
func (in DescribeVolumesInput) Validate() error {
	if len(in.IDs) > MaxIDs {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The request names %d volumes; at most %d are allowed", len(in.IDs), MaxIDs)
	}
	for _, id := range in.IDs {
		if err := image.CheckVolumeID(id); err != nil {
			return err
		}
	}
	if len(in.IDs) > 0 && in.MaxResults != 0 {
		return fault.Coded(fault.Invalid, "InvalidParameterCombination", "The parameter volumeSet cannot be used with the parameter maxResults")
	}
	if in.MaxResults != 0 && (in.MaxResults < MinVolumeResults || in.MaxResults > MaxVolumeResults) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%d) for parameter maxResults is invalid. Expect a number between %d and %d.", in.MaxResults, MinVolumeResults, MaxVolumeResults)
	}
	if _, err := decodeVolumeToken(in.NextToken); err != nil {
		return err
	}
	return filter.Check(in.Filters, filter.NamedOrTag(VolumeFilterNames))
}

// VolumePage is one page of volumes.
type VolumePage struct {
	Volumes   []VolumeView
	NextToken string
}

// The pagination token of DescribeVolumes is the last volume ID of a
// page, base64-encoded so that clients treat it as opaque.
func encodeVolumeToken(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("volume:" + lastID))
}

func decodeVolumeToken(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if id, ok := strings.CutPrefix(string(b), "volume:"); err == nil && ok && image.CheckVolumeID(id) == nil {
		return id, nil
	}
	return "", fault.Coded(fault.Invalid, "InvalidPaginationToken", "The pagination token %q is invalid", clip(token))
}

// DescribeVolumes lists caller's volumes that in selects, in ID order.
// Naming a volume caller does not have is InvalidVolume.NotFound.
func (s *Service) DescribeVolumes(ctx context.Context, caller string, in DescribeVolumesInput) (p VolumePage, err error) {
	defer fault.Annotate(&err, "compute: describe volumes")
	if err := in.Validate(); err != nil {
		return p, err
	}
	all, err := s.volumes(ctx, caller)
	if err != nil {
		return p, err
	}
	if err := volumesMissing(in.IDs, all); err != nil {
		return p, err
	}
	after, _ := decodeVolumeToken(in.NextToken)
	for _, v := range all {
		if v.VolumeID <= after || (len(in.IDs) > 0 && !slices.Contains(in.IDs, v.VolumeID)) || !volumeMatches(in.Filters, v) {
			continue
		}
		if in.MaxResults > 0 && len(p.Volumes) == int(in.MaxResults) {
			p.NextToken = encodeVolumeToken(p.Volumes[len(p.Volumes)-1].VolumeID)
			break
		}
		p.Volumes = append(p.Volumes, v)
	}
	return p, nil
}

func volumesMissing(ids []string, all []VolumeView) error {
	var out []string
	for _, id := range ids {
		if !slices.ContainsFunc(all, func(v VolumeView) bool { return v.VolumeID == id }) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) > 0 {
		return fault.Coded(fault.NotFound, "InvalidVolume.NotFound", "The volume '%s' does not exist.", strings.Join(out, ", "))
	}
	return nil
}

// volumes returns all of caller's volumes, with caller's tags, in ID
// order: those of its instances, attached, and those left available by
// its terminated instances.
func (s *Service) volumes(ctx context.Context, caller string) ([]VolumeView, error) {
	insts, err := s.store.List(ctx, Query{Owner: caller})
	if err != nil {
		return nil, err
	}
	var out []VolumeView
	var ids []string
	for _, in := range insts {
		for _, v := range in.Volumes {
			view := VolumeView{Volume: v, Owner: in.Owner, InstanceID: in.ID, Zone: in.Zone, State: VolumeInUse, Attached: true}
			if in.State == Terminated {
				if v.DeleteOnTermination {
					continue
				}
				view.State, view.Attached = VolumeAvailable, false
			}
			if view.SizeGiB == 0 {
				view.SizeGiB = image.DefaultRootSizeGiB
			}
			out = append(out, view)
			ids = append(ids, v.VolumeID)
		}
	}
	tags, err := s.store.Tags(ctx, caller, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Tags = tags[out[i].VolumeID]
	}
	slices.SortFunc(out, func(a, b VolumeView) int { return strings.Compare(a.VolumeID, b.VolumeID) })
	return out, nil
}

// volumeFields are the values the volume filters compare.
var volumeFields = map[string]func(VolumeView) string{
	"attachment.delete-on-termination": func(v VolumeView) string { return attachedValue(v, strconv.FormatBool(v.DeleteOnTermination)) },
	"attachment.device":                func(v VolumeView) string { return attachedValue(v, v.DeviceName) },
	"attachment.instance-id":           func(v VolumeView) string { return attachedValue(v, v.InstanceID) },
	"attachment.status":                func(v VolumeView) string { return attachedValue(v, "attached") },
	"availability-zone":                func(v VolumeView) string { return v.Zone },
	"encrypted":                        func(VolumeView) string { return "false" },
	"size":                             func(v VolumeView) string { return strconv.FormatInt(v.SizeGiB, 10) },
	"snapshot-id":                      func(v VolumeView) string { return v.SnapshotID },
	"status":                           func(v VolumeView) string { return string(v.State) },
	"volume-id":                        func(v VolumeView) string { return v.VolumeID },
	"volume-type":                      func(v VolumeView) string { return v.VolumeType },
}

// attachedValue is an attachment's value for a filter: none for a detached
// volume, which no attachment filter matches.
func attachedValue(v VolumeView, s string) string {
	if !v.Attached {
		return "\x00"
	}
	return s
}

// volumeMatches reports whether v matches every filter.
func volumeMatches(filters []filter.Filter, v VolumeView) bool {
	for _, f := range filters {
		if get, ok := volumeFields[f.Name]; ok {
			if !filter.MatchAny(f.Values, get(v)) {
				return false
			}
			continue
		}
		if !tagMatches(f, v.Tags) {
			return false
		}
	}
	return true
}

// tagMatches reports whether tags match a tag filter (tag:<key>, tag-key,
// tag-value).
func tagMatches(f filter.Filter, tags []tag.Tag) bool {
	return slices.ContainsFunc(tags, func(t tag.Tag) bool {
		if key, ok := filter.TagKey(f.Name); ok {
			return t.Key == key && filter.MatchAny(f.Values, t.Value)
		}
		if f.Name == "tag-key" {
			return filter.MatchAny(f.Values, t.Key)
		}
		return filter.MatchAny(f.Values, t.Value)
	})
}

// Volume returns one of caller's volumes.
func (s *Service) Volume(ctx context.Context, caller, id string) (VolumeView, error) {
	if err := image.CheckVolumeID(id); err != nil {
		return VolumeView{}, err
	}
	all, err := s.volumes(ctx, caller)
	if err != nil {
		return VolumeView{}, err
	}
	if i := slices.IndexFunc(all, func(v VolumeView) bool { return v.VolumeID == id }); i >= 0 {
		return all[i], nil
	}
	return VolumeView{}, volumesMissing([]string{id}, nil)
}

// VolumeSource returns the instance one of caller's volumes belongs to,
// with that volume alone, for a snapshot of it (image.Compute).
func (s *Service) VolumeSource(ctx context.Context, caller, volumeID string) (image.Source, error) {
	v, err := s.Volume(ctx, caller, volumeID)
	if err != nil {
		return image.Source{}, err
	}
	inst, err := s.store.Get(ctx, v.InstanceID)
	if err != nil {
		return image.Source{}, err
	}
	src := sourceOf(inst)
	src.Volumes = []image.SourceVolume{sourceVolume(v.Volume)}
	src.Volumes[0].SizeGiB = v.SizeGiB
	return src, nil
}

// ImageSource returns one of caller's instances, running or stopped, to
// make an image of (image.Compute).
func (s *Service) ImageSource(ctx context.Context, caller, instanceID string) (image.Source, error) {
	if instanceID == "" {
		return image.Source{}, fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter InstanceId")
	}
	inst, err := s.Get(ctx, caller, instanceID)
	if err != nil {
		return image.Source{}, err
	}
	if inst.State == Terminated || inst.State == ShuttingDown {
		return image.Source{}, fault.Coded(fault.Conflict, "IncorrectInstanceState",
			"The instance '%s' is not in a state from which it can be imaged: it is %s", inst.ID, inst.State)
	}
	src := sourceOf(inst)
	for _, v := range inst.Volumes {
		src.Volumes = append(src.Volumes, sourceVolume(v))
	}
	return src, nil
}

func sourceOf(inst Instance) image.Source {
	return image.Source{InstanceID: inst.ID, ImageID: inst.ImageID, ProductCode: inst.ProductCode, Platform: inst.Platform,
		Architecture: inst.Architecture, RootDeviceName: inst.RootDeviceName, VirtualizationType: inst.VirtualizationType}
}

func sourceVolume(v Volume) image.SourceVolume {
	return image.SourceVolume{ID: v.VolumeID, DeviceName: v.DeviceName, SizeGiB: v.SizeGiB, VolumeType: v.VolumeType,
		DeleteOnTermination: v.DeleteOnTermination}
}

// HasRegion reports whether region is one the platform offers
// (image.Compute).
func (s *Service) HasRegion(region string) bool { return s.placement.HasRegion(region) }

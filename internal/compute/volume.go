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
	"github.com/tollgate/tollgate/internal/paging"
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

// VolumeQuery selects volumes of an owner's instances, among those that
// exist: the volumes of instances not terminated, and those of terminated
// instances that were not to be deleted with them.
type VolumeQuery struct {
	Owner string
	IDs   []string
	// Filters are checked volume filters that StoredVolumeFilter says the
	// store applies.
	Filters []filter.Filter
	// After is the last volume ID of the previous batch; Limit bounds the
	// batch (0: no bound).
	After string
	Limit int
}

// InstanceVolume is a volume with the instance it is part of.
type InstanceVolume struct {
	Volume   Volume
	Instance Instance
}

// storedVolumeFilters are the volume filters the store applies: those on
// columns it keeps (the volume's ID, its instance's ID, zone and state)
// and on tags. The others compare values of the instance's document, so
// DescribeVolumes applies them to what the store returns.
var storedVolumeFilters = []string{"attachment.instance-id", "availability-zone", "status", "volume-id"}

// StoredVolumeFilter reports whether the store applies the volume filter
// name (VolumeQuery.Filters).
func StoredVolumeFilter(name string) bool {
	if _, ok := filter.TagKey(name); ok || name == "tag-key" || name == "tag-value" {
		return true
	}
	return slices.Contains(storedVolumeFilters, name)
}

// volumeBatch is the most volumes DescribeVolumes reads at a time when it
// applies filters itself: it starts with a page's worth, in case they
// match most volumes, and doubles up to this while they match few, so that
// a rare match takes few reads and no read holds more than a batch of
// volumes it does not want.
const volumeBatch = MaxVolumeResults

// DescribeVolumes lists caller's volumes that in selects, in ID order,
// reading from the store one page of them, or, under filters the store
// does not apply, batches until the page is full. Naming a volume caller
// does not have is InvalidVolume.NotFound.
func (s *Service) DescribeVolumes(ctx context.Context, caller string, in DescribeVolumesInput) (p VolumePage, err error) {
	defer fault.Annotate(&err, "compute: describe volumes")
	if err := in.Validate(); err != nil {
		return p, err
	}
	after, _ := decodeVolumeToken(in.NextToken)
	if len(in.IDs) > 0 {
		p.Volumes, err = s.namedVolumes(ctx, caller, in.IDs, after, in.Filters)
		return p, err
	}
	size := int(in.MaxResults)
	views, err := s.matchingVolumes(ctx, caller, in.Filters, after, size)
	if err != nil {
		return p, err
	}
	page, more := paging.Cut(views, size)
	if more {
		p.NextToken = encodeVolumeToken(page[len(page)-1].VolumeID)
	}
	p.Volumes, err = s.withTags(ctx, caller, page)
	return p, err
}

// namedVolumes returns the volumes named by ids after the token's, that
// match filters. Every named volume must exist, whether or not it
// matches, so the store is asked for them alone (at most MaxIDs) and the
// filters are applied here.
func (s *Service) namedVolumes(ctx context.Context, caller string, ids []string, after string, filters []filter.Filter) ([]VolumeView, error) {
	rows, err := s.store.Volumes(ctx, VolumeQuery{Owner: caller, IDs: ids})
	if err != nil {
		return nil, err
	}
	views, err := s.withTags(ctx, caller, mapVolumes(rows))
	if err != nil {
		return nil, err
	}
	if err := volumesMissing(ids, views); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(views, func(v VolumeView) bool { return v.VolumeID <= after || !volumeMatches(filters, v) }), nil
}

// matchingVolumes returns caller's volumes after the ID after that match
// filters: a page of size and one more if there is one, or all of them if
// size is 0. Filters the store applies are pushed to it; with none left,
// one read of paging.Limit(size) volumes is the whole answer.
func (s *Service) matchingVolumes(ctx context.Context, caller string, filters []filter.Filter, after string, size int) ([]VolumeView, error) {
	stored, left := splitVolumeFilters(filters)
	q := VolumeQuery{Owner: caller, Filters: stored, After: after, Limit: paging.Limit(size)}
	if size == 0 && len(left) > 0 {
		q.Limit = volumeBatch
	}
	var out []VolumeView
	for {
		rows, err := s.store.Volumes(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, v := range mapVolumes(rows) {
			if volumeMatches(left, v) {
				out = append(out, v)
			}
		}
		if (size > 0 && len(out) > size) || q.Limit == 0 || len(rows) < q.Limit {
			return out, nil
		}
		q.After = rows[len(rows)-1].Volume.VolumeID
		q.Limit = max(q.Limit, min(2*q.Limit, volumeBatch))
	}
}

// splitVolumeFilters returns the filters the store applies and those left
// to apply here.
func splitVolumeFilters(filters []filter.Filter) (stored, left []filter.Filter) {
	for _, f := range filters {
		if StoredVolumeFilter(f.Name) {
			stored = append(stored, f)
		} else {
			left = append(left, f)
		}
	}
	return stored, left
}

func volumesMissing(ids []string, found []VolumeView) error {
	var out []string
	for _, id := range ids {
		if !slices.ContainsFunc(found, func(v VolumeView) bool { return v.VolumeID == id }) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) > 0 {
		return fault.Coded(fault.NotFound, "InvalidVolume.NotFound", "The volume '%s' does not exist.", strings.Join(out, ", "))
	}
	return nil
}

// mapVolumes returns the views of volumes the store returned, in their
// order.
func mapVolumes(rows []InstanceVolume) []VolumeView {
	out := make([]VolumeView, len(rows))
	for i, r := range rows {
		out[i] = volumeViewOf(r)
	}
	return out
}

// volumeViewOf is a volume as DescribeVolumes shows it: in use and
// attached while its instance is not terminated, available and detached
// after; without a recorded size, the image's default.
func volumeViewOf(r InstanceVolume) VolumeView {
	v := VolumeView{Volume: r.Volume, Owner: r.Instance.Owner, InstanceID: r.Instance.ID, Zone: r.Instance.Zone,
		State: VolumeInUse, Attached: true}
	if r.Instance.State == Terminated {
		v.State, v.Attached = VolumeAvailable, false
	}
	if v.SizeGiB == 0 {
		v.SizeGiB = image.DefaultRootSizeGiB
	}
	return v
}

// withTags returns views with caller's tags on each, read a batch of
// volumes at a time: an unpaged answer may hold more volumes than a query
// may have parameters.
func (s *Service) withTags(ctx context.Context, caller string, views []VolumeView) ([]VolumeView, error) {
	for batch := range slices.Chunk(views, volumeBatch) {
		ids := make([]string, len(batch))
		for i, v := range batch {
			ids[i] = v.VolumeID
		}
		tags, err := s.store.Tags(ctx, caller, ids)
		if err != nil {
			return nil, err
		}
		for i := range batch {
			batch[i].Tags = tags[batch[i].VolumeID]
		}
	}
	return views, nil
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
	found, err := s.namedVolumes(ctx, caller, []string{id}, "", nil)
	if err != nil {
		return VolumeView{}, err
	}
	return found[0], nil
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

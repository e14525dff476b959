package store

import (
	"time"

	"github.com/tollgate/tollgate/internal/compute"
)

// instanceDoc is the part of an instance no query looks into: the store's
// own shape, mapped to and from compute.Instance here and nowhere else.
type instanceDoc struct {
	StateReason   string      `json:"state_reason,omitempty"`
	LaunchRequest string      `json:"launch_request,omitempty"`
	Volumes       []volumeDoc `json:"volumes,omitempty"`
	// HTTPTokens and HTTPEndpoint are the metadata options; instances
	// stored before they were recorded have neither, which means EC2's
	// defaults (compute.MetadataOptions.WithDefaults).
	HTTPTokens   string `json:"http_tokens,omitempty"`
	HTTPEndpoint string `json:"http_endpoint,omitempty"`
	// AssociatedAt is when the instance's profile association was made;
	// instances given one by migration 27 have none, which means their
	// launch.
	AssociatedAt string `json:"associated_at,omitempty"`
}

type volumeDoc struct {
	DeviceName          string `json:"device_name"`
	VolumeID            string `json:"volume_id"`
	SnapshotID          string `json:"snapshot_id,omitempty"`
	SizeGiB             int64  `json:"size_gib,omitempty"`
	VolumeType          string `json:"volume_type,omitempty"`
	AttachedAt          string `json:"attached_at"`
	DeleteOnTermination bool   `json:"delete_on_termination,omitempty"`
}

func instanceDocOf(in compute.Instance) instanceDoc {
	return instanceDoc{StateReason: in.StateReason, LaunchRequest: in.LaunchRequest,
		HTTPTokens: in.Metadata.HTTPTokens, HTTPEndpoint: in.Metadata.HTTPEndpoint,
		AssociatedAt: formatDocTime(in.Association.At),
		Volumes: mapSlice(in.Volumes, func(v compute.Volume) volumeDoc {
			return volumeDoc{DeviceName: v.DeviceName, VolumeID: v.VolumeID, SnapshotID: v.SnapshotID, SizeGiB: v.SizeGiB,
				VolumeType: v.VolumeType, AttachedAt: formatDocTime(v.AttachedAt), DeleteOnTermination: v.DeleteOnTermination}
		})}
}

// fill sets the parts of in that d holds; in.CreatedAt is read first.
func (d instanceDoc) fill(in *compute.Instance) error {
	in.StateReason, in.LaunchRequest = d.StateReason, d.LaunchRequest
	in.Metadata = compute.MetadataOptions{HTTPTokens: d.HTTPTokens, HTTPEndpoint: d.HTTPEndpoint}
	in.Association.At = time.Time{}
	if in.Association.ID != "" {
		in.Association.At = in.CreatedAt
		if d.AssociatedAt != "" {
			at, err := parseDocTime(d.AssociatedAt, "instance "+in.ID)
			if err != nil {
				return err
			}
			in.Association.At = at
		}
	}
	in.Volumes = nil
	for _, v := range d.Volumes {
		at, err := parseDocTime(v.AttachedAt, "instance "+in.ID)
		if err != nil {
			return err
		}
		in.Volumes = append(in.Volumes, compute.Volume{DeviceName: v.DeviceName, VolumeID: v.VolumeID, SnapshotID: v.SnapshotID,
			SizeGiB: v.SizeGiB, VolumeType: v.VolumeType, AttachedAt: at, DeleteOnTermination: v.DeleteOnTermination})
	}
	return nil
}

package ec2

import (
	"context"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/tag"
)

type createSnapshotRequest struct {
	VolumeID          string                    `ec2:"VolumeId,required"`
	Description       string                    `ec2:"Description"`
	OutpostArn        string                    `ec2:"OutpostArn"`
	Location          string                    `ec2:"Location"`
	TagSpecifications []tagSpecificationRequest `ec2:"TagSpecification"`
	DryRun            bool                      `ec2:"DryRun"`
}

type snapshotXML struct {
	SnapshotID  string        `xml:"snapshotId"`
	VolumeID    string        `xml:"volumeId"`
	State       string        `xml:"status"`
	StartTime   string        `xml:"startTime"`
	Progress    string        `xml:"progress"`
	OwnerID     string        `xml:"ownerId"`
	Description string        `xml:"description"`
	VolumeSize  int64         `xml:"volumeSize"`
	Encrypted   bool          `xml:"encrypted"`
	StorageTier string        `xml:"storageTier"`
	Tags        items[tagXML] `xml:"tagSet"`
}

// snapshotXMLOf writes a snapshot in state shown (its own when empty).
func snapshotXMLOf(sn image.Snapshot, shown image.SnapshotState, tags []tag.Tag) snapshotXML {
	state, progress := sn.State, "100%"
	if shown != "" {
		state = shown
	}
	if state != image.SnapshotCompleted {
		progress = ""
	}
	return snapshotXML{SnapshotID: sn.ID, VolumeID: cmpOr(sn.VolumeID, "vol-ffffffff"), State: string(state),
		StartTime: formatTime(sn.StartedAt), Progress: progress, OwnerID: sn.Owner, Description: sn.Description,
		VolumeSize: sn.VolumeSizeGiB, Encrypted: sn.Encrypted, StorageTier: "standard", Tags: tagSetXML(tags)}
}

// cmpOr is s, or otherwise when s is empty. A snapshot of no volume (an
// imported disk) shows EC2's placeholder volume ID, as EC2's do.
func cmpOr(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

func createSnapshot(d Deps) func(context.Context, *awsapi.Call, *createSnapshotRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *createSnapshotRequest) (any, error) {
		tags, err := specTags(req.TagSpecifications, tag.Snapshot)
		if err != nil {
			return nil, err
		}
		caller := call.Principal.AccountID
		sn, err := d.Images.CreateSnapshot(ctx, caller, image.CreateSnapshotInput{VolumeID: req.VolumeID,
			Description: req.Description, Tags: tags[tag.Snapshot]})
		if err != nil {
			return nil, err
		}
		// The answer shows the snapshot pending, as EC2's does; it is
		// complete by the first DescribeSnapshots, so waiters end at once.
		return snapshotXMLOf(sn, image.SnapshotPending, tags[tag.Snapshot]), nil
	}
}

type describeSnapshotsRequest struct {
	SnapshotIDs  []string        `ec2:"SnapshotId"`
	OwnerIDs     []string        `ec2:"Owner"`
	RestorableBy []string        `ec2:"RestorableBy"`
	Filters      []filterRequest `ec2:"Filter"`
	MaxResults   int64           `ec2:"MaxResults"`
	NextToken    string          `ec2:"NextToken"`
	DryRun       bool            `ec2:"DryRun"`
}

type describeSnapshotsResponse struct {
	Snapshots items[snapshotXML] `xml:"snapshotSet"`
	NextToken string             `xml:"nextToken,omitempty"`
}

func describeSnapshots(d Deps) func(context.Context, *awsapi.Call, *describeSnapshotsRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *describeSnapshotsRequest) (any, error) {
		caller := call.Principal.AccountID
		page, err := d.Images.DescribeSnapshots(ctx, caller, image.DescribeSnapshotsInput{IDs: req.SnapshotIDs, Owners: req.OwnerIDs,
			RestorableBy: req.RestorableBy, Filters: filters(req.Filters), MaxResults: req.MaxResults, NextToken: req.NextToken})
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(page.Snapshots))
		for i, sn := range page.Snapshots {
			ids[i] = sn.ID
		}
		tags, err := d.Tags.OfResources(ctx, caller, ids)
		if err != nil {
			return nil, err
		}
		out := make([]snapshotXML, len(page.Snapshots))
		for i, sn := range page.Snapshots {
			out[i] = snapshotXMLOf(sn, "", tags[sn.ID])
		}
		return describeSnapshotsResponse{Snapshots: itemsOf(out), NextToken: page.NextToken}, nil
	}
}

type deleteSnapshotRequest struct {
	SnapshotID string `ec2:"SnapshotId,required"`
	DryRun     bool   `ec2:"DryRun"`
}

func deleteSnapshot(d Deps) func(context.Context, *awsapi.Call, *deleteSnapshotRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *deleteSnapshotRequest) (any, error) {
		if err := d.Images.DeleteSnapshot(ctx, call.Principal.AccountID, req.SnapshotID); err != nil {
			return nil, err
		}
		return returnResponse{Return: true}, nil
	}
}

type describeVolumesRequest struct {
	VolumeIDs               []string        `ec2:"VolumeId"`
	Filters                 []filterRequest `ec2:"Filter"`
	MaxResults              int64           `ec2:"MaxResults"`
	NextToken               string          `ec2:"NextToken"`
	IncludeManagedResources bool            `ec2:"IncludeManagedResources"`
	DryRun                  bool            `ec2:"DryRun"`
}

type volumeAttachmentXML struct {
	VolumeID            string `xml:"volumeId"`
	InstanceID          string `xml:"instanceId"`
	Device              string `xml:"device"`
	State               string `xml:"status"`
	AttachTime          string `xml:"attachTime"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
}

type volumeXML struct {
	VolumeID           string                     `xml:"volumeId"`
	Size               int64                      `xml:"size"`
	SnapshotID         string                     `xml:"snapshotId"`
	AvailabilityZone   string                     `xml:"availabilityZone"`
	State              string                     `xml:"status"`
	CreateTime         string                     `xml:"createTime"`
	Attachments        items[volumeAttachmentXML] `xml:"attachmentSet"`
	Tags               items[tagXML]              `xml:"tagSet"`
	VolumeType         string                     `xml:"volumeType"`
	Iops               int64                      `xml:"iops,omitempty"`
	Encrypted          bool                       `xml:"encrypted"`
	MultiAttachEnabled bool                       `xml:"multiAttachEnabled"`
}

// baselineIops is a volume's IOPS as EC2 reports them by type: gp2's 3 per
// GiB (100 to 16,000), gp3's 3,000; others none.
func baselineIops(v compute.VolumeView) int64 {
	switch v.VolumeType {
	case "gp3":
		return 3000
	case "gp2", "":
		return min(max(3*v.SizeGiB, 100), 16000)
	}
	return 0
}

func volumeXMLOf(v compute.VolumeView) volumeXML {
	out := volumeXML{VolumeID: v.VolumeID, Size: v.SizeGiB, SnapshotID: v.SnapshotID, AvailabilityZone: v.Zone,
		State: string(v.State), CreateTime: formatTime(v.AttachedAt), Tags: tagSetXML(v.Tags),
		VolumeType: cmpOr(v.VolumeType, "gp2"), Iops: baselineIops(v)}
	if v.Attached {
		out.Attachments = itemsOf([]volumeAttachmentXML{{VolumeID: v.VolumeID, InstanceID: v.InstanceID, Device: v.DeviceName,
			State: "attached", AttachTime: formatTime(v.AttachedAt), DeleteOnTermination: v.DeleteOnTermination}})
	}
	return out
}

type describeVolumesResponse struct {
	Volumes   items[volumeXML] `xml:"volumeSet"`
	NextToken string           `xml:"nextToken,omitempty"`
}

func describeVolumes(d Deps) func(context.Context, *awsapi.Call, *describeVolumesRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *describeVolumesRequest) (any, error) {
		page, err := d.Instances.DescribeVolumes(ctx, call.Principal.AccountID, compute.DescribeVolumesInput{IDs: req.VolumeIDs,
			Filters: filters(req.Filters), MaxResults: req.MaxResults, NextToken: req.NextToken})
		if err != nil {
			return nil, err
		}
		out := make([]volumeXML, len(page.Volumes))
		for i, v := range page.Volumes {
			out[i] = volumeXMLOf(v)
		}
		return describeVolumesResponse{Volumes: itemsOf(out), NextToken: page.NextToken}, nil
	}
}

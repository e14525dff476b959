package ec2

import (
	"context"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/tag"
)

type createImageRequest struct {
	InstanceID          string                      `ec2:"InstanceId,required"`
	Name                string                      `ec2:"Name,required"`
	Description         string                      `ec2:"Description"`
	NoReboot            bool                        `ec2:"NoReboot"`
	BlockDeviceMappings []blockDeviceMappingRequest `ec2:"BlockDeviceMapping"`
	SnapshotLocation    string                      `ec2:"SnapshotLocation"`
	TagSpecifications   []tagSpecificationRequest   `ec2:"TagSpecification"`
	DryRun              bool                        `ec2:"DryRun"`
}

func createImage(d Deps) func(context.Context, *awsapi.Call, *createImageRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *createImageRequest) (any, error) {
		if len(req.BlockDeviceMappings) > 0 {
			return nil, fault.Coded(fault.Invalid, "UnsupportedOperation", "Block device mappings for CreateImage are not supported; the image gets a snapshot of each of the instance's volumes")
		}
		tags, err := specTags(req.TagSpecifications, tag.Image, tag.Snapshot)
		if err != nil {
			return nil, err
		}
		img, err := d.Images.Create(ctx, call.Principal.AccountID, image.CreateInput{InstanceID: req.InstanceID, Name: req.Name,
			Description: req.Description, NoReboot: req.NoReboot, ImageTags: tags[tag.Image], SnapshotTags: tags[tag.Snapshot]})
		if err != nil {
			return nil, err
		}
		return imageIDResponse{ImageID: img.ID}, nil
	}
}

type copyImageRequest struct {
	SourceImageID                  string                    `ec2:"SourceImageId,required"`
	SourceRegion                   string                    `ec2:"SourceRegion,required"`
	Name                           string                    `ec2:"Name,required"`
	Description                    string                    `ec2:"Description"`
	ClientToken                    string                    `ec2:"ClientToken"`
	Encrypted                      bool                      `ec2:"Encrypted"`
	KmsKeyID                       string                    `ec2:"KmsKeyId"`
	DestinationOutpostArn          string                    `ec2:"DestinationOutpostArn"`
	DestinationAvailabilityZone    string                    `ec2:"DestinationAvailabilityZone"`
	DestinationAvailabilityZoneID  string                    `ec2:"DestinationAvailabilityZoneId"`
	CopyImageTags                  bool                      `ec2:"CopyImageTags"`
	SnapshotCopyCompletionDuration int64                     `ec2:"SnapshotCopyCompletionDurationMinutes"`
	TagSpecifications              []tagSpecificationRequest `ec2:"TagSpecification"`
	DryRun                         bool                      `ec2:"DryRun"`
}

func copyImage(d Deps) func(context.Context, *awsapi.Call, *copyImageRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *copyImageRequest) (any, error) {
		if req.DestinationOutpostArn != "" {
			return nil, fault.Coded(fault.Invalid, "UnsupportedOperation", "Outposts are not supported")
		}
		tags, err := specTags(req.TagSpecifications, tag.Image, tag.Snapshot)
		if err != nil {
			return nil, err
		}
		img, err := d.Images.Copy(ctx, call.Principal.AccountID, image.CopyInput{SourceImageID: req.SourceImageID,
			SourceRegion: req.SourceRegion, Name: req.Name, Description: req.Description, ClientToken: req.ClientToken,
			Encrypted: req.Encrypted, CopyTags: req.CopyImageTags, ImageTags: tags[tag.Image], SnapshotTags: tags[tag.Snapshot]})
		if err != nil {
			return nil, err
		}
		return imageIDResponse{ImageID: img.ID}, nil
	}
}

type userBucketRequest struct {
	S3Bucket string `ec2:"S3Bucket"`
	S3Key    string `ec2:"S3Key"`
}

type diskContainerRequest struct {
	Description string             `ec2:"Description"`
	DeviceName  string             `ec2:"DeviceName"`
	Format      string             `ec2:"Format"`
	SnapshotID  string             `ec2:"SnapshotId"`
	URL         string             `ec2:"Url"`
	UserBucket  *userBucketRequest `ec2:"UserBucket"`
}

// importImageRequest is ImportImage's request. Tollgate copies no disks, so
// what shapes a real conversion (the role, the hypervisor, client data,
// License Manager configurations) is accepted and has no effect.
type importImageRequest struct {
	DiskContainers    []diskContainerRequest    `ec2:"DiskContainer"`
	Platform          string                    `ec2:"Platform"`
	Architecture      string                    `ec2:"Architecture"`
	Description       string                    `ec2:"Description"`
	LicenseType       string                    `ec2:"LicenseType"`
	BootMode          string                    `ec2:"BootMode"`
	Encrypted         bool                      `ec2:"Encrypted"`
	KmsKeyID          string                    `ec2:"KmsKeyId"`
	ClientToken       string                    `ec2:"ClientToken"`
	Hypervisor        string                    `ec2:"Hypervisor"`
	RoleName          string                    `ec2:"RoleName"`
	UsageOperation    string                    `ec2:"UsageOperation"`
	TagSpecifications []tagSpecificationRequest `ec2:"TagSpecification"`
	DryRun            bool                      `ec2:"DryRun"`

	ClientData            struct{} `ec2:"ClientData,ignore"`
	LicenseSpecifications struct{} `ec2:"LicenseSpecifications,ignore"`
}

type userBucketXML struct {
	S3Bucket string `xml:"s3Bucket"`
	S3Key    string `xml:"s3Key"`
}

type snapshotDetailXML struct {
	Description   string         `xml:"description,omitempty"`
	DeviceName    string         `xml:"deviceName"`
	DiskImageSize int64          `xml:"diskImageSize"`
	Format        string         `xml:"format,omitempty"`
	SnapshotID    string         `xml:"snapshotId,omitempty"`
	Status        string         `xml:"status"`
	URL           string         `xml:"url,omitempty"`
	UserBucket    *userBucketXML `xml:"userBucket"`
}

// importTaskXML is an import task: ImportImage's answer and an element of
// DescribeImportImageTasks'.
type importTaskXML struct {
	ImportTaskID    string                   `xml:"importTaskId"`
	Architecture    string                   `xml:"architecture"`
	Description     string                   `xml:"description,omitempty"`
	Encrypted       bool                     `xml:"encrypted"`
	Hypervisor      string                   `xml:"hypervisor,omitempty"`
	ImageID         string                   `xml:"imageId,omitempty"`
	LicenseType     string                   `xml:"licenseType"`
	Platform        string                   `xml:"platform"`
	Progress        string                   `xml:"progress,omitempty"`
	SnapshotDetails items[snapshotDetailXML] `xml:"snapshotDetailSet"`
	Status          string                   `xml:"status"`
	StatusMessage   string                   `xml:"statusMessage,omitempty"`
	Tags            items[tagXML]            `xml:"tagSet"`
	UsageOperation  string                   `xml:"usageOperation"`
	BootMode        string                   `xml:"bootMode,omitempty"`
}

// importTaskXMLOf writes a task; active shows it as ImportImage's answer
// does on EC2, converting, before its image exists.
func importTaskXMLOf(t image.ImportTask, active bool, tags []tag.Tag) importTaskXML {
	out := importTaskXML{ImportTaskID: t.ID, Architecture: t.Architecture, Description: t.Description, Encrypted: t.Encrypted,
		ImageID: t.ImageID, LicenseType: t.LicenseType, Platform: t.Platform.Details(), Status: string(t.Status),
		StatusMessage: t.StatusMessage, Tags: tagSetXML(tags), UsageOperation: t.Platform.UsageOperation(), BootMode: t.BootMode}
	if out.Platform == "Linux/UNIX" {
		out.Platform = "Linux"
	}
	status := string(t.Status)
	if active {
		out.Status, out.StatusMessage, out.Progress, out.ImageID, status = string(image.TaskActive), "pending", "0", "", "active"
	}
	for _, disk := range t.Disks {
		sd := snapshotDetailXML{Description: disk.Description, DeviceName: disk.DeviceName, DiskImageSize: disk.SizeGiB << 30,
			Format: disk.Format, Status: status, URL: disk.URL}
		if !active {
			sd.SnapshotID = disk.SnapshotID
		}
		if disk.S3Bucket != "" {
			sd.UserBucket = &userBucketXML{S3Bucket: disk.S3Bucket, S3Key: disk.S3Key}
		}
		out.SnapshotDetails.Items = append(out.SnapshotDetails.Items, sd)
	}
	return out
}

func importImage(d Deps) func(context.Context, *awsapi.Call, *importImageRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *importImageRequest) (any, error) {
		tags, err := specTags(req.TagSpecifications, tag.ImportImageTask)
		if err != nil {
			return nil, err
		}
		in := image.ImportInput{Platform: req.Platform, Architecture: req.Architecture, Description: req.Description,
			LicenseType: req.LicenseType, BootMode: req.BootMode, Encrypted: req.Encrypted, ClientToken: req.ClientToken,
			Tags: tags[tag.ImportImageTask]}
		for _, c := range req.DiskContainers {
			disk := image.ImportDisk{Description: c.Description, DeviceName: c.DeviceName, Format: c.Format, SnapshotID: c.SnapshotID, URL: c.URL}
			if b := c.UserBucket; b != nil {
				disk.S3Bucket, disk.S3Key = b.S3Bucket, b.S3Key
			}
			in.Disks = append(in.Disks, disk)
		}
		task, err := d.Images.Import(ctx, call.Principal.AccountID, in)
		if err != nil {
			return nil, err
		}
		return importTaskXMLOf(task, true, tags[tag.ImportImageTask]), nil
	}
}

type describeImportImageTasksRequest struct {
	ImportTaskIDs []string        `ec2:"ImportTaskId"`
	Filters       []filterRequest `ec2:"Filters"`
	MaxResults    int64           `ec2:"MaxResults"`
	NextToken     string          `ec2:"NextToken"`
	DryRun        bool            `ec2:"DryRun"`
}

type describeImportImageTasksResponse struct {
	Tasks     items[importTaskXML] `xml:"importImageTaskSet"`
	NextToken string               `xml:"nextToken,omitempty"`
}

func describeImportImageTasks(d Deps) func(context.Context, *awsapi.Call, *describeImportImageTasksRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *describeImportImageTasksRequest) (any, error) {
		caller := call.Principal.AccountID
		page, err := d.Images.DescribeImportTasks(ctx, caller, image.DescribeImportTasksInput{IDs: req.ImportTaskIDs,
			Filters: filters(req.Filters), MaxResults: req.MaxResults, NextToken: req.NextToken})
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(page.Tasks))
		for i, t := range page.Tasks {
			ids[i] = t.ID
		}
		tags, err := d.Tags.OfResources(ctx, caller, ids)
		if err != nil {
			return nil, err
		}
		out := make([]importTaskXML, len(page.Tasks))
		for i, t := range page.Tasks {
			out[i] = importTaskXMLOf(t, false, tags[t.ID])
		}
		return describeImportImageTasksResponse{Tasks: itemsOf(out), NextToken: page.NextToken}, nil
	}
}

type cancelImportTaskRequest struct {
	ImportTaskID string `ec2:"ImportTaskId"`
	CancelReason string `ec2:"CancelReason"`
	DryRun       bool   `ec2:"DryRun"`
}

type cancelImportTaskResponse struct {
	ImportTaskID  string `xml:"importTaskId"`
	PreviousState string `xml:"previousState"`
	State         string `xml:"state"`
}

func cancelImportTask(d Deps) func(context.Context, *awsapi.Call, *cancelImportTaskRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *cancelImportTaskRequest) (any, error) {
		c, err := d.Images.CancelImport(ctx, call.Principal.AccountID, image.CancelImportInput{ID: req.ImportTaskID, Reason: req.CancelReason})
		if err != nil {
			return nil, err
		}
		return cancelImportTaskResponse{ImportTaskID: c.TaskID, PreviousState: string(c.PreviousStatus), State: string(c.Status)}, nil
	}
}

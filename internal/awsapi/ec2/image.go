package ec2

import (
	"bytes"
	"context"
	"io"
	"sync"
	"time"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/tag"
)

// timeFormat is how EC2 writes times: ISO 8601 in UTC with milliseconds.
const timeFormat = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

type blockDeviceMappingRequest struct {
	DeviceName  string      `ec2:"DeviceName"`
	VirtualName string      `ec2:"VirtualName"`
	NoDevice    *string     `ec2:"NoDevice"`
	Ebs         *ebsRequest `ec2:"Ebs"`
}

type ebsRequest struct {
	SnapshotID               string `ec2:"SnapshotId"`
	VolumeSize               int64  `ec2:"VolumeSize"`
	VolumeType               string `ec2:"VolumeType"`
	Iops                     int64  `ec2:"Iops"`
	Throughput               int64  `ec2:"Throughput"`
	DeleteOnTermination      *bool  `ec2:"DeleteOnTermination"`
	Encrypted                bool   `ec2:"Encrypted"`
	KmsKeyID                 string `ec2:"KmsKeyId"`
	OutpostArn               string `ec2:"OutpostArn"`
	AvailabilityZone         string `ec2:"AvailabilityZone"`
	AvailabilityZoneID       string `ec2:"AvailabilityZoneId"`
	EbsCardIndex             int64  `ec2:"EbsCardIndex"`
	VolumeInitializationRate int64  `ec2:"VolumeInitializationRate"`
}

func blockDevices(in []blockDeviceMappingRequest) []image.BlockDevice {
	out := make([]image.BlockDevice, len(in))
	for i, m := range in {
		out[i] = image.BlockDevice{DeviceName: m.DeviceName, VirtualName: m.VirtualName, NoDevice: m.NoDevice != nil}
		if e := m.Ebs; e != nil {
			// A volume is deleted with its instance unless the request
			// says otherwise, as EC2's are.
			del := e.DeleteOnTermination == nil || *e.DeleteOnTermination
			out[i].Ebs = &image.EbsDevice{SnapshotID: e.SnapshotID, VolumeSize: e.VolumeSize, VolumeType: e.VolumeType,
				Iops: e.Iops, Throughput: e.Throughput, DeleteOnTermination: del, Encrypted: e.Encrypted, KmsKeyID: e.KmsKeyID}
		}
	}
	return out
}

type tagSpecificationRequest struct {
	ResourceType string       `ec2:"ResourceType"`
	Tags         []tagRequest `ec2:"Tag"`
}

type tagRequest struct {
	Key   string  `ec2:"Key"`
	Value *string `ec2:"Value"`
}

func tagsOf(in []tagRequest) []tag.Tag {
	out := make([]tag.Tag, len(in))
	for i, t := range in {
		out[i] = tag.Tag{Key: t.Key}
		if t.Value != nil {
			out[i].Value = *t.Value
		}
	}
	return out
}

// specTags returns the tags of the specifications for resource type typ,
// refusing specifications of types the operation does not create.
func specTags(specs []tagSpecificationRequest, allowed ...tag.ResourceType) (map[tag.ResourceType][]tag.Tag, error) {
	out := map[tag.ResourceType][]tag.Tag{}
	for _, s := range specs {
		t := tag.ResourceType(s.ResourceType)
		ok := false
		for _, a := range allowed {
			ok = ok || a == t
		}
		if !ok {
			return nil, fault.Coded(fault.Invalid, "InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", clip(s.ResourceType))
		}
		out[t] = append(out[t], tagsOf(s.Tags)...)
	}
	for _, tags := range out {
		if err := tag.CheckTags(tags); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type registerImageRequest struct {
	Name                string                      `ec2:"Name,required"`
	Description         string                      `ec2:"Description"`
	Architecture        string                      `ec2:"Architecture"`
	ImageLocation       string                      `ec2:"ImageLocation"`
	RootDeviceName      string                      `ec2:"RootDeviceName"`
	VirtualizationType  string                      `ec2:"VirtualizationType"`
	BlockDeviceMappings []blockDeviceMappingRequest `ec2:"BlockDeviceMapping"`
	KernelID            string                      `ec2:"KernelId"`
	RamdiskID           string                      `ec2:"RamdiskId"`
	EnaSupport          bool                        `ec2:"EnaSupport"`
	SriovNetSupport     string                      `ec2:"SriovNetSupport"`
	BootMode            string                      `ec2:"BootMode"`
	TpmSupport          string                      `ec2:"TpmSupport"`
	UefiData            string                      `ec2:"UefiData"`
	ImdsSupport         string                      `ec2:"ImdsSupport"`
	BillingProducts     []string                    `ec2:"BillingProduct"`
	TagSpecifications   []tagSpecificationRequest   `ec2:"TagSpecification"`
	DryRun              bool                        `ec2:"DryRun"`
}

type imageIDResponse struct {
	ImageID string `xml:"imageId"`
}

func registerImage(d Deps) func(context.Context, *awsapi.Call, *registerImageRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *registerImageRequest) (any, error) {
		if len(req.BillingProducts) > 0 {
			return nil, fault.Coded(fault.Invalid, "UnsupportedOperation", "Billing products are not supported; attach a product code with ModifyImageAttribute")
		}
		tags, err := specTags(req.TagSpecifications, tag.Image)
		if err != nil {
			return nil, err
		}
		img, err := d.Images.Register(ctx, call.Principal.AccountID, image.RegisterInput{
			Name: req.Name, Description: req.Description, Architecture: req.Architecture, ImageLocation: req.ImageLocation,
			RootDeviceName: req.RootDeviceName, VirtualizationType: req.VirtualizationType, BlockDevices: blockDevices(req.BlockDeviceMappings),
			KernelID: req.KernelID, RamdiskID: req.RamdiskID, EnaSupport: req.EnaSupport, SriovNetSupport: req.SriovNetSupport,
			BootMode: req.BootMode, TpmSupport: req.TpmSupport, ImdsSupport: req.ImdsSupport,
			Tags: tags[tag.Image]})
		if err != nil {
			return nil, err
		}
		return imageIDResponse{ImageID: img.ID}, nil
	}
}

type imageIDRequest struct {
	ImageID                   string `ec2:"ImageId,required"`
	DeleteAssociatedSnapshots bool   `ec2:"DeleteAssociatedSnapshots"`
	DryRun                    bool   `ec2:"DryRun"`
}

type returnResponse struct {
	Return bool `xml:"return"`
}

func deregisterImage(d Deps) func(context.Context, *awsapi.Call, *imageIDRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *imageIDRequest) (any, error) {
		if err := d.Images.Deregister(ctx, call.Principal.AccountID, req.ImageID); err != nil {
			return nil, err
		}
		return returnResponse{Return: true}, nil
	}
}

type describeImagesRequest struct {
	ImageIDs          []string        `ec2:"ImageId"`
	Owners            []string        `ec2:"Owner"`
	ExecutableUsers   []string        `ec2:"ExecutableBy"`
	Filters           []filterRequest `ec2:"Filter"`
	MaxResults        int64           `ec2:"MaxResults"`
	NextToken         string          `ec2:"NextToken"`
	IncludeDeprecated bool            `ec2:"IncludeDeprecated"`
	IncludeDisabled   bool            `ec2:"IncludeDisabled"`
	DryRun            bool            `ec2:"DryRun"`
}

type productCodeXML struct {
	Code string `xml:"productCode"`
	Type string `xml:"type"`
}

func productCodesXML(pc image.ProductCode) items[productCodeXML] {
	if pc.IsZero() {
		return items[productCodeXML]{}
	}
	return itemsOf([]productCodeXML{{Code: pc.Code, Type: string(pc.Type)}})
}

// optionalCodes is an image's product codes as DescribeImages writes
// them: absent when it has none, as EC2 does.
func optionalCodes(pc image.ProductCode) *items[productCodeXML] {
	if pc.IsZero() {
		return nil
	}
	codes := productCodesXML(pc)
	return &codes
}

type ebsXML struct {
	SnapshotID          string `xml:"snapshotId,omitempty"`
	VolumeSize          int64  `xml:"volumeSize,omitempty"`
	VolumeType          string `xml:"volumeType,omitempty"`
	Iops                int64  `xml:"iops,omitempty"`
	Throughput          int64  `xml:"throughput,omitempty"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
	Encrypted           bool   `xml:"encrypted"`
	KmsKeyID            string `xml:"kmsKeyId,omitempty"`
}

type blockDeviceXML struct {
	DeviceName  string  `xml:"deviceName"`
	VirtualName string  `xml:"virtualName,omitempty"`
	NoDevice    *string `xml:"noDevice"`
	Ebs         *ebsXML `xml:"ebs"`
}

func blockDevicesXML(devs []image.BlockDevice) items[blockDeviceXML] {
	out := make([]blockDeviceXML, len(devs))
	for i, d := range devs {
		out[i] = blockDeviceXML{DeviceName: d.DeviceName, VirtualName: d.VirtualName}
		if d.NoDevice {
			out[i].NoDevice = new(string)
		}
		if e := d.Ebs; e != nil {
			out[i].Ebs = &ebsXML{SnapshotID: e.SnapshotID, VolumeSize: e.VolumeSize, VolumeType: e.VolumeType, Iops: e.Iops,
				Throughput: e.Throughput, DeleteOnTermination: e.DeleteOnTermination, Encrypted: e.Encrypted, KmsKeyID: e.KmsKeyID}
		}
	}
	return itemsOf(out)
}

type tagXML struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func tagSetXML(tags []tag.Tag) items[tagXML] {
	out := make([]tagXML, len(tags))
	for i, t := range tags {
		out[i] = tagXML{Key: t.Key, Value: t.Value}
	}
	return itemsOf(out)
}

type imageXML struct {
	ImageID            string                 `xml:"imageId"`
	ImageLocation      string                 `xml:"imageLocation,omitempty"`
	State              string                 `xml:"imageState"`
	OwnerID            string                 `xml:"imageOwnerId"`
	OwnerAlias         string                 `xml:"imageOwnerAlias,omitempty"`
	CreationDate       string                 `xml:"creationDate"`
	Public             bool                   `xml:"isPublic"`
	ProductCodes       *items[productCodeXML] `xml:"productCodes"`
	Architecture       string                 `xml:"architecture"`
	ImageType          string                 `xml:"imageType"`
	KernelID           string                 `xml:"kernelId,omitempty"`
	RamdiskID          string                 `xml:"ramdiskId,omitempty"`
	Platform           string                 `xml:"platform,omitempty"`
	PlatformDetails    string                 `xml:"platformDetails"`
	UsageOperation     string                 `xml:"usageOperation"`
	Name               string                 `xml:"name"`
	Description        string                 `xml:"description,omitempty"`
	RootDeviceType     string                 `xml:"rootDeviceType"`
	RootDeviceName     string                 `xml:"rootDeviceName,omitempty"`
	BlockDeviceMapping items[blockDeviceXML]  `xml:"blockDeviceMapping"`
	VirtualizationType string                 `xml:"virtualizationType"`
	Tags               items[tagXML]          `xml:"tagSet"`
	Hypervisor         string                 `xml:"hypervisor"`
	EnaSupport         bool                   `xml:"enaSupport"`
	SriovNetSupport    string                 `xml:"sriovNetSupport,omitempty"`
	BootMode           string                 `xml:"bootMode,omitempty"`
	TpmSupport         string                 `xml:"tpmSupport,omitempty"`
	ImdsSupport        string                 `xml:"imdsSupport,omitempty"`
	SourceInstanceID   string                 `xml:"sourceInstanceId,omitempty"`
	SourceImageID      string                 `xml:"sourceImageId,omitempty"`
}

func imageXMLOf(img image.Image, tags []tag.Tag) imageXML {
	return imageXML{ImageID: img.ID, ImageLocation: imageLocation(img), State: string(img.State), OwnerID: img.Owner,
		OwnerAlias: img.OwnerAlias, CreationDate: formatTime(img.CreatedAt), Public: img.Public,
		ProductCodes: optionalCodes(img.ProductCode), Architecture: img.Architecture, ImageType: "machine",
		KernelID: img.KernelID, RamdiskID: img.RamdiskID, Platform: string(img.Platform),
		PlatformDetails: img.Platform.Details(), UsageOperation: img.Platform.UsageOperation(), Name: img.Name,
		Description: img.Description, RootDeviceType: string(img.RootDeviceType), RootDeviceName: img.RootDeviceName,
		BlockDeviceMapping: blockDevicesXML(img.BlockDevices), VirtualizationType: img.VirtualizationType,
		Tags: tagSetXML(tags), Hypervisor: "xen", EnaSupport: img.EnaSupport, SriovNetSupport: img.SriovNetSupport,
		BootMode: img.BootMode, TpmSupport: img.TpmSupport, ImdsSupport: img.ImdsSupport,
		SourceInstanceID: img.SourceInstanceID, SourceImageID: img.SourceImageID}
}

// imageLocation is what EC2 shows as an image's location: the manifest of
// an instance-store image, the owner and name of an EBS-backed one.
func imageLocation(img image.Image) string {
	if img.ImageLocation != "" {
		return img.ImageLocation
	}
	return img.Owner + "/" + img.Name
}

type describeImagesResponse struct {
	Images    items[imageXML] `xml:"imagesSet"`
	NextToken string          `xml:"nextToken,omitempty"`
}

func describeImages(d Deps) func(context.Context, *awsapi.Call, *describeImagesRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *describeImagesRequest) (any, error) {
		in := image.DescribeInput{IDs: req.ImageIDs, Owners: req.Owners, ExecutableBy: req.ExecutableUsers,
			Filters: filters(req.Filters), MaxResults: req.MaxResults, NextToken: req.NextToken}
		return &imagesStream{d: d, caller: call.Principal.AccountID, in: in}, nil
	}
}

// xmlBuffers recycle the buffers a batch of images is written to: a batch
// of DescribeBatch images is a few hundred kilobytes.
var xmlBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer is the largest buffer kept for reuse (one that grew with
// images of many block devices or tags is left to the collector).
const maxPooledBuffer = 4 << 20

// imagesStream is DescribeImages' answer, written as the images are read
// (image.Service.DescribeEach), a batch at a time with the caller's tags
// on them, so that an answer of every image a filter selects is never
// held whole: the images and their XML stay in memory one batch at a time.
type imagesStream struct {
	d      Deps
	caller string
	in     image.DescribeInput
}

func (s *imagesStream) WriteXML(ctx context.Context, w io.Writer) error {
	b := xmlBuffers.Get().(*bytes.Buffer)
	defer func() {
		if b.Cap() <= maxPooledBuffer {
			b.Reset()
			xmlBuffers.Put(b)
		}
	}()
	b.WriteString("<imagesSet>")
	next, err := s.d.Images.DescribeEach(ctx, s.caller, s.in, func(imgs []image.Image) error {
		ids := make([]string, len(imgs))
		for i, img := range imgs {
			ids[i] = img.ID
		}
		tags, err := s.d.Tags.OfResources(ctx, s.caller, ids)
		if err != nil {
			return err
		}
		for _, img := range imgs {
			x := imageXMLOf(img, tags[img.ID])
			x.appendXML(b)
		}
		_, err = w.Write(b.Bytes())
		b.Reset()
		return err
	})
	if err != nil {
		return err
	}
	b.WriteString("</imagesSet>")
	if next != "" {
		text(b, "nextToken", next)
	}
	_, err = w.Write(b.Bytes())
	return err
}

type describeImageAttributeRequest struct {
	Attribute string `ec2:"Attribute,required"`
	ImageID   string `ec2:"ImageId,required"`
	DryRun    bool   `ec2:"DryRun"`
}

type attributeValueXML struct {
	Value string `xml:"value"`
}

// imageAttributeResponse is DescribeImageAttribute's answer: the image ID
// and the one attribute asked for.
type imageAttributeResponse struct {
	ImageID            string                 `xml:"imageId"`
	LaunchPermissions  *items[permissionXML]  `xml:"launchPermission"`
	ProductCodes       *items[productCodeXML] `xml:"productCodes"`
	BlockDeviceMapping *items[blockDeviceXML] `xml:"blockDeviceMapping"`
	Description        *attributeValueXML     `xml:"description"`
	Kernel             *attributeValueXML     `xml:"kernel"`
	Ramdisk            *attributeValueXML     `xml:"ramdisk"`
	SriovNetSupport    *attributeValueXML     `xml:"sriovNetSupport"`
	BootMode           *attributeValueXML     `xml:"bootMode"`
	TpmSupport         *attributeValueXML     `xml:"tpmSupport"`
	UefiData           *attributeValueXML     `xml:"uefiData"`
	LastLaunchedTime   *attributeValueXML     `xml:"lastLaunchedTime"`
	ImdsSupport        *attributeValueXML     `xml:"imdsSupport"`
	DeregProtection    *attributeValueXML     `xml:"deregistrationProtection"`
}

func describeImageAttribute(d Deps) func(context.Context, *awsapi.Call, *describeImageAttributeRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *describeImageAttributeRequest) (any, error) {
		v, err := d.Images.DescribeAttribute(ctx, call.Principal.AccountID, req.ImageID, image.Attribute(req.Attribute))
		if err != nil {
			return nil, err
		}
		return imageAttributeXML(v), nil
	}
}

func imageAttributeXML(v image.AttributeValue) imageAttributeResponse {
	out := imageAttributeResponse{ImageID: v.ImageID}
	img := v.Image
	value := func(s string) *attributeValueXML { return &attributeValueXML{Value: s} }
	switch v.Attribute {
	case image.AttrLaunchPermission:
		out.LaunchPermissions = permissionsXML(v.LaunchPermissions)
	case image.AttrProductCodes:
		pcs := productCodesXML(img.ProductCode)
		out.ProductCodes = &pcs
	case image.AttrBlockDeviceMapping:
		b := blockDevicesXML(img.BlockDevices)
		out.BlockDeviceMapping = &b
	case image.AttrDescription:
		out.Description = value(img.Description)
	case image.AttrKernel:
		out.Kernel = value(img.KernelID)
	case image.AttrRamdisk:
		out.Ramdisk = value(img.RamdiskID)
	case image.AttrSriovNetSupport:
		out.SriovNetSupport = value(img.SriovNetSupport)
	case image.AttrBootMode:
		out.BootMode = value(img.BootMode)
	case image.AttrTpmSupport:
		out.TpmSupport = value(img.TpmSupport)
	case image.AttrUefiData:
		out.UefiData = value("")
	case image.AttrLastLaunchedTime:
		out.LastLaunchedTime = value("")
	case image.AttrImdsSupport:
		out.ImdsSupport = value(img.ImdsSupport)
	case image.AttrDeregProtection:
		out.DeregProtection = value("disabled")
	}
	return out
}

type launchPermissionRequest struct {
	UserID                string `ec2:"UserId"`
	Group                 string `ec2:"Group"`
	OrganizationArn       string `ec2:"OrganizationArn"`
	OrganizationalUnitArn string `ec2:"OrganizationalUnitArn"`
}

func (p launchPermissionRequest) permission() image.Permission {
	return image.Permission{UserID: p.UserID, Group: p.Group, OrganizationArn: p.OrganizationArn, OrganizationalUnitArn: p.OrganizationalUnitArn}
}

type modifyImageAttributeRequest struct {
	ImageID       string  `ec2:"ImageId,required"`
	Attribute     string  `ec2:"Attribute"`
	OperationType string  `ec2:"OperationType"`
	Value         *string `ec2:"Value"`
	Description   *struct {
		Value string `ec2:"Value"`
	} `ec2:"Description"`
	LaunchPermission       *permissionChange[launchPermissionRequest] `ec2:"LaunchPermission"`
	ProductCodes           []string                                   `ec2:"ProductCode"`
	UserIDs                []string                                   `ec2:"UserId"`
	UserGroups             []string                                   `ec2:"UserGroup"`
	OrganizationArns       []string                                   `ec2:"OrganizationArn"`
	OrganizationalUnitArns []string                                   `ec2:"OrganizationalUnitArn"`
	ImdsSupport            *struct {
		Value string `ec2:"Value"`
	} `ec2:"ImdsSupport"`
	DryRun bool `ec2:"DryRun"`
}

func modifyImageAttribute(d Deps) func(context.Context, *awsapi.Call, *modifyImageAttributeRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *modifyImageAttributeRequest) (any, error) {
		in, err := modifyInput(req)
		if err != nil {
			return nil, err
		}
		if err := d.Images.ModifyAttribute(ctx, call.Principal.AccountID, req.ImageID, in); err != nil {
			return nil, err
		}
		return returnResponse{Return: true}, nil
	}
}

// modifyInput maps ModifyImageAttribute's two spellings of a change to
// the domain's one: the structures (LaunchPermission.Add, Description),
// and the older Attribute with OperationType, UserId, UserGroup and Value.
func modifyInput(req *modifyImageAttributeRequest) (image.ModifyInput, error) {
	in := image.ModifyInput{Attribute: image.Attribute(req.Attribute), ProductCodes: req.ProductCodes}
	if req.Description != nil {
		in.Description = &req.Description.Value
	}
	if req.ImdsSupport != nil {
		return in, fault.Coded(fault.Invalid, "UnsupportedOperation", "The attribute imdsSupport cannot be changed")
	}
	listed := listedPermissions(req.UserIDs, req.UserGroups)
	for _, a := range req.OrganizationArns {
		listed = append(listed, image.Permission{OrganizationArn: a})
	}
	for _, a := range req.OrganizationalUnitArns {
		listed = append(listed, image.Permission{OrganizationalUnitArn: a})
	}
	var err error
	in.Add, in.Remove, err = permissionLists(req.LaunchPermission, listed, req.OperationType, "LaunchPermission", "launch permissions")
	if err != nil {
		return in, err
	}
	if req.Value != nil {
		if in.Description != nil || in.Attribute != image.AttrDescription {
			return in, fault.Coded(fault.Invalid, "InvalidParameterCombination", "Value sets only the description, with Attribute=description")
		}
		in.Description = req.Value
	}
	return in, nil
}

type resetImageAttributeRequest struct {
	Attribute string `ec2:"Attribute,required"`
	ImageID   string `ec2:"ImageId,required"`
	DryRun    bool   `ec2:"DryRun"`
}

func resetImageAttribute(d Deps) func(context.Context, *awsapi.Call, *resetImageAttributeRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *resetImageAttributeRequest) (any, error) {
		if err := d.Images.ResetAttribute(ctx, call.Principal.AccountID, req.ImageID, image.Attribute(req.Attribute)); err != nil {
			return nil, err
		}
		return returnResponse{Return: true}, nil
	}
}

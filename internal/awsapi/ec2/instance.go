package ec2

import (
	"context"
	"strings"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/tag"
)

// iamInstanceProfileRequest is RunInstances' IamInstanceProfile
// (IamInstanceProfileSpecification).
type iamInstanceProfileRequest struct {
	Arn  string `ec2:"Arn"`
	Name string `ec2:"Name"`
}

type placementRequest struct {
	AvailabilityZone     string `ec2:"AvailabilityZone"`
	AvailabilityZoneID   string `ec2:"AvailabilityZoneId"`
	Affinity             string `ec2:"Affinity"`
	GroupName            string `ec2:"GroupName"`
	GroupID              string `ec2:"GroupId"`
	PartitionNumber      int64  `ec2:"PartitionNumber"`
	HostID               string `ec2:"HostId"`
	Tenancy              string `ec2:"Tenancy"`
	SpreadDomain         string `ec2:"SpreadDomain"`
	HostResourceGroupArn string `ec2:"HostResourceGroupArn"`
}

// metadataOptionsRequest is RunInstances' MetadataOptions. HttpTokens and
// HttpEndpoint are kept; the hop limit bounds how far a response travels
// from a real machine's metadata service and means nothing here, but is
// checked as EC2 checks it; the rest is accepted.
type metadataOptionsRequest struct {
	HTTPTokens              string `ec2:"HttpTokens"`
	HTTPPutResponseHopLimit int64  `ec2:"HttpPutResponseHopLimit"`
	HTTPEndpoint            string `ec2:"HttpEndpoint"`
	HTTPProtocolIPv6        string `ec2:"HttpProtocolIpv6"`
	InstanceMetadataTags    string `ec2:"InstanceMetadataTags"`
}

func (m *metadataOptionsRequest) options() (compute.MetadataOptions, error) {
	if m == nil {
		return compute.MetadataOptions{}, nil
	}
	if m.HTTPPutResponseHopLimit != 0 && (m.HTTPPutResponseHopLimit < 1 || m.HTTPPutResponseHopLimit > 64) {
		return compute.MetadataOptions{}, fault.Coded(fault.Invalid, "InvalidParameterValue",
			"Value (%d) for parameter HttpPutResponseHopLimit is invalid. Expected a number between 1 and 64.", m.HTTPPutResponseHopLimit)
	}
	return compute.MetadataOptions{HTTPTokens: m.HTTPTokens, HTTPEndpoint: m.HTTPEndpoint}, nil
}

// metadataOptionsXML is an instance's metadata options as DescribeInstances
// shows them.
type metadataOptionsXML struct {
	State                   string `xml:"state"`
	HTTPTokens              string `xml:"httpTokens"`
	HTTPPutResponseHopLimit int    `xml:"httpPutResponseHopLimit"`
	HTTPEndpoint            string `xml:"httpEndpoint"`
	HTTPProtocolIPv6        string `xml:"httpProtocolIpv6"`
	InstanceMetadataTags    string `xml:"instanceMetadataTags"`
}

func metadataOptionsXMLOf(m compute.MetadataOptions) metadataOptionsXML {
	m = m.WithDefaults()
	return metadataOptionsXML{State: "applied", HTTPTokens: m.HTTPTokens, HTTPPutResponseHopLimit: 1, HTTPEndpoint: m.HTTPEndpoint,
		HTTPProtocolIPv6: "disabled", InstanceMetadataTags: "disabled"}
}

// runInstancesRequest is RunInstances' request. Tollgate runs no machines,
// so what shapes a real machine (networking, CPU, user data) is accepted
// and has no effect. IamInstanceProfile does: its role's credentials are
// what the instance's metadata service serves; and the metadata options
// say how that service answers the instance.
type runInstancesRequest struct {
	ImageID            string                      `ec2:"ImageId"`
	InstanceType       string                      `ec2:"InstanceType"`
	MinCount           int64                       `ec2:"MinCount,required"`
	MaxCount           int64                       `ec2:"MaxCount,required"`
	ClientToken        string                      `ec2:"ClientToken"`
	KeyName            string                      `ec2:"KeyName"`
	Placement          *placementRequest           `ec2:"Placement"`
	TagSpecifications  []tagSpecificationRequest   `ec2:"TagSpecification"`
	BlockDevices       []blockDeviceMappingRequest `ec2:"BlockDeviceMapping"`
	IamInstanceProfile *iamInstanceProfileRequest  `ec2:"IamInstanceProfile"`
	DryRun             bool                        `ec2:"DryRun"`
	MetadataOptions    *metadataOptionsRequest     `ec2:"MetadataOptions"`

	AdditionalInfo                    struct{} `ec2:"AdditionalInfo,ignore"`
	CapacityReservationSpecification  struct{} `ec2:"CapacityReservationSpecification,ignore"`
	CPUOptions                        struct{} `ec2:"CpuOptions,ignore"`
	CreditSpecification               struct{} `ec2:"CreditSpecification,ignore"`
	DisableAPIStop                    struct{} `ec2:"DisableApiStop,ignore"`
	DisableAPITermination             struct{} `ec2:"DisableApiTermination,ignore"`
	EbsOptimized                      struct{} `ec2:"EbsOptimized,ignore"`
	ElasticGpuSpecification           struct{} `ec2:"ElasticGpuSpecification,ignore"`
	ElasticInferenceAccelerator       struct{} `ec2:"ElasticInferenceAccelerator,ignore"`
	EnclaveOptions                    struct{} `ec2:"EnclaveOptions,ignore"`
	HibernationOptions                struct{} `ec2:"HibernationOptions,ignore"`
	InstanceInitiatedShutdownBehavior struct{} `ec2:"InstanceInitiatedShutdownBehavior,ignore"`
	InstanceMarketOptions             struct{} `ec2:"InstanceMarketOptions,ignore"`
	Ipv6AddressCount                  struct{} `ec2:"Ipv6AddressCount,ignore"`
	Ipv6Address                       struct{} `ec2:"Ipv6Address,ignore"`
	KernelID                          struct{} `ec2:"KernelId,ignore"`
	LaunchTemplate                    struct{} `ec2:"LaunchTemplate,ignore"`
	LicenseSpecification              struct{} `ec2:"LicenseSpecification,ignore"`
	MaintenanceOptions                struct{} `ec2:"MaintenanceOptions,ignore"`
	Monitoring                        struct{} `ec2:"Monitoring,ignore"`
	NetworkInterface                  struct{} `ec2:"NetworkInterface,ignore"`
	NetworkPerformanceOptions         struct{} `ec2:"NetworkPerformanceOptions,ignore"`
	Operator                          struct{} `ec2:"Operator,ignore"`
	PrivateDNSNameOptions             struct{} `ec2:"PrivateDnsNameOptions,ignore"`
	PrivateIPAddress                  struct{} `ec2:"PrivateIpAddress,ignore"`
	RamdiskID                         struct{} `ec2:"RamdiskId,ignore"`
	SecondaryInterface                struct{} `ec2:"SecondaryInterface,ignore"`
	SecurityGroup                     struct{} `ec2:"SecurityGroup,ignore"`
	SecurityGroupID                   struct{} `ec2:"SecurityGroupId,ignore"`
	SubnetID                          struct{} `ec2:"SubnetId,ignore"`
	UserData                          struct{} `ec2:"UserData,ignore"`
}

type instanceStateXML struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

func stateXML(s compute.State) instanceStateXML {
	return instanceStateXML{Code: s.Code(), Name: string(s)}
}

type instanceBlockDeviceXML struct {
	DeviceName string `xml:"deviceName"`
	Ebs        struct {
		VolumeID            string `xml:"volumeId"`
		Status              string `xml:"status"`
		AttachTime          string `xml:"attachTime"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
	} `xml:"ebs"`
}

type placementXML struct {
	AvailabilityZone string `xml:"availabilityZone"`
	GroupName        string `xml:"groupName"`
	Tenancy          string `xml:"tenancy"`
}

type monitoringXML struct {
	State string `xml:"state"`
}

type iamInstanceProfileXML struct {
	Arn string `xml:"arn"`
	ID  string `xml:"id"`
}

type stateReasonXML struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type instanceXML struct {
	InstanceID         string                        `xml:"instanceId"`
	ImageID            string                        `xml:"imageId"`
	State              instanceStateXML              `xml:"instanceState"`
	PrivateDNSName     string                        `xml:"privateDnsName"`
	DNSName            string                        `xml:"dnsName"`
	Reason             string                        `xml:"reason"`
	KeyName            string                        `xml:"keyName,omitempty"`
	AMILaunchIndex     int                           `xml:"amiLaunchIndex"`
	ProductCodes       items[productCodeXML]         `xml:"productCodes"`
	InstanceType       string                        `xml:"instanceType"`
	LaunchTime         string                        `xml:"launchTime"`
	Placement          placementXML                  `xml:"placement"`
	Platform           string                        `xml:"platform,omitempty"`
	PlatformDetails    string                        `xml:"platformDetails"`
	UsageOperation     string                        `xml:"usageOperation"`
	Monitoring         monitoringXML                 `xml:"monitoring"`
	PrivateIPAddress   string                        `xml:"privateIpAddress"`
	Groups             items[struct{}]               `xml:"groupSet"`
	StateReason        *stateReasonXML               `xml:"stateReason"`
	Architecture       string                        `xml:"architecture"`
	RootDeviceType     string                        `xml:"rootDeviceType"`
	RootDeviceName     string                        `xml:"rootDeviceName,omitempty"`
	BlockDeviceMapping items[instanceBlockDeviceXML] `xml:"blockDeviceMapping"`
	VirtualizationType string                        `xml:"virtualizationType"`
	ClientToken        string                        `xml:"clientToken"`
	Tags               items[tagXML]                 `xml:"tagSet"`
	Hypervisor         string                        `xml:"hypervisor"`
	EbsOptimized       bool                          `xml:"ebsOptimized"`
	IamInstanceProfile *iamInstanceProfileXML        `xml:"iamInstanceProfile"`
	MetadataOptions    metadataOptionsXML            `xml:"metadataOptions"`
}

// instanceXMLOf writes an instance, showing state (the transitional state
// a launch's answer shows, or the instance's own).
func instanceXMLOf(in compute.Instance, state compute.State, tags []tag.Tag) instanceXML {
	out := instanceXML{InstanceID: in.ID, ImageID: in.ImageID, State: stateXML(state),
		PrivateDNSName: in.PrivateDNSName(),
		KeyName:        in.KeyName, AMILaunchIndex: in.LaunchIndex, ProductCodes: productCodesXML(in.ProductCode),
		InstanceType: in.InstanceType, LaunchTime: formatTime(in.LaunchedAt),
		Placement: placementXML{AvailabilityZone: in.Zone, Tenancy: "default"}, Platform: string(in.Platform),
		PlatformDetails: in.Platform.Details(), UsageOperation: in.Platform.UsageOperation(),
		PrivateIPAddress: in.PrivateIP, Architecture: in.Architecture, RootDeviceType: string(in.RootDeviceType),
		RootDeviceName: in.RootDeviceName, VirtualizationType: in.VirtualizationType, ClientToken: in.ClientToken,
		Tags: tagSetXML(tags), Hypervisor: "xen", MetadataOptions: metadataOptionsXMLOf(in.Metadata)}
	out.Monitoring.State = "disabled"
	if in.StateReason != "" {
		code, msg, _ := strings.Cut(in.StateReason, ": ")
		out.StateReason = &stateReasonXML{Code: code, Message: in.StateReason}
		out.Reason = msg
	}
	out.BlockDeviceMapping = volumesXML(in)
	if !in.Profile.IsZero() {
		out.IamInstanceProfile = &iamInstanceProfileXML{Arn: in.Profile.ARN, ID: in.Profile.ID()}
	}
	return out
}

// volumesXML writes an instance's volumes; they are detached once it is
// terminated.
func volumesXML(in compute.Instance) items[instanceBlockDeviceXML] {
	if in.State == compute.Terminated {
		return items[instanceBlockDeviceXML]{}
	}
	out := make([]instanceBlockDeviceXML, len(in.Volumes))
	for i, v := range in.Volumes {
		out[i].DeviceName = v.DeviceName
		out[i].Ebs.VolumeID, out[i].Ebs.Status, out[i].Ebs.AttachTime = v.VolumeID, "attached", formatTime(v.AttachedAt)
		out[i].Ebs.DeleteOnTermination = v.DeleteOnTermination
	}
	return itemsOf(out)
}

type reservationXML struct {
	ReservationID string             `xml:"reservationId"`
	OwnerID       string             `xml:"ownerId"`
	Groups        items[struct{}]    `xml:"groupSet"`
	Instances     items[instanceXML] `xml:"instancesSet"`
}

func runInstances(d Deps) func(context.Context, *awsapi.Call, *runInstancesRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *runInstancesRequest) (any, error) {
		if len(req.BlockDevices) > 0 {
			return nil, fault.Coded(fault.Invalid, "UnsupportedOperation", "Block device mappings at launch are not supported; instances get their image's")
		}
		tags, err := specTags(req.TagSpecifications, tag.Instance, tag.Volume)
		if err != nil {
			return nil, err
		}
		metadata, err := req.MetadataOptions.options()
		if err != nil {
			return nil, err
		}
		in := compute.RunInput{Metadata: metadata, ImageID: req.ImageID, InstanceType: req.InstanceType, MinCount: req.MinCount, MaxCount: req.MaxCount,
			ClientToken: req.ClientToken, Region: call.Region, KeyName: req.KeyName,
			InstanceTags: tags[tag.Instance], VolumeTags: tags[tag.Volume]}
		if p := req.Placement; p != nil {
			in.Zone = p.AvailabilityZone
		}
		if p := req.IamInstanceProfile; p != nil {
			in.Profile = compute.ProfileRequest{ARN: p.Arn, Name: p.Name}
		}
		caller := call.Principal.AccountID
		insts, err := d.Instances.Run(ctx, caller, in)
		if err != nil {
			return nil, err
		}
		return reservationOf(ctx, d, caller, insts, compute.Pending)
	}
}

// reservationOf writes one launch's instances, each in state shown (or
// its own state when shown is empty), with the caller's tags.
func reservationOf(ctx context.Context, d Deps, caller string, insts []compute.Instance, shown compute.State) (reservationXML, error) {
	ids := make([]string, len(insts))
	for i, in := range insts {
		ids[i] = in.ID
	}
	tags, err := d.Tags.OfResources(ctx, caller, ids)
	if err != nil {
		return reservationXML{}, err
	}
	out := reservationXML{ReservationID: insts[0].ReservationID, OwnerID: insts[0].Owner}
	for _, in := range insts {
		state := in.State
		if shown != "" && in.State == compute.Running {
			state = shown
		}
		out.Instances.Items = append(out.Instances.Items, instanceXMLOf(in, state, tags[in.ID]))
	}
	return out, nil
}

type describeInstancesRequest struct {
	InstanceIDs             []string        `ec2:"InstanceId"`
	Filters                 []filterRequest `ec2:"Filter"`
	MaxResults              int64           `ec2:"MaxResults"`
	NextToken               string          `ec2:"NextToken"`
	IncludeManagedResources bool            `ec2:"IncludeManagedResources"`
	DryRun                  bool            `ec2:"DryRun"`
}

type describeInstancesResponse struct {
	Reservations items[reservationXML] `xml:"reservationSet"`
	NextToken    string                `xml:"nextToken,omitempty"`
}

func describeInstances(d Deps) func(context.Context, *awsapi.Call, *describeInstancesRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *describeInstancesRequest) (any, error) {
		caller := call.Principal.AccountID
		page, err := d.Instances.Describe(ctx, caller, compute.DescribeInput{IDs: req.InstanceIDs, Filters: filters(req.Filters),
			MaxResults: req.MaxResults, NextToken: req.NextToken})
		if err != nil {
			return nil, err
		}
		out := describeInstancesResponse{NextToken: page.NextToken}
		// The instances come ordered by reservation: each run of one
		// reservation is one element.
		for start := 0; start < len(page.Instances); {
			end := start + 1
			for end < len(page.Instances) && page.Instances[end].ReservationID == page.Instances[start].ReservationID {
				end++
			}
			r, err := reservationOf(ctx, d, caller, page.Instances[start:end], "")
			if err != nil {
				return nil, err
			}
			out.Reservations.Items = append(out.Reservations.Items, r)
			start = end
		}
		return out, nil
	}
}

type instanceIDsRequest struct {
	InstanceIDs    []string `ec2:"InstanceId"`
	Force          bool     `ec2:"Force"`
	Hibernate      bool     `ec2:"Hibernate"`
	SkipOsShutdown bool     `ec2:"SkipOsShutdown"`
	AdditionalInfo string   `ec2:"AdditionalInfo"`
	DryRun         bool     `ec2:"DryRun"`
}

type stateChangeXML struct {
	InstanceID    string           `xml:"instanceId"`
	CurrentState  instanceStateXML `xml:"currentState"`
	PreviousState instanceStateXML `xml:"previousState"`
}

type stateChangesResponse struct {
	Instances items[stateChangeXML] `xml:"instancesSet"`
}

// stateChanges adapts StopInstances, StartInstances and
// TerminateInstances, which take and answer the same shapes.
func stateChanges(fn func(ctx context.Context, caller string, ids []string) ([]compute.StateChange, error)) func(context.Context, *awsapi.Call, *instanceIDsRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *instanceIDsRequest) (any, error) {
		changes, err := fn(ctx, call.Principal.AccountID, req.InstanceIDs)
		if err != nil {
			return nil, err
		}
		out := make([]stateChangeXML, len(changes))
		for i, c := range changes {
			out[i] = stateChangeXML{InstanceID: c.InstanceID, CurrentState: stateXML(c.Current), PreviousState: stateXML(c.Previous)}
		}
		return stateChangesResponse{Instances: itemsOf(out)}, nil
	}
}

func rebootInstances(d Deps) func(context.Context, *awsapi.Call, *instanceIDsRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *instanceIDsRequest) (any, error) {
		if err := d.Instances.Reboot(ctx, call.Principal.AccountID, req.InstanceIDs); err != nil {
			return nil, err
		}
		return returnResponse{Return: true}, nil
	}
}

type describeInstanceAttributeRequest struct {
	Attribute  string `ec2:"Attribute,required"`
	InstanceID string `ec2:"InstanceId,required"`
	DryRun     bool   `ec2:"DryRun"`
}

type boolValueXML struct {
	Value bool `xml:"value"`
}

type instanceAttributeResponse struct {
	InstanceID         string                         `xml:"instanceId"`
	InstanceType       *attributeValueXML             `xml:"instanceType"`
	Kernel             *attributeValueXML             `xml:"kernel"`
	Ramdisk            *attributeValueXML             `xml:"ramdisk"`
	UserData           *attributeValueXML             `xml:"userData"`
	DisableAPITerm     *boolValueXML                  `xml:"disableApiTermination"`
	ShutdownBehavior   *attributeValueXML             `xml:"instanceInitiatedShutdownBehavior"`
	RootDeviceName     *attributeValueXML             `xml:"rootDeviceName"`
	BlockDeviceMapping *items[instanceBlockDeviceXML] `xml:"blockDeviceMapping"`
	ProductCodes       *items[productCodeXML]         `xml:"productCodes"`
	SourceDestCheck    *boolValueXML                  `xml:"sourceDestCheck"`
	Groups             *items[struct{}]               `xml:"groupSet"`
	EbsOptimized       *boolValueXML                  `xml:"ebsOptimized"`
	SriovNetSupport    *attributeValueXML             `xml:"sriovNetSupport"`
	EnaSupport         *boolValueXML                  `xml:"enaSupport"`
	EnclaveOptions     *struct {
		Enabled bool `xml:"enabled"`
	} `xml:"enclaveOptions"`
	DisableAPIStop *boolValueXML `xml:"disableApiStop"`
}

func describeInstanceAttribute(d Deps) func(context.Context, *awsapi.Call, *describeInstanceAttributeRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *describeInstanceAttributeRequest) (any, error) {
		attr := compute.Attribute(req.Attribute)
		in, err := d.Instances.DescribeAttribute(ctx, call.Principal.AccountID, req.InstanceID, attr)
		if err != nil {
			return nil, err
		}
		return instanceAttributeXML(in, attr), nil
	}
}

func instanceAttributeXML(in compute.Instance, attr compute.Attribute) instanceAttributeResponse {
	out := instanceAttributeResponse{InstanceID: in.ID}
	value := func(s string) *attributeValueXML { return &attributeValueXML{Value: s} }
	switch attr {
	case compute.AttrInstanceType:
		out.InstanceType = value(in.InstanceType)
	case compute.AttrKernel:
		out.Kernel = value("")
	case compute.AttrRamdisk:
		out.Ramdisk = value("")
	case compute.AttrUserData:
		out.UserData = value("")
	case compute.AttrDisableAPITermination:
		out.DisableAPITerm = &boolValueXML{}
	case compute.AttrShutdownBehavior:
		out.ShutdownBehavior = value("stop")
	case compute.AttrRootDeviceName:
		out.RootDeviceName = value(in.RootDeviceName)
	case compute.AttrBlockDeviceMapping:
		b := volumesXML(in)
		out.BlockDeviceMapping = &b
	case compute.AttrProductCodes:
		pcs := productCodesXML(in.ProductCode)
		out.ProductCodes = &pcs
	case compute.AttrSourceDestCheck:
		out.SourceDestCheck = &boolValueXML{Value: true}
	case compute.AttrGroupSet:
		out.Groups = &items[struct{}]{}
	case compute.AttrEbsOptimized:
		out.EbsOptimized = &boolValueXML{}
	case compute.AttrSriovNetSupport:
		out.SriovNetSupport = value("")
	case compute.AttrEnaSupport:
		out.EnaSupport = &boolValueXML{}
	case compute.AttrEnclaveOptions:
		out.EnclaveOptions = &struct {
			Enabled bool `xml:"enabled"`
		}{}
	case compute.AttrDisableAPIStop:
		out.DisableAPIStop = &boolValueXML{}
	}
	return out
}

type confirmProductInstanceRequest struct {
	InstanceID  string `ec2:"InstanceId,required"`
	ProductCode string `ec2:"ProductCode,required"`
	DryRun      bool   `ec2:"DryRun"`
}

type confirmProductInstanceResponse struct {
	Return  bool   `xml:"return"`
	OwnerID string `xml:"ownerId,omitempty"`
}

func confirmProductInstance(d Deps) func(context.Context, *awsapi.Call, *confirmProductInstanceRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *confirmProductInstanceRequest) (any, error) {
		c, err := d.Instances.ConfirmProductInstance(ctx, call.Principal.AccountID, req.InstanceID, req.ProductCode)
		if err != nil {
			return nil, err
		}
		return confirmProductInstanceResponse{Return: c.Running, OwnerID: c.Owner}, nil
	}
}

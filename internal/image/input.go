package image

import (
	"slices"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/tag"
)

// FilterNames are the DescribeImages filters Tollgate knows, besides
// tag:<key>: those tools use to find images.
var FilterNames = []string{
	"architecture", "description", "hypervisor", "image-id", "image-type", "is-public", "name", "owner-alias",
	"owner-id", "platform", "product-code", "product-code.type", "root-device-name", "root-device-type",
	"source-instance-id", "state", "tag-key", "tag-value", "virtualization-type",
}

// KnownFilter reports whether name is a DescribeImages filter.
func KnownFilter(name string) bool {
	return filter.NamedOrTag(FilterNames)(name)
}

// RegisterInput registers an image.
type RegisterInput struct {
	Name               string
	Description        string
	Architecture       string // "x86_64" when empty
	ImageLocation      string
	RootDeviceName     string // "/dev/xvda" when empty
	VirtualizationType string // "hvm" when empty
	BlockDevices       []BlockDevice
	KernelID           string
	RamdiskID          string
	EnaSupport         bool
	SriovNetSupport    string
	BootMode           string
	TpmSupport         string
	ImdsSupport        string
	// Tags are the owner's tags on the new image.
	Tags []tag.Tag
}

// Default values of a registration.
const (
	DefaultArchitecture   = "x86_64"
	DefaultRootDevice     = "/dev/xvda"
	DefaultVirtualization = "hvm"
	// DefaultRootSizeGiB is the root volume of an image registered with
	// neither a manifest nor a block device mapping: a blank volume, as
	// test suites written against emulators register images.
	DefaultRootSizeGiB = 8
)

// Validate checks everything that needs no store.
func (in RegisterInput) Validate() error {
	if err := checkName(in.Name); err != nil {
		return err
	}
	if err := checkDescription(in.Description); err != nil {
		return err
	}
	if in.Architecture != "" && !slices.Contains(Architectures, in.Architecture) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter architecture is invalid", clip(in.Architecture))
	}
	switch in.VirtualizationType {
	case "", "hvm", "paravirtual":
	default:
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter virtualizationType is invalid", clip(in.VirtualizationType))
	}
	if len(in.ImageLocation) > MaxLocationLength {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The image location is longer than %d characters", MaxLocationLength)
	}
	if in.RootDeviceName != "" && !deviceNamePattern.MatchString(in.RootDeviceName) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Invalid root device name %q", clip(in.RootDeviceName))
	}
	if err := tag.CheckTags(in.Tags); err != nil {
		return err
	}
	return checkBlockDevices(in.BlockDevices)
}

// image builds the image the input registers, its ID, owner and time
// aside.
func (in RegisterInput) image() Image {
	img := Image{Name: in.Name, Description: in.Description, Architecture: in.Architecture, State: Available,
		ImageLocation: in.ImageLocation, RootDeviceName: in.RootDeviceName, VirtualizationType: in.VirtualizationType,
		BlockDevices: slices.Clone(in.BlockDevices), KernelID: in.KernelID, RamdiskID: in.RamdiskID, EnaSupport: in.EnaSupport,
		SriovNetSupport: in.SriovNetSupport, BootMode: in.BootMode, TpmSupport: in.TpmSupport, ImdsSupport: in.ImdsSupport}
	if img.Architecture == "" {
		img.Architecture = DefaultArchitecture
	}
	if img.VirtualizationType == "" {
		img.VirtualizationType = DefaultVirtualization
	}
	if img.RootDeviceName == "" {
		img.RootDeviceName = DefaultRootDevice
	}
	img.RootDeviceType = EBS
	if img.ImageLocation != "" && !img.mapsRoot() {
		img.RootDeviceType = InstanceStore
	}
	if img.ImageLocation == "" && len(img.BlockDevices) == 0 {
		img.BlockDevices = []BlockDevice{{DeviceName: img.RootDeviceName,
			Ebs: &EbsDevice{VolumeSize: DefaultRootSizeGiB, VolumeType: "gp3", DeleteOnTermination: true}}}
	}
	return img
}

// mapsRoot reports whether the image maps its root device to an EBS volume.
func (img Image) mapsRoot() bool {
	return slices.ContainsFunc(img.BlockDevices, func(d BlockDevice) bool { return d.DeviceName == img.RootDeviceName && d.Ebs != nil })
}

// DescribeInput selects images.
type DescribeInput struct {
	IDs []string
	// Owners are account IDs, "self", or owner aliases.
	Owners []string
	// ExecutableBy are account IDs, "self" or "all".
	ExecutableBy []string
	Filters      []filter.Filter
	// MaxResults bounds the page (MinListResults to MaxListResults); 0
	// lists everything at once.
	MaxResults int64
	NextToken  string
}

// The owners an image listing may name besides accounts.
const (
	Self = "self"
)

// OwnerAliases are the owner aliases a listing may name: those of images
// the operator publishes.
var OwnerAliases = []string{"amazon", "aws-marketplace", "aws-backup-vault"}

// checkAudience checks the Owners and the ExecutableBy or RestorableBy of
// an image or snapshot listing: owners are accounts, "self" or an owner
// alias; users are accounts, "self" or the group all.
func checkAudience(owners, users []string) error {
	for _, o := range owners {
		if o != Self && !ValidAccount(o) && !slices.Contains(OwnerAliases, o) {
			return fault.Coded(fault.Invalid, "InvalidUserID.Malformed", "Invalid user id: %q", clip(o))
		}
	}
	for _, u := range users {
		if u != Self && u != GroupAll && !ValidAccount(u) {
			return fault.Coded(fault.Invalid, "InvalidUserID.Malformed", "Invalid user id: %q", clip(u))
		}
	}
	return nil
}

// Validate checks everything that needs no store.
func (in DescribeInput) Validate() error {
	if err := CheckIDs(in.IDs); err != nil {
		return err
	}
	if len(in.IDs) > 0 && in.MaxResults != 0 {
		return fault.Coded(fault.Invalid, "InvalidParameterCombination", "The parameter ImageIds cannot be used with the parameter MaxResults")
	}
	if err := checkMaxResults(in.MaxResults); err != nil {
		return err
	}
	if err := checkAudience(in.Owners, in.ExecutableBy); err != nil {
		return err
	}
	if _, err := decodeListToken("image", in.NextToken, CheckID); err != nil {
		return err
	}
	return filter.Check(in.Filters, KnownFilter)
}

// Page is one page of images.
type Page struct {
	Images    []Image
	NextToken string
}

// Attribute names an image attribute, as DescribeImageAttribute,
// ModifyImageAttribute and ResetImageAttribute name them.
type Attribute string

// The attributes.
const (
	AttrDescription        Attribute = "description"
	AttrKernel             Attribute = "kernel"
	AttrRamdisk            Attribute = "ramdisk"
	AttrLaunchPermission   Attribute = "launchPermission"
	AttrProductCodes       Attribute = "productCodes"
	AttrBlockDeviceMapping Attribute = "blockDeviceMapping"
	AttrSriovNetSupport    Attribute = "sriovNetSupport"
	AttrBootMode           Attribute = "bootMode"
	AttrTpmSupport         Attribute = "tpmSupport"
	AttrUefiData           Attribute = "uefiData"
	AttrLastLaunchedTime   Attribute = "lastLaunchedTime"
	AttrImdsSupport        Attribute = "imdsSupport"
	AttrDeregProtection    Attribute = "deregistrationProtection"
)

// Attributes are the attributes DescribeImageAttribute reads.
var Attributes = []Attribute{AttrDescription, AttrKernel, AttrRamdisk, AttrLaunchPermission, AttrProductCodes,
	AttrBlockDeviceMapping, AttrSriovNetSupport, AttrBootMode, AttrTpmSupport, AttrUefiData, AttrLastLaunchedTime,
	AttrImdsSupport, AttrDeregProtection}

func unknownAttribute(a Attribute) error {
	return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter attribute is invalid. Unknown attribute.", clip(string(a)))
}

// Permission is one launch permission: an account, or the group "all".
type Permission struct {
	UserID string
	Group  string
	// OrganizationArn and OrganizationalUnitArn are accepted on the wire
	// but not supported: Tollgate has no organizations.
	OrganizationArn       string
	OrganizationalUnitArn string
}

// ModifyInput changes one attribute of an image: its launch permissions,
// its product code, or its description.
type ModifyInput struct {
	// Attribute names what changes; empty when only one of the fields
	// below is given and says so.
	Attribute Attribute
	// Add and Remove change launch permissions.
	Add, Remove []Permission
	// ProductCodes attaches a product code (exactly one).
	ProductCodes []string
	// Description, when set, replaces the description.
	Description *string
}

// Validate checks everything that needs no store, and works out which
// attribute the input changes.
func (in *ModifyInput) Validate() error {
	changes := map[Attribute]bool{}
	if len(in.Add) > 0 || len(in.Remove) > 0 {
		changes[AttrLaunchPermission] = true
	}
	if len(in.ProductCodes) > 0 {
		changes[AttrProductCodes] = true
	}
	if in.Description != nil {
		changes[AttrDescription] = true
	}
	if len(changes) > 1 || (in.Attribute != "" && len(changes) == 1 && !changes[in.Attribute]) {
		return fault.Coded(fault.Invalid, "InvalidParameterCombination", "A request changes one attribute of an image at a time")
	}
	switch {
	case in.Attribute == "" && len(changes) == 0:
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must name the attribute to change: LaunchPermission, ProductCode or Description")
	case in.Attribute == "":
		for a := range changes {
			in.Attribute = a
		}
	case !slices.Contains([]Attribute{AttrLaunchPermission, AttrProductCodes, AttrDescription}, in.Attribute):
		if slices.Contains(Attributes, in.Attribute) {
			return fault.Coded(fault.Invalid, "UnsupportedOperation", "The attribute %s cannot be changed", in.Attribute)
		}
		return unknownAttribute(in.Attribute)
	case len(changes) == 0:
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must give the new value of %s", in.Attribute)
	}
	return in.checkValues()
}

func (in *ModifyInput) checkValues() error {
	switch in.Attribute {
	case AttrLaunchPermission:
		for _, p := range slices.Concat(in.Add, in.Remove) {
			if err := checkPermission(p); err != nil {
				return err
			}
		}
	case AttrProductCodes:
		if len(in.ProductCodes) > 1 {
			return fault.Coded(fault.Invalid, "InvalidParameterValue", "An image carries one product code; the request gives %d", len(in.ProductCodes))
		}
	case AttrDescription:
		return checkDescription(*in.Description)
	}
	return nil
}

func checkPermission(p Permission) error {
	n := 0
	for _, v := range []string{p.UserID, p.Group, p.OrganizationArn, p.OrganizationalUnitArn} {
		if v != "" {
			n++
		}
	}
	switch {
	case n != 1:
		return fault.Coded(fault.Invalid, "InvalidParameterCombination", "A launch permission names exactly one of UserId, Group, OrganizationArn or OrganizationalUnitArn")
	case p.OrganizationArn != "" || p.OrganizationalUnitArn != "":
		return fault.Coded(fault.Invalid, "UnsupportedOperation", "Launch permissions for organizations are not supported")
	case p.Group != "" && p.Group != GroupAll:
		return fault.Coded(fault.Invalid, "InvalidAMIAttributeItemValue", "Invalid attribute item value %q for group; the only group is all", clip(p.Group))
	case p.UserID != "" && !ValidAccount(p.UserID):
		return fault.Coded(fault.Invalid, "InvalidAMIAttributeItemValue", "Invalid attribute item value %q for userId; expected a 12-digit account ID", clip(p.UserID))
	}
	return nil
}

package ec2_test

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/subscription"
)

var (
	_ = sdk("ImageRegister", testImageRegister)
	_ = sdk("ImageRefusals", testImageRefusals)
	_ = sdk("ImageIsolation", testImageIsolation)
	_ = sdk("ImageAttributes", testImageAttributes)
	_ = sdk("ImageProductCodes", testImageProductCodes)
	_ = sdk("ImageFilters", testImageFilters)
	_ = sdk("ImagePages", testImagePages)
	_ = sdk("ImageDeregister", testImageDeregister)
)

var amiPattern = regexp.MustCompile(`^ami-[0-9a-f]{17}$`)

// register registers an image named name as p, and returns its ID.
func (e *env) register(p party, name string, opts ...func(*ec2.RegisterImageInput)) string {
	e.t.Helper()
	in := &ec2.RegisterImageInput{Name: aws.String(name)}
	for _, o := range opts {
		o(in)
	}
	out, err := p.EC2.RegisterImage(e.ctx, in)
	if err != nil {
		e.t.Fatalf("RegisterImage %q: %v", name, err)
	}
	return aws.ToString(out.ImageId)
}

// image describes one image as p.
func (e *env) image(p party, id string) types.Image {
	e.t.Helper()
	out, err := p.EC2.DescribeImages(e.ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err != nil {
		e.t.Fatalf("DescribeImages %s: %v", id, err)
	}
	if len(out.Images) != 1 {
		e.t.Fatalf("DescribeImages %s: %d images", id, len(out.Images))
	}
	return out.Images[0]
}

// imageIDs lists the IDs of the images in out.
func imageIDs(out *ec2.DescribeImagesOutput) []string {
	var ids []string
	for _, img := range out.Images {
		ids = append(ids, aws.ToString(img.ImageId))
	}
	return ids
}

// sorted returns ids sorted, as DescribeImages lists them.
func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func testImageRegister(t *testing.T, be backend) {
	e := newEnv(t, be)
	seller := e.party("seller")
	now := e.now()

	t.Run("Defaults", func(t *testing.T) {
		e := e.in(t)
		id := e.register(seller, "plain image", func(in *ec2.RegisterImageInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeImage,
				Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("web")}, {Key: aws.String("empty"), Value: aws.String("")}}}}
		})
		if !amiPattern.MatchString(id) {
			t.Fatalf("image ID %q", id)
		}
		got := e.image(seller, id)
		want := types.Image{
			ImageId: aws.String(id), ImageLocation: aws.String(seller.ID + "/plain image"), State: types.ImageStateAvailable,
			OwnerId: aws.String(seller.ID), CreationDate: aws.String(now.UTC().Format("2006-01-02T15:04:05.000Z")),
			Public: aws.Bool(false), Architecture: types.ArchitectureValuesX8664, ImageType: types.ImageTypeValuesMachine,
			PlatformDetails: aws.String("Linux/UNIX"), UsageOperation: aws.String("RunInstances"), Name: aws.String("plain image"),
			RootDeviceType: types.DeviceTypeEbs, RootDeviceName: aws.String("/dev/xvda"),
			BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"),
				Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(8), VolumeType: types.VolumeTypeGp3, DeleteOnTermination: aws.Bool(true), Encrypted: aws.Bool(false)}}},
			VirtualizationType: types.VirtualizationTypeHvm, Hypervisor: types.HypervisorTypeXen, EnaSupport: aws.Bool(false),
			Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("web")}, {Key: aws.String("empty"), Value: aws.String("")}},
		}
		if diff := cmp.Diff(want, got, ignoreUnexported); diff != "" {
			t.Errorf("image (-want +got):\n%s", diff)
		}
	})
	t.Run("Everything", func(t *testing.T) {
		e := e.in(t)
		base := e.register(seller, "snapshot source", func(in *ec2.RegisterImageInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(30)}}}
		})
		snap := e.snapshot(seller, e.rootVolume(seller, e.mustRun(seller, base, "m5.large")))
		id := e.register(seller, "full (image) [v1.0] @acme_'x'", func(in *ec2.RegisterImageInput) {
			in.Description = aws.String("Ünïcode description")
			in.Architecture = types.ArchitectureValuesArm64
			in.RootDeviceName = aws.String("/dev/sda1")
			in.VirtualizationType = aws.String("hvm")
			in.EnaSupport = aws.Bool(true)
			in.SriovNetSupport = aws.String("simple")
			in.BootMode = types.BootModeValuesUefi
			in.ImdsSupport = types.ImdsSupportValuesV20
			in.BlockDeviceMappings = []types.BlockDeviceMapping{
				{DeviceName: aws.String("/dev/sda1"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(snap),
					VolumeSize: aws.Int32(30), VolumeType: types.VolumeTypeIo2, Iops: aws.Int32(3000), DeleteOnTermination: aws.Bool(false), Encrypted: aws.Bool(true)}},
				{DeviceName: aws.String("/dev/sdb"), VirtualName: aws.String("ephemeral0")},
				{DeviceName: aws.String("/dev/sdc"), NoDevice: aws.String("")},
			}
		})
		got := e.image(seller, id)
		if aws.ToString(got.Description) != "Ünïcode description" || got.Architecture != types.ArchitectureValuesArm64 ||
			aws.ToString(got.RootDeviceName) != "/dev/sda1" || !aws.ToBool(got.EnaSupport) || aws.ToString(got.SriovNetSupport) != "simple" ||
			got.BootMode != types.BootModeValuesUefi || got.ImdsSupport != types.ImdsSupportValuesV20 {
			t.Errorf("image %+v", got)
		}
		wantDevices := []types.BlockDeviceMapping{
			{DeviceName: aws.String("/dev/sda1"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(snap),
				VolumeSize: aws.Int32(30), VolumeType: types.VolumeTypeIo2, Iops: aws.Int32(3000), DeleteOnTermination: aws.Bool(false), Encrypted: aws.Bool(true)}},
			{DeviceName: aws.String("/dev/sdb"), VirtualName: aws.String("ephemeral0")},
			{DeviceName: aws.String("/dev/sdc"), NoDevice: aws.String("")},
		}
		if diff := cmp.Diff(wantDevices, got.BlockDeviceMappings, ignoreUnexported); diff != "" {
			t.Errorf("block devices (-want +got):\n%s", diff)
		}
	})
	t.Run("InstanceStore", func(t *testing.T) {
		e := e.in(t)
		id := e.register(seller, "bundled", func(in *ec2.RegisterImageInput) {
			in.ImageLocation = aws.String("my-bucket/bundled.manifest.xml")
		})
		got := e.image(seller, id)
		if got.RootDeviceType != types.DeviceTypeInstanceStore || aws.ToString(got.ImageLocation) != "my-bucket/bundled.manifest.xml" || len(got.BlockDeviceMappings) != 0 {
			t.Errorf("image %+v", got)
		}
	})
}

func testImageRefusals(t *testing.T, be backend) {
	e := newEnv(t, be)
	p := e.party("seller")
	e.register(p, "taken")
	for _, tc := range []struct {
		name string
		in   *ec2.RegisterImageInput
		code string
	}{
		{"Duplicate", &ec2.RegisterImageInput{Name: aws.String("taken")}, "InvalidAMIName.Duplicate"},
		{"ShortName", &ec2.RegisterImageInput{Name: aws.String("ab")}, "InvalidAMIName.Malformed"},
		{"LongName", &ec2.RegisterImageInput{Name: aws.String(strings.Repeat("n", 10000))}, "InvalidAMIName.Malformed"},
		{"MarkupName", &ec2.RegisterImageInput{Name: aws.String("<script>alert(1)</script>")}, "InvalidAMIName.Malformed"},
		{"LongDescription", &ec2.RegisterImageInput{Name: aws.String("ok name"), Description: aws.String(strings.Repeat("d", 256))}, "InvalidParameterValue"},
		{"Architecture", &ec2.RegisterImageInput{Name: aws.String("ok name"), Architecture: "sparc"}, "InvalidParameterValue"},
		{"Virtualization", &ec2.RegisterImageInput{Name: aws.String("ok name"), VirtualizationType: aws.String("full")}, "InvalidParameterValue"},
		{"Snapshot", &ec2.RegisterImageInput{Name: aws.String("ok name"), BlockDeviceMappings: []types.BlockDeviceMapping{
			{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String("snap-zz")}}}}, "InvalidSnapshotID.Malformed"},
		{"NegativeVolume", &ec2.RegisterImageInput{Name: aws.String("ok name"), BlockDeviceMappings: []types.BlockDeviceMapping{
			{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(-1)}}}}, "InvalidParameterValue"},
		{"DeviceTwice", &ec2.RegisterImageInput{Name: aws.String("ok name"), BlockDeviceMappings: []types.BlockDeviceMapping{
			{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(8)}},
			{DeviceName: aws.String("/dev/xvda"), VirtualName: aws.String("ephemeral0")}}}, "InvalidParameterValue"},
		{"DeviceName", &ec2.RegisterImageInput{Name: aws.String("ok name"), BlockDeviceMappings: []types.BlockDeviceMapping{
			{DeviceName: aws.String("C:"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(8)}}}}, "InvalidParameterValue"},
		{"ReservedTag", &ec2.RegisterImageInput{Name: aws.String("ok name"), TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeImage, Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("y")}}}}}, "InvalidParameterValue"},
		{"TagOtherType", &ec2.RegisterImageInput{Name: aws.String("ok name"), TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}}}}, "InvalidParameterValue"},
		{"BillingProduct", &ec2.RegisterImageInput{Name: aws.String("ok name"), BillingProducts: []string{"bp-1"}}, "UnsupportedOperation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.EC2.RegisterImage(e.ctx, tc.in)
			wantCode(t, err, tc.code)
		})
	}
	t.Run("Raw", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			params url.Values
			code   string
		}{
			{"NoName", form("RegisterImage"), "MissingParameter"},
			{"UnknownMember", form("RegisterImage", "Name", "x y z", "BlockDeviceMapping.1.Ebs.Size", "8"), "UnknownParameter"},
			{"NotANumber", form("RegisterImage", "Name", "x y z", "BlockDeviceMapping.1.DeviceName", "/dev/xvda", "BlockDeviceMapping.1.Ebs.VolumeSize", "eight"), "InvalidParameterValue"},
			{"DescribeMalformedID", form("DescribeImages", "ImageId.1", "ami-xyz"), "InvalidAMIID.Malformed"},
			{"DescribeUnknownID", form("DescribeImages", "ImageId.1", "ami-0123456789abcdef0"), "InvalidAMIID.NotFound"},
			{"DescribeBadOwner", form("DescribeImages", "Owner.1", "someone"), "InvalidUserID.Malformed"},
			{"DescribeBadExecutable", form("DescribeImages", "ExecutableBy.1", "everyone"), "InvalidUserID.Malformed"},
			{"UnknownFilter", form("DescribeImages", "Filter.1.Name", "colour", "Filter.1.Value.1", "blue"), "InvalidParameterValue"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.raw(p, tc.params)
				if r.Code != tc.code {
					t.Errorf("HTTP %d, code %s (%s), want %s", r.Status, r.Code, r.Message, tc.code)
				}
			})
		}
	})
}

func testImageIsolation(t *testing.T, be backend) {
	e := newEnv(t, be)
	owner, friend, stranger := e.party("owner"), e.party("friend"), e.party("stranger")
	private := e.register(owner, "private image")
	shared := e.register(owner, "shared image")
	public := e.register(owner, "public image")
	own := e.register(friend, "friend's own")
	modify := func(p party, id string, mods *types.LaunchPermissionModifications) error {
		_, err := p.EC2.ModifyImageAttribute(e.ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(id), LaunchPermission: mods})
		return err
	}
	noErr(t, modify(owner, shared, &types.LaunchPermissionModifications{Add: []types.LaunchPermission{{UserId: aws.String(friend.ID)}}}))
	noErr(t, modify(owner, public, &types.LaunchPermissionModifications{Add: []types.LaunchPermission{{Group: types.PermissionGroupAll}}}))

	list := func(t *testing.T, p party, in *ec2.DescribeImagesInput) []string {
		t.Helper()
		out, err := p.EC2.DescribeImages(e.ctx, in)
		noErr(t, err)
		return imageIDs(out)
	}
	for _, tc := range []struct {
		name string
		as   party
		in   *ec2.DescribeImagesInput
		want []string
	}{
		{"OwnerSeesAllOwn", owner, &ec2.DescribeImagesInput{}, sorted(private, shared, public)},
		{"FriendSeesSharedPublicOwn", friend, &ec2.DescribeImagesInput{}, sorted(shared, public, own)},
		{"StrangerSeesPublic", stranger, &ec2.DescribeImagesInput{}, []string{public}},
		{"OwnersSelf", friend, &ec2.DescribeImagesInput{Owners: []string{"self"}}, []string{own}},
		{"OwnersAccount", friend, &ec2.DescribeImagesInput{Owners: []string{owner.ID}}, sorted(shared, public)},
		{"ExecutableBySelf", friend, &ec2.DescribeImagesInput{ExecutableUsers: []string{"self"}}, []string{shared}},
		{"ExecutableByAll", friend, &ec2.DescribeImagesInput{ExecutableUsers: []string{"all"}}, []string{public}},
		{"ExecutableBySelfAndAll", friend, &ec2.DescribeImagesInput{ExecutableUsers: []string{"self", "all"}}, sorted(shared, public)},
		{"ExecutableByOtherAsOwner", owner, &ec2.DescribeImagesInput{ExecutableUsers: []string{friend.ID}}, []string{shared}},
		{"ExecutableByOtherAsStranger", stranger, &ec2.DescribeImagesInput{ExecutableUsers: []string{friend.ID}}, nil},
		{"OwnersAlias", stranger, &ec2.DescribeImagesInput{Owners: []string{"amazon"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, list(t, tc.as, tc.in)); diff != "" {
				t.Errorf("images (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("HiddenByID", func(t *testing.T) {
		_, err := stranger.EC2.DescribeImages(e.ctx, &ec2.DescribeImagesInput{ImageIds: []string{public, private, shared}})
		msg := wantCode(t, err, "InvalidAMIID.NotFound")
		if !strings.Contains(msg, private) || !strings.Contains(msg, shared) || strings.Contains(msg, public) {
			t.Errorf("message %q should name the two hidden images only", msg)
		}
	})
	t.Run("Unshare", func(t *testing.T) {
		noErr(t, modify(owner, shared, &types.LaunchPermissionModifications{Remove: []types.LaunchPermission{{UserId: aws.String(friend.ID)}}}))
		noErr(t, modify(owner, public, &types.LaunchPermissionModifications{Remove: []types.LaunchPermission{{Group: types.PermissionGroupAll}}}))
		if got := list(t, friend, &ec2.DescribeImagesInput{}); !slices.Equal(got, []string{own}) {
			t.Errorf("after unsharing, the friend sees %v", got)
		}
		if got := list(t, stranger, &ec2.DescribeImagesInput{}); len(got) != 0 {
			t.Errorf("after unsharing, the stranger sees %v", got)
		}
	})
	t.Run("OthersCannotChange", func(t *testing.T) {
		noErr(t, modify(owner, shared, &types.LaunchPermissionModifications{Add: []types.LaunchPermission{{UserId: aws.String(friend.ID)}}}))
		err := modify(friend, shared, &types.LaunchPermissionModifications{Add: []types.LaunchPermission{{UserId: aws.String(stranger.ID)}}})
		wantCode(t, err, "AuthFailure")
		err = modify(stranger, private, &types.LaunchPermissionModifications{Add: []types.LaunchPermission{{UserId: aws.String(stranger.ID)}}})
		wantCode(t, err, "InvalidAMIID.NotFound")
		_, err = friend.EC2.DeregisterImage(e.ctx, &ec2.DeregisterImageInput{ImageId: aws.String(shared)})
		wantCode(t, err, "AuthFailure")
		_, err = friend.EC2.ResetImageAttribute(e.ctx, &ec2.ResetImageAttributeInput{ImageId: aws.String(shared), Attribute: types.ResetImageAttributeNameLaunchPermission})
		wantCode(t, err, "AuthFailure")
	})
}

func testImageAttributes(t *testing.T, be backend) {
	e := newEnv(t, be)
	owner, friend, stranger := e.party("owner"), e.party("friend"), e.party("stranger")
	id := e.register(owner, "attributed", func(in *ec2.RegisterImageInput) { in.Description = aws.String("first") })
	attr := func(p party, a types.ImageAttributeName) (*ec2.DescribeImageAttributeOutput, error) {
		return p.EC2.DescribeImageAttribute(e.ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(id), Attribute: a})
	}
	t.Run("LaunchPermissions", func(t *testing.T) {
		_, err := owner.EC2.ModifyImageAttribute(e.ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(id),
			LaunchPermission: &types.LaunchPermissionModifications{Add: []types.LaunchPermission{
				{UserId: aws.String(friend.ID)}, {Group: types.PermissionGroupAll}, {UserId: aws.String(owner.ID)}}}})
		noErr(t, err)
		// The older spelling: Attribute, OperationType and UserId.N.
		_, err = owner.EC2.ModifyImageAttribute(e.ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(id),
			Attribute: aws.String("launchPermission"), OperationType: types.OperationTypeAdd, UserIds: []string{stranger.ID}})
		noErr(t, err)
		out, err := attr(owner, types.ImageAttributeNameLaunchPermission)
		noErr(t, err)
		want := []types.LaunchPermission{{Group: types.PermissionGroupAll}, {UserId: aws.String(friend.ID)}, {UserId: aws.String(stranger.ID)}}
		slices.SortFunc(want[1:], func(a, b types.LaunchPermission) int { return strings.Compare(*a.UserId, *b.UserId) })
		if diff := cmp.Diff(want, out.LaunchPermissions, ignoreUnexported); diff != "" || aws.ToString(out.ImageId) != id {
			t.Errorf("launch permissions of %s (-want +got):\n%s", aws.ToString(out.ImageId), diff)
		}
		_, err = attr(friend, types.ImageAttributeNameLaunchPermission)
		wantCode(t, err, "AuthFailure")
		_, err = owner.EC2.ResetImageAttribute(e.ctx, &ec2.ResetImageAttributeInput{ImageId: aws.String(id), Attribute: types.ResetImageAttributeNameLaunchPermission})
		noErr(t, err)
		out, err = attr(owner, types.ImageAttributeNameLaunchPermission)
		noErr(t, err)
		if len(out.LaunchPermissions) != 0 {
			t.Errorf("after reset: %+v", out.LaunchPermissions)
		}
		_, err = stranger.EC2.DescribeImages(e.ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
		wantCode(t, err, "InvalidAMIID.NotFound")
	})
	t.Run("Description", func(t *testing.T) {
		_, err := owner.EC2.ModifyImageAttribute(e.ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(id),
			Description: &types.AttributeValue{Value: aws.String("second")}})
		noErr(t, err)
		out, err := attr(owner, types.ImageAttributeNameDescription)
		noErr(t, err)
		if aws.ToString(out.Description.Value) != "second" {
			t.Errorf("description %+v", out.Description)
		}
		_, err = owner.EC2.ModifyImageAttribute(e.ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(id),
			Attribute: aws.String("description"), Value: aws.String("third")})
		noErr(t, err)
		if got := aws.ToString(e.image(owner, id).Description); got != "third" {
			t.Errorf("description %q", got)
		}
	})
	t.Run("Others", func(t *testing.T) {
		out, err := attr(owner, types.ImageAttributeNameBlockDeviceMapping)
		noErr(t, err)
		if len(out.BlockDeviceMappings) != 1 || aws.ToString(out.BlockDeviceMappings[0].DeviceName) != "/dev/xvda" {
			t.Errorf("block devices %+v", out.BlockDeviceMappings)
		}
		out, err = attr(owner, types.ImageAttributeNameProductCodes)
		noErr(t, err)
		if len(out.ProductCodes) != 0 {
			t.Errorf("product codes %+v", out.ProductCodes)
		}
		for _, a := range []types.ImageAttributeName{types.ImageAttributeNameKernel, types.ImageAttributeNameRamdisk,
			types.ImageAttributeNameSriovNetSupport, types.ImageAttributeNameBootMode, types.ImageAttributeNameTpmSupport,
			types.ImageAttributeNameUefiData, types.ImageAttributeNameLastLaunchedTime, types.ImageAttributeNameImdsSupport,
			types.ImageAttributeNameDeregistrationProtection} {
			_, err := attr(owner, a)
			noErr(t, err)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			params url.Values
			code   string
		}{
			{"UnknownAttribute", form("DescribeImageAttribute", "ImageId", id, "Attribute", "colour"), "InvalidParameterValue"},
			{"MissingAttribute", form("DescribeImageAttribute", "ImageId", id), "MissingParameter"},
			{"MalformedID", form("DescribeImageAttribute", "ImageId", "ami-1", "Attribute", "description"), "InvalidAMIID.Malformed"},
			{"HiddenImage", form("DescribeImageAttribute", "ImageId", "ami-0123456789abcdef0", "Attribute", "description"), "InvalidAMIID.NotFound"},
			{"ModifyNothing", form("ModifyImageAttribute", "ImageId", id), "MissingParameter"},
			{"ModifyTwoThings", form("ModifyImageAttribute", "ImageId", id, "Description.Value", "x", "LaunchPermission.Add.1.Group", "all"), "InvalidParameterCombination"},
			{"ModifyBadUser", form("ModifyImageAttribute", "ImageId", id, "LaunchPermission.Add.1.UserId", "12345"), "InvalidAMIAttributeItemValue"},
			{"ModifyBadGroup", form("ModifyImageAttribute", "ImageId", id, "LaunchPermission.Add.1.Group", "friends"), "InvalidAMIAttributeItemValue"},
			{"ModifyOrganization", form("ModifyImageAttribute", "ImageId", id, "LaunchPermission.Add.1.OrganizationArn", "arn:aws:organizations::1:organization/o-1"), "UnsupportedOperation"},
			{"ModifyWithoutOperation", form("ModifyImageAttribute", "ImageId", id, "Attribute", "launchPermission", "UserId.1", stranger.ID), "MissingParameter"},
			{"ModifyKernel", form("ModifyImageAttribute", "ImageId", id, "Attribute", "kernel", "Value", "aki-1"), "InvalidParameterCombination"},
			{"ModifyLongDescription", form("ModifyImageAttribute", "ImageId", id, "Description.Value", strings.Repeat("x", 300)), "InvalidParameterValue"},
			{"ResetDescription", form("ResetImageAttribute", "ImageId", id, "Attribute", "description"), "UnsupportedOperation"},
			{"ResetUnknown", form("ResetImageAttribute", "ImageId", id, "Attribute", "colour"), "InvalidParameterValue"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.raw(owner, tc.params)
				if r.Code != tc.code {
					t.Errorf("HTTP %d, code %s (%s), want %s", r.Status, r.Code, r.Message, tc.code)
				}
			})
		}
	})
}

// product creates a product of kind sold by seller, running on m5.large
// and m5.xlarge, and returns it.
func (e *env) product(seller party, kind catalog.Kind) catalog.Product {
	e.t.Helper()
	in := catalog.CreateProductInput{Name: "Product " + string(kind), Kind: string(kind), InstanceTypes: []string{"m5.large", "m5.xlarge"},
		Pricing: catalog.PricingInput{Hourly: map[string]string{"m5.large": "0.50", "m5.xlarge": "1.00"}}}
	if kind == catalog.Contract {
		in.InstanceTypes = nil
		in.Pricing = catalog.PricingInput{Contract: &catalog.ContractPricingInput{Durations: []string{"P1M"},
			Dimensions: []catalog.ContractDimensionInput{{Name: "Seats", Unit: "Count", Type: "Configurable", Price: map[string]string{"P1M": "1.00"}}}}}
	}
	p, err := e.app.Catalog.CreateProduct(e.ctx, seller.ID, in)
	if err != nil {
		e.t.Fatalf("CreateProduct %s: %v", kind, err)
	}
	return p
}

// subscribe signs buyer up to a product code and returns the subscription.
func (e *env) subscribe(buyer party, code string) subscription.Subscription {
	e.t.Helper()
	sub, err := e.app.Subscriptions.Subscribe(e.ctx, buyer.ID, subscription.SubscribeInput{ProductCode: code})
	if err != nil {
		e.t.Fatalf("Subscribe to %s: %v", code, err)
	}
	return sub
}

// attach attaches a product code to an image as p.
func (e *env) attach(p party, id, code string) error {
	_, err := p.EC2.ModifyImageAttribute(e.ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(id), ProductCodes: []string{code}})
	return err
}

func testImageProductCodes(t *testing.T, be backend) {
	e := newEnv(t, be)
	seller, buyer, rival := e.party("seller"), e.party("buyer"), e.party("rival")
	paid := e.product(seller, catalog.PaidImage)
	other := e.product(seller, catalog.PaidImage)
	supported := e.product(seller, catalog.SupportedImage)
	contract := e.product(seller, catalog.Contract)
	rivalPaid := e.product(rival, catalog.PaidImage)
	img := e.register(seller, "paid image")

	codes := func(t *testing.T, p party, id string) []types.ProductCode {
		t.Helper()
		out, err := p.EC2.DescribeImageAttribute(e.ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(id), Attribute: types.ImageAttributeNameProductCodes})
		noErr(t, err)
		return out.ProductCodes
	}
	t.Run("Attach", func(t *testing.T) {
		noErr(t, e.attach(seller, img, paid.Code))
		want := []types.ProductCode{{ProductCodeId: aws.String(paid.Code), ProductCodeType: types.ProductCodeValuesMarketplace}}
		if diff := cmp.Diff(want, codes(t, seller, img), ignoreUnexported); diff != "" {
			t.Errorf("product codes (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, e.image(seller, img).ProductCodes, ignoreUnexported); diff != "" {
			t.Errorf("DescribeImages product codes (-want +got):\n%s", diff)
		}
		noErr(t, e.attach(seller, img, paid.Code)) // the same code again changes nothing
	})
	t.Run("WriteOnce", func(t *testing.T) {
		wantCode(t, e.attach(seller, img, other.Code), "UnsupportedOperation")
		_, err := seller.EC2.ResetImageAttribute(e.ctx, &ec2.ResetImageAttributeInput{ImageId: aws.String(img), Attribute: "productCodes"})
		wantCode(t, err, "UnsupportedOperation")
		r := e.raw(seller, form("ModifyImageAttribute", "ImageId", img, "ProductCode.1", paid.Code, "ProductCode.2", other.Code))
		if r.Code != "InvalidParameterValue" {
			t.Errorf("two codes: %s (%s)", r.Code, r.Message)
		}
		if got := codes(t, seller, img); len(got) != 1 || aws.ToString(got[0].ProductCodeId) != paid.Code {
			t.Errorf("codes after refusals: %+v", got)
		}
	})
	t.Run("SharedImageShowsItsCode", func(t *testing.T) {
		_, err := seller.EC2.ModifyImageAttribute(e.ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(img),
			LaunchPermission: &types.LaunchPermissionModifications{Add: []types.LaunchPermission{{UserId: aws.String(buyer.ID)}}}})
		noErr(t, err)
		if got := codes(t, buyer, img); len(got) != 1 || aws.ToString(got[0].ProductCodeId) != paid.Code {
			t.Errorf("the buyer sees codes %+v", got)
		}
		// Only the owner attaches codes.
		wantCode(t, e.attach(buyer, img, paid.Code), "AuthFailure")
	})
	t.Run("NotTheCallers", func(t *testing.T) {
		own := e.register(buyer, "buyer image")
		wantCode(t, e.attach(buyer, own, paid.Code), "AuthFailure")
		wantCode(t, e.attach(seller, e.register(seller, "second image"), rivalPaid.Code), "AuthFailure")
		wantCode(t, e.attach(seller, e.register(seller, "third image"), contract.Code), "InvalidParameterValue")
		wantCode(t, e.attach(seller, e.register(seller, "fourth image"), "nosuchcode0000000000"), "InvalidParameterValue")
	})
	t.Run("Supported", func(t *testing.T) {
		own := e.register(buyer, "buyer supported image")
		msg := wantCode(t, e.attach(buyer, own, supported.Code), "OptInRequired")
		if !strings.Contains(msg, e.url+"/purchase/"+supported.Code) {
			t.Errorf("OptInRequired message %q does not name the purchase URL", msg)
		}
		e.subscribe(buyer, supported.Code)
		noErr(t, e.attach(buyer, own, supported.Code))
		want := []types.ProductCode{{ProductCodeId: aws.String(supported.Code), ProductCodeType: types.ProductCodeValuesDevpay}}
		if diff := cmp.Diff(want, codes(t, buyer, own), ignoreUnexported); diff != "" {
			t.Errorf("product codes (-want +got):\n%s", diff)
		}
		// The seller of a supported product attaches its code to its own
		// images without subscribing.
		noErr(t, e.attach(seller, e.register(seller, "seller supported image"), supported.Code))
	})
}

func testImageFilters(t *testing.T, be backend) {
	e := newEnv(t, be)
	seller, buyer := e.party("seller"), e.party("buyer")
	paid := e.product(seller, catalog.PaidImage)
	supported := e.product(seller, catalog.SupportedImage)
	web := e.register(seller, "web-server 1.0", func(in *ec2.RegisterImageInput) {
		in.Description = aws.String("Web server")
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeImage,
			Tags: []types.Tag{{Key: aws.String("role"), Value: aws.String("web")}, {Key: aws.String("tier"), Value: aws.String("front*")}}}}
	})
	db := e.register(seller, "db-server 1.0", func(in *ec2.RegisterImageInput) {
		in.Architecture = types.ArchitectureValuesArm64
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeImage,
			Tags: []types.Tag{{Key: aws.String("role"), Value: aws.String("db")}}}}
	})
	store := e.register(seller, "instance-store image", func(in *ec2.RegisterImageInput) { in.ImageLocation = aws.String("bucket/m.xml") })
	noErr(t, e.attach(seller, web, paid.Code))
	noErr(t, e.attach(seller, db, supported.Code))
	_, err := seller.EC2.ModifyImageAttribute(e.ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(web),
		LaunchPermission: &types.LaunchPermissionModifications{Add: []types.LaunchPermission{{Group: types.PermissionGroupAll}}}})
	noErr(t, err)
	f := func(name string, values ...string) types.Filter {
		return types.Filter{Name: aws.String(name), Values: values}
	}
	for _, tc := range []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"ProductCode", []types.Filter{f("product-code", paid.Code)}, []string{web}},
		{"ProductCodes", []types.Filter{f("product-code", paid.Code, supported.Code)}, sorted(web, db)},
		{"ProductCodeType", []types.Filter{f("product-code.type", "devpay")}, []string{db}},
		{"NameWildcard", []types.Filter{f("name", "*-server ?.0")}, sorted(web, db)},
		{"NameExact", []types.Filter{f("name", "web-server 1.0")}, []string{web}},
		{"NameIsCaseSensitive", []types.Filter{f("name", "WEB-*")}, nil},
		{"NameEscapedWildcard", []types.Filter{f("name", `web-server 1\*`)}, nil},
		{"ImageID", []types.Filter{f("image-id", db, store)}, sorted(db, store)},
		{"OwnerID", []types.Filter{f("owner-id", seller.ID)}, sorted(web, db, store)},
		{"IsPublic", []types.Filter{f("is-public", "true")}, []string{web}},
		{"IsPrivate", []types.Filter{f("is-public", "false")}, sorted(db, store)},
		{"Architecture", []types.Filter{f("architecture", "arm64")}, []string{db}},
		{"Platform", []types.Filter{f("platform", "windows")}, nil},
		{"State", []types.Filter{f("state", "available")}, sorted(web, db, store)},
		{"RootDeviceType", []types.Filter{f("root-device-type", "instance-store")}, []string{store}},
		{"Description", []types.Filter{f("description", "Web*")}, []string{web}},
		{"ImageType", []types.Filter{f("image-type", "machine")}, sorted(web, db, store)},
		{"ImageTypeOther", []types.Filter{f("image-type", "kernel")}, nil},
		{"Tag", []types.Filter{f("tag:role", "web", "db")}, sorted(web, db)},
		{"TagValueWithWildcard", []types.Filter{f("tag:tier", `front\*`)}, []string{web}},
		{"TagKey", []types.Filter{f("tag-key", "tier")}, []string{web}},
		{"TagValue", []types.Filter{f("tag-value", "d?")}, []string{db}},
		{"Combined", []types.Filter{f("owner-id", seller.ID), f("tag:role", "*"), f("architecture", "x86_64")}, []string{web}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := seller.EC2.DescribeImages(e.ctx, &ec2.DescribeImagesInput{Filters: tc.filters})
			noErr(t, err)
			if diff := cmp.Diff(tc.want, imageIDs(out)); diff != "" {
				t.Errorf("images (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("TagsAreTheCallers", func(t *testing.T) {
		out, err := buyer.EC2.DescribeImages(e.ctx, &ec2.DescribeImagesInput{Filters: []types.Filter{f("tag:role", "web")}})
		noErr(t, err)
		if len(out.Images) != 0 {
			t.Errorf("the buyer matched the seller's tags: %v", imageIDs(out))
		}
		out, err = buyer.EC2.DescribeImages(e.ctx, &ec2.DescribeImagesInput{ImageIds: []string{web}})
		noErr(t, err)
		if len(out.Images) != 1 || len(out.Images[0].Tags) != 0 {
			t.Errorf("the buyer sees %+v", out.Images)
		}
	})
}

func testImagePages(t *testing.T, be backend) {
	e := newEnv(t, be)
	p := e.party("seller")
	var all []string
	for i := range 12 {
		all = append(all, e.register(p, fmt.Sprintf("image %02d", i)))
	}
	slices.Sort(all)
	var got []string
	var pages int
	pager := ec2.NewDescribeImagesPaginator(p.EC2, &ec2.DescribeImagesInput{Owners: []string{"self"}, MaxResults: aws.Int32(5)})
	for pager.HasMorePages() {
		out, err := pager.NextPage(e.ctx)
		noErr(t, err)
		pages++
		got = append(got, imageIDs(out)...)
	}
	if diff := cmp.Diff(all, got); diff != "" || pages != 3 {
		t.Errorf("%d pages of images (-want +got):\n%s", pages, diff)
	}
	for _, tc := range []struct {
		name string
		in   *ec2.DescribeImagesInput
		code string
	}{
		{"TooSmall", &ec2.DescribeImagesInput{MaxResults: aws.Int32(4)}, "InvalidParameterValue"},
		{"TooLarge", &ec2.DescribeImagesInput{MaxResults: aws.Int32(1001)}, "InvalidParameterValue"},
		{"WithIDs", &ec2.DescribeImagesInput{MaxResults: aws.Int32(5), ImageIds: all[:1]}, "InvalidParameterCombination"},
		{"BadToken", &ec2.DescribeImagesInput{MaxResults: aws.Int32(5), NextToken: aws.String("not-a-token")}, "InvalidPaginationToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.EC2.DescribeImages(e.ctx, tc.in)
			wantCode(t, err, tc.code)
		})
	}
}

func testImageDeregister(t *testing.T, be backend) {
	e := newEnv(t, be)
	owner := e.party("owner")
	id := e.register(owner, "doomed")
	_, err := owner.EC2.CreateTags(e.ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	noErr(t, err)
	_, err = owner.EC2.DeregisterImage(e.ctx, &ec2.DeregisterImageInput{ImageId: aws.String(id)})
	noErr(t, err)
	_, err = owner.EC2.DescribeImages(e.ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	wantCode(t, err, "InvalidAMIID.NotFound")
	_, err = owner.EC2.DeregisterImage(e.ctx, &ec2.DeregisterImageInput{ImageId: aws.String(id)})
	wantCode(t, err, "InvalidAMIID.NotFound")
	tags, err := owner.EC2.DescribeTags(e.ctx, &ec2.DescribeTagsInput{})
	noErr(t, err)
	if len(tags.Tags) != 0 {
		t.Errorf("tags outlived their image: %+v", tags.Tags)
	}
	// The name is free again.
	e.register(owner, "doomed")
	_, err = owner.EC2.DeregisterImage(e.ctx, &ec2.DeregisterImageInput{ImageId: aws.String("ami-1")})
	wantCode(t, err, "InvalidAMIID.Malformed")
}

package image

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/tag"
)

// wantCode fails unless err is nil (code "") or names code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	switch {
	case code == "" && err != nil:
		t.Fatalf("got %v, want no error", err)
	case code != "" && (err == nil || fault.As(err).Code != code):
		t.Fatalf("got %v, want %s", err, code)
	case err != nil && fault.KindOf(err) == fault.Internal:
		t.Fatalf("got an internal error %v", err)
	}
}

func TestCheckID(t *testing.T) {
	for id, ok := range map[string]bool{
		"ami-12345678": true, "ami-0123456789abcdef0": true, "ami-0123456789ABCDEF0": false, "ami-123": false,
		"ami-0123456789abcdef01": false, "ami_12345678": false, "": false, "i-12345678": false,
	} {
		code := ""
		if !ok {
			code = "InvalidAMIID.Malformed"
		}
		t.Run(id, func(t *testing.T) { wantCode(t, CheckID(id), code) })
	}
}

func TestRegisterInput(t *testing.T) {
	ebs := func(d string, e EbsDevice) BlockDevice { return BlockDevice{DeviceName: d, Ebs: &e} }
	for _, tc := range []struct {
		name string
		in   RegisterInput
		code string
	}{
		{"Minimal", RegisterInput{Name: "abc"}, ""},
		{"AllCharacters", RegisterInput{Name: "Aa0 ()[]./-'@_"}, ""},
		{"ShortName", RegisterInput{Name: "ab"}, "InvalidAMIName.Malformed"},
		{"LongName", RegisterInput{Name: strings.Repeat("a", MaxNameLength+1)}, "InvalidAMIName.Malformed"},
		{"MaxName", RegisterInput{Name: strings.Repeat("a", MaxNameLength)}, ""},
		{"HugeName", RegisterInput{Name: strings.Repeat("a", 10000)}, "InvalidAMIName.Malformed"},
		{"Markup", RegisterInput{Name: "<b>x</b>"}, "InvalidAMIName.Malformed"},
		{"Unicode", RegisterInput{Name: "ünïcode"}, "InvalidAMIName.Malformed"},
		{"LongDescription", RegisterInput{Name: "abc", Description: strings.Repeat("é", MaxDescriptionLength+1)}, "InvalidParameterValue"},
		{"MaxDescription", RegisterInput{Name: "abc", Description: strings.Repeat("é", MaxDescriptionLength)}, ""},
		{"BadUTF8Description", RegisterInput{Name: "abc", Description: "\xff"}, "InvalidParameterValue"},
		{"Architecture", RegisterInput{Name: "abc", Architecture: "mips"}, "InvalidParameterValue"},
		{"Virtualization", RegisterInput{Name: "abc", VirtualizationType: "xen"}, "InvalidParameterValue"},
		{"RootDevice", RegisterInput{Name: "abc", RootDeviceName: "sda"}, "InvalidParameterValue"},
		{"LongLocation", RegisterInput{Name: "abc", ImageLocation: strings.Repeat("b", MaxLocationLength+1)}, "InvalidParameterValue"},
		{"Tags", RegisterInput{Name: "abc", Tags: []tag.Tag{{Key: "a"}, {Key: "a"}}}, "InvalidParameterValue"},
		{"Snapshot", RegisterInput{Name: "abc", BlockDevices: []BlockDevice{ebs("/dev/xvda", EbsDevice{SnapshotID: "snap-0123456789abcdef0"})}}, ""},
		{"SnapshotMalformed", RegisterInput{Name: "abc", BlockDevices: []BlockDevice{ebs("/dev/xvda", EbsDevice{SnapshotID: "snap-1"})}}, "InvalidSnapshotID.Malformed"},
		{"NeitherSnapshotNorSize", RegisterInput{Name: "abc", BlockDevices: []BlockDevice{ebs("/dev/xvda", EbsDevice{})}}, "InvalidParameterCombination"},
		{"NegativeSize", RegisterInput{Name: "abc", BlockDevices: []BlockDevice{ebs("/dev/xvda", EbsDevice{VolumeSize: -1})}}, "InvalidParameterValue"},
		{"HugeSize", RegisterInput{Name: "abc", BlockDevices: []BlockDevice{ebs("/dev/xvda", EbsDevice{VolumeSize: MaxVolumeSizeGiB + 1})}}, "InvalidParameterValue"},
		{"VolumeType", RegisterInput{Name: "abc", BlockDevices: []BlockDevice{ebs("/dev/xvda", EbsDevice{VolumeSize: 1, VolumeType: "ssd"})}}, "InvalidParameterValue"},
		{"NegativeIops", RegisterInput{Name: "abc", BlockDevices: []BlockDevice{ebs("/dev/xvda", EbsDevice{VolumeSize: 1, Iops: -1})}}, "InvalidParameterValue"},
		{"NoDeviceName", RegisterInput{Name: "abc", BlockDevices: []BlockDevice{{VirtualName: "ephemeral0"}}}, "MissingParameter"},
		{"EbsAndVirtual", RegisterInput{Name: "abc", BlockDevices: []BlockDevice{{DeviceName: "/dev/sdb", VirtualName: "ephemeral0", Ebs: &EbsDevice{VolumeSize: 1}}}}, "InvalidParameterCombination"},
		{"TooManyDevices", RegisterInput{Name: "abc", BlockDevices: make([]BlockDevice, MaxBlockDevices+1)}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.in.Validate(), tc.code) })
	}
}

func TestRegisterDefaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   RegisterInput
		want Image
	}{
		{"Blank", RegisterInput{Name: "abc"}, Image{Name: "abc", State: Available, Architecture: "x86_64", RootDeviceName: "/dev/xvda",
			RootDeviceType: EBS, VirtualizationType: "hvm",
			BlockDevices: []BlockDevice{{DeviceName: "/dev/xvda", Ebs: &EbsDevice{VolumeSize: 8, VolumeType: "gp3", DeleteOnTermination: true}}}}},
		{"Manifest", RegisterInput{Name: "abc", ImageLocation: "b/m.xml"}, Image{Name: "abc", State: Available, Architecture: "x86_64",
			RootDeviceName: "/dev/xvda", RootDeviceType: InstanceStore, VirtualizationType: "hvm", ImageLocation: "b/m.xml"}},
		{"ManifestWithEbsRoot", RegisterInput{Name: "abc", ImageLocation: "b/m.xml", RootDeviceName: "/dev/sda1",
			BlockDevices: []BlockDevice{{DeviceName: "/dev/sda1", Ebs: &EbsDevice{VolumeSize: 2}}}},
			Image{Name: "abc", State: Available, Architecture: "x86_64", RootDeviceName: "/dev/sda1", RootDeviceType: EBS,
				VirtualizationType: "hvm", ImageLocation: "b/m.xml", BlockDevices: []BlockDevice{{DeviceName: "/dev/sda1", Ebs: &EbsDevice{VolumeSize: 2}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.in.image()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribeInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   DescribeInput
		code string
	}{
		{"Empty", DescribeInput{}, ""},
		{"Everything", DescribeInput{Owners: []string{"self", "123456789012", "amazon"}, ExecutableBy: []string{"self", "all", "123456789012"},
			Filters: []filter.Filter{{Name: "tag:Name", Values: []string{"x"}}, {Name: "product-code", Values: []string{"c"}}}, MaxResults: 5}, ""},
		{"MalformedID", DescribeInput{IDs: []string{"ami-1"}}, "InvalidAMIID.Malformed"},
		{"TooManyIDs", DescribeInput{IDs: make([]string, MaxIDs+1)}, "InvalidParameterValue"},
		{"IDsAndMax", DescribeInput{IDs: []string{"ami-12345678"}, MaxResults: 5}, "InvalidParameterCombination"},
		{"SmallMax", DescribeInput{MaxResults: 4}, "InvalidParameterValue"},
		{"NegativeMax", DescribeInput{MaxResults: -5}, "InvalidParameterValue"},
		{"BigMax", DescribeInput{MaxResults: 1001}, "InvalidParameterValue"},
		{"Owner", DescribeInput{Owners: []string{"all"}}, "InvalidUserID.Malformed"},
		{"ExecutableBy", DescribeInput{ExecutableBy: []string{"amazon"}}, "InvalidUserID.Malformed"},
		{"Token", DescribeInput{NextToken: "x"}, "InvalidPaginationToken"},
		{"TokenOfAnotherKind", DescribeInput{NextToken: "dGFnOmFtaS0xAGE"}, "InvalidPaginationToken"},
		{"GoodToken", DescribeInput{NextToken: encodeListToken("image", "ami-12345678")}, ""},
		{"Filter", DescribeInput{Filters: []filter.Filter{{Name: "kernel-id", Values: []string{"x"}}}}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.in.Validate(), tc.code) })
	}
}

func TestModifyInput(t *testing.T) {
	desc := "d"
	long := strings.Repeat("d", MaxDescriptionLength+1)
	user := func(id string) []Permission { return []Permission{{UserID: id}} }
	for _, tc := range []struct {
		name string
		in   ModifyInput
		attr Attribute
		code string
	}{
		{"Share", ModifyInput{Add: user("123456789012")}, AttrLaunchPermission, ""},
		{"Public", ModifyInput{Remove: []Permission{{Group: "all"}}}, AttrLaunchPermission, ""},
		{"NamedShare", ModifyInput{Attribute: AttrLaunchPermission, Add: user("123456789012")}, AttrLaunchPermission, ""},
		{"Code", ModifyInput{ProductCodes: []string{"c"}}, AttrProductCodes, ""},
		{"Description", ModifyInput{Description: &desc}, AttrDescription, ""},
		{"Nothing", ModifyInput{}, "", "MissingParameter"},
		{"NamedNothing", ModifyInput{Attribute: AttrDescription}, AttrDescription, "MissingParameter"},
		{"Two", ModifyInput{Description: &desc, ProductCodes: []string{"c"}}, "", "InvalidParameterCombination"},
		{"Mismatch", ModifyInput{Attribute: AttrDescription, ProductCodes: []string{"c"}}, AttrDescription, "InvalidParameterCombination"},
		{"Kernel", ModifyInput{Attribute: AttrKernel}, AttrKernel, "UnsupportedOperation"},
		{"Unknown", ModifyInput{Attribute: "colour"}, "colour", "InvalidParameterValue"},
		{"TwoCodes", ModifyInput{ProductCodes: []string{"a", "b"}}, AttrProductCodes, "InvalidParameterValue"},
		{"LongDescription", ModifyInput{Description: &long}, AttrDescription, "InvalidParameterValue"},
		{"BadUser", ModifyInput{Add: user("1234")}, AttrLaunchPermission, "InvalidAMIAttributeItemValue"},
		{"BadGroup", ModifyInput{Add: []Permission{{Group: "friends"}}}, AttrLaunchPermission, "InvalidAMIAttributeItemValue"},
		{"EmptyPermission", ModifyInput{Add: []Permission{{}}}, AttrLaunchPermission, "InvalidParameterCombination"},
		{"UserAndGroup", ModifyInput{Add: []Permission{{UserID: "123456789012", Group: "all"}}}, AttrLaunchPermission, "InvalidParameterCombination"},
		{"Organization", ModifyInput{Add: []Permission{{OrganizationArn: "arn"}}}, AttrLaunchPermission, "UnsupportedOperation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			wantCode(t, in.Validate(), tc.code)
			if in.Attribute != tc.attr {
				t.Errorf("attribute %q, want %q", in.Attribute, tc.attr)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	id, err := decodeListToken("image", encodeListToken("image", "ami-0123456789abcdef0"), CheckID)
	if err != nil || id != "ami-0123456789abcdef0" {
		t.Fatalf("round trip: %q, %v", id, err)
	}
}

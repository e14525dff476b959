package ec2_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tollgate/tollgate/internal/awsapi/ec2"
)

var _ = sdk("BadInput", testBadInput)

// Bad values every operation is sent somewhere.
var (
	long     = strings.Repeat("x", 10000)
	nul      = "ab\x00cd"
	notUTF8  = "ab\xff\xfecd"
	overflow = "99999999999999999999999"
)

// testBadInput sends bad input to every operation over the wire, signed
// but not shaped by an SDK (which would refuse some of it itself): each
// must be answered with EC2's error code for it, never a 5xx (newEnv fails
// the test on any).
func testBadInput(t *testing.T, be backend) {
	e := newEnv(t, be)
	p := e.party("prober")
	img := e.register(p, "probe image")
	inst := e.mustRun(p, img, "t3.micro")
	volume := aws.ToString(e.instance(p, inst).BlockDeviceMappings[0].Ebs.VolumeId)
	snap := e.snapshot(p, volume)

	type bad struct {
		name   string
		action string
		params []string
		code   string
	}
	cases := []bad{
		// Images.
		{"LongName", "RegisterImage", []string{"Name", long}, "InvalidAMIName.Malformed"},
		{"NULName", "RegisterImage", []string{"Name", nul}, "InvalidParameterValue"},
		{"NotUTF8Name", "RegisterImage", []string{"Name", notUTF8}, "InvalidParameterValue"},
		{"LongDescription", "RegisterImage", []string{"Name", "fine name", "Description", long}, "InvalidParameterValue"},
		{"NULDescription", "RegisterImage", []string{"Name", "fine name", "Description", nul}, "InvalidParameterValue"},
		{"NotUTF8Description", "RegisterImage", []string{"Name", "fine name", "Description", notUTF8}, "InvalidParameterValue"},
		{"NegativeVolume", "RegisterImage", []string{"Name", "fine name", "BlockDeviceMapping.1.DeviceName", "/dev/xvda", "BlockDeviceMapping.1.Ebs.VolumeSize", "-8"}, "InvalidParameterValue"},
		{"OverflowingVolume", "RegisterImage", []string{"Name", "fine name", "BlockDeviceMapping.1.DeviceName", "/dev/xvda", "BlockDeviceMapping.1.Ebs.VolumeSize", overflow}, "InvalidParameterValue"},
		{"LongArchitecture", "RegisterImage", []string{"Name", "fine name", "Architecture", long}, "InvalidParameterValue"},
		{"NULKernel", "RegisterImage", []string{"Name", "fine name", "KernelId", nul}, "InvalidParameterValue"},
		{"LongTagValue", "RegisterImage", []string{"Name", "fine name", "TagSpecification.1.ResourceType", "image", "TagSpecification.1.Tag.1.Key", "k", "TagSpecification.1.Tag.1.Value", long}, "InvalidParameterValue"},
		{"MalformedImage", "DeregisterImage", []string{"ImageId", "ami-zzz"}, "InvalidAMIID.Malformed"},
		{"NULImage", "DeregisterImage", []string{"ImageId", "ami-1234\x005678"}, "InvalidParameterValue"},
		{"NoImage", "DeregisterImage", nil, "MissingParameter"},
		{"MalformedImageID", "DescribeImages", []string{"ImageId.1", long}, "InvalidAMIID.Malformed"},
		{"LongOwner", "DescribeImages", []string{"Owner.1", long}, "InvalidUserID.Malformed"},
		{"NULOwner", "DescribeImages", []string{"Owner.1", nul}, "InvalidParameterValue"},
		{"UnknownImageFilter", "DescribeImages", []string{"Filter.1.Name", "colour", "Filter.1.Value.1", "blue"}, "InvalidParameterValue"},
		{"LongFilterValue", "DescribeImages", []string{"Filter.1.Name", "name", "Filter.1.Value.1", long}, "InvalidParameterValue"},
		{"NotUTF8FilterValue", "DescribeImages", []string{"Filter.1.Name", "name", "Filter.1.Value.1", notUTF8}, "InvalidParameterValue"},
		{"NULFilterValue", "DescribeImages", []string{"Filter.1.Name", "name", "Filter.1.Value.1", nul}, "InvalidParameterValue"},
		{"NegativeImagePage", "DescribeImages", []string{"MaxResults", "-5"}, "InvalidParameterValue"},
		{"OverflowingImagePage", "DescribeImages", []string{"MaxResults", overflow}, "InvalidParameterValue"},
		{"BadImageToken", "DescribeImages", []string{"NextToken", "not+a+token"}, "InvalidPaginationToken"},
		{"UnknownImageAttribute", "DescribeImageAttribute", []string{"ImageId", img, "Attribute", "colour"}, "InvalidParameterValue"},
		{"NULImageAttribute", "DescribeImageAttribute", []string{"ImageId", img, "Attribute", nul}, "InvalidParameterValue"},
		{"LongModifiedDescription", "ModifyImageAttribute", []string{"ImageId", img, "Description.Value", long}, "InvalidParameterValue"},
		{"NULPermission", "ModifyImageAttribute", []string{"ImageId", img, "LaunchPermission.Add.1.UserId", nul}, "InvalidParameterValue"},
		{"LongProductCode", "ModifyImageAttribute", []string{"ImageId", img, "ProductCode.1", long}, "InvalidParameterValue"},
		{"NULProductCode", "ModifyImageAttribute", []string{"ImageId", img, "ProductCode.1", nul}, "InvalidParameterValue"},
		{"UnknownModifiedAttribute", "ModifyImageAttribute", []string{"ImageId", img, "Attribute", "colour"}, "InvalidParameterValue"},
		{"UnknownResetAttribute", "ResetImageAttribute", []string{"ImageId", img, "Attribute", "colour"}, "InvalidParameterValue"},
		// Tags.
		{"MalformedResource", "CreateTags", []string{"ResourceId.1", "thing-1", "Tag.1.Key", "k", "Tag.1.Value", "v"}, "InvalidID"},
		{"LongTagKey", "CreateTags", []string{"ResourceId.1", img, "Tag.1.Key", long, "Tag.1.Value", "v"}, "InvalidParameterValue"},
		{"LongTagValueCreated", "CreateTags", []string{"ResourceId.1", img, "Tag.1.Key", "k", "Tag.1.Value", long}, "InvalidParameterValue"},
		{"NULTagKey", "CreateTags", []string{"ResourceId.1", img, "Tag.1.Key", nul, "Tag.1.Value", "v"}, "InvalidParameterValue"},
		{"NULTagValue", "CreateTags", []string{"ResourceId.1", img, "Tag.1.Key", "k", "Tag.1.Value", nul}, "InvalidParameterValue"},
		{"NotUTF8TagValue", "CreateTags", []string{"ResourceId.1", img, "Tag.1.Key", "k", "Tag.1.Value", notUTF8}, "InvalidParameterValue"},
		{"NULResource", "DeleteTags", []string{"ResourceId.1", nul}, "InvalidParameterValue"},
		{"NULDeletedKey", "DeleteTags", []string{"ResourceId.1", img, "Tag.1.Key", nul}, "InvalidParameterValue"},
		{"UnknownTagFilter", "DescribeTags", []string{"Filter.1.Name", "colour", "Filter.1.Value.1", "blue"}, "InvalidParameterValue"},
		{"NegativeTagPage", "DescribeTags", []string{"MaxResults", "-1"}, "InvalidParameterValue"},
		// Instances.
		{"NegativeMin", "RunInstances", []string{"ImageId", img, "InstanceType", "t3.micro", "MinCount", "-1", "MaxCount", "1"}, "InvalidParameterValue"},
		{"NegativeMax", "RunInstances", []string{"ImageId", img, "InstanceType", "t3.micro", "MinCount", "1", "MaxCount", "-3"}, "InvalidParameterValue"},
		{"MaxBelowMin", "RunInstances", []string{"ImageId", img, "InstanceType", "t3.micro", "MinCount", "3", "MaxCount", "2"}, "InvalidParameterValue"},
		{"OverflowingCount", "RunInstances", []string{"ImageId", img, "InstanceType", "t3.micro", "MinCount", overflow, "MaxCount", overflow}, "InvalidParameterValue"},
		{"MalformedLaunchImage", "RunInstances", []string{"ImageId", "ami-" + long, "InstanceType", "t3.micro", "MinCount", "1", "MaxCount", "1"}, "InvalidAMIID.Malformed"},
		{"LongInstanceType", "RunInstances", []string{"ImageId", img, "InstanceType", long, "MinCount", "1", "MaxCount", "1"}, "InvalidParameterValue"},
		{"NULInstanceType", "RunInstances", []string{"ImageId", img, "InstanceType", nul, "MinCount", "1", "MaxCount", "1"}, "InvalidParameterValue"},
		{"LongClientToken", "RunInstances", []string{"ImageId", img, "InstanceType", "t3.micro", "MinCount", "1", "MaxCount", "1", "ClientToken", long}, "InvalidParameterValue"},
		{"NULClientToken", "RunInstances", []string{"ImageId", img, "InstanceType", "t3.micro", "MinCount", "1", "MaxCount", "1", "ClientToken", nul}, "InvalidParameterValue"},
		{"NULKeyName", "RunInstances", []string{"ImageId", img, "InstanceType", "t3.micro", "MinCount", "1", "MaxCount", "1", "KeyName", nul}, "InvalidParameterValue"},
		{"LongKeyName", "RunInstances", []string{"ImageId", img, "InstanceType", "t3.micro", "MinCount", "1", "MaxCount", "1", "KeyName", long}, "InvalidParameterValue"},
		{"NULZone", "RunInstances", []string{"ImageId", img, "InstanceType", "t3.micro", "MinCount", "1", "MaxCount", "1", "Placement.AvailabilityZone", nul}, "InvalidParameterValue"},
		{"LongInstanceTag", "RunInstances", []string{"ImageId", img, "InstanceType", "t3.micro", "MinCount", "1", "MaxCount", "1",
			"TagSpecification.1.ResourceType", "instance", "TagSpecification.1.Tag.1.Key", "Name", "TagSpecification.1.Tag.1.Value", long}, "InvalidParameterValue"},
		{"MalformedInstance", "DescribeInstances", []string{"InstanceId.1", "i-" + long}, "InvalidInstanceID.Malformed"},
		{"NegativeInstancePage", "DescribeInstances", []string{"MaxResults", "-5"}, "InvalidParameterValue"},
		{"UnknownInstanceFilter", "DescribeInstances", []string{"Filter.1.Name", "colour", "Filter.1.Value.1", "blue"}, "InvalidParameterValue"},
		{"NULInstanceFilterValue", "DescribeInstances", []string{"Filter.1.Name", "tag:Name", "Filter.1.Value.1", nul}, "InvalidParameterValue"},
		{"BadInstanceToken", "DescribeInstances", []string{"NextToken", long}, "InvalidPaginationToken"},
		{"NULStopped", "StopInstances", []string{"InstanceId.1", nul}, "InvalidParameterValue"},
		{"NoneStopped", "StopInstances", nil, "MissingParameter"},
		{"MalformedStarted", "StartInstances", []string{"InstanceId.1", "i-123"}, "InvalidInstanceID.Malformed"},
		{"NotUTF8Terminated", "TerminateInstances", []string{"InstanceId.1", notUTF8}, "InvalidParameterValue"},
		{"LongRebooted", "RebootInstances", []string{"InstanceId.1", long}, "InvalidInstanceID.Malformed"},
		{"UnknownInstanceAttribute", "DescribeInstanceAttribute", []string{"InstanceId", inst, "Attribute", "colour"}, "InvalidParameterValue"},
		{"NULInstanceAttribute", "DescribeInstanceAttribute", []string{"InstanceId", inst, "Attribute", nul}, "InvalidParameterValue"},
		{"UnknownModifiedInstanceAttribute", "ModifyInstanceAttribute", []string{"InstanceId", inst, "Attribute", "colour", "Value", "x"}, "InvalidParameterValue"},
		{"LongModifiedType", "ModifyInstanceAttribute", []string{"InstanceId", inst, "InstanceType.Value", long}, "IncorrectInstanceState"},
		{"NotBooleanProtection", "ModifyInstanceAttribute", []string{"InstanceId", inst, "DisableApiTermination.Value", "maybe"}, "InvalidParameterValue"},
		{"NegativeStatusPage", "DescribeInstanceStatus", []string{"MaxResults", "-1"}, "InvalidParameterValue"},
		{"UnknownStatusFilter", "DescribeInstanceStatus", []string{"Filter.1.Name", "colour", "Filter.1.Value.1", "blue"}, "InvalidParameterValue"},
		{"NULStatusInstance", "DescribeInstanceStatus", []string{"InstanceId.1", nul}, "InvalidParameterValue"},
		{"LongType", "DescribeInstanceTypes", []string{"InstanceType.1", long}, "InvalidInstanceType"},
		{"NULType", "DescribeInstanceTypes", []string{"InstanceType.1", nul}, "InvalidParameterValue"},
		{"OverflowingTypePage", "DescribeInstanceTypes", []string{"MaxResults", overflow}, "InvalidParameterValue"},
		{"UnknownTypeFilter", "DescribeInstanceTypes", []string{"Filter.1.Name", "colour", "Filter.1.Value.1", "blue"}, "InvalidParameterValue"},
		{"LongConfirmedCode", "ConfirmProductInstance", []string{"InstanceId", inst, "ProductCode", long}, "AuthFailure"},
		{"NULConfirmedCode", "ConfirmProductInstance", []string{"InstanceId", inst, "ProductCode", nul}, "InvalidParameterValue"},
		{"NotUTF8ConfirmedCode", "ConfirmProductInstance", []string{"InstanceId", inst, "ProductCode", notUTF8}, "InvalidParameterValue"},
		{"MalformedConfirmedInstance", "ConfirmProductInstance", []string{"InstanceId", "i-xyz", "ProductCode", "abc"}, "InvalidInstanceID.Malformed"},
		// Volumes, snapshots and images made from them.
		{"MalformedVolume", "DescribeVolumes", []string{"VolumeId.1", "vol-" + long}, "InvalidVolumeID.Malformed"},
		{"UnknownVolumeFilter", "DescribeVolumes", []string{"Filter.1.Name", "colour", "Filter.1.Value.1", "blue"}, "InvalidParameterValue"},
		{"NegativeVolumePage", "DescribeVolumes", []string{"MaxResults", "-5"}, "InvalidParameterValue"},
		{"MalformedSnapshotVolume", "CreateSnapshot", []string{"VolumeId", "vol-xyz"}, "InvalidVolumeID.Malformed"},
		{"LongSnapshotDescription", "CreateSnapshot", []string{"VolumeId", volume, "Description", long}, "InvalidParameterValue"},
		{"NULSnapshotDescription", "CreateSnapshot", []string{"VolumeId", volume, "Description", nul}, "InvalidParameterValue"},
		{"LongSnapshotTag", "CreateSnapshot", []string{"VolumeId", volume, "TagSpecification.1.ResourceType", "snapshot",
			"TagSpecification.1.Tag.1.Key", "k", "TagSpecification.1.Tag.1.Value", long}, "InvalidParameterValue"},
		{"MalformedSnapshot", "DescribeSnapshots", []string{"SnapshotId.1", "snap-" + long}, "InvalidSnapshotID.Malformed"},
		{"LongSnapshotOwner", "DescribeSnapshots", []string{"Owner.1", long}, "InvalidUserID.Malformed"},
		{"UnknownSnapshotFilter", "DescribeSnapshots", []string{"Filter.1.Name", "colour", "Filter.1.Value.1", "blue"}, "InvalidParameterValue"},
		{"OverflowingSnapshotPage", "DescribeSnapshots", []string{"MaxResults", overflow}, "InvalidParameterValue"},
		{"MalformedDeletedSnapshot", "DeleteSnapshot", []string{"SnapshotId", "snap-1"}, "InvalidSnapshotID.Malformed"},
		{"LongImageName", "CreateImage", []string{"InstanceId", inst, "Name", long}, "InvalidAMIName.Malformed"},
		{"LongImageDescription", "CreateImage", []string{"InstanceId", inst, "Name", "fine image", "Description", long}, "InvalidParameterValue"},
		{"MalformedImageInstance", "CreateImage", []string{"InstanceId", "i-" + long, "Name", "fine image"}, "InvalidInstanceID.Malformed"},
		{"LongCopyName", "CopyImage", []string{"SourceImageId", img, "SourceRegion", region, "Name", long}, "InvalidAMIName.Malformed"},
		{"MalformedCopySource", "CopyImage", []string{"SourceImageId", "ami-" + long, "SourceRegion", region, "Name", "fine copy"}, "InvalidAMIID.Malformed"},
		{"LongCopyRegion", "CopyImage", []string{"SourceImageId", img, "SourceRegion", long, "Name", "fine copy"}, "InvalidParameterValue"},
		{"LongCopyToken", "CopyImage", []string{"SourceImageId", img, "SourceRegion", region, "Name", "fine copy", "ClientToken", long}, "InvalidParameterValue"},
		{"UnknownImportPlatform", "ImportImage", []string{"Platform", "BeOS", "DiskContainer.1.SnapshotId", "snap-0123456789abcdef0"}, "InvalidParameterValue"},
		{"LongImportDescription", "ImportImage", []string{"Description", long, "DiskContainer.1.SnapshotId", "snap-0123456789abcdef0"}, "InvalidParameterValue"},
		{"MalformedImportSnapshot", "ImportImage", []string{"DiskContainer.1.SnapshotId", "snap-" + long}, "InvalidSnapshotID.Malformed"},
		{"MalformedImportTask", "DescribeImportImageTasks", []string{"ImportTaskId.1", long}, "InvalidConversionTaskId.Malformed"},
		{"NegativeImportPage", "DescribeImportImageTasks", []string{"MaxResults", "-1"}, "InvalidParameterValue"},
		{"BadVolumeToken", "DescribeVolumes", []string{"NextToken", long}, "InvalidPaginationToken"},
		{"NULSnapshotVolume", "CreateSnapshot", []string{"VolumeId", nul}, "InvalidParameterValue"},
		{"LongSnapshotVolume", "CreateSnapshot", []string{"VolumeId", long}, "InvalidVolumeID.Malformed"},
		{"NotUTF8DeletedSnapshot", "DeleteSnapshot", []string{"SnapshotId", notUTF8}, "InvalidParameterValue"},
		{"LongImportURL", "ImportImage", []string{"DiskContainer.1.Url", "https://" + long}, "InvalidParameterValue"},
		{"NULImportPlatform", "ImportImage", []string{"DiskContainer.1.Url", "https://x/y", "Platform", nul}, "InvalidParameterValue"},
		{"UnknownImportTaskFilter", "DescribeImportImageTasks", []string{"Filters.1.Name", "colour", "Filters.1.Value.1", "blue"}, "InvalidParameterValue"},
		// IAM instance profile associations.
		{"MalformedAssociatedInstance", "AssociateIamInstanceProfile", []string{"InstanceId", "i-" + long, "IamInstanceProfile.Name", "app"}, "InvalidInstanceID.Malformed"},
		{"NULAssociatedInstance", "AssociateIamInstanceProfile", []string{"InstanceId", nul, "IamInstanceProfile.Name", "app"}, "InvalidParameterValue"},
		{"NoAssociatedProfile", "AssociateIamInstanceProfile", []string{"InstanceId", inst}, "MissingParameter"},
		{"LongAssociatedProfileName", "AssociateIamInstanceProfile", []string{"InstanceId", inst, "IamInstanceProfile.Name", long}, "InvalidParameterValue"},
		{"NotUTF8AssociatedProfileARN", "AssociateIamInstanceProfile", []string{"InstanceId", inst, "IamInstanceProfile.Arn", notUTF8}, "InvalidParameterValue"},
		{"UnknownProfileMember", "AssociateIamInstanceProfile", []string{"InstanceId", inst, "IamInstanceProfile.Colour", "blue"}, "UnknownParameter"},
		{"MalformedDisassociated", "DisassociateIamInstanceProfile", []string{"AssociationId", "iip-assoc-" + long}, "InvalidParameterValue"},
		{"NULDisassociated", "DisassociateIamInstanceProfile", []string{"AssociationId", nul}, "InvalidParameterValue"},
		{"NoDisassociated", "DisassociateIamInstanceProfile", nil, "MissingParameter"},
		{"MalformedReplaced", "ReplaceIamInstanceProfileAssociation", []string{"AssociationId", "iip-123", "IamInstanceProfile.Name", "app"}, "InvalidParameterValue"},
		{"NoReplacementProfile", "ReplaceIamInstanceProfileAssociation", []string{"AssociationId", "iip-assoc-0123456789abcdef0"}, "MissingParameter"},
		{"LongReplacementARN", "ReplaceIamInstanceProfileAssociation", []string{"AssociationId", "iip-assoc-0123456789abcdef0", "IamInstanceProfile.Arn", long}, "InvalidParameterValue"},
		{"MalformedDescribedAssociation", "DescribeIamInstanceProfileAssociations", []string{"AssociationId.1", long}, "InvalidParameterValue"},
		{"NegativeAssociationPage", "DescribeIamInstanceProfileAssociations", []string{"MaxResults", "-5"}, "InvalidParameterValue"},
		{"OverflowingAssociationPage", "DescribeIamInstanceProfileAssociations", []string{"MaxResults", overflow}, "InvalidParameterValue"},
		{"UnknownAssociationFilter", "DescribeIamInstanceProfileAssociations", []string{"Filter.1.Name", "colour", "Filter.1.Value.1", "blue"}, "InvalidParameterValue"},
		{"NULAssociationFilterValue", "DescribeIamInstanceProfileAssociations", []string{"Filter.1.Name", "instance-id", "Filter.1.Value.1", nul}, "InvalidParameterValue"},
		{"BadAssociationToken", "DescribeIamInstanceProfileAssociations", []string{"NextToken", long}, "InvalidPaginationToken"},
		{"InstanceTokenForAssociations", "DescribeIamInstanceProfileAssociations", []string{"NextToken", "aW5zdGFuY2U6ci0xL2ktMDEyMzQ1Njc4OWFiY2RlZjA"}, "InvalidPaginationToken"},
		// Snapshot sharing and cancelling imports.
		{"UnknownSnapshotAttribute", "DescribeSnapshotAttribute", []string{"SnapshotId", snap, "Attribute", long}, "InvalidParameterValue"},
		{"NULSnapshotAttribute", "DescribeSnapshotAttribute", []string{"SnapshotId", snap, "Attribute", nul}, "InvalidParameterValue"},
		{"MalformedAttributeSnapshot", "DescribeSnapshotAttribute", []string{"SnapshotId", "snap-" + long, "Attribute", "productCodes"}, "InvalidSnapshotID.Malformed"},
		{"LongVolumePermissionUser", "ModifySnapshotAttribute", []string{"SnapshotId", snap, "CreateVolumePermission.Add.1.UserId", long}, "InvalidUserID.Malformed"},
		{"NULVolumePermissionUser", "ModifySnapshotAttribute", []string{"SnapshotId", snap, "OperationType", "add", "UserId.1", nul}, "InvalidParameterValue"},
		{"NotUTF8VolumePermissionGroup", "ModifySnapshotAttribute", []string{"SnapshotId", snap, "OperationType", "add", "UserGroup.1", notUTF8}, "InvalidParameterValue"},
		{"LongOperationType", "ModifySnapshotAttribute", []string{"SnapshotId", snap, "OperationType", long, "UserGroup.1", "all"}, "InvalidParameterValue"},
		{"OverflowingVolumePermission", "ModifySnapshotAttribute", []string{"SnapshotId", snap, "CreateVolumePermission.Add." + overflow + ".Group", "all"}, "UnknownParameter"},
		{"UnknownResetSnapshotAttribute", "ResetSnapshotAttribute", []string{"SnapshotId", snap, "Attribute", "colour"}, "InvalidParameterValue"},
		{"LongRestorableBy", "DescribeSnapshots", []string{"RestorableBy.1", long}, "InvalidUserID.Malformed"},
		{"MalformedCancelledTask", "CancelImportTask", []string{"ImportTaskId", long}, "InvalidConversionTaskId.Malformed"},
		{"NULCancelledTask", "CancelImportTask", []string{"ImportTaskId", nul}, "InvalidParameterValue"},
		{"LongCancelReason", "CancelImportTask", []string{"ImportTaskId", "import-ami-0123456789abcdef0", "CancelReason", long}, "InvalidParameterValue"},
		{"NotUTF8CancelReason", "CancelImportTask", []string{"ImportTaskId", "import-ami-0123456789abcdef0", "CancelReason", notUTF8}, "InvalidParameterValue"},
		{"NoCancelledTask", "CancelImportTask", nil, "MissingParameter"},
		// Placement.
		{"LongRegion", "DescribeRegions", []string{"RegionName.1", long}, "InvalidParameterValue"},
		{"NULRegion", "DescribeRegions", []string{"RegionName.1", nul}, "InvalidParameterValue"},
		{"NotUTF8Zone", "DescribeAvailabilityZones", []string{"ZoneName.1", notUTF8}, "InvalidParameterValue"},
		{"UnknownZoneFilter", "DescribeAvailabilityZones", []string{"Filter.1.Name", "colour", "Filter.1.Value.1", "blue"}, "InvalidParameterValue"},
	}
	// Every operation, including those added later: an unknown parameter,
	// one whose name is not UTF-8 or holds a NUL, and a list index that
	// overflows.
	for _, op := range ec2.OperationNames() {
		cases = append(cases,
			bad{"UnknownParameter", op, []string{"Colour", "blue"}, "UnknownParameter"},
			bad{"NotUTF8ParameterName", op, []string{"Name\xff", "x"}, "UnknownParameter"},
			bad{"NULParameterName", op, []string{"Na\x00me", "x"}, "UnknownParameter"},
			bad{"OverflowingIndex", op, []string{"Filter." + overflow + ".Name", "x"}, "UnknownParameter"},
		)
	}
	for _, tc := range cases {
		t.Run(tc.action+"/"+tc.name, func(t *testing.T) {
			r := e.in(t).raw(p, form(tc.action, tc.params...))
			if r.Status < 400 || r.Status > 499 || r.Code != tc.code {
				t.Errorf("HTTP %d, %s (%.200s); want a 4xx %s", r.Status, r.Code, r.Message, tc.code)
			}
		})
	}
}

package ec2_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/catalog"
)

var (
	_ = sdk("CreateImage", testCreateImage)
	_ = sdk("CopyImage", testCopyImage)
	_ = sdk("ImportImage", testImportImage)
	_ = sdk("RebundlingMatrix", testRebundlingMatrix)
)

// importDisk imports a disk from elsewhere as p, declaring platform, and
// returns the task.
func (e *env) importDisk(p party, platform string) types.ImportImageTask {
	e.t.Helper()
	out, err := p.EC2.ImportImage(e.ctx, &ec2.ImportImageInput{Platform: aws.String(platform),
		DiskContainers: []types.ImageDiskContainer{{Url: aws.String("https://disks.example.com/base.vmdk"), Format: aws.String("vmdk")}}})
	if err != nil {
		e.t.Fatalf("ImportImage: %v", err)
	}
	return e.importTask(p, aws.ToString(out.ImportTaskId))
}

// importTask describes one import task as p.
func (e *env) importTask(p party, id string) types.ImportImageTask {
	e.t.Helper()
	out, err := p.EC2.DescribeImportImageTasks(e.ctx, &ec2.DescribeImportImageTasksInput{ImportTaskIds: []string{id}})
	if err != nil || len(out.ImportImageTasks) != 1 {
		e.t.Fatalf("DescribeImportImageTasks %s: %v, %+v", id, err, out)
	}
	return out.ImportImageTasks[0]
}

func testCreateImage(t *testing.T, be backend) {
	e := newEnv(t, be)
	owner, stranger := e.party("owner"), e.party("stranger")
	img := e.register(owner, "base", func(in *ec2.RegisterImageInput) {
		in.BlockDeviceMappings = []types.BlockDeviceMapping{
			{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(10)}},
			{DeviceName: aws.String("/dev/sdf"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(20)}},
		}
	})
	inst := e.mustRun(owner, img, "m5.large")
	out, err := owner.EC2.CreateImage(e.ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("rebundled"), NoReboot: aws.Bool(true),
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeImage, Tags: []types.Tag{{Key: aws.String("kind"), Value: aws.String("image")}}},
			{ResourceType: types.ResourceTypeSnapshot, Tags: []types.Tag{{Key: aws.String("kind"), Value: aws.String("snapshot")}}}}})
	noErr(t, err)
	id := aws.ToString(out.ImageId)
	noErr(t, ec2.NewImageAvailableWaiter(owner.EC2).Wait(e.ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}}, time.Second))
	got := e.image(owner, id)
	if aws.ToString(got.SourceInstanceId) != inst || len(got.BlockDeviceMappings) != 2 || len(got.Tags) != 1 {
		t.Errorf("image %+v", got)
	}
	snaps, err := owner.EC2.DescribeSnapshots(e.ctx, &ec2.DescribeSnapshotsInput{Filters: []types.Filter{{Name: aws.String("tag:kind"), Values: []string{"snapshot"}}}})
	noErr(t, err)
	var sizes []int32
	for _, s := range snaps.Snapshots {
		sizes = append(sizes, aws.ToInt32(s.VolumeSize))
	}
	if diff := cmp.Diff([]int32{10, 20}, sorted32(sizes)); diff != "" {
		t.Errorf("the image's snapshots (-want +got):\n%s", diff)
	}
	bySource, err := owner.EC2.DescribeImages(e.ctx, &ec2.DescribeImagesInput{Filters: []types.Filter{{Name: aws.String("source-instance-id"), Values: []string{inst}}}})
	noErr(t, err)
	if len(bySource.Images) != 1 {
		t.Errorf("images by source instance: %d", len(bySource.Images))
	}

	t.Run("Stopped", func(t *testing.T) {
		_, err := owner.EC2.StopInstances(e.ctx, &ec2.StopInstancesInput{InstanceIds: []string{inst}})
		noErr(t, err)
		_, err = owner.EC2.CreateImage(e.ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("while stopped")})
		noErr(t, err)
	})
	t.Run("Refused", func(t *testing.T) {
		_, err := owner.EC2.CreateImage(e.ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("rebundled")})
		wantCode(t, err, "InvalidAMIName.Duplicate")
		_, err = stranger.EC2.CreateImage(e.ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("stolen")})
		wantCode(t, err, "InvalidInstanceID.NotFound")
		_, err = owner.EC2.CreateImage(e.ctx, &ec2.CreateImageInput{InstanceId: aws.String("i-nope"), Name: aws.String("x y z")})
		wantCode(t, err, "InvalidInstanceID.Malformed")
		_, err = owner.EC2.CreateImage(e.ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("x")})
		wantCode(t, err, "InvalidAMIName.Malformed")
		_, err = owner.EC2.CreateImage(e.ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("with mappings"),
			BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/sdg"), NoDevice: aws.String("")}}})
		wantCode(t, err, "UnsupportedOperation")
		if r := e.raw(owner, form("CreateImage", "Name", "no instance")); r.Code != "MissingParameter" {
			t.Errorf("CreateImage without InstanceId: %s (%s)", r.Code, r.Message)
		}
		_, err = owner.EC2.TerminateInstances(e.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{inst}})
		noErr(t, err)
		_, err = owner.EC2.CreateImage(e.ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("of a terminated one")})
		wantCode(t, err, "IncorrectInstanceState")
	})
}

func testCopyImage(t *testing.T, be backend) {
	e := newEnv(t, be)
	seller, buyer, stranger := e.party("seller"), e.party("buyer"), e.party("stranger")
	product := e.product(seller, catalog.PaidImage)
	img := e.register(seller, "paid", func(in *ec2.RegisterImageInput) { in.Description = aws.String("the original") })
	noErr(t, e.attach(seller, img, product.Code))
	e.share(seller, img, buyer)
	_, err := seller.EC2.CreateTags(e.ctx, &ec2.CreateTagsInput{Resources: []string{img}, Tags: []types.Tag{{Key: aws.String("tier"), Value: aws.String("gold")}}})
	noErr(t, err)

	in := &ec2.CopyImageInput{SourceImageId: aws.String(img), SourceRegion: aws.String("us-west-2"), Name: aws.String("my copy"), ClientToken: aws.String("copy-1")}
	out, err := buyer.EC2.CopyImage(e.ctx, in)
	noErr(t, err)
	copied := e.image(buyer, aws.ToString(out.ImageId))
	wantCodes := []types.ProductCode{{ProductCodeId: aws.String(product.Code), ProductCodeType: types.ProductCodeValuesMarketplace}}
	if diff := cmp.Diff(wantCodes, copied.ProductCodes, ignoreUnexported); diff != "" || aws.ToString(copied.SourceImageId) != img ||
		aws.ToString(copied.OwnerId) != buyer.ID || aws.ToBool(copied.Public) {
		t.Errorf("copy %+v, product codes (-want +got):\n%s", copied, diff)
	}
	again, err := buyer.EC2.CopyImage(e.ctx, in)
	noErr(t, err)
	if aws.ToString(again.ImageId) != aws.ToString(out.ImageId) {
		t.Errorf("a retry with the client token made %s, want %s", aws.ToString(again.ImageId), aws.ToString(out.ImageId))
	}
	in2 := *in
	in2.Name = aws.String("another copy")
	_, err = buyer.EC2.CopyImage(e.ctx, &in2)
	wantCode(t, err, "IdempotentParameterMismatch")

	t.Run("Tags", func(t *testing.T) {
		out, err := seller.EC2.CopyImage(e.ctx, &ec2.CopyImageInput{SourceImageId: aws.String(img), SourceRegion: aws.String("us-east-1"),
			Name: aws.String("tagged copy"), CopyImageTags: aws.Bool(true)})
		noErr(t, err)
		if got := e.image(seller, aws.ToString(out.ImageId)).Tags; len(got) != 1 || aws.ToString(got[0].Key) != "tier" {
			t.Errorf("copied tags %+v", got)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			p    party
			in   *ec2.CopyImageInput
			code string
		}{
			{"Hidden", stranger, &ec2.CopyImageInput{SourceImageId: aws.String(img), SourceRegion: aws.String("us-east-1"), Name: aws.String("nope")}, "InvalidAMIID.NotFound"},
			{"Malformed", buyer, &ec2.CopyImageInput{SourceImageId: aws.String("ami-x"), SourceRegion: aws.String("us-east-1"), Name: aws.String("nope")}, "InvalidAMIID.Malformed"},
			{"Region", buyer, &ec2.CopyImageInput{SourceImageId: aws.String(img), SourceRegion: aws.String("mars-north-1"), Name: aws.String("nope")}, "InvalidParameterValue"},
			{"Name", buyer, &ec2.CopyImageInput{SourceImageId: aws.String(img), SourceRegion: aws.String("us-east-1"), Name: aws.String("!")}, "InvalidAMIName.Malformed"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tc.p.EC2.CopyImage(e.ctx, tc.in)
				wantCode(t, err, tc.code)
			})
		}
		if r := e.raw(buyer, form("CopyImage", "SourceImageId", img, "Name", "n o")); r.Code != "MissingParameter" {
			t.Errorf("CopyImage without SourceRegion: %s (%s)", r.Code, r.Message)
		}
	})
}

func testImportImage(t *testing.T, be backend) {
	e := newEnv(t, be)
	owner, stranger := e.party("owner"), e.party("stranger")
	out, err := owner.EC2.ImportImage(e.ctx, &ec2.ImportImageInput{Platform: aws.String("Windows"), Description: aws.String("from the data centre"),
		ClientToken: aws.String("import-1"),
		DiskContainers: []types.ImageDiskContainer{
			{UserBucket: &types.UserBucket{S3Bucket: aws.String("disks"), S3Key: aws.String("win.vhd")}, Format: aws.String("VHD")},
			{Url: aws.String("https://disks.example.com/data.vmdk")},
		},
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeImportImageTask, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}})
	noErr(t, err)
	if aws.ToString(out.Status) != "active" || aws.ToString(out.ImageId) != "" || aws.ToString(out.Platform) != "Windows" || len(out.SnapshotDetails) != 2 {
		t.Errorf("ImportImage answered %+v", out)
	}
	taskID := aws.ToString(out.ImportTaskId)
	task := e.importTask(owner, taskID)
	if aws.ToString(task.Status) != "completed" || aws.ToString(task.ImageId) == "" || len(task.SnapshotDetails) != 2 ||
		aws.ToString(task.SnapshotDetails[0].SnapshotId) == "" || aws.ToString(task.SnapshotDetails[0].UserBucket.S3Key) != "win.vhd" || len(task.Tags) != 1 {
		t.Errorf("task %+v", task)
	}
	img := e.image(owner, aws.ToString(task.ImageId))
	if img.Platform != "windows" || len(img.ProductCodes) != 0 || len(img.BlockDeviceMappings) != 2 {
		t.Errorf("imported image %+v", img)
	}
	again, err := owner.EC2.ImportImage(e.ctx, &ec2.ImportImageInput{Platform: aws.String("Windows"), Description: aws.String("from the data centre"),
		ClientToken: aws.String("import-1"),
		DiskContainers: []types.ImageDiskContainer{
			{UserBucket: &types.UserBucket{S3Bucket: aws.String("disks"), S3Key: aws.String("win.vhd")}, Format: aws.String("VHD")},
			{Url: aws.String("https://disks.example.com/data.vmdk")},
		}})
	noErr(t, err)
	if aws.ToString(again.ImportTaskId) != taskID {
		t.Errorf("a retry with the client token made %s, want %s", aws.ToString(again.ImportTaskId), taskID)
	}
	list, err := owner.EC2.DescribeImportImageTasks(e.ctx, &ec2.DescribeImportImageTasksInput{Filters: []types.Filter{{Name: aws.String("task-state"), Values: []string{"completed"}}}})
	noErr(t, err)
	if len(list.ImportImageTasks) != 1 {
		t.Errorf("completed tasks: %+v", list.ImportImageTasks)
	}

	t.Run("Refused", func(t *testing.T) {
		_, err := stranger.EC2.DescribeImportImageTasks(e.ctx, &ec2.DescribeImportImageTasksInput{ImportTaskIds: []string{taskID}})
		wantCode(t, err, "InvalidConversionTaskId")
		for _, tc := range []struct {
			name string
			in   *ec2.ImportImageInput
			code string
		}{
			{"NoDisks", &ec2.ImportImageInput{Platform: aws.String("Linux")}, "MissingParameter"},
			{"EmptyDisk", &ec2.ImportImageInput{DiskContainers: []types.ImageDiskContainer{{Format: aws.String("vmdk")}}}, "MissingParameter"},
			{"Both", &ec2.ImportImageInput{DiskContainers: []types.ImageDiskContainer{{SnapshotId: aws.String("snap-0123456789abcdef0"), Url: aws.String("https://x/y")}}}, "InvalidParameterCombination"},
			{"Platform", &ec2.ImportImageInput{Platform: aws.String("Plan9"), DiskContainers: []types.ImageDiskContainer{{Url: aws.String("https://x/y")}}}, "InvalidParameterValue"},
			{"Format", &ec2.ImportImageInput{DiskContainers: []types.ImageDiskContainer{{Url: aws.String("https://x/y"), Format: aws.String("qcow9")}}}, "InvalidParameterValue"},
			{"Snapshot", &ec2.ImportImageInput{DiskContainers: []types.ImageDiskContainer{{SnapshotId: aws.String("snap-0123456789abcdef0")}}}, "InvalidSnapshot.NotFound"},
			{"SnapshotMalformed", &ec2.ImportImageInput{DiskContainers: []types.ImageDiskContainer{{SnapshotId: aws.String("snap-1")}}}, "InvalidSnapshotID.Malformed"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := owner.EC2.ImportImage(e.ctx, tc.in)
				wantCode(t, err, tc.code)
			})
		}
		_, err = owner.EC2.DescribeImportImageTasks(e.ctx, &ec2.DescribeImportImageTasksInput{ImportTaskIds: []string{"import-ami-x"}})
		wantCode(t, err, "InvalidConversionTaskId.Malformed")
	})
}

// testRebundlingMatrix is the rebundling rule through the SDK: a buyer's
// instance of a paid Linux and a paid Windows image, rebundled four ways.
// CreateImage and CopyImage keep the code on both; RegisterImage and
// ImportImage of a raw snapshot of the root volume keep it on Windows only
// (and an import that declares Linux for the Windows snapshot keeps it too).
// A snapshot the buyer shares with another account follows the same rule
// when that account registers an image from it.
func testRebundlingMatrix(t *testing.T, be backend) {
	e := newEnv(t, be)
	seller, buyer, grantee := e.party("seller"), e.party("buyer"), e.party("grantee")
	product := e.product(seller, catalog.PaidImage)
	e.subscribe(buyer, product.Code)
	e.subscribe(grantee, product.Code)
	linuxImg := e.register(seller, "paid linux")
	windowsImg := aws.ToString(e.importDisk(seller, "Windows").ImageId)
	instances := map[string]string{}
	for platform, img := range map[string]string{"Linux": linuxImg, "Windows": windowsImg} {
		noErr(t, e.attach(seller, img, product.Code))
		e.share(seller, img, buyer)
		instances[platform] = e.mustRun(buyer, img, "m5.large")
	}
	code := []types.ProductCode{{ProductCodeId: aws.String(product.Code), ProductCodeType: types.ProductCodeValuesMarketplace}}
	ways := map[string]func(t *testing.T, inst, name string) string{
		"CreateImage": func(t *testing.T, inst, name string) string {
			out, err := buyer.EC2.CreateImage(e.ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String(name)})
			noErr(t, err)
			return aws.ToString(out.ImageId)
		},
		"CopyImage": func(t *testing.T, inst, name string) string {
			src := e.instance(buyer, inst).ImageId
			out, err := buyer.EC2.CopyImage(e.ctx, &ec2.CopyImageInput{SourceImageId: src, SourceRegion: aws.String(region), Name: aws.String(name)})
			noErr(t, err)
			return aws.ToString(out.ImageId)
		},
		"SnapshotRegisterImage": func(t *testing.T, inst, name string) string {
			snap := e.snapshot(buyer, e.rootVolume(buyer, inst))
			return e.register(buyer, name, func(in *ec2.RegisterImageInput) {
				in.RootDeviceName = aws.String("/dev/xvda")
				in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(snap)}}}
			})
		},
		"SharedSnapshotRegisterImage": func(t *testing.T, inst, name string) string {
			snap := e.snapshot(buyer, e.rootVolume(buyer, inst))
			_, err := buyer.EC2.ModifySnapshotAttribute(e.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(snap),
				CreateVolumePermission: &types.CreateVolumePermissionModifications{Add: []types.CreateVolumePermission{{UserId: aws.String(grantee.ID)}}}})
			noErr(t, err)
			return e.register(grantee, name, func(in *ec2.RegisterImageInput) {
				in.RootDeviceName = aws.String("/dev/xvda")
				in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(snap)}}}
			})
		},
		"ImportImageDeclaredLinux": func(t *testing.T, inst, _ string) string {
			snap := e.snapshot(buyer, e.rootVolume(buyer, inst))
			out, err := buyer.EC2.ImportImage(e.ctx, &ec2.ImportImageInput{Platform: aws.String("Linux"),
				DiskContainers: []types.ImageDiskContainer{{SnapshotId: aws.String(snap)}}})
			noErr(t, err)
			return aws.ToString(e.importTask(buyer, aws.ToString(out.ImportTaskId)).ImageId)
		},
	}
	for _, tc := range []struct {
		platform, way string
		keeps         bool
	}{
		{"Linux", "CreateImage", true}, {"Linux", "CopyImage", true}, {"Linux", "SnapshotRegisterImage", false}, {"Linux", "ImportImageDeclaredLinux", false},
		{"Linux", "SharedSnapshotRegisterImage", false},
		{"Windows", "CreateImage", true}, {"Windows", "CopyImage", true}, {"Windows", "SnapshotRegisterImage", true}, {"Windows", "ImportImageDeclaredLinux", true},
		{"Windows", "SharedSnapshotRegisterImage", true},
	} {
		t.Run(tc.platform+"/"+tc.way, func(t *testing.T) {
			id := ways[tc.way](t, instances[tc.platform], "rebundled "+tc.platform+" "+tc.way)
			maker := buyer // who owns the new image
			if tc.way == "SharedSnapshotRegisterImage" {
				maker = grantee
			}
			img := e.image(maker, id)
			var want []types.ProductCode
			if tc.keeps {
				want = code
			}
			// EC2 writes the platform in lower case, whatever the SDK's
			// enumeration spells.
			wantPlatform := types.PlatformValues("")
			if tc.platform == "Windows" {
				wantPlatform = "windows"
			}
			if diff := cmp.Diff(want, img.ProductCodes, ignoreUnexported); diff != "" || img.Platform != wantPlatform {
				t.Errorf("image on %q, product codes (-want +got):\n%s", img.Platform, diff)
			}
			if !tc.keeps {
				return
			}
			_, err := maker.EC2.ResetImageAttribute(e.ctx, &ec2.ResetImageAttributeInput{ImageId: aws.String(id), Attribute: types.ResetImageAttributeName("productCodes")})
			wantCode(t, err, "UnsupportedOperation")
			_, err = e.run(maker, id, "m5.large", 1)
			noErr(t, err)
		})
	}
}

func sorted32(s []int32) []int32 { return slices.Sorted(slices.Values(s)) }

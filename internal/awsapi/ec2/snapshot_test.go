package ec2_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
)

var (
	_ = sdk("Volumes", testVolumes)
	_ = sdk("Snapshots", testSnapshots)
)

// volumeIDs lists the IDs of the volumes p's DescribeVolumes answers.
func (e *env) volumeIDs(t *testing.T, p party, in *ec2.DescribeVolumesInput) []string {
	t.Helper()
	out, err := p.EC2.DescribeVolumes(e.ctx, in)
	noErr(t, err)
	var ids []string
	for _, v := range out.Volumes {
		ids = append(ids, aws.ToString(v.VolumeId))
	}
	return ids
}

// rootVolume returns the root volume of an instance of p's.
func (e *env) rootVolume(p party, instanceID string) string {
	e.t.Helper()
	inst := e.instance(p, instanceID)
	for _, m := range inst.BlockDeviceMappings {
		if aws.ToString(m.DeviceName) == aws.ToString(inst.RootDeviceName) {
			return aws.ToString(m.Ebs.VolumeId)
		}
	}
	e.t.Fatalf("instance %s has no root volume: %+v", instanceID, inst.BlockDeviceMappings)
	return ""
}

// snapshot takes a snapshot of a volume of p's and returns its ID.
func (e *env) snapshot(p party, volumeID string) string {
	e.t.Helper()
	out, err := p.EC2.CreateSnapshot(e.ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String(volumeID)})
	if err != nil {
		e.t.Fatalf("CreateSnapshot %s: %v", volumeID, err)
	}
	return aws.ToString(out.SnapshotId)
}

func testVolumes(t *testing.T, be backend) {
	e := newEnv(t, be)
	owner, stranger := e.party("owner"), e.party("stranger")
	img := e.register(owner, "two volumes", func(in *ec2.RegisterImageInput) {
		in.BlockDeviceMappings = []types.BlockDeviceMapping{
			{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(10), VolumeType: types.VolumeTypeGp3}},
			{DeviceName: aws.String("/dev/sdf"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(50), DeleteOnTermination: aws.Bool(false)}},
		}
	})
	a, b := e.mustRun(owner, img, "m5.large"), e.mustRun(owner, img, "m5.large")
	rootA := e.rootVolume(owner, a)

	out, err := owner.EC2.DescribeVolumes(e.ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{rootA}})
	noErr(t, err)
	v := out.Volumes[0]
	wantAttach := []types.VolumeAttachment{{VolumeId: aws.String(rootA), InstanceId: aws.String(a), Device: aws.String("/dev/xvda"),
		State: types.VolumeAttachmentStateAttached, AttachTime: v.CreateTime, DeleteOnTermination: aws.Bool(true)}}
	if diff := cmp.Diff(wantAttach, v.Attachments, ignoreUnexported); diff != "" || aws.ToInt32(v.Size) != 10 ||
		v.State != types.VolumeStateInUse || v.VolumeType != types.VolumeTypeGp3 || aws.ToString(v.AvailabilityZone) != "us-east-1a" {
		t.Errorf("volume %+v, attachments (-want +got):\n%s", v, diff)
	}

	noErr(t, e.tagVolume(owner, rootA))
	t.Run("Filters", func(t *testing.T) {
		all := e.volumeIDs(t, owner, &ec2.DescribeVolumesInput{})
		if len(all) != 4 {
			t.Fatalf("got %d volumes, want 4", len(all))
		}
		for _, tc := range []struct {
			name   string
			filter types.Filter
			want   int
		}{
			{"Instance", types.Filter{Name: aws.String("attachment.instance-id"), Values: []string{a}}, 2},
			{"Status", types.Filter{Name: aws.String("status"), Values: []string{"in-use"}}, 4},
			{"Tag", types.Filter{Name: aws.String("tag:role"), Values: []string{"ro*"}}, 1},
			{"TagKey", types.Filter{Name: aws.String("tag-key"), Values: []string{"role"}}, 1},
			{"VolumeID", types.Filter{Name: aws.String("volume-id"), Values: []string{rootA}}, 1},
			{"Size", types.Filter{Name: aws.String("size"), Values: []string{"50"}}, 2},
			{"Device", types.Filter{Name: aws.String("attachment.device"), Values: []string{"/dev/sdf"}}, 2},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := e.volumeIDs(t, owner, &ec2.DescribeVolumesInput{Filters: []types.Filter{tc.filter}}); len(got) != tc.want {
					t.Errorf("got %v, want %d volumes", got, tc.want)
				}
			})
		}
		var paged []string
		in := &ec2.DescribeVolumesInput{MaxResults: aws.Int32(5)}
		for {
			page, err := owner.EC2.DescribeVolumes(e.ctx, in)
			noErr(t, err)
			for _, v := range page.Volumes {
				paged = append(paged, aws.ToString(v.VolumeId))
			}
			if page.NextToken == nil {
				break
			}
			in.NextToken = page.NextToken
		}
		if diff := cmp.Diff(all, paged); diff != "" {
			t.Errorf("paged listing (-want +got):\n%s", diff)
		}
	})
	t.Run("Terminated", func(t *testing.T) {
		_, err := owner.EC2.TerminateInstances(e.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{b}})
		noErr(t, err)
		left := e.volumeIDs(t, owner, &ec2.DescribeVolumesInput{Filters: []types.Filter{{Name: aws.String("status"), Values: []string{"available"}}}})
		if len(left) != 1 {
			t.Fatalf("after termination: available volumes %v, want the one kept", left)
		}
		out, err := owner.EC2.DescribeVolumes(e.ctx, &ec2.DescribeVolumesInput{VolumeIds: left})
		noErr(t, err)
		if len(out.Volumes[0].Attachments) != 0 || aws.ToInt32(out.Volumes[0].Size) != 50 {
			t.Errorf("kept volume %+v", out.Volumes[0])
		}
	})
	t.Run("Isolation", func(t *testing.T) {
		_, err := stranger.EC2.DescribeVolumes(e.ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{rootA}})
		wantCode(t, err, "InvalidVolume.NotFound")
		if got := e.volumeIDs(t, stranger, &ec2.DescribeVolumesInput{}); len(got) != 0 {
			t.Errorf("a stranger sees %v", got)
		}
		_, err = stranger.EC2.CreateSnapshot(e.ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String(rootA)})
		wantCode(t, err, "InvalidVolume.NotFound")
		_, err = stranger.EC2.CreateTags(e.ctx, &ec2.CreateTagsInput{Resources: []string{rootA}, Tags: []types.Tag{{Key: aws.String("k")}}})
		wantCode(t, err, "InvalidVolume.NotFound")
	})
	t.Run("Refused", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			in   *ec2.DescribeVolumesInput
			code string
		}{
			{"Malformed", &ec2.DescribeVolumesInput{VolumeIds: []string{"vol-nope"}}, "InvalidVolumeID.Malformed"},
			{"Missing", &ec2.DescribeVolumesInput{VolumeIds: []string{"vol-0123456789abcdef0"}}, "InvalidVolume.NotFound"},
			{"UnknownFilter", &ec2.DescribeVolumesInput{Filters: []types.Filter{{Name: aws.String("colour"), Values: []string{"x"}}}}, "InvalidParameterValue"},
			{"MaxResults", &ec2.DescribeVolumesInput{MaxResults: aws.Int32(2)}, "InvalidParameterValue"},
			{"IDsAndMax", &ec2.DescribeVolumesInput{VolumeIds: []string{rootA}, MaxResults: aws.Int32(5)}, "InvalidParameterCombination"},
			{"Token", &ec2.DescribeVolumesInput{NextToken: aws.String("junk")}, "InvalidPaginationToken"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := owner.EC2.DescribeVolumes(e.ctx, tc.in)
				wantCode(t, err, tc.code)
			})
		}
	})
}

// tagVolume tags a volume role=root as p.
func (e *env) tagVolume(p party, id string) error {
	_, err := p.EC2.CreateTags(e.ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("role"), Value: aws.String("root")}}})
	return err
}

func testSnapshots(t *testing.T, be backend) {
	e := newEnv(t, be)
	owner, stranger := e.party("owner"), e.party("stranger")
	img := e.register(owner, "base", func(in *ec2.RegisterImageInput) {
		in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(12)}}}
	})
	inst := e.mustRun(owner, img, "m5.large")
	vol := e.rootVolume(owner, inst)

	created, err := owner.EC2.CreateSnapshot(e.ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String(vol), Description: aws.String("nightly"),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSnapshot, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("root")}}}}})
	noErr(t, err)
	snap := aws.ToString(created.SnapshotId)
	if created.State != types.SnapshotStatePending || aws.ToString(created.VolumeId) != vol || aws.ToInt32(created.VolumeSize) != 12 ||
		aws.ToString(created.OwnerId) != owner.ID || aws.ToString(created.Description) != "nightly" || len(created.Tags) != 1 {
		t.Errorf("CreateSnapshot answered %+v", created)
	}
	noErr(t, ec2.NewSnapshotCompletedWaiter(owner.EC2).Wait(e.ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snap}}, time.Second))
	got, err := owner.EC2.DescribeSnapshots(e.ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snap}})
	noErr(t, err)
	if s := got.Snapshots[0]; s.State != types.SnapshotStateCompleted || aws.ToString(s.Progress) != "100%" || !s.StartTime.Equal(e.now().Truncate(time.Millisecond)) {
		t.Errorf("snapshot %+v (now %v)", s, e.now())
	}
	second := e.snapshot(owner, vol)

	t.Run("Listings", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			in   *ec2.DescribeSnapshotsInput
			want []string
		}{
			{"Self", &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}}, []string{snap, second}},
			{"OwnID", &ec2.DescribeSnapshotsInput{OwnerIds: []string{owner.ID}}, []string{snap, second}},
			{"OtherOwner", &ec2.DescribeSnapshotsInput{OwnerIds: []string{stranger.ID}}, nil},
			{"RestorableBySelf", &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{"self"}}, []string{snap, second}},
			{"RestorableByOther", &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{stranger.ID}}, nil},
			{"SnapshotID", &ec2.DescribeSnapshotsInput{Filters: []types.Filter{{Name: aws.String("snapshot-id"), Values: []string{second}}}}, []string{second}},
			{"VolumeID", &ec2.DescribeSnapshotsInput{Filters: []types.Filter{{Name: aws.String("volume-id"), Values: []string{vol}}}}, []string{snap, second}},
			{"OwnerIDFilter", &ec2.DescribeSnapshotsInput{Filters: []types.Filter{{Name: aws.String("owner-id"), Values: []string{owner.ID}}}}, []string{snap, second}},
			{"Status", &ec2.DescribeSnapshotsInput{Filters: []types.Filter{{Name: aws.String("status"), Values: []string{"pending"}}}}, nil},
			{"Tag", &ec2.DescribeSnapshotsInput{Filters: []types.Filter{{Name: aws.String("tag:Name"), Values: []string{"root"}}}}, []string{snap}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out, err := owner.EC2.DescribeSnapshots(e.ctx, tc.in)
				noErr(t, err)
				var ids []string
				for _, s := range out.Snapshots {
					ids = append(ids, aws.ToString(s.SnapshotId))
				}
				if diff := cmp.Diff(sorted(tc.want...), sorted(ids...)); diff != "" {
					t.Errorf("snapshots (-want +got):\n%s", diff)
				}
			})
		}
		var paged int
		pager := ec2.NewDescribeSnapshotsPaginator(owner.EC2, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, MaxResults: aws.Int32(5)})
		for pager.HasMorePages() {
			page, err := pager.NextPage(e.ctx)
			noErr(t, err)
			paged += len(page.Snapshots)
		}
		if paged != 2 {
			t.Errorf("paginator listed %d snapshots, want 2", paged)
		}
	})
	t.Run("Tags", func(t *testing.T) {
		_, err := owner.EC2.CreateTags(e.ctx, &ec2.CreateTagsInput{Resources: []string{second, vol}, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}})
		noErr(t, err)
		got := e.tagsOf(t, owner, types.Filter{Name: aws.String("key"), Values: []string{"team"}})
		if len(got) != 2 {
			t.Errorf("tags %v, want one on the snapshot and one on the volume", got)
		}
		out, err := owner.EC2.DescribeTags(e.ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{{Name: aws.String("resource-type"), Values: []string{"snapshot"}}}})
		noErr(t, err)
		if len(out.Tags) != 2 {
			t.Errorf("snapshot tags %+v", out.Tags)
		}
		_, err = owner.EC2.DeleteTags(e.ctx, &ec2.DeleteTagsInput{Resources: []string{second, vol}, Tags: []types.Tag{{Key: aws.String("team")}}})
		noErr(t, err)
		if got := e.tagsOf(t, owner, types.Filter{Name: aws.String("key"), Values: []string{"team"}}); len(got) != 0 {
			t.Errorf("tags left %v", got)
		}
		_, err = stranger.EC2.CreateTags(e.ctx, &ec2.CreateTagsInput{Resources: []string{snap}, Tags: []types.Tag{{Key: aws.String("k")}}})
		wantCode(t, err, "InvalidSnapshot.NotFound")
	})
	t.Run("InUse", func(t *testing.T) {
		registered := e.register(owner, "from a snapshot", func(in *ec2.RegisterImageInput) {
			in.RootDeviceName = aws.String("/dev/xvda")
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(second)}}}
		})
		if size := e.image(owner, registered).BlockDeviceMappings[0].Ebs.VolumeSize; aws.ToInt32(size) != 12 {
			t.Errorf("the image's volume is %d GiB, want the snapshot's 12", aws.ToInt32(size))
		}
		_, err := owner.EC2.DeleteSnapshot(e.ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(second)})
		wantCode(t, err, "InvalidSnapshot.InUse")
		_, err = owner.EC2.DeregisterImage(e.ctx, &ec2.DeregisterImageInput{ImageId: aws.String(registered)})
		noErr(t, err)
		_, err = owner.EC2.DeleteSnapshot(e.ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(second)})
		noErr(t, err)
		_, err = owner.EC2.DescribeSnapshots(e.ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{second}})
		wantCode(t, err, "InvalidSnapshot.NotFound")
	})
	t.Run("Isolation", func(t *testing.T) {
		_, err := stranger.EC2.DescribeSnapshots(e.ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snap}})
		wantCode(t, err, "InvalidSnapshot.NotFound")
		out, err := stranger.EC2.DescribeSnapshots(e.ctx, &ec2.DescribeSnapshotsInput{})
		noErr(t, err)
		if len(out.Snapshots) != 0 {
			t.Errorf("a stranger sees %d snapshots", len(out.Snapshots))
		}
		_, err = stranger.EC2.DeleteSnapshot(e.ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snap)})
		wantCode(t, err, "InvalidSnapshot.NotFound")
		_, err = stranger.EC2.RegisterImage(e.ctx, &ec2.RegisterImageInput{Name: aws.String("stolen"), RootDeviceName: aws.String("/dev/xvda"),
			BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(snap)}}}})
		wantCode(t, err, "InvalidSnapshot.NotFound")
	})
	t.Run("Refused", func(t *testing.T) {
		_, err := owner.EC2.CreateSnapshot(e.ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String("vol-x")})
		wantCode(t, err, "InvalidVolumeID.Malformed")
		_, err = owner.EC2.CreateSnapshot(e.ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String("vol-0123456789abcdef0")})
		wantCode(t, err, "InvalidVolume.NotFound")
		_, err = owner.EC2.CreateSnapshot(e.ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String(vol),
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeImage, Tags: []types.Tag{{Key: aws.String("k")}}}}})
		wantCode(t, err, "InvalidParameterValue")
		_, err = owner.EC2.DescribeSnapshots(e.ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{"snap-x"}})
		wantCode(t, err, "InvalidSnapshotID.Malformed")
		_, err = owner.EC2.DeleteSnapshot(e.ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String("snap-0123456789abcdef0")})
		wantCode(t, err, "InvalidSnapshot.NotFound")
		_, err = owner.EC2.DescribeSnapshots(e.ctx, &ec2.DescribeSnapshotsInput{Filters: []types.Filter{{Name: aws.String("colour"), Values: []string{"x"}}}})
		wantCode(t, err, "InvalidParameterValue")
		_, err = owner.EC2.DescribeSnapshots(e.ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"nobody"}})
		wantCode(t, err, "InvalidUserID.Malformed")
		for _, tc := range []struct{ name, code string }{{"DeleteSnapshot", "MissingParameter"}, {"CreateSnapshot", "MissingParameter"}} {
			if r := e.raw(owner, form(tc.name)); r.Code != tc.code {
				t.Errorf("%s without parameters: %d %s (%s), want %s", tc.name, r.Status, r.Code, r.Message, tc.code)
			}
		}
	})
}

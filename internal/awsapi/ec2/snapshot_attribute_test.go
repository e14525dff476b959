package ec2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/catalog"
)

var _ = sdk("SnapshotSharing", testSnapshotSharing)

// snapshotIDs lists the IDs of the snapshots p's DescribeSnapshots
// answers, sorted.
func (e *env) snapshotIDs(t *testing.T, p party, in *ec2.DescribeSnapshotsInput) []string {
	t.Helper()
	out, err := p.EC2.DescribeSnapshots(e.ctx, in)
	noErr(t, err)
	var ids []string
	for _, s := range out.Snapshots {
		ids = append(ids, aws.ToString(s.SnapshotId))
	}
	return sorted(ids...)
}

// volumePermissions returns a snapshot's create-volume permissions as p
// reads them.
func (e *env) volumePermissions(t *testing.T, p party, id string) []types.CreateVolumePermission {
	t.Helper()
	out, err := p.EC2.DescribeSnapshotAttribute(e.ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(id),
		Attribute: types.SnapshotAttributeNameCreateVolumePermission})
	noErr(t, err)
	if aws.ToString(out.SnapshotId) != id {
		t.Errorf("DescribeSnapshotAttribute answered for %q, want %s", aws.ToString(out.SnapshotId), id)
	}
	return out.CreateVolumePermissions
}

func testSnapshotSharing(t *testing.T, be backend) {
	e := newEnv(t, be)
	owner, friend, stranger := e.party("owner"), e.party("friend"), e.party("stranger")
	img := e.register(owner, "base")
	snap := e.snapshot(owner, e.rootVolume(owner, e.mustRun(owner, img, "m5.large")))
	own := e.snapshot(friend, e.rootVolume(friend, e.mustRun(friend, e.register(friend, "friends base"), "m5.large")))
	user := func(p party) types.CreateVolumePermission {
		return types.CreateVolumePermission{UserId: aws.String(p.ID)}
	}
	all := types.CreateVolumePermission{Group: types.PermissionGroupAll}

	if got := e.volumePermissions(t, owner, snap); len(got) != 0 {
		t.Errorf("a new snapshot's permissions: %+v", got)
	}
	// The older spelling: Attribute, OperationType and UserId.
	_, err := owner.EC2.ModifySnapshotAttribute(e.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(snap),
		Attribute: types.SnapshotAttributeNameCreateVolumePermission, OperationType: types.OperationTypeAdd, UserIds: []string{friend.ID, owner.ID}})
	noErr(t, err)
	if diff := cmp.Diff([]types.CreateVolumePermission{user(friend)}, e.volumePermissions(t, owner, snap), ignoreUnexported); diff != "" {
		t.Errorf("permissions after sharing (-want +got):\n%s", diff)
	}

	t.Run("SharedWithMe", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			p    party
			in   *ec2.DescribeSnapshotsInput
			want []string
		}{
			{"Default", friend, &ec2.DescribeSnapshotsInput{}, []string{snap, own}},
			{"OwnerSelf", friend, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}}, []string{own}},
			{"OwnerID", friend, &ec2.DescribeSnapshotsInput{OwnerIds: []string{owner.ID}}, []string{snap}},
			{"RestorableBySelf", friend, &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{"self"}}, []string{snap, own}},
			{"RestorableBySelfFromOwner", friend, &ec2.DescribeSnapshotsInput{OwnerIds: []string{owner.ID}, RestorableByUserIds: []string{"self"}}, []string{snap}},
			{"RestorableByAll", friend, &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{"all"}}, nil},
			{"ByID", friend, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snap}}, []string{snap}},
			{"OwnerRestorableByGrantee", owner, &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{friend.ID}}, []string{snap}},
			{"OwnerRestorableByOther", owner, &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{stranger.ID}}, nil},
			{"Stranger", stranger, &ec2.DescribeSnapshotsInput{}, nil},
			{"StrangerByOwner", stranger, &ec2.DescribeSnapshotsInput{OwnerIds: []string{owner.ID}}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if diff := cmp.Diff(sorted(tc.want...), e.snapshotIDs(t, tc.p, tc.in)); diff != "" {
					t.Errorf("snapshots (-want +got):\n%s", diff)
				}
			})
		}
		_, err := stranger.EC2.DescribeSnapshots(e.ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snap}})
		wantCode(t, err, "InvalidSnapshot.NotFound")
	})
	t.Run("OwnerOnly", func(t *testing.T) {
		_, err := friend.EC2.DescribeSnapshotAttribute(e.ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(snap),
			Attribute: types.SnapshotAttributeNameCreateVolumePermission})
		wantCode(t, err, "AuthFailure")
		codes, err := friend.EC2.DescribeSnapshotAttribute(e.ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(snap),
			Attribute: types.SnapshotAttributeNameProductCodes})
		noErr(t, err)
		if len(codes.ProductCodes) != 0 {
			t.Errorf("a free snapshot's product codes: %+v", codes.ProductCodes)
		}
		_, err = friend.EC2.ModifySnapshotAttribute(e.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(snap),
			CreateVolumePermission: &types.CreateVolumePermissionModifications{Add: []types.CreateVolumePermission{user(stranger)}}})
		wantCode(t, err, "AuthFailure")
		_, err = friend.EC2.ResetSnapshotAttribute(e.ctx, &ec2.ResetSnapshotAttributeInput{SnapshotId: aws.String(snap),
			Attribute: types.SnapshotAttributeNameCreateVolumePermission})
		wantCode(t, err, "AuthFailure")
		_, err = friend.EC2.DeleteSnapshot(e.ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snap)})
		wantCode(t, err, "AuthFailure")
		_, err = stranger.EC2.ModifySnapshotAttribute(e.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(snap),
			CreateVolumePermission: &types.CreateVolumePermissionModifications{Add: []types.CreateVolumePermission{user(stranger)}}})
		wantCode(t, err, "InvalidSnapshot.NotFound")
		_, err = stranger.EC2.DescribeSnapshotAttribute(e.ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(snap),
			Attribute: types.SnapshotAttributeNameProductCodes})
		wantCode(t, err, "InvalidSnapshot.NotFound")
	})
	t.Run("RegisterFromShared", func(t *testing.T) {
		id := e.register(friend, "from a shared snapshot", func(in *ec2.RegisterImageInput) {
			in.RootDeviceName = aws.String("/dev/xvda")
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(snap)}}}
		})
		if got := e.image(friend, id); aws.ToString(got.OwnerId) != friend.ID || len(got.ProductCodes) != 0 {
			t.Errorf("image from a shared free snapshot: %+v", got)
		}
		_, err := stranger.EC2.RegisterImage(e.ctx, &ec2.RegisterImageInput{Name: aws.String("stolen"), RootDeviceName: aws.String("/dev/xvda"),
			BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(snap)}}}})
		wantCode(t, err, "InvalidSnapshot.NotFound")
	})
	t.Run("PublicRemoveReset", func(t *testing.T) {
		_, err := owner.EC2.ModifySnapshotAttribute(e.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(snap),
			CreateVolumePermission: &types.CreateVolumePermissionModifications{Add: []types.CreateVolumePermission{all}}})
		noErr(t, err)
		if diff := cmp.Diff([]types.CreateVolumePermission{all, user(friend)}, e.volumePermissions(t, owner, snap), ignoreUnexported); diff != "" {
			t.Errorf("permissions of a public snapshot (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{snap}, e.snapshotIDs(t, stranger, &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{"all"}})); diff != "" {
			t.Errorf("public snapshots a stranger sees (-want +got):\n%s", diff)
		}
		// The older spelling again, removing: UserId and UserGroup.
		_, err = owner.EC2.ModifySnapshotAttribute(e.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(snap),
			Attribute: types.SnapshotAttributeNameCreateVolumePermission, OperationType: types.OperationTypeRemove, GroupNames: []string{"all"}})
		noErr(t, err)
		if got := e.snapshotIDs(t, stranger, &ec2.DescribeSnapshotsInput{}); len(got) != 0 {
			t.Errorf("a stranger still sees %v", got)
		}
		_, err = owner.EC2.ModifySnapshotAttribute(e.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(snap),
			CreateVolumePermission: &types.CreateVolumePermissionModifications{Add: []types.CreateVolumePermission{all, user(stranger)}}})
		noErr(t, err)
		_, err = owner.EC2.ResetSnapshotAttribute(e.ctx, &ec2.ResetSnapshotAttributeInput{SnapshotId: aws.String(snap),
			Attribute: types.SnapshotAttributeNameCreateVolumePermission})
		noErr(t, err)
		if got := e.volumePermissions(t, owner, snap); len(got) != 0 {
			t.Errorf("permissions after a reset: %+v", got)
		}
		if diff := cmp.Diff([]string{own}, e.snapshotIDs(t, friend, &ec2.DescribeSnapshotsInput{})); diff != "" {
			t.Errorf("the friend's listing after a reset (-want +got):\n%s", diff)
		}
	})
	t.Run("PaidSnapshot", func(t *testing.T) {
		// A buyer's snapshot of a paid Windows instance carries the
		// seller's code: it cannot be made public, and an account it is
		// shared with registers an image that keeps the code.
		seller, buyer := e.party("seller"), e.party("buyer")
		product := e.product(seller, catalog.PaidImage)
		e.subscribe(buyer, product.Code)
		paid := aws.ToString(e.importDisk(seller, "Windows").ImageId)
		noErr(t, e.attach(seller, paid, product.Code))
		e.share(seller, paid, buyer)
		paidSnap := e.snapshot(buyer, e.rootVolume(buyer, e.mustRun(buyer, paid, "m5.large")))
		code := []types.ProductCode{{ProductCodeId: aws.String(product.Code), ProductCodeType: types.ProductCodeValuesMarketplace}}

		codes, err := buyer.EC2.DescribeSnapshotAttribute(e.ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(paidSnap),
			Attribute: types.SnapshotAttributeNameProductCodes})
		noErr(t, err)
		if diff := cmp.Diff(code, codes.ProductCodes, ignoreUnexported); diff != "" || aws.ToString(codes.SnapshotId) != paidSnap {
			t.Errorf("the paid snapshot's product codes (-want +got):\n%s", diff)
		}
		_, err = buyer.EC2.ModifySnapshotAttribute(e.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(paidSnap),
			Attribute: types.SnapshotAttributeNameCreateVolumePermission, OperationType: types.OperationTypeAdd, GroupNames: []string{"all"}})
		wantCode(t, err, "OperationNotPermitted")
		if got := e.volumePermissions(t, buyer, paidSnap); len(got) != 0 {
			t.Errorf("permissions after a refused publication: %+v", got)
		}
		_, err = buyer.EC2.ModifySnapshotAttribute(e.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(paidSnap),
			CreateVolumePermission: &types.CreateVolumePermissionModifications{Add: []types.CreateVolumePermission{user(friend)}}})
		noErr(t, err)
		id := e.register(friend, "rebundled from a shared paid snapshot", func(in *ec2.RegisterImageInput) {
			in.RootDeviceName = aws.String("/dev/xvda")
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(paidSnap)}}}
		})
		got := e.image(friend, id)
		if diff := cmp.Diff(code, got.ProductCodes, ignoreUnexported); diff != "" || got.Platform != "windows" {
			t.Errorf("image on %q, product codes (-want +got):\n%s", got.Platform, diff)
		}
		_, err = e.run(friend, id, "m5.large", 1)
		wantCode(t, err, "OptInRequired")
	})
	t.Run("Refused", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			in   *ec2.ModifySnapshotAttributeInput
			code string
		}{
			{"AddAndRemove", &ec2.ModifySnapshotAttributeInput{CreateVolumePermission: &types.CreateVolumePermissionModifications{
				Add: []types.CreateVolumePermission{user(friend)}, Remove: []types.CreateVolumePermission{user(stranger)}}}, "InvalidParameterCombination"},
			{"Nothing", &ec2.ModifySnapshotAttributeInput{Attribute: types.SnapshotAttributeNameCreateVolumePermission}, "MissingParameter"},
			{"NoOperation", &ec2.ModifySnapshotAttributeInput{UserIds: []string{friend.ID}}, "MissingParameter"},
			{"Operation", &ec2.ModifySnapshotAttributeInput{UserIds: []string{friend.ID}, OperationType: "replace"}, "InvalidParameterValue"},
			{"ProductCodes", &ec2.ModifySnapshotAttributeInput{Attribute: types.SnapshotAttributeNameProductCodes, OperationType: types.OperationTypeAdd,
				UserIds: []string{friend.ID}}, "UnsupportedOperation"},
			{"Attribute", &ec2.ModifySnapshotAttributeInput{Attribute: "colour", OperationType: types.OperationTypeAdd, UserIds: []string{friend.ID}}, "InvalidParameterValue"},
			{"User", &ec2.ModifySnapshotAttributeInput{OperationType: types.OperationTypeAdd, UserIds: []string{"nobody"}}, "InvalidUserID.Malformed"},
			{"Group", &ec2.ModifySnapshotAttributeInput{OperationType: types.OperationTypeAdd, GroupNames: []string{"admins"}}, "InvalidParameterValue"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.in.SnapshotId = aws.String(snap)
				_, err := owner.EC2.ModifySnapshotAttribute(e.ctx, tc.in)
				wantCode(t, err, tc.code)
			})
		}
		_, err := owner.EC2.ModifySnapshotAttribute(e.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String("snap-x"),
			OperationType: types.OperationTypeAdd, UserIds: []string{friend.ID}})
		wantCode(t, err, "InvalidSnapshotID.Malformed")
		_, err = owner.EC2.DescribeSnapshotAttribute(e.ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(snap), Attribute: "colour"})
		wantCode(t, err, "InvalidParameterValue")
		_, err = owner.EC2.DescribeSnapshotAttribute(e.ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String("snap-0123456789abcdef0"),
			Attribute: types.SnapshotAttributeNameProductCodes})
		wantCode(t, err, "InvalidSnapshot.NotFound")
		_, err = owner.EC2.ResetSnapshotAttribute(e.ctx, &ec2.ResetSnapshotAttributeInput{SnapshotId: aws.String(snap), Attribute: types.SnapshotAttributeNameProductCodes})
		wantCode(t, err, "UnsupportedOperation")
		_, err = owner.EC2.DescribeSnapshots(e.ctx, &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{"everyone"}})
		wantCode(t, err, "InvalidUserID.Malformed")
		for _, tc := range []struct{ name, code string }{
			{"DescribeSnapshotAttribute", "MissingParameter"}, {"ModifySnapshotAttribute", "MissingParameter"}, {"ResetSnapshotAttribute", "MissingParameter"},
		} {
			if r := e.raw(owner, form(tc.name)); r.Code != tc.code {
				t.Errorf("%s without parameters: %d %s (%s), want %s", tc.name, r.Status, r.Code, r.Message, tc.code)
			}
		}
	})
}

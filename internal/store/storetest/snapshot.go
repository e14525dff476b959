package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/tag"
)

var (
	_ = register("Snapshots", Snapshots)
	_ = register("SnapshotSharing", SnapshotSharing)
	_ = register("ImageSnapshots", ImageSnapshots)
	_ = register("ClientTokens", ClientTokens)
	_ = register("ImportTasks", ImportTasks)
	_ = register("VolumeTags", VolumeTags)
)

// NewSnapshot returns the n-th snapshot fixture of owner, with every field
// set.
func NewSnapshot(n int, owner string) image.Snapshot {
	return image.Snapshot{ID: fmt.Sprintf("snap-%017x", n), Owner: owner, VolumeID: fmt.Sprintf("vol-%017x", n),
		VolumeSizeGiB: int64(8 * n), State: image.SnapshotCompleted, Description: fmt.Sprintf("snapshot %d ünïcode", n),
		Encrypted: n%2 == 0, StartedAt: Epoch.Add(time.Duration(n) * time.Second),
		Lineage: image.Lineage{Known: true, SourceInstanceID: fmt.Sprintf("i-%017x", n), SourceImageID: "ami-0123456789abcdef0",
			ProductCode: image.ProductCode{Code: "code1", Type: image.DevPay}, Platform: image.Windows}}
}

// Snapshots tests the snapshot methods of image.Store and image.Tx.
func Snapshots(t *testing.T, open Opener) {
	const owner, other = "111111111111", "222222222222"
	db := open(t)
	s1, s2, s3 := NewSnapshot(1, owner), NewSnapshot(2, owner), NewSnapshot(3, other)
	s2.Lineage, s2.VolumeID = image.Lineage{Platform: image.Linux}, ""
	NoError(t, updateImages(t, db, func(tx image.Tx) error {
		for _, s := range []image.Snapshot{s2, s1, s3} {
			if err := tx.CreateSnapshot(s); err != nil {
				return err
			}
		}
		return tx.Tag(owner, s1.ID, tag.Snapshot, []tag.Tag{{Key: "Name", Value: "root"}})
	}), "create")
	WantKind(t, updateImages(t, db, func(tx image.Tx) error { return tx.CreateSnapshot(s1) }), fault.Conflict)
	NoError(t, updateImages(t, db, func(tx image.Tx) error {
		got, err := tx.Snapshot(s1.ID)
		Diff(t, "snapshot", s1, got)
		return err
	}), "read")
	WantKind(t, updateImages(t, db, func(tx image.Tx) error { _, err := tx.Snapshot("snap-00000000000000009"); return err }), fault.NotFound)

	f := func(name string, values ...string) []filter.Filter {
		return []filter.Filter{{Name: name, Values: values}}
	}
	for _, tc := range []struct {
		name string
		q    image.SnapshotQuery
		want []image.Snapshot
	}{
		{"Own", image.SnapshotQuery{Caller: owner}, []image.Snapshot{s1, s2}},
		{"Other", image.SnapshotQuery{Caller: other}, []image.Snapshot{s3}},
		{"IDs", image.SnapshotQuery{Caller: owner, IDs: []string{s2.ID, s3.ID}}, []image.Snapshot{s2}},
		{"None", image.SnapshotQuery{Caller: owner, None: true}, nil},
		{"After", image.SnapshotQuery{Caller: owner, After: s1.ID}, []image.Snapshot{s2}},
		{"Limit", image.SnapshotQuery{Caller: owner, Limit: 1}, []image.Snapshot{s1}},
		{"SnapshotID", image.SnapshotQuery{Caller: owner, Filters: f("snapshot-id", s2.ID)}, []image.Snapshot{s2}},
		{"VolumeID", image.SnapshotQuery{Caller: owner, Filters: f("volume-id", "vol-*1")}, []image.Snapshot{s1}},
		{"OwnerID", image.SnapshotQuery{Caller: owner, Filters: f("owner-id", other)}, nil},
		{"Status", image.SnapshotQuery{Caller: owner, Filters: f("status", "completed")}, []image.Snapshot{s1, s2}},
		{"Encrypted", image.SnapshotQuery{Caller: owner, Filters: f("encrypted", "true")}, []image.Snapshot{s2}},
		{"VolumeSize", image.SnapshotQuery{Caller: owner, Filters: f("volume-size", "16")}, []image.Snapshot{s2}},
		{"Description", image.SnapshotQuery{Caller: owner, Filters: f("description", "*ünï*")}, []image.Snapshot{s1, s2}},
		{"Progress", image.SnapshotQuery{Caller: owner, Filters: f("progress", "100%")}, []image.Snapshot{s1, s2}},
		{"Tag", image.SnapshotQuery{Caller: owner, Filters: f("tag:Name", "ro*")}, []image.Snapshot{s1}},
		{"TagKey", image.SnapshotQuery{Caller: owner, Filters: f("tag-key", "Name")}, []image.Snapshot{s1}},
		{"OthersTag", image.SnapshotQuery{Caller: other, Filters: f("tag-key", "Name")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Images().Snapshots(t.Context(), tc.q)
			NoError(t, err, "list")
			Diff(t, "snapshots", tc.want, got)
		})
	}
	t.Run("Delete", func(t *testing.T) {
		NoError(t, updateImages(t, db, func(tx image.Tx) error { return tx.DeleteSnapshot(s1.ID) }), "delete")
		WantKind(t, updateImages(t, db, func(tx image.Tx) error { return tx.DeleteSnapshot(s1.ID) }), fault.NotFound)
		tags, err := db.Tags().OfResources(t.Context(), owner, []string{s1.ID})
		NoError(t, err, "tags")
		Diff(t, "tags of a deleted snapshot", []tag.Tagged(nil), tags)
	})
}

// SnapshotSharing tests snapshots' create-volume permissions and public
// flag, and that a listing shows a caller exactly the snapshots it may
// restore.
func SnapshotSharing(t *testing.T, open Opener) {
	const owner, buyer, other = "111111111111", "222222222222", "333333333333"
	db := open(t)
	mine, shared, public := NewSnapshot(1, owner), NewSnapshot(2, owner), NewSnapshot(3, owner)
	theirs := NewSnapshot(4, other)
	NoError(t, updateImages(t, db, func(tx image.Tx) error {
		for _, s := range []image.Snapshot{mine, shared, public, theirs} {
			if err := tx.CreateSnapshot(s); err != nil {
				return err
			}
		}
		if err := tx.AddSnapshotPermissions(shared.ID, []string{buyer, other}); err != nil {
			return err
		}
		if err := tx.AddSnapshotPermissions(shared.ID, []string{buyer}); err != nil { // again: left alone
			return err
		}
		if err := tx.AddSnapshotPermissions(theirs.ID, []string{owner}); err != nil {
			return err
		}
		return tx.SetSnapshotPublic(public.ID, true)
	}), "share")
	public.Public = true
	WantKind(t, updateImages(t, db, func(tx image.Tx) error { return tx.SetSnapshotPublic("snap-00000000000000009", true) }), fault.NotFound)

	perms, err := db.Images().SnapshotPermissions(t.Context(), shared.ID)
	NoError(t, err, "permissions")
	Diff(t, "permissions", []string{buyer, other}, perms)
	NoError(t, updateImages(t, db, func(tx image.Tx) error {
		for _, tc := range []struct {
			id, account string
			want        bool
		}{{shared.ID, buyer, true}, {shared.ID, owner, false}, {mine.ID, buyer, false}, {public.ID, buyer, false}} {
			got, err := tx.SnapshotPermitted(tc.id, tc.account)
			if err != nil {
				return err
			}
			Diff(t, "permitted "+tc.id+" "+tc.account, tc.want, got)
		}
		got, err := tx.Snapshot(public.ID)
		Diff(t, "public snapshot", public, got)
		return err
	}), "permitted")

	for _, tc := range []struct {
		name string
		q    image.SnapshotQuery
		want []image.Snapshot
	}{
		{"Owner", image.SnapshotQuery{Caller: owner}, []image.Snapshot{mine, shared, public, theirs}},
		{"Buyer", image.SnapshotQuery{Caller: buyer}, []image.Snapshot{shared, public}},
		{"Stranger", image.SnapshotQuery{Caller: "444444444444"}, []image.Snapshot{public}},
		{"BuyerIDs", image.SnapshotQuery{Caller: buyer, IDs: []string{mine.ID, shared.ID}}, []image.Snapshot{shared}},
		{"OwnersSelf", image.SnapshotQuery{Caller: owner, Owners: []string{owner}}, []image.Snapshot{mine, shared, public}},
		{"OwnersOther", image.SnapshotQuery{Caller: buyer, Owners: []string{owner}}, []image.Snapshot{shared, public}},
		{"OwnersAlias", image.SnapshotQuery{Caller: owner, Owners: []string{"amazon"}}, nil},
		{"RestorableBySelf", image.SnapshotQuery{Caller: buyer, Restorable: true, RestorableBy: []string{buyer}}, []image.Snapshot{shared}},
		{"RestorableByOwnerSelf", image.SnapshotQuery{Caller: owner, Restorable: true, RestorableBy: []string{owner}}, []image.Snapshot{mine, shared, public, theirs}},
		{"RestorableByAll", image.SnapshotQuery{Caller: buyer, Restorable: true, AnyPublic: true}, []image.Snapshot{public}},
		{"RestorableByGrantee", image.SnapshotQuery{Caller: owner, Restorable: true, RestorableBy: []string{other}}, []image.Snapshot{shared}},
		{"RestorableByNotOwn", image.SnapshotQuery{Caller: buyer, Restorable: true, RestorableBy: []string{other}}, nil},
		{"RestorableByNobody", image.SnapshotQuery{Caller: owner, Restorable: true}, nil},
		{"BuyerOwnerIDFilter", image.SnapshotQuery{Caller: buyer, Filters: []filter.Filter{{Name: "owner-id", Values: []string{owner}}}}, []image.Snapshot{shared, public}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Images().Snapshots(t.Context(), tc.q)
			NoError(t, err, "list")
			Diff(t, "snapshots", tc.want, got)
		})
	}

	t.Run("RemoveAndReset", func(t *testing.T) {
		NoError(t, updateImages(t, db, func(tx image.Tx) error {
			if err := tx.RemoveSnapshotPermissions(shared.ID, []string{other, "444444444444"}); err != nil {
				return err
			}
			return tx.SetSnapshotPublic(public.ID, false)
		}), "remove")
		perms, err := db.Images().SnapshotPermissions(t.Context(), shared.ID)
		NoError(t, err, "permissions")
		Diff(t, "permissions after removing", []string{buyer}, perms)
		got, err := db.Images().Snapshots(t.Context(), image.SnapshotQuery{Caller: buyer})
		NoError(t, err, "list")
		Diff(t, "buyer's listing", []image.Snapshot{shared}, got)
		NoError(t, updateImages(t, db, func(tx image.Tx) error { return tx.ResetSnapshotPermissions(shared.ID) }), "reset")
		perms, err = db.Images().SnapshotPermissions(t.Context(), shared.ID)
		NoError(t, err, "permissions")
		Diff(t, "permissions after reset", []string(nil), perms)
	})
	t.Run("Delete", func(t *testing.T) {
		NoError(t, updateImages(t, db, func(tx image.Tx) error { return tx.DeleteSnapshot(theirs.ID) }), "delete")
		NoError(t, updateImages(t, db, func(tx image.Tx) error { return tx.CreateSnapshot(theirs) }), "recreate")
		perms, err := db.Images().SnapshotPermissions(t.Context(), theirs.ID)
		NoError(t, err, "permissions")
		Diff(t, "permissions of a deleted and remade snapshot", []string(nil), perms)
	})
}

// ImageSnapshots tests that images record the snapshots they are made
// from, until they are deleted.
func ImageSnapshots(t *testing.T, open Opener) {
	const owner = "111111111111"
	db := open(t)
	a, b := NewImage(1, owner), NewImage(2, owner)
	PutImage(t, db, a)
	PutImage(t, db, b)
	users := func() []string {
		var out []string
		NoError(t, updateImages(t, db, func(tx image.Tx) (err error) {
			out, err = tx.SnapshotUsers("snap-0123456789abcdef0")
			return err
		}), "users")
		return out
	}
	Diff(t, "users", []string{a.ID, b.ID}, users())
	NoError(t, updateImages(t, db, func(tx image.Tx) error { return tx.DeleteImage(a.ID) }), "delete")
	Diff(t, "users after deregistering", []string{b.ID}, users())
	NoError(t, updateImages(t, db, func(tx image.Tx) (err error) {
		got, err := tx.SnapshotUsers("snap-00000000000000009")
		Diff(t, "users of another", []string(nil), got)
		return err
	}), "users of another")
}

// ClientTokens tests that a client token records what its call made, per
// account and operation.
func ClientTokens(t *testing.T, open Opener) {
	const owner, other = "111111111111", "222222222222"
	db := open(t)
	NoError(t, updateImages(t, db, func(tx image.Tx) error {
		return tx.PutClientToken(owner, "CopyImage", "tok", "ami-1", "request")
	}), "put")
	WantKind(t, updateImages(t, db, func(tx image.Tx) error {
		return tx.PutClientToken(owner, "CopyImage", "tok", "ami-2", "again")
	}), fault.Conflict)
	NoError(t, updateImages(t, db, func(tx image.Tx) error {
		id, req, err := tx.ClientToken(owner, "CopyImage", "tok")
		Diff(t, "recorded", []string{"ami-1", "request"}, []string{id, req})
		return err
	}), "read")
	for _, k := range [][3]string{{other, "CopyImage", "tok"}, {owner, "ImportImage", "tok"}, {owner, "CopyImage", "tok2"}} {
		WantKind(t, updateImages(t, db, func(tx image.Tx) error { _, _, err := tx.ClientToken(k[0], k[1], k[2]); return err }), fault.NotFound)
	}
}

// ImportTasks tests import tasks' storage and listing.
func ImportTasks(t *testing.T, open Opener) {
	const owner, other = "111111111111", "222222222222"
	db := open(t)
	task := func(n int, owner string) image.ImportTask {
		return image.ImportTask{ID: fmt.Sprintf("import-ami-%017x", n), Owner: owner, Status: image.TaskCompleted,
			ImageID: fmt.Sprintf("ami-%017x", n), Description: "imported ünïcode", Architecture: "x86_64", Platform: image.Windows,
			LicenseType: "BYOL", BootMode: "uefi", Encrypted: true, CreatedAt: Epoch,
			Disks: []image.ImportDisk{{Description: "d", DeviceName: "/dev/xvda", Format: "VMDK", SnapshotID: "snap-1", URL: "https://x/y",
				SizeGiB: 8}, {S3Bucket: "b", S3Key: "k", SnapshotID: "snap-2"}}}
	}
	t1, t2, t3 := task(1, owner), task(2, owner), task(3, other)
	t2.Disks, t2.Platform = nil, image.Linux
	NoError(t, updateImages(t, db, func(tx image.Tx) error {
		for _, k := range []image.ImportTask{t2, t1, t3} {
			if err := tx.CreateImportTask(k); err != nil {
				return err
			}
		}
		return tx.Tag(owner, t2.ID, tag.ImportImageTask, []tag.Tag{{Key: "k", Value: "v"}})
	}), "create")
	for _, tc := range []struct {
		name string
		q    image.ImportTaskQuery
		want []image.ImportTask
	}{
		{"Own", image.ImportTaskQuery{Owner: owner}, []image.ImportTask{t1, t2}},
		{"IDs", image.ImportTaskQuery{Owner: owner, IDs: []string{t2.ID, t3.ID}}, []image.ImportTask{t2}},
		{"Page", image.ImportTaskQuery{Owner: owner, After: t1.ID, Limit: 5}, []image.ImportTask{t2}},
		{"State", image.ImportTaskQuery{Owner: owner, Filters: []filter.Filter{{Name: "task-state", Values: []string{"active"}}}}, nil},
		{"Tag", image.ImportTaskQuery{Owner: owner, Filters: []filter.Filter{{Name: "tag:k", Values: []string{"v"}}}}, []image.ImportTask{t2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Images().ImportTasks(t.Context(), tc.q)
			NoError(t, err, "list")
			Diff(t, "tasks", tc.want, got)
		})
	}
	t.Run("ReadAndPut", func(t *testing.T) {
		NoError(t, updateImages(t, db, func(tx image.Tx) error {
			got, err := tx.ImportTask(t1.ID)
			Diff(t, "task", t1, got)
			return err
		}), "read")
		WantKind(t, updateImages(t, db, func(tx image.Tx) error { _, err := tx.ImportTask("import-ami-00000000000000009"); return err }), fault.NotFound)
		cancelled := t1
		cancelled.Status, cancelled.StatusMessage, cancelled.ImageID = image.TaskDeleted, "no longer needed ünïcode", ""
		NoError(t, updateImages(t, db, func(tx image.Tx) error { return tx.PutImportTask(cancelled) }), "put")
		got, err := db.Images().ImportTasks(t.Context(), image.ImportTaskQuery{Owner: owner,
			Filters: []filter.Filter{{Name: "task-state", Values: []string{"deleted"}}}})
		NoError(t, err, "list")
		Diff(t, "deleted tasks", []image.ImportTask{cancelled}, got)
		missing := t1
		missing.ID = "import-ami-00000000000000009"
		WantKind(t, updateImages(t, db, func(tx image.Tx) error { return tx.PutImportTask(missing) }), fault.NotFound)
	})
}

// VolumeTags tests the instance store's reading of tags on volumes.
func VolumeTags(t *testing.T, open Opener) {
	const owner, other = "111111111111", "222222222222"
	db := open(t)
	NoError(t, db.Tags().Update(t.Context(), func(tx tag.Tx) error {
		if err := tx.Put(owner, "vol-1", tag.Volume, []tag.Tag{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}}); err != nil {
			return err
		}
		return tx.Put(other, "vol-2", tag.Volume, []tag.Tag{{Key: "c", Value: "3"}})
	}), "put")
	got, err := db.Instances().Tags(t.Context(), owner, []string{"vol-1", "vol-2"})
	NoError(t, err, "read")
	Diff(t, "tags", map[string][]tag.Tag{"vol-1": {{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}}, got)
	var _ compute.Store = db.Instances()
}

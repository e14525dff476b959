package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/tag"
)

var _ = register("InstanceVolumes", InstanceVolumes)

// InstanceVolumes tests compute.Store's Volumes: an owner's volumes in ID
// order, those of terminated instances only if kept, with the filters the
// store applies, and kept in step with their instances' writes.
func InstanceVolumes(t *testing.T, open Opener) {
	const owner, other = "111111111111", "222222222222"
	db := open(t)
	// Volume IDs in another order than the instances'.
	a, b, gone, kept := NewInstance(1, owner, "r-1"), NewInstance(2, owner, "r-1"), NewInstance(3, owner, "r-2"), NewInstance(4, owner, "r-2")
	a.Volumes[0].VolumeID, b.Volumes[0].VolumeID, kept.Volumes[0].VolumeID = "vol-0000000000000000c", "vol-0000000000000000a", "vol-0000000000000000d"
	data := a.Volumes[0]
	data.DeviceName, data.VolumeID, data.DeleteOnTermination = "/dev/sdf", "vol-0000000000000000b", false
	a.Volumes = append(a.Volumes, data)
	b.Zone = "us-east-1b"
	gone.State, gone.TerminatedAt = compute.Terminated, Epoch.Add(time.Hour)
	kept.State, kept.TerminatedAt, kept.Volumes[0].DeleteOnTermination = compute.Terminated, Epoch.Add(time.Hour), false
	theirs := NewInstance(5, other, "r-3")
	for _, in := range []compute.Instance{a, b, gone, kept, theirs} {
		PutInstance(t, db, in)
	}
	NoError(t, updateInstances(t, db, func(tx compute.Tx) error {
		return tx.PutTags(owner, data.VolumeID, tag.Volume, []tag.Tag{{Key: "role", Value: "data"}})
	}), "tag")
	vol := func(in compute.Instance, i int) compute.InstanceVolume {
		return compute.InstanceVolume{Volume: in.Volumes[i], Instance: in}
	}
	va, vb, vdata, vkept := vol(a, 0), vol(b, 0), vol(a, 1), vol(kept, 0)
	f := func(name string, values ...string) []filter.Filter {
		return []filter.Filter{{Name: name, Values: values}}
	}
	for _, tc := range []struct {
		name string
		q    compute.VolumeQuery
		want []compute.InstanceVolume
	}{
		{"Owner", compute.VolumeQuery{Owner: owner}, []compute.InstanceVolume{vb, vdata, va, vkept}},
		{"Other", compute.VolumeQuery{Owner: other}, []compute.InstanceVolume{vol(theirs, 0)}},
		{"IDs", compute.VolumeQuery{Owner: owner, IDs: []string{va.Volume.VolumeID, vol(gone, 0).Volume.VolumeID, vol(theirs, 0).Volume.VolumeID}},
			[]compute.InstanceVolume{va}},
		{"After", compute.VolumeQuery{Owner: owner, After: vdata.Volume.VolumeID}, []compute.InstanceVolume{va, vkept}},
		{"Limit", compute.VolumeQuery{Owner: owner, After: vb.Volume.VolumeID, Limit: 2}, []compute.InstanceVolume{vdata, va}},
		{"VolumeID", compute.VolumeQuery{Owner: owner, Filters: f("volume-id", "vol-0000000000000000a", "vol-*c")}, []compute.InstanceVolume{vb, va}},
		{"Zone", compute.VolumeQuery{Owner: owner, Filters: f("availability-zone", "us-east-1b")}, []compute.InstanceVolume{vb}},
		{"InUse", compute.VolumeQuery{Owner: owner, Filters: f("status", "in-use")}, []compute.InstanceVolume{vb, vdata, va}},
		{"Available", compute.VolumeQuery{Owner: owner, Filters: f("status", "avail*")}, []compute.InstanceVolume{vkept}},
		{"AnyStatus", compute.VolumeQuery{Owner: owner, Filters: f("status", "in-use", "available")}, []compute.InstanceVolume{vb, vdata, va, vkept}},
		{"NoStatus", compute.VolumeQuery{Owner: owner, Filters: f("status", "creating")}, nil},
		{"Attached", compute.VolumeQuery{Owner: owner, Filters: f("attachment.instance-id", a.ID, kept.ID)}, []compute.InstanceVolume{vdata, va}},
		{"Tag", compute.VolumeQuery{Owner: owner, Filters: f("tag:role", "data")}, []compute.InstanceVolume{vdata}},
		{"TagValue", compute.VolumeQuery{Owner: owner, Filters: f("tag-value", "d*")}, []compute.InstanceVolume{vdata}},
		{"TagOtherAccount", compute.VolumeQuery{Owner: other, Filters: f("tag-key", "role")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Instances().Volumes(t.Context(), tc.q)
			NoError(t, err, "volumes")
			Diff(t, "volumes", tc.want, got, cmpopts.EquateEmpty())
		})
	}
	t.Run("EveryStoredFilter", func(t *testing.T) {
		// The store applies every filter compute says it does, and no other.
		for _, name := range append([]string{"tag:role"}, compute.VolumeFilterNames...) {
			_, err := db.Instances().Volumes(t.Context(), compute.VolumeQuery{Owner: owner, Filters: f(name, "x")})
			if compute.StoredVolumeFilter(name) {
				NoError(t, err, "filter "+name)
			} else {
				WantKind(t, err, fault.Internal)
			}
		}
	})
	t.Run("Put", func(t *testing.T) {
		// Terminated: the volume deleted with it goes, the other stays,
		// detached.
		a.State, a.TerminatedAt = compute.Terminated, Epoch.Add(2*time.Hour)
		NoError(t, updateInstances(t, db, func(tx compute.Tx) error { return tx.PutInstance(a) }), "terminate")
		got, err := db.Instances().Volumes(t.Context(), compute.VolumeQuery{Owner: owner})
		NoError(t, err, "volumes after termination")
		Diff(t, "volumes after termination", []compute.InstanceVolume{vb, vol(a, 1), vkept}, got, cmpopts.EquateEmpty())
		b.Volumes = nil
		NoError(t, updateInstances(t, db, func(tx compute.Tx) error { return tx.PutInstance(b) }), "put without volumes")
		got, err = db.Instances().Volumes(t.Context(), compute.VolumeQuery{Owner: owner})
		NoError(t, err, "volumes after put")
		Diff(t, "volumes after put", []compute.InstanceVolume{vol(a, 1), vkept}, got, cmpopts.EquateEmpty())
	})
}

package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/tag"
)

var (
	_ = register("Instances", Instances)
	_ = register("InstanceList", InstanceList)
	_ = register("InstanceIntervals", InstanceIntervals)
	_ = register("InstanceAssociations", InstanceAssociations)
)

// NewInstance returns the n-th instance fixture of owner in reservation r,
// with every field set.
func NewInstance(n int, owner, r string) compute.Instance {
	at := Epoch.Add(time.Duration(n) * time.Second)
	return compute.Instance{
		ID: fmt.Sprintf("i-%017x", n), Owner: owner, ReservationID: r, LaunchIndex: n % 3, ImageID: "ami-0123456789abcdef0",
		InstanceType: "m5.large", State: compute.Running, StateReason: "Client.UserInitiatedShutdown: User initiated shutdown",
		ProductCode: image.ProductCode{Code: "code", Type: image.Marketplace}, Platform: image.Windows, Architecture: "x86_64",
		LaunchedAt: at, CreatedAt: at, ClientToken: fmt.Sprintf("token-%d", n), LaunchRequest: "ami|m5.large|1|1|",
		Zone: "us-east-1a", PrivateIP: fmt.Sprintf("10.0.0.%d", n), KeyName: "key ünïcode", RootDeviceName: "/dev/xvda",
		RootDeviceType: image.EBS, VirtualizationType: "hvm",
		Metadata: compute.MetadataOptions{HTTPTokens: compute.HTTPTokensRequired, HTTPEndpoint: compute.HTTPEndpointDisabled},
		Volumes: []compute.Volume{{DeviceName: "/dev/xvda", VolumeID: fmt.Sprintf("vol-%017x", n), SnapshotID: "snap-0123456789abcdef0",
			SizeGiB: 8, VolumeType: "gp3", AttachedAt: at, DeleteOnTermination: true}},
		Profile:     compute.InstanceProfile{ARN: "arn:aws:iam::" + owner + ":instance-profile/app/seller-app"},
		Association: compute.ProfileAssociation{ID: fmt.Sprintf("iip-assoc-%017x", n), At: at.Add(time.Minute)},
	}
}

func updateInstances(t testing.TB, db *store.DB, fn func(tx compute.Tx) error) error {
	t.Helper()
	return db.Instances().Update(t.Context(), fn)
}

// PutInstance stores an instance fixture, failing the test if it cannot.
func PutInstance(t testing.TB, db *store.DB, in compute.Instance) {
	t.Helper()
	NoError(t, updateInstances(t, db, func(tx compute.Tx) error { return tx.CreateInstance(in) }), "create instance "+in.ID)
}

// Instances tests compute.Store's transaction and reads of one instance.
func Instances(t *testing.T, open Opener) {
	const owner = "111111111111"
	t.Run("CreateRead", func(t *testing.T) {
		db := open(t)
		in := NewInstance(1, owner, "r-00000000000000001")
		in.TerminatedAt = Epoch.Add(time.Hour)
		bare := compute.Instance{ID: "i-00000000000000002", Owner: owner, ReservationID: "r-1", State: compute.Pending,
			LaunchedAt: Epoch, CreatedAt: Epoch}
		for _, want := range []compute.Instance{in, bare} {
			PutInstance(t, db, want)
			got, err := db.Instances().Get(t.Context(), want.ID)
			NoError(t, err, "read "+want.ID)
			Diff(t, "instance", want, got, cmpopts.EquateEmpty())
			NoError(t, updateInstances(t, db, func(tx compute.Tx) error {
				got, err := tx.Instance(want.ID)
				Diff(t, "instance in a transaction", want, got, cmpopts.EquateEmpty())
				return err
			}), "read in a transaction")
		}
		WantKind(t, updateInstances(t, db, func(tx compute.Tx) error { return tx.CreateInstance(in) }), fault.Conflict)
		_, err := db.Instances().Get(t.Context(), "i-00000000000000009")
		WantKind(t, err, fault.NotFound)
	})
	t.Run("Put", func(t *testing.T) {
		db := open(t)
		in := NewInstance(1, owner, "r-1")
		PutInstance(t, db, in)
		in.State, in.TerminatedAt, in.Volumes = compute.Terminated, Epoch.Add(time.Minute), nil
		NoError(t, updateInstances(t, db, func(tx compute.Tx) error { return tx.PutInstance(in) }), "put")
		got, err := db.Instances().Get(t.Context(), in.ID)
		NoError(t, err, "read")
		Diff(t, "instance", in, got)
		missing := NewInstance(2, owner, "r-1")
		WantKind(t, updateInstances(t, db, func(tx compute.Tx) error { return tx.PutInstance(missing) }), fault.NotFound)
	})
	t.Run("Launched", func(t *testing.T) {
		db := open(t)
		a, b, other := NewInstance(1, owner, "r-1"), NewInstance(2, owner, "r-1"), NewInstance(3, "222222222222", "r-2")
		a.ClientToken, b.ClientToken, other.ClientToken = "t", "t", "t"
		a.LaunchIndex, b.LaunchIndex = 0, 1
		for _, in := range []compute.Instance{b, a, other} {
			PutInstance(t, db, in)
		}
		NoError(t, updateInstances(t, db, func(tx compute.Tx) error {
			got, err := tx.Launched(owner, "t")
			Diff(t, "launched", []compute.Instance{a, b}, got)
			if err != nil {
				return err
			}
			got, err = tx.Launched(owner, "other")
			Diff(t, "launched with another token", []compute.Instance(nil), got)
			return err
		}), "launched")
	})
}

// InstanceList tests compute.Store's List.
func InstanceList(t *testing.T, open Opener) {
	const owner, other = "111111111111", "222222222222"
	db := open(t)
	a := NewInstance(1, owner, "r-00000000000000002")
	b := NewInstance(2, owner, "r-00000000000000001")
	b.State, b.InstanceType, b.ProductCode, b.Profile = compute.Stopped, "t3.micro", image.ProductCode{}, compute.InstanceProfile{}
	b.Association = compute.ProfileAssociation{}
	c := NewInstance(3, owner, "r-00000000000000001")
	c.State, c.TerminatedAt = compute.Terminated, Epoch.Add(time.Hour)
	theirs := NewInstance(4, other, "r-00000000000000003")
	for _, in := range []compute.Instance{a, b, c, theirs} {
		PutInstance(t, db, in)
	}
	NoError(t, updateInstances(t, db, func(tx compute.Tx) error {
		return tx.PutTags(owner, a.ID, tag.Instance, []tag.Tag{{Key: "Name", Value: "web"}})
	}), "tag")
	f := func(name string, values ...string) []filter.Filter {
		return []filter.Filter{{Name: name, Values: values}}
	}
	for _, tc := range []struct {
		name string
		q    compute.Query
		want []compute.Instance
	}{
		{"Owner", compute.Query{Owner: owner}, []compute.Instance{b, c, a}},
		{"Other", compute.Query{Owner: other}, []compute.Instance{theirs}},
		{"IDs", compute.Query{Owner: owner, IDs: []string{a.ID, theirs.ID}}, []compute.Instance{a}},
		{"TerminatedSince", compute.Query{Owner: owner, TerminatedSince: Epoch.Add(time.Hour)}, []compute.Instance{b, c, a}},
		{"TerminatedLongAgo", compute.Query{Owner: owner, TerminatedSince: Epoch.Add(time.Hour + 1)}, []compute.Instance{b, a}},
		{"After", compute.Query{Owner: owner, AfterReservation: b.ReservationID, AfterID: b.ID}, []compute.Instance{c, a}},
		{"Limit", compute.Query{Owner: owner, Limit: 1}, []compute.Instance{b}},
		{"State", compute.Query{Owner: owner, Filters: f("instance-state-name", "running", "stopped")}, []compute.Instance{b, a}},
		{"StateCode", compute.Query{Owner: owner, Filters: f("instance-state-code", "48")}, []compute.Instance{c}},
		{"StateCodeWildcard", compute.Query{Owner: owner, Filters: f("instance-state-code", "1*")}, []compute.Instance{a}},
		{"Type", compute.Query{Owner: owner, Filters: f("instance-type", "m5.*")}, []compute.Instance{c, a}},
		{"ProductCode", compute.Query{Owner: owner, Filters: f("product-code", "code")}, []compute.Instance{c, a}},
		{"ProductCodeType", compute.Query{Owner: owner, Filters: f("product-code.type", "marketplace")}, []compute.Instance{c, a}},
		{"Image", compute.Query{Owner: owner, Filters: f("image-id", "ami-0123456789abcdef0")}, []compute.Instance{b, c, a}},
		{"Reservation", compute.Query{Owner: owner, Filters: f("reservation-id", "r-00000000000000001")}, []compute.Instance{b, c}},
		{"LaunchIndex", compute.Query{Owner: owner, Filters: f("launch-index", "1", "2")}, []compute.Instance{b, a}},
		{"ClientToken", compute.Query{Owner: owner, Filters: f("client-token", "token-3")}, []compute.Instance{c}},
		{"PrivateIP", compute.Query{Owner: owner, Filters: f("private-ip-address", "10.0.0.2")}, []compute.Instance{b}},
		{"KeyName", compute.Query{Owner: owner, Filters: f("key-name", "key ü*")}, []compute.Instance{b, c, a}},
		{"Zone", compute.Query{Owner: owner, Filters: f("availability-zone", "us-east-1b")}, nil},
		{"Platform", compute.Query{Owner: owner, Filters: f("platform", "windows")}, []compute.Instance{b, c, a}},
		{"Architecture", compute.Query{Owner: owner, Filters: f("architecture", "arm64")}, nil},
		{"RootDevice", compute.Query{Owner: owner, Filters: f("root-device-type", "ebs")}, []compute.Instance{b, c, a}},
		{"Tag", compute.Query{Owner: owner, Filters: f("tag:Name", "web")}, []compute.Instance{a}},
		{"Profile", compute.Query{Owner: owner, Filters: f("iam-instance-profile.arn", "*:instance-profile/app/*")}, []compute.Instance{c, a}},
		{"TagOtherAccount", compute.Query{Owner: other, Filters: f("tag-key", "Name")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Instances().List(t.Context(), tc.q)
			NoError(t, err, "list")
			Diff(t, "instances", tc.want, got, cmpopts.EquateEmpty())
		})
	}
}

// InstanceIntervals tests the running intervals: opening, closing, and
// reading those that overlap a period.
func InstanceIntervals(t *testing.T, open Opener) {
	const owner, other = "111111111111", "222222222222"
	db := open(t)
	a, b := NewInstance(1, owner, "r-1"), NewInstance(2, owner, "r-1")
	theirs := NewInstance(3, other, "r-2")
	for _, in := range []compute.Instance{a, b, theirs} {
		PutInstance(t, db, in)
	}
	at := func(minutes int) time.Time { return Epoch.Add(time.Duration(minutes) * time.Minute) }
	iv := func(in compute.Instance, from, to int) compute.Interval {
		out := compute.Interval{InstanceID: in.ID, Account: in.Owner, InstanceType: in.InstanceType, ProductCode: in.ProductCode, Start: at(from)}
		if to >= 0 {
			out.End = at(to)
		}
		return out
	}
	step := func(fn func(tx compute.Tx) error) { NoError(t, updateInstances(t, db, fn), "interval step") }
	step(func(tx compute.Tx) error { return tx.OpenInterval(iv(a, 0, -1)) })
	step(func(tx compute.Tx) error { return tx.OpenInterval(iv(b, 10, -1)) })
	step(func(tx compute.Tx) error { return tx.OpenInterval(iv(theirs, 0, -1)) })
	step(func(tx compute.Tx) error { return tx.CloseInterval(a.ID, at(60)) })
	// A stop and a start at the same instant, as a frozen simulated clock
	// allows: a zero-length interval, kept.
	step(func(tx compute.Tx) error { return tx.OpenInterval(iv(a, 60, -1)) })
	step(func(tx compute.Tx) error { return tx.CloseInterval(a.ID, at(60)) })
	step(func(tx compute.Tx) error { return tx.OpenInterval(iv(a, 90, -1)) })
	WantKind(t, updateInstances(t, db, func(tx compute.Tx) error {
		if err := tx.CloseInterval(b.ID, at(100)); err != nil {
			return err
		}
		return tx.CloseInterval(b.ID, at(110)) // none open any more
	}), fault.NotFound)
	for _, tc := range []struct {
		name     string
		from, to int
		want     []compute.Interval
	}{
		{"All", -1000, 1000, []compute.Interval{iv(a, 0, 60), iv(b, 10, -1), iv(a, 60, 60), iv(a, 90, -1)}},
		{"FirstHour", 0, 60, []compute.Interval{iv(a, 0, 60), iv(b, 10, -1)}},
		{"ZeroLength", 60, 61, []compute.Interval{iv(b, 10, -1), iv(a, 60, 60)}},
		{"Later", 61, 1000, []compute.Interval{iv(b, 10, -1), iv(a, 90, -1)}},
		{"Before", -10, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Instances().Intervals(t.Context(), owner, at(tc.from), at(tc.to))
			NoError(t, err, "intervals")
			Diff(t, "intervals", tc.want, got, cmpopts.EquateEmpty())
		})
	}
}

// InstanceAssociations tests the profile associations: an instance found
// by its association in a transaction, and the listing of an owner's
// associations (Associations), which leaves out instances without one and
// terminated ones.
func InstanceAssociations(t *testing.T, open Opener) {
	const owner, other = "111111111111", "222222222222"
	db := open(t)
	// Association IDs in another order than the instances'.
	a, b, c := NewInstance(1, owner, "r-1"), NewInstance(2, owner, "r-1"), NewInstance(3, owner, "r-2")
	a.Association.ID, b.Association.ID, c.Association.ID = "iip-assoc-0000000000000000c", "iip-assoc-0000000000000000a", "iip-assoc-0000000000000000b"
	none := NewInstance(4, owner, "r-2")
	none.Profile, none.Association = compute.InstanceProfile{}, compute.ProfileAssociation{}
	gone := NewInstance(5, owner, "r-2")
	gone.State, gone.TerminatedAt = compute.Terminated, Epoch.Add(time.Hour)
	theirs := NewInstance(6, other, "r-3")
	stopped := b
	stopped.State = compute.Stopped
	for _, in := range []compute.Instance{a, stopped, c, none, gone, theirs} {
		PutInstance(t, db, in)
	}
	b = stopped
	t.Run("ByAssociation", func(t *testing.T) {
		NoError(t, updateInstances(t, db, func(tx compute.Tx) error {
			got, err := tx.InstanceByAssociation(a.Association.ID)
			Diff(t, "instance", a, got, cmpopts.EquateEmpty())
			if err != nil {
				return err
			}
			got, err = tx.InstanceByAssociation(gone.Association.ID)
			Diff(t, "terminated instance", gone, got, cmpopts.EquateEmpty())
			return err
		}), "by association")
		for _, id := range []string{"iip-assoc-00000000000000099", ""} {
			WantKind(t, updateInstances(t, db, func(tx compute.Tx) error {
				_, err := tx.InstanceByAssociation(id)
				return err
			}), fault.NotFound)
		}
	})
	t.Run("Changed", func(t *testing.T) {
		db := open(t)
		in := NewInstance(1, owner, "r-1")
		PutInstance(t, db, in)
		old := in.Association.ID
		in.Profile.ARN = "arn:aws:iam::" + owner + ":instance-profile/other"
		in.Association = compute.ProfileAssociation{ID: "iip-assoc-000000000000000ff", At: Epoch.Add(time.Hour)}
		NoError(t, updateInstances(t, db, func(tx compute.Tx) error { return tx.PutInstance(in) }), "replace")
		got, err := db.Instances().Get(t.Context(), in.ID)
		NoError(t, err, "read")
		Diff(t, "replaced", in, got)
		WantKind(t, updateInstances(t, db, func(tx compute.Tx) error {
			_, err := tx.InstanceByAssociation(old)
			return err
		}), fault.NotFound)
		in.Profile, in.Association = compute.InstanceProfile{}, compute.ProfileAssociation{}
		NoError(t, updateInstances(t, db, func(tx compute.Tx) error { return tx.PutInstance(in) }), "disassociate")
		got, err = db.Instances().Get(t.Context(), in.ID)
		NoError(t, err, "read")
		Diff(t, "disassociated", in, got)
		// Two instances cannot hold one association.
		dup := NewInstance(2, owner, "r-1")
		dup.Association.ID = "iip-assoc-000000000000000ff"
		in.Association, in.Profile = dup.Association, dup.Profile
		NoError(t, updateInstances(t, db, func(tx compute.Tx) error { return tx.PutInstance(in) }), "associate")
		WantKind(t, updateInstances(t, db, func(tx compute.Tx) error { return tx.CreateInstance(dup) }), fault.Conflict)
	})
	for _, tc := range []struct {
		name string
		q    compute.AssociationQuery
		want []compute.Instance
	}{
		{"Owner", compute.AssociationQuery{Owner: owner}, []compute.Instance{b, c, a}},
		{"Other", compute.AssociationQuery{Owner: other}, []compute.Instance{theirs}},
		{"IDs", compute.AssociationQuery{Owner: owner, IDs: []string{a.Association.ID, gone.Association.ID, theirs.Association.ID}}, []compute.Instance{a}},
		{"Instance", compute.AssociationQuery{Owner: owner, InstanceIDs: [][]string{{c.ID, none.ID}}}, []compute.Instance{c}},
		{"InstanceWildcard", compute.AssociationQuery{Owner: owner, InstanceIDs: [][]string{{"i-*1", "i-*2"}}}, []compute.Instance{b, a}},
		{"InstanceFilters", compute.AssociationQuery{Owner: owner, InstanceIDs: [][]string{{"i-*1", "i-*2"}, {"*2"}}}, []compute.Instance{b}},
		{"After", compute.AssociationQuery{Owner: owner, AfterID: b.Association.ID}, []compute.Instance{c, a}},
		{"Limit", compute.AssociationQuery{Owner: owner, Limit: 2}, []compute.Instance{b, c}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Instances().Associations(t.Context(), tc.q)
			NoError(t, err, "associations")
			Diff(t, "instances", tc.want, got, cmpopts.EquateEmpty())
		})
	}
}

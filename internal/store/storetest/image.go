package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/tag"
)

var (
	_ = register("Images", Images)
	_ = register("ImageList", ImageList)
	_ = register("Tags", Tags)
)

// NewImage returns the n-th image fixture of owner, with every field set.
func NewImage(n int, owner string) image.Image {
	return image.Image{
		ID: fmt.Sprintf("ami-%017x", n), Owner: owner, Name: fmt.Sprintf("image %d ünïcode", n), Description: "Line one.\nLine two.",
		Architecture: "x86_64", State: image.Available, RootDeviceName: "/dev/xvda", RootDeviceType: image.EBS,
		VirtualizationType: "hvm", KernelID: "aki-1", RamdiskID: "ari-1", EnaSupport: true, SriovNetSupport: "simple",
		BootMode: "uefi", TpmSupport: "v2.0", ImdsSupport: "v2.0", SourceInstanceID: "i-0123456789abcdef0", SourceImageID: "ami-0123456789abcdef0",
		BlockDevices: []image.BlockDevice{
			{DeviceName: "/dev/xvda", Ebs: &image.EbsDevice{SnapshotID: "snap-0123456789abcdef0", VolumeSize: 8, VolumeType: "gp3",
				Iops: 3000, Throughput: 125, DeleteOnTermination: true, Encrypted: true, KmsKeyID: "k"}},
			{DeviceName: "/dev/sdb", VirtualName: "ephemeral0"},
			{DeviceName: "/dev/sdc", NoDevice: true},
		},
		CreatedAt: Epoch.Add(time.Duration(n) * time.Second),
	}
}

// PutImage stores an image fixture, failing the test if it cannot.
func PutImage(t testing.TB, db *store.DB, img image.Image) {
	t.Helper()
	NoError(t, db.Images().Update(t.Context(), func(tx image.Tx) error { return tx.CreateImage(img) }), "create image "+img.ID)
}

func updateImages(t testing.TB, db *store.DB, fn func(tx image.Tx) error) error {
	t.Helper()
	return db.Images().Update(t.Context(), fn)
}

// Images tests image.Store's transaction and reads of one image.
func Images(t *testing.T, open Opener) {
	const owner, friend, stranger = "111111111111", "222222222222", "333333333333"
	t.Run("CreateRead", func(t *testing.T) {
		db := open(t)
		img := NewImage(1, owner)
		img.ProductCode = image.ProductCode{Code: "code1", Type: image.Marketplace}
		img.Platform, img.OwnerAlias, img.ImageLocation = image.Windows, "amazon", "bucket/manifest.xml"
		PutImage(t, db, img)
		bare := image.Image{ID: "ami-00000000000000002", Owner: owner, Name: "bare", State: image.Available, CreatedAt: Epoch}
		PutImage(t, db, bare)
		for _, want := range []image.Image{img, bare} {
			got, err := db.Images().Visible(t.Context(), owner, want.ID)
			NoError(t, err, "read "+want.ID)
			Diff(t, "image", want, got, cmpopts.EquateEmpty())
			NoError(t, updateImages(t, db, func(tx image.Tx) error {
				got, err := tx.Image(want.ID)
				Diff(t, "image in a transaction", want, got, cmpopts.EquateEmpty())
				return err
			}), "read in a transaction")
		}
	})
	t.Run("Conflicts", func(t *testing.T) {
		db := open(t)
		img := NewImage(1, owner)
		PutImage(t, db, img)
		sameID := NewImage(1, friend)
		WantKind(t, updateImages(t, db, func(tx image.Tx) error { return tx.CreateImage(sameID) }), fault.Conflict)
		sameName := NewImage(2, owner)
		sameName.Name = img.Name
		WantKind(t, updateImages(t, db, func(tx image.Tx) error { return tx.CreateImage(sameName) }), fault.Conflict)
		otherOwner := NewImage(3, friend)
		otherOwner.Name = img.Name
		PutImage(t, db, otherOwner)
	})
	t.Run("Visibility", func(t *testing.T) {
		db := open(t)
		img := NewImage(1, owner)
		PutImage(t, db, img)
		for _, who := range []string{friend, stranger} {
			_, err := db.Images().Visible(t.Context(), who, img.ID)
			WantKind(t, err, fault.NotFound)
		}
		NoError(t, updateImages(t, db, func(tx image.Tx) error {
			return tx.AddLaunchPermissions(img.ID, []string{friend, friend})
		}), "share")
		NoError(t, updateImages(t, db, func(tx image.Tx) error {
			return tx.AddLaunchPermissions(img.ID, []string{friend}) // again: no conflict
		}), "share again")
		_, err := db.Images().Visible(t.Context(), friend, img.ID)
		NoError(t, err, "the friend reads a shared image")
		_, err = db.Images().Visible(t.Context(), stranger, img.ID)
		WantKind(t, err, fault.NotFound)
		NoError(t, updateImages(t, db, func(tx image.Tx) error {
			for who, want := range map[string]bool{friend: true, stranger: false, owner: false} {
				got, err := tx.Permitted(img.ID, who)
				if err != nil {
					return err
				}
				if got != want {
					t.Errorf("Permitted(%s) = %v, want %v", who, got, want)
				}
			}
			return nil
		}), "permitted")
		img.Public = true
		NoError(t, updateImages(t, db, func(tx image.Tx) error { return tx.PutImage(img) }), "make public")
		_, err = db.Images().Visible(t.Context(), stranger, img.ID)
		NoError(t, err, "the stranger reads a public image")
	})
	t.Run("LaunchPermissions", func(t *testing.T) {
		db := open(t)
		img := NewImage(1, owner)
		PutImage(t, db, img)
		NoError(t, updateImages(t, db, func(tx image.Tx) error {
			return tx.AddLaunchPermissions(img.ID, []string{stranger, friend})
		}), "share")
		got, err := db.Images().LaunchPermissions(t.Context(), img.ID)
		NoError(t, err, "read permissions")
		Diff(t, "permissions", []string{friend, stranger}, got)
		NoError(t, updateImages(t, db, func(tx image.Tx) error {
			return tx.RemoveLaunchPermissions(img.ID, []string{friend, "444444444444"})
		}), "unshare")
		got, err = db.Images().LaunchPermissions(t.Context(), img.ID)
		NoError(t, err, "read permissions")
		Diff(t, "permissions", []string{stranger}, got)
		NoError(t, updateImages(t, db, func(tx image.Tx) error { return tx.ResetLaunchPermissions(img.ID) }), "reset")
		got, err = db.Images().LaunchPermissions(t.Context(), img.ID)
		NoError(t, err, "read permissions")
		Diff(t, "permissions", []string(nil), got)
	})
	t.Run("PutDelete", func(t *testing.T) {
		db := open(t)
		img := NewImage(1, owner)
		PutImage(t, db, img)
		img.Description, img.ProductCode = "changed", image.ProductCode{Code: "c", Type: image.DevPay}
		img.BlockDevices = img.BlockDevices[:1]
		NoError(t, updateImages(t, db, func(tx image.Tx) error { return tx.PutImage(img) }), "put")
		got, err := db.Images().Visible(t.Context(), owner, img.ID)
		NoError(t, err, "read")
		Diff(t, "image", img, got)
		missing := NewImage(9, owner)
		WantKind(t, updateImages(t, db, func(tx image.Tx) error { return tx.PutImage(missing) }), fault.NotFound)
		NoError(t, updateImages(t, db, func(tx image.Tx) error {
			if err := tx.AddLaunchPermissions(img.ID, []string{friend}); err != nil {
				return err
			}
			return tx.PutTags(owner, img.ID, []tag.Tag{{Key: "k", Value: "v"}})
		}), "share and tag")
		NoError(t, updateImages(t, db, func(tx image.Tx) error { return tx.DeleteImage(img.ID) }), "delete")
		_, err = db.Images().Visible(t.Context(), owner, img.ID)
		WantKind(t, err, fault.NotFound)
		tags, err := db.Tags().OfResources(t.Context(), owner, []string{img.ID})
		NoError(t, err, "read tags")
		Diff(t, "tags of a deleted image", []tag.Tagged(nil), tags)
		WantKind(t, updateImages(t, db, func(tx image.Tx) error { return tx.DeleteImage(img.ID) }), fault.NotFound)
	})
	t.Run("Rollback", func(t *testing.T) {
		db := open(t)
		img := NewImage(1, owner)
		err := updateImages(t, db, func(tx image.Tx) error {
			if err := tx.CreateImage(img); err != nil {
				return err
			}
			return fault.New(fault.Invalid, "changed my mind")
		})
		WantKind(t, err, fault.Invalid)
		_, err = db.Images().Visible(t.Context(), owner, img.ID)
		WantKind(t, err, fault.NotFound)
	})
}

// ImageList tests image.Store's List: visibility, selection, every
// filter, and paging.
func ImageList(t *testing.T, open Opener) {
	const owner, friend, stranger = "111111111111", "222222222222", "333333333333"
	db := open(t)
	mine := NewImage(1, owner)
	mine.ProductCode = image.ProductCode{Code: "paidcode", Type: image.Marketplace}
	shared := NewImage(2, owner)
	shared.Architecture, shared.Name = "arm64", "shared [1.0] *star*"
	public := NewImage(3, owner)
	public.Public, public.Platform, public.RootDeviceType, public.Description = true, image.Windows, image.InstanceStore, "100% of_it"
	public.ProductCode = image.ProductCode{Code: "devcode", Type: image.DevPay}
	friends := NewImage(4, friend)
	friends.OwnerAlias = "amazon"
	for _, img := range []image.Image{mine, shared, public, friends} {
		PutImage(t, db, img)
	}
	NoError(t, updateImages(t, db, func(tx image.Tx) error {
		if err := tx.AddLaunchPermissions(shared.ID, []string{friend}); err != nil {
			return err
		}
		if err := tx.PutTags(owner, mine.ID, []tag.Tag{{Key: "role", Value: "web"}, {Key: "tier", Value: "front"}}); err != nil {
			return err
		}
		return tx.PutTags(friend, shared.ID, []tag.Tag{{Key: "role", Value: "mine-now"}})
	}), "share and tag")

	f := func(name string, values ...string) []filter.Filter {
		return []filter.Filter{{Name: name, Values: values}}
	}
	for _, tc := range []struct {
		name string
		q    image.Query
		want []image.Image
	}{
		{"Owner", image.Query{Caller: owner}, []image.Image{mine, shared, public}},
		{"Friend", image.Query{Caller: friend}, []image.Image{shared, public, friends}},
		{"Stranger", image.Query{Caller: stranger}, []image.Image{public}},
		{"IDs", image.Query{Caller: stranger, IDs: []string{mine.ID, public.ID}}, []image.Image{public}},
		{"Owners", image.Query{Caller: friend, Owners: []string{owner}}, []image.Image{shared, public}},
		{"OwnerAlias", image.Query{Caller: owner, Owners: []string{"amazon"}}, nil},
		{"OwnerAliasVisible", image.Query{Caller: friend, Owners: []string{"amazon"}}, []image.Image{friends}},
		{"SharedWithCaller", image.Query{Caller: friend, ExecutableBy: true, SharedWith: []string{friend}}, []image.Image{shared}},
		{"SharedWithOtherAsOwner", image.Query{Caller: owner, ExecutableBy: true, SharedWith: []string{friend}}, []image.Image{shared}},
		{"SharedWithOtherAsStranger", image.Query{Caller: stranger, ExecutableBy: true, SharedWith: []string{friend}}, nil},
		{"AnyPublic", image.Query{Caller: friend, ExecutableBy: true, AnyPublic: true}, []image.Image{public}},
		{"After", image.Query{Caller: owner, After: mine.ID}, []image.Image{shared, public}},
		{"Limit", image.Query{Caller: owner, Limit: 2}, []image.Image{mine, shared}},
		{"ProductCode", image.Query{Caller: owner, Filters: f("product-code", "paidcode", "devcode")}, []image.Image{mine, public}},
		{"ProductCodeWildcard", image.Query{Caller: owner, Filters: f("product-code", "paid*")}, []image.Image{mine}},
		{"ProductCodeType", image.Query{Caller: owner, Filters: f("product-code.type", "devpay")}, []image.Image{public}},
		{"Architecture", image.Query{Caller: owner, Filters: f("architecture", "arm64")}, []image.Image{shared}},
		{"NameLiteralBrackets", image.Query{Caller: owner, Filters: f("name", "shared [1.0] *")}, []image.Image{shared}},
		{"NameEscapedStar", image.Query{Caller: owner, Filters: f("name", `*\*star\*`)}, []image.Image{shared}},
		{"NameEscapedStarNoMatch", image.Query{Caller: owner, Filters: f("name", `shared\*`)}, nil},
		{"NameOneCharacter", image.Query{Caller: owner, Filters: f("name", "image ? ünïcode")}, []image.Image{mine, public}},
		{"NameCase", image.Query{Caller: owner, Filters: f("name", "IMAGE*")}, nil},
		{"DescriptionPercent", image.Query{Caller: owner, Filters: f("description", "100% of_*")}, []image.Image{public}},
		{"DescriptionUnderscoreIsLiteral", image.Query{Caller: owner, Filters: f("description", "100% ofxit")}, nil},
		{"ImageID", image.Query{Caller: owner, Filters: f("image-id", shared.ID)}, []image.Image{shared}},
		{"OwnerID", image.Query{Caller: friend, Filters: f("owner-id", friend)}, []image.Image{friends}},
		{"OwnerAliasFilter", image.Query{Caller: friend, Filters: f("owner-alias", "amazon")}, []image.Image{friends}},
		{"IsPublic", image.Query{Caller: owner, Filters: f("is-public", "true")}, []image.Image{public}},
		{"IsPublicFalse", image.Query{Caller: owner, Filters: f("is-public", "false")}, []image.Image{mine, shared}},
		{"IsPublicBoth", image.Query{Caller: owner, Filters: f("is-public", "*")}, []image.Image{mine, shared, public}},
		{"IsPublicNonsense", image.Query{Caller: owner, Filters: f("is-public", "yes")}, nil},
		{"Platform", image.Query{Caller: owner, Filters: f("platform", "windows")}, []image.Image{public}},
		{"State", image.Query{Caller: owner, Filters: f("state", "available")}, []image.Image{mine, shared, public}},
		{"RootDeviceType", image.Query{Caller: owner, Filters: f("root-device-type", "instance-store")}, []image.Image{public}},
		{"RootDeviceName", image.Query{Caller: owner, Filters: f("root-device-name", "/dev/sda1")}, nil},
		{"VirtualizationType", image.Query{Caller: owner, Filters: f("virtualization-type", "hvm")}, []image.Image{mine, shared, public}},
		{"SourceInstance", image.Query{Caller: owner, Filters: f("source-instance-id", "i-0123456789abcdef0")}, []image.Image{mine, shared, public}},
		{"Hypervisor", image.Query{Caller: owner, Filters: f("hypervisor", "xen")}, []image.Image{mine, shared, public}},
		{"ImageType", image.Query{Caller: owner, Filters: f("image-type", "ramdisk")}, nil},
		{"Tag", image.Query{Caller: owner, Filters: f("tag:role", "web")}, []image.Image{mine}},
		{"TagOtherAccount", image.Query{Caller: friend, Filters: f("tag:role", "*")}, []image.Image{shared}},
		{"TagKey", image.Query{Caller: owner, Filters: f("tag-key", "ti*")}, []image.Image{mine}},
		{"TagValue", image.Query{Caller: owner, Filters: f("tag-value", "front")}, []image.Image{mine}},
		{"Several", image.Query{Caller: owner, Filters: []filter.Filter{{Name: "owner-id", Values: []string{owner}}, {Name: "is-public", Values: []string{"false"}}, {Name: "architecture", Values: []string{"x86_64"}}}},
			[]image.Image{mine}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Images().List(t.Context(), tc.q)
			NoError(t, err, "list")
			Diff(t, "images", tc.want, got, cmpopts.EquateEmpty())
		})
	}
}

// Tags tests tag.Store.
func Tags(t *testing.T, open Opener) {
	const owner, friend = "111111111111", "222222222222"
	db := open(t)
	update := func(fn func(tx tag.Tx) error) error { return db.Tags().Update(t.Context(), fn) }
	NoError(t, update(func(tx tag.Tx) error {
		if err := tx.Put(owner, "ami-1", tag.Image, []tag.Tag{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}}); err != nil {
			return err
		}
		if err := tx.Put(owner, "i-1", tag.Instance, []tag.Tag{{Key: "Name", Value: "web*"}}); err != nil {
			return err
		}
		return tx.Put(friend, "ami-1", tag.Image, []tag.Tag{{Key: "a", Value: "friend's"}})
	}), "put")
	NoError(t, update(func(tx tag.Tx) error {
		return tx.Put(owner, "ami-1", tag.Image, []tag.Tag{{Key: "b", Value: "two"}}) // replaces
	}), "replace")

	tagged := func(id string, typ tag.ResourceType, k, v string) tag.Tagged {
		return tag.Tagged{ResourceID: id, ResourceType: typ, Tag: tag.Tag{Key: k, Value: v}}
	}
	a1, b2, name := tagged("ami-1", tag.Image, "a", "1"), tagged("ami-1", tag.Image, "b", "two"), tagged("i-1", tag.Instance, "Name", "web*")
	got, err := db.Tags().OfResources(t.Context(), owner, []string{"i-1", "ami-1", "ami-2"})
	NoError(t, err, "read")
	Diff(t, "tags", []tag.Tagged{a1, b2, name}, got)
	// An unpaged listing of more resources than a query may name (SQLite
	// takes at most 32,766 parameters): the tags come back all the same,
	// in resource order, a resource named twice read once.
	many := []string{"i-1", "ami-1"}
	for i := range 40_000 {
		many = append(many, fmt.Sprintf("i-%017x", i))
	}
	many = append(many, "ami-1")
	got, err = db.Tags().OfResources(t.Context(), owner, many)
	NoError(t, err, "read the tags of 40,003 resources")
	Diff(t, "tags of many resources", []tag.Tagged{a1, b2, name}, got)

	NoError(t, update(func(tx tag.Tx) error {
		keys, err := tx.Keys(owner, "ami-1")
		Diff(t, "keys", []string{"a", "b"}, keys)
		return err
	}), "keys")

	f := func(name string, values ...string) []filter.Filter {
		return []filter.Filter{{Name: name, Values: values}}
	}
	for _, tc := range []struct {
		name string
		q    tag.Query
		want []tag.Tagged
	}{
		{"All", tag.Query{}, []tag.Tagged{a1, b2, name}},
		{"Key", tag.Query{Filters: f("key", "a", "Name")}, []tag.Tagged{a1, name}},
		{"Value", tag.Query{Filters: f("value", `web\*`)}, []tag.Tagged{name}},
		{"ResourceType", tag.Query{Filters: f("resource-type", "image")}, []tag.Tagged{a1, b2}},
		{"ResourceID", tag.Query{Filters: f("resource-id", "i-*")}, []tag.Tagged{name}},
		{"TagKey", tag.Query{Filters: f("tag:b", "t*")}, []tag.Tagged{b2}},
		{"Page", tag.Query{Limit: 2}, []tag.Tagged{a1, b2}},
		{"After", tag.Query{AfterResource: "ami-1", AfterKey: "a"}, []tag.Tagged{b2, name}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Tags().List(t.Context(), owner, tc.q)
			NoError(t, err, "list")
			Diff(t, "tags", tc.want, got)
		})
	}
	t.Run("Delete", func(t *testing.T) {
		wrong, right := "wrong", "1"
		NoError(t, update(func(tx tag.Tx) error {
			if err := tx.Delete(owner, "ami-1", "a", &wrong); err != nil { // a different value: kept
				return err
			}
			return tx.Delete(owner, "ami-1", "b", nil)
		}), "delete")
		got, err := db.Tags().OfResources(t.Context(), owner, []string{"ami-1"})
		NoError(t, err, "read")
		Diff(t, "tags", []tag.Tagged{a1}, got)
		NoError(t, update(func(tx tag.Tx) error { return tx.Delete(owner, "ami-1", "a", &right) }), "delete by value")
		NoError(t, update(func(tx tag.Tx) error { return tx.DeleteAll(owner, "i-1") }), "delete all")
		got, err = db.Tags().List(t.Context(), owner, tag.Query{})
		NoError(t, err, "list")
		Diff(t, "tags", []tag.Tagged(nil), got)
		got, err = db.Tags().List(t.Context(), friend, tag.Query{})
		NoError(t, err, "list")
		Diff(t, "the friend's tags", []tag.Tagged{tagged("ami-1", tag.Image, "a", "friend's")}, got)
	})
}

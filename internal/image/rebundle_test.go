package image_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// fakeCompute is one account's instances, as images see them.
type fakeCompute struct {
	owner     string
	instances map[string]image.Source
}

func (f *fakeCompute) ImageSource(_ context.Context, caller, id string) (image.Source, error) {
	src, ok := f.instances[id]
	if !ok || caller != f.owner {
		return image.Source{}, fault.Coded(fault.NotFound, "InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id)
	}
	return src, nil
}

func (f *fakeCompute) VolumeSource(_ context.Context, caller, id string) (image.Source, error) {
	for _, src := range f.instances {
		for _, v := range src.Volumes {
			if v.ID == id && caller == f.owner {
				src.Volumes = []image.SourceVolume{v}
				return src, nil
			}
		}
	}
	return image.Source{}, fault.Coded(fault.NotFound, "InvalidVolume.NotFound", "The volume '%s' does not exist.", id)
}

func (f *fakeCompute) HasRegion(r string) bool { return r == "us-east-1" }

const buyer = "333333333333"

// grantee is an account a buyer shares a snapshot with.
const grantee = "444444444444"

// paidInstance is a buyer's instance of a paid image of platform p,
// carrying code.
func paidInstance(n int, p image.Platform, code image.ProductCode) image.Source {
	return image.Source{InstanceID: fmt.Sprintf("i-%017x", n), ImageID: "ami-0123456789abcdef0", ProductCode: code, Platform: p,
		Architecture: "x86_64", RootDeviceName: "/dev/xvda", VirtualizationType: "hvm",
		Volumes: []image.SourceVolume{
			{ID: fmt.Sprintf("vol-%017x", n), DeviceName: "/dev/xvda", SizeGiB: 30, VolumeType: "gp3", DeleteOnTermination: true},
			{ID: fmt.Sprintf("vol-%017x", n+1000), DeviceName: "/dev/sdf", SizeGiB: 100, VolumeType: "gp2"},
		}}
}

// TestRebundlingMatrix is the rebundling rule of seeds 001 and 002, over
// every platform and every way of making an image from a paid instance:
// CreateImage and CopyImage keep the code on every platform; an image
// registered or imported from a raw snapshot of the instance's root volume
// keeps it on Windows (with its own type, and for good) and loses it on
// Linux/UNIX; the snapshot's lineage wins over the platform an import
// declares; a disk from elsewhere has no code.
func TestRebundlingMatrix(t *testing.T) {
	marketplace := image.ProductCode{Code: "acme0000000000000001", Type: image.Marketplace}
	devpay := image.ProductCode{Code: "acme0000000000000002", Type: image.DevPay}
	for i, tc := range []struct {
		name     string
		platform image.Platform
		code     image.ProductCode
		how      string
		declared string // ImportImage's Platform
		wantCode image.ProductCode
		wantOS   image.Platform
	}{
		{"Linux/CreateImage", image.Linux, marketplace, "create", "", marketplace, image.Linux},
		{"Linux/CopyImage", image.Linux, marketplace, "copy", "", marketplace, image.Linux},
		{"Linux/SnapshotRegisterImage", image.Linux, marketplace, "register", "", image.ProductCode{}, image.Linux},
		{"Linux/ImportImage", image.Linux, marketplace, "import", "Linux", image.ProductCode{}, image.Linux},
		{"Windows/CreateImage", image.Windows, marketplace, "create", "", marketplace, image.Windows},
		{"Windows/CopyImage", image.Windows, marketplace, "copy", "", marketplace, image.Windows},
		{"Windows/SnapshotRegisterImage", image.Windows, marketplace, "register", "", marketplace, image.Windows},
		{"Windows/ImportImage", image.Windows, marketplace, "import", "Windows", marketplace, image.Windows},
		// The code kept is of its own type.
		{"Windows/SnapshotRegisterImage/DevPay", image.Windows, devpay, "register", "", devpay, image.Windows},
		{"Linux/CreateImage/DevPay", image.Linux, devpay, "create", "", devpay, image.Linux},
		// The snapshot's lineage wins over the platform an import declares.
		{"Windows/ImportImage/DeclaredLinux", image.Windows, marketplace, "import", "Linux", marketplace, image.Windows},
		{"Linux/ImportImage/DeclaredWindows", image.Linux, marketplace, "import", "Windows", image.ProductCode{}, image.Linux},
		{"Windows/ImportImage/Undeclared", image.Windows, marketplace, "import", "", marketplace, image.Windows},
		// A disk from elsewhere has no code, whatever its platform.
		{"Windows/ImportDisk", image.Windows, marketplace, "disk", "Windows", image.ProductCode{}, image.Windows},
		{"Linux/ImportDisk", image.Linux, marketplace, "disk", "Linux", image.ProductCode{}, image.Linux},
		// A snapshot shared with another account is rebundled by the same
		// rule when that account registers or imports an image from it:
		// sharing neither adds nor sheds the code.
		{"Linux/SharedSnapshotRegisterImage", image.Linux, marketplace, "shared register", "", image.ProductCode{}, image.Linux},
		{"Windows/SharedSnapshotRegisterImage", image.Windows, marketplace, "shared register", "", marketplace, image.Windows},
		{"Windows/SharedSnapshotImportImage/DeclaredLinux", image.Windows, marketplace, "shared import", "Linux", marketplace, image.Windows},
		{"Windows/SharedSnapshotRegisterImage/DevPay", image.Windows, devpay, "shared register", "", devpay, image.Windows},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			src := paidInstance(i+1, tc.platform, tc.code)
			svc := image.NewService(storetest.SQLite(t).Images(), nil, nil, clock.NewManual(storetest.Epoch))
			svc.UseCompute(&fakeCompute{owner: buyer, instances: map[string]image.Source{src.InstanceID: src}})
			img := rebundle(t, svc, tc.how, tc.declared, src)
			if img.ProductCode != tc.wantCode || img.Platform != tc.wantOS {
				t.Fatalf("image has code %+v on %q, want %+v on %q", img.ProductCode, img.Platform, tc.wantCode, tc.wantOS)
			}
			if got, err := svc.Get(ctx, img.Owner, img.ID); err != nil || got.ProductCode != tc.wantCode || got.Platform != tc.wantOS {
				t.Fatalf("stored image: %+v, %v", got, err)
			}
			if tc.wantCode.IsZero() {
				return
			}
			// A code kept is permanent: it cannot be reset.
			err := svc.ResetAttribute(ctx, img.Owner, img.ID, image.AttrProductCodes)
			if fault.As(err).Code != "UnsupportedOperation" {
				t.Fatalf("resetting the code: %v, want UnsupportedOperation", err)
			}
		})
	}
}

// rebundle makes an image from src's instance in the way how names.
func rebundle(t *testing.T, svc *image.Service, how, declared string, src image.Source) image.Image {
	t.Helper()
	ctx := t.Context()
	must := func(img image.Image, err error) image.Image {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		return img
	}
	switch how {
	case "create":
		img := must(svc.Create(ctx, buyer, image.CreateInput{InstanceID: src.InstanceID, Name: "rebundled", NoReboot: true}))
		if img.SourceInstanceID != src.InstanceID || len(img.BlockDevices) != 2 {
			t.Errorf("created %+v, want the source instance and a snapshot of each volume", img)
		}
		return img
	case "copy":
		orig := must(svc.Create(ctx, buyer, image.CreateInput{InstanceID: src.InstanceID, Name: "original"}))
		img := must(svc.Copy(ctx, buyer, image.CopyInput{SourceImageID: orig.ID, SourceRegion: "us-east-1", Name: "copied"}))
		if img.SourceImageID != orig.ID {
			t.Errorf("copy's source %q, want %s", img.SourceImageID, orig.ID)
		}
		return img
	case "disk":
		task, err := svc.Import(ctx, buyer, image.ImportInput{Platform: declared,
			Disks: []image.ImportDisk{{URL: "https://example.com/disk.vmdk", Format: "vmdk"}}})
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		return must(svc.Get(ctx, buyer, task.ImageID))
	}
	snap, err := svc.CreateSnapshot(ctx, buyer, image.CreateSnapshotInput{VolumeID: src.Volumes[0].ID})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	if snap.Lineage.ProductCode != src.ProductCode || snap.Lineage.Platform != src.Platform || snap.Lineage.SourceInstanceID != src.InstanceID {
		t.Fatalf("snapshot lineage %+v, want the instance's", snap.Lineage)
	}
	maker := buyer
	if shared, ok := strings.CutPrefix(how, "shared "); ok {
		// The buyer shares the snapshot; another account makes the image.
		maker, how = grantee, shared
		if err := svc.ModifySnapshotAttribute(ctx, buyer, snap.ID, image.ModifySnapshotAttributeInput{
			Add: []image.Permission{{UserID: grantee}}}); err != nil {
			t.Fatalf("sharing the snapshot: %v", err)
		}
	}
	if how == "register" {
		return must(svc.Register(ctx, maker, image.RegisterInput{Name: "registered", RootDeviceName: "/dev/xvda",
			BlockDevices: []image.BlockDevice{{DeviceName: "/dev/xvda", Ebs: &image.EbsDevice{SnapshotID: snap.ID}}}}))
	}
	task, err := svc.Import(ctx, maker, image.ImportInput{Platform: declared, Disks: []image.ImportDisk{{SnapshotID: snap.ID}}})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return must(svc.Get(ctx, maker, task.ImageID))
}

package main

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/store"
)

// publicImages is describe-images output as the AWS CLI prints it, with
// members Tollgate does not keep.
const publicImages = `{"Images": [
  {"PlatformDetails": "Linux/UNIX", "UsageOperation": "RunInstances",
   "BlockDeviceMappings": [{"Ebs": {"DeleteOnTermination": true, "SnapshotId": "snap-0aaaaaaaaaaaaaaaa",
     "VolumeSize": 8, "VolumeType": "gp3", "Encrypted": false}, "DeviceName": "/dev/xvda"}],
   "Description": "Amazon Linux 2023 AMI", "EnaSupport": true, "Hypervisor": "xen", "ImageOwnerAlias": "amazon",
   "Name": "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64", "RootDeviceName": "/dev/xvda", "RootDeviceType": "ebs",
   "SriovNetSupport": "simple", "VirtualizationType": "hvm", "BootMode": "uefi-preferred", "ImdsSupport": "v2.0",
   "DeprecationTime": "2025-03-12T21:01:00.000Z", "ImageId": "ami-0aaaaaaaaaaaaaaaa",
   "ImageLocation": "amazon/al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64", "State": "available",
   "OwnerId": "137112412989", "CreationDate": "2024-12-12T21:01:00.000Z", "Public": true,
   "Architecture": "x86_64", "ImageType": "machine"},
  {"BlockDeviceMappings": [{"Ebs": {"DeleteOnTermination": true, "SnapshotId": "snap-0bbbbbbbbbbbbbbbb", "VolumeSize": 30,
     "VolumeType": "gp2"}, "DeviceName": "/dev/sda1"}, {"DeviceName": "xvdca", "VirtualName": "ephemeral0"}],
   "ImageOwnerAlias": "aws-marketplace", "Name": "Acme Firewall 5.1 Windows", "RootDeviceName": "/dev/sda1",
   "RootDeviceType": "ebs", "VirtualizationType": "hvm", "ImageId": "ami-0bbbbbbbbbbbbbbbb", "OwnerId": "679593333241",
   "Platform": "windows", "Architecture": "x86_64", "Tags": [],
   "ProductCodes": [{"ProductCodeId": "8fjcmwwqhxc7gb3t6rgrbyfwe", "ProductCodeType": "marketplace"}]}]}`

// TestImagesLoadPublic: load-public keeps each image as describe-images
// shows it, every account sees it, loading again changes nothing, and a
// bad file is refused whole with every problem named by image and field.
func TestImagesLoadPublic(t *testing.T) {
	dir := t.TempDir()
	decode(t, cli(t, "account", "create", "--name", "operator", "--data", dir), &newAccount{})
	file := filepath.Join(t.TempDir(), "images.json")
	writeJSON(t, file, publicImages)
	for range 2 {
		var loaded struct{ Loaded int }
		decode(t, cli(t, "images", "load-public", file, "--data", dir), &loaded)
		if loaded.Loaded != 2 {
			t.Errorf("load-public printed %+v, want 2 loaded", loaded)
		}
	}

	a, err := app.OpenAdmin(t.Context(), app.Config{Store: store.Config{DataDir: dir}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	page, err := a.Images.Describe(t.Context(), "123456789012", image.DescribeInput{Owners: []string{"amazon", "aws-marketplace"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Images) != 2 {
		t.Fatalf("an account sees %d public images, want 2", len(page.Images))
	}
	linux, windows := page.Images[0], page.Images[1]
	wantLinux := image.Image{ID: "ami-0aaaaaaaaaaaaaaaa", Owner: "137112412989", OwnerAlias: "amazon",
		Name: "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64", Description: "Amazon Linux 2023 AMI", Architecture: "x86_64",
		State: image.Available, Public: true, ImageLocation: "amazon/al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64",
		RootDeviceName: "/dev/xvda", RootDeviceType: image.EBS, VirtualizationType: "hvm",
		BlockDevices: []image.BlockDevice{{DeviceName: "/dev/xvda", Ebs: &image.EbsDevice{SnapshotID: "snap-0aaaaaaaaaaaaaaaa",
			VolumeSize: 8, VolumeType: "gp3", DeleteOnTermination: true}}},
		EnaSupport: true, SriovNetSupport: "simple", BootMode: "uefi-preferred", ImdsSupport: "v2.0",
		CreatedAt: time.Date(2024, 12, 12, 21, 1, 0, 0, time.UTC)}
	if d := cmp.Diff(wantLinux, linux); d != "" {
		t.Errorf("the Linux image (-want +got):\n%s", d)
	}
	if windows.Platform != image.Windows || windows.OwnerAlias != "aws-marketplace" || windows.Owner != "679593333241" ||
		windows.ProductCode != (image.ProductCode{Code: "8fjcmwwqhxc7gb3t6rgrbyfwe", Type: image.Marketplace}) ||
		len(windows.BlockDevices) != 2 || windows.BlockDevices[1].VirtualName != "ephemeral0" {
		t.Errorf("the Windows image: %+v", windows)
	}
	a.Close()

	for _, tc := range []struct{ name, file, want string }{
		{"EveryProblem", `{"Images": [
			{"ImageId": "ami-0ccccccccccccccccc", "OwnerId": "1234", "Name": "x", "RootDeviceType": "ebs"},
			{"ImageId": "ami-0dddddddddddddddd", "OwnerId": "123456789012", "Name": "fine name", "Platform": "beos",
			 "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
			 "ProductCodes": [{"ProductCodeId": "a"}, {"ProductCodeId": "b"}]}]}`,
			`is invalid: Images[0].ImageId Invalid id: "ami-0ccccccccccccccccc" (expecting "ami-..."); ` +
				`Images[0].OwnerId (image ami-0ccccccccccccccccc) must be a 12-digit account ID, not "1234"; ` +
				`Images[0].Name (image ami-0ccccccccccccccccc) AMI names must be between 3 and 128 characters long, not 1; ` +
				`Images[0].BlockDeviceMappings (image ami-0ccccccccccccccccc) must map the root device /dev/xvda to an EBS volume, as the image is EBS-backed; ` +
				`Images[1].ProductCodes (image ami-0dddddddddddddddd) has 2 product codes; an image carries at most one; ` +
				`Images[1].Platform (image ami-0dddddddddddddddd) must be windows or left out, not "beos"`},
		{"NotPublic", `{"Images": [{"ImageId": "ami-0eeeeeeeeeeeeeeee", "OwnerId": "123456789012", "Name": "fine name", "Public": false,
			"BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}]}]}`,
			"is invalid: Images[0].Public (image ami-0eeeeeeeeeeeeeeee) must be true or left out: the images loaded are public"},
		{"TakenName", `{"Images": [{"ImageId": "ami-0eeeeeeeeeeeeeeee", "OwnerId": "137112412989",
			"Name": "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64", "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}]}]}`,
			`is invalid: Images[0].ImageId (image ami-0eeeeeeeeeeeeeeee) cannot be loaded: its owner 137112412989 has another image named "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64"`},
		{"OtherOwner", `{"Images": [{"ImageId": "ami-0aaaaaaaaaaaaaaaa", "OwnerId": "123456789012", "Name": "fine name",
			"BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}]}]}`,
			"is invalid: Images[0].ImageId (image ami-0aaaaaaaaaaaaaaaa) cannot be loaded: that ID is an image of account 137112412989"},
		{"Empty", `{"Images": []}`, "is invalid: Images needs at least one image"},
		{"UnknownField", `{"Images": [{"ImageId": "ami-0aaaaaaaaaaaaaaaa", "Colour": "blue"}]}`, `is not a describe-images file: unknown field "Colour"`},
		{"WrongType", `{"Images": [{"ImageId": 7}]}`, "is not a describe-images file: Images.ImageId must not be a JSON number"},
		{"NotAnObject", `[]`, "is not a describe-images file: it must be an object with Images, as describe-images prints"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeJSON(t, file, tc.file)
			wantFailure(t, cli(t, "images", "load-public", file, "--data", dir), "tollgate: "+file+" "+tc.want)
		})
	}
}

package ec2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/tollgate/tollgate/internal/image"
)

var _ = sdk("PublicImages", testPublicImages)

// testPublicImages: images the operator loads are seen by every account
// under their owner alias, launch like any image, and a paid one asks for
// its code's entitlement.
func testPublicImages(t *testing.T, be backend) {
	e := newEnv(t, be)
	p := e.party("buyer")
	root := []image.BlockDevice{{DeviceName: "/dev/xvda", Ebs: &image.EbsDevice{SnapshotID: "snap-0aaaaaaaaaaaaaaaa", VolumeSize: 8, VolumeType: "gp3", DeleteOnTermination: true}}}
	imgs := []image.Image{
		{ID: "ami-0aaaaaaaaaaaaaaaa", Owner: "137112412989", OwnerAlias: "amazon", Name: "al2023-ami-x86_64", Architecture: "x86_64",
			RootDeviceName: "/dev/xvda", RootDeviceType: image.EBS, VirtualizationType: "hvm", BlockDevices: root},
		{ID: "ami-0bbbbbbbbbbbbbbbb", Owner: "679593333241", OwnerAlias: "aws-marketplace", Name: "Acme Firewall", Architecture: "x86_64",
			RootDeviceName: "/dev/xvda", RootDeviceType: image.EBS, VirtualizationType: "hvm", BlockDevices: root, Platform: image.Windows,
			ProductCode: image.ProductCode{Code: "8fjcmwwqhxc7gb3t6rgrbyfwe", Type: image.Marketplace}},
	}
	for range 2 {
		noErr(t, e.app.Images.LoadPublic(e.ctx, imgs))
	}
	out, err := p.EC2.DescribeImages(e.ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	noErr(t, err)
	if len(out.Images) != 1 || aws.ToString(out.Images[0].ImageId) != imgs[0].ID || aws.ToString(out.Images[0].ImageOwnerAlias) != "amazon" ||
		aws.ToString(out.Images[0].OwnerId) != "137112412989" || !aws.ToBool(out.Images[0].Public) {
		t.Fatalf("--owners amazon: %+v", out.Images)
	}
	out, err = p.EC2.DescribeImages(e.ctx, &ec2.DescribeImagesInput{Owners: []string{"aws-marketplace"}})
	noErr(t, err)
	if len(out.Images) != 1 || out.Images[0].Platform != "windows" || len(out.Images[0].ProductCodes) != 1 ||
		aws.ToString(out.Images[0].ProductCodes[0].ProductCodeId) != "8fjcmwwqhxc7gb3t6rgrbyfwe" {
		t.Fatalf("--owners aws-marketplace: %d images, %s %s", len(out.Images), out.Images[0].Platform, aws.ToString(out.Images[0].ProductCodes[0].ProductCodeId))
	}
	id := e.mustRun(p, imgs[0].ID, "t3.micro")
	if got := e.instance(p, id); aws.ToString(got.ImageId) != imgs[0].ID || len(got.BlockDeviceMappings) != 1 {
		t.Errorf("instance of the public image: %+v", got)
	}
	_, err = e.run(p, imgs[1].ID, "t3.micro", 1)
	wantCode(t, err, "OptInRequired")
	_, err = p.EC2.DeregisterImage(e.ctx, &ec2.DeregisterImageInput{ImageId: aws.String(imgs[0].ID)})
	wantCode(t, err, "AuthFailure")
}

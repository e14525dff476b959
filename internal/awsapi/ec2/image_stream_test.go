package ec2_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/tag"
)

var _ = sdk("ImageStreamed", testImageStreamed)

// testImageStreamed: DescribeImages without MaxResults answers every image
// at once, however many: an answer of several read batches and far over
// the buffered size is streamed, and the SDK reads all of it, each image
// with its owner's tags, each account seeing only what it may.
func testImageStreamed(t *testing.T, be backend) {
	e := newEnv(t, be)
	owner, friend := e.party("owner"), e.party("friend")
	const n = 2*image.DescribeBatch + 137
	var all, public, coded []string
	err := e.app.DB.Images().Update(e.ctx, func(tx image.Tx) error {
		for i := range n {
			img := image.Image{ID: fmt.Sprintf("ami-%017x", uint64(i+1)*0x9e3779b97f4a7c15), Owner: owner.ID,
				Name: fmt.Sprintf("streamed-%04d", i), Description: "an image among many, with a description long enough to weigh",
				Architecture: "x86_64", State: image.Available, RootDeviceName: "/dev/xvda", RootDeviceType: image.EBS,
				VirtualizationType: "hvm", CreatedAt: tx.Now(), Public: i%3 == 0,
				BlockDevices: []image.BlockDevice{{DeviceName: "/dev/xvda", Ebs: &image.EbsDevice{VolumeSize: 8, DeleteOnTermination: true}}}}
			if i%7 == 0 {
				img.ProductCode = image.ProductCode{Code: "streamedcode0000000000000", Type: image.Marketplace}
			}
			if err := tx.CreateImage(img); err != nil {
				return err
			}
			if i%5 == 0 {
				if err := tx.PutTags(owner.ID, img.ID, []tag.Tag{{Key: "n", Value: fmt.Sprint(i)}}); err != nil {
					return err
				}
			}
			all = append(all, img.ID)
			if img.Public {
				public = append(public, img.ID)
				if !img.ProductCode.IsZero() {
					coded = append(coded, img.ID)
				}
			}
		}
		return nil
	})
	noErr(t, err)
	slices.Sort(all)
	slices.Sort(public)
	slices.Sort(coded)

	start := time.Now()
	out, err := owner.EC2.DescribeImages(e.ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}})
	noErr(t, err)
	if got := imageIDs(out); !slices.Equal(got, all) {
		t.Fatalf("the owner got %d images, want all %d in ID order", len(got), len(all))
	}
	tagged := 0
	for _, img := range out.Images {
		var i int
		if _, err := fmt.Sscanf(aws.ToString(img.Name), "streamed-%d", &i); err != nil {
			t.Fatal(err)
		}
		want := []types.Tag(nil)
		if i%5 == 0 {
			want = []types.Tag{{Key: aws.String("n"), Value: aws.String(fmt.Sprint(i))}}
			tagged++
		}
		if len(img.Tags) != len(want) || len(want) == 1 && aws.ToString(img.Tags[0].Value) != aws.ToString(want[0].Value) {
			t.Fatalf("image %d has tags %v", i, img.Tags)
		}
		if len(img.BlockDeviceMappings) != 1 || aws.ToInt32(img.BlockDeviceMappings[0].Ebs.VolumeSize) != 8 {
			t.Fatalf("image %d has block devices %v", i, img.BlockDeviceMappings)
		}
	}
	t.Logf("%d images (%d tagged) in %v", len(out.Images), tagged, time.Since(start))

	out, err = friend.EC2.DescribeImages(e.ctx, &ec2.DescribeImagesInput{})
	noErr(t, err)
	if got := imageIDs(out); !slices.Equal(got, public) {
		t.Errorf("the friend got %d images, want the %d public ones", len(got), len(public))
	}
	for _, img := range out.Images {
		if len(img.Tags) != 0 {
			t.Fatalf("the friend sees the owner's tags on %s", aws.ToString(img.ImageId))
		}
	}
	out, err = friend.EC2.DescribeImages(e.ctx, &ec2.DescribeImagesInput{Filters: []types.Filter{
		{Name: aws.String("product-code"), Values: []string{"streamedcode0000000000000"}}}})
	noErr(t, err)
	if got := imageIDs(out); !slices.Equal(got, coded) {
		t.Errorf("by product code the friend got %d images, want %d", len(got), len(coded))
	}
}

package demo

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/image"
)

// ImageName is the name of the demo seller's machine image, which carries
// the demo product's code and is shared with the demo buyer.
const ImageName = "tollgate-demo-image"

// SeedImage registers the demo seller's machine image, attaches the demo
// product's code and shares it with the demo buyer, the way a seller does
// with RegisterImage and ModifyImageAttribute, unless the seller already
// has an image of that name; it returns the image. Its ID is drawn from a
// fixed stream, so it is the same in every demo store.
func SeedImage(ctx context.Context, svc *image.Service, w World) (image.Image, error) {
	seller := w.Seller.Account.ID
	page, err := svc.Describe(ctx, seller, image.DescribeInput{Owners: []string{image.Self},
		Filters: []filter.Filter{{Name: "name", Values: []string{ImageName}}}})
	if err != nil {
		return image.Image{}, fmt.Errorf("demo image: %w", err)
	}
	if len(page.Images) > 0 {
		return page.Images[0], nil
	}
	img, err := svc.WithRandom(&fixedStream{seed: sha256.Sum256([]byte("tollgate demo image"))}).
		Register(ctx, seller, image.RegisterInput{Name: ImageName,
			Description: "The demo seller's analytics software on Linux; launch it once subscribed to " + ImageProductName + "."})
	if err != nil {
		return image.Image{}, fmt.Errorf("demo image: %w", err)
	}
	for _, in := range []image.ModifyInput{
		{ProductCodes: []string{w.ImageProduct.Code}},
		{Add: []image.Permission{{UserID: w.Buyer.Account.ID}}},
	} {
		if err := svc.ModifyAttribute(ctx, seller, img.ID, in); err != nil {
			return image.Image{}, fmt.Errorf("demo image: %w", err)
		}
	}
	return svc.Get(ctx, seller, img.ID)
}

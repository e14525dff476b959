package demo

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/tollgate/tollgate/internal/catalog"
)

// The demo seller's paid-image product: hourly and annual prices for three
// instance types, so that the purchase page has a price table to show and a
// buyer can subscribe with annual quantities.
const ImageProductName = "Demo Image"

// imageProduct is the demo product's registration.
func imageProduct() catalog.CreateProductInput {
	return catalog.CreateProductInput{
		Name: ImageProductName,
		Kind: string(catalog.PaidImage),
		Description: "A machine image with the demo seller's analytics software installed. " +
			"Billed per instance-hour at the seller's prices, or covered by annual subscriptions per instance type.",
		InstanceTypes: []string{"t3.medium", "m5.large", "m5.xlarge"},
		Pricing: catalog.PricingInput{
			Hourly: map[string]string{"t3.medium": "0.10", "m5.large": "0.50", "m5.xlarge": "1.00"},
			Annual: map[string]string{"t3.medium": "600.00", "m5.large": "3000.00", "m5.xlarge": "6000.00"},
		},
	}
}

// SeedProduct registers the demo seller's paid-image product unless the
// seller already has a product of that name, and returns it. Its product
// code is the same in every demo store, so that the purchase URL in the
// README is the one the server prints: it is drawn from a fixed stream
// rather than from the system's randomness.
func SeedProduct(ctx context.Context, svc *catalog.Service, w World) (catalog.Product, error) {
	seller := w.Seller.Account.ID
	in := catalog.ListInput{}
	for {
		page, err := svc.ListProducts(ctx, seller, in)
		if err != nil {
			return catalog.Product{}, err
		}
		for _, p := range page.Products {
			if p.Name == ImageProductName {
				return p, nil
			}
		}
		if page.Next == "" {
			break
		}
		in.Next = page.Next
	}
	p, err := svc.WithRandom(&fixedStream{seed: sha256.Sum256([]byte("tollgate demo image product"))}).
		CreateProduct(ctx, seller, imageProduct())
	if err != nil {
		return catalog.Product{}, fmt.Errorf("demo product: %w", err)
	}
	return p, nil
}

// fixedStream is an endless, repeatable stream of bytes: SHA-256 of a seed
// and a counter. Only the demo reads from it.
type fixedStream struct {
	seed    [32]byte
	counter uint64
	buf     []byte
}

func (f *fixedStream) Read(p []byte) (int, error) {
	for n := 0; n < len(p); {
		if len(f.buf) == 0 {
			var block [40]byte
			copy(block[:], f.seed[:])
			binary.BigEndian.PutUint64(block[32:], f.counter)
			f.counter++
			sum := sha256.Sum256(block[:])
			f.buf = sum[:]
		}
		c := copy(p[n:], f.buf)
		f.buf, n = f.buf[c:], n+c
	}
	return len(p), nil
}

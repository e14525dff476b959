package image

import (
	"context"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
)

// serverURLKey carries the address a request reached the server at.
type serverURLKey struct{}

// WithServerURL returns ctx carrying the scheme and host the request
// reached the server at, which the purchase URLs of refusals start with.
// The wire adapters set it; without it, the URLs are paths.
func WithServerURL(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, serverURLKey{}, base)
}

// PurchaseURL is the purchase page of a product code, on the server the
// request in ctx reached.
func PurchaseURL(ctx context.Context, code string) string {
	base, _ := ctx.Value(serverURLKey{}).(string)
	return base + catalog.PurchasePath(code)
}

// OptInRequired is EC2's refusal of an account that must subscribe to a
// product before using its code: it names where to subscribe, and why the
// entitlement check said no.
func OptInRequired(ctx context.Context, code, reason string) error {
	msg := "In order to use this product you need to subscribe to product code " + code + ". To do so please visit " + PurchaseURL(ctx, code)
	if reason != "" {
		msg += " (" + reason + ")"
	}
	return fault.Coded(fault.Forbidden, "OptInRequired", "%s", msg)
}

// Package demo seeds a small world to try Tollgate with: an operator, a
// seller and a buyer, each with a fixed, documented access key, so that the
// commands in the README work as printed, and the products they sell: a
// License Manager contract from the seller, active for the buyer.
package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
)

// Party is one demo account with its key and console password.
type Party struct {
	Role    string
	Account account.Account
	Key     account.AccessKey
	// Password is the console password the demo sets, unless the account
	// already has one (SeedPasswords).
	Password string
}

// World is the seeded demo world.
type World struct {
	Operator, Seller, Buyer Party
	// ImageProduct is the seller's paid-image product (SeedProduct); its
	// code is zero until it is seeded.
	ImageProduct catalog.Product
	// Image is the seller's machine image with that product's code, shared
	// with the buyer (SeedImage); its ID is empty until it is seeded.
	Image image.Image
}

func party(role, id, name, keyID string, operator bool) Party {
	secret := "tollgate-demo-" + role + "-secret-"
	secret += strings.Repeat("0", 40-len(secret))
	return Party{
		Role:     role,
		Account:  account.Account{ID: id, Name: name, Email: role + "@demo.tollgate.invalid", Operator: operator},
		Key:      account.AccessKey{ID: keyID, Secret: secret, AccountID: id},
		Password: "tollgate-demo-" + role + "-password",
	}
}

// Parties returns the demo world's fixed identities.
func Parties() World {
	return World{
		Operator: party("operator", "111111111111", "Demo Operator", "AKIATOLLGATEOPERATOR", true),
		Seller:   party("seller", "222222222222", "Demo Seller", "AKIATOLLGATESELLER01", false),
		Buyer:    party("buyer", "333333333333", "Demo Buyer", "AKIATOLLGATEBUYER001", false),
	}
}

// Seed creates whatever part of the demo world is missing, and returns it.
func Seed(ctx context.Context, store account.Store, now time.Time) (World, error) {
	w := Parties()
	for _, p := range []*Party{&w.Operator, &w.Seller, &w.Buyer} {
		if existing, err := store.GetAccount(ctx, p.Account.ID); err == nil {
			p.Account = existing
			continue
		} else if !fault.Is(err, fault.NotFound) {
			return World{}, err
		}
		p.Account.CreatedAt, p.Key.CreatedAt = now, now
		if err := store.CreateAccount(ctx, p.Account, p.Key); err != nil && !fault.Is(err, fault.Conflict) {
			return World{}, fmt.Errorf("seed demo %s: %w", p.Role, err)
		}
	}
	return w, nil
}

// Instructions tells a person how to try the demo world against endpoint.
func Instructions(w World, endpoint string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tollgate demo world is ready at %s\n\n", endpoint)
	for _, p := range []Party{w.Operator, w.Seller, w.Buyer} {
		fmt.Fprintf(&b, "  %-8s account %s  AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s\n", p.Role, p.Account.ID, p.Key.ID, p.Key.Secret)
	}
	fmt.Fprintf(&b, "\nSign in to the console at %s/console/ with an account ID and its password:\n\n", endpoint)
	for _, p := range []Party{w.Operator, w.Seller, w.Buyer} {
		fmt.Fprintf(&b, "  %-8s account %s  password %s\n", p.Role, p.Account.ID, p.Password)
	}
	if code := w.ImageProduct.Code; code != "" {
		fmt.Fprintf(&b, "\nThe seller's paid image %q (product code %s) is for sale at its purchase URL:\n\n  %s%s\n",
			w.ImageProduct.Name, code, endpoint, catalog.PurchasePath(code))
		fmt.Fprintf(&b, "\nSign in there as the buyer to subscribe, or from the command line:\n\n")
		fmt.Fprintf(&b, "  AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s tollgate subscribe --endpoint-url %s --product-code %s --annual m5.large=1\n",
			w.Buyer.Key.ID, w.Buyer.Key.Secret, endpoint, code)
	}
	fmt.Fprintf(&b, "\nTry, as the buyer:\n\n")
	fmt.Fprintf(&b, "  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=us-east-1\n", w.Buyer.Key.ID, w.Buyer.Key.Secret)
	fmt.Fprintf(&b, "  aws --endpoint-url %s sts get-caller-identity\n", endpoint)
	fmt.Fprintf(&b, "  aws --endpoint-url %s license-manager list-received-licenses\n", endpoint)
	fmt.Fprintf(&b, "  aws --endpoint-url %s license-manager checkout-license --product-sku %s --key-fingerprint %s \\\n"+
		"      --checkout-type PROVISIONAL --entitlements Name=Seats,Value=1,Unit=Count --client-token \"$(uuidgen)\"\n",
		endpoint, ProductSKU, Fingerprint(w))
	if w.Image.ID != "" && w.ImageProduct.Code != "" {
		paidImageSteps(&b, w, endpoint)
	}
	return b.String()
}

// paidImageSteps tells how to launch the seller's paid image as the buyer,
// and read its product code from inside the instance.
func paidImageSteps(b *strings.Builder, w World, endpoint string) {
	fmt.Fprintf(b, "\nThe seller's image %s carries the product code and is shared with the buyer. Until the buyer\n", w.Image.ID)
	fmt.Fprintf(b, "subscribes, a launch is refused with OptInRequired, naming the purchase URL; afterwards it runs:\n\n")
	fmt.Fprintf(b, "  aws --endpoint-url %s ec2 run-instances --image-id %s --instance-type m5.large \\\n"+
		"      --iam-instance-profile Name=demo-app --query 'Instances[0].InstanceId' --output text\n", endpoint, w.Image.ID)
	fmt.Fprintf(b, "\nInside the instance, as the seller's software sees it (the stock SDKs and the AWS CLI read the\n")
	fmt.Fprintf(b, "endpoint from this variable, and take the instance's credentials from it):\n\n")
	fmt.Fprintf(b, "  export AWS_EC2_METADATA_SERVICE_ENDPOINT=\"$(tollgate instance metadata-endpoint --endpoint-url %s --instance-id i-...)\"\n", endpoint)
	fmt.Fprintf(b, "  curl -s \"${AWS_EC2_METADATA_SERVICE_ENDPOINT}latest/meta-data/product-codes\"\n")
}

package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tollgate/tollgate/internal/nativeapi"
)

// The client commands: products, subscriptions, offers and entitlements,
// over the native API of a running server.

func productCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "product", Annotations: tree, Short: "register and read products (native API)"}
	var file string
	create := clientCommand(&cobra.Command{
		Use:   "create --file FILE [flags]",
		Short: "register a product from a JSON file and print it",
		Long: `Register a product of the caller's account from FILE ("-" for standard input),
a JSON object as POST /v1/products takes it: Name, Kind (paid-image,
supported-image, contract or saas), Description, InstanceTypes, ReturnUrl and
Pricing. Amounts are decimal strings ("10.00"), exact to 6 places. Print the
product with its ProductCode, ProductToken and PurchaseUrl. Every invalid
field is reported at once.`,
		Example: `  cat > product.json <<'EOF'
  {"Name": "Acme Analytics", "Kind": "paid-image", "InstanceTypes": ["m5.large"],
   "Pricing": {"Hourly": {"m5.large": "0.50"}, "Annual": {"m5.large": "3000.00"}}}
  EOF
  tollgate product create --file product.json`,
	}, argSpec{required: []string{"file"}}, func(cmd *cobra.Command, c *client, _ []string) error {
		body, err := readBodyFile(cmd, file)
		if err != nil {
			return err
		}
		var p nativeapi.Product
		if err := c.call(cmd.Context(), http.MethodPost, "/v1/products", body, &p); err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), p)
	})
	create.Flags().StringVar(&file, "file", "", "the product as a JSON `FILE`, - for standard input (required)")
	_ = create.MarkFlagFilename("file", "json")

	list := clientCommand(&cobra.Command{
		Use:   "list [flags]",
		Short: "list the caller's products as JSON",
		Long:  `Print every product the caller sells, as {"Products": [...]}, reading every page.`,
		Example: `  tollgate product list
  tollgate product list | jq -r '.Products[] | [.ProductCode, .PurchaseUrl] | @tsv'`,
	}, argSpec{}, func(cmd *cobra.Command, c *client, _ []string) error {
		var all nativeapi.ProductList
		all.Products = []nativeapi.Product{}
		err := pages(func(token string) (string, error) {
			var page nativeapi.ProductList
			err := c.call(cmd.Context(), http.MethodGet, withQuery("/v1/products", "NextToken", token), nil, &page)
			all.Products = append(all.Products, page.Products...)
			return page.NextToken, err
		})
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), all)
	})

	get := clientCommand(&cobra.Command{
		Use:     "get PRODUCT_ID [flags]",
		Short:   "print one product as JSON",
		Long:    `Print the product PRODUCT_ID (prod-...). Any account may read a product; only its seller sees its ProductToken.`,
		Example: `  tollgate product get prod-0123456789abcdef0`,
	}, argSpec{names: []string{"PRODUCT_ID"}, wrong: "product get takes one PRODUCT_ID, such as prod-0123456789abcdef0"},
		func(cmd *cobra.Command, c *client, args []string) error {
			var p nativeapi.Product
			if err := c.call(cmd.Context(), http.MethodGet, "/v1/products/"+escape(args[0]), nil, &p); err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), p)
		})
	cmd.AddCommand(create, list, get)
	return cmd
}

// subscribeOptions are `tollgate subscribe`'s flags.
type subscribeOptions struct {
	productCode, offer, duration, tier, clientToken string
	annual, quantities                              []string
}

func subscribeCommand() *cobra.Command {
	var o subscribeOptions
	cmd := clientCommand(&cobra.Command{
		Use:   "subscribe --product-code CODE [--annual TYPE=N]... [--duration P12M --quantity NAME=N... --tier TIER] [--offer OFFER_ID] [flags]",
		Short: "subscribe the caller to a product (native API)",
		Long: `Subscribe the caller's account to the product with the code CODE, or to the
private offer OFFER_ID made to it, and print the subscription.

For an image product, --annual TYPE=N buys N annual subscriptions of the
instance type TYPE (repeat it for several types); without it, the hourly
prices apply. For a contract product, --duration names the term (P1M, P12M,
P24M or P36M), --quantity NAME=N the units of each configurable dimension
(repeat it), and --tier the tier of its tiered dimension.`,
		Example: `  tollgate subscribe --product-code a1b2c3d4e5f6g7h8i9j0k1l2m
  tollgate subscribe --product-code a1b2c3d4e5f6g7h8i9j0k1l2m --annual m5.large=2 --annual m5.xlarge=1
  tollgate subscribe --product-code n0p1q2r3s4t5u6v7w8x9y0z1a --duration P12M --quantity Seats=3 --tier ProfessionalTier
  tollgate subscribe --offer offer-0123456789abcdef0`,
	}, argSpec{check: func([]string) error { _, err := o.request(); return err }}, func(cmd *cobra.Command, c *client, _ []string) error {
		req, err := o.request()
		if err != nil {
			return usageError("%s", err)
		}
		body, err := json.Marshal(req)
		if err != nil {
			return err
		}
		var s nativeapi.Subscription
		if err := c.call(cmd.Context(), http.MethodPost, "/v1/subscriptions", body, &s); err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), s)
	})
	f := cmd.Flags()
	f.StringVar(&o.productCode, "product-code", "", "the product's `CODE` (required unless --offer is given)")
	f.StringVar(&o.offer, "offer", "", "a private offer's `OFFER_ID` made to the caller")
	f.StringArrayVar(&o.annual, "annual", nil, "annual subscriptions to buy, as `TYPE=N` (repeatable)")
	f.StringVar(&o.duration, "duration", "", "a contract's term, an ISO 8601 `DURATION`: P1M, P12M, P24M or P36M")
	f.StringArrayVar(&o.quantities, "quantity", nil, "units of a contract's configurable dimension, as `NAME=N` (repeatable)")
	f.StringVar(&o.tier, "tier", "", "the `TIER` of a contract's tiered dimension")
	f.StringVar(&o.clientToken, "client-token", "", "a unique `TOKEN` that makes a retried sign-up return the first one's answer")
	return cmd
}

// request builds the sign-up from the flags.
func (o subscribeOptions) request() (nativeapi.SubscribeRequest, error) {
	req := nativeapi.SubscribeRequest{ProductCode: o.productCode, OfferId: o.offer, ClientToken: o.clientToken}
	if o.productCode == "" && o.offer == "" {
		return req, fmt.Errorf("subscribe needs --product-code or --offer")
	}
	var err error
	if req.Annual, err = counts("--annual", "TYPE=N, such as m5.large=2", o.annual); err != nil {
		return req, err
	}
	if o.duration != "" || o.tier != "" || len(o.quantities) > 0 {
		q, err := counts("--quantity", "NAME=N, such as Seats=3", o.quantities)
		if err != nil {
			return req, err
		}
		req.Contract = &nativeapi.ContractTerms{Duration: o.duration, Quantities: q, Tier: o.tier}
	}
	return req, nil
}

// counts reads repeated NAME=N flags; a name given twice is refused.
func counts(flag, form string, values []string) (map[string]int64, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := make(map[string]int64, len(values))
	for _, v := range values {
		name, n, ok := strings.Cut(v, "=")
		count, err := strconv.ParseInt(n, 10, 64)
		if !ok || name == "" || err != nil {
			return nil, fmt.Errorf("%s %q: want %s", flag, v, form)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%s names %s twice", flag, name)
		}
		out[name] = count
	}
	return out, nil
}

func subscriptionCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "subscription", Annotations: tree, Short: "list, read, change and cancel subscriptions, their charges, and confirm subscribers (native API)"}
	var role, productID string
	list := clientCommand(&cobra.Command{
		Use:   "list [--role buyer|seller] [--product-id PRODUCT_ID] [flags]",
		Short: "list subscriptions as JSON",
		Long: `Print the caller's own subscriptions (--role buyer, the default), or the
subscribers of the caller's products (--role seller), as {"Subscriptions":
[...]}, reading every page.`,
		Example: `  tollgate subscription list
  tollgate subscription list --role seller --product-id prod-0123456789abcdef0`,
	}, argSpec{}, func(cmd *cobra.Command, c *client, _ []string) error {
		all := nativeapi.SubscriptionList{Subscriptions: []nativeapi.Subscription{}}
		err := pages(func(token string) (string, error) {
			var page nativeapi.SubscriptionList
			path := withQuery("/v1/subscriptions", "Role", role, "ProductId", productID, "NextToken", token)
			err := c.call(cmd.Context(), http.MethodGet, path, nil, &page)
			all.Subscriptions = append(all.Subscriptions, page.Subscriptions...)
			return page.NextToken, err
		})
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), all)
	})
	enumFlag(list, &role, "role", "buyer", []string{"buyer", "seller"}, "whose side to list: the caller's subscriptions (buyer) or its products' subscribers (seller)")
	list.Flags().StringVar(&productID, "product-id", "", "only subscriptions to this `PRODUCT_ID`")

	byID := func(use, short, long, example, method string) *cobra.Command {
		name := strings.Fields(use)[0]
		return clientCommand(&cobra.Command{Use: use, Short: short, Long: long, Example: example},
			argSpec{names: []string{"SUBSCRIPTION_ID"}, wrong: "subscription " + name + " takes one SUBSCRIPTION_ID, such as sub-0123456789abcdef0"},
			func(cmd *cobra.Command, c *client, args []string) error {
				var s nativeapi.Subscription
				if err := c.call(cmd.Context(), method, "/v1/subscriptions/"+escape(args[0]), nil, &s); err != nil {
					return err
				}
				return printJSON(cmd.OutOrStdout(), s)
			})
	}
	get := byID("get SUBSCRIPTION_ID [flags]", "print one subscription as JSON",
		`Print the subscription SUBSCRIPTION_ID (sub-...), to its buyer, the seller of its product or an operator.`,
		`  tollgate subscription get sub-0123456789abcdef0`, http.MethodGet)
	cancel := byID("cancel SUBSCRIPTION_ID [flags]", "cancel a subscription at once and print it",
		`Cancel the subscription SUBSCRIPTION_ID (its buyer or an operator): access ends at once, and the
refund due for the unused part is recorded. Print the cancelled subscription.`,
		`  tollgate subscription cancel sub-0123456789abcdef0`, http.MethodDelete)
	cmd.AddCommand(list, get, cancel, subscriptionChangeCommand(), subscriptionChargesCommand(), subscriptionConfirmCommand())
	return cmd
}

// subscriptionChangeCommand upgrades or renews a contract.
func subscriptionChangeCommand() *cobra.Command {
	var o subscribeOptions
	var renew bool
	cmd := clientCommand(&cobra.Command{
		Use:   "change SUBSCRIPTION_ID [--quantity NAME=N]... [--tier TIER] [--duration DURATION] [--renew] [flags]",
		Short: "upgrade or renew a contract and print it",
		Long: `Change the contract SUBSCRIPTION_ID (its buyer). The flags change what they
name and keep the rest as the contract has it now: --quantity NAME=N gives a
dimension's new total, --tier the new tier, --duration the term (P1M, P12M,
P24M or P36M).

Without --renew the change is an upgrade within the current term: no
quantity goes down, the tier only changes to one priced no lower, the
duration stays, and the difference in the term's price is charged at once.
With --renew a new term of the chosen duration starts when the current one
ends (at once if it has ended), for the whole price of the new choices. Either
way the contract's license gets a new version at once. Print the
subscription.`,
		Example: `  tollgate subscription change sub-0123456789abcdef0 --quantity Seats=5
  tollgate subscription change sub-0123456789abcdef0 --renew --duration P24M --quantity Seats=2`,
	}, argSpec{names: []string{"SUBSCRIPTION_ID"}, wrong: "subscription change takes one SUBSCRIPTION_ID, such as sub-0123456789abcdef0",
		check: func([]string) error {
			if o.duration == "" && o.tier == "" && len(o.quantities) == 0 && !renew {
				return fmt.Errorf("subscription change needs --quantity, --tier, --duration or --renew")
			}
			_, err := counts("--quantity", "NAME=N, such as Seats=3", o.quantities)
			return err
		}},
		func(cmd *cobra.Command, c *client, args []string) error {
			path := "/v1/subscriptions/" + escape(args[0])
			var current nativeapi.Subscription
			if err := c.call(cmd.Context(), http.MethodGet, path, nil, &current); err != nil {
				return err
			}
			req := nativeapi.ChangeSubscriptionRequest{Contract: o.changedTerms(current.Contract), Renew: renew}
			body, err := json.Marshal(req)
			if err != nil {
				return err
			}
			var s nativeapi.Subscription
			if err := c.call(cmd.Context(), http.MethodPost, path+"/change", body, &s); err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), s)
		})
	f := cmd.Flags()
	f.StringArrayVar(&o.quantities, "quantity", nil, "a configurable dimension's new total units, as `NAME=N` (repeatable)")
	f.StringVar(&o.tier, "tier", "", "the new `TIER` of the tiered dimension")
	f.StringVar(&o.duration, "duration", "", "the term, an ISO 8601 `DURATION`: P1M, P12M, P24M or P36M")
	f.BoolVar(&renew, "renew", false, "start a new term when the current one ends, instead of upgrading within it")
	return cmd
}

// changedTerms is the contract current with the flags' changes on top; a
// subscription that is not a contract gets the flags alone, which the
// server refuses with its own reason.
func (o subscribeOptions) changedTerms(current *nativeapi.ContractTerms) *nativeapi.ContractTerms {
	next := nativeapi.ContractTerms{Quantities: map[string]int64{}}
	if current != nil {
		next.Duration, next.Tier = current.Duration, current.Tier
		maps.Copy(next.Quantities, current.Quantities)
	}
	q, _ := counts("--quantity", "", o.quantities) // checked before the call
	maps.Copy(next.Quantities, q)
	next.Duration = cmp.Or(o.duration, next.Duration)
	next.Tier = cmp.Or(o.tier, next.Tier)
	return &next
}

// subscriptionChargesCommand lists a subscription's charges.
func subscriptionChargesCommand() *cobra.Command {
	return clientCommand(&cobra.Command{
		Use:   "charges SUBSCRIPTION_ID [flags]",
		Short: "list a subscription's charges as JSON",
		Long: `Print the billable items the subscription SUBSCRIPTION_ID recorded (sign-up,
monthly, annual and contract fees, installments, refunds), each naming the
price version it was rated at, as {"Charges": [...]}, reading every page. Its
buyer, the seller of its product and operators may read them.`,
		Example: `  tollgate subscription charges sub-0123456789abcdef0
  tollgate subscription charges sub-0123456789abcdef0 | jq -r '.Charges[] | [.Kind, .Amount] | @tsv'`,
	}, argSpec{names: []string{"SUBSCRIPTION_ID"}, wrong: "subscription charges takes one SUBSCRIPTION_ID, such as sub-0123456789abcdef0"},
		func(cmd *cobra.Command, c *client, args []string) error {
			all := nativeapi.ChargeList{Charges: []nativeapi.Charge{}}
			err := pages(func(token string) (string, error) {
				var page nativeapi.ChargeList
				path := withQuery("/v1/subscriptions/"+escape(args[0])+"/charges", "NextToken", token)
				err := c.call(cmd.Context(), http.MethodGet, path, nil, &page)
				all.Charges = append(all.Charges, page.Charges...)
				return page.NextToken, err
			})
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), all)
		})
}

// subscriptionConfirmCommand tells a seller whether a customer subscribes.
func subscriptionConfirmCommand() *cobra.Command {
	var code, accountID string
	cmd := clientCommand(&cobra.Command{
		Use:   "confirm --product-code CODE --account-id ACCOUNT_ID [flags]",
		Short: "say whether an account subscribes to one of the caller's products, as JSON",
		Long: `Ask, as the seller of the product code CODE, whether the account ACCOUNT_ID
is subscribed to it now. Print {"Subscribed": true|false, "Status",
"SubscriptionId", ...}; the command exits 0 either way. Only the code's
seller may ask.`,
		Example: `  tollgate subscription confirm --product-code a1b2c3d4e5f6g7h8i9j0k1l2m --account-id 333333333333 | jq -e .Subscribed`,
	}, argSpec{required: []string{"product-code", "account-id"}}, func(cmd *cobra.Command, c *client, _ []string) error {
		var out nativeapi.Confirmation
		path := withQuery("/v1/subscription-confirmations", "ProductCode", code, "AccountId", accountID)
		if err := c.call(cmd.Context(), http.MethodGet, path, nil, &out); err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), out)
	})
	cmd.Flags().StringVar(&code, "product-code", "", "one of the caller's product `CODE`s (required)")
	cmd.Flags().StringVar(&accountID, "account-id", "", "the customer's 12-digit `ACCOUNT_ID` (required)")
	return cmd
}

func offerCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "offer", Annotations: tree, Short: "make and read private offers (native API)"}
	var file string
	create := clientCommand(&cobra.Command{
		Use:   "create --file FILE [flags]",
		Short: "make a private offer from a JSON file and print it",
		Long: `Make a private offer of one of the caller's products from FILE ("-" for
standard input), a JSON object as POST /v1/offers takes it: ProductId, Buyers
(up to 25 account IDs), Pricing (as a product's), DurationMonths, and
optionally Installments and ExpiresAt. Print the offer with its PurchaseUrl,
which only its buyers can open.`,
		Example: `  cat > offer.json <<'EOF'
  {"ProductId": "prod-0123456789abcdef0", "Buyers": ["333333333333"], "DurationMonths": 12,
   "Pricing": {"Annual": {"m5.large": "2500.00"}, "Hourly": {"m5.large": "0.40"}}}
  EOF
  tollgate offer create --file offer.json`,
	}, argSpec{required: []string{"file"}}, func(cmd *cobra.Command, c *client, _ []string) error {
		body, err := readBodyFile(cmd, file)
		if err != nil {
			return err
		}
		var o nativeapi.Offer
		if err := c.call(cmd.Context(), http.MethodPost, "/v1/offers", body, &o); err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), o)
	})
	create.Flags().StringVar(&file, "file", "", "the offer as a JSON `FILE`, - for standard input (required)")
	_ = create.MarkFlagFilename("file", "json")

	list := clientCommand(&cobra.Command{
		Use:     "list [flags]",
		Short:   "list the offers the caller made or was made, as JSON",
		Long:    `Print the private offers the caller made and those made to it, as {"Offers": [...]}, reading every page.`,
		Example: `  tollgate offer list`,
	}, argSpec{}, func(cmd *cobra.Command, c *client, _ []string) error {
		all := nativeapi.OfferList{Offers: []nativeapi.Offer{}}
		err := pages(func(token string) (string, error) {
			var page nativeapi.OfferList
			err := c.call(cmd.Context(), http.MethodGet, withQuery("/v1/offers", "NextToken", token), nil, &page)
			all.Offers = append(all.Offers, page.Offers...)
			return page.NextToken, err
		})
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), all)
	})
	get := clientCommand(&cobra.Command{
		Use:   "get OFFER_ID [flags]",
		Short: "print one private offer as JSON",
		Long: `Print the private offer OFFER_ID (offer-...) with its PurchaseUrl, to the
seller who made it, a buyer it names, or an operator; to anyone else it does
not exist.`,
		Example: `  tollgate offer get offer-0123456789abcdef0`,
	}, argSpec{names: []string{"OFFER_ID"}, wrong: "offer get takes one OFFER_ID, such as offer-0123456789abcdef0"},
		func(cmd *cobra.Command, c *client, args []string) error {
			var o nativeapi.Offer
			if err := c.call(cmd.Context(), http.MethodGet, "/v1/offers/"+escape(args[0]), nil, &o); err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), o)
		})
	cmd.AddCommand(create, list, get)
	return cmd
}

func entitlementCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "entitlement", Annotations: tree, Short: "check the caller's entitlement (native API)"}
	var code, instanceType string
	check := clientCommand(&cobra.Command{
		Use:   "check --product-code CODE [--instance-type TYPE] [flags]",
		Short: "say whether the caller is entitled to a product now, as JSON",
		Long: `Ask the one entitlement check (the one launches, license checkouts and
metering ask) whether the caller is entitled to the product code CODE now,
and, for an image product, to run it on the instance type TYPE. Print
{"Entitled": true|false, "Reason", "SubscriptionId", ...}; the command exits
0 either way.`,
		Example: `  tollgate entitlement check --product-code a1b2c3d4e5f6g7h8i9j0k1l2m --instance-type m5.large
  tollgate entitlement check --product-code a1b2c3d4e5f6g7h8i9j0k1l2m | jq -e .Entitled`,
	}, argSpec{required: []string{"product-code"}}, func(cmd *cobra.Command, c *client, _ []string) error {
		var e nativeapi.Entitlement
		path := withQuery("/v1/entitlements", "ProductCode", code, "InstanceType", instanceType)
		if err := c.call(cmd.Context(), http.MethodGet, path, nil, &e); err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), e)
	})
	check.Flags().StringVar(&code, "product-code", "", "the product `CODE` (required)")
	check.Flags().StringVar(&instanceType, "instance-type", "", "the instance `TYPE` to run, for image products")
	cmd.AddCommand(check)
	return cmd
}

// pages calls fetch with each page's token until a page has no NextToken.
func pages(fetch func(token string) (next string, err error)) error {
	token := ""
	for range 100_000 { // a server that never ends a list is a bug, not a reason to loop forever
		next, err := fetch(token)
		if err != nil || next == "" {
			return err
		}
		token = next
	}
	return fmt.Errorf("the server kept answering more pages; stopped")
}

// withQuery adds the non-empty parameters to path.
func withQuery(path string, params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		if params[i+1] != "" {
			v.Set(params[i], params[i+1])
		}
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

func whoamiCommand() *cobra.Command {
	return clientCommand(&cobra.Command{
		Use:   "whoami [flags]",
		Short: "print the account the client's keys act as (native API)",
		Long: `Print {"AccountId", "Arn", "AccessKeyId", "AuthenticatedBy"}: whom the server
takes the client's keys for.`,
		Example: `  tollgate whoami
  tollgate whoami --endpoint-url http://127.0.0.1:7070 --access-key-id AKIATOLLGATEBUYER001 --secret-access-key ...`,
	}, argSpec{}, func(cmd *cobra.Command, c *client, _ []string) error {
		var w nativeapi.WhoAmI
		if err := c.call(cmd.Context(), http.MethodGet, "/v1/whoami", nil, &w); err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), w)
	})
}

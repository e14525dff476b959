package nativeapi_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/nativeapi"
)

func TestHostileInput(t *testing.T)         { testHostileInput(t, start(t, app.AuthStrict)) }
func TestHostileInputPostgres(t *testing.T) { testHostileInput(t, startPostgres(t)) }

// testHostileInput sends identifiers and strings no client should send
// (NUL bytes, bytes that are not UTF-8, which PostgreSQL refuses to
// store or compare) in paths, queries and bodies: each is the client's
// mistake, a 400 naming the field as the request did, never a 500.
func testHostileInput(t *testing.T, e *env) {
	for _, tc := range []struct {
		path  string
		field string
	}{
		{"/v1/products/%00", "id"},
		{"/v1/products/%ff%fe", "id"},
		{"/v1/products/%00/price-versions", "id"},
		{"/v1/products/prod-0/subscribers", "id"},
		{"/v1/subscriptions/%00", "id"},
		{"/v1/subscriptions/%00/charges", "id"},
		{"/v1/offers/%00", "id"},
		{"/v1/entitlements?ProductCode=%00", "ProductCode"},
		{"/v1/entitlements?InstanceType=%ff&ProductCode=abcdefgh", "InstanceType"},
		{"/v1/subscription-confirmations?AccountId=%ff&ProductCode=abcdefgh", "AccountId"},
		{"/v1/subscriptions?ProductId=%00", "ProductId"},
		{"/v1/products?NextToken=%00", "NextToken"},
		{"/v1/subscriptions?NextToken=%ff", "NextToken"},
		{"/v1/offers?NextToken=%ff", "NextToken"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := e.Buyer.Do(http.MethodGet, tc.path, nil).Want(t, http.StatusBadRequest)
			p := problem(t, r)
			if !slices.ContainsFunc(p.Errors, func(f nativeapi.FieldProblem) bool { return f.Field == tc.field }) {
				t.Errorf("no error for %s: %+v", tc.field, p)
			}
		})
	}
	for _, tc := range []struct {
		path, body, field string
	}{
		{"/v1/subscriptions", `{"ProductCode": "\u0000abcdefgh"}`, "ProductCode"},
		{"/v1/subscriptions", `{"OfferId": "\u0000"}`, "OfferId"},
		{"/v1/subscriptions", `{"ProductCode": "abcdefgh", "Annual": {"\u0000": 1}}`, ""},
		{"/v1/products", `{"Name": "a\u0000b", "Kind": "saas"}`, "Name"},
		{"/v1/products", `{"Name": "ok", "Kind": "saas", "ReturnUrl": "javascript:alert(1)"}`, "ReturnUrl"},
		{"/v1/products", `{"Name": "ok", "Kind": "paid-image", "InstanceTypes": ["\u0000"]}`, "InstanceTypes[0]"},
		{"/v1/offers", `{"ProductId": "\u0000", "Buyers": ["\u0000"]}`, "ProductId"},
	} {
		t.Run(tc.body, func(t *testing.T) {
			r := e.Seller.Do(http.MethodPost, tc.path, tc.body)
			if r.Status >= 500 {
				t.Fatalf("%d: %s", r.Status, r.Body)
			}
			p := problem(t, r)
			if r.Status != http.StatusBadRequest && r.Status != http.StatusNotFound {
				t.Errorf("status %d: %+v", r.Status, p)
			}
			if tc.field != "" && !slices.ContainsFunc(p.Errors, func(f nativeapi.FieldProblem) bool { return f.Field == tc.field }) {
				t.Errorf("no error for %s: %+v", tc.field, p)
			}
		})
	}
}

package licensemanager_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/awsapi/licensemanager"
	"github.com/tollgate/tollgate/internal/store"
)

// FuzzOperations sends arbitrary JSON bodies to every License Manager
// operation: whatever the body, the answer is a client error or a success,
// never a server error or a crash.
func FuzzOperations(f *testing.F) {
	ops := operationNames()
	seeds := []string{
		`{}`, `{"ClientToken":"t","ProductSKU":"sku","CheckoutType":"PROVISIONAL","KeyFingerprint":"aws:1:Self:issuer-fingerprint","Entitlements":[{"Name":"a","Value":"1","Unit":"Count"}]}`,
		`{"LicenseArn":"arn:aws:license-manager::123456789012:license:l-00000000000000000000000000000000"}`,
		`{"LicenseName":"n","ProductName":"p","ProductSKU":"s","Issuer":{"Name":"Self"},"HomeRegion":"us-east-1","Validity":{"Begin":"2024-01-01T00:00:00Z"},"Entitlements":[{"Name":"e","MaxCount":5,"Unit":"Count"}],"Beneficiary":"1","ConsumptionConfiguration":{"ProvisionalConfiguration":{"MaxTimeToLiveInMinutes":60}},"ClientToken":"c"}`,
		`{"GrantArn":"arn:aws:license-manager::123456789012:grant:g-00000000000000000000000000000000","Status":"ACTIVE","ClientToken":"x"}`,
		`{"Filters":[{"Name":"ProductSKU","Values":["a"]}],"MaxResults":0,"NextToken":"!!"}`,
		`{"LicenseConsumptionToken":"abc","DryRun":true}`, `[]`, `null`, `{"MaxResults":"ten"}`, `{"Entitlements":[{"Value":1}]}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	a, err := app.Open(context.Background(), app.Config{Store: store.Config{DataDir: f.TempDir()}, Auth: app.AuthEmulator,
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { a.Close() })
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		name := ops[int(op)%len(ops)]
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "AWSLicenseManager."+name)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s with body %q: HTTP %d: %s", name, body, rec.Code, rec.Body.String())
		}
	})
}

func operationNames() []string {
	var names []string
	for name := range licensemanager.Service(nil).Operations {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

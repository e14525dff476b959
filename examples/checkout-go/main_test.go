package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/examples/internal/demoserver"
	"github.com/tollgate/tollgate/internal/demo"
)

func demoOptions(url string) options {
	return options{endpoint: url, sku: demo.ProductSKU, fingerprint: demo.Fingerprint(demo.Parties()), entitlement: "Seats"}
}

// TestRun runs the example as the README does, against an in-process server
// with the demo world: it checks a seat out, verifies the token and checks
// the seat in, which leaves the seat free, so that it runs any number of
// times on the demo's five seats.
func TestRun(t *testing.T) {
	url := demoserver.Start(t)
	want := regexp.MustCompile(`^checked out 1 Seats of arn:aws:license-manager::\d{12}:license:l-[0-9a-f]+ until \S+Z
signed token verified: signed by ` + regexp.QuoteMeta(demo.Fingerprint(demo.Parties())) + `, expires \S+Z
checked in
$`)
	for i := range 7 {
		var out strings.Builder
		if err := run(t.Context(), demoOptions(url), &out); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if !want.MatchString(out.String()) {
			t.Fatalf("run %d printed:\n%s\nwant it to match %s", i+1, out.String(), want)
		}
	}
}

// TestRunNoLicense: a checkout of a product the buyer holds no license for
// fails with License Manager's error, and nothing after it runs.
func TestRunNoLicense(t *testing.T) {
	url := demoserver.Start(t)
	o := demoOptions(url)
	o.sku = "no-such-product"
	var out strings.Builder
	err := run(t.Context(), o, &out)
	if err == nil || !strings.Contains(err.Error(), "check out:") || out.Len() != 0 {
		t.Errorf("run for an unknown product: err %v, printed %q; want a check-out error and nothing printed", err, out.String())
	}
}

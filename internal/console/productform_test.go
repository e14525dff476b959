package console

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
)

// TestProductFormInput: the form's rows become the catalog's input, empty
// rows left out, tiers under the tiered dimension that names them.
func TestProductFormInput(t *testing.T) {
	v := url.Values{
		"Name": {" Acme "}, "Kind": {"contract"}, "Description": {" kept as typed "}, "ReturnURL": {"https://acme.example/"},
		"SignUpFee": {"10.00"}, "MonthlyFee": {""}, "FreeTrialDays": {"7"},
		"type.0.name": {"m5.large"}, "type.0.hourly": {"0.50"}, "type.0.annual": {"3000"},
		"type.2.name": {"m5.xlarge"}, "type.2.hourly": {"1.00"},
		"usage.1.dimension": {"Requests"}, "usage.1.unit": {"Count"}, "usage.1.price": {"0.001"},
		"duration":   {"P12M", "P1M"},
		"dim.0.name": {"Seats"}, "dim.0.unit": {"Count"}, "dim.0.type": {"Configurable"}, "dim.0.floating": {"1"},
		"dim.0.price.P1M": {"10"}, "dim.0.price.P12M": {"100"},
		"dim.1.name": {"Edition"}, "dim.1.type": {"Tiered"},
		"tier.0.dimension": {"Edition"}, "tier.0.name": {"Pro"}, "tier.0.price.P12M": {"500"},
		"tier.1.dimension": {"Other"}, "tier.1.name": {"Lost"}, "tier.1.price.P12M": {"1"},
	}
	f := readProductForm(v)
	got := f.input()
	want := catalog.CreateProductInput{
		Name: "Acme", Kind: "contract", Description: " kept as typed ", ReturnURL: "https://acme.example/",
		InstanceTypes: []string{"m5.large", "m5.xlarge"},
		Pricing: catalog.PricingInput{SignUpFee: "10.00", FreeTrialDays: 7,
			Hourly: map[string]string{"m5.large": "0.50", "m5.xlarge": "1.00"},
			Annual: map[string]string{"m5.large": "3000"},
			Usage:  []catalog.UsageDimensionInput{{Dimension: "Requests", Unit: "Count", Price: "0.001"}},
			Contract: &catalog.ContractPricingInput{Durations: []string{"P1M", "P12M"}, Dimensions: []catalog.ContractDimensionInput{
				{Name: "Seats", Unit: "Count", Type: "Configurable", Floating: true, Price: map[string]string{"P1M": "10", "P12M": "100"}},
				{Name: "Edition", Type: "Tiered", Tiers: map[string]map[string]string{"Pro": {"P12M": "500"}}},
			}},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("input (-want +got):\n%s", d)
	}
	if len(f.Errors) != 0 {
		t.Errorf("errors for a good form: %v", f.Errors)
	}
}

// TestProductFormPlacesErrors: each catalog error is shown next to the
// input its path names (the longest path the form knows), and all of them
// in the summary.
func TestProductFormPlacesErrors(t *testing.T) {
	f := readProductForm(url.Values{
		"type.0.name": {"m5.large"}, "type.1.name": {""}, "type.2.name": {"bogus.type"}, "type.2.hourly": {"x"},
		"usage.1.dimension": {"Requests"}, "dim.0.name": {"Seats"}, "duration": {"P12M"},
		"tier.0.dimension": {"Seats"}, "tier.0.name": {"Gold"},
	})
	f.input()
	f.showErrors(fault.InvalidFields([]fault.FieldError{
		{Field: "Name", Message: "is required"},
		{Field: "InstanceTypes[1]", Message: "is unknown"},
		{Field: "Pricing.Hourly.bogus.type", Message: "is not a decimal"},
		{Field: "Pricing.Annual.m5.large", Message: "needs an annual price"},
		{Field: "Pricing.Usage[0].Price", Message: "is required"},
		{Field: "Pricing.Usage", Message: "cannot be combined"},
		{Field: "Pricing.Contract.Durations[0]", Message: "is odd"},
		{Field: "Pricing.Contract.Dimensions[0].Price.P12M", Message: "needs a price"},
		{Field: "Pricing.Contract.Dimensions[0].Tiers.Gold.P12M", Message: "tier price"},
		{Field: "Pricing.Contract.Dimensions[0].Unit", Message: "is required"},
		{Field: "Pricing.MonthlyFee", Message: "cannot be combined"},
		{Field: "Somewhere.Else", Message: "is wrong"},
	}))
	wantErrors := map[string][]string{
		"Name":              {"is required"},
		"type.2.name":       {"is unknown"},
		"type.2.hourly":     {"is not a decimal"},
		"type.0.annual":     {"needs an annual price"},
		"usage.1.price":     {"is required"},
		"usage.0.dimension": {"cannot be combined"},
		"duration-P12M":     {"is odd"},
		"dim.0.price.P12M":  {"needs a price"},
		"tier.0.price.P12M": {"tier price"},
		"dim.0.unit":        {"is required"},
		"MonthlyFee":        {"cannot be combined"},
	}
	if d := cmp.Diff(wantErrors, f.Errors); d != "" {
		t.Errorf("errors by input (-want +got):\n%s", d)
	}
	if len(f.Summary) != 12 {
		t.Errorf("summary has %d entries, want all 12: %+v", len(f.Summary), f.Summary)
	}
	if last := f.Summary[len(f.Summary)-1]; last.Input != "" || last.Label != "Somewhere.Else" {
		t.Errorf("an error of no known field: %+v, want it in the summary under its path", last)
	}
	if first := f.Summary[0]; first.Input != "Name" || first.Label != "Name" {
		t.Errorf("the Name error in the summary: %+v", first)
	}
}

// TestProductFormRows: row counts come from the form, bounded.
func TestProductFormRows(t *testing.T) {
	for _, tc := range []struct {
		rows string
		want int
	}{{"", startTypeRows}, {"2", startTypeRows}, {"9", 9}, {"100000", maxRows}, {"-5", startTypeRows}, {"x", startTypeRows}} {
		f := readProductForm(url.Values{"rows.type": {tc.rows}, "rows.usage": {tc.rows}})
		if len(f.Types) != tc.want {
			t.Errorf("rows.type=%q: %d rows, want %d", tc.rows, len(f.Types), tc.want)
		}
		if len(f.Usage) > catalog.MaxDimensions {
			t.Errorf("rows.usage=%q: %d usage rows, more than %d", tc.rows, len(f.Usage), catalog.MaxDimensions)
		}
	}
}

// TestProductFormFreeTrialNotANumber: the form's own check.
func TestProductFormFreeTrialNotANumber(t *testing.T) {
	f := readProductForm(url.Values{"FreeTrialDays": {"two weeks"}})
	f.input()
	if d := cmp.Diff(map[string][]string{"FreeTrialDays": {"must be a whole number of days, such as 14"}}, f.Errors); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"0", "$0.00"}, {"0.5", "$0.50"}, {"3000", "$3,000.00"}, {"1234567.891", "$1,234,567.891"},
		{"0.000125", "$0.000125"}, {"-2.5", "−$2.50"}, {"-1000", "−$1,000.00"}, {"100", "$100.00"},
	} {
		neg := strings.HasPrefix(tc.in, "-")
		a := money.MustParse(strings.TrimPrefix(tc.in, "-"))
		if neg {
			a = a.Neg()
		}
		if got := formatMoney(a); got != tc.want {
			t.Errorf("formatMoney(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for in, want := range map[catalog.Duration]string{"P1M": "1 month", "P12M": "12 months", "P1Y": "1 year", "P3Y": "3 years",
		"PXM": "PXM", "": "", "P12D": "P12D"} {
		if got := durationLabel(in); got != want {
			t.Errorf("durationLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

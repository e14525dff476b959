package catalog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
)

// imageProduct is a valid paid-image product with hourly and annual prices.
func imageProduct() CreateProductInput {
	return CreateProductInput{
		Name: "Acme Analytics", Kind: "paid-image", Description: "Dashboards.\n\tFast.",
		InstanceTypes: []string{"m5.large", "m5.xlarge"},
		ReturnURL:     "https://acme.example/welcome",
		Pricing: PricingInput{
			SignUpFee: "10.00",
			Hourly:    map[string]string{"m5.large": "0.50", "m5.xlarge": "1.00"},
			Annual:    map[string]string{"m5.large": "3000.00", "m5.xlarge": "6000.00"},
		},
	}
}

// contractProduct is a valid contract product with a configurable and a
// tiered dimension.
func contractProduct() CreateProductInput {
	return CreateProductInput{
		Name: "Acme Seats", Kind: "contract",
		Pricing: PricingInput{Contract: &ContractPricingInput{
			Durations: []string{"P1M", "P12M"},
			Dimensions: []ContractDimensionInput{
				{Name: "Seats", Unit: "Count", Type: "Configurable", Price: map[string]string{"P1M": "10.00", "P12M": "100.00"}},
				{Name: "Edition", Type: "Tiered", Tiers: map[string]map[string]string{
					"BasicTier":        {"P1M": "0.00", "P12M": "0.00"},
					"ProfessionalTier": {"P1M": "50.00", "P12M": "500.00"},
				}},
			},
		}},
	}
}

// usageProduct is a valid SaaS product priced by usage and a monthly fee.
func usageProduct() CreateProductInput {
	return CreateProductInput{
		Name: "Acme API", Kind: "saas",
		Pricing: PricingInput{MonthlyFee: "5.00", Usage: []UsageDimensionInput{
			{Dimension: "Requests", Unit: "Count", Price: "0.001"},
			{Dimension: "Storage", Unit: "Gigabytes", Price: "0.10"},
		}},
	}
}

func fe(field, code, message string) fault.FieldError {
	return fault.FieldError{Field: field, Code: code, Message: message}
}

// fieldErrors returns the fields of an InvalidFields error, failing the
// test if err is anything else.
func fieldErrors(t *testing.T, err error) []fault.FieldError {
	t.Helper()
	if err == nil {
		return nil
	}
	f := fault.As(err)
	if f.Kind != fault.Invalid || len(f.Fields) == 0 {
		t.Fatalf("got %v (%v), want an Invalid fault with fields", err, f.Kind)
	}
	return f.Fields
}

const (
	places     = "at most 6 are allowed (USD prices are exact to 0.000001)"
	annualBoth = "with annual pricing every instance type has an hourly and an annual price"
	zeroAnnual = "may be 0 only where the hourly price is 0 too and another instance type has an annual price above 0"
	dimName    = "must be 1 to 100 letters, digits, '_', '.', '-', not "
)

type ruleCase struct {
	name   string
	base   func() CreateProductInput
	mutate func(in *CreateProductInput)
	want   []fault.FieldError
}

// TestProductRules covers every rule of CreateProductInput.Validate with its
// exact error; the base products are valid, and each case breaks one rule.
func TestProductRules(t *testing.T) {
	for _, base := range []func() CreateProductInput{imageProduct, contractProduct, usageProduct} {
		if err := base().Validate(); err != nil {
			t.Fatalf("base product %s is invalid: %v", base().Name, err)
		}
	}
	cases := append(append(append(textCases(), instanceTypeCases()...), priceCases()...), append(annualCases(), contractCases()...)...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.base()
			tc.mutate(&in)
			got := fieldErrors(t, in.Validate())
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func textCases() []ruleCase {
	return []ruleCase{
		{"NameRequired", imageProduct, func(in *CreateProductInput) { in.Name = "" },
			[]fault.FieldError{fe("Name", "required", "is required")}},
		{"NameBlank", imageProduct, func(in *CreateProductInput) { in.Name = " \t " },
			[]fault.FieldError{fe("Name", "required", "is required")}},
		{"NameTooLong", imageProduct, func(in *CreateProductInput) { in.Name = strings.Repeat("é", 129) },
			[]fault.FieldError{fe("Name", "too_long", "is 258 bytes; at most 256 are allowed")}},
		{"NameLongestAllowed", imageProduct, func(in *CreateProductInput) { in.Name = strings.Repeat("n", 256) }, nil},
		{"NameNotUTF8", imageProduct, func(in *CreateProductInput) { in.Name = "Acme \xff" },
			[]fault.FieldError{fe("Name", "invalid_utf8", "must be valid UTF-8 text")}},
		{"NameNUL", imageProduct, func(in *CreateProductInput) { in.Name = "Acme\x00" },
			[]fault.FieldError{fe("Name", "control_character", "must not contain control characters such as NUL or line breaks")}},
		{"NameNewline", imageProduct, func(in *CreateProductInput) { in.Name = "Acme\nAnalytics" },
			[]fault.FieldError{fe("Name", "control_character", "must not contain control characters such as NUL or line breaks")}},
		{"NameC1Control", imageProduct, func(in *CreateProductInput) { in.Name = "Acme\u0085" },
			[]fault.FieldError{fe("Name", "control_character", "must not contain control characters such as NUL or line breaks")}},
		{"NameScript", imageProduct, func(in *CreateProductInput) { in.Name = "<script>alert(1)</script>" },
			[]fault.FieldError{fe("Name", "markup", "must not contain < or >: a product name is plain text")}},
		{"NameUnicode", imageProduct, func(in *CreateProductInput) { in.Name = "Äcme & Söhne 分析" }, nil},
		{"DescriptionTooLong", imageProduct, func(in *CreateProductInput) { in.Description = strings.Repeat("d", 16*1024+1) },
			[]fault.FieldError{fe("Description", "too_long", "is 16385 bytes; at most 16384 are allowed")}},
		{"DescriptionTenMegabytes", imageProduct, func(in *CreateProductInput) { in.Description = strings.Repeat("d", 10<<20) },
			[]fault.FieldError{fe("Description", "too_long", "is 10485760 bytes; at most 16384 are allowed")}},
		{"DescriptionLongestAllowed", imageProduct, func(in *CreateProductInput) { in.Description = strings.Repeat("d", 16*1024) }, nil},
		{"DescriptionNotUTF8", imageProduct, func(in *CreateProductInput) { in.Description = "\xc3\x28" },
			[]fault.FieldError{fe("Description", "invalid_utf8", "must be valid UTF-8 text")}},
		{"DescriptionNUL", imageProduct, func(in *CreateProductInput) { in.Description = "a\x00b" },
			[]fault.FieldError{fe("Description", "control_character", "must not contain control characters other than tabs and line breaks")}},
		{"KindRequired", usageProduct, func(in *CreateProductInput) { in.Kind = "" },
			[]fault.FieldError{fe("Kind", "required", "is required: one of paid-image, supported-image, contract or saas")}},
		{"KindUnknown", usageProduct, func(in *CreateProductInput) { in.Kind = "Paid-Image" },
			[]fault.FieldError{fe("Kind", "invalid_kind", `must be one of paid-image, supported-image, contract or saas, not "Paid-Image"`)}},
		{"ReturnURLRelative", imageProduct, func(in *CreateProductInput) { in.ReturnURL = "/welcome" },
			[]fault.FieldError{fe("ReturnURL", "invalid_url", "must be an absolute http or https URL, such as https://example.com/welcome")}},
		{"ReturnURLJavaScript", imageProduct, func(in *CreateProductInput) { in.ReturnURL = "javascript:alert(1)" },
			[]fault.FieldError{fe("ReturnURL", "invalid_url", "must be an absolute http or https URL, such as https://example.com/welcome")}},
		{"ReturnURLNoHost", imageProduct, func(in *CreateProductInput) { in.ReturnURL = "https:///path" },
			[]fault.FieldError{fe("ReturnURL", "invalid_url", "must be an absolute http or https URL, such as https://example.com/welcome")}},
		{"ReturnURLTooLong", imageProduct, func(in *CreateProductInput) { in.ReturnURL = "https://a.example/" + strings.Repeat("p", 2048) },
			[]fault.FieldError{fe("ReturnURL", "too_long", "is 2066 bytes; at most 2048 are allowed")}},
		{"ReturnURLHTTP", imageProduct, func(in *CreateProductInput) { in.ReturnURL = "http://localhost:8080/done?x=1" }, nil},
		{"ReturnURLAbsent", imageProduct, func(in *CreateProductInput) { in.ReturnURL = "" }, nil},
	}
}

func instanceTypeCases() []ruleCase {
	return []ruleCase{
		{"InstanceTypeMalformed", usageProduct, func(in *CreateProductInput) { in.InstanceTypes = []string{"m5.large", "M5.LARGE", "<b>", "m5"} },
			[]fault.FieldError{
				fe("InstanceTypes[1]", "invalid_instance_type", `must be an instance type name such as m5.large, not "M5.LARGE"`),
				fe("InstanceTypes[2]", "invalid_instance_type", `must be an instance type name such as m5.large, not "<b>"`),
				fe("InstanceTypes[3]", "invalid_instance_type", `must be an instance type name such as m5.large, not "m5"`),
			}},
		{"InstanceTypeDuplicate", imageProduct, func(in *CreateProductInput) { in.InstanceTypes = append(in.InstanceTypes, "m5.large") },
			[]fault.FieldError{fe("InstanceTypes[2]", "duplicate", "repeats m5.large")}},
		{"InstanceTypesTooMany", usageProduct, func(in *CreateProductInput) {
			for i := range 501 {
				in.InstanceTypes = append(in.InstanceTypes, fmt.Sprintf("x%d.large", i))
			}
		}, []fault.FieldError{fe("InstanceTypes", "too_many", "has 501 instance types; at most 500 are allowed")}},
		{"HourlyUnlistedType", imageProduct, func(in *CreateProductInput) {
			in.Pricing.Annual = nil
			in.Pricing.Hourly["c5.large"] = "0.10"
		}, []fault.FieldError{fe("Pricing.Hourly.c5.large", "unlisted_instance_type", `prices "c5.large", which is not among the product's InstanceTypes`)}},
		{"AnnualUnlistedType", imageProduct, func(in *CreateProductInput) { in.Pricing.Annual["c5.large"] = "900.00" },
			[]fault.FieldError{fe("Pricing.Annual.c5.large", "unlisted_instance_type", `prices "c5.large", which is not among the product's InstanceTypes`)}},
	}
}

func priceCases() []ruleCase {
	return []ruleCase{
		{"PriceNotDecimal", imageProduct, func(in *CreateProductInput) { in.Pricing.SignUpFee = "ten" },
			[]fault.FieldError{fe("Pricing.SignUpFee", "not_decimal", `must be a decimal amount such as 10.00, not "ten"`)}},
		{"PriceNegative", imageProduct, func(in *CreateProductInput) { in.Pricing.Hourly["m5.large"] = "-0.50" },
			[]fault.FieldError{fe("Pricing.Hourly.m5.large", "negative", "must not be negative")}},
		{"PriceTwentyPlaces", usageProduct, func(in *CreateProductInput) { in.Pricing.Usage[1].Price = "0.10000000000000000001" },
			[]fault.FieldError{fe("Pricing.Usage[1].Price", "too_many_places", "has 20 decimal places; "+places)}},
		{"PriceTooLarge", usageProduct, func(in *CreateProductInput) { in.Pricing.MonthlyFee = "1000000000000" },
			[]fault.FieldError{fe("Pricing.MonthlyFee", "too_large", "must be at most 999999999999.999999")}},
		{"PriceSixPlaces", usageProduct, func(in *CreateProductInput) { in.Pricing.Usage[0].Price = "0.000001" }, nil},
		{"FreeTrialTooLong", imageProduct, func(in *CreateProductInput) { in.Pricing.Annual, in.Pricing.FreeTrialDays = nil, 32 },
			[]fault.FieldError{fe("Pricing.FreeTrialDays", "out_of_range", "must be from 0 to 31 days, not 32")}},
		{"FreeTrialNegative", imageProduct, func(in *CreateProductInput) { in.Pricing.FreeTrialDays = -1 },
			[]fault.FieldError{fe("Pricing.FreeTrialDays", "out_of_range", "must be from 0 to 31 days, not -1")}},
		{"FreeTrialLongest", imageProduct, func(in *CreateProductInput) { in.Pricing.FreeTrialDays = 31 }, nil},
		{"MonthlyWithFreeTrial", imageProduct, func(in *CreateProductInput) {
			in.Pricing.Annual, in.Pricing.MonthlyFee, in.Pricing.FreeTrialDays = nil, "5.00", 7
		}, []fault.FieldError{fe("Pricing.MonthlyFee", "monthly_with_free_trial", "cannot be combined with a free trial")}},
		{"MonthlyWithAnnual", imageProduct, func(in *CreateProductInput) { in.Pricing.MonthlyFee = "5.00" },
			[]fault.FieldError{fe("Pricing.MonthlyFee", "monthly_with_annual", "cannot be combined with annual pricing")}},
		{"ZeroMonthlyWithAnnual", imageProduct, func(in *CreateProductInput) { in.Pricing.MonthlyFee = "0.00" }, nil},
		{"UsageWithFreeTrial", usageProduct, func(in *CreateProductInput) { in.Pricing.MonthlyFee, in.Pricing.FreeTrialDays = "", 14 },
			[]fault.FieldError{fe("Pricing.Usage", "usage_with_free_trial", "usage pricing cannot be combined with a free trial")}},
		{"UsageWithAnnual", imageProduct, func(in *CreateProductInput) {
			in.Pricing.Usage = []UsageDimensionInput{{Dimension: "Requests", Unit: "Count", Price: "0.01"}}
		}, []fault.FieldError{fe("Pricing.Usage", "usage_with_annual", "usage pricing cannot be combined with annual pricing")}},
		{"UsageTooMany", usageProduct, func(in *CreateProductInput) {
			in.Pricing.Usage = nil
			for i := range 25 {
				in.Pricing.Usage = append(in.Pricing.Usage, UsageDimensionInput{Dimension: fmt.Sprintf("D%d", i), Unit: "Count", Price: "1"})
			}
		}, []fault.FieldError{fe("Pricing.Usage", "too_many", "has 25 dimensions; at most 24 are allowed")}},
		{"UsageMost", usageProduct, func(in *CreateProductInput) {
			in.Pricing.Usage = nil
			for i := range 24 {
				in.Pricing.Usage = append(in.Pricing.Usage, UsageDimensionInput{Dimension: fmt.Sprintf("D%d", i), Unit: "Count", Price: "1"})
			}
		}, nil},
		{"UsageDimensionNames", usageProduct, func(in *CreateProductInput) {
			in.Pricing.Usage = append(in.Pricing.Usage,
				UsageDimensionInput{Dimension: "Requests", Unit: "Count", Price: "1"},
				UsageDimensionInput{Dimension: "Data out", Unit: "Bytes/Second", Price: "1"},
				UsageDimensionInput{Unit: "Giga bytes", Price: ""})
		}, []fault.FieldError{
			fe("Pricing.Usage[2].Dimension", "duplicate", "repeats Requests"),
			fe("Pricing.Usage[3].Dimension", "invalid_name", dimName+`"Data out"`),
			fe("Pricing.Usage[4].Dimension", "required", "is required"),
			fe("Pricing.Usage[4].Unit", "invalid_name", `must be 1 to 100 letters, digits, '_', '.', '-', '/', not "Giga bytes"`),
			fe("Pricing.Usage[4].Price", "not_decimal", `must be a decimal amount such as 10.00, not ""`),
		}},
		{"UsageUnitRequired", usageProduct, func(in *CreateProductInput) { in.Pricing.Usage[0].Unit = "" },
			[]fault.FieldError{fe("Pricing.Usage[0].Unit", "required", "is required")}},
		{"HourlyOnContract", contractProduct, func(in *CreateProductInput) {
			in.InstanceTypes = []string{"m5.large"}
			in.Pricing.Hourly = map[string]string{"m5.large": "0.10"}
		}, []fault.FieldError{fe("Pricing.Hourly", "not_for_kind", "is not a pricing model of contract products")}},
		{"AnnualOnContract", contractProduct, func(in *CreateProductInput) {
			in.InstanceTypes = []string{"m5.large"}
			in.Pricing.Annual = map[string]string{"m5.large": "100"}
		}, []fault.FieldError{fe("Pricing.Annual", "not_for_kind", "is not a pricing model of contract products")}},
		{"FreeTrialOnContract", contractProduct, func(in *CreateProductInput) { in.Pricing.FreeTrialDays = 7 },
			[]fault.FieldError{fe("Pricing.FreeTrialDays", "not_for_kind", "is not a pricing model of contract products")}},
		{"HourlyOnSaaS", usageProduct, func(in *CreateProductInput) {
			in.InstanceTypes = []string{"m5.large"}
			in.Pricing.Hourly = map[string]string{"m5.large": "0.10"}
		}, []fault.FieldError{fe("Pricing.Hourly", "not_for_kind", "is not a pricing model of saas products")}},
		{"ContractRequired", contractProduct, func(in *CreateProductInput) { in.Pricing.Contract = nil },
			[]fault.FieldError{fe("Pricing.Contract", "required", "is required: a contract product is priced per dimension and duration")}},
		{"ContractOnImage", imageProduct, func(in *CreateProductInput) { in.Pricing.Contract = contractProduct().Pricing.Contract },
			[]fault.FieldError{fe("Pricing.Contract", "not_for_kind", "is not a pricing model of paid-image products")}},
		{"ContractOnSaaS", usageProduct, func(in *CreateProductInput) { in.Pricing.Contract = contractProduct().Pricing.Contract },
			[]fault.FieldError{fe("Pricing.Contract", "not_for_kind", "is not a pricing model of saas products")}},
	}
}

func annualCases() []ruleCase {
	return []ruleCase{
		{"AnnualNeedsHourly", imageProduct, func(in *CreateProductInput) { delete(in.Pricing.Hourly, "m5.xlarge") },
			[]fault.FieldError{fe("Pricing.Hourly.m5.xlarge", "missing_hourly", "needs an hourly price: "+annualBoth)}},
		{"AnnualForEveryType", imageProduct, func(in *CreateProductInput) { delete(in.Pricing.Annual, "m5.large") },
			[]fault.FieldError{fe("Pricing.Annual.m5.large", "missing_annual", "needs an annual price: "+annualBoth)}},
		{"AnnualTypeWithNeither", imageProduct, func(in *CreateProductInput) { in.InstanceTypes = append(in.InstanceTypes, "c5.large") },
			[]fault.FieldError{
				fe("Pricing.Hourly.c5.large", "missing_hourly", "needs an hourly price: "+annualBoth),
				fe("Pricing.Annual.c5.large", "missing_annual", "needs an annual price: "+annualBoth),
			}},
		{"HourlyOnlyIsFine", imageProduct, func(in *CreateProductInput) {
			in.Pricing.Annual = nil
			delete(in.Pricing.Hourly, "m5.xlarge")
		}, nil},
		{"ZeroAnnualWithZeroHourly", imageProduct, func(in *CreateProductInput) {
			in.Pricing.Hourly["m5.large"], in.Pricing.Annual["m5.large"] = "0", "0.00"
		}, nil},
		{"ZeroAnnualWithPaidHourly", imageProduct, func(in *CreateProductInput) { in.Pricing.Annual["m5.large"] = "0" },
			[]fault.FieldError{fe("Pricing.Annual.m5.large", "zero_annual", zeroAnnual)}},
		{"EveryAnnualZero", imageProduct, func(in *CreateProductInput) {
			in.Pricing.Hourly = map[string]string{"m5.large": "0", "m5.xlarge": "0"}
			in.Pricing.Annual = map[string]string{"m5.large": "0", "m5.xlarge": "0.000"}
		}, []fault.FieldError{
			fe("Pricing.Annual.m5.large", "zero_annual", zeroAnnual),
			fe("Pricing.Annual.m5.xlarge", "zero_annual", zeroAnnual),
		}},
	}
}

func contractCases() []ruleCase {
	dims := func(in *CreateProductInput) []ContractDimensionInput { return in.Pricing.Contract.Dimensions }
	const d0, d1 = "Pricing.Contract.Dimensions[0]", "Pricing.Contract.Dimensions[1]"
	return []ruleCase{
		{"DurationsRequired", contractProduct, func(in *CreateProductInput) {
			in.Pricing.Contract.Durations = nil
			dims(in)[0].Price = map[string]string{}
			dims(in)[1].Tiers = map[string]map[string]string{"BasicTier": {}}
		}, []fault.FieldError{fe("Pricing.Contract.Durations", "required", "needs at least one duration, such as P12M")}},
		{"DurationNotOffered", contractProduct, func(in *CreateProductInput) {
			in.Pricing.Contract.Durations = []string{"P1M", "P12M", "P6M", "P12M"}
		}, []fault.FieldError{
			fe("Pricing.Contract.Durations[2]", "invalid_duration", `must be one of P1M, P12M, P24M or P36M, not "P6M"`),
			fe("Pricing.Contract.Durations[3]", "duplicate", "repeats P12M"),
		}},
		{"DurationsLongest", contractProduct, func(in *CreateProductInput) {
			in.Pricing.Contract.Durations = []string{"P36M"}
			dims(in)[0].Price = map[string]string{"P36M": "250"}
			dims(in)[1].Tiers = map[string]map[string]string{"Gold": {"P36M": "1000"}}
		}, nil},
		{"DimensionsRequired", contractProduct, func(in *CreateProductInput) { in.Pricing.Contract.Dimensions = nil },
			[]fault.FieldError{fe("Pricing.Contract.Dimensions", "required", "needs at least one dimension")}},
		{"DimensionsTooMany", contractProduct, func(in *CreateProductInput) {
			for i := range 23 {
				in.Pricing.Contract.Dimensions = append(in.Pricing.Contract.Dimensions, ContractDimensionInput{
					Name: fmt.Sprintf("D%d", i), Unit: "Count", Type: "Configurable", Price: map[string]string{"P1M": "1", "P12M": "10"}})
			}
		}, []fault.FieldError{fe("Pricing.Contract.Dimensions", "too_many", "has 25 dimensions; at most 24 are allowed")}},
		{"DimensionNameDuplicate", contractProduct, func(in *CreateProductInput) { dims(in)[1].Name = "Seats" },
			[]fault.FieldError{fe(d1+".Name", "duplicate", "repeats Seats")}},
		{"DimensionNameUnsafe", contractProduct, func(in *CreateProductInput) { dims(in)[0].Name = "Seats<script>" },
			[]fault.FieldError{fe(d0+".Name", "invalid_name", dimName+`"Seats<script>"`)}},
		{"DimensionNameTooLong", contractProduct, func(in *CreateProductInput) { dims(in)[0].Name = strings.Repeat("S", 101) },
			[]fault.FieldError{fe(d0+".Name", "invalid_name", dimName+`"`+strings.Repeat("S", 40)+`..."`)}},
		{"DimensionTypeRequired", contractProduct, func(in *CreateProductInput) { dims(in)[0].Type = "" },
			[]fault.FieldError{fe(d0+".Type", "required", "is required: Configurable or Tiered")}},
		{"DimensionTypeUnknown", contractProduct, func(in *CreateProductInput) { dims(in)[0].Type = "Metered" },
			[]fault.FieldError{fe(d0+".Type", "invalid_type", `must be Configurable or Tiered, not "Metered"`)}},
		{"ConfigurableUnitRequired", contractProduct, func(in *CreateProductInput) { dims(in)[0].Unit = "" },
			[]fault.FieldError{fe(d0+".Unit", "required", "is required: a License Manager unit such as Count or Gigabytes")}},
		{"ConfigurableUnitUnknown", contractProduct, func(in *CreateProductInput) { dims(in)[0].Unit = "Seats" },
			[]fault.FieldError{fe(d0+".Unit", "invalid_unit", `must be a License Manager unit such as Count or Gigabytes, not "Seats"`)}},
		{"ConfigurableUnitNone", contractProduct, func(in *CreateProductInput) { dims(in)[0].Unit = "None" },
			[]fault.FieldError{fe(d0+".Unit", "invalid_unit", `must be a License Manager unit such as Count or Gigabytes, not "None"`)}},
		{"ConfigurableFloatingGigabytes", contractProduct, func(in *CreateProductInput) {
			dims(in)[0].Unit, dims(in)[0].Floating = "Gigabytes/Second", true
		}, nil},
		{"ConfigurablePriceMissing", contractProduct, func(in *CreateProductInput) { delete(dims(in)[0].Price, "P12M") },
			[]fault.FieldError{fe(d0+".Price.P12M", "required", "needs a price for P12M, one of the contract's Durations")}},
		{"ConfigurablePriceUnlisted", contractProduct, func(in *CreateProductInput) { dims(in)[0].Price["P24M"] = "180" },
			[]fault.FieldError{fe(d0+".Price.P24M", "unlisted_duration", `prices "P24M", which is not among the contract's Durations`)}},
		{"ConfigurablePriceBad", contractProduct, func(in *CreateProductInput) { dims(in)[0].Price["P12M"] = "-100" },
			[]fault.FieldError{fe(d0+".Price.P12M", "negative", "must not be negative")}},
		{"ConfigurableWithTiers", contractProduct, func(in *CreateProductInput) { dims(in)[0].Tiers = dims(in)[1].Tiers },
			[]fault.FieldError{fe(d0+".Tiers", "not_for_type", "only Tiered dimensions have tiers")}},
		{"TieredWithUnit", contractProduct, func(in *CreateProductInput) { dims(in)[1].Unit = "Count" },
			[]fault.FieldError{fe(d1+".Unit", "not_for_type", "must be empty or None: a tier is held, not counted")}},
		{"TieredUnitNone", contractProduct, func(in *CreateProductInput) { dims(in)[1].Unit = "None" }, nil},
		{"TieredFloating", contractProduct, func(in *CreateProductInput) { dims(in)[1].Floating = true },
			[]fault.FieldError{fe(d1+".Floating", "not_for_type", "only Configurable dimensions float")}},
		{"TieredWithPrice", contractProduct, func(in *CreateProductInput) { dims(in)[1].Price = map[string]string{"P1M": "1"} },
			[]fault.FieldError{fe(d1+".Price", "not_for_type", "a Tiered dimension is priced by its Tiers")}},
		{"TiersRequired", contractProduct, func(in *CreateProductInput) { dims(in)[1].Tiers = nil },
			[]fault.FieldError{fe(d1+".Tiers", "required", "needs at least one tier")}},
		{"TiersTooMany", contractProduct, func(in *CreateProductInput) {
			for i := range 23 {
				dims(in)[1].Tiers[fmt.Sprintf("T%d", i)] = map[string]string{"P1M": "1", "P12M": "2"}
			}
		}, []fault.FieldError{fe(d1+".Tiers", "too_many", "has 25 tiers; at most 24 are allowed")}},
		{"TierNameUnsafe", contractProduct, func(in *CreateProductInput) {
			dims(in)[1].Tiers["Gold Tier"] = map[string]string{"P1M": "1", "P12M": "2"}
		},
			[]fault.FieldError{fe(d1+".Tiers.Gold Tier", "invalid_name", dimName+`"Gold Tier"`)}},
		{"TierPriceMissing", contractProduct, func(in *CreateProductInput) { delete(dims(in)[1].Tiers["ProfessionalTier"], "P1M") },
			[]fault.FieldError{fe(d1+".Tiers.ProfessionalTier.P1M", "required", "needs a price for P1M, one of the contract's Durations")}},
		{"TierPriceUnlisted", contractProduct, func(in *CreateProductInput) { dims(in)[1].Tiers["BasicTier"]["P36M"] = "0" },
			[]fault.FieldError{fe(d1+".Tiers.BasicTier.P36M", "unlisted_duration", `prices "P36M", which is not among the contract's Durations`)}},
		{"TierPriceTooManyPlaces", contractProduct, func(in *CreateProductInput) { dims(in)[1].Tiers["BasicTier"]["P12M"] = "0.0000001" },
			[]fault.FieldError{fe(d1+".Tiers.BasicTier.P12M", "too_many_places", "has 7 decimal places; "+places)}},
	}
}

// TestThreeRulesThreeErrors: a product that breaks three rules gets exactly
// three errors, in one response.
func TestThreeRulesThreeErrors(t *testing.T) {
	in := imageProduct()
	in.Name = ""                                 // required
	in.Pricing.Hourly["m5.large"] = "-1"         // negative
	in.Pricing.Annual["m5.xlarge"] = "1.1234567" // too many places
	err := in.Validate()
	want := []fault.FieldError{
		fe("Name", "required", "is required"),
		fe("Pricing.Hourly.m5.large", "negative", "must not be negative"),
		fe("Pricing.Annual.m5.xlarge", "too_many_places", "has 7 decimal places; "+places),
	}
	if d := cmp.Diff(want, fieldErrors(t, err)); d != "" {
		t.Errorf("errors mismatch (-want +got):\n%s", d)
	}
	if got := err.Error(); got != "3 fields are invalid; the first, Name: is required" {
		t.Errorf("message %q", got)
	}
}

// TestValidateParses checks that a valid input parses to the plan it
// describes, amounts exact and unused models empty.
func TestValidateParses(t *testing.T) {
	p, problems := contractProduct().parse(nil)
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	want := Pricing{Contract: &ContractPricing{
		Durations: []Duration{"P1M", "P12M"},
		Dimensions: []ContractDimension{
			{Name: "Seats", Unit: "Count", Type: Configurable, Price: map[Duration]money.Amount{"P1M": money.MustParse("10"), "P12M": money.MustParse("100")}},
			{Name: "Edition", Type: Tiered, Tiers: map[string]map[Duration]money.Amount{
				"BasicTier":        {"P1M": 0, "P12M": 0},
				"ProfessionalTier": {"P1M": money.MustParse("50"), "P12M": money.MustParse("500")},
			}},
		},
	}}
	if d := cmp.Diff(want, p.Pricing); d != "" {
		t.Errorf("contract pricing mismatch (-want +got):\n%s", d)
	}
	img, _ := imageProduct().parse(nil)
	if img.Kind != PaidImage || img.Pricing.SignUpFee != money.MustParse("10") || img.Pricing.MonthlyFee != 0 ||
		img.Pricing.Hourly["m5.xlarge"] != money.MustParse("1") || img.Pricing.Annual["m5.large"] != money.MustParse("3000") || img.Pricing.Usage != nil {
		t.Errorf("image pricing: %+v", img.Pricing)
	}
	// Written back and parsed again, a plan is the same.
	again, problems := CreateProductInput{Name: "x", Kind: "contract", Pricing: pricingInputOf(p.Pricing)}.parse(nil)
	if len(problems) != 0 || !cmp.Equal(p.Pricing, again.Pricing) {
		t.Errorf("round trip: %v, %s", problems, cmp.Diff(p.Pricing, again.Pricing))
	}
}

func TestDurationMonths(t *testing.T) {
	for _, tc := range []struct {
		in     Duration
		months int
		ok     bool
	}{
		{"P1M", 1, true}, {"P12M", 12, true}, {"P36M", 36, true}, {"P60M", 60, true}, {"P1Y", 12, true}, {"P3Y", 36, true}, {"P1200M", 1200, true}, {"P100Y", 1200, true}, {"P1201M", 0, false}, {"P101Y", 0, false},
		{"P0M", 0, false}, {"P01M", 0, false}, {"P-1M", 0, false}, {"P+1M", 0, false}, {"PM", 0, false}, {"P1D", 0, false},
		{"1M", 0, false}, {"P1m", 0, false}, {"P99999M", 0, false}, {"", 0, false},
	} {
		months, ok := tc.in.Months()
		if months != tc.months || ok != tc.ok {
			t.Errorf("Duration(%q).Months() = %d, %v; want %d, %v", tc.in, months, ok, tc.months, tc.ok)
		}
	}
}

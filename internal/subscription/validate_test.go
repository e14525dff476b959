package subscription_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/subscription"
)

// fields returns the field errors of err, or fails if it is not a list of
// them.
func fields(t *testing.T, err error) []fault.FieldError {
	t.Helper()
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Kind != fault.Invalid || len(fe.Fields) == 0 {
		t.Fatalf("got %v, want an Invalid fault listing fields", err)
	}
	return fe.Fields
}

// codes is the fields and codes of field errors, which the tables compare;
// the messages are checked to say something.
func codes(t *testing.T, fs []fault.FieldError) []string {
	t.Helper()
	var out []string
	for _, f := range fs {
		if len(f.Message) < 10 {
			t.Errorf("%s: message %q says too little", f.Field, f.Message)
		}
		out = append(out, f.Field+" "+f.Code)
	}
	return out
}

func TestSubscribeInputValidate(t *testing.T) {
	code := "abcdefgh12345678"
	for _, tc := range []struct {
		name string
		in   subscription.SubscribeInput
		want []string
	}{
		{"Hourly", subscription.SubscribeInput{ProductCode: code}, nil},
		{"Annual", subscription.SubscribeInput{ProductCode: code, Annual: map[string]int64{"m5.large": 2, "m5.xlarge": subscription.MaxAnnualQuantity}}, nil},
		{"Contract", subscription.SubscribeInput{ProductCode: code, Contract: &subscription.ContractInput{Duration: "P12M",
			Quantities: map[string]int64{"Seats": 3, "Storage": 0}, Tier: "ProfessionalTier"}, ClientToken: strings.Repeat("t", 64)}, nil},
		{"OfferOnly", subscription.SubscribeInput{OfferID: "offer-0123456789abcdef0"}, nil},
		{"Nothing", subscription.SubscribeInput{}, []string{"ProductCode required"}},
		{"BadCodeAndOffer", subscription.SubscribeInput{ProductCode: "ABC", OfferID: "offer-1"},
			[]string{"ProductCode invalid_format", "OfferID invalid_format"}},
		{"AnnualQuantities", subscription.SubscribeInput{ProductCode: code, Annual: map[string]int64{
			"m5.large": 0, "m5.xlarge": -1, "c5.large": subscription.MaxAnnualQuantity + 1, "": 1}},
			[]string{"Annual. required", "Annual.c5.large out_of_range", "Annual.m5.large out_of_range", "Annual.m5.xlarge out_of_range"}},
		{"LongInstanceType", subscription.SubscribeInput{ProductCode: code, Annual: map[string]int64{strings.Repeat("x", 300): 1}},
			[]string{"Annual." + strings.Repeat("x", 64) + "... too_long"}},
		{"ContractFields", subscription.SubscribeInput{ProductCode: code, Contract: &subscription.ContractInput{Duration: "12 months",
			Quantities: map[string]int64{"Seats": -1, "Storage": subscription.MaxContractQuantity + 1}, Tier: strings.Repeat("t", 300)}},
			[]string{"Contract.Duration invalid_format", "Contract.Quantities.Seats out_of_range", "Contract.Quantities.Storage out_of_range", "Contract.Tier too_long"}},
		{"AnnualAndContract", subscription.SubscribeInput{ProductCode: code, Annual: map[string]int64{"m5.large": 1},
			Contract: &subscription.ContractInput{Duration: "P1M"}}, []string{"Contract conflict"}},
		{"LongClientToken", subscription.SubscribeInput{ProductCode: code, ClientToken: strings.Repeat("t", 65)}, []string{"ClientToken too_long"}},
		{"EveryProblemAtOnce", subscription.SubscribeInput{ProductCode: "x", OfferID: "y", Annual: map[string]int64{"m5.large": 0},
			Contract: &subscription.ContractInput{Duration: "P0M"}, ClientToken: strings.Repeat("t", 65)},
			[]string{"ProductCode invalid_format", "OfferID invalid_format", "Annual.m5.large out_of_range", "Contract conflict",
				"Contract.Duration invalid_format", "ClientToken too_long"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diff(t, "field errors", tc.want, codes(t, fields(t, tc.in.Validate())))
		})
	}
}

func TestListInputValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   subscription.ListInput
		want []string
	}{
		{"Default", subscription.ListInput{}, nil},
		{"Seller", subscription.ListInput{Role: subscription.AsSeller, Limit: subscription.MaxPageSize}, nil},
		{"Bad", subscription.ListInput{Role: "admin", Limit: -1, Next: "not a token"}, []string{"Role invalid_value", "Limit out_of_range", "Next invalid_token"}},
		{"TooMany", subscription.ListInput{Limit: subscription.MaxPageSize + 1}, []string{"Limit out_of_range"}},
		{"ForgedToken", subscription.ListInput{Next: "c3ViczE6eA"}, []string{"Next invalid_token"}}, // "subs1:x"
	} {
		t.Run(tc.name, func(t *testing.T) {
			diff(t, "field errors", tc.want, codes(t, fields(t, tc.in.Validate())))
		})
	}
}

func TestChangeInputValidate(t *testing.T) {
	diff(t, "no contract", []string{"Contract required"}, codes(t, fields(t, subscription.ChangeInput{}.Validate())))
	bad := subscription.ChangeInput{Contract: &subscription.ContractInput{Quantities: map[string]int64{"Seats": -2}}}
	diff(t, "negative", []string{"Contract.Quantities.Seats out_of_range"}, codes(t, fields(t, bad.Validate())))
}

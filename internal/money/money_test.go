package money

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/fault"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Amount
	}{
		{"0", 0},
		{"10", 10_000_000},
		{"10.5", 10_500_000},
		{"10.00", 10_000_000},
		{"0.000001", 1},
		{"0.001", 1_000},
		{"007.50", 7_500_000},
		{"999999999999.999999", Max},
		{"000000000000000000001", 1_000_000}, // leading zeros do not count toward the size
	} {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Parse(%q) = %d micro-units, want %d", tc.in, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const places = "at most 6 are allowed (USD prices are exact to 0.000001)"
	for _, tc := range []struct {
		in, code, message string
	}{
		{"", "not_decimal", `must be a decimal amount such as 10.00, not ""`},
		{"abc", "not_decimal", `must be a decimal amount such as 10.00, not "abc"`},
		{"1e3", "not_decimal", `must be a decimal amount such as 10.00, not "1e3"`},
		{".5", "not_decimal", `must be a decimal amount such as 10.00, not ".5"`},
		{"5.", "not_decimal", `must be a decimal amount such as 10.00, not "5."`},
		{"+5", "not_decimal", `must be a decimal amount such as 10.00, not "+5"`},
		{" 5", "not_decimal", `must be a decimal amount such as 10.00, not " 5"`},
		{"1,000.00", "not_decimal", `must be a decimal amount such as 10.00, not "1,000.00"`},
		{"1.2.3", "not_decimal", `must be a decimal amount such as 10.00, not "1.2.3"`},
		{"--5", "not_decimal", `must be a decimal amount such as 10.00, not "--5"`},
		{"-", "not_decimal", `must be a decimal amount such as 10.00, not "-"`},
		{"NaN", "not_decimal", `must be a decimal amount such as 10.00, not "NaN"`},
		{"١٢", "not_decimal", `must be a decimal amount such as 10.00, not "١٢"`},
		{strings.Repeat("x", 50), "not_decimal", `must be a decimal amount such as 10.00, not "` + strings.Repeat("x", 40) + `..."`},
		{"-5", "negative", "must not be negative"},
		{"-0.01", "negative", "must not be negative"},
		{"0.0000001", "too_many_places", "has 7 decimal places; " + places},
		{"1.12345678901234567890", "too_many_places", "has 20 decimal places; " + places},
		{"1000000000000", "too_large", "must be at most 999999999999.999999"},
		{strings.Repeat("9", 400), "too_large", "must be at most 999999999999.999999"},
	} {
		_, err := Parse(tc.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want a ParseError", tc.in, err)
			continue
		}
		want := ParseError{Input: tc.in, Code: tc.code, Message: tc.message}
		if d := cmp.Diff(want, *pe); d != "" {
			t.Errorf("Parse(%q) error mismatch (-want +got):\n%s", tc.in, d)
		}
		if pe.Error() != tc.message {
			t.Errorf("Parse(%q).Error() = %q, want the message", tc.in, pe.Error())
		}
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		in   Amount
		want string
	}{
		{0, "0.00"},
		{1, "0.000001"},
		{10_000, "0.01"},
		{1_000, "0.001"},
		{10_000_000, "10.00"},
		{10_500_000, "10.50"},
		{-2_500_000, "-2.50"},
		{-1, "-0.000001"},
		{1_234_560, "1.23456"},
		{Max, "999999999999.999999"},
		{math.MaxInt64, "9223372036854.775807"},
		{math.MinInt64, "-9223372036854.775808"},
	} {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("Amount(%d).String() = %q, want %q", int64(tc.in), got, tc.want)
		}
	}
}

func TestRound(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"0.00", "0.00"},
		{"0.004999", "0.00"},
		{"0.005", "0.00"}, // half to even: 0 is even
		{"0.015", "0.02"},
		{"0.025", "0.02"},
		{"0.035", "0.04"},
		{"0.005001", "0.01"},
		{"1.234999", "1.23"},
		{"1.235001", "1.24"},
		{"10.00", "10.00"},
		{"-0.005", "0.00"},
		{"-0.015", "-0.02"},
		{"-0.025", "-0.02"},
		{"-1.236", "-1.24"},
	} {
		in := mustSigned(tc.in)
		if got := in.Round(); got != mustSigned(tc.want) {
			t.Errorf("%s.Round() = %s, want %s", tc.in, got, tc.want)
		}
	}
	// Near the int64 limits the rounded amount would not fit: it rounds
	// toward zero rather than wrap.
	if got, want := Amount(math.MaxInt64).Round(), Amount(9223372036854770000); got != want {
		t.Errorf("MaxInt64.Round() = %d, want %d", got, want)
	}
	if got, want := Amount(math.MinInt64).Round(), Amount(-9223372036854770000); got != want {
		t.Errorf("MinInt64.Round() = %d, want %d", got, want)
	}
}

func TestProrate(t *testing.T) {
	for _, tc := range []struct {
		a        Amount
		num, den int64
		want     Amount
	}{
		{MustParse("10.00"), 1, 3, MustParse("3.333333")},
		{MustParse("10.00"), 2, 3, MustParse("6.666667")},
		{MustParse("30.00"), 17, 30, MustParse("17.00")},
		{MustParse("5.00"), 0, 31, 0},
		{MustParse("5.00"), 31, 31, MustParse("5.00")},
		{5, 1, 2, 2},  // 2.5 micro-units: half to even, down
		{15, 1, 2, 8}, // 7.5: up
		{-15, 1, 2, -8},
		{-5, 1, 2, -2},
		{Max, 3, 3, Max},
	} {
		got, err := Prorate(tc.a, tc.num, tc.den)
		if err != nil {
			t.Errorf("Prorate(%s, %d, %d): %v", tc.a, tc.num, tc.den, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Prorate(%s, %d, %d) = %s (%d), want %s", tc.a, tc.num, tc.den, got, int64(got), tc.want)
		}
	}
	for _, tc := range []struct {
		num, den int64
		kind     fault.Kind
	}{
		{1, 0, fault.Internal},
		{1, -1, fault.Internal},
		{-1, 2, fault.Internal},
		{math.MaxInt64, 1, fault.Invalid}, // does not fit
	} {
		_, err := Prorate(MustParse("2.00"), tc.num, tc.den)
		if err == nil || fault.KindOf(err) != tc.kind {
			t.Errorf("Prorate(2.00, %d, %d) = %v, want a %v fault", tc.num, tc.den, err, tc.kind)
		}
	}
}

func TestArithmeticOverflow(t *testing.T) {
	big := Amount(math.MaxInt64)
	for _, tc := range []struct {
		name string
		run  func() (Amount, error)
		want Amount // when it fits
		fits bool
	}{
		{"Add", func() (Amount, error) { return Max.Add(Max) }, 2 * Max, true},
		{"AddOverflow", func() (Amount, error) { return big.Add(1) }, 0, false},
		{"AddNegativeOverflow", func() (Amount, error) { return Amount(math.MinInt64).Add(-1) }, 0, false},
		{"Sub", func() (Amount, error) { return Amount(5).Sub(7) }, -2, true},
		{"SubOverflow", func() (Amount, error) { return Amount(math.MinInt64).Sub(1) }, 0, false},
		{"Times", func() (Amount, error) { return MustParse("0.50").Times(3) }, MustParse("1.50"), true},
		{"TimesOverflow", func() (Amount, error) { return Max.Times(10_000) }, 0, false},
		{"Sum", func() (Amount, error) { return Sum(1, 2, 3) }, 6, true},
		{"SumEmpty", func() (Amount, error) { return Sum() }, 0, true},
		{"SumOverflow", func() (Amount, error) { return Sum(big, -1, 2) }, 0, false},
		{"FromMinor", func() (Amount, error) { return FromMinor(1050) }, MustParse("10.50"), true},
		{"FromMinorOverflow", func() (Amount, error) { return FromMinor(math.MaxInt64 / 1000) }, 0, false},
	} {
		got, err := tc.run()
		switch {
		case tc.fits && (err != nil || got != tc.want):
			t.Errorf("%s = %d, %v; want %d", tc.name, got, err, tc.want)
		case !tc.fits && !fault.Is(err, fault.Invalid):
			t.Errorf("%s = %d, %v; want an Invalid fault", tc.name, got, err)
		case !tc.fits && err.Error() != "the amount is out of range: at most 999999999999.999999":
			t.Errorf("%s: message %q", tc.name, err.Error())
		}
	}
}

func TestJSON(t *testing.T) {
	b, err := json.Marshal(struct{ Price Amount }{MustParse("10.5")})
	if err != nil || string(b) != `{"Price":"10.50"}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	for _, tc := range []struct {
		in   string
		want Amount
		code string
	}{
		{`"10.50"`, MustParse("10.50"), ""},
		{`"-2.50"`, -MustParse("2.50"), ""},
		{`10.5`, 0, "not_decimal"},
		{`null`, 0, "not_decimal"},
		{`"1e3"`, 0, "not_decimal"},
		{`"--1"`, 0, "negative"},
		{`"0.0000001"`, 0, "too_many_places"},
	} {
		var a Amount
		err := json.Unmarshal([]byte(tc.in), &a)
		var pe *ParseError
		switch {
		case tc.code == "" && (err != nil || a != tc.want):
			t.Errorf("Unmarshal(%s) = %s, %v; want %s", tc.in, a, err, tc.want)
		case tc.code != "" && (!errors.As(err, &pe) || pe.Code != tc.code):
			t.Errorf("Unmarshal(%s) = %v, want code %s", tc.in, err, tc.code)
		}
	}
}

// FuzzParse checks that whatever Parse accepts is written back by String as
// the same amount, and that String's output always parses.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "10.5", "0.000001", "999999999999.999999", "1.1234567", "-1", "00.10", "1e5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Code == "" || pe.Message == "" {
				t.Fatalf("Parse(%q) = %v, want a ParseError with a code and message", s, err)
			}
			return
		}
		if a < 0 || a > Max {
			t.Fatalf("Parse(%q) = %d, out of [0, Max]", s, a)
		}
		back, err := Parse(a.String())
		if err != nil || back != a {
			t.Fatalf("Parse(%q) = %d; its String %q parses as %d, %v", s, a, a.String(), back, err)
		}
	})
}

// FuzzString checks the round trip from the amount's side: every amount in
// [0, Max] is written as a string Parse reads back as it.
func FuzzString(f *testing.F) {
	for _, n := range []int64{0, 1, 10_000, 999_999, int64(Max)} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n int64) {
		if n < 0 {
			n = -(n + 1) // MinInt64 too maps into range
		}
		a := Amount(n % (int64(Max) + 1))
		back, err := Parse(a.String())
		if err != nil || back != a {
			t.Fatalf("Amount(%d).String() = %q, parses as %d, %v", int64(a), a.String(), back, err)
		}
	})
}

// mustSigned parses an amount that may be negative.
func mustSigned(s string) Amount {
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		return -MustParse(rest)
	}
	return MustParse(s)
}

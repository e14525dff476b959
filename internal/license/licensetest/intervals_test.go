package licensetest_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/tollgate/tollgate/internal/license/licensetest"
)

// TestViolations shows that Violations catches an over-committed pool and
// the other wrong answers it looks for, in fabricated histories, and passes
// the right ones.
func TestViolations(t *testing.T) {
	exp := time.Date(2030, 1, 1, 1, 0, 0, 0, time.UTC)
	op := func(call, ret int64, in licensetest.Input, out licensetest.Output) porcupine.Operation {
		return porcupine.Operation{Input: in, Output: out, Call: call, Return: ret}
	}
	checkout := func(call, ret int64, token string) porcupine.Operation {
		return op(call, ret, licensetest.Input{Kind: licensetest.Checkout}, licensetest.Output{Result: licensetest.OK, Token: token, Expires: exp})
	}
	refused := func(call, ret int64) porcupine.Operation {
		return op(call, ret, licensetest.Input{Kind: licensetest.Checkout}, licensetest.Output{Result: licensetest.Refused})
	}
	on := func(kind licensetest.Kind, call, ret int64, token string, res licensetest.Result) porcupine.Operation {
		return op(call, ret, licensetest.Input{Kind: kind, Token: token}, licensetest.Output{Result: res, Expires: exp})
	}
	usage := func(call, ret, n int64) porcupine.Operation {
		return op(call, ret, licensetest.Input{Kind: licensetest.Usage}, licensetest.Output{Result: licensetest.OK, InUse: n})
	}
	// sequential returns n checkouts one after another from stamp 1.
	sequential := func(n int) []porcupine.Operation {
		var ops []porcupine.Operation
		for i := range n {
			ops = append(ops, checkout(int64(2*i+1), int64(2*i+2), "t"+strconv.Itoa(i)))
		}
		return ops
	}
	for _, tc := range []struct {
		name string
		ops  []porcupine.Operation
		want string // a part of the one violation expected, or "" for none
	}{
		{"ten", sequential(10), ""},
		{"eleven", sequential(11), "11 seats are certainly live"},
		{"eleven, one after a check-in", append(sequential(10), on(licensetest.CheckIn, 30, 31, "t4", licensetest.OK), checkout(32, 33, "u")), ""},
		{"eleven, one during a check-in", append(sequential(10), on(licensetest.CheckIn, 30, 40, "t4", licensetest.OK), checkout(32, 33, "u")), ""},
		{"refused when full", append(sequential(10), refused(30, 31)), ""},
		{"refused with a free seat", append(sequential(9), refused(30, 31)), "refused although fewer than 10"},
		{"refused during a checkout that fills the pool", append(sequential(9), checkout(30, 40, "u"), refused(32, 33)), ""},
		{"extension of a live seat refused", append(sequential(1), on(licensetest.Extend, 10, 11, "t0", licensetest.Refused)), "refused while it was certainly live"},
		{"extension refused during the checkout", []porcupine.Operation{checkout(1, 10, "t"), on(licensetest.Extend, 2, 3, "t", licensetest.Refused)}, ""},
		{"extension after the check-in", append(sequential(1), on(licensetest.CheckIn, 5, 6, "t0", licensetest.OK),
			on(licensetest.Extend, 7, 8, "t0", licensetest.OK)), "certainly not live"},
		{"check-in twice", append(sequential(1), on(licensetest.CheckIn, 5, 6, "t0", licensetest.OK),
			on(licensetest.CheckIn, 7, 8, "t0", licensetest.OK)), "checked in twice"},
		{"usage too high", append(sequential(3), usage(10, 11, 4)), "outside what was"},
		{"usage too low", append(sequential(3), usage(10, 11, 2)), "outside what was"},
		{"usage during a checkout", append(sequential(3), checkout(10, 20, "u"), usage(11, 12, 3)), ""},
		{"clock advances", []porcupine.Operation{op(1, 2, licensetest.Input{Kind: licensetest.Advance, Time: exp}, licensetest.Output{})}, "without clock advances"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := licensetest.Violations(tc.ops, 10)
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("violations %q, want none", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Errorf("violations %q, want one that says %q", got, tc.want)
			}
		})
	}
}

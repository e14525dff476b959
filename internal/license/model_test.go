package license_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/license/licensetest"
)

// TestPoolModelCatchesOverCommit feeds porcupine fabricated histories, to
// show that the pool model and the checker would catch an over-committed
// pool (and the other ways a pool can go wrong) rather than wave anything
// through.
func TestPoolModelCatchesOverCommit(t *testing.T) {
	ttl := time.Duration(poolTTL) * time.Minute
	type op struct {
		call, ret int64
		in        licensetest.Input
		out       licensetest.Output
	}
	checkout := func(call, ret int64, token string, expires time.Time) op {
		return op{call, ret, licensetest.Input{Kind: licensetest.Checkout},
			licensetest.Output{Result: licensetest.OK, Token: token, Expires: expires}}
	}
	refused := func(call, ret int64) op {
		return op{call, ret, licensetest.Input{Kind: licensetest.Checkout}, licensetest.Output{Result: licensetest.Refused}}
	}
	tokenOp := func(kind licensetest.Kind, call, ret int64, token string, res licensetest.Result, expires time.Time) op {
		return op{call, ret, licensetest.Input{Kind: kind, Token: token}, licensetest.Output{Result: res, Expires: expires}}
	}
	advance := func(call, ret int64, to time.Time) op {
		return op{call, ret, licensetest.Input{Kind: licensetest.Advance, Time: to}, licensetest.Output{}}
	}
	usage := func(call, ret int64, n int64) op {
		return op{call, ret, licensetest.Input{Kind: licensetest.Usage}, licensetest.Output{Result: licensetest.OK, InUse: n}}
	}
	// concurrent returns n checkouts that all overlap, from time 0 to 100.
	concurrent := func(n int, exp time.Time) []op {
		var ops []op
		for i := range n {
			ops = append(ops, checkout(int64(i), 100+int64(i), "t"+strconv.Itoa(i), exp))
		}
		return ops
	}
	exp := epoch.Add(ttl)
	later := epoch.Add(ttl + time.Minute)
	for _, tc := range []struct {
		name string
		ops  []op
		want porcupine.CheckResult
	}{
		{"ten concurrent checkouts", concurrent(10, exp), porcupine.Ok},
		{"eleven concurrent checkouts", concurrent(11, exp), porcupine.Illegal},
		{"ten, then one refused", append(concurrent(10, exp), refused(200, 201)), porcupine.Ok},
		{"refused while seats are free", append(concurrent(9, exp), refused(200, 201)), porcupine.Illegal},
		{"refused concurrently with the tenth", append(concurrent(10, exp), refused(50, 150)), porcupine.Ok},
		{"eleven, one after a check-in", append(concurrent(10, exp),
			tokenOp(licensetest.CheckIn, 200, 201, "t3", licensetest.OK, time.Time{}), checkout(300, 301, "u", exp)), porcupine.Ok},
		{"eleven, one after a refused check-in", append(concurrent(10, exp),
			tokenOp(licensetest.CheckIn, 200, 201, "nope", licensetest.Refused, time.Time{}), checkout(300, 301, "u", exp)), porcupine.Illegal},
		{"eleven, one after the seats expire", append(concurrent(10, exp),
			advance(200, 201, exp), checkout(300, 301, "u", exp.Add(ttl))), porcupine.Ok},
		{"eleven, one a minute before they expire", append(concurrent(10, exp),
			advance(200, 201, exp.Add(-time.Minute)), checkout(300, 301, "u", exp.Add(ttl-time.Minute))), porcupine.Illegal},
		{"an extended seat outlives the others", append(concurrent(10, exp),
			tokenOp(licensetest.Extend, 150, 160, "t0", licensetest.OK, exp), // extended at the start time: same expiry
			advance(200, 201, exp.Add(-time.Minute)),
			tokenOp(licensetest.Extend, 210, 211, "t1", licensetest.OK, later.Add(ttl-2*time.Minute)),
			advance(300, 301, later), usage(310, 311, 1), checkout(400, 401, "u", later.Add(ttl))), porcupine.Ok},
		{"an expired seat revived by an extension", append(concurrent(10, exp),
			advance(200, 201, later),
			tokenOp(licensetest.Extend, 210, 211, "t1", licensetest.OK, later.Add(ttl))), porcupine.Illegal},
		{"an extension that does not restart the TTL", append(concurrent(1, exp),
			advance(200, 201, epoch.Add(time.Minute)),
			tokenOp(licensetest.Extend, 210, 211, "t0", licensetest.OK, exp)), porcupine.Illegal},
		{"a checkout that outlives the TTL", []op{checkout(0, 1, "t", exp.Add(time.Second))}, porcupine.Illegal},
		{"a checkout acknowledged already expired", []op{advance(0, 1, exp), checkout(2, 3, "t", exp)}, porcupine.Illegal},
		{"a checkout stamped before an advance it overlaps", []op{checkout(0, 10, "t", exp), advance(2, 3, epoch.Add(time.Minute))}, porcupine.Ok},
		{"a checked-in token checked in twice", append(concurrent(1, exp),
			tokenOp(licensetest.CheckIn, 200, 201, "t0", licensetest.OK, time.Time{}),
			tokenOp(licensetest.CheckIn, 300, 301, "t0", licensetest.OK, time.Time{})), porcupine.Illegal},
		{"concurrent check-ins of one token, one wins", append(concurrent(1, exp),
			tokenOp(licensetest.CheckIn, 200, 300, "t0", licensetest.OK, time.Time{}),
			tokenOp(licensetest.CheckIn, 210, 290, "t0", licensetest.Refused, time.Time{})), porcupine.Ok},
		{"usage over the pool", append(concurrent(10, exp), usage(50, 150, 11)), porcupine.Illegal},
		{"usage that missed a completed checkout", append(concurrent(10, exp), usage(200, 201, 9)), porcupine.Illegal},
		{"usage during the checkouts", append(concurrent(10, exp), usage(50, 150, 4)), porcupine.Ok},
		{"a failed checkout changes nothing", append(concurrent(10, exp),
			op{200, 201, licensetest.Input{Kind: licensetest.Checkout}, licensetest.Output{Result: licensetest.Failed}}, usage(300, 301, 10)), porcupine.Ok},
		{"the clock going back", []op{advance(0, 1, later), advance(2, 3, exp)}, porcupine.Illegal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var history []porcupine.Operation
			for i, o := range tc.ops {
				history = append(history, porcupine.Operation{ClientId: i, Input: o.in, Output: o.out, Call: o.call, Return: o.ret})
			}
			got := porcupine.CheckOperationsTimeout(licensetest.Model(poolMax, ttl, epoch), history, 10*time.Second)
			if got != tc.want {
				t.Errorf("porcupine says %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPoolModelRenewalAndExpiry feeds the model histories with draws,
// renewal periods, the end of the license's validity and renewals of the
// license, to show that it tells the legal ones from the rest.
func TestPoolModelRenewalAndExpiry(t *testing.T) {
	ttl := time.Duration(poolTTL) * time.Minute
	// A weekly license whose first renewal is 12 hours in and whose
	// validity ends 3 hours in.
	terms := licensetest.Terms{Max: 3, TTL: ttl, Start: epoch, Begin: epoch.Add(-6*24*time.Hour - 12*time.Hour),
		End: epoch.Add(3 * time.Hour), Renew: license.RenewWeekly}
	renewal := epoch.Add(12 * time.Hour)
	type op struct {
		in  licensetest.Input
		out licensetest.Output
	}
	ok := licensetest.Output{Result: licensetest.OK}
	refused := licensetest.Output{Result: licensetest.Refused}
	draw := func(out licensetest.Output) op { return op{licensetest.Input{Kind: licensetest.Draw}, out} }
	checkout := func(token string, expires time.Time) op {
		return op{licensetest.Input{Kind: licensetest.Checkout}, licensetest.Output{Result: licensetest.OK, Token: token, Expires: expires}}
	}
	refusedCheckout := op{licensetest.Input{Kind: licensetest.Checkout}, refused}
	advance := func(to time.Time) op {
		return op{licensetest.Input{Kind: licensetest.Advance, Time: to}, licensetest.Output{}}
	}
	renew := func(end time.Time) op { return op{licensetest.Input{Kind: licensetest.Renew, Time: end}, ok} }
	usage := func(n int64) op {
		return op{licensetest.Input{Kind: licensetest.Usage}, licensetest.Output{Result: licensetest.OK, InUse: n}}
	}
	extend := func(token string, out licensetest.Output) op {
		return op{licensetest.Input{Kind: licensetest.Extend, Token: token}, out}
	}
	checkIn := func(token string, out licensetest.Output) op {
		return op{licensetest.Input{Kind: licensetest.CheckIn, Token: token}, out}
	}
	at := func(d time.Duration) time.Time { return epoch.Add(d) }
	for _, tc := range []struct {
		name string
		ops  []op
		want porcupine.CheckResult
	}{
		{"draws and a seat fill the pool", []op{draw(ok), draw(ok), checkout("a", at(ttl)), usage(3), refusedCheckout, draw(refused)}, porcupine.Ok},
		{"a fourth unit drawn", []op{draw(ok), draw(ok), draw(ok), draw(ok)}, porcupine.Illegal},
		{"a draw refused with room", []op{draw(ok), draw(refused)}, porcupine.Illegal},
		{"draws last after their checkouts' hour", []op{draw(ok), advance(at(2 * time.Hour)), usage(1)}, porcupine.Ok},
		{"the license expires", []op{advance(at(3 * time.Hour)), refusedCheckout, draw(refused), usage(0)}, porcupine.Ok},
		{"a checkout after the license expired", []op{advance(at(3 * time.Hour)), checkout("a", at(4*time.Hour))}, porcupine.Illegal},
		{"an extension after the license expired", []op{advance(at(150 * time.Minute)), checkout("a", at(150*time.Minute+ttl)), advance(at(3*time.Hour - time.Minute)),
			extend("a", licensetest.Output{Result: licensetest.OK, Expires: at(3*time.Hour - time.Minute + ttl)}),
			advance(at(3 * time.Hour)), extend("a", refused), checkIn("a", ok)}, porcupine.Ok},
		{"an extension granted after the license expired", []op{advance(at(150 * time.Minute)), checkout("a", at(150*time.Minute+ttl)), advance(at(3*time.Hour - time.Minute)),
			extend("a", licensetest.Output{Result: licensetest.OK, Expires: at(3*time.Hour - time.Minute + ttl)}),
			advance(at(3 * time.Hour)), extend("a", licensetest.Output{Result: licensetest.OK, Expires: at(3*time.Hour + ttl)})}, porcupine.Illegal},
		{"an extension refused while the license is valid", []op{checkout("a", at(ttl)), extend("a", refused)}, porcupine.Illegal},
		{"a renewal revives the license", []op{advance(at(3 * time.Hour)), refusedCheckout, renew(at(6 * time.Hour)), checkout("a", at(3*time.Hour+ttl))}, porcupine.Ok},
		{"a renewal that ends it at once", []op{renew(epoch), refusedCheckout}, porcupine.Ok},
		{"the pool is whole at the renewal", []op{renew(at(48 * time.Hour)), draw(ok), draw(ok), draw(ok), advance(renewal.Add(-time.Nanosecond)),
			draw(refused), advance(renewal), usage(0), draw(ok), draw(ok), draw(ok), usage(3)}, porcupine.Ok},
		{"the pool whole before the renewal", []op{renew(at(48 * time.Hour)), draw(ok), draw(ok), draw(ok),
			advance(renewal.Add(-time.Nanosecond)), draw(ok)}, porcupine.Illegal},
		{"seats held across the renewal", []op{renew(at(48 * time.Hour)), draw(ok), advance(renewal.Add(-10 * time.Minute)),
			checkout("a", renewal.Add(50*time.Minute)), checkout("b", renewal.Add(50*time.Minute)), advance(renewal), usage(2),
			draw(ok), usage(3), refusedCheckout}, porcupine.Ok},
		{"draws forgotten within a period", []op{draw(ok), advance(at(time.Hour)), usage(0)}, porcupine.Illegal},
		{"a checkout stamped before the license expired, taking effect after", []op{advance(at(3 * time.Hour)),
			checkout("a", at(3*time.Hour-time.Second+ttl)), usage(1)}, porcupine.Ok},
		{"a checkout stamped after the license expired", []op{advance(at(3*time.Hour + time.Second)), checkout("a", at(3*time.Hour+ttl))}, porcupine.Illegal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var history []porcupine.Operation
			for i, o := range tc.ops {
				history = append(history, porcupine.Operation{ClientId: 0, Input: o.in, Output: o.out, Call: int64(2 * i), Return: int64(2*i + 1)})
			}
			got := porcupine.CheckOperationsTimeout(licensetest.ModelOf(terms), history, 10*time.Second)
			if got != tc.want {
				t.Errorf("porcupine says %v, want %v", got, tc.want)
			}
		})
	}
}

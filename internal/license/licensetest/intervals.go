package licensetest

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// Violations checks a history without clock advances (so that no seat
// expires during it) for what it shows directly, without porcupine's search,
// and returns what it finds wrong. It is sound but not complete: everything
// it reports is a real violation of the model, but a history it passes may
// still not be linearizable. It scales to any number of clients, where
// porcupine's search (exponential in concurrency) may not finish.
//
// Every operation takes effect at some instant between its call and return
// stamps. A token's seat is therefore certainly live between the return of
// its checkout and the call of its check-in, and possibly live between the
// call of the one and the return of the other. It reports:
//   - an instant at which more than max seats are certainly live;
//   - a refused checkout during which fewer than max seats are ever possibly
//     live (a spurious refusal);
//   - a refused check-in or extension of a seat certainly live throughout;
//   - an acknowledged extension of a seat never possibly live during it;
//   - a token acknowledged twice, by checkout or by check-in;
//   - a usage sample outside what was certainly and possibly in use.
func Violations(ops []porcupine.Operation, max int64) []string {
	var bad []string
	report := func(format string, args ...any) {
		if len(bad) < 20 {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}
	var end int64
	type window struct{ checkout, checkIn *porcupine.Operation }
	seats := map[string]*window{}
	seat := func(token string) *window {
		w := seats[token]
		if w == nil {
			w = &window{}
			seats[token] = w
		}
		return w
	}
	for i := range ops {
		op := &ops[i]
		end = maxInt(end, op.Return+1)
		in, out := op.Input.(Input), op.Output.(Output)
		switch {
		case in.Kind == Advance:
			return []string{"Violations is for histories without clock advances"}
		case in.Kind == Checkout && out.Result == OK:
			if w := seat(out.Token); w.checkout != nil {
				report("token %s checked out twice", short(out.Token))
			} else {
				w.checkout = op
			}
		case in.Kind == CheckIn && out.Result == OK:
			if w := seat(in.Token); w.checkIn != nil {
				report("token %s checked in twice", short(in.Token))
			} else {
				w.checkIn = op
			}
		}
	}
	// certain[m] and possible[m] count the seats live at the instant just
	// after stamp m, certainly and possibly.
	certain, possible := make([]int64, end+1), make([]int64, end+1)
	add := func(counts []int64, from, to int64) { // [from, to)
		if from < to {
			counts[from]++
			counts[to]--
		}
	}
	for token, w := range seats {
		if w.checkout == nil {
			report("token %s checked in but never checked out", short(token))
			continue
		}
		certainEnd, possibleEnd := end, end
		if w.checkIn != nil {
			certainEnd, possibleEnd = w.checkIn.Call, w.checkIn.Return
		}
		add(certain, w.checkout.Return, certainEnd)
		add(possible, w.checkout.Call, possibleEnd)
	}
	for m := int64(1); m <= end; m++ {
		certain[m] += certain[m-1]
		possible[m] += possible[m-1]
	}
	for m := int64(0); m <= end; m++ {
		if certain[m] > max {
			report("after stamp %d, %d seats are certainly live in a pool of %d", m, certain[m], max)
			break
		}
	}
	for i := range ops {
		op := &ops[i]
		in, out := op.Input.(Input), op.Output.(Output)
		span := func(f func(m int64) bool) bool { // f holds at some instant of the operation
			for m := op.Call; m < op.Return; m++ {
				if f(m) {
					return true
				}
			}
			return false
		}
		switch {
		case in.Kind == Checkout && out.Result == Refused:
			if !span(func(m int64) bool { return possible[m] >= max }) {
				report("checkout [%d, %d] refused although fewer than %d seats were ever live during it", op.Call, op.Return, max)
			}
		case (in.Kind == CheckIn || in.Kind == Extend) && out.Result == Refused:
			if w := seats[in.Token]; w != nil && w.checkout != nil && w.checkout.Return <= op.Call &&
				(w.checkIn == nil || op.Return <= w.checkIn.Call) {
				report("%s [%d, %d] of %s refused while it was certainly live", in.Kind, op.Call, op.Return, short(in.Token))
			}
		case in.Kind == Extend && out.Result == OK:
			w := seats[in.Token]
			if w == nil || w.checkout == nil || op.Return < w.checkout.Call || (w.checkIn != nil && op.Call > w.checkIn.Return) {
				report("Extend [%d, %d] of %s acknowledged while it was certainly not live", op.Call, op.Return, short(in.Token))
			}
		case in.Kind == Usage && out.Result == OK:
			if !span(func(m int64) bool { return certain[m] <= out.InUse && out.InUse <= possible[m] }) {
				report("usage [%d, %d] of %d outside what was certainly and possibly in use", op.Call, op.Return, out.InUse)
			}
		}
	}
	return bad
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

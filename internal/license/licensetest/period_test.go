package licensetest

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/license/rules"
	"github.com/tollgate/tollgate/internal/testrand"
)

// TestModelRenewals: the model's renewal periods, worked out on their own,
// begin where the README says (a week apart; a month apart on the anchor's
// day, or the month's last), and where the service's rules.PeriodStart
// puts them, at random times around anchors that are hard for months.
func TestModelRenewals(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	monthly := Terms{Renew: license.RenewMonthly, Begin: at("2031-01-31T10:00:00Z")}
	for n, want := range []string{"2031-01-31T10:00:00Z", "2031-02-28T10:00:00Z", "2031-03-31T10:00:00Z", "2031-04-30T10:00:00Z", "2031-05-31T10:00:00Z"} {
		w := at(want)
		if got := monthly.period(w.UnixNano()); got != int64(n) {
			t.Errorf("monthly from 31 January: period at %s is %d, want %d", want, got, n)
		}
		if got := monthly.period(w.Add(-time.Nanosecond).UnixNano()); got != int64(n-1) {
			t.Errorf("monthly from 31 January: period just before %s is %d, want %d", want, got, n-1)
		}
	}
	weekly := Terms{Renew: license.RenewWeekly, Begin: at("2031-01-31T10:00:00Z")}
	for n, want := range map[int64]string{-1: "2031-01-24T10:00:00Z", 0: "2031-01-31T10:00:00Z", 1: "2031-02-07T10:00:00Z"} {
		if got := weekly.period(at(want).UnixNano()); got != n {
			t.Errorf("weekly: period at %s is %d, want %d", want, got, n)
		}
	}
	if got := (Terms{Renew: license.RenewNone, Begin: at("2031-01-31T10:00:00Z")}).period(at("2040-01-01T00:00:00Z").UnixNano()); got != 0 {
		t.Errorf("a license that does not renew is in period %d, want 0", got)
	}

	r := rand.New(rand.NewPCG(testrand.Seed(t), 0))
	for _, anchor := range []string{"2031-01-31T23:59:59Z", "2032-02-29T00:00:00Z", "2031-03-30T12:00:00Z", "2031-12-31T00:00:00Z", "2031-06-15T08:30:00Z"} {
		for _, renew := range []license.RenewType{license.RenewWeekly, license.RenewMonthly} {
			terms := Terms{Renew: renew, Begin: at(anchor)}
			prev := at(anchor).Add(-400 * 24 * time.Hour)
			for range 2000 {
				next := prev.Add(time.Duration(r.Int64N(int64(5 * 24 * time.Hour))))
				same := rules.PeriodStart(renew, terms.Begin, prev).Equal(rules.PeriodStart(renew, terms.Begin, next))
				if (terms.period(prev.UnixNano()) == terms.period(next.UnixNano())) != same {
					t.Fatalf("%s from %s: between %s and %s the model says period %d to %d, the service's rules same period: %v",
						renew, anchor, prev, next, terms.period(prev.UnixNano()), terms.period(next.UnixNano()), same)
				}
				prev = next
			}
		}
	}
}

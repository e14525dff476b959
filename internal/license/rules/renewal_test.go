package rules

import (
	"testing"
	"time"
)

// TestPeriodStart: the renewal period that holds a time, weekly and
// monthly, at the boundaries and across short months and leap years.
func TestPeriodStart(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	anchor := at("2026-01-31T10:00:00Z")
	for _, tc := range []struct {
		name   string
		renew  RenewType
		anchor time.Time
		now    string
		want   string // "" for the zero time
	}{
		{"none", RenewNone, anchor, "2030-06-01T00:00:00Z", ""},
		{"unknown renew type", "Yearly", anchor, "2030-06-01T00:00:00Z", ""},
		{"weekly, at the anchor", RenewWeekly, anchor, "2026-01-31T10:00:00Z", "2026-01-31T10:00:00Z"},
		{"weekly, a nanosecond before the first renewal", RenewWeekly, anchor, "2026-02-07T09:59:59.999999999Z", "2026-01-31T10:00:00Z"},
		{"weekly, at the first renewal", RenewWeekly, anchor, "2026-02-07T10:00:00Z", "2026-02-07T10:00:00Z"},
		{"weekly, 8 days in", RenewWeekly, anchor, "2026-02-08T10:00:00Z", "2026-02-07T10:00:00Z"},
		{"weekly, 40 days in", RenewWeekly, anchor, "2026-03-12T10:00:00Z", "2026-03-07T10:00:00Z"},
		{"weekly, before the anchor", RenewWeekly, anchor, "2026-01-30T10:00:00Z", "2026-01-24T10:00:00Z"},
		{"monthly, at the anchor", RenewMonthly, anchor, "2026-01-31T10:00:00Z", "2026-01-31T10:00:00Z"},
		{"monthly, February is short", RenewMonthly, anchor, "2026-02-28T10:00:00Z", "2026-02-28T10:00:00Z"},
		{"monthly, just before the February renewal", RenewMonthly, anchor, "2026-02-28T09:59:59Z", "2026-01-31T10:00:00Z"},
		{"monthly, March keeps the 31st", RenewMonthly, anchor, "2026-03-30T23:00:00Z", "2026-02-28T10:00:00Z"},
		{"monthly, at the 31st of March", RenewMonthly, anchor, "2026-03-31T10:00:00Z", "2026-03-31T10:00:00Z"},
		{"monthly, April is short", RenewMonthly, anchor, "2026-04-30T10:00:00Z", "2026-04-30T10:00:00Z"},
		{"monthly, 40 days in", RenewMonthly, anchor, "2026-03-12T10:00:00Z", "2026-02-28T10:00:00Z"},
		{"monthly, a leap February", RenewMonthly, anchor, "2028-02-29T11:00:00Z", "2028-02-29T10:00:00Z"},
		{"monthly, across a year", RenewMonthly, anchor, "2027-01-01T00:00:00Z", "2026-12-31T10:00:00Z"},
		{"monthly, before the anchor", RenewMonthly, anchor, "2026-01-15T00:00:00Z", "2025-12-31T10:00:00Z"},
		{"monthly, anchored on the 15th, time zone", RenewMonthly, at("2026-01-15T23:30:00-05:00"), "2026-02-16T04:29:00Z", "2026-01-16T04:30:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := PeriodStart(tc.renew, tc.anchor, at(tc.now))
			if tc.want == "" {
				if !got.IsZero() {
					t.Errorf("PeriodStart = %s, want the zero time", got)
				}
				return
			}
			if want := at(tc.want); !got.Equal(want) {
				t.Errorf("PeriodStart = %s, want %s", got, want)
			}
		})
	}
}

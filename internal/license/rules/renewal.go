package rules

import "time"

// RenewType says when a license's consumption renews.
type RenewType string

// Renew types.
const (
	RenewNone    RenewType = "None"
	RenewWeekly  RenewType = "Weekly"
	RenewMonthly RenewType = "Monthly"
)

// PeriodStart is the start of the renewal period that holds now, for a
// license that renews as renew, with its periods anchored at anchor (the
// begin of its validity): a Weekly license renews every 7 days from the
// anchor, a Monthly one on the anchor's day of each month, at the anchor's
// time of day (in UTC), on the last day of months too short to hold it
// (anchored on the 31st: 28 or 29 February, 30 April, then 31 May). What
// PERPETUAL checkouts drew counts within its period only; a license that
// does not renew (None, or any other value) has one period, which starts
// at the zero time.
func PeriodStart(renew RenewType, anchor, now time.Time) time.Time {
	anchor = anchor.UTC()
	switch renew {
	case RenewWeekly:
		const week = 7 * 24 * time.Hour
		n := now.Sub(anchor) / week
		if now.Before(anchor.Add(n * week)) { // before the anchor, the division rounds toward zero
			n--
		}
		return anchor.Add(n * week)
	case RenewMonthly:
		now = now.UTC()
		n := (now.Year()-anchor.Year())*12 + int(now.Month()-anchor.Month())
		for now.Before(addMonths(anchor, n)) {
			n--
		}
		return addMonths(anchor, n)
	}
	return time.Time{}
}

// addMonths is the anchor moved n months on, its day clamped to the length
// of the month it lands in: months are counted from the anchor each time,
// so that a short month does not pull the later ones back.
func addMonths(anchor time.Time, n int) time.Time {
	first := time.Date(anchor.Year(), anchor.Month()+time.Month(n), 1, anchor.Hour(), anchor.Minute(), anchor.Second(), anchor.Nanosecond(), time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(anchor.Day(), last)-1)
}

package clock_test

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "61m", want: 61 * time.Minute},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "90s", want: 90 * time.Second},
		{in: "1.5h", want: 90 * time.Minute},
		{in: "30d", want: 30 * 24 * time.Hour},
		{in: "1d", want: 24 * time.Hour},
		{in: "0d", want: 0},
		{in: "365d", want: 365 * 24 * time.Hour},
		{in: " 2d ", want: 48 * time.Hour},
		{in: "36500d", want: 36500 * 24 * time.Hour},
		// A negative Go duration parses; Simulated.Advance and the store
		// refuse it (see TestSimulatedAdvanceRejectsNegative).
		{in: "-5m", want: -5 * time.Minute},
		{in: "", wantErr: true},
		{in: "junk", wantErr: true},
		{in: "d", wantErr: true},
		{in: "5", wantErr: true},
		{in: "5x", wantErr: true},
		{in: "1.5d", wantErr: true},
		{in: "1d12h", wantErr: true},
		{in: "-1d", wantErr: true},
		{in: "+1d", want: 24 * time.Hour},
		{in: "36501d", wantErr: true},
		{in: "99999999999999999999d", wantErr: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := clock.ParseDuration(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ParseDuration(%q) = %v, want an error", tc.in, got)
				}
				if k := fault.KindOf(err); k != fault.Invalid {
					t.Errorf("ParseDuration(%q) error kind %v, want Invalid: %v", tc.in, k, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDuration(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseDuration(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

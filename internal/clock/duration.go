package clock

import (
	"strconv"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
)

// ParseDuration accepts Go durations ("90m", "1h30m") and whole days
// ("30d"), the unit billing periods are usually spoken of in.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 || n > 365*100 {
			return 0, fault.New(fault.Invalid, "invalid duration %q: want a whole number of days such as 30d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fault.New(fault.Invalid, "invalid duration %q: want a Go duration such as 61m or 1h30m, or days such as 30d", s)
	}
	return d, nil
}

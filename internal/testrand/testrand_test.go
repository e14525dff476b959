package testrand

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps what is logged.
type recorder struct {
	testing.TB
	logs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

func TestSeedFromEnvironment(t *testing.T) {
	t.Setenv(Env, "1796079568450041427")
	rec := &recorder{TB: t}
	if got := Seed(rec); got != 1796079568450041427 {
		t.Errorf("Seed = %d, want the one in %s", got, Env)
	}
	a, b := New(rec), New(rec)
	for range 10 {
		if x, y := a.Uint64(), b.Uint64(); x != y {
			t.Fatalf("two generators from one seed differ: %d, %d", x, y)
		}
	}
	if len(rec.logs) != 3 || !strings.Contains(rec.logs[0], "seed") {
		t.Errorf("logged %q, want the seed each time", rec.logs)
	}
}

func TestSeedFresh(t *testing.T) {
	t.Setenv(Env, "")
	rec := &recorder{TB: t}
	first, second := Seed(rec), Seed(rec)
	if first == second {
		t.Errorf("two fresh seeds are equal")
	}
	if len(rec.logs) != 2 || !strings.Contains(rec.logs[0], Env) {
		t.Errorf("logged %q, want the seed and how to replay it", rec.logs)
	}
}

// Package testrand gives randomized tests their seed, so that a failure
// replays: the seed comes from the environment variable TOLLGATE_TEST_SEED
// when it is set, and is drawn fresh otherwise; either way the test logs it
// (shown when the test fails, or with -v) with the command that replays it.
//
//	r := testrand.New(t)               // a generator from the test's seed
//	seed := testrand.Seed(t)           // or the seed, for several generators
//
// A seed replays what a test draws from it (the operations a worker picks,
// the values it sends); what the scheduler decides (which goroutine runs
// first) is not the seed's, so a race may need several runs of a replayed
// seed to show again.
package testrand

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// Env names the environment variable that sets the seed.
const Env = "TOLLGATE_TEST_SEED"

// Seed returns the test's seed: TOLLGATE_TEST_SEED if set, a fresh random
// one otherwise. It logs the seed and how to replay it.
func Seed(t testing.TB) uint64 {
	t.Helper()
	if s := os.Getenv(Env); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q is not a seed (an unsigned 64-bit integer)", Env, s)
		}
		t.Logf("seed %d, from %s", n, Env)
		return n
	}
	n := rand.Uint64()
	t.Logf("seed %d; replay with %s=%d go test -run '^%s$'", n, Env, n, t.Name())
	return n
}

// New returns a generator seeded with the test's seed (Seed).
func New(t testing.TB) *rand.Rand {
	t.Helper()
	return rand.New(rand.NewPCG(Seed(t), 0))
}

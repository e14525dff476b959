//go:build !race

package license_test

// raceEnabled says the race detector is on; the long runs are shortened.
const raceEnabled = false

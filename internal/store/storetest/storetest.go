// Package storetest is the storage conformance suite: the tests every
// backend of package store must pass, written once and run against SQLite and
// PostgreSQL alike (see store_test.go in the parent package).
//
// Each suite is a function of a *testing.T and an Opener, the function that
// gives a test a fresh, empty, migrated store of one backend. Run runs every
// registered suite. A domain store adds its own suite in a file of this
// package named after the entity (license.go for licenses, and so on), and
// registers it from a package-level declaration, so that adding a suite
// touches no other file:
//
//	var _ = register("Licenses", Licenses)
//
//	func Licenses(t *testing.T, open Opener) { ... }
//
// The helpers here (WantKind, CreateAccount, Epoch, ...) are for those suites
// too.
package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/store"
)

// Opener returns a fresh, empty store for one test; the store is closed (and
// its data dropped) when the test ends.
type Opener = func(t *testing.T) *store.DB

// Suite tests one part of the store against whatever backend open gives.
type Suite func(t *testing.T, open Opener)

type namedSuite struct {
	name string
	run  Suite
}

// suites lists the registered suites; Run runs them in name order.
var suites []namedSuite

// register adds a suite to those Run runs. It returns a value only so that it
// can be called from a package-level var declaration.
func register(name string, s Suite) struct{} {
	for _, ns := range suites {
		if ns.name == name {
			panic("storetest: suite " + name + " registered twice")
		}
	}
	suites = append(suites, namedSuite{name: name, run: s})
	return struct{}{}
}

// Run runs every conformance suite, each as a subtest, against the backend
// that open returns.
func Run(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Helper()
	if len(suites) == 0 {
		t.Fatal("storetest: no suites registered")
	}
	sorted := slices.SortedFunc(slices.Values(suites), func(a, b namedSuite) int { return strings.Compare(a.name, b.name) })
	for _, s := range sorted {
		t.Run(s.name, func(t *testing.T) { s.run(t, open) })
	}
}

// Epoch is the time fixtures are stamped with: odd nanoseconds, so that a
// store that drops precision is caught.
var Epoch = time.Date(2026, time.March, 14, 15, 9, 26, 535897932, time.UTC)

// WantKind fails the test unless err is a fault of the given kind.
func WantKind(t testing.TB, err error, want fault.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want a %v fault", want)
	}
	if got := fault.KindOf(err); got != want {
		t.Fatalf("got a %v fault (%v), want %v", got, err, want)
	}
}

// NoError fails the test if err is not nil, naming what was being done.
func NoError(t testing.TB, err error, doing string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", doing, err)
	}
}

// Diff fails the test if got differs from want, naming what was compared.
func Diff(t testing.TB, what string, want, got any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// NewAccount returns an account fixture with a well-formed ID built from n.
func NewAccount(n int, created time.Time) account.Account {
	id := accountID(n)
	return account.Account{ID: id, Name: "Account " + id, Email: "owner-" + id + "@example.com", CreatedAt: created}
}

// NewKey returns an access-key fixture for accountID: an AKIA key whose ID is
// derived from the account ID and suffix, and a 40-character secret.
func NewKey(accountID string, suffix int, created time.Time) account.AccessKey {
	tail := accountID + pad(suffix, 4) // 16 characters
	return account.AccessKey{
		ID:        "AKIA" + tail,
		Secret:    (tail + tail + tail)[:40],
		AccountID: accountID,
		CreatedAt: created,
	}
}

// CreateAccount stores the n-th account fixture with its first key.
func CreateAccount(t testing.TB, db *store.DB, n int) (account.Account, account.AccessKey) {
	t.Helper()
	a := NewAccount(n, Epoch)
	k := NewKey(a.ID, 0, Epoch)
	NoError(t, db.Accounts().CreateAccount(t.Context(), a, k), "create account "+a.ID)
	return a, k
}

func accountID(n int) string { return "1" + pad(n, 11) }

func pad(n, width int) string {
	s := []byte{}
	for range width {
		s = append([]byte{byte('0' + n%10)}, s...)
		n /= 10
	}
	return string(s)
}

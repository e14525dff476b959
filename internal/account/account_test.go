package account

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

var epoch = time.Date(2026, time.February, 3, 4, 5, 6, 0, time.UTC)

func TestCreateAccountInputValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   CreateAccountInput
		ok   bool
	}{
		{"Minimal", CreateAccountInput{Name: "Acme"}, true},
		{"WithEmail", CreateAccountInput{Name: "Acme", Email: "billing@acme.example"}, true},
		{"Operator", CreateAccountInput{Name: "Ops", Operator: true}, true},
		{"Unicode", CreateAccountInput{Name: "Zürich Ünïcode 東京"}, true},
		{"Name256Bytes", CreateAccountInput{Name: strings.Repeat("a", 256)}, true},
		{"NameWithSpaces", CreateAccountInput{Name: "  Acme  "}, true},
		{"EmptyName", CreateAccountInput{}, false},
		{"BlankName", CreateAccountInput{Name: " \t\n "}, false},
		{"Name257Bytes", CreateAccountInput{Name: strings.Repeat("a", 257)}, false},
		{"Name256BytesOfRunes", CreateAccountInput{Name: strings.Repeat("ü", 128)}, true},
		{"NameOver256BytesOfRunes", CreateAccountInput{Name: strings.Repeat("ü", 129)}, false},
		{"InvalidUTF8", CreateAccountInput{Name: "Acme\xff"}, false},
		{"BadEmail", CreateAccountInput{Name: "Acme", Email: "not an address"}, false},
		{"EmailWithoutDomain", CreateAccountInput{Name: "Acme", Email: "billing@"}, false},
		{"EmailWithDisplayName", CreateAccountInput{Name: "Acme", Email: "Billing <billing@acme.example>"}, false},
		{"EmailInAngleBrackets", CreateAccountInput{Name: "Acme", Email: "<billing@acme.example>"}, false},
		{"EmailTooLong", CreateAccountInput{Name: "Acme", Email: strings.Repeat("a", 64) + "@" + strings.Repeat("b", 252) + ".example"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.in.Validate()
			if tc.ok {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if fault.KindOf(err) != fault.Invalid {
				t.Errorf("Validate() = %v, want an Invalid fault", err)
			}
		})
	}
}

func TestValidID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"123456789012", true},
		{"000000000000", true},
		{"999999999999", true},
		{"", false},
		{"12345678901", false},
		{"1234567890123", false},
		{"12345678901a", false},
		{"-12345678901", false},
		{" 23456789012", false},
		{"１23456789012", false}, // a full-width digit
	} {
		if got := ValidID(tc.id); got != tc.want {
			t.Errorf("ValidID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestPrincipalARN(t *testing.T) {
	p := Principal{AccountID: "123456789012", AccessKeyID: "AKIAEXAMPLE"}
	if got, want := p.ARN(), "arn:aws:iam::123456789012:root"; got != want {
		t.Errorf("ARN() = %q, want %q", got, want)
	}
}

// fakeStore is an in-memory Store. conflicts makes the next that many
// CreateAccount or CreateAccessKey calls fail with Conflict; err, when set,
// makes every write fail with it.
type fakeStore struct {
	mu        sync.Mutex
	accounts  map[string]Account
	keys      map[string]AccessKey
	conflicts int
	err       error
	attempts  []string // the account or key IDs writes were tried with
	passwords map[string]string
	sessions  map[string]Session
	touches   int // TouchSession calls
}

func newFakeStore() *fakeStore {
	return &fakeStore{accounts: map[string]Account{}, keys: map[string]AccessKey{},
		passwords: map[string]string{}, sessions: map[string]Session{}}
}

func (f *fakeStore) write(id string) error {
	f.attempts = append(f.attempts, id)
	if f.err != nil {
		return f.err
	}
	if f.conflicts > 0 {
		f.conflicts--
		return fault.New(fault.Conflict, "already exists")
	}
	return nil
}

func (f *fakeStore) CreateAccount(_ context.Context, a Account, key AccessKey) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.write(a.ID); err != nil {
		return err
	}
	if _, ok := f.accounts[a.ID]; ok {
		return fault.New(fault.Conflict, "account exists")
	}
	if _, ok := f.keys[key.ID]; ok {
		return fault.New(fault.Conflict, "key exists")
	}
	f.accounts[a.ID], f.keys[key.ID] = a, key
	return nil
}

func (f *fakeStore) GetAccount(_ context.Context, id string) (Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.accounts[id]
	if !ok {
		return Account{}, fault.New(fault.NotFound, "no account %s", id)
	}
	return a, nil
}

func (f *fakeStore) ListAccounts(context.Context) ([]Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Account
	for _, a := range f.accounts {
		out = append(out, a)
	}
	return out, nil
}

func (f *fakeStore) CreateAccessKey(_ context.Context, key AccessKey) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.write(key.ID); err != nil {
		return err
	}
	if _, ok := f.accounts[key.AccountID]; !ok {
		return fault.New(fault.NotFound, "no account %s", key.AccountID)
	}
	if _, ok := f.keys[key.ID]; ok {
		return fault.New(fault.Conflict, "key exists")
	}
	f.keys[key.ID] = key
	return nil
}

func (f *fakeStore) GetAccessKey(_ context.Context, id string) (AccessKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.keys[id]
	if !ok {
		return AccessKey{}, fault.New(fault.NotFound, "no key %s", id)
	}
	return k, nil
}

func (f *fakeStore) DeleteAccessKey(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.keys[id]; !ok {
		return fault.New(fault.NotFound, "no key %s", id)
	}
	delete(f.keys, id)
	return nil
}

var _ Store = (*fakeStore)(nil)

var (
	accountIDPattern = regexp.MustCompile(`^[1-9][0-9]{11}$`)
	keyIDPattern     = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
	secretPattern    = regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
)

func checkFormats(t *testing.T, a Account, k AccessKey) {
	t.Helper()
	if !accountIDPattern.MatchString(a.ID) || !ValidID(a.ID) {
		t.Errorf("account ID %q: want 12 digits, not starting with 0", a.ID)
	}
	if !keyIDPattern.MatchString(k.ID) {
		t.Errorf("access key ID %q: want AKIA and 16 base32 characters", k.ID)
	}
	if !secretPattern.MatchString(k.Secret) {
		t.Errorf("secret %q: want 40 base64 characters", k.Secret)
	}
	if k.AccountID != a.ID {
		t.Errorf("key belongs to %q, want %q", k.AccountID, a.ID)
	}
}

func TestCreate(t *testing.T) {
	f := newFakeStore()
	svc := NewService(f, clock.NewManual(epoch))
	a, k, err := svc.Create(t.Context(), CreateAccountInput{Name: "  Acme Corp ", Email: "billing@acme.example", Operator: true})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	checkFormats(t, a, k)
	want := Account{ID: a.ID, Name: "Acme Corp", Email: "billing@acme.example", Operator: true, CreatedAt: epoch}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("account mismatch (-want +got):\n%s", diff)
	}
	if !k.CreatedAt.Equal(epoch) {
		t.Errorf("key created at %v, want the clock's %v", k.CreatedAt, epoch)
	}
	stored, err := f.GetAccount(t.Context(), a.ID)
	if err != nil {
		t.Fatalf("the account was not stored: %v", err)
	}
	if diff := cmp.Diff(a, stored); diff != "" {
		t.Errorf("stored account mismatch (-returned +stored):\n%s", diff)
	}
	if storedKey, err := f.GetAccessKey(t.Context(), k.ID); err != nil || storedKey != k {
		t.Errorf("stored key = %+v, %v; want %+v", storedKey, err, k)
	}
}

func TestCreateFormats(t *testing.T) {
	// Many accounts from the real random source: every ID is well formed
	// and unique.
	svc := NewService(newFakeStore(), clock.NewManual(epoch))
	seen := map[string]bool{}
	for range 500 {
		a, k, err := svc.Create(t.Context(), CreateAccountInput{Name: "x"})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		checkFormats(t, a, k)
		for _, id := range []string{a.ID, k.ID, k.Secret} {
			if seen[id] {
				t.Errorf("identifier %q generated twice", id)
			}
			seen[id] = true
		}
	}
}

func TestCreateLeadingZero(t *testing.T) {
	// All-zero randomness would give account 000000000000; the first digit
	// is moved off 0.
	svc := NewService(newFakeStore(), clock.NewManual(epoch))
	svc.random = bytes.NewReader(make([]byte, 1024))
	a, k, err := svc.Create(t.Context(), CreateAccountInput{Name: "x"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if a.ID != "100000000000" {
		t.Errorf("account ID from zero bytes = %q, want 100000000000", a.ID)
	}
	if want := "AKIA" + strings.Repeat("A", 16); k.ID != want {
		t.Errorf("key ID from zero bytes = %q, want %q", k.ID, want)
	}
	if want := strings.Repeat("A", 40); k.Secret != want {
		t.Errorf("secret from zero bytes = %q, want %q", k.Secret, want)
	}
}

func TestCreateRetriesConflicts(t *testing.T) {
	for _, tc := range []struct {
		name      string
		conflicts int
		wantErr   fault.Kind
		wantOK    bool
		attempts  int
	}{
		{"NoConflict", 0, 0, true, 1},
		{"ThreeConflicts", 3, 0, true, 4},
		{"ConflictsUntilTheLastAttempt", maxIDAttempts - 1, 0, true, maxIDAttempts},
		{"AlwaysConflicts", 1000, fault.Conflict, false, maxIDAttempts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeStore()
			f.conflicts = tc.conflicts
			svc := NewService(f, clock.NewManual(epoch))
			a, _, err := svc.Create(t.Context(), CreateAccountInput{Name: "x"})
			if tc.wantOK {
				if err != nil {
					t.Fatalf("Create: %v", err)
				}
				if got := f.attempts[len(f.attempts)-1]; got != a.ID {
					t.Errorf("returned account %s, but the last write was %s", a.ID, got)
				}
			} else if fault.KindOf(err) != tc.wantErr {
				t.Fatalf("Create = %v, want a %v fault", err, tc.wantErr)
			}
			if len(f.attempts) != tc.attempts {
				t.Errorf("%d writes, want %d", len(f.attempts), tc.attempts)
			}
			// Each retry draws a fresh ID.
			distinct := map[string]bool{}
			for _, id := range f.attempts {
				distinct[id] = true
			}
			if len(distinct) != len(f.attempts) {
				t.Errorf("retries reused an ID: %v", f.attempts)
			}
		})
	}
}

func TestCreateStopsOnOtherErrors(t *testing.T) {
	f := newFakeStore()
	boom := errors.New("disk on fire")
	f.err = boom
	svc := NewService(f, clock.NewManual(epoch))
	if _, _, err := svc.Create(t.Context(), CreateAccountInput{Name: "x"}); !errors.Is(err, boom) {
		t.Errorf("Create = %v, want the store's error", err)
	}
	if len(f.attempts) != 1 {
		t.Errorf("%d writes, want 1: only conflicts are retried", len(f.attempts))
	}
}

func TestCreateInvalidInputWritesNothing(t *testing.T) {
	f := newFakeStore()
	svc := NewService(f, clock.NewManual(epoch))
	if _, _, err := svc.Create(t.Context(), CreateAccountInput{Name: " "}); fault.KindOf(err) != fault.Invalid {
		t.Errorf("Create = %v, want an Invalid fault", err)
	}
	if len(f.attempts) != 0 {
		t.Errorf("invalid input reached the store: %v", f.attempts)
	}
}

func TestCreateKey(t *testing.T) {
	f := newFakeStore()
	clk := clock.NewManual(epoch)
	svc := NewService(f, clk)
	a, first, err := svc.Create(t.Context(), CreateAccountInput{Name: "x"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	clk.Advance(time.Hour)

	f.conflicts = 2
	f.attempts = nil
	k, err := svc.CreateKey(t.Context(), a.ID)
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	checkFormats(t, a, k)
	if k.ID == first.ID || k.Secret == first.Secret {
		t.Errorf("second key %+v repeats the first %+v", k, first)
	}
	if !k.CreatedAt.Equal(epoch.Add(time.Hour)) {
		t.Errorf("key created at %v, want %v", k.CreatedAt, epoch.Add(time.Hour))
	}
	if len(f.attempts) != 3 {
		t.Errorf("%d writes, want 3 (two conflicts retried)", len(f.attempts))
	}

	for _, tc := range []struct {
		name    string
		account string
		want    fault.Kind
	}{
		{"InvalidID", "12345", fault.Invalid},
		{"EmptyID", "", fault.Invalid},
		{"UnknownAccount", "999999999999", fault.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := svc.CreateKey(t.Context(), tc.account); fault.KindOf(err) != tc.want {
				t.Errorf("CreateKey(%q) = %v, want a %v fault", tc.account, err, tc.want)
			}
		})
	}
}

func TestDeleteKey(t *testing.T) {
	f := newFakeStore()
	svc := NewService(f, clock.NewManual(epoch))
	_, k, err := svc.Create(t.Context(), CreateAccountInput{Name: "x"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := svc.DeleteKey(t.Context(), ""); fault.KindOf(err) != fault.Invalid {
		t.Errorf("DeleteKey(\"\") = %v, want an Invalid fault", err)
	}
	if err := svc.DeleteKey(t.Context(), k.ID); err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	if _, err := f.GetAccessKey(t.Context(), k.ID); fault.KindOf(err) != fault.NotFound {
		t.Errorf("key still stored after DeleteKey: %v", err)
	}
	if err := svc.DeleteKey(t.Context(), k.ID); fault.KindOf(err) != fault.NotFound {
		t.Errorf("second DeleteKey = %v, want a NotFound fault", err)
	}
}

package account

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

// cheapHash keeps the tests fast; TestDefaultHashParams covers the real
// costs.
var cheapHash = hashParams{memoryKiB: 64, passes: 1, lanes: 1, saltLen: 16, keyLen: 32}

const testPassword = "correct horse battery"

// newPasswordService returns a service over a fake store holding one
// account with testPassword.
func newPasswordService(t *testing.T) (*Service, *fakeStore, *clock.Manual, string) {
	t.Helper()
	f := newFakeStore()
	clk := clock.NewManual(epoch)
	svc := NewService(f, clk)
	svc.hash = cheapHash
	a, _, err := svc.Create(t.Context(), CreateAccountInput{Name: "Buyer"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetPassword(t.Context(), SetPasswordInput{AccountID: a.ID, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	return svc, f, clk, a.ID
}

func fieldCodes(err error) []string {
	var out []string
	for _, f := range fault.As(err).Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

func TestSetPasswordInputValidate(t *testing.T) {
	const id = "123456789012"
	for _, tc := range []struct {
		name string
		in   SetPasswordInput
		want []string // field:code, nil for valid
	}{
		{"Shortest", SetPasswordInput{id, strings.Repeat("a", 12)}, nil},
		{"Longest", SetPasswordInput{id, strings.Repeat("a", 128)}, nil},
		{"UnicodeCountsBytes", SetPasswordInput{id, strings.Repeat("ü", 6)}, nil}, // 12 bytes, 6 characters
		{"TooShort", SetPasswordInput{id, strings.Repeat("a", 11)}, []string{"Password:invalid_password"}},
		{"Empty", SetPasswordInput{id, ""}, []string{"Password:invalid_password"}},
		{"TooLong", SetPasswordInput{id, strings.Repeat("a", 129)}, []string{"Password:invalid_password"}},
		{"NotUTF8", SetPasswordInput{id, strings.Repeat("a", 12) + "\xff"}, []string{"Password:invalid_password"}},
		{"BadAccount", SetPasswordInput{"12345", testPassword}, []string{"AccountId:invalid_account_id"}},
		{"Both", SetPasswordInput{"", "short"}, []string{"AccountId:invalid_account_id", "Password:invalid_password"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.in.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !fault.Is(err, fault.Invalid) {
				t.Fatalf("Validate() = %v, want Invalid", err)
			}
			if d := cmp.Diff(tc.want, fieldCodes(err)); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
		})
	}
}

func TestDefaultHashParams(t *testing.T) {
	f := newFakeStore()
	svc := NewService(f, clock.NewManual(epoch))
	a, _, err := svc.Create(t.Context(), CreateAccountInput{Name: "Seller"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetPassword(t.Context(), SetPasswordInput{AccountID: a.ID, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	stored := f.passwords[a.ID]
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(stored) {
		t.Errorf("stored hash %q: want argon2id in PHC format with 19 MiB, 2 passes, 1 lane, 16-byte salt, 32-byte key", stored)
	}
	if strings.Contains(stored, testPassword) {
		t.Error("the stored hash contains the password")
	}
	for pw, want := range map[string]bool{testPassword: true, testPassword + " ": false, "": false} {
		if ok, err := verifyPassword(stored, []byte(pw)); err != nil || ok != want {
			t.Errorf("verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	// The same password hashes differently each time: the salt is random.
	if err := svc.SetPassword(t.Context(), SetPasswordInput{AccountID: a.ID, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	if f.passwords[a.ID] == stored {
		t.Error("setting the same password twice stored the same hash: the salt is not random")
	}
}

func TestVerifyPasswordRefusesBadHashes(t *testing.T) {
	good := cheapHash.encode([]byte(testPassword), []byte("0123456789abcdef"))
	if ok, err := verifyPassword(good, []byte(testPassword)); !ok || err != nil {
		t.Fatalf("verify(good) = %v, %v", ok, err)
	}
	for name, h := range map[string]string{
		"Empty":       "",
		"Bcrypt":      "$2a$10$abcdefghijklmnopqrstuu5Hh4y7N6WZ4z1x1P9vWcD3q6xJ8Y1e",
		"Argon2i":     strings.Replace(good, "argon2id", "argon2i", 1),
		"OldVersion":  strings.Replace(good, "v=19", "v=16", 1),
		"HugeMemory":  strings.Replace(good, "m=64,", "m=4194304,", 1),
		"ZeroPasses":  strings.Replace(good, "t=1,", "t=0,", 1),
		"BadSalt":     strings.Replace(good, "$MDEy", "$!!!!", 1),
		"ShortKey":    good[:strings.LastIndex(good, "$")+1] + "AAAA",
		"MissingPart": good[:strings.LastIndex(good, "$")],
	} {
		if ok, err := verifyPassword(h, []byte(testPassword)); ok || err == nil {
			t.Errorf("%s: verify(%q) = %v, %v; want an error", name, h, ok, err)
		}
	}
}

func TestSetPassword(t *testing.T) {
	svc, f, _, id := newPasswordService(t)
	if has, err := svc.HasPassword(t.Context(), id); !has || err != nil {
		t.Errorf("HasPassword = %v, %v; want true", has, err)
	}
	if has, err := svc.HasPassword(t.Context(), "999999999999"); has || err != nil {
		t.Errorf("HasPassword(unknown) = %v, %v; want false, nil", has, err)
	}
	err := svc.SetPassword(t.Context(), SetPasswordInput{AccountID: "999999999999", Password: testPassword})
	if !fault.Is(err, fault.NotFound) {
		t.Errorf("SetPassword(unknown account) = %v, want NotFound", err)
	}
	before := f.passwords[id]
	err = svc.SetPassword(t.Context(), SetPasswordInput{AccountID: id, Password: "short"})
	if !fault.Is(err, fault.Invalid) || f.passwords[id] != before {
		t.Errorf("SetPassword(short) = %v and changed the hash: %v", err, f.passwords[id] != before)
	}
}

func TestSignIn(t *testing.T) {
	svc, f, _, id := newPasswordService(t)
	noPassword, _, err := svc.Create(t.Context(), CreateAccountInput{Name: "No password"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		in       SignInInput
		wantKind fault.Kind // Internal (zero) means success
		fields   []string
	}{
		{"Right", SignInInput{id, testPassword}, 0, nil},
		{"WrongPassword", SignInInput{id, testPassword + "!"}, fault.Unauthenticated, nil},
		{"CaseMatters", SignInInput{id, strings.ToUpper(testPassword)}, fault.Unauthenticated, nil},
		{"UnknownAccount", SignInInput{"999999999999", testPassword}, fault.Unauthenticated, nil},
		{"AccountWithoutPassword", SignInInput{noPassword.ID, testPassword}, fault.Unauthenticated, nil},
		{"Empty", SignInInput{}, fault.Invalid, []string{"AccountId:invalid_account_id", "Password:required"}},
		{"PasswordTooLong", SignInInput{id, strings.Repeat("x", 129)}, fault.Invalid, []string{"Password:too_long"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token, sess, err := svc.SignIn(t.Context(), tc.in)
			if tc.wantKind != 0 {
				if !fault.Is(err, tc.wantKind) || token != "" {
					t.Fatalf("SignIn = %q, %v; want a %v fault and no token", token, err, tc.wantKind)
				}
				if tc.wantKind == fault.Unauthenticated && err.Error() != errBadSignIn.Error() {
					t.Errorf("error %q: every bad sign-in must read %q", err, errBadSignIn)
				}
				if d := cmp.Diff(tc.fields, fieldCodes(err)); d != "" {
					t.Errorf("fields (-want +got):\n%s", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("SignIn: %v", err)
			}
			if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(token) {
				t.Errorf("token %q: want 43 base64url characters (32 bytes)", token)
			}
			sum := sha256.Sum256([]byte(token))
			want := Session{ID: hex.EncodeToString(sum[:]), AccountID: id, CreatedAt: epoch, LastSeenAt: epoch,
				ExpiresAt: epoch.Add(7 * 24 * time.Hour)}
			if d := cmp.Diff(want, sess); d != "" {
				t.Errorf("session (-want +got):\n%s", d)
			}
			if d := cmp.Diff(want, f.sessions[want.ID]); d != "" {
				t.Errorf("stored session (-want +got):\n%s", d)
			}
			for sid := range f.sessions {
				if strings.Contains(sid, token) {
					t.Error("the store holds the token itself")
				}
			}
		})
	}
}

// TestSignInWorksTheSameForUnknownAccounts checks that a sign-in for an
// account that does not exist, or has no password, hashes the password
// against a dummy hash of the same cost, so that it takes as long as a
// wrong password for a real account.
func TestSignInWorksTheSameForUnknownAccounts(t *testing.T) {
	svc, f, _, id := newPasswordService(t)
	realParams, _, _, err := decodeHash(f.passwords[id])
	if err != nil {
		t.Fatal(err)
	}
	dummy := svc.dummyHash
	calls := 0
	svc.dummyHash = func() string { calls++; return dummy() }
	dummyParams, _, _, err := decodeHash(dummy())
	if err != nil {
		t.Fatal(err)
	}
	if dummyParams != realParams {
		t.Errorf("dummy hash costs %+v, real ones %+v: unknown accounts would answer at another speed", dummyParams, realParams)
	}
	for _, tc := range []struct {
		account   string
		wantDummy int
	}{{"999999999999", 1}, {id, 0}} {
		calls = 0
		_, _, err := svc.SignIn(t.Context(), SignInInput{tc.account, "wrong password!"})
		if !fault.Is(err, fault.Unauthenticated) {
			t.Errorf("SignIn(%s) = %v, want Unauthenticated", tc.account, err)
		}
		if calls != tc.wantDummy {
			t.Errorf("SignIn(%s) hashed against the dummy %d times, want %d", tc.account, calls, tc.wantDummy)
		}
	}
}

func TestSessionLifetimes(t *testing.T) {
	type step struct {
		advance time.Duration
		live    bool
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"AtOnce", []step{{0, true}}},
		{"JustBeforeIdle", []step{{12*time.Hour - time.Nanosecond, true}}},
		{"IdleLimit", []step{{12 * time.Hour, false}}},
		{"UseKeepsItAlive", []step{{11 * time.Hour, true}, {11 * time.Hour, true}, {11 * time.Hour, true}}},
		{"IdleAfterUse", []step{{11 * time.Hour, true}, {12 * time.Hour, false}}},
		{"GoneStaysGone", []step{{13 * time.Hour, false}, {0, false}}},
		{"AbsoluteLimit", []step{
			{11 * time.Hour, true}, {11 * time.Hour, true}, {11 * time.Hour, true}, {11 * time.Hour, true},
			{11 * time.Hour, true}, {11 * time.Hour, true}, {11 * time.Hour, true}, {11 * time.Hour, true},
			{11 * time.Hour, true}, {11 * time.Hour, true}, {11 * time.Hour, true}, {11 * time.Hour, true},
			{11 * time.Hour, true}, {11 * time.Hour, true}, {11 * time.Hour, true}, // 165 h
			{3*time.Hour - time.Nanosecond, true}, // 168 h less a nanosecond
			{time.Nanosecond, false},              // 7 days
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, f, clk, id := newPasswordService(t)
			token, _, err := svc.SignIn(t.Context(), SignInInput{id, testPassword})
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tc.steps {
				clk.Advance(s.advance)
				p, err := svc.Session(t.Context(), token)
				if s.live {
					if err != nil || p != (Principal{AccountID: id}) {
						t.Fatalf("step %d (+%v): Session = %+v, %v; want live for %s", i, s.advance, p, err, id)
					}
					continue
				}
				if !fault.Is(err, fault.Unauthenticated) || err.Error() != errNoSession.Error() {
					t.Fatalf("step %d (+%v): Session = %+v, %v; want %v", i, s.advance, p, err, errNoSession)
				}
				if len(f.sessions) != 0 {
					t.Errorf("step %d: the ended session is still stored", i)
				}
			}
		})
	}
}

func TestSessionTouchesAtMostOncePerMinute(t *testing.T) {
	svc, f, clk, id := newPasswordService(t)
	token, sess, err := svc.SignIn(t.Context(), SignInInput{id, testPassword})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		advance     time.Duration
		wantTouches int
		wantSeen    time.Time
	}{
		{0, 0, epoch},
		{59 * time.Second, 0, epoch},
		{time.Second, 1, epoch.Add(time.Minute)},
		{30 * time.Second, 1, epoch.Add(time.Minute)},
		{30 * time.Second, 2, epoch.Add(2 * time.Minute)},
	} {
		clk.Advance(tc.advance)
		if _, err := svc.Session(t.Context(), token); err != nil {
			t.Fatal(err)
		}
		if f.touches != tc.wantTouches || !f.sessions[sess.ID].LastSeenAt.Equal(tc.wantSeen) {
			t.Errorf("at %v: %d touches, last seen %v; want %d, %v", clk.Now().Sub(epoch), f.touches,
				f.sessions[sess.ID].LastSeenAt, tc.wantTouches, tc.wantSeen)
		}
	}
}

func TestSessionRefusesBadTokens(t *testing.T) {
	svc, _, _, id := newPasswordService(t)
	token, _, err := svc.SignIn(t.Context(), SignInInput{id, testPassword})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(token))
	for name, bad := range map[string]string{
		"Empty":          "",
		"Short":          token[:42],
		"Long":           token + "A",
		"NotBase64":      "!" + token[1:],
		"Unknown":        strings.Repeat("A", 43),
		"TheStoredID":    hex.EncodeToString(sum[:]), // the hash is not a token
		"WithWhitespace": " " + token[1:],
	} {
		if p, err := svc.Session(t.Context(), bad); !fault.Is(err, fault.Unauthenticated) {
			t.Errorf("%s: Session(%q) = %+v, %v; want Unauthenticated", name, bad, p, err)
		}
	}
	if _, err := svc.Session(t.Context(), token); err != nil {
		t.Errorf("the real token stopped working: %v", err)
	}
}

func TestSignOut(t *testing.T) {
	svc, f, _, id := newPasswordService(t)
	first, _, err := svc.SignIn(t.Context(), SignInInput{id, testPassword})
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := svc.SignIn(t.Context(), SignInInput{id, testPassword})
	if err != nil {
		t.Fatal(err)
	}
	if first == second {
		t.Fatal("two sign-ins got the same token")
	}
	if err := svc.SignOut(t.Context(), first); err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	if _, err := svc.Session(t.Context(), first); !fault.Is(err, fault.Unauthenticated) {
		t.Errorf("signed-out token: %v, want Unauthenticated", err)
	}
	if _, err := svc.Session(t.Context(), second); err != nil {
		t.Errorf("the other session ended too: %v", err)
	}
	for _, again := range []string{first, "", "garbage"} {
		if err := svc.SignOut(t.Context(), again); err != nil {
			t.Errorf("SignOut(%q) = %v, want nil", again, err)
		}
	}
	if len(f.sessions) != 1 {
		t.Errorf("%d sessions stored, want 1", len(f.sessions))
	}
}

func TestSetPasswordEndsSessions(t *testing.T) {
	svc, _, _, id := newPasswordService(t)
	token, _, err := svc.SignIn(t.Context(), SignInInput{id, testPassword})
	if err != nil {
		t.Fatal(err)
	}
	const newPassword = "a brand new password"
	if err := svc.SetPassword(t.Context(), SetPasswordInput{AccountID: id, Password: newPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Session(t.Context(), token); !fault.Is(err, fault.Unauthenticated) {
		t.Errorf("session after a password change: %v, want Unauthenticated", err)
	}
	if _, _, err := svc.SignIn(t.Context(), SignInInput{id, testPassword}); !fault.Is(err, fault.Unauthenticated) {
		t.Errorf("old password: %v, want Unauthenticated", err)
	}
	if _, _, err := svc.SignIn(t.Context(), SignInInput{id, newPassword}); err != nil {
		t.Errorf("new password: %v", err)
	}
}

func TestSweepSessions(t *testing.T) {
	svc, f, clk, id := newPasswordService(t)
	old, _, err := svc.SignIn(t.Context(), SignInInput{id, testPassword})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(6 * time.Hour)
	recent, _, err := svc.SignIn(t.Context(), SignInInput{id, testPassword})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(6 * time.Hour) // the first is now idle for 12 hours
	n, err := svc.SweepSessions(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("SweepSessions = %d, %v; want 1", n, err)
	}
	if _, ok := f.sessions[sessionID(old)]; ok {
		t.Error("the idle session was kept")
	}
	if _, err := svc.Session(t.Context(), recent); err != nil {
		t.Errorf("the recent session was swept: %v", err)
	}
}

func TestSignInWithUnreadableHash(t *testing.T) {
	svc, f, _, id := newPasswordService(t)
	f.passwords[id] = "not a hash"
	_, _, err := svc.SignIn(t.Context(), SignInInput{id, testPassword})
	if fault.KindOf(err) != fault.Internal {
		t.Errorf("SignIn over a corrupt hash = %v, want Internal", err)
	}
}

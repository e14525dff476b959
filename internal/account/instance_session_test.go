package account

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/sealed"
)

// ReuseInstanceSessionKey keeps what the SQL store keeps of a session: the
// token's hash, not the token.
func (f *fakeStore) ReuseInstanceSessionKey(_ context.Context, fresh AccessKey, reuseUntil time.Time) (AccessKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var best *AccessKey
	for _, k := range f.keys {
		if s := k.Role; s != nil && s.Instance == fresh.Role.Instance && k.AccountID == fresh.AccountID &&
			s.RoleArn == fresh.Role.RoleArn && s.Expires.After(reuseUntil) && (best == nil || s.Expires.After(best.Role.Expires)) {
			best = &k
		}
	}
	if best != nil {
		return *best, nil
	}
	if err := f.write(fresh.ID); err != nil {
		return AccessKey{}, err
	}
	if _, ok := f.keys[fresh.ID]; ok {
		return AccessKey{}, fault.New(fault.Conflict, "key exists")
	}
	stored := fresh
	sess := *fresh.Role
	sess.Token, sess.TokenHash = "", sealed.HashToken(fresh.Role.Token)
	stored.Role = &sess
	f.keys[fresh.ID] = stored
	return fresh, nil
}

// TestInstanceSession: an instance's credentials act as its owner with no
// license limit, name the instance, last six hours, and are served again
// (same key, secret and token) until an hour is left, when the next session
// is issued; another role gets its own session.
func TestInstanceSession(t *testing.T) {
	f := newFakeStore()
	clk := clock.NewManual(epoch)
	svc := NewService(f, clk)
	const acct, inst = "222222222222", "i-0123456789abcdef0"
	in := InstanceSessionInput{AccountID: acct, Role: "seller-app", Instance: inst}
	first, err := svc.InstanceSession(t.Context(), in)
	if err != nil {
		t.Fatalf("InstanceSession: %v", err)
	}
	if !sessionKeyPattern.MatchString(first.ID) || !secretPattern.MatchString(first.Secret) || len(first.Role.Token) != roleTokenLength {
		t.Errorf("credentials %q / %q / token of %d characters", first.ID, first.Secret, len(first.Role.Token))
	}
	want := &RoleSession{Token: first.Role.Token, RoleArn: "arn:aws:iam::" + acct + ":role/seller-app", Name: inst, Instance: inst,
		Expires: epoch.Add(6 * time.Hour)}
	if diff := cmp.Diff(want, first.Role); diff != "" {
		t.Errorf("session (-want +got):\n%s", diff)
	}
	p := PrincipalOf(first)
	if p.License != "" || p.AccountID != acct {
		t.Errorf("principal %+v: want the owner's account with no license limit", p)
	}
	if got, want := p.ARN(), "arn:aws:sts::"+acct+":assumed-role/seller-app/"+inst; got != want {
		t.Errorf("ARN %s, want %s", got, want)
	}
	if sealed.HashToken(first.Role.Token) != f.keys[first.ID].Role.TokenHash {
		t.Error("the stored hash is not that of the token served")
	}

	// Polled until an hour is left: the same credentials.
	for _, at := range []time.Duration{time.Second, time.Hour, 5*time.Hour - time.Nanosecond} {
		clk.Set(epoch.Add(at))
		again, err := svc.InstanceSession(t.Context(), in)
		if err != nil {
			t.Fatalf("InstanceSession at +%s: %v", at, err)
		}
		if again.ID != first.ID || again.Secret != first.Secret || again.Role.Token != first.Role.Token {
			t.Errorf("at +%s: credentials %s, want the first session's %s with its token", at, again.ID, first.ID)
		}
	}
	// With an hour left, the next session.
	clk.Set(epoch.Add(5 * time.Hour))
	next, err := svc.InstanceSession(t.Context(), in)
	if err != nil {
		t.Fatalf("InstanceSession at +5h: %v", err)
	}
	if next.ID == first.ID || !next.Role.Expires.Equal(epoch.Add(11*time.Hour)) {
		t.Errorf("at +5h: %s expiring %s, want a new session expiring at +11h", next.ID, next.Role.Expires)
	}
	other, err := svc.InstanceSession(t.Context(), InstanceSessionInput{AccountID: acct, Role: "other", Instance: inst})
	if err != nil || other.ID == next.ID {
		t.Errorf("another role: %v, %v: want its own session", other.ID, err)
	}
	if n := len(f.keys); n != 3 {
		t.Errorf("%d sessions stored, want 3", n)
	}
}

func TestInstanceSessionInputValidate(t *testing.T) {
	ok := InstanceSessionInput{AccountID: "222222222222", Role: "r", Instance: "i-0123456789abcdef0"}
	for _, tc := range []struct {
		name string
		edit func(*InstanceSessionInput)
		ok   bool
	}{
		{"Valid", func(*InstanceSessionInput) {}, true},
		{"RoleOf64", func(in *InstanceSessionInput) { in.Role = strings.Repeat("a", 64) }, true},
		{"RoleOf65", func(in *InstanceSessionInput) { in.Role = strings.Repeat("a", 64) + "a" }, false},
		{"RoleWithSlash", func(in *InstanceSessionInput) { in.Role = "a/b" }, false},
		{"NoRole", func(in *InstanceSessionInput) { in.Role = "" }, false},
		{"BadAccount", func(in *InstanceSessionInput) { in.AccountID = "12" }, false},
		{"NoInstance", func(in *InstanceSessionInput) { in.Instance = "" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := ok
			tc.edit(&in)
			if err := in.Validate(); (err == nil) != tc.ok || (err != nil && fault.KindOf(err) != fault.Invalid) {
				t.Errorf("Validate = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// TestInstanceSessionToken: the token is fixed by the key and its secret,
// and changes with either.
func TestInstanceSessionToken(t *testing.T) {
	a := InstanceSessionToken("ASIAAAAAAAAAAAAAAAAA", "secret-1")
	if a != InstanceSessionToken("ASIAAAAAAAAAAAAAAAAA", "secret-1") || len(a) != roleTokenLength {
		t.Fatalf("token not fixed, or %d characters long", len(a))
	}
	if a == InstanceSessionToken("ASIAAAAAAAAAAAAAAAAB", "secret-1") || a == InstanceSessionToken("ASIAAAAAAAAAAAAAAAAA", "secret-2") {
		t.Error("token does not change with the key or the secret")
	}
}

// TestRoleSessionRevoked: only an instance's session is revoked, and only
// once its instance has ended.
func TestRoleSessionRevoked(t *testing.T) {
	for _, tc := range []struct {
		s    RoleSession
		want bool
	}{
		{RoleSession{License: "l"}, false},
		{RoleSession{License: "l", InstanceEnded: true}, false},
		{RoleSession{Instance: "i-1"}, false},
		{RoleSession{Instance: "i-1", InstanceEnded: true}, true},
	} {
		if _, got := tc.s.Revoked(); got != tc.want {
			t.Errorf("%+v: revoked %v, want %v", tc.s, got, tc.want)
		}
	}
}

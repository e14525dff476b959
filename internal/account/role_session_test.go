package account

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

func (f *fakeStore) CreateSessionKey(_ context.Context, key AccessKey) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.write(key.ID); err != nil {
		return err
	}
	if _, ok := f.keys[key.ID]; ok {
		return fault.New(fault.Conflict, "key exists")
	}
	f.keys[key.ID] = key
	return nil
}

func (f *fakeStore) DeleteExpiredSessionKeys(_ context.Context, cutoff time.Time, limit int) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for id, k := range f.keys {
		if k.Role != nil && !k.Role.Expires.After(cutoff) && n < limit {
			delete(f.keys, id)
			n++
		}
	}
	return n, nil
}

var sessionKeyPattern = regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`)

func TestCreateRoleSession(t *testing.T) {
	f := newFakeStore()
	clk := clock.NewManual(epoch)
	svc := NewService(f, clk)
	const acct = "222222222222"
	in := RoleSessionInput{AccountID: acct, RoleArn: "arn:aws:iam::" + acct + ":role/service/AWSLicenseManagerConsumptionRole",
		Name: "customer-1", License: "arn:aws:license-manager::" + acct + ":license:l-1", Duration: time.Hour}
	k, err := svc.CreateRoleSession(t.Context(), in)
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if !sessionKeyPattern.MatchString(k.ID) || !secretPattern.MatchString(k.Secret) || len(k.Role.Token) != roleTokenLength {
		t.Errorf("session credentials %q / %q / token of %d characters", k.ID, k.Secret, len(k.Role.Token))
	}
	want := &RoleSession{Token: k.Role.Token, RoleArn: in.RoleArn, Name: "customer-1", License: in.License, Expires: epoch.Add(time.Hour)}
	if diff := cmp.Diff(want, k.Role); diff != "" {
		t.Errorf("session (-want +got):\n%s", diff)
	}
	p := PrincipalOf(k)
	if diff := cmp.Diff(Principal{AccountID: acct, AccessKeyID: k.ID, RoleArn: in.RoleArn, SessionName: "customer-1", License: in.License}, p); diff != "" {
		t.Errorf("principal (-want +got):\n%s", diff)
	}
	if got, want := p.ARN(), "arn:aws:sts::"+acct+":assumed-role/AWSLicenseManagerConsumptionRole/customer-1"; got != want {
		t.Errorf("ARN %s, want %s", got, want)
	}

	// Expired sessions are deleted an hour after they expire.
	clk.Set(epoch.Add(2*time.Hour - time.Second))
	if n, err := svc.DeleteExpiredRoleSessions(t.Context()); err != nil || n != 0 {
		t.Errorf("DeleteExpiredRoleSessions before the hour = %d, %v", n, err)
	}
	clk.Set(epoch.Add(2 * time.Hour))
	if n, err := svc.DeleteExpiredRoleSessions(t.Context()); err != nil || n != 1 {
		t.Errorf("DeleteExpiredRoleSessions after the hour = %d, %v", n, err)
	}
}

func TestRoleSessionInputValidate(t *testing.T) {
	const acct = "222222222222"
	ok := RoleSessionInput{AccountID: acct, RoleArn: "arn:aws:iam::" + acct + ":role/r", Name: "s", License: "l", Duration: time.Hour}
	for _, tc := range []struct {
		name string
		edit func(*RoleSessionInput)
		ok   bool
	}{
		{"Valid", func(*RoleSessionInput) {}, true},
		{"RoleWithPath", func(in *RoleSessionInput) { in.RoleArn = "arn:aws:iam::" + acct + ":role/a/b/r" }, true},
		{"FifteenMinutes", func(in *RoleSessionInput) { in.Duration = 15 * time.Minute }, true},
		{"NotARole", func(in *RoleSessionInput) { in.RoleArn = "arn:aws:iam::" + acct + ":user/u" }, false},
		{"RoleOfAnotherAccount", func(in *RoleSessionInput) { in.RoleArn = "arn:aws:iam::333333333333:role/r" }, false},
		{"NoName", func(in *RoleSessionInput) { in.Name = "" }, false},
		{"NoLicense", func(in *RoleSessionInput) { in.License = "" }, false},
		{"TooShort", func(in *RoleSessionInput) { in.Duration = 14 * time.Minute }, false},
		{"TooLong", func(in *RoleSessionInput) { in.Duration = time.Hour + time.Second }, false},
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

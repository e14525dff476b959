package storetest

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/sealed"
)

var _ = register("InstanceSessionKeys", InstanceSessionKeys)

// InstanceSessionKeys tests the temporary credentials of instances: one
// session reused while it has long enough to run, per account and role;
// read back by key ID with the instance's end seen (terminated or gone),
// which a stop is not.
func InstanceSessionKeys(t *testing.T, open Opener) {
	const owner = "111111111111"
	db := open(t)
	s := db.Accounts()
	inst := NewInstance(1, owner, "r-1")
	PutInstance(t, db, inst)
	n := 0
	session := func(instance, role string, expires time.Time) account.AccessKey {
		n++
		k := NewKey(owner, n, Epoch)
		k.ID = "ASIA" + k.ID[4:]
		k.Role = &account.RoleSession{Token: "token-" + k.ID, RoleArn: "arn:aws:iam::" + owner + ":role/" + role, Name: instance,
			Instance: instance, Expires: expires}
		return k
	}
	stored := func(k account.AccessKey) account.AccessKey {
		sess := *k.Role
		sess.Token, sess.TokenHash = "", sealed.HashToken(k.Role.Token)
		k.Role = &sess
		return k
	}
	reuse := func(fresh account.AccessKey, until time.Time) account.AccessKey {
		t.Helper()
		got, err := s.ReuseInstanceSessionKey(t.Context(), fresh, until)
		NoError(t, err, "reuse "+fresh.ID)
		return got
	}

	first := session(inst.ID, "seller-app", Epoch.Add(6*time.Hour))
	Diff(t, "a first session is stored", first, reuse(first, Epoch.Add(time.Hour)))
	Diff(t, "the session is reused", stored(first), reuse(session(inst.ID, "seller-app", Epoch.Add(7*time.Hour)), Epoch.Add(5*time.Hour)))
	second := session(inst.ID, "seller-app", Epoch.Add(11*time.Hour))
	Diff(t, "a session nearing expiry is not", second, reuse(second, Epoch.Add(6*time.Hour)))
	Diff(t, "the newest is reused", stored(second), reuse(session(inst.ID, "seller-app", Epoch.Add(12*time.Hour)), Epoch.Add(6*time.Hour)))
	otherRole := session(inst.ID, "other", Epoch.Add(6*time.Hour))
	Diff(t, "another role has its own", otherRole, reuse(otherRole, Epoch.Add(time.Hour)))
	taken := session("i-00000000000000002", "seller-app", Epoch.Add(6*time.Hour))
	taken.ID = first.ID
	_, err := s.ReuseInstanceSessionKey(t.Context(), taken, Epoch)
	WantKind(t, err, fault.Conflict)

	ended := func(id string) bool {
		t.Helper()
		k, err := s.GetAccessKey(t.Context(), id)
		NoError(t, err, "get "+id)
		return k.Role.InstanceEnded
	}
	gone := session("i-00000000000000009", "seller-app", Epoch.Add(6*time.Hour))
	reuse(gone, Epoch)
	if !ended(gone.ID) {
		t.Error("the session of an instance that does not exist is not ended")
	}
	for _, st := range []compute.State{compute.Running, compute.Stopped, compute.Terminated} {
		inst.State = st
		NoError(t, updateInstances(t, db, func(tx compute.Tx) error { return tx.PutInstance(inst) }), "put "+string(st))
		if got, want := ended(first.ID), st == compute.Terminated; got != want {
			t.Errorf("instance %s: session ended %v, want %v", st, got, want)
		}
	}
	// A license token's session names no instance and never ends so.
	lic := NewKey(owner, 99, Epoch)
	lic.ID = "ASIA" + lic.ID[4:]
	lic.Role = &account.RoleSession{Token: "t", RoleArn: "arn:aws:iam::" + owner + ":role/r", Name: "n", License: "l", Expires: Epoch.Add(time.Hour)}
	NoError(t, s.CreateSessionKey(t.Context(), lic), "create a license session")
	if ended(lic.ID) {
		t.Error("a license token's session is ended")
	}
	_, err = s.ReuseInstanceSessionKey(t.Context(), lic, Epoch)
	WantKind(t, err, fault.Internal)
}

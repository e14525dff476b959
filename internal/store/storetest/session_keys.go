package storetest

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/sealed"
)

var _ = register("SessionKeys", SessionKeys)

// SessionKeys tests the temporary credentials of account.Store: stored with
// their session, read back by key ID beside the accounts' own keys with the
// token's hash in place of the token, refused a second time under one ID,
// and deleted once expired, in batches.
func SessionKeys(t *testing.T, open Opener) {
	db := open(t)
	s := db.Accounts()
	const owner = "222222222222"
	session := func(n int, expires time.Time) account.AccessKey {
		k := NewKey(owner, n, Epoch)
		k.ID = "ASIA" + k.ID[4:]
		k.Role = &account.RoleSession{Token: "session-token-" + k.ID, RoleArn: "arn:aws:iam::" + owner + ":role/consumer",
			Name: "customer-1", License: "arn:aws:license-manager::" + owner + ":license:l-1", Expires: expires}
		return k
	}
	keys := []account.AccessKey{session(1, Epoch.Add(time.Hour)), session(2, Epoch.Add(2*time.Hour)), session(3, Epoch.Add(3*time.Hour))}
	for _, k := range keys {
		NoError(t, s.CreateSessionKey(t.Context(), k), "create session "+k.ID)
	}
	WantKind(t, s.CreateSessionKey(t.Context(), keys[0]), fault.Conflict)
	for _, k := range keys {
		got, err := s.GetAccessKey(t.Context(), k.ID)
		NoError(t, err, "get session "+k.ID)
		want := k
		sess := *k.Role
		sess.Token, sess.TokenHash = "", sealed.HashToken(k.Role.Token)
		want.Role = &sess
		Diff(t, "session "+k.ID, want, got)
	}
	// An account's own key is still found, without a session.
	_, own := CreateAccount(t, db, 1)
	got, err := s.GetAccessKey(t.Context(), own.ID)
	NoError(t, err, "get an account's key")
	Diff(t, "account key", own, got)

	n, err := s.DeleteExpiredSessionKeys(t.Context(), Epoch.Add(2*time.Hour), 1)
	NoError(t, err, "delete expired sessions")
	Diff(t, "deleted in a batch of one", 1, n)
	n, err = s.DeleteExpiredSessionKeys(t.Context(), Epoch.Add(2*time.Hour), 10)
	NoError(t, err, "delete expired sessions")
	Diff(t, "deleted in the next batch", 1, n)
	for i, k := range keys {
		_, err := s.GetAccessKey(t.Context(), k.ID)
		if i < 2 {
			WantKind(t, err, fault.NotFound)
		} else {
			NoError(t, err, "get the unexpired session")
		}
	}
}

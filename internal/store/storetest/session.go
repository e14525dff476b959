package storetest

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/store"
)

var (
	_ = register("Passwords", Passwords)
	_ = register("Sessions", Sessions)
)

// Passwords tests the password half of account.Store's console methods.
func Passwords(t *testing.T, open Opener) {
	t.Run("SetGetReplace", func(t *testing.T) {
		db := open(t)
		s := db.Accounts()
		a, _ := CreateAccount(t, db, 1)
		_, err := s.PasswordHash(t.Context(), a.ID)
		WantKind(t, err, fault.NotFound)

		for _, hash := range []string{"$argon2id$v=19$m=8,t=1,p=1$c2FsdA$first", "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$second"} {
			NoError(t, s.SetPassword(t.Context(), a.ID, hash, Epoch), "set password")
			got, err := s.PasswordHash(t.Context(), a.ID)
			NoError(t, err, "read password")
			Diff(t, "password hash", hash, got)
		}
	})

	t.Run("OnePerAccount", func(t *testing.T) {
		db := open(t)
		s := db.Accounts()
		a, _ := CreateAccount(t, db, 1)
		b, _ := CreateAccount(t, db, 2)
		NoError(t, s.SetPassword(t.Context(), a.ID, "hash-a", Epoch), "set a")
		NoError(t, s.SetPassword(t.Context(), b.ID, "hash-b", Epoch), "set b")
		for id, want := range map[string]string{a.ID: "hash-a", b.ID: "hash-b"} {
			got, err := s.PasswordHash(t.Context(), id)
			NoError(t, err, "read "+id)
			Diff(t, "hash of "+id, want, got)
		}
	})

	t.Run("UnknownAccount", func(t *testing.T) {
		db := open(t)
		WantKind(t, db.Accounts().SetPassword(t.Context(), "999999999999", "hash", Epoch), fault.NotFound)
		_, err := db.Accounts().PasswordHash(t.Context(), "999999999999")
		WantKind(t, err, fault.NotFound)
	})

	t.Run("ResetForgets", func(t *testing.T) {
		db := open(t)
		a, _ := CreateAccount(t, db, 1)
		NoError(t, db.Accounts().SetPassword(t.Context(), a.ID, "hash", Epoch), "set")
		NoError(t, db.Accounts().CreateSession(t.Context(), newSession("s1", a.ID, Epoch)), "create session")
		NoError(t, db.Reset(t.Context()), "reset")
		_, err := db.Accounts().PasswordHash(t.Context(), a.ID)
		WantKind(t, err, fault.NotFound)
		_, err = db.Accounts().GetSession(t.Context(), "s1")
		WantKind(t, err, fault.NotFound)
	})
}

// newSession returns a session fixture that began at created.
func newSession(id, accountID string, created time.Time) account.Session {
	return account.Session{ID: id, AccountID: accountID, CreatedAt: created, LastSeenAt: created,
		ExpiresAt: created.Add(account.SessionLifetime)}
}

// Sessions tests the session half of account.Store's console methods.
func Sessions(t *testing.T, open Opener) {
	t.Run("CreateGet", func(t *testing.T) {
		db := open(t)
		s := db.Accounts()
		a, _ := CreateAccount(t, db, 1)
		want := newSession("f00d", a.ID, Epoch)
		NoError(t, s.CreateSession(t.Context(), want), "create")
		got, err := s.GetSession(t.Context(), "f00d")
		NoError(t, err, "get")
		Diff(t, "session", want, got)
		_, err = s.GetSession(t.Context(), "beef")
		WantKind(t, err, fault.NotFound)
	})

	t.Run("CreateConflictsAndUnknownAccount", func(t *testing.T) {
		db := open(t)
		s := db.Accounts()
		a, _ := CreateAccount(t, db, 1)
		NoError(t, s.CreateSession(t.Context(), newSession("s1", a.ID, Epoch)), "create")
		WantKind(t, s.CreateSession(t.Context(), newSession("s1", a.ID, Epoch.Add(time.Hour))), fault.Conflict)
		WantKind(t, s.CreateSession(t.Context(), newSession("s2", "999999999999", Epoch)), fault.NotFound)
	})

	t.Run("TouchMovesForwardOnly", func(t *testing.T) {
		db := open(t)
		s := db.Accounts()
		a, _ := CreateAccount(t, db, 1)
		sess := newSession("s1", a.ID, Epoch)
		NoError(t, s.CreateSession(t.Context(), sess), "create")
		later := Epoch.Add(90 * time.Minute)
		NoError(t, s.TouchSession(t.Context(), "s1", later), "touch")
		NoError(t, s.TouchSession(t.Context(), "s1", Epoch.Add(time.Minute)), "touch with an earlier time")
		got, err := s.GetSession(t.Context(), "s1")
		NoError(t, err, "get")
		sess.LastSeenAt = later
		Diff(t, "session after touches", sess, got)
		WantKind(t, s.TouchSession(t.Context(), "nope", later), fault.NotFound)
	})

	t.Run("Delete", func(t *testing.T) {
		db := open(t)
		s := db.Accounts()
		a, _ := CreateAccount(t, db, 1)
		NoError(t, s.CreateSession(t.Context(), newSession("s1", a.ID, Epoch)), "create")
		NoError(t, s.DeleteSession(t.Context(), "s1"), "delete")
		_, err := s.GetSession(t.Context(), "s1")
		WantKind(t, err, fault.NotFound)
		WantKind(t, s.DeleteSession(t.Context(), "s1"), fault.NotFound)
	})

	t.Run("DeleteAccountSessions", func(t *testing.T) {
		db := open(t)
		s := db.Accounts()
		a, _ := CreateAccount(t, db, 1)
		b, _ := CreateAccount(t, db, 2)
		for _, sess := range []account.Session{newSession("a1", a.ID, Epoch), newSession("a2", a.ID, Epoch), newSession("b1", b.ID, Epoch)} {
			NoError(t, s.CreateSession(t.Context(), sess), "create "+sess.ID)
		}
		NoError(t, s.DeleteAccountSessions(t.Context(), a.ID), "delete a's sessions")
		for id, live := range map[string]bool{"a1": false, "a2": false, "b1": true} {
			_, err := s.GetSession(t.Context(), id)
			if live {
				NoError(t, err, "get "+id)
			} else {
				WantKind(t, err, fault.NotFound)
			}
		}
		NoError(t, s.DeleteAccountSessions(t.Context(), "999999999999"), "delete an unknown account's sessions")
	})

	t.Run("DeleteEnded", func(t *testing.T) {
		db := open(t)
		s := db.Accounts()
		a, _ := CreateAccount(t, db, 1)
		now := Epoch.Add(30 * 24 * time.Hour)
		idleSince := now.Add(-account.SessionIdle)
		expired := newSession("expired", a.ID, now.Add(-account.SessionLifetime)) // expires exactly now
		idle := newSession("idle", a.ID, idleSince.Add(-time.Hour))
		idle.LastSeenAt = idleSince // last seen exactly at the cut-off
		fresh := newSession("fresh", a.ID, now.Add(-time.Hour))
		used := newSession("used", a.ID, now.Add(-account.SessionLifetime+time.Nanosecond))
		used.LastSeenAt = now.Add(-time.Minute)
		for _, sess := range []account.Session{expired, idle, fresh, used} {
			NoError(t, s.CreateSession(t.Context(), sess), "create "+sess.ID)
		}
		n, err := s.DeleteEndedSessions(t.Context(), now, idleSince)
		NoError(t, err, "delete ended")
		if n != 2 {
			t.Errorf("deleted %d sessions, want 2 (expired, idle)", n)
		}
		for _, sess := range []account.Session{fresh, used} {
			got, err := s.GetSession(t.Context(), sess.ID)
			NoError(t, err, "get "+sess.ID)
			Diff(t, "kept session", sess, got)
		}
		for _, id := range []string{"expired", "idle"} {
			_, err := s.GetSession(t.Context(), id)
			WantKind(t, err, fault.NotFound)
		}
	})

	t.Run("GoneWithAccount", func(t *testing.T) {
		// No account is ever deleted today, but the foreign keys say what
		// would happen: sessions and passwords go with it.
		db := open(t)
		a, _ := CreateAccount(t, db, 1)
		NoError(t, db.Accounts().CreateSession(t.Context(), newSession("s1", a.ID, Epoch)), "create")
		NoError(t, db.Accounts().SetPassword(t.Context(), a.ID, "hash", Epoch), "set")
		NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
			_, err := tx.Exec(`DELETE FROM accounts WHERE id = ?`, a.ID)
			return err
		}), "delete the account")
		_, err := db.Accounts().GetSession(t.Context(), "s1")
		WantKind(t, err, fault.NotFound)
		_, err = db.Accounts().PasswordHash(t.Context(), a.ID)
		WantKind(t, err, fault.NotFound)
	})
}

package storetest

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/fault"
)

var (
	_ = register("Accounts", Accounts)
	_ = register("AccessKeys", AccessKeys)
)

// Accounts tests the account half of account.Store.
func Accounts(t *testing.T, open Opener) {
	t.Run("CreateGet", func(t *testing.T) {
		db := open(t)
		s := db.Accounts()
		for _, a := range []account.Account{
			{ID: "123456789012", Name: "Seller", Email: "seller@example.com", CreatedAt: Epoch},
			{ID: "210987654321", Name: "Operator", Operator: true, CreatedAt: Epoch.Add(time.Nanosecond)},
			// A non-UTC time comes back as the same instant in UTC.
			{ID: "333333333333", Name: "Zoned ünïcode", CreatedAt: Epoch.In(time.FixedZone("X", 5*3600))},
		} {
			NoError(t, s.CreateAccount(t.Context(), a, NewKey(a.ID, 0, a.CreatedAt)), "create "+a.ID)
			got, err := s.GetAccount(t.Context(), a.ID)
			NoError(t, err, "get "+a.ID)
			Diff(t, "account "+a.ID, a, got)
			if got.CreatedAt.Location() != time.UTC {
				t.Errorf("account %s: CreatedAt in %v, want UTC", a.ID, got.CreatedAt.Location())
			}
		}
	})

	t.Run("CreateStoresFirstKey", func(t *testing.T) {
		db := open(t)
		a, k := CreateAccount(t, db, 1)
		got, err := db.Accounts().GetAccessKey(t.Context(), k.ID)
		NoError(t, err, "get first key")
		Diff(t, "first key", k, got)
		if got.AccountID != a.ID {
			t.Errorf("key belongs to %s, want %s", got.AccountID, a.ID)
		}
	})

	t.Run("ListOrder", func(t *testing.T) {
		db := open(t)
		s := db.Accounts()
		got, err := s.ListAccounts(t.Context())
		NoError(t, err, "list empty store")
		if len(got) != 0 {
			t.Fatalf("empty store lists %d accounts", len(got))
		}
		// Created out of order; equal times are ordered by ID.
		in := []account.Account{
			NewAccount(3, Epoch.Add(2*time.Hour)),
			NewAccount(2, Epoch),
			NewAccount(1, Epoch),
			NewAccount(4, Epoch.Add(-time.Hour)),
			NewAccount(5, Epoch.Add(time.Nanosecond)),
		}
		for _, a := range in {
			NoError(t, s.CreateAccount(t.Context(), a, NewKey(a.ID, 0, a.CreatedAt)), "create "+a.ID)
		}
		want := []account.Account{in[3], in[2], in[1], in[4], in[0]}
		got, err = s.ListAccounts(t.Context())
		NoError(t, err, "list")
		Diff(t, "ListAccounts (oldest first, then by ID)", want, got)
	})

	t.Run("Conflicts", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			// the second account and key, given the first
			second func(a account.Account, k account.AccessKey) (account.Account, account.AccessKey)
		}{
			{"DuplicateAccountID", func(a account.Account, _ account.AccessKey) (account.Account, account.AccessKey) {
				b := NewAccount(2, Epoch)
				b.ID = a.ID
				return b, NewKey(NewAccount(2, Epoch).ID, 0, Epoch) // a fresh key
			}},
			{"DuplicateKeyID", func(_ account.Account, k account.AccessKey) (account.Account, account.AccessKey) {
				b := NewAccount(2, Epoch)
				dup := NewKey(b.ID, 0, Epoch)
				dup.ID = k.ID
				return b, dup
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				db := open(t)
				s := db.Accounts()
				a, k := CreateAccount(t, db, 1)
				b, bk := tc.second(a, k)
				WantKind(t, s.CreateAccount(t.Context(), b, bk), fault.Conflict)

				// The failed create left nothing behind, and changed nothing.
				list, err := s.ListAccounts(t.Context())
				NoError(t, err, "list")
				Diff(t, "accounts after the conflict", []account.Account{a}, list)
				got, err := s.GetAccessKey(t.Context(), k.ID)
				NoError(t, err, "get the first key")
				Diff(t, "first key after the conflict", k, got)
				if bk.ID != k.ID {
					_, err := s.GetAccessKey(t.Context(), bk.ID)
					WantKind(t, err, fault.NotFound)
				}
			})
		}
	})

	t.Run("GetUnknown", func(t *testing.T) {
		db := open(t)
		CreateAccount(t, db, 1)
		_, err := db.Accounts().GetAccount(t.Context(), NewAccount(2, Epoch).ID)
		WantKind(t, err, fault.NotFound)
	})
}

// AccessKeys tests the access-key half of account.Store.
func AccessKeys(t *testing.T, open Opener) {
	t.Run("CreateGetDelete", func(t *testing.T) {
		db := open(t)
		s := db.Accounts()
		a, first := CreateAccount(t, db, 1)
		second := NewKey(a.ID, 1, Epoch.Add(time.Minute))
		NoError(t, s.CreateAccessKey(t.Context(), second), "create second key")
		for _, k := range []account.AccessKey{first, second} {
			got, err := s.GetAccessKey(t.Context(), k.ID)
			NoError(t, err, "get "+k.ID)
			Diff(t, "key "+k.ID, k, got)
		}

		NoError(t, s.DeleteAccessKey(t.Context(), first.ID), "delete first key")
		_, err := s.GetAccessKey(t.Context(), first.ID)
		WantKind(t, err, fault.NotFound)
		// The other key and the account are untouched.
		got, err := s.GetAccessKey(t.Context(), second.ID)
		NoError(t, err, "get second key after deleting the first")
		Diff(t, "second key", second, got)
		_, err = s.GetAccount(t.Context(), a.ID)
		NoError(t, err, "get account after deleting a key")

		// Deleting it again finds nothing.
		WantKind(t, s.DeleteAccessKey(t.Context(), first.ID), fault.NotFound)
	})

	t.Run("Errors", func(t *testing.T) {
		db := open(t)
		s := db.Accounts()
		a, k := CreateAccount(t, db, 1)
		missing := NewAccount(9, Epoch).ID
		dup := NewKey(a.ID, 1, Epoch)
		dup.ID = k.ID
		for _, tc := range []struct {
			name string
			run  func() error
			want fault.Kind
		}{
			{"CreateForMissingAccount", func() error {
				return s.CreateAccessKey(t.Context(), NewKey(missing, 0, Epoch))
			}, fault.NotFound},
			{"CreateDuplicateID", func() error { return s.CreateAccessKey(t.Context(), dup) }, fault.Conflict},
			{"GetUnknown", func() error {
				_, err := s.GetAccessKey(t.Context(), "AKIAUNKNOWNUNKNOWN00")
				return err
			}, fault.NotFound},
			{"DeleteUnknown", func() error { return s.DeleteAccessKey(t.Context(), "AKIAUNKNOWNUNKNOWN00") }, fault.NotFound},
		} {
			t.Run(tc.name, func(t *testing.T) { WantKind(t, tc.run(), tc.want) })
		}
		// None of that changed the existing key or created the missing one.
		got, err := s.GetAccessKey(t.Context(), k.ID)
		NoError(t, err, "get existing key")
		Diff(t, "existing key", k, got)
		_, err = s.GetAccessKey(t.Context(), NewKey(missing, 0, Epoch).ID)
		WantKind(t, err, fault.NotFound)
	})
}

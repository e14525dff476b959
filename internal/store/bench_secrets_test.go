package store

import (
	"context"
	"testing"

	"github.com/tollgate/tollgate/internal/account"
)

// BenchmarkGetAccessKey reads an access key by ID, as a signed request whose
// key is not in the server's key cache does: "sealed" is GetAccessKey (the
// row read, then its secret opened), "row" the same read without opening,
// which is what the read cost before secrets were sealed. The ratio of the
// two, from one run, is the cost of sealing on a key-cache miss.
func BenchmarkGetAccessKey(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	key := account.AccessKey{ID: "AKIABENCHBENCHBENCH0", Secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", AccountID: "123456789012"}
	if err := db.Accounts().CreateAccount(ctx, account.Account{ID: key.AccountID, Name: "bench"}, key); err != nil {
		b.Fatal(err)
	}
	b.Run("sealed", func(b *testing.B) {
		for b.Loop() {
			if k, err := db.Accounts().GetAccessKey(ctx, key.ID); err != nil || k.Secret != key.Secret {
				b.Fatal(k, err)
			}
		}
	})
	b.Run("row", func(b *testing.B) {
		for b.Loop() {
			var id, secret, acct string
			var created int64
			if err := db.queryRow(ctx, `SELECT id, secret, account_id, created_at FROM access_keys WHERE id = ?`, key.ID).
				Scan(&id, &secret, &acct, &created); err != nil {
				b.Fatal(err)
			}
		}
	})
}

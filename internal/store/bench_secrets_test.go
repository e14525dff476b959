package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/sealed"
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

// BenchmarkReloadSecretKeys reads a key file of two keys again, as a server
// does, at most once a second, when it meets a value sealed under a key it
// lacks: the file read, the parse, and the keys' ciphers set up.
func BenchmarkReloadSecretKeys(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	db, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := sealed.AddKey(filepath.Join(dir, SecretKeyFileName)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := db.ReloadSecretKeys(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResealSecrets re-seals a store of 2,000 access keys under a new
// key, as `tollgate secrets rotate` does: the new key written into the key
// file and read again, every value re-sealed, the old key retired and
// removed from the file. An operation is one whole rotation; values/s is
// how fast it goes.
func BenchmarkResealSecrets(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	db, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const keys = 2000
	if err := db.Update(ctx, func(tx *Tx) error {
		for i := range keys {
			k := account.AccessKey{ID: fmt.Sprintf("AKIABENCH%011d", i), Secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", AccountID: fmt.Sprintf("%012d", i)}
			if err := tx.CreateAccount(account.Account{ID: k.AccountID, Name: "bench"}, k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	keyFile := filepath.Join(dir, SecretKeyFileName)
	resealed := 0
	for b.Loop() {
		if _, err := sealed.AddKey(keyFile); err != nil {
			b.Fatal(err)
		}
		if err := db.ReloadSecretKeys(); err != nil {
			b.Fatal(err)
		}
		res, err := db.ResealSecrets(ctx)
		if err != nil || res.Resealed != keys {
			b.Fatal(res, err)
		}
		if _, err := sealed.RetainKeys(keyFile, func(id string) bool { return id == res.KeyID }); err != nil {
			b.Fatal(err)
		}
		resealed += res.Resealed
	}
	b.ReportMetric(float64(resealed)/b.Elapsed().Seconds(), "values/s")
}

package license_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"testing"

	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/store"
)

// BenchmarkJWKS serves the JWKS of 1,000 issuers from one key ring, as the
// server does for every GET /.well-known/jwks.json, on SQLite. The issuers
// share a few RSA keys (generating 1,000 would take a minute); each is
// stored, sealed, under its own fingerprint, so reading one costs what it
// would with its own key.
func BenchmarkJWKS(b *testing.B) {
	const issuers, distinct = 1000, 4
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var pems [distinct][]byte
	for i := range pems {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			b.Fatal(err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(key)
		pems[i] = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	err = db.Licenses().Update(ctx, func(tx license.Tx) error {
		for i := range issuers {
			fp := license.FingerprintFor(fmt.Sprintf("%012d", 100000000000+i), "issuer")
			if err := tx.PutIssuerKey(license.IssuerKey{Fingerprint: fp, PrivateKeyPEM: pems[i%distinct], CreatedAt: tx.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	ring := license.NewKeyRing(db.Licenses())
	if jwks, err := ring.JWKS(ctx); err != nil || len(jwks.Keys) != issuers {
		b.Fatalf("JWKS: %d keys, %v", len(jwks.Keys), err)
	}
	for b.Loop() {
		if _, err := ring.JWKS(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

package license_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
	"github.com/tollgate/tollgate/pkg/licensetoken"
)

// countingStore counts the reads that open sealed issuer keys.
type countingStore struct {
	license.Store
	opened atomic.Int64 // private keys read (and so opened)
}

func (s *countingStore) IssuerKey(ctx context.Context, fingerprint string) (license.IssuerKey, error) {
	s.opened.Add(1)
	return s.Store.IssuerKey(ctx, fingerprint)
}

func TestJWKSCachedSQLite(t *testing.T) { testJWKSCached(t, openSQLite(t)) }

func TestJWKSCachedPostgres(t *testing.T) { testJWKSCached(t, openPostgres(t)) }

// testJWKSCached: a key ring opens each issuer's private key once; after
// that a JWKS request opens none, yet an issuer another server created
// appears in the next one (its key alone opened), and the document is the
// one derived from every stored key, in fingerprint order.
func testJWKSCached(t *testing.T, db *store.DB) {
	ctx := t.Context()
	other := license.NewKeyRing(db.Licenses()) // another server on the same store
	for i := range 3 {
		if err := other.Ensure(ctx, fmt.Sprintf("aws:22222222222%d:Self:issuer", 2-i)); err != nil {
			t.Fatal(err)
		}
	}
	counting := &countingStore{Store: db.Licenses()}
	ring := license.NewKeyRing(counting)
	jwks := func(wantOpened int64, wantKeys int) {
		t.Helper()
		before := counting.opened.Load()
		got, err := ring.JWKS(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if opened := counting.opened.Load() - before; opened != wantOpened {
			t.Errorf("JWKS opened %d private keys, want %d", opened, wantOpened)
		}
		want := derivedJWKS(t, db)
		if len(want.Keys) != wantKeys {
			t.Fatalf("the store holds %d keys, want %d", len(want.Keys), wantKeys)
		}
		gotDoc, _ := json.Marshal(got)
		wantDoc, _ := json.Marshal(want)
		if string(gotDoc) != string(wantDoc) {
			t.Errorf("JWKS\n%s\nwant\n%s", gotDoc, wantDoc)
		}
	}
	jwks(3, 3) // cold: each key opened once
	jwks(0, 3)
	jwks(0, 3)
	if err := other.Ensure(ctx, "aws:222222222221:Self:newer"); err != nil {
		t.Fatal(err)
	}
	jwks(1, 4) // the new issuer appears; only its key is opened
	jwks(0, 4)

	before := counting.opened.Load()
	signed, err := ring.Sign(ctx, "aws:222222222221:Self:newer", map[string]string{"sub": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if opened := counting.opened.Load() - before; opened != 0 {
		t.Errorf("signing with a key the JWKS loaded opened %d keys", opened)
	}
	pub, err := ring.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(pub)
	keys, err := licensetoken.ParseJWKS(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := licensetoken.Verify(signed, keys); err != nil {
		t.Errorf("a token signed by the ring does not verify against its JWKS: %v", err)
	}
}

// derivedJWKS is the JWKS derived the long way: every stored key opened and
// parsed, in the store's fingerprint order.
func derivedJWKS(t *testing.T, db *store.DB) licensetoken.JWKS {
	t.Helper()
	all, err := storetest.AllIssuerKeys(t.Context(), db.Licenses())
	if err != nil {
		t.Fatal(err)
	}
	out := licensetoken.JWKS{Keys: []licensetoken.JWK{}}
	for _, ik := range all {
		block, _ := pem.Decode(ik.PrivateKeyPEM)
		if block == nil {
			t.Fatalf("key of %s is not PEM", ik.Fingerprint)
		}
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out.Keys = append(out.Keys, licensetoken.NewJWK(ik.Fingerprint, &key.(*rsa.PrivateKey).PublicKey))
	}
	return out
}

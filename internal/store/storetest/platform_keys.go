package storetest

import (
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/imds"
)

var _ = register("PlatformKeys", PlatformKeys)

// PlatformKeys: a platform key is read back as stored, its private key
// sealed at rest; adding a key under a name already taken keeps the first
// (replicas that generate one at once agree on one); a damaged sealed key
// is an internal error, not a key.
func PlatformKeys(t *testing.T, open Opener) {
	db := open(t)
	ctx := t.Context()
	_, err := db.PlatformKeys().PlatformKey(ctx, imds.IdentityKeyName)
	WantKind(t, err, fault.NotFound)

	first := imds.PlatformKey{Name: imds.IdentityKeyName, PrivateKeyPEM: []byte("private one"), CertificatePEM: []byte("cert one"), CreatedAt: Epoch}
	second := imds.PlatformKey{Name: imds.IdentityKeyName, PrivateKeyPEM: []byte("private two"), CertificatePEM: []byte("cert two"), CreatedAt: Epoch.Add(1)}
	other := imds.PlatformKey{Name: "other", PrivateKeyPEM: []byte("private other"), CertificatePEM: []byte("cert other"), CreatedAt: Epoch.Add(2)}
	for _, k := range []imds.PlatformKey{first, second, other} {
		NoError(t, db.PlatformKeys().AddPlatformKey(ctx, k), "add platform key "+k.Name)
	}
	for _, want := range []imds.PlatformKey{first, other} {
		got, err := db.PlatformKeys().PlatformKey(ctx, want.Name)
		NoError(t, err, "read platform key "+want.Name)
		Diff(t, "platform key "+want.Name, want, got)
	}
	if stored := rawColumn(t, db, `SELECT private_key_pem FROM platform_keys WHERE name = ?`, imds.IdentityKeyName)[0]; strings.Contains(stored, "private one") {
		t.Errorf("the private key is stored in plain text")
	}

	rawExec(t, db, `UPDATE platform_keys SET private_key_pem = ? WHERE name = ?`, "damaged", "other")
	_, err = db.PlatformKeys().PlatformKey(ctx, "other")
	WantKind(t, err, fault.Internal)
}

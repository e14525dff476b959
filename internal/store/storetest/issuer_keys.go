package storetest

import (
	"context"
	"testing"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
)

var _ = register("IssuerKeys", IssuerKeys)

// IssuerKeys: one issuer's key is read by its fingerprint, and the
// fingerprints are listed in order without opening any private key (the
// listing still answers when a sealed key is damaged).
func IssuerKeys(t *testing.T, open Opener) {
	db := open(t)
	ctx := t.Context()
	fps, err := db.Licenses().IssuerFingerprints(ctx)
	NoError(t, err, "list fingerprints of an empty store")
	if len(fps) != 0 {
		t.Errorf("empty store lists fingerprints %q", fps)
	}
	_, err = db.Licenses().IssuerKey(ctx, "aws:222222222222:Self:none")
	WantKind(t, err, fault.NotFound)

	keys := []license.IssuerKey{
		{Fingerprint: "aws:222222222222:Self:b", PrivateKeyPEM: []byte("key b"), CreatedAt: Epoch},
		{Fingerprint: "aws:222222222222:Self:a", PrivateKeyPEM: []byte("key a"), CreatedAt: Epoch.Add(1)},
		{Fingerprint: "aws:111111111111:Self:c", PrivateKeyPEM: []byte("key c"), CreatedAt: Epoch.Add(2)},
	}
	NoError(t, db.Licenses().Update(ctx, func(tx license.Tx) error {
		for _, k := range keys {
			if err := tx.PutIssuerKey(k); err != nil {
				return err
			}
		}
		return nil
	}), "store issuer keys")
	for _, k := range keys {
		got, err := db.Licenses().IssuerKey(ctx, k.Fingerprint)
		NoError(t, err, "read issuer key "+k.Fingerprint)
		Diff(t, "issuer key "+k.Fingerprint, k, got)
	}
	_, err = db.Licenses().IssuerKey(ctx, "aws:222222222222:Self:")
	WantKind(t, err, fault.NotFound)

	want := []string{"aws:111111111111:Self:c", "aws:222222222222:Self:a", "aws:222222222222:Self:b"}
	fps, err = db.Licenses().IssuerFingerprints(ctx)
	NoError(t, err, "list fingerprints")
	Diff(t, "fingerprints", want, fps)

	rawExec(t, db, `UPDATE issuer_keys SET private_key_pem = ? WHERE fingerprint = ?`, "damaged", keys[0].Fingerprint)
	_, err = db.Licenses().IssuerKey(ctx, keys[0].Fingerprint)
	WantKind(t, err, fault.Internal)
	_, err = db.Licenses().IssuerKey(ctx, keys[1].Fingerprint)
	NoError(t, err, "read an undamaged key beside a damaged one")
	fps, err = db.Licenses().IssuerFingerprints(ctx)
	NoError(t, err, "list fingerprints beside a damaged key")
	Diff(t, "fingerprints beside a damaged key", want, fps)
}

// AllIssuerKeys reads every issuer's key, in fingerprint order, each private
// key opened: what tests compare against what they stored. The server never
// needs them all at once, so the store has no such read.
func AllIssuerKeys(ctx context.Context, s license.Store) ([]license.IssuerKey, error) {
	fps, err := s.IssuerFingerprints(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]license.IssuerKey, 0, len(fps))
	for _, fp := range fps {
		k, err := s.IssuerKey(ctx, fp)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

package store

import (
	"context"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/imds"
)

// PlatformKeys implements imds.KeyStore: the platform's own signing keys,
// private halves sealed.
type PlatformKeys struct{ db *DB }

// PlatformKeys returns the platform key store.
func (db *DB) PlatformKeys() *PlatformKeys { return &PlatformKeys{db: db} }

var _ imds.KeyStore = (*PlatformKeys)(nil)

const selectPlatformKey = `SELECT name, private_key_pem, certificate_pem, created_at FROM platform_keys WHERE name = ?`

// PlatformKey returns the key named name, its private key opened.
func (s *PlatformKeys) PlatformKey(ctx context.Context, name string) (k imds.PlatformKey, err error) {
	defer fault.Annotate(&err, "store: platform key %s", name)
	var sealedPEM, certPEM string
	var created int64
	err = s.db.queryRow(ctx, selectPlatformKey, name).Scan(&k.Name, &sealedPEM, &certPEM, &created)
	if err != nil {
		return imds.PlatformKey{}, s.db.classify(err)
	}
	if k.PrivateKeyPEM, err = s.db.open(sealedPEM, "platform_keys", name); err != nil {
		return imds.PlatformKey{}, err
	}
	k.CertificatePEM, k.CreatedAt = []byte(certPEM), fromNanos(created)
	return k, nil
}

// AddPlatformKey stores k, its private key sealed and bound to its name,
// unless a key of that name is stored already: the first one stays.
func (s *PlatformKeys) AddPlatformKey(ctx context.Context, k imds.PlatformKey) (err error) {
	defer fault.Annotate(&err, "store: add platform key %s", k.Name)
	return s.db.Update(ctx, func(tx *Tx) error {
		sealedPEM, err := tx.seal(k.PrivateKeyPEM, "platform_keys", k.Name)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO platform_keys (name, private_key_pem, certificate_pem, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO NOTHING`, k.Name, sealedPEM, string(k.CertificatePEM), k.CreatedAt.UnixNano())
		return err
	})
}

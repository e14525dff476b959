package license

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"sync"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/pkg/licensetoken"
)

// keyBits is the size of issuers' RSA keys.
const keyBits = 2048

// KeyRing holds the issuers' RSA signing keys: created the first time an
// issuer issues a license, stored with the licenses, and cached here once
// parsed. Checkout tokens are JWS (PS384: RSA-PSS with SHA-384) signed with
// the key of the license's issuer; the public halves are published as a
// JWKS so that sellers' software can verify tokens offline.
//
// The JWKS is served to anyone, so serving it must not cost a decryption
// and an RSA parse per issuer per request: the ring keeps each issuer's
// public JWK once derived (a fingerprint's key never changes), and a request
// only lists the fingerprints and derives the JWKs of those it has not seen.
type KeyRing struct {
	store Store
	mu    sync.Mutex
	keys  map[string]*rsa.PrivateKey
	jwks  map[string]licensetoken.JWK
}

// NewKeyRing returns a key ring over store.
func NewKeyRing(store Store) *KeyRing {
	return &KeyRing{store: store, keys: map[string]*rsa.PrivateKey{}, jwks: map[string]licensetoken.JWK{}}
}

// Ensure makes sure the issuer with fingerprint has a key.
func (k *KeyRing) Ensure(ctx context.Context, fingerprint string) error {
	_, err := k.key(ctx, fingerprint, true)
	return err
}

func (k *KeyRing) key(ctx context.Context, fingerprint string, create bool) (*rsa.PrivateKey, error) {
	k.mu.Lock()
	key, ok := k.keys[fingerprint]
	k.mu.Unlock()
	if ok {
		return key, nil
	}
	stored, err := k.load(ctx, fingerprint)
	if err == nil || !fault.Is(err, fault.NotFound) || !create {
		return stored, err
	}
	// Generate outside any transaction (it takes tens of milliseconds), then
	// store it unless another request stored one first; either way use what
	// the store holds.
	fresh, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fault.Wrap(err, "generate issuer key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(fresh)
	if err != nil {
		return nil, fault.Wrap(err, "encode issuer key")
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	err = k.store.Update(ctx, func(tx Tx) error {
		if _, err := tx.IssuerKey(fingerprint); err == nil || !fault.Is(err, fault.NotFound) {
			return err // already stored, or a failure the store may retry
		}
		return tx.PutIssuerKey(IssuerKey{Fingerprint: fingerprint, PrivateKeyPEM: pemBytes, CreatedAt: tx.Now()})
	})
	if err != nil {
		return nil, err
	}
	return k.load(ctx, fingerprint)
}

// load reads, opens and parses one issuer's key, and keeps it and its
// public JWK.
func (k *KeyRing) load(ctx context.Context, fingerprint string) (*rsa.PrivateKey, error) {
	ik, err := k.store.IssuerKey(ctx, fingerprint)
	if fault.Is(err, fault.NotFound) {
		return nil, fault.New(fault.NotFound, "no signing key for issuer %s", fingerprint)
	}
	if err != nil {
		return nil, err
	}
	key, err := parseKey(ik.PrivateKeyPEM)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.keys[fingerprint] = key
	k.jwks[fingerprint] = licensetoken.NewJWK(fingerprint, &key.PublicKey)
	k.mu.Unlock()
	return key, nil
}

func parseKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fault.New(fault.Internal, "stored issuer key is not PEM")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fault.Wrap(err, "parse issuer key")
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fault.New(fault.Internal, "stored issuer key is not RSA")
	}
	return key, nil
}

var b64 = base64.RawURLEncoding

// Sign returns a compact JWS of claims, signed PS384 with the issuer's key;
// the header's kid is the issuer's key fingerprint.
func (k *KeyRing) Sign(ctx context.Context, fingerprint string, claims any) (string, error) {
	key, err := k.key(ctx, fingerprint, true)
	if err != nil {
		return "", err
	}
	header, _ := json.Marshal(map[string]string{"alg": "PS384", "typ": "JWT", "kid": fingerprint})
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fault.Wrap(err, "encode token claims")
	}
	signingInput := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	digest := sha512.Sum384([]byte(signingInput))
	sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA384, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err != nil {
		return "", fault.Wrap(err, "sign token")
	}
	return signingInput + "." + b64.EncodeToString(sig), nil
}

// Verify checks that token is a JWS signed by the issuer with fingerprint
// and decodes its payload into claims. A token that is not one, or was
// signed by another key, is refused with errInvalid.
func (k *KeyRing) Verify(ctx context.Context, fingerprint, token string, claims any, errInvalid error) error {
	key, err := k.key(ctx, fingerprint, false)
	if fault.Is(err, fault.NotFound) {
		return errInvalid // no token was ever signed under it
	}
	if err != nil {
		return err
	}
	if _, err := licensetoken.VerifyInto(token, licensetoken.Keys{fingerprint: &key.PublicKey}, claims); err != nil {
		return errInvalid
	}
	return nil
}

// JWKS returns every issuer's public key, in fingerprint order. It lists
// the fingerprints on every request, so that issuers another replica created
// appear at once, and opens only the keys of issuers it has not seen yet.
func (k *KeyRing) JWKS(ctx context.Context) (licensetoken.JWKS, error) {
	out := licensetoken.JWKS{Keys: []licensetoken.JWK{}}
	fingerprints, err := k.store.IssuerFingerprints(ctx)
	if err != nil {
		return out, err
	}
	out.Keys = make([]licensetoken.JWK, len(fingerprints))
	var unseen []int
	k.mu.Lock()
	for i, fp := range fingerprints {
		jwk, ok := k.jwks[fp]
		if !ok {
			unseen = append(unseen, i)
		}
		out.Keys[i] = jwk
	}
	k.mu.Unlock()
	for _, i := range unseen {
		key, err := k.load(ctx, fingerprints[i])
		if err != nil {
			return licensetoken.JWKS{Keys: []licensetoken.JWK{}}, err
		}
		out.Keys[i] = licensetoken.NewJWK(fingerprints[i], &key.PublicKey)
	}
	return out, nil
}

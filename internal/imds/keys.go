package imds

import (
	"context"
	"crypto"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

// IdentityKeyName names the platform key that signs instance identity
// documents.
const IdentityKeyName = "instance-identity"

// keyBits is the size of the platform's RSA key: what AWS's rsa2048
// signature is named for.
const keyBits = 2048

// certificateLife is how long the platform certificate is valid. It is a
// carrier for the public key that sellers pin, not a link in a chain, so
// it is made to outlive any store; the verifier does not check its dates.
const certificateLife = 100 * 365 * 24 * time.Hour

// PlatformKey is one of the platform's own signing keys, with its
// self-signed certificate (PEM).
type PlatformKey struct {
	Name           string
	PrivateKeyPEM  []byte // PKCS #8; sealed at rest
	CertificatePEM []byte
	CreatedAt      time.Time
}

// KeyStore keeps the platform's keys.
type KeyStore interface {
	// PlatformKey returns the key named name; fault.NotFound if none.
	PlatformKey(ctx context.Context, name string) (PlatformKey, error)
	// AddPlatformKey stores k unless a key of its name is stored: the
	// first one stored stays, whoever stores second.
	AddPlatformKey(ctx context.Context, k PlatformKey) error
}

// Keys is the platform's instance-identity key, generated the first time
// any replica needs it and shared by all through the store, with the
// secrets derived from it: the MAC keys of session tokens and of endpoint
// keys. Deriving them from the sealed private key means one secret to
// keep, rotate and back up, and every replica derives the same.
type Keys struct {
	store KeyStore
	clock clock.Clock
	mu    sync.Mutex                  // one loader at a time
	held  atomic.Pointer[keyMaterial] // nil until first needed; then read without the lock by every request
}

// keyMaterial is the parsed key and what is derived from it.
type keyMaterial struct {
	signer      *rsa.PrivateKey
	cert        *x509.Certificate
	certPEM     []byte
	tokenMAC    []byte // MACs session tokens
	endpointMAC []byte // MACs endpoint keys
}

// NewKeys returns the platform keys kept in store; clk dates a new
// certificate.
func NewKeys(store KeyStore, clk clock.Clock) *Keys {
	return &Keys{store: store, clock: clk}
}

// material returns the key, reading it from the store, or generating and
// storing it if no replica has yet. Generation happens under the lock, at
// most once per process: requests wait for it rather than generate their
// own.
func (k *Keys) material(ctx context.Context) (*keyMaterial, error) {
	if m := k.held.Load(); m != nil {
		return m, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if m := k.held.Load(); m != nil {
		return m, nil
	}
	stored, err := k.store.PlatformKey(ctx, IdentityKeyName)
	if fault.Is(err, fault.NotFound) {
		var fresh PlatformKey
		if fresh, err = k.generate(); err != nil {
			return nil, err
		}
		if err = k.store.AddPlatformKey(ctx, fresh); err != nil {
			return nil, err
		}
		stored, err = k.store.PlatformKey(ctx, IdentityKeyName) // whichever replica's was stored first
	}
	if err != nil {
		return nil, err
	}
	m, err := parseMaterial(stored)
	if err != nil {
		return nil, err
	}
	k.held.Store(m)
	return m, nil
}

// generate makes a new RSA key and its self-signed certificate.
func (k *Keys) generate() (PlatformKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return PlatformKey{}, fault.Wrap(err, "generate the platform key")
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return PlatformKey{}, fault.Wrap(err, "draw a certificate serial")
	}
	now := k.clock.Now().UTC().Truncate(time.Second)
	name := pkix.Name{CommonName: "Tollgate instance identity", Organization: []string{"Tollgate"}}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: name, Issuer: name,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(certificateLife),
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return PlatformKey{}, fault.Wrap(err, "sign the platform certificate")
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return PlatformKey{}, fault.Wrap(err, "encode the platform key")
	}
	return PlatformKey{Name: IdentityKeyName, CreatedAt: now,
		PrivateKeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv}),
		CertificatePEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// parseMaterial parses a stored key and derives its MAC keys.
func parseMaterial(k PlatformKey) (*keyMaterial, error) {
	block, _ := pem.Decode(k.PrivateKeyPEM)
	if block == nil {
		return nil, fault.New(fault.Internal, "the stored platform key is not PEM")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fault.Wrap(err, "parse the platform key")
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fault.New(fault.Internal, "the stored platform key is not RSA")
	}
	cblock, _ := pem.Decode(k.CertificatePEM)
	if cblock == nil {
		return nil, fault.New(fault.Internal, "the stored platform certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(cblock.Bytes)
	if err != nil {
		return nil, fault.Wrap(err, "parse the platform certificate")
	}
	m := &keyMaterial{signer: key, cert: cert, certPEM: k.CertificatePEM}
	for _, d := range []struct {
		out  *[]byte
		info string
	}{{&m.tokenMAC, "tollgate imds session token"}, {&m.endpointMAC, "tollgate imds endpoint key"}} {
		if *d.out, err = hkdf.Key(sha256.New, block.Bytes, nil, d.info, 32); err != nil {
			return nil, fault.Wrap(err, "derive %s key", d.info)
		}
	}
	return m, nil
}

// CertificatePEM returns the platform's self-signed certificate, which
// verifies identity documents' signatures (pkg/identitydoc).
func (k *Keys) CertificatePEM(ctx context.Context) ([]byte, error) {
	m, err := k.material(ctx)
	if err != nil {
		return nil, err
	}
	return m.certPEM, nil
}

// signPKCS1 signs msg with SHA-256 and RSASSA-PKCS1-v1_5, as AWS's
// signature of the identity document is made.
func (m *keyMaterial) signPKCS1(msg []byte) ([]byte, error) {
	digest := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(nil, m.signer, crypto.SHA256, digest[:])
	if err != nil {
		return nil, fault.Wrap(err, "sign the identity document")
	}
	return sig, nil
}

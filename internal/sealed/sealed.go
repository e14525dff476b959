// Package sealed keeps secrets unreadable at rest. The values a copied
// database file or a dump must not give away (access-key secrets, issuers'
// private keys) are sealed: encrypted and authenticated with AES-256-GCM
// under a key held outside the store. Values that are only ever looked up,
// never read back (refresh tokens), are kept as hashes instead (HashToken).
//
// A sealed value is text, so that it fits the columns that held the plain
// value:
//
//	tgs1:<key id>:<base64url(nonce | ciphertext | tag)>
//
// "tgs1:" names the format, which tells a sealed value from a plain one left
// by an older version; the key ID (8 hex digits derived from the key) says
// which key sealed it, so that a store can hold values under two keys while
// it is being re-sealed under a new one. Every value gets a fresh random
// nonce. The associated data binds a value to its place (a table and a row
// key), so a ciphertext copied into another row does not open there.
//
// A Keyring holds one or more keys: the first seals, every one opens.
package sealed

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// KeySize is the length of a key in bytes.
const KeySize = 32

// Prefix starts every sealed value.
const Prefix = "tgs1:"

// idLen is the length of a key ID in hex digits.
const idLen = 8

// HeaderLen is the length of a sealed value's header, "tgs1:<key id>:".
const HeaderLen = len(Prefix) + idLen + 1

// Key is one secret key, ready to seal and open.
type Key struct {
	id   string
	aead cipher.AEAD
}

// Keyring is an ordered list of keys: the first seals, all open.
type Keyring struct{ keys []Key }

// newKey derives the sealing key and the ID from the raw key, each with its
// own label, so that the published ID reveals nothing about the sealing key.
func newKey(raw []byte) (Key, error) {
	if len(raw) != KeySize {
		return Key{}, fmt.Errorf("a secret key is %d bytes, this one is %d", KeySize, len(raw))
	}
	block, err := aes.NewCipher(derive(raw, "tollgate seal v1"))
	if err != nil {
		return Key{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Key{}, err
	}
	return Key{id: hex.EncodeToString(derive(raw, "tollgate key id")[:idLen/2]), aead: aead}, nil
}

func derive(raw []byte, label string) []byte {
	m := hmac.New(sha256.New, raw)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// NewKeyring returns a keyring of raw keys, the first sealing. Two keys with
// the same ID (the same key twice) count once.
func NewKeyring(raw ...[]byte) (*Keyring, error) {
	r := &Keyring{}
	for _, b := range raw {
		k, err := newKey(b)
		if err != nil {
			return nil, err
		}
		if !r.Has(k.id) {
			r.keys = append(r.keys, k)
		}
	}
	if len(r.keys) == 0 {
		return nil, errors.New("no secret key given")
	}
	return r, nil
}

// ParseKeys reads keys written as text: standard base64 of 32 bytes each (as
// `openssl rand -base64 32` prints), separated by white space or commas;
// lines starting with # are comments. The first key seals.
func ParseKeys(text string) (*Keyring, error) {
	_, raw, err := keyFields(text)
	if err != nil {
		return nil, err
	}
	return NewKeyring(raw...)
}

// keyFields returns the keys in text as written and as bytes, in order.
func keyFields(text string) (fields []string, raw [][]byte, err error) {
	for line := range strings.Lines(text) {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, field := range strings.FieldsFunc(line, func(c rune) bool { return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n' }) {
			b, err := base64.StdEncoding.DecodeString(field)
			if err != nil || len(b) != KeySize {
				return nil, nil, fmt.Errorf("a secret key is the base64 text of %d random bytes (such as `openssl rand -base64 32` prints); %q is not", KeySize, clip(field))
			}
			fields, raw = append(fields, field), append(raw, b)
		}
	}
	return fields, raw, nil
}

// clip shortens what might be a key before it is shown in an error.
func clip(s string) string {
	if len(s) > 6 {
		return s[:3] + "..."
	}
	return s
}

// GenerateKey returns a new random key as the text ParseKeys reads.
func GenerateKey() string {
	raw := make([]byte, KeySize)
	rand.Read(raw) // never fails: crypto/rand panics rather than return weak bytes
	return base64.StdEncoding.EncodeToString(raw)
}

// Primary is the ID of the key that seals.
func (r *Keyring) Primary() string { return r.keys[0].id }

// IDs lists the keys' IDs, the sealing key first.
func (r *Keyring) IDs() []string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.id
	}
	return ids
}

// Has reports whether the keyring holds the key with this ID.
func (r *Keyring) Has(id string) bool {
	return slices.ContainsFunc(r.keys, func(k Key) bool { return k.id == id })
}

// With returns a keyring that seals with r's first key and opens with the
// keys of both.
func (r *Keyring) With(other *Keyring) *Keyring {
	out := &Keyring{keys: slices.Clone(r.keys)}
	for _, k := range other.keys {
		if !out.Has(k.id) {
			out.keys = append(out.keys, k)
		}
	}
	return out
}

// Seal encrypts plain for the row of table whose key is row, under the
// keyring's first key.
func (r *Keyring) Seal(plain []byte, table, row string) (string, error) {
	return r.seal(r.keys[0], plain, table, row)
}

// SealWith is Seal under the key with the given ID: the one a store seals
// under, which need not be this keyring's first.
func (r *Keyring) SealWith(id string, plain []byte, table, row string) (string, error) {
	i := slices.IndexFunc(r.keys, func(k Key) bool { return k.id == id })
	if i < 0 {
		return "", &UnknownKeyError{ID: id, Have: r.IDs()}
	}
	return r.seal(r.keys[i], plain, table, row)
}

func (r *Keyring) seal(k Key, plain []byte, table, row string) (string, error) {
	header := Prefix + k.id + ":"
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := k.aead.Seal(nonce, nonce, plain, associated(header, table, row))
	return header + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open decrypts a value Seal returned for the same table and row. It fails if
// the value is not sealed, was sealed by a key the keyring lacks, was
// changed, or was sealed for another place.
func (r *Keyring) Open(value, table, row string) ([]byte, error) {
	id, ok := KeyID(value)
	if !ok {
		return nil, fmt.Errorf("%s %q holds no sealed value", table, row)
	}
	i := slices.IndexFunc(r.keys, func(k Key) bool { return k.id == id })
	if i < 0 {
		return nil, fmt.Errorf("%s %q: %w", table, row, &UnknownKeyError{ID: id, Have: r.IDs()})
	}
	k := r.keys[i]
	body, err := base64.RawURLEncoding.DecodeString(value[HeaderLen:])
	if err != nil || len(body) < k.aead.NonceSize()+k.aead.Overhead() {
		return nil, fmt.Errorf("%s %q holds a damaged sealed value", table, row)
	}
	nonce, ciphertext := body[:k.aead.NonceSize()], body[k.aead.NonceSize():]
	plain, err := k.aead.Open(nil, nonce, ciphertext, associated(value[:HeaderLen], table, row))
	if err != nil {
		return nil, fmt.Errorf("%s %q: the sealed value was altered or belongs elsewhere: %w", table, row, err)
	}
	return plain, nil
}

// UnknownKeyError says that a value is sealed (or is to be sealed) under a
// key the keyring does not hold: the keys given are out of date, not the
// value damaged.
type UnknownKeyError struct {
	ID   string   // the key asked for
	Have []string // the keys the keyring holds
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("sealed under key %s, which is not among the keys given (%s)", e.ID, strings.Join(e.Have, ", "))
}

// associated is the data a value is bound to: its header (so the format and
// key ID cannot be changed) and its place. The table's length comes first so
// that no two (table, row) pairs give the same bytes.
func associated(header, table, row string) []byte {
	b := make([]byte, 0, len(header)+len(table)+len(row)+2)
	b = append(b, header...)
	b = binary.AppendUvarint(b, uint64(len(table)))
	b = append(b, table...)
	return append(b, row...)
}

// IsSealed reports whether value has the sealed format's header (not whether
// it opens).
func IsSealed(value string) bool {
	_, ok := KeyID(value)
	return ok
}

// KeyID returns the ID of the key that sealed value, and false if value does
// not have the sealed format's header.
func KeyID(value string) (string, bool) {
	if len(value) < HeaderLen || !strings.HasPrefix(value, Prefix) || value[HeaderLen-1] != ':' {
		return "", false
	}
	id := value[len(Prefix) : HeaderLen-1]
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return "", false
		}
	}
	return id, true
}

// HashPrefix starts every token hash.
const HashPrefix = "sha256:"

// HashToken returns what a store keeps of a refresh token's secret: its
// SHA-256, which finds the token again from the secret but does not give the
// secret back. An unkeyed hash suffices because the secrets are 256 random
// bits, which no one can guess from the hash; a keyed one would add nothing
// but a hash that a key rotation could not recompute (the secrets are not
// kept), so every lookup would have to try every key ever used.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return HashPrefix + hex.EncodeToString(sum[:])
}

// IsHashed reports whether value is a token hash rather than a plain secret.
func IsHashed(value string) bool {
	return len(value) == len(HashPrefix)+2*sha256.Size && strings.HasPrefix(value, HashPrefix)
}

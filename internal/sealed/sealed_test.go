package sealed_test

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate/tollgate/internal/sealed"
)

func keyring(t testing.TB, texts ...string) *sealed.Keyring {
	t.Helper()
	r, err := sealed.ParseKeys(strings.Join(texts, "\n"))
	if err != nil {
		t.Fatalf("parse keys: %v", err)
	}
	return r
}

func TestSealOpen(t *testing.T) {
	r := keyring(t, sealed.GenerateKey())
	plain := "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	v, err := r.Seal([]byte(plain), "access_keys", "AKIAEXAMPLE")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(v, plain) || !strings.HasPrefix(v, sealed.Prefix+r.Primary()+":") {
		t.Fatalf("sealed value %q: want the header %s%s: and no plain text", v, sealed.Prefix, r.Primary())
	}
	if id, ok := sealed.KeyID(v); !ok || id != r.Primary() {
		t.Fatalf("KeyID(%q) = %q, %v; want %q", v, id, ok, r.Primary())
	}
	got, err := r.Open(v, "access_keys", "AKIAEXAMPLE")
	if err != nil || string(got) != plain {
		t.Fatalf("Open = %q, %v; want %q", got, err, plain)
	}
	again, _ := r.Seal([]byte(plain), "access_keys", "AKIAEXAMPLE")
	if again == v {
		t.Error("sealing the same value twice gave the same text: the nonce is not fresh")
	}
}

// TestOpenRefuses checks every way a value may fail to open: each must fail,
// none may give back the plain text.
func TestOpenRefuses(t *testing.T) {
	r := keyring(t, sealed.GenerateKey())
	v, err := r.Seal([]byte("secret"), "issuer_keys", "fp-1")
	if err != nil {
		t.Fatal(err)
	}
	other := keyring(t, sealed.GenerateKey())
	cases := []struct {
		name, value, table, row string
		ring                    *sealed.Keyring
		want                    string
	}{
		{"OtherRow", v, "issuer_keys", "fp-2", r, "altered or belongs elsewhere"},
		{"OtherTable", v, "access_keys", "fp-1", r, "altered or belongs elsewhere"},
		{"RowPrefix", v, "issuer_keys", "fp-", r, "altered or belongs elsewhere"},
		{"TableRowBoundary", v, "issuer_key", "sfp-1", r, "altered or belongs elsewhere"},
		{"OtherKey", v, "issuer_keys", "fp-1", other, "not among the keys given"},
		{"Plain", "secret", "issuer_keys", "fp-1", r, "holds no sealed value"},
		{"Truncated", v[:sealed.HeaderLen+10], "issuer_keys", "fp-1", r, "damaged"},
		{"NotBase64", v[:sealed.HeaderLen] + "!!!!" + v[sealed.HeaderLen+4:], "issuer_keys", "fp-1", r, "damaged"},
		{"KeyIDChanged", sealed.Prefix + other.Primary() + v[sealed.HeaderLen-1:], "issuer_keys", "fp-1", r.With(other), "altered or belongs elsewhere"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.ring.Open(tc.value, tc.table, tc.row)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %q, %v; want an error saying %q", got, err, tc.want)
			}
		})
	}
	// Every single-byte change of the body is caught.
	body, _ := base64.RawURLEncoding.DecodeString(v[sealed.HeaderLen:])
	for i := range body {
		changed := append([]byte(nil), body...)
		changed[i] ^= 0x01
		if _, err := r.Open(v[:sealed.HeaderLen]+base64.RawURLEncoding.EncodeToString(changed), "issuer_keys", "fp-1"); err == nil {
			t.Fatalf("a value with byte %d flipped opened", i)
		}
	}
}

// TestKeyringRotation checks that a keyring seals with its first key and
// opens with all of them, as a store mid-rotation needs.
func TestKeyringRotation(t *testing.T) {
	oldKey, newKey := sealed.GenerateKey(), sealed.GenerateKey()
	old := keyring(t, oldKey)
	both := keyring(t, newKey, oldKey)
	if both.Primary() == old.Primary() || len(both.IDs()) != 2 || !both.Has(old.Primary()) {
		t.Fatalf("keyring of new and old: IDs %v, old %s", both.IDs(), old.Primary())
	}
	fromOld, _ := old.Seal([]byte("a"), "t", "r")
	if got, err := both.Open(fromOld, "t", "r"); err != nil || string(got) != "a" {
		t.Fatalf("new+old keyring opens a value of the old key: %q, %v", got, err)
	}
	fromBoth, _ := both.Seal([]byte("b"), "t", "r")
	if id, _ := sealed.KeyID(fromBoth); id != both.Primary() {
		t.Fatalf("sealed under %s, want the first key %s", id, both.Primary())
	}
	if _, err := old.Open(fromBoth, "t", "r"); err == nil {
		t.Fatal("the old key alone opened a value of the new key")
	}
	if with := old.With(both); with.Primary() != old.Primary() || len(with.IDs()) != 2 {
		t.Fatalf("old.With(both): IDs %v, want old first and two keys", with.IDs())
	}
	if dup := keyring(t, oldKey, oldKey); len(dup.IDs()) != 1 {
		t.Fatalf("the same key twice gives IDs %v", dup.IDs())
	}
}

func TestParseKeys(t *testing.T) {
	a, b := sealed.GenerateKey(), sealed.GenerateKey()
	for _, text := range []string{
		a + "\n" + b + "\n",
		"# comment, " + b + "\n\n  " + a + " , " + b + "\r\n",
		a + "," + b,
	} {
		if _, err := sealed.ParseKeys(text); err != nil {
			t.Errorf("ParseKeys(%q): %v", text, err)
		}
	}
	for _, text := range []string{"", "# only a comment\n", "c2hvcnQ=", a + " not-base64", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		if _, err := sealed.ParseKeys(text); err == nil {
			t.Errorf("ParseKeys(%q) accepted", text)
		} else if strings.Contains(err.Error(), a) {
			t.Errorf("ParseKeys's error shows a whole key: %v", err)
		}
	}
}

func TestCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	r, created, err := sealed.CreateKeyFile(path)
	if err != nil || !created {
		t.Fatalf("CreateKeyFile = %v, %v; want a new file", created, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("key file mode %v, want 0600", mode)
	}
	again, created, err := sealed.CreateKeyFile(path)
	if err != nil || created || again.Primary() != r.Primary() {
		t.Fatalf("second CreateKeyFile = key %v, created %v, %v; want the first key, not created", again, created, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after creating a key file, want 1", len(entries))
	}
}

// TestCreateKeyFileRace checks that processes starting together on one data
// directory agree on one key.
func TestCreateKeyFileRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	ids := make([]string, 8)
	var created sync.Map
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			r, c, err := sealed.CreateKeyFile(path)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = r.Primary()
			if c {
				created.Store(i, true)
			}
		})
	}
	wg.Wait()
	n := 0
	created.Range(func(_, _ any) bool { n++; return true })
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("racing CreateKeyFile calls got keys %v", ids)
		}
	}
	if n != 1 {
		t.Fatalf("%d calls say they created the file, want 1", n)
	}
}

func TestHashToken(t *testing.T) {
	h := sealed.HashToken("tgr-0123")
	if !sealed.IsHashed(h) || sealed.IsHashed("tgr-0123") || strings.Contains(h, "0123") {
		t.Fatalf("HashToken = %q", h)
	}
	if h != sealed.HashToken("tgr-0123") || h == sealed.HashToken("tgr-0124") {
		t.Fatal("HashToken is not a function of the secret alone")
	}
}

var sink []byte

func BenchmarkSeal(b *testing.B) {
	r := keyring(b, sealed.GenerateKey())
	plain := []byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	for b.Loop() {
		if _, err := r.Seal(plain, "access_keys", "AKIAIOSFODNN7EXAMPLE"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	r := keyring(b, sealed.GenerateKey())
	v, _ := r.Seal([]byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "access_keys", "AKIAIOSFODNN7EXAMPLE")
	for b.Loop() {
		var err error
		if sink, err = r.Open(v, "access_keys", "AKIAIOSFODNN7EXAMPLE"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenIssuerKey opens a value the size of an issuer's PEM key.
func BenchmarkOpenIssuerKey(b *testing.B) {
	r := keyring(b, sealed.GenerateKey())
	v, _ := r.Seal(make([]byte, 1704), "issuer_keys", "aws:222222222222:Self:issuer-fingerprint")
	for b.Loop() {
		var err error
		if sink, err = r.Open(v, "issuer_keys", "aws:222222222222:Self:issuer-fingerprint"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSealWith: a keyring seals under any key it holds, not only its first,
// and refuses a key it lacks with an UnknownKeyError, as Open does.
func TestSealWith(t *testing.T) {
	oldKey, newKey := sealed.GenerateKey(), sealed.GenerateKey()
	both, old := keyring(t, newKey, oldKey), keyring(t, oldKey)
	v, err := both.SealWith(old.Primary(), []byte("a"), "t", "r")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := old.Open(v, "t", "r"); err != nil || string(got) != "a" {
		t.Fatalf("a value sealed under the old key by a keyring of both: %q, %v", got, err)
	}
	stranger := keyring(t, sealed.GenerateKey())
	var unknown *sealed.UnknownKeyError
	if _, err := old.SealWith(stranger.Primary(), []byte("a"), "t", "r"); !errors.As(err, &unknown) || unknown.ID != stranger.Primary() {
		t.Fatalf("SealWith an unknown key: %v, want an UnknownKeyError naming it", err)
	}
	fromNew, _ := keyring(t, newKey).Seal([]byte("b"), "t", "r")
	if _, err := old.Open(fromNew, "t", "r"); !errors.As(err, &unknown) || unknown.ID != both.Primary() {
		t.Fatalf("Open of a value under a key not held: %v, want an UnknownKeyError naming it", err)
	}
}

// TestAddAndRetainKeys: AddKey writes a new key first, before the old ones,
// as a whole new file of mode 0600, leaving nothing else in the directory;
// RetainKeys removes the keys refused, never all of them.
func TestAddAndRetainKeys(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.key")
	old, _, err := sealed.CreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	id, err := sealed.AddKey(path)
	if err != nil {
		t.Fatal(err)
	}
	both, err := sealed.ReadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := both.IDs(); len(got) != 2 || got[0] != id || got[1] != old.Primary() {
		t.Fatalf("after AddKey the file holds %v, want [%s %s]", got, id, old.Primary())
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("after AddKey: %v, %v; want mode 0600", info, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d entries after AddKey, want 1", len(entries))
	}
	text, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(text), "# Tollgate's secret key") {
		t.Errorf("the rewritten file lost its header:\n%s", text)
	}

	removed, err := sealed.RetainKeys(path, func(k string) bool { return true })
	if err != nil || len(removed) != 0 {
		t.Fatalf("RetainKeys keeping all = %v, %v", removed, err)
	}
	if _, err := sealed.RetainKeys(path, func(string) bool { return false }); err == nil {
		t.Fatal("RetainKeys removed every key")
	}
	removed, err = sealed.RetainKeys(path, func(k string) bool { return k == id })
	if err != nil || len(removed) != 1 || removed[0] != old.Primary() {
		t.Fatalf("RetainKeys = %v, %v; want %s removed", removed, err, old.Primary())
	}
	if r, err := sealed.ReadKeyFile(path); err != nil || len(r.IDs()) != 1 || r.Primary() != id {
		t.Fatalf("after RetainKeys the file holds %v, %v; want [%s]", r, err, id)
	}

	if _, err := sealed.AddKey(filepath.Join(dir, "missing.key")); err == nil {
		t.Error("AddKey to a file that does not exist succeeded")
	}
	if err := os.WriteFile(path, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sealed.AddKey(path); err == nil {
		t.Error("AddKey to a file that holds no key succeeded")
	}
}

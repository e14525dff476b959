package identitydoc_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/smallstep/pkcs7"

	"github.com/tollgate/tollgate/pkg/identitydoc"
)

// signer is a key and its self-signed certificate, as the platform's.
type signer struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

func newSigner(t *testing.T) signer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	name := pkix.Name{CommonName: "test identity"}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: name, Issuer: name,
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1, 0)} // long expired: dates are not checked
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := identitydoc.ParseCertificate(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	return signer{key: key, cert: cert}
}

func (s signer) signature(t *testing.T, doc []byte) string {
	digest := sha256.Sum256(doc)
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func (s signer) pkcs7(t *testing.T, doc []byte) string {
	sd, err := pkcs7.NewSignedData(doc)
	if err != nil {
		t.Fatal(err)
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.SignWithoutAttr(s.cert, s.key, pkcs7.SignerInfoConfig{}); err != nil {
		t.Fatal(err)
	}
	der, err := sd.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func document(t *testing.T) []byte {
	kernel := (*string)(nil)
	b, err := identitydoc.Document{AccountID: "333333333333", Architecture: "x86_64", AvailabilityZone: "us-east-1a",
		MarketplaceProductCodes: []string{"8fl5tz2s9v6yhn3mdwu8h0adr"}, ImageID: "ami-0123456789abcdef0", InstanceID: "i-0123456789abcdef0",
		InstanceType: "m5.large", KernelID: kernel, PendingTime: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), PrivateIP: "10.0.0.4",
		Region: "us-east-1", Version: identitydoc.Version}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerify: a document verifies by either signature under the signer's
// certificate, whatever its dates; a tampered document, another key's
// signature, garbage and a document of another version do not.
func TestVerify(t *testing.T) {
	s, other := newSigner(t), newSigner(t)
	doc := document(t)
	sig, p7 := s.signature(t, doc), s.pkcs7(t, doc)

	d, err := identitydoc.VerifySignature(doc, sig, s.cert)
	if err != nil || d.AccountID != "333333333333" || d.MarketplaceProductCodes[0] != "8fl5tz2s9v6yhn3mdwu8h0adr" {
		t.Errorf("VerifySignature: %+v, %v", d, err)
	}
	armoured := "-----BEGIN PKCS7-----\n" + p7 + "\n-----END PKCS7-----\n"
	for name, text := range map[string]string{"Bare": p7, "Armoured": armoured, "Wrapped": wrap(p7)} {
		d, content, err := identitydoc.VerifyPKCS7(text, s.cert)
		if err != nil || d.InstanceID != "i-0123456789abcdef0" || string(content) != string(doc) {
			t.Errorf("%s: VerifyPKCS7: %+v, %v", name, d, err)
		}
	}

	tampered := []byte(strings.Replace(string(doc), "333333333333", "444444444444", 1))
	for name, check := range map[string]func() error{
		"TamperedDocument": func() error { _, err := identitydoc.VerifySignature(tampered, sig, s.cert); return err },
		"OtherCertificate": func() error { _, err := identitydoc.VerifySignature(doc, sig, other.cert); return err },
		"OtherKeySigned":   func() error { _, err := identitydoc.VerifySignature(doc, other.signature(t, doc), s.cert); return err },
		"NotBase64":        func() error { _, err := identitydoc.VerifySignature(doc, "%%%", s.cert); return err },
		"EmptySignature":   func() error { _, err := identitydoc.VerifySignature(doc, "", s.cert); return err },
		"PKCS7OtherCert":   func() error { _, _, err := identitydoc.VerifyPKCS7(p7, other.cert); return err },
		"PKCS7OtherKey":    func() error { _, _, err := identitydoc.VerifyPKCS7(other.pkcs7(t, doc), s.cert); return err },
		"PKCS7Garbage":     func() error { _, _, err := identitydoc.VerifyPKCS7("bm90IGEgcGtjczc=", s.cert); return err },
		"PKCS7Tampered":    func() error { _, _, err := identitydoc.VerifyPKCS7(tamperPKCS7(t, p7), s.cert); return err },
	} {
		if err := check(); err != identitydoc.ErrInvalid {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}

	old := []byte(strings.Replace(string(doc), identitydoc.Version, "2016-01-01", 1))
	if _, err := identitydoc.VerifySignature(old, s.signature(t, old), s.cert); err == nil {
		t.Errorf("a document of another version verified")
	}
	if _, err := identitydoc.ParseCertificate([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")); err == nil {
		t.Errorf("a PEM block that is no certificate parsed")
	}
}

// tamperPKCS7 changes the document inside a signed message, leaving its
// signature as it was.
func tamperPKCS7(t *testing.T, p7 string) string {
	der, err := base64.StdEncoding.DecodeString(p7)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(der), "333333333333")
	if i < 0 {
		t.Fatal("the document is not in the message")
	}
	copy(der[i:], "444444444444")
	return base64.StdEncoding.EncodeToString(der)
}

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64] + "\n")
		s = s[64:]
	}
	return b.String() + s
}

// Package identitydoc verifies, offline, the instance identity documents
// that Tollgate's instance metadata service serves at
// /latest/dynamic/instance-identity/document, as sellers' software does
// on EC2: to know, from inside an instance, which account runs it, from
// which image, with which product codes, in a way the instance's owner
// cannot forge.
//
// The service signs each document with the platform's RSA key. Its
// self-signed certificate is published unauthenticated at
// <endpoint>/v1/platform/identity-certificate (PEM; also
// `tollgate platform identity-certificate`); fetch it once, from a source
// you trust, and ship or pin it. Then check a document with either
// signature the service offers:
//
//   - /latest/dynamic/instance-identity/signature: base64 of an RSA
//     PKCS #1 v1.5 signature over the document's bytes with SHA-256
//     (VerifySignature);
//   - /latest/dynamic/instance-identity/pkcs7 (and rsa2048, the same):
//     a PKCS #7 SignedData holding the document, SHA-256 with RSA, in
//     base64 without PEM armour, as EC2 sends it (VerifyPKCS7).
//
// The certificate's validity dates are not checked: it carries the
// platform's key, which a store keeps for its life, and a pinned
// certificate is trusted as pinned.
package identitydoc

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/smallstep/pkcs7"
)

// Version is the document format's version, as EC2 writes it.
const Version = "2017-09-30"

// CertificatePath is where a Tollgate server publishes the certificate,
// relative to its endpoint.
const CertificatePath = "/v1/platform/identity-certificate"

// Document is an instance identity document, with EC2's field names. Of
// the product-code lists, the one that names the instance's code is set
// by the code's type: MarketplaceProductCodes for a marketplace code,
// DevpayProductCodes for a devpay one; the other is null.
type Document struct {
	AccountID               string    `json:"accountId"`
	Architecture            string    `json:"architecture"`
	AvailabilityZone        string    `json:"availabilityZone"`
	BillingProducts         []string  `json:"billingProducts"`
	DevpayProductCodes      []string  `json:"devpayProductCodes"`
	MarketplaceProductCodes []string  `json:"marketplaceProductCodes"`
	ImageID                 string    `json:"imageId"`
	InstanceID              string    `json:"instanceId"`
	InstanceType            string    `json:"instanceType"`
	KernelID                *string   `json:"kernelId"`
	PendingTime             time.Time `json:"pendingTime"`
	PrivateIP               string    `json:"privateIp"`
	RamdiskID               *string   `json:"ramdiskId"`
	Region                  string    `json:"region"`
	Version                 string    `json:"version"`
}

// Encode writes d as the metadata service serves it: JSON indented by two
// spaces. The signatures cover exactly these bytes.
func (d Document) Encode() ([]byte, error) {
	return json.MarshalIndent(d, "", "  ")
}

// ErrInvalid is the error of every verification that fails: a signature
// that does not verify under the certificate, a document that is not one,
// a malformed signature.
var ErrInvalid = errors.New("identitydoc: the document's signature does not verify under the platform certificate")

// ParseCertificate parses the platform certificate from PEM (or DER).
func ParseCertificate(data []byte) (*x509.Certificate, error) {
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("identitydoc: a PEM block of type %q, not CERTIFICATE", block.Type)
		}
		data = block.Bytes
	}
	cert, err := x509.ParseCertificate(data)
	if err != nil {
		return nil, fmt.Errorf("identitydoc: parse the certificate: %w", err)
	}
	if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok {
		return nil, errors.New("identitydoc: the certificate's key is not RSA")
	}
	return cert, nil
}

// VerifySignature checks document (the bytes served) against signature
// (the base64 text served at .../signature) under cert, and returns the
// document decoded.
func VerifySignature(document []byte, signature string, cert *x509.Certificate) (Document, error) {
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return Document{}, errors.New("identitydoc: the certificate's key is not RSA")
	}
	sig, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(signature), ""))
	if err != nil {
		return Document{}, ErrInvalid
	}
	digest := sha256.Sum256(document)
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig) != nil {
		return Document{}, ErrInvalid
	}
	return decode(document)
}

// VerifyPKCS7 checks a PKCS #7 signature (the text served at .../pkcs7 or
// .../rsa2048: base64, with or without PEM armour) under cert, and
// returns the document it holds, decoded, and its bytes.
func VerifyPKCS7(signed string, cert *x509.Certificate) (Document, []byte, error) {
	der, err := pkcs7DER(signed)
	if err != nil {
		return Document{}, nil, ErrInvalid
	}
	p7, err := pkcs7.Parse(der)
	if err != nil || len(p7.Signers) != 1 {
		return Document{}, nil, ErrInvalid
	}
	// Only the pinned certificate may have signed: whatever certificates
	// the message carries are ignored.
	p7.Certificates = []*x509.Certificate{cert}
	if p7.Verify() != nil {
		return Document{}, nil, ErrInvalid
	}
	d, err := decode(p7.Content)
	return d, p7.Content, err
}

// pkcs7DER reads the served text: PEM, or bare base64 across lines.
func pkcs7DER(text string) ([]byte, error) {
	if block, _ := pem.Decode([]byte(text)); block != nil {
		return block.Bytes, nil
	}
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
}

// decode decodes a verified document, refusing one of another version or
// with trailing data.
func decode(document []byte) (Document, error) {
	var d Document
	dec := json.NewDecoder(bytes.NewReader(document))
	if err := dec.Decode(&d); err != nil {
		return Document{}, fmt.Errorf("identitydoc: the signed document is not one: %w", err)
	}
	if dec.More() {
		return Document{}, errors.New("identitydoc: data after the document")
	}
	if d.Version != Version {
		return Document{}, fmt.Errorf("identitydoc: a document of version %q, not %s", d.Version, Version)
	}
	return d, nil
}

// FetchCertificate reads the platform certificate from a Tollgate server's
// endpoint (CertificatePath), with client (http.DefaultClient when nil).
// The certificate is only as trustworthy as the connection it came over:
// fetch it over TLS or from a host you trust, then keep it.
func FetchCertificate(ctx context.Context, client *http.Client, endpoint string) (*x509.Certificate, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/")+CertificatePath, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("identitydoc: fetch the certificate: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("identitydoc: read the certificate: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("identitydoc: fetching the certificate answered HTTP %d", resp.StatusCode)
	}
	return ParseCertificate(body)
}

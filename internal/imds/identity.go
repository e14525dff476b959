package imds

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/smallstep/pkcs7"

	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/pkg/identitydoc"
)

// identity answers a path under /latest/dynamic/instance-identity/: the
// document, and its signatures under the platform key.
func (s *Server) identity(ctx context.Context, q request, p string) ([]byte, string, error) {
	switch p {
	case "document", "signature", "pkcs7", "rsa2048":
	default:
		return nil, "", errNotFound
	}
	doc, err := s.document(q.inst).Encode()
	if err != nil {
		return nil, "", fault.Wrap(err, "encode the identity document")
	}
	switch p {
	case "document":
		return doc, textPlain, nil
	case "signature":
		sig, err := q.keys.signPKCS1(doc)
		if err != nil {
			return nil, "", err
		}
		return text(wrap(base64.StdEncoding.EncodeToString(sig)))
	}
	signed, err := q.keys.signPKCS7(doc)
	if err != nil {
		return nil, "", err
	}
	return text(wrap(base64.StdEncoding.EncodeToString(signed)))
}

// document is the instance's identity document.
func (s *Server) document(inst compute.Instance) identitydoc.Document {
	_, region := s.zone(inst)
	d := identitydoc.Document{AccountID: inst.Owner, Architecture: inst.Architecture, AvailabilityZone: inst.Zone,
		ImageID: inst.ImageID, InstanceID: inst.ID, InstanceType: inst.InstanceType,
		PendingTime: inst.LaunchedAt.UTC().Truncate(time.Second), PrivateIP: inst.PrivateIP, Region: region,
		Version: identitydoc.Version}
	switch code := inst.ProductCode; {
	case code.IsZero():
	case code.Type == image.DevPay:
		d.DevpayProductCodes = []string{code.Code}
	default:
		d.MarketplaceProductCodes = []string{code.Code}
	}
	return d
}

// signPKCS7 signs the document into a PKCS #7 SignedData that holds it:
// SHA-256 with RSA, no signed attributes (their signing time would make
// the signature differ from request to request, and read the wall clock).
func (m *keyMaterial) signPKCS7(doc []byte) ([]byte, error) {
	sd, err := pkcs7.NewSignedData(doc)
	if err != nil {
		return nil, fault.Wrap(err, "start the PKCS #7 signature")
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.SignWithoutAttr(m.cert, m.signer, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fault.Wrap(err, "sign the PKCS #7 signature")
	}
	out, err := sd.Finish()
	if err != nil {
		return nil, fault.Wrap(err, "finish the PKCS #7 signature")
	}
	return out, nil
}

// wrap breaks base64 text into lines of 64 characters, as EC2 serves its
// signatures.
func wrap(s string) string {
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64])
		b.WriteByte('\n')
		s = s[64:]
	}
	b.WriteString(s)
	return b.String()
}

package sigv4_test

import (
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/awsapi/sigv4"
	"github.com/tollgate/tollgate/internal/fault"
)

func FuzzParseAuthorization(f *testing.F) {
	sig := "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + sig,
		"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240517/eu-west-3/ec2/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-target, Signature=" + strings.ToUpper(sig),
		"AWS4-HMAC-SHA256 Credential=210987654321/20240517/us-east-1/license-manager/aws4_request,SignedHeaders=host,Signature=" + sig,
		"AWS4-HMAC-SHA256 Signature=" + sig + ",Credential=test/20240517/us-east-1/sts/aws4_request,SignedHeaders=host",
		"AWS4-HMAC-SHA256 Credential=a/20240517/r/s/aws4_request, SignedHeaders=host, Signature=" + sig + ", Credential=b/20240518/r2/s2/aws4_request",
		"AWS4-HMAC-SHA256 Credential=a/2024051/r/s/aws4_request, SignedHeaders=host, Signature=" + sig,
		"AWS4-HMAC-SHA256 Credential=a/20240517/r/s/aws4_request, SignedHeaders=x;host, Signature=" + sig,
		"AWS4-HMAC-SHA256 Credential=a/20240517/r/s/aws4_request, SignedHeaders=host, Signature=xyz",
		"AWS4-HMAC-SHA256 Credential=a/20240517//s/aws4_request, SignedHeaders=host, Signature=" + sig,
		"AWS4-HMAC-SHA256 Credential==/20240517/r/s/aws4_request, SignedHeaders==host, Signature=" + sig,
		"AWS4-HMAC-SHA256",
		"AWS4-HMAC-SHA256 ",
		"AWS4-HMAC-SHA256\tCredential=a/20240517/r/s/aws4_request",
		"AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
		"Bearer eyJhbGciOiJIUzI1NiJ9",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got, err := sigv4.ParseAuthorization(header)
		if err != nil {
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Kind != fault.MalformedSignature || fe.Message == "" {
				t.Fatalf("error %v, want a MalformedSignature fault with a message", err)
			}
			return
		}
		c := got.Credential
		if c.AccessKeyID == "" || c.Region == "" || c.Service == "" || len(c.Date) != 8 {
			t.Fatalf("accepted an incomplete credential %+v", c)
		}
		for _, part := range []string{c.AccessKeyID, c.Date, c.Region, c.Service} {
			if strings.Contains(part, "/") {
				t.Fatalf("credential part %q contains a slash", part)
			}
		}
		if !slices.IsSorted(got.SignedHeaders) || !slices.Contains(got.SignedHeaders, "host") {
			t.Fatalf("signed headers %q are unsorted or lack host", got.SignedHeaders)
		}
		for _, h := range got.SignedHeaders {
			if h == "" || h != strings.ToLower(h) || strings.Contains(h, ";") {
				t.Fatalf("bad signed header name %q", h)
			}
		}
		if b, err := hex.DecodeString(got.Signature); err != nil || len(b) != 32 || got.Signature != strings.ToLower(got.Signature) {
			t.Fatalf("signature %q is not 64 lower-case hex digits", got.Signature)
		}
		if got.Presigned || !got.Time.IsZero() || got.Expires != 0 {
			t.Fatalf("header parse set presign fields: %+v", got)
		}

		// What we parsed, written back in the SDK's form, parses the same.
		again := sigv4.Algorithm + " Credential=" + c.AccessKeyID + "/" + c.Date + "/" + c.Region + "/" + c.Service +
			"/aws4_request, SignedHeaders=" + strings.Join(got.SignedHeaders, ";") + ", Signature=" + got.Signature
		reparsed, err := sigv4.ParseAuthorization(again)
		if err != nil {
			t.Fatalf("re-parsing %q: %v", again, err)
		}
		if diff := cmp.Diff(got, reparsed); diff != "" {
			t.Fatalf("round trip of %q changed it (-first +second):\n%s", again, diff)
		}
	})
}

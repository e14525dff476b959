package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

const (
	formType = "Content-Type: application/x-www-form-urlencoded; charset=utf-8"
	jsonType = "Content-Type: application/x-amz-json-1.1"
	lmTarget = "X-Amz-Target: AWSLicenseManager."
	stsForm  = "Action=GetCallerIdentity&Version=2011-06-15"
)

// rawCase is one request sent byte for byte and what its answer must be.
type rawCase struct {
	name      string
	req       rawRequest
	halfClose bool
	want      expectation
}

// authOr is the status of an unsigned AWS request: refused for want of a
// signature in strict mode (403), else what the emulator answers.
func (s *suite) authOr(emulator int) int {
	if s.cfg.mode == "strict" {
		return 403
	}
	return emulator
}

// malformedCases are requests no well-behaved client sends.
func (s *suite) malformedCases() []rawCase {
	x := func(f format, status int) expectation { return expectation{format: f, status: status} }
	nested := strings.Repeat("[", 200_000) + strings.Repeat("]", 200_000)
	deepObject := `{"Filters":` + strings.Repeat(`{"a":`, 20_000) + "1" + strings.Repeat("}", 20_000) + "}"
	nine := make([]byte, 9<<20)
	for i := range nine {
		nine[i] = 'a'
	}
	copy(nine, "Action=GetCallerIdentity&x=")
	chunked := func(body []byte) []byte { // one chunk
		return []byte(fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(body), body))
	}
	truncated := newRaw("POST", "/", []byte(`{"Filters":[{"Name":"x"}]}`), lmTarget+"ListLicenses", jsonType)
	truncated.sendBody = 5
	truncatedForm := newRaw("POST", "/", []byte(stsForm), formType)
	truncatedForm.sendBody = 10
	http10 := newRaw("GET", "/healthz", nil)
	http10.proto = "HTTP/1.0"
	noHost := newRaw("GET", "/healthz", nil)
	noHost.noHost = true
	badVersion := newRaw("GET", "/healthz", nil)
	badVersion.proto = "HTTP/9.9"
	manyHeaders := make([]string, 5000)
	for i := range manyHeaders {
		manyHeaders[i] = fmt.Sprintf("X-H%d: %s", i, strings.Repeat("v", 16))
	}
	return []rawCase{
		// The server's own endpoints.
		{name: "GET /healthz", req: newRaw("GET", "/healthz", nil), want: x(ownJSON, 200)},
		{name: "HEAD /healthz", req: newRaw("HEAD", "/healthz", nil), want: x(ownJSON, 200)},
		{name: "GET /metrics", req: newRaw("GET", "/metrics", nil), want: x(metrics, 200)},
		{name: "POST /healthz", req: newRaw("POST", "/healthz", []byte("x")), want: x(ownJSON, 405)},
		{name: "GET /_tollgate/reset", req: newRaw("GET", "/_tollgate/reset", nil), want: x(ownJSON, map[string]int{"strict": 404, "emulator": 405}[s.cfg.mode])},
		{name: "GET /moto-api/reset", req: newRaw("GET", "/moto-api/reset", nil), want: x(ownJSON, map[string]int{"strict": 404, "emulator": 405}[s.cfg.mode])},
		{name: "a path that does not exist", req: newRaw("GET", "/no/such/path", nil), want: x(ownJSON, 404)},
		{name: "invalid UTF-8 in the path", req: newRaw("GET", "/\xff\xfe%FF", nil), want: x(anyFormat, 0)},
		{name: "an unknown method", req: newRaw("BREW", "/", nil), want: x(ownJSON, 404)},
		{name: "HTTP/1.0", req: http10, want: x(ownJSON, 200)},
		{name: "invalid UTF-8 in a header value", req: newRaw("GET", "/healthz", nil, "X-Hostile: \xff\xfe\xc3\x28"), want: x(ownJSON, 200)},
		// Not HTTP: net/http refuses them before any handler.
		{name: "NUL in the path", req: newRaw("GET", "/a\x00b", nil), want: x(httpLevel, 400)},
		{name: "NUL in a header value", req: newRaw("GET", "/healthz", nil, "X-Hostile: a\x00b"), want: x(httpLevel, 400)},
		{name: "NUL in X-Amz-Target", req: newRaw("POST", "/", []byte("{}"), lmTarget+"List\x00Licenses", jsonType), want: x(httpLevel, 400)},
		{name: "a header without a colon", req: newRaw("GET", "/healthz", nil, "NoColonHere"), want: x(httpLevel, 400)},
		{name: "a request line of garbage", req: newRaw("\xff\xfe", "\x01", nil), want: x(httpLevel, 400)},
		{name: "no Host", req: noHost, want: x(httpLevel, 400)},
		{name: "a header of 100 KiB", req: newRaw("GET", "/healthz", nil, "X-Big: "+strings.Repeat("b", 100<<10)), want: x(httpLevel, 431)},
		{name: "5,000 headers", req: newRaw("GET", "/healthz", nil, manyHeaders...), want: x(httpLevel, 431)},
		{name: "a Content-Length of letters", req: newRaw("POST", "/", []byte("x"), formType, "Content-Length: lots"), want: x(httpLevel, 400)},
		{name: "two Content-Lengths that differ", req: newRaw("POST", "/", []byte(stsForm), formType, "Content-Length: 43", "Content-Length: 44"), want: x(httpLevel, 400)},
		{name: "a negative Content-Length", req: newRaw("POST", "/", []byte(stsForm), formType, "Content-Length: -1"), want: x(httpLevel, 400)},
		{name: "HTTP/9.9 (the protocol's own 505)", req: badVersion, want: expectation{format: httpLevel, status: 505, protocol5xx: 505}},
		{name: "an unknown transfer coding (the protocol's own 501)", req: newRaw("POST", "/", []byte(stsForm), formType, "Transfer-Encoding: gzip"),
			want: expectation{format: httpLevel, status: 501, protocol5xx: 501}},
		// AWS Query.
		{name: "Action of invalid UTF-8", req: newRaw("POST", "/", []byte("Action=%FF"), formType), want: x(awsXML, s.authOr(400))},
		{name: "Action and Version of invalid UTF-8", req: newRaw("POST", "/", []byte("Action=%FF%FE&Version=%C3%28"), formType), want: x(awsXML, s.authOr(400))},
		{name: "Action of invalid UTF-8 in the URL", req: newRaw("GET", "/?Action=%C3%28&Version=2011-06-15", nil), want: x(awsXML, s.authOr(400))},
		{name: "raw invalid UTF-8 in the URL", req: newRaw("GET", "/?Action=\xff\xfe&Version=2011-06-15", nil), want: x(anyFormat, 0)},
		{name: "NUL in the Action", req: newRaw("POST", "/", []byte("Action=Get%00CallerIdentity&Version=2011-06-15"), formType), want: x(awsXML, s.authOr(400))},
		{name: "a malformed form", req: newRaw("POST", "/", []byte("Action=%zz&Version=2011-06-15"), formType), want: x(awsXML, s.authOr(400))},
		{name: "a semicolon in the form", req: newRaw("POST", "/", []byte("Action=GetCallerIdentity;x=1"), formType), want: x(awsXML, s.authOr(400))},
		{name: "an Action of 100 KiB", req: newRaw("POST", "/", []byte("Action="+strings.Repeat("A", 100<<10)), formType), want: x(awsXML, s.authOr(400))},
		{name: "100,000 parameters", req: newRaw("POST", "/", []byte(stsForm+strings.Repeat("&p=1", 100_000)), formType), want: x(awsXML, 0)},
		{name: "a list index past the limit", req: newRaw("POST", "/", []byte(stsForm+"&Names.member.99999999999999999999=x"), formType), want: x(awsXML, 0)},
		{name: "Authorization of invalid UTF-8", req: newRaw("POST", "/", []byte(stsForm), formType, "Authorization: AWS4-HMAC-SHA256 Credential=\xff/20240101/\xfe/sts/aws4_request, SignedHeaders=host, Signature=\xff"),
			want: x(awsXML, 0)},
		{name: "X-Amz-Date of invalid UTF-8", req: newRaw("POST", "/", []byte(stsForm), formType, "X-Amz-Date: \xff\xff",
			"Authorization: AWS4-HMAC-SHA256 Credential=AKIATOLLGATEBUYER001/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature="+strings.Repeat("0", 64)),
			want: x(awsXML, 0)},
		{name: "a presigned URL of nonsense", req: newRaw("GET", "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%FF&X-Amz-Date=%FF&X-Amz-Expires=-1&X-Amz-SignedHeaders=host&X-Amz-Signature=zz", nil),
			want: x(awsXML, 0)},
		{name: "a form body under the wrong content type", req: newRaw("POST", "/", []byte(stsForm), "Content-Type: text/plain"), want: x(ownJSON, 404)},
		{name: "a form body cut short", req: truncatedForm, halfClose: true, want: x(awsXML, s.authOr(400))},
		{name: "a body one byte over the limit", req: newRaw("POST", "/", nil, formType, fmt.Sprintf("Content-Length: %d", maxBody+1)), halfClose: true, want: x(awsXML, s.authOr(400))},
		{name: "a chunked body over the limit", req: newRaw("POST", "/", chunked(nine), formType, "Transfer-Encoding: chunked"), want: x(awsXML, s.authOr(400))},
		// AWS JSON 1.1.
		{name: "X-Amz-Target operation of invalid UTF-8", req: newRaw("POST", "/", []byte("{}"), lmTarget+"\xff", jsonType), want: x(awsJSON, s.authOr(400))},
		{name: "X-Amz-Target of invalid UTF-8", req: newRaw("POST", "/", []byte("{}"), "X-Amz-Target: \xff\xfe.\xc3\x28", jsonType), want: x(awsJSON, 400)},
		{name: "X-Amz-Target of an unknown service", req: newRaw("POST", "/", []byte("{}"), "X-Amz-Target: AWSNoSuchService.DoIt", jsonType), want: x(awsJSON, 400)},
		{name: "X-Amz-Target of a dot", req: newRaw("POST", "/", []byte("{}"), "X-Amz-Target: .", jsonType), want: x(awsJSON, 400)},
		{name: "X-Amz-Target of an unknown operation", req: newRaw("POST", "/", []byte("{}"), lmTarget+"LaunchRockets", jsonType), want: x(awsJSON, s.authOr(400))},
		{name: "X-Amz-Target of 60 KiB", req: newRaw("POST", "/", []byte("{}"), lmTarget+strings.Repeat("X", 60<<10), jsonType), want: x(awsJSON, s.authOr(400))},
		{name: "JSON under an XML content type", req: newRaw("POST", "/", []byte("{}"), lmTarget+"ListLicenses", "Content-Type: application/xml"), want: x(awsJSON, s.authOr(400))},
		{name: "Content-Type of invalid UTF-8", req: newRaw("POST", "/", []byte("{}"), lmTarget+"ListLicenses", "Content-Type: \xff"), want: x(awsJSON, s.authOr(400))},
		{name: "a JSON body cut short", req: truncated, halfClose: true, want: x(awsJSON, s.authOr(400))},
		{name: "JSON that ends early", req: newRaw("POST", "/", []byte(`{"Filters":[`), lmTarget+"ListLicenses", jsonType), want: x(awsJSON, s.authOr(400))},
		{name: "JSON nested 200,000 deep", req: newRaw("POST", "/", []byte(nested), lmTarget+"ListLicenses", jsonType), want: x(awsJSON, s.authOr(400))},
		{name: "JSON objects nested 20,000 deep", req: newRaw("POST", "/", []byte(deepObject), lmTarget+"ListLicenses", jsonType), want: x(awsJSON, s.authOr(400))},
		{name: "a raw NUL in a JSON string", req: newRaw("POST", "/", []byte("{\"Filters\":[{\"Name\":\"a\x00b\"}]}"), lmTarget+"ListLicenses", jsonType), want: x(awsJSON, s.authOr(400))},
		{name: "raw invalid UTF-8 in a JSON string", req: newRaw("POST", "/", []byte("{\"Filters\":[{\"Name\":\"\xff\xfe\"}]}"), lmTarget+"ListLicenses", jsonType), want: x(awsJSON, 0)},
		{name: "MaxResults 1e400", req: newRaw("POST", "/", []byte(`{"MaxResults":1e400}`), lmTarget+"ListLicenses", jsonType), want: x(awsJSON, s.authOr(400))},
		{name: "MaxResults 2^63", req: newRaw("POST", "/", []byte(`{"MaxResults":9223372036854775808}`), lmTarget+"ListLicenses", jsonType), want: x(awsJSON, s.authOr(400))},
		{name: "a JSON body over the limit", req: newRaw("POST", "/", nil, lmTarget+"ListLicenses", jsonType, fmt.Sprintf("Content-Length: %d", maxBody+1)), halfClose: true, want: x(awsJSON, s.authOr(400))},
	}
}

// malformed sends every malformed case, a few at a time.
func (s *suite) malformed(ctx context.Context) error {
	cases := s.malformedCases()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, c := range cases {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			a, err := s.exchange(c.req.bytes(s.addr), c.halfClose, c.req.method)
			s.check(c.name, a, err, c.want)
		})
	}
	wg.Wait()
	s.logf("   %d cases", len(cases))
	return nil
}

package awsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/requestid"
)

// checkInvalid fails unless err is a client error (never Internal) with the
// given AWS code.
func checkInvalid(t *testing.T, err error, code string) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("unclassified error %T: %v", err, err)
	}
	if fe.Kind != fault.Invalid || fe.Code != code || fe.Message == "" {
		t.Fatalf("error %+v, want kind Invalid, code %s and a message", fe, code)
	}
}

var queryPrefixes = []string{"ImageId", "Filter", "Filter.1.Value", "Names.member", "Tag", "", "Action", "a.b", "1"}

func FuzzParseQuery(f *testing.F) {
	f.Add("", []byte("Action=DescribeImages&Version=2016-11-15&ImageId.1=ami-1&ImageId.2=ami-2"))
	f.Add("Action=DescribeImages&Version=2016-11-15&Filter.1.Name=product-code&Filter.1.Value.1=abc&Filter.1.Value.2=def&Filter.2.Name=state&Filter.2.Value.1=available", []byte(nil))
	f.Add("", []byte("Action=RunInstances&ImageId=ami-1&MinCount=1&MaxCount=2&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=v"))
	f.Add("Action=X", []byte("Action=GetCallerIdentity&Version=2011-06-15"))
	f.Add("", []byte("ImageId.0=a&ImageId.1001=b&ImageId.x=c&ImageId.-1=d&ImageId.1.2=e&ImageId.=f"))
	f.Add("", []byte("Filter.1=a&Filter.1.=b&Filter..Value=c&Filter.99999999999999999999.Name=d"))
	f.Add("", []byte("MaxResults=9223372036854775808&ImageId=12&a.b.1=x"))
	f.Add("", []byte("a=%zz"))
	f.Add("", []byte("a=1;b=2"))
	f.Add("x=%E2%9C%93+%20&&&=&==", []byte(""))
	f.Add("", []byte("Names.member.1=a&Names.member.01=b&Names.member.+1=c"))

	f.Fuzz(func(t *testing.T, rawQuery string, body []byte) {
		p, err := awsapi.ParseQuery(rawQuery, body)
		if err != nil {
			checkInvalid(t, err, "MalformedQueryString")
			return
		}
		names := p.Names()
		for i := 1; i < len(names); i++ {
			if names[i-1] >= names[i] {
				t.Fatalf("Names not sorted and unique: %q", names)
			}
		}
		for _, prefix := range queryPrefixes {
			list, err := p.List(prefix)
			if err != nil {
				checkInvalid(t, err, "InvalidParameterValue")
			} else {
				if len(list) > len(names) || len(list) > 1000 {
					t.Fatalf("List(%q) has %d members from %d names", prefix, len(list), len(names))
				}
				for _, v := range list {
					if !hasValue(p, names, prefix+".", v) {
						t.Fatalf("List(%q) returned %q, which no %s.N parameter holds", prefix, v, prefix)
					}
				}
			}

			members, err := p.Members(prefix)
			if err != nil {
				checkInvalid(t, err, "InvalidParameterValue")
			} else {
				if len(members) > 1000 {
					t.Fatalf("Members(%q) has %d members", prefix, len(members))
				}
				for _, m := range members {
					if len(m.Names()) == 0 {
						t.Fatalf("Members(%q) returned an empty member", prefix)
					}
					for _, n := range m.Names() {
						if n == "" {
							t.Fatalf("Members(%q) returned a member with an empty field name", prefix)
						}
					}
				}
			}

			n, err := p.Int(prefix, 42)
			switch {
			case err != nil:
				checkInvalid(t, err, "InvalidParameterValue")
			case p.Get(prefix) == "" && n != 42:
				t.Fatalf("Int(%q) of an absent parameter = %d, want the default", prefix, n)
			case p.Get(prefix) != "":
				if want, perr := strconv.ParseInt(p.Get(prefix), 10, 64); perr != nil || want != n {
					t.Fatalf("Int(%q) = %d for %q", prefix, n, p.Get(prefix))
				}
			}
		}
	})
}

// hasValue reports whether some parameter named prefix+N holds v.
func hasValue(p awsapi.Params, names []string, prefix, v string) bool {
	for _, name := range names {
		if strings.HasPrefix(name, prefix) && p.Get(name) == v {
			return true
		}
	}
	return false
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(``))
	f.Add([]byte(`   `))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"Name":"n","Count":3,"Ratio":0.5,"Enabled":true,"Names":["a","b"],"Tags":[{"Key":"k","Value":"v"}],"Attributes":{"a":"b"},"Limits":{"x":[1,2,3]}}`))
	f.Add([]byte(`{"Nested":{"Nested":{"Name":"deep","Tags":[]}},"Names":null}`))
	f.Add([]byte(`{"Count":"3"}`))
	f.Add([]byte(`{"Count":1e400}`))
	f.Add([]byte(`{"Count":9223372036854775808}`))
	f.Add([]byte(`{"Names":[1]}`))
	f.Add([]byte(`{"Tags":{"Key":"k"}}`))
	f.Add([]byte(`{"Attributes":["a"]}`))
	f.Add([]byte(`{"Limits":{"x":[1.5]}}`))
	f.Add([]byte(`{"Name":"\ud800\u00e9\u2713"}`))
	f.Add([]byte(`{"name":"case","NAME":"insensitive"}`))
	f.Add([]byte(`{"Name":"a"} trailing`))
	f.Add([]byte(`[{"Name":"a"}]`))
	f.Add([]byte(`{"Name":`))
	f.Add([]byte("\xef\xbb\xbf{}"))
	f.Add([]byte(`null`))

	f.Fuzz(func(t *testing.T, body []byte) {
		var in jsonInput
		if err := awsapi.DecodeJSON(body, &in); err != nil {
			checkInvalid(t, err, "SerializationException")
			return
		}
		// What decoded must survive a round trip unchanged.
		out, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", in, err)
		}
		var again jsonInput
		if err := awsapi.DecodeJSON(out, &again); err != nil {
			t.Fatalf("decoding our own encoding %s: %v", out, err)
		}
		if diff := cmp.Diff(in, again); diff != "" {
			t.Fatalf("round trip changed the value (-first +second):\n%s", diff)
		}
	})
}

// fuzzServices are the fake services minus the operations that fail on
// purpose with internal errors.
func fuzzServices() []*awsapi.Service {
	ec2 := ec2Service()
	delete(ec2.Operations, "RebootInstances")
	delete(ec2.Operations, "TerminateInstances")
	return []*awsapi.Service{ec2, queryService(), jsonService()}
}

// routerInput is one FuzzRouter input.
type routerInput struct {
	method, rawQuery, target, contentType, authorization, amzDate string
	body                                                          []byte
	emulator                                                      bool
	wantOK                                                        bool // for TestRouterSeeds
}

const fuzzHost = "localhost:4566"

func (in routerInput) request() *http.Request {
	h := http.Header{}
	for name, v := range map[string]string{"X-Amz-Target": in.target, "Content-Type": in.contentType, "Authorization": in.authorization, "X-Amz-Date": in.amzDate} {
		if v != "" {
			h[name] = []string{v}
		}
	}
	r := &http.Request{
		Method:        in.method,
		URL:           &url.URL{Path: "/", RawQuery: in.rawQuery},
		Host:          fuzzHost,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(in.body)),
		ContentLength: int64(len(in.body)),
	}
	return r.WithContext(requestid.With(context.Background(), testRequestID))
}

// routerSeeds are realistic requests: SDK-signed ones that succeed, and
// near misses.
func routerSeeds(t testing.TB) []routerInput {
	signed := func(service, contentType, target, body string) routerInput {
		r := httptest.NewRequest(http.MethodPost, "http://"+fuzzHost+"/", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		if target != "" {
			r.Header.Set("X-Amz-Target", target)
		}
		signRequest(t, r, aliceKey, service, body)
		return routerInput{method: http.MethodPost, target: target, contentType: contentType,
			authorization: r.Header.Get("Authorization"), amzDate: r.Header.Get("X-Amz-Date"), body: []byte(body), wantOK: true}
	}
	const form = "application/x-www-form-urlencoded; charset=utf-8"
	seeds := []routerInput{
		signed("ec2", form, "", "Action=DescribeImages&Version=2016-11-15&ImageId.1=ami-1&ImageId.2=ami-2&Filter.1.Name=product-code&Filter.1.Value.1=abc"),
		signed("ec2", form, "", "Action=ModifyImageAttribute&Version=2016-11-15&ImageId=ami-1&LaunchPermission.Add.1.UserId=123456789012"),
		signed("fakequery", form, "", "Action=Echo&Version=2020-01-01&Names.member.1=a&Names.member.2=b"),
		signed("fakejson", "application/x-amz-json-1.1", jsonPrefix+".Echo", `{"Name":"n","Count":3,"Names":["a"],"Tags":[{"Key":"k","Value":"v"}],"Nested":{"Name":"x"},"Attributes":{"a":"b"}}`),
		signed("fakejson", "application/x-amz-json-1.1", jsonPrefix+".Empty", ``),
		{method: http.MethodPost, contentType: form, body: []byte("Action=DescribeImages&Version=2016-11-15&ImageId.1=ami-1"), emulator: true},
		{method: http.MethodPost, target: jsonPrefix + ".Echo", contentType: "application/x-amz-json-1.1", body: []byte(`{"Count":"x"}`), emulator: true},
		{method: http.MethodGet, rawQuery: "Action=Echo&Version=2020-01-01&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAALICEALICEALICE0%2F20240517%2Fus-east-1%2Ffakequery%2Faws4_request&X-Amz-Date=20240517T123045Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=" + strings.Repeat("0", 64)},
		{method: http.MethodPost, contentType: form, body: []byte("Action=Echo&x=%zz"), authorization: "AWS4-HMAC-SHA256 Credential=a/20240517/r/s/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("f", 64)},
		{method: http.MethodPost, target: "AWSLicenseManager.CheckoutLicense", contentType: "text/plain", body: []byte(`[]`)},
		{method: "", target: ".", authorization: "AWS4-HMAC-SHA256", amzDate: "bad"},
	}
	// A presigned request that verifies.
	r := httptest.NewRequest(http.MethodGet, "http://"+fuzzHost+"/?Action=Echo&Version=2020-01-01&X-Amz-Expires=60", nil)
	seeds = append(seeds, routerInput{method: http.MethodGet, rawQuery: presign(t, r, aliceKey, "fakequery"), wantOK: true})
	return seeds
}

// TestRouterSeeds checks that the signed seeds really succeed, so that the
// fuzzer starts from requests that reach the handlers.
func TestRouterSeeds(t *testing.T) {
	for i, in := range routerSeeds(t) {
		w := serveFuzz(in)
		if in.wantOK && w.Code != http.StatusOK {
			t.Errorf("seed %d: HTTP %d, want 200: %s", i, w.Code, w.Body)
		}
		if w.Code >= 500 {
			t.Errorf("seed %d: HTTP %d: %s", i, w.Code, w.Body)
		}
	}
}

func serveFuzz(in routerInput) *httptest.ResponseRecorder {
	var auth awsapi.Authenticator = awsapi.NewStrict(newFakeKeys(aliceKey).Lookup, fixedNow(signTime))
	if in.emulator {
		auth = awsapi.NewEmulator(newFakeKeys(aliceKey).Lookup, "000000000000")
	}
	rt := awsapi.NewRouter(auth, discardLog(), nil, fuzzServices()...)
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, in.request())
	return w
}

func FuzzRouter(f *testing.F) {
	for _, s := range routerSeeds(f) {
		f.Add(s.method, s.rawQuery, s.target, s.contentType, s.authorization, s.amzDate, s.body, s.emulator)
	}
	f.Fuzz(func(t *testing.T, method, rawQuery, target, contentType, authorization, amzDate string, body []byte, emulator bool) {
		in := routerInput{method: method, rawQuery: rawQuery, target: target, contentType: contentType,
			authorization: authorization, amzDate: amzDate, body: body, emulator: emulator}
		w := serveFuzz(in)
		if w.Code >= 500 || (w.Code != http.StatusOK && w.Code < 400) {
			t.Fatalf("HTTP %d: %s", w.Code, w.Body)
		}
		if w.Header().Get("X-Amzn-Requestid") != testRequestID {
			t.Fatalf("X-Amzn-RequestId = %q", w.Header().Get("X-Amzn-Requestid"))
		}
		if got, want := w.Header().Get("Content-Length"), strconv.Itoa(w.Body.Len()); got != want {
			t.Fatalf("Content-Length %s for %s bytes", got, want)
		}
		switch ct := w.Header().Get("Content-Type"); ct {
		case "application/x-amz-json-1.1":
			if target == "" {
				t.Fatalf("JSON answer to a request without X-Amz-Target")
			}
			var fields map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &fields); err != nil {
				t.Fatalf("response is not a JSON object: %v: %s", err, w.Body)
			}
			if w.Code != http.StatusOK {
				errType := w.Header().Get("X-Amzn-Errortype")
				if errType == "" || fields["__type"] != errType {
					t.Fatalf("X-Amzn-ErrorType %q, body %s", errType, w.Body)
				}
				if msg, _ := fields["message"].(string); msg == "" {
					t.Fatalf("error without a message: %s", w.Body)
				}
			}
		case "text/xml":
			if target != "" {
				t.Fatalf("XML answer to a request with X-Amz-Target %q", target)
			}
			checkXML(t, w.Body.Bytes())
		default:
			t.Fatalf("Content-Type %q", ct)
		}
	})
}

// checkXML fails unless b is one well-formed XML element.
func checkXML(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("response is not well-formed XML: %v\n%s", err, b)
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 || depth != 0 {
		t.Fatalf("want one root element, got %d:\n%s", roots, b)
	}
}

// signRequest signs r at signTime with the SDK's signer.
func signRequest(t testing.TB, r *http.Request, key account.AccessKey, service, body string) {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, sha256Hex([]byte(body)), service, "us-east-1", signTime); err != nil {
		t.Fatalf("signing: %v", err)
	}
}

// presign presigns r at signTime with the SDK's signer and returns the
// signed query string.
func presign(t testing.TB, r *http.Request, key account.AccessKey, service string) string {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, sha256Hex(nil), service, "us-east-1", signTime)
	if err != nil {
		t.Fatalf("presigning: %v", err)
	}
	u, err := url.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	return u.RawQuery
}

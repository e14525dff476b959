package awsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/ec2query"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/restjson"
	awsxml "github.com/aws/aws-sdk-go-v2/aws/protocol/xml"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/requestid"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// request describes one request to the router.
type request struct {
	method  string
	query   string
	body    string
	headers map[string]string
}

func (rq request) build(t testing.TB) *http.Request {
	t.Helper()
	method := rq.method
	if method == "" {
		method = http.MethodPost
	}
	target := "/"
	if rq.query != "" {
		target += "?" + rq.query
	}
	r := httptest.NewRequest(method, target, strings.NewReader(rq.body))
	if rq.body != "" && rq.headers["Content-Type"] == "" && rq.headers["X-Amz-Target"] == "" {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	for k, v := range rq.headers {
		r.Header.Set(k, v)
	}
	return r.WithContext(requestid.With(r.Context(), testRequestID))
}

func ec2Form(body string) request { return request{body: body} }
func jsonCall(op, body string) request {
	return request{body: body, headers: map[string]string{"X-Amz-Target": jsonPrefix + "." + op, "Content-Type": "application/x-amz-json-1.1"}}
}

func serve(t testing.TB, rt http.Handler, rq request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, rq.build(t))
	return w
}

// transcript renders a response for a golden file: status, the headers
// clients read, and the body.
func transcript(w *httptest.ResponseRecorder) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP %d\n", w.Code)
	for _, h := range []string{"Content-Type", "X-Amzn-Errortype", "X-Amzn-Requestid"} {
		if v := w.Header().Get(h); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", h, v)
		}
	}
	b.WriteString("\n")
	b.Write(w.Body.Bytes())
	b.WriteString("\n")
	return b.Bytes()
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got):\n%s", path, diff)
	}
}

// TestGolden pins the exact bytes of every response shape.
func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		auth awsapi.Authenticator
		req  request
	}{
		{"ec2_success", okAuth, ec2Form("Action=DescribeImages&Version=2016-11-15&ImageId.2=ami-2&ImageId.1=ami-1&Filter.1.Name=product-code&Filter.1.Value.1=abc")},
		{"ec2_success_return", okAuth, ec2Form("Action=ModifyImageAttribute&Version=2016-11-15")},
		{"ec2_success_empty", okAuth, ec2Form("Action=NoResult&Version=2016-11-15")},
		{"ec2_error_coded", okAuth, ec2Form("Action=DeregisterImage&Version=2016-11-15&ImageId=ami-%3C%26%3E%22'")},
		{"ec2_error_forbidden", okAuth, ec2Form("Action=RunInstances&Version=2016-11-15")},
		{"ec2_error_internal", okAuth, ec2Form("Action=RebootInstances&Version=2016-11-15")},
		{"ec2_error_panic", okAuth, ec2Form("Action=TerminateInstances&Version=2016-11-15")},
		{"ec2_error_unknown_action", okAuth, ec2Form("Action=LaunchRockets&Version=2016-11-15")},
		{"ec2_error_bad_list_index", okAuth, ec2Form("Action=DescribeImages&Version=2016-11-15&ImageId.0=ami-1")},
		{"ec2_error_bad_int", okAuth, ec2Form("Action=DescribeImages&Version=2016-11-15&MaxResults=lots")},
		{"ec2_error_malformed", okAuth, ec2Form("Action=DescribeImages&Version=2016-11-15&ImageId.1=a;b")},
		{"ec2_error_auth", fakeAuth{scope: "ec2", err: fault.New(fault.UnknownCredentials, "AWS was not able to validate the provided access credentials")}, ec2Form("Action=DescribeImages&Version=2016-11-15")},
		{"query_success", okAuth, ec2Form("Action=Echo&Version=2020-01-01&Names.member.1=a&Names.member.2=b")},
		{"query_error", okAuth, ec2Form("Action=Fail&Version=2020-01-01")},
		{"query_error_auth", fakeAuth{scope: "fakequery", err: fault.New(fault.BadSignature, "The request signature we calculated does not match")}, ec2Form("Action=Echo&Version=2020-01-01")},
		{"query_error_missing_action", okAuth, ec2Form("Version=2020-01-01")},
		{"query_error_unknown_service", okAuth, ec2Form("Action=Nope")},
		{"query_error_malformed", okAuth, ec2Form("Action=Echo&Version=2020-01-01&x=%zz")},
		{"json_success", okAuth, jsonCall("Echo", `{"Name":"n","Count":3,"Names":["a","b"],"Tags":[{"Key":"k","Value":"v"}],"Attributes":{"a":"b"}}`)},
		{"json_success_empty", okAuth, jsonCall("Empty", ``)},
		{"json_error_coded", okAuth, jsonCall("Fail", `{}`)},
		{"json_error_serialization", okAuth, jsonCall("Echo", `{"Count":"three"}`)},
		{"json_error_not_object", okAuth, jsonCall("Echo", `[]`)},
		{"json_error_unknown_operation", okAuth, jsonCall("Nope", `{}`)},
		{"json_error_unknown_service", okAuth, request{body: `{}`, headers: map[string]string{"X-Amz-Target": "AWSNothing.Nope"}}},
		{"json_error_content_type", okAuth, request{body: `{}`, headers: map[string]string{"X-Amz-Target": jsonPrefix + ".Echo", "Content-Type": "text/plain"}}},
		{"json_error_auth", fakeAuth{err: fault.New(fault.Unauthenticated, "Missing Authentication Token")}, jsonCall("Echo", `{}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(t, awsapi.NewRouter(tt.auth, discardLog(), nil, ec2Service(), queryService(), jsonService()), tt.req)
			checkGolden(t, tt.name, transcript(w))
		})
	}
}

func TestEC2ErrorShape(t *testing.T) {
	tests := []struct {
		name       string
		auth       awsapi.Authenticator
		body       string
		wantStatus int
		want       ec2query.ErrorComponents
	}{
		{"coded", okAuth, "Action=DeregisterImage&Version=2016-11-15&ImageId=ami-<1>", http.StatusBadRequest,
			ec2query.ErrorComponents{Code: "InvalidAMIID.NotFound", Message: "The image id '[ami-<1>]' does not exist", RequestID: testRequestID}},
		{"unknown credentials", fakeAuth{scope: "ec2", err: fault.New(fault.UnknownCredentials, "bad key")}, "Action=DescribeImages&Version=2016-11-15", http.StatusUnauthorized,
			ec2query.ErrorComponents{Code: "AuthFailure", Message: "bad key", RequestID: testRequestID}},
		{"clock skew", fakeAuth{scope: "ec2", err: fault.New(fault.ClockSkew, "too old")}, "Action=DescribeImages&Version=2016-11-15", http.StatusBadRequest,
			ec2query.ErrorComponents{Code: "RequestExpired", Message: "too old", RequestID: testRequestID}},
		{"internal hides the cause", okAuth, "Action=RebootInstances&Version=2016-11-15", http.StatusInternalServerError,
			ec2query.ErrorComponents{Code: "InternalError", Message: "We encountered an internal error. Please try again.", RequestID: testRequestID}},
		{"unknown action", okAuth, "Action=LaunchRockets&Version=2016-11-15", http.StatusBadRequest,
			ec2query.ErrorComponents{Code: "InvalidAction", Message: "The action LaunchRockets is not valid for this web service.", RequestID: testRequestID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(t, newTestRouter(tt.auth, nil), ec2Form(tt.body))
			if w.Code != tt.wantStatus {
				t.Errorf("HTTP %d, want %d", w.Code, tt.wantStatus)
			}
			body := w.Body.String()
			// The SDKs look for exactly these elements, RequestID in capitals.
			for _, s := range []string{"<Response><Errors><Error><Code>", "</Code><Message>", "</Message></Error></Errors><RequestID>" + testRequestID + "</RequestID></Response>"} {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q:\n%s", s, body)
				}
			}
			got, err := ec2query.GetErrorResponseComponents(strings.NewReader(body))
			if err != nil {
				t.Fatalf("the SDK's EC2 error decoder failed: %v\n%s", err, body)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("as the SDK reads it (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEC2SuccessShape(t *testing.T) {
	w := serve(t, newTestRouter(okAuth, nil), ec2Form("Action=DescribeImages&Version=2016-11-15&ImageId.1=ami-1&ImageId.3=ami-3&Filter.1.Value.1=pc1&Filter.1.Value.2=pc2"))
	if w.Code != http.StatusOK {
		t.Fatalf("HTTP %d:\n%s", w.Code, w.Body)
	}
	var got struct {
		XMLName   xml.Name
		RequestID string `xml:"requestId"`
		describeImagesResult
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, w.Body)
	}
	want := describeImagesResult{Images: []ec2Image{
		{ImageID: "ami-1", Name: "image ami-1", ProductCode: []string{"pc1", "pc2"}},
		{ImageID: "ami-3", Name: "image ami-3", ProductCode: []string{"pc1", "pc2"}},
	}}
	if diff := cmp.Diff(xml.Name{Space: ec2Namespace, Local: "DescribeImagesResponse"}, got.XMLName); diff != "" {
		t.Errorf("root element (-want +got):\n%s", diff)
	}
	if got.RequestID != testRequestID {
		t.Errorf("requestId = %q", got.RequestID)
	}
	if diff := cmp.Diff(want, got.describeImagesResult); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	prefix := xml.Header + `<DescribeImagesResponse xmlns="` + ec2Namespace + `"><requestId>` + testRequestID + `</requestId><imagesSet><item><imageId>ami-1</imageId>`
	if !strings.HasPrefix(w.Body.String(), prefix) {
		t.Errorf("body does not start with %q:\n%s", prefix, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestQueryShapes(t *testing.T) {
	t.Run("error", func(t *testing.T) {
		w := serve(t, newTestRouter(fakeAuth{scope: "fakequery", err: fault.New(fault.UnknownCredentials, "The security token included in the request is invalid.")}, nil),
			ec2Form("Action=Echo&Version=2020-01-01"))
		if w.Code != http.StatusForbidden {
			t.Errorf("HTTP %d", w.Code)
		}
		got, err := awsxml.GetErrorResponseComponents(bytes.NewReader(w.Body.Bytes()), false)
		if err != nil {
			t.Fatalf("the SDK's Query error decoder failed: %v\n%s", err, w.Body)
		}
		want := awsxml.ErrorComponents{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid.", RequestID: testRequestID}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		wantBody := `<ErrorResponse xmlns="` + queryNamespace + `"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>` +
			`<Message>The security token included in the request is invalid.</Message></Error><RequestId>` + testRequestID + `</RequestId></ErrorResponse>`
		if diff := cmp.Diff(wantBody, w.Body.String()); diff != "" {
			t.Errorf("body (-want +got):\n%s", diff)
		}
	})
	t.Run("success", func(t *testing.T) {
		w := serve(t, newTestRouter(okAuth, nil), ec2Form("Action=Echo&Version=2020-01-01&Names.member.2=b&Names.member.1=a"))
		want := `<EchoResponse xmlns="` + queryNamespace + `"><EchoResult><Account>123456789012</Account><Region>us-east-1</Region>` +
			`<Names><member>a</member><member>b</member></Names></EchoResult><ResponseMetadata><RequestId>` + testRequestID + `</RequestId></ResponseMetadata></EchoResponse>`
		if diff := cmp.Diff(want, w.Body.String()); diff != "" {
			t.Errorf("body (-want +got):\n%s", diff)
		}
	})
}

func TestJSONErrorShape(t *testing.T) {
	tests := []struct {
		name       string
		auth       awsapi.Authenticator
		req        request
		wantStatus int
		wantType   string
		wantMsg    string
	}{
		{"coded", okAuth, jsonCall("Fail", "{}"), http.StatusBadRequest, "NoEntitlementsAllowedException", `No entitlements "allowed" for <this> product`},
		{"bad signature", fakeAuth{err: fault.New(fault.BadSignature, "sig")}, jsonCall("Echo", "{}"), http.StatusForbidden, "InvalidSignatureException", "sig"},
		{"unknown key", fakeAuth{err: fault.New(fault.UnknownCredentials, "key")}, jsonCall("Echo", "{}"), http.StatusForbidden, "UnrecognizedClientException", "key"},
		{"unknown operation", okAuth, jsonCall("Nope", "{}"), http.StatusBadRequest, "UnknownOperationException", "operation Nope is not supported by this service"},
		{"unknown target prefix", okAuth, request{body: "{}", headers: map[string]string{"X-Amz-Target": "Other.Op"}}, http.StatusBadRequest, "UnknownOperationException", `no service answers X-Amz-Target "Other.Op"`},
		{"wrong type", okAuth, jsonCall("Echo", `{"Names":"a"}`), http.StatusBadRequest, "SerializationException", `value of field "Names" must be of type list, not string`},
		{"bad JSON", okAuth, jsonCall("Echo", `{"Names":`), http.StatusBadRequest, "SerializationException", "the request body is not valid JSON: unexpected end of JSON input"},
		{"unavailable", fakeAuth{err: fault.New(fault.Unavailable, "down")}, jsonCall("Echo", "{}"), http.StatusServiceUnavailable, "ServiceUnavailableException", "down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(t, newTestRouter(tt.auth, nil), tt.req)
			if w.Code != tt.wantStatus {
				t.Errorf("HTTP %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Header().Get("X-Amzn-ErrorType"); got != tt.wantType {
				t.Errorf("X-Amzn-ErrorType = %q, want %q", got, tt.wantType)
			}
			if got := w.Header().Get("Content-Type"); got != "application/x-amz-json-1.1" {
				t.Errorf("Content-Type = %q", got)
			}
			var fields map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &fields); err != nil {
				t.Fatalf("%v\n%s", err, w.Body)
			}
			if diff := cmp.Diff(map[string]string{"__type": tt.wantType, "message": tt.wantMsg}, fields); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			code, msg, err := restjson.GetErrorInfo(json.NewDecoder(bytes.NewReader(w.Body.Bytes())))
			if err != nil || code != tt.wantType || msg != tt.wantMsg {
				t.Errorf("the SDK reads (%q, %q, %v)", code, msg, err)
			}
		})
	}
}

func TestJSONSuccess(t *testing.T) {
	in := jsonInput{
		Name: "n", Count: 7, Ratio: 0.25, Enabled: true, Names: []string{"a"},
		Tags: []jsonTag{{"k", "v"}}, Nested: &jsonInput{Name: "inner"},
		Attributes: map[string]string{"x": "y"}, Limits: map[string][]int{"l": {1, 2}},
	}
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	w := serve(t, newTestRouter(okAuth, nil), jsonCall("Echo", string(body)))
	if w.Code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", w.Code, w.Body)
	}
	var got jsonInput
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := w.Header().Get("X-Amzn-Requestid"); got != testRequestID {
		t.Errorf("X-Amzn-RequestId = %q", got)
	}

	w = serve(t, newTestRouter(okAuth, nil), jsonCall("Empty", ""))
	if w.Code != http.StatusOK || w.Body.String() != "{}" {
		t.Errorf("empty result: HTTP %d %q", w.Code, w.Body)
	}
}

func TestServiceSelection(t *testing.T) {
	scope := func(service string) string {
		return "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20240101/us-east-1/" + service + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("0", 64)
	}
	signedBy := func(service, body string) request {
		return request{body: body, headers: map[string]string{"Authorization": scope(service), "X-Amz-Date": "20240101T000000Z"}}
	}
	tests := []struct {
		name string
		req  request
		want observation
	}{
		{"by Version", ec2Form("Action=DescribeImages&Version=2016-11-15"), observation{"ec2", "DescribeImages", ""}},
		{"by Action alone", ec2Form("Action=Echo"), observation{"fakequery", "Echo", ""}},
		{"by credential scope over Version", signedBy("fakequery", "Action=Echo&Version=2016-11-15"), observation{"fakequery", "Echo", ""}},
		{"credential scope names the wrong service", signedBy("ec2", "Action=Echo&Version=2020-01-01"), observation{"ec2", "unknown", "InvalidAction"}},
		{"unknown credential scope falls back to Version", signedBy("nothing", "Action=Echo&Version=2020-01-01"), observation{"fakequery", "Echo", ""}},
		{"action in the URL", request{method: http.MethodGet, query: "Action=Echo&Version=2020-01-01"}, observation{"fakequery", "Echo", ""}},
		{"no service has the action", ec2Form("Action=Nope"), observation{"unknown", "unknown", "InvalidAction"}},
		{"no action", ec2Form("Foo=bar"), observation{"unknown", "unknown", "MissingAction"}},
		{"unknown action of a known service", ec2Form("Action=Nope&Version=2020-01-01"), observation{"fakequery", "unknown", "InvalidAction"}},
		{"json", jsonCall("Echo", "{}"), observation{"fakejson", "Echo", ""}},
		{"json unknown prefix", request{body: "{}", headers: map[string]string{"X-Amz-Target": "X.Y"}}, observation{"unknown", "unknown", "UnknownOperationException"}},
		{"json empty operation", request{body: "{}", headers: map[string]string{"X-Amz-Target": jsonPrefix + "."}}, observation{"fakejson", "unknown", "MissingAction"}},
		{"json unknown operation", jsonCall("Nope", "{}"), observation{"fakejson", "unknown", "UnknownOperationException"}},
		{"a code no table or service names", jsonCall("Odd", "{}"), observation{"fakejson", "Odd", "unknown"}},
		{"a code the service names", jsonCall("Fail", "{}"), observation{"fakejson", "Fail", "NoEntitlementsAllowedException"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := &fakeObserver{}
			// The emulator reads the credential scope without checking the
			// signature, as the router needs it to choose the service.
			auth := awsapi.NewEmulator(newFakeKeys().Lookup, "123456789012")
			w := serve(t, newTestRouter(auth, obs), tt.req)
			if diff := cmp.Diff([]observation{tt.want}, obs.got); diff != "" {
				t.Errorf("observed (-want +got):\n%s\nresponse: HTTP %d %s", diff, w.Code, w.Body)
			}
			if w.Code >= 500 {
				t.Errorf("HTTP %d", w.Code)
			}
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	body := "Action=Echo&Version=2020-01-01&x=" + strings.Repeat("a", awsapi.MaxBodyBytes)
	w := serve(t, newTestRouter(okAuth, nil), ec2Form(body))
	if w.Code != http.StatusBadRequest {
		t.Errorf("HTTP %d, want 400: %s", w.Code, w.Body)
	}
	got, err := awsxml.GetErrorResponseComponents(bytes.NewReader(w.Body.Bytes()), false)
	if err != nil || got.Code != "ValidationError" {
		t.Errorf("got %+v, %v", got, err)
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		name string
		req  request
		want bool
	}{
		{"json target", request{headers: map[string]string{"X-Amz-Target": "A.B"}}, true},
		{"sigv4 header", request{method: http.MethodGet, headers: map[string]string{"Authorization": "AWS4-HMAC-SHA256 x"}}, true},
		{"form post", ec2Form("a=b"), true},
		{"action query", request{method: http.MethodGet, query: "Action=X"}, true},
		{"presigned", request{method: http.MethodGet, query: "X-Amz-Algorithm=AWS4-HMAC-SHA256"}, true},
		{"action in a query that does not parse", request{method: http.MethodGet, query: "Action=GetCaller;Identity&Version=2011-06-15"}, true},
		{"presigned parts in a query that does not parse", request{method: http.MethodGet, query: "X-Amz-Credential=a;b&X-Amz-Date=20261201T000000Z"}, true},
		{"plain get", request{method: http.MethodGet}, false},
		{"console link", request{method: http.MethodGet, query: "next=/console/products"}, false},
		{"basic auth", request{method: http.MethodGet, headers: map[string]string{"Authorization": "Basic eDp5"}}, false},
		{"json post without target", request{body: "{}", headers: map[string]string{"Content-Type": "application/json"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := awsapi.Matches(tt.req.build(t)); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRequestIDGenerated checks that a request without an ID in its
// context still gets one, in the header and the body.
func TestRequestIDGenerated(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("Action=Nope&Version=2016-11-15"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	newTestRouter(okAuth, nil).ServeHTTP(w, r)
	id := w.Header().Get("X-Amzn-Requestid")
	if len(id) != 36 || !strings.Contains(w.Body.String(), "<RequestID>"+id+"</RequestID>") {
		t.Errorf("request ID %q not in body:\n%s", id, w.Body)
	}
}

// TestAbandonedRequest: a request whose client closed the connection before
// the answer fails whatever waited on its context; that is the client's
// doing, answered as a client error and not counted as a server error.
func TestAbandonedRequest(t *testing.T) {
	svc := &awsapi.Service{Protocol: awsapi.JSON11, SigningName: "slow", TargetPrefix: "Slow",
		Operations: map[string]awsapi.Handler{"Wait": func(ctx context.Context, _ *awsapi.Call) (any, error) {
			<-ctx.Done()
			return nil, fault.Wrap(ctx.Err(), "database")
		}}}
	obs := &fakeObserver{}
	rt := awsapi.NewRouter(okAuth, discardLog(), obs, svc)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", strings.NewReader("{}"))
	r.Header.Set("X-Amz-Target", "Slow.Wait")
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest || w.Header().Get("X-Amzn-Errortype") != "ValidationException" {
		t.Errorf("HTTP %d %s, want 400 ValidationException", w.Code, w.Body)
	}
	if diff := cmp.Diff([]observation{{"slow", "Wait", "ValidationException"}}, obs.got); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
}

// Package apitest is a client of the native API for tests: it signs
// requests with aws-sdk-go-v2's SigV4 signer, as a real client does, and
// checks every response against the API's own OpenAPI document (its status,
// content type and body schema), so that the document is kept true to the
// code by every test that calls the API.
package apitest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Doc is an OpenAPI document, with the response schemas compiled on first
// use.
type Doc struct {
	Raw   map[string]any
	paths []docPath

	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
}

type docPath struct {
	template string
	re       *regexp.Regexp
}

const docURL = "mem:///openapi.json"

// ParseDoc reads an OpenAPI document.
func ParseDoc(b []byte) (*Doc, error) {
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not JSON: %w", err)
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the OpenAPI document is not an object")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020) // OpenAPI 3.1's dialect
	if err := c.AddResource(docURL, raw); err != nil {
		return nil, err
	}
	d := &Doc{Raw: obj, compiler: c, schemas: map[string]*jsonschema.Schema{}}
	paths, _ := obj["paths"].(map[string]any)
	for tmpl := range paths {
		d.paths = append(d.paths, docPath{template: tmpl, re: templateRegexp(tmpl)})
	}
	return d, nil
}

// templateRegexp matches the paths a template such as /v1/products/{id}
// stands for.
func templateRegexp(tmpl string) *regexp.Regexp {
	parts := strings.Split(tmpl, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			parts[i] = "[^/]+"
		} else {
			parts[i] = regexp.QuoteMeta(p)
		}
	}
	return regexp.MustCompile("^" + strings.Join(parts, "/") + "$")
}

// Template returns the document's path template that path matches, or "".
// A literal template wins over one with parameters.
func (d *Doc) Template(path string) string {
	best := ""
	for _, p := range d.paths {
		if p.re.MatchString(path) && (best == "" || strings.Count(p.template, "{") < strings.Count(best, "{")) {
			best = p.template
		}
	}
	return best
}

// Operation returns the document's operation for method and a path
// template, or nil.
func (d *Doc) Operation(method, template string) map[string]any {
	paths, _ := d.Raw["paths"].(map[string]any)
	item, _ := paths[template].(map[string]any)
	op, _ := item[strings.ToLower(method)].(map[string]any)
	return op
}

// CheckResponse checks a response to method path against the document: the
// operation exists, documents the status (or a default), the content type,
// and the body validates against that content's schema.
func (d *Doc) CheckResponse(method, path string, status int, contentType string, body []byte) error {
	tmpl := d.Template(path)
	if tmpl == "" {
		return fmt.Errorf("%s %s: no path of the OpenAPI document matches", method, path)
	}
	op := d.Operation(method, tmpl)
	if op == nil {
		return fmt.Errorf("%s %s: the OpenAPI document has no %s operation at %s", method, path, method, tmpl)
	}
	responses, _ := op["responses"].(map[string]any)
	code := strconv.Itoa(status)
	resp, ok := responses[code].(map[string]any)
	if !ok {
		if resp, ok = responses["default"].(map[string]any); !ok {
			return fmt.Errorf("%s %s: status %d is not documented for %s (documented: %v)", method, path, status, op["operationId"], keys(responses))
		}
		code = "default"
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(bytes.TrimSpace(body)) > 0 {
			return fmt.Errorf("%s %s: status %d documents no body, but one was sent: %.200s", method, path, status, body)
		}
		return nil
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("%s %s: unreadable Content-Type %q", method, path, contentType)
	}
	if _, ok := content[mediaType]; !ok {
		return fmt.Errorf("%s %s: Content-Type %s is not documented for status %d (documented: %v)", method, path, mediaType, status, keys(content))
	}
	if mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json") {
		return nil // a text body (the PEM certificate): its documented type is all there is to check
	}
	sch, err := d.schema("/paths/" + escapePointer(tmpl) + "/" + strings.ToLower(method) + "/responses/" + code +
		"/content/" + escapePointer(mediaType) + "/schema")
	if err != nil {
		return fmt.Errorf("%s %s: compiling the response schema: %w", method, path, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s: the body is not JSON: %w: %.200s", method, path, err, body)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%s %s: status %d: the body does not match the OpenAPI document: %v\nbody: %.2000s", method, path, status, err, body)
	}
	return nil
}

// Schema compiles the document's schema at a JSON pointer, such as
// /components/schemas/Product.
func (d *Doc) schema(pointer string) (*jsonschema.Schema, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.schemas[pointer]; ok {
		return s, nil
	}
	frag := strings.NewReplacer("{", "%7B", "}", "%7D").Replace(pointer)
	s, err := d.compiler.Compile(docURL + "#" + frag)
	if err != nil {
		return nil, err
	}
	d.schemas[pointer] = s
	return s, nil
}

func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Client calls the native API at BaseURL, signing with Key and Secret
// (unsigned when Key is empty), and checks every response against Doc.
type Client struct {
	T       testing.TB
	BaseURL string
	Key     string
	Secret  string
	Region  string // us-east-1 unless set
	// Now is the signing time; the wall clock unless set.
	Now func() time.Time
	// Doc checks every response; nil: fetched from the server on first use.
	Doc *Doc
	// Header is added to every request (a Cookie, a Content-Type).
	Header http.Header
	// Service is the service signed for; "tollgate" unless set.
	Service string
	HTTP    *http.Client
}

// Response is what a call answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// As returns a copy of c that signs with another key.
func (c *Client) As(key, secret string) *Client {
	cp := *c
	cp.Key, cp.Secret = key, secret
	return &cp
}

// Do sends method path with body (nil: none; []byte or string: as is;
// anything else: as JSON) and returns the response, failing the test if it
// does not match the document.
func (c *Client) Do(method, path string, body any) *Response {
	c.T.Helper()
	raw := encodeBody(c.T, body)
	req, err := http.NewRequest(method, c.BaseURL+path, bytes.NewReader(raw))
	if err != nil {
		c.T.Fatalf("%s %s: %v", method, path, err)
	}
	if raw == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	c.sign(req, raw)
	resp := c.send(req)
	c.check(method, req.URL.Path, resp)
	return resp
}

// Send sends a request the caller built (signing it if Key is set) and
// checks the response against the document.
func (c *Client) Send(req *http.Request, body []byte) *Response {
	c.T.Helper()
	c.sign(req, body)
	resp := c.send(req)
	c.check(req.Method, req.URL.Path, resp)
	return resp
}

// Raw signs and sends a request without checking the response against the
// document: for requests to paths that are no operation of it.
func (c *Client) Raw(req *http.Request, body []byte) *Response {
	c.T.Helper()
	c.sign(req, body)
	return c.send(req)
}

func (c *Client) send(req *http.Request) *Response {
	c.T.Helper()
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		c.T.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.T.Fatalf("%s %s: reading the response: %v", req.Method, req.URL.Path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func (c *Client) check(method, path string, resp *Response) {
	c.T.Helper()
	doc := c.document()
	if err := doc.CheckResponse(method, path, resp.Status, resp.Header.Get("Content-Type"), resp.Body); err != nil {
		c.T.Error(err)
	}
}

// document returns the client's document, fetching it once.
func (c *Client) document() *Doc {
	c.T.Helper()
	if c.Doc == nil {
		c.Doc = FetchDoc(c.T, c.BaseURL)
	}
	return c.Doc
}

// FetchDoc reads the OpenAPI document a server serves, unauthenticated.
func FetchDoc(t testing.TB, baseURL string) *Doc {
	t.Helper()
	resp, err := http.Get(baseURL + "/v1/openapi.json")
	if err != nil {
		t.Fatalf("GET /v1/openapi.json: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/openapi.json: status %d: %s", resp.StatusCode, b)
	}
	d, err := ParseDoc(b)
	if err != nil {
		t.Fatalf("GET /v1/openapi.json: %v", err)
	}
	return d
}

// sign signs req with the stock aws-sdk-go-v2 v4 signer for the service
// "tollgate", when the client has a key.
func (c *Client) sign(req *http.Request, body []byte) {
	c.T.Helper()
	if c.Key == "" {
		return
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	region, service := c.Region, c.Service
	if region == "" {
		region = "us-east-1"
	}
	if service == "" {
		service = "tollgate"
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: c.Key, SecretAccessKey: c.Secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, now()); err != nil {
		c.T.Fatalf("signing: %v", err)
	}
}

func encodeBody(t testing.TB, body any) []byte {
	t.Helper()
	switch b := body.(type) {
	case nil:
		return nil
	case []byte:
		return b
	case string:
		return []byte(b)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("encoding the request body: %v", err)
	}
	return raw
}

// JSON decodes the response body into v, failing the test if it cannot.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding the response (status %d): %v: %.500s", r.Status, err, r.Body)
	}
}

// Want fails the test unless the response has the status.
func (r *Response) Want(t testing.TB, status int) *Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want status %d, got %d: %.2000s", status, r.Status, r.Body)
	}
	return r
}

// Query builds a path with query parameters, encoded.
func Query(path string, params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

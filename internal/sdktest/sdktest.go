// Package sdktest is what tests need to drive Tollgate with aws-sdk-go-v2
// reliably: an HTTP client that does not trip over a race between the SDK
// and net/http's transport.
//
// The race, client-side and not Tollgate's: smithy-go wraps a request body
// in a "safe" reader whose WriteTo answers io.EOF once it is closed, and
// closes it as soon as the response's headers arrive. net/http's transport
// sends a body it does not know to be in memory straight to the socket,
// then checks for bytes beyond Content-Length with io.Copy, which calls
// that WriteTo. When the server has answered before the transport's writer
// goroutine makes that check (a loaded machine delays it), the check gets
// io.EOF, the transport takes it for a failed write and closes the
// connection, and the response body, being read at that moment, fails
// with "use of closed network connection". Handing the transport the body
// as bytes in memory avoids the path: nothing to close, no WriteTo.
package sdktest

import (
	"bytes"
	"io"
	"net/http"
)

// maxBuffered bounds the request bodies read into memory; larger ones go
// as the SDK gave them.
const maxBuffered = 16 << 20

// HTTPClient returns an HTTP client for aws-sdk-go-v2 clients in tests
// (Options.HTTPClient), whose transport gets each request body as bytes in
// memory.
func HTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &http.Client{Transport: inMemoryBodies{next: tr}}
}

// inMemoryBodies reads request bodies of known size into memory before
// the transport sees them.
type inMemoryBodies struct{ next http.RoundTripper }

func (t inMemoryBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength <= 0 || r.ContentLength > maxBuffered {
		return t.next.RoundTrip(r)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, r.ContentLength))
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	c := r.Clone(r.Context())
	c.Body = io.NopCloser(bytes.NewReader(b))
	c.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	c.ContentLength = int64(len(b))
	return t.next.RoundTrip(c)
}

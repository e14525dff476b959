package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// rawRequest builds a request byte for byte, so that it can carry what no
// HTTP client library would send. Host is added unless a header sets it or
// noHost; Content-Length is added for a body unless a header frames it.
type rawRequest struct {
	method, target string
	headers        []string // "Name: value" lines, sent as given
	body           []byte
	noHost         bool
	proto          string // "HTTP/1.1" unless set
	// sendBody, when non-negative, sends only that many bytes of the body
	// (the headers still declare all of it), then closes the write side.
	sendBody int
}

func newRaw(method, target string, body []byte, headers ...string) rawRequest {
	return rawRequest{method: method, target: target, headers: headers, body: body, sendBody: -1}
}

// bytes renders the request for host.
func (r rawRequest) bytes(host string) []byte {
	var b bytes.Buffer
	proto := r.proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	fmt.Fprintf(&b, "%s %s %s\r\n", r.method, r.target, proto)
	framed, hasHost := false, r.noHost
	for _, h := range r.headers {
		name, _, _ := bytes.Cut([]byte(h), []byte(":"))
		switch string(bytes.ToLower(name)) {
		case "content-length", "transfer-encoding":
			framed = true
		case "host":
			hasHost = true
		}
	}
	if !hasHost {
		fmt.Fprintf(&b, "Host: %s\r\n", host)
	}
	for _, h := range r.headers {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	if !framed && (r.body != nil || r.method == http.MethodPost) {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.body))
	}
	b.WriteString("\r\n")
	body := r.body
	if r.sendBody >= 0 && r.sendBody < len(body) {
		body = body[:r.sendBody]
	}
	b.Write(body)
	return b.Bytes()
}

// answer is one HTTP response, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
	close  bool // the server said it closes the connection
	head   bool // the answer to a HEAD request, without a body
}

// exchange sends raw on a new connection and reads one whole answer. With
// halfClose the write side is closed after sending, so that a server
// waiting for more of the request sees its end. Writing goes on beside
// reading: a server may answer before it has read a body it refuses, and
// the answer must still arrive whole.
func (s *suite) exchange(raw []byte, halfClose bool, method string) (*answer, error) {
	c, err := net.DialTimeout("tcp", s.addr, s.cfg.timeout)
	if err != nil {
		return nil, fmt.Errorf("connecting: %w", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(s.cfg.timeout))
	go func() {
		if _, err := c.Write(raw); err == nil && halfClose {
			if tc, ok := c.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
		}
	}()
	return readAnswer(bufio.NewReader(c), method)
}

// readAnswer reads one response and its whole body, past any interim
// 1xx responses (100 Continue to a request that asked for it).
func readAnswer(br *bufio.Reader, method string) (*answer, error) {
	var resp *http.Response
	for {
		var err error
		resp, err = http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return nil, fmt.Errorf("no answer: %w", err)
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("answer %d cut short after %d bytes: %w", resp.StatusCode, len(body), err)
	}
	if cl := resp.Header.Get("Content-Length"); cl != "" && method != http.MethodHead {
		if n, err := strconv.Atoi(cl); err != nil || n != len(body) {
			return nil, fmt.Errorf("answer %d: Content-Length %s for %d bytes", resp.StatusCode, cl, len(body))
		}
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: body, close: resp.Close, head: method == http.MethodHead}, nil
}

package awsapi_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStreamedResult: a Streamer's answer that fits the buffer is sent
// with its length, one that does not is sent as it is written, whole; an
// error before the first bytes went is an EC2 error, one after cuts the
// connection.
func TestStreamedResult(t *testing.T) {
	rt := newTestRouter(okAuth, nil)
	srv := httptest.NewServer(rt)
	defer srv.Close()
	post := func(t *testing.T, body string) (*http.Response, []byte, error) {
		t.Helper()
		resp, err := http.Post(srv.URL, "application/x-www-form-urlencoded; charset=utf-8", strings.NewReader(body))
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	items := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "<item>%08d</item>", i)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name    string
		items   int
		chunked bool
	}{{"Small", 10, false}, {"Large", 40000, true}} { // 40,000 items are 760 KB
		t.Run(tc.name, func(t *testing.T) {
			resp, body, err := post(t, fmt.Sprintf("Action=Stream&Version=2016-11-15&Items=%d", tc.items))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/xml" {
				t.Fatalf("HTTP %d, Content-Type %q: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if chunked := resp.ContentLength < 0; chunked != tc.chunked {
				t.Errorf("Content-Length %d; want chunked %v", resp.ContentLength, tc.chunked)
			}
			if !bytes.HasSuffix(body, []byte(items(tc.items)[len(items(tc.items))-40:]+"</itemSet></StreamResponse>")) ||
				!bytes.Contains(body, []byte("<requestId>")) || bytes.Count(body, []byte("<item>")) != tc.items {
				t.Errorf("body of %d bytes, %d items: %.200s ... %s", len(body), bytes.Count(body, []byte("<item>")), body, body[max(0, len(body)-100):])
			}
		})
	}
	t.Run("ErrorBeforeSending", func(t *testing.T) {
		resp, body, err := post(t, "Action=Stream&Version=2016-11-15&Items=100&FailAt=50")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusServiceUnavailable || !bytes.Contains(body, []byte("<Response><Errors><Error><Code>")) ||
			bytes.Contains(body, []byte("<item>")) {
			t.Errorf("HTTP %d: %s", resp.StatusCode, body)
		}
	})
	t.Run("ErrorAfterSending", func(t *testing.T) {
		_, body, err := post(t, "Action=Stream&Version=2016-11-15&Items=40000&FailAt=30000")
		if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("err = %v after %d bytes; want the connection cut mid-body", err, len(body))
		}
	})
}

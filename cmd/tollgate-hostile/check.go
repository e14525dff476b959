package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// format is the kind of answer a request calls for.
type format int

const (
	anyFormat format = iota // any of the below, each checked for what it is
	awsJSON                 // AWS JSON 1.1: application/x-amz-json-1.1
	awsXML                  // AWS Query (STS, EC2): text/xml
	ownJSON                 // the server's own endpoints: application/json
	httpLevel               // net/http's refusal of a message that is not HTTP: text/plain
	metrics                 // Prometheus text
)

func (f format) String() string {
	return [...]string{"any", "AWS JSON 1.1", "AWS XML", "JSON", "HTTP-level text", "Prometheus text"}[f]
}

// formatOf classifies an answer by its Content-Type.
func formatOf(a *answer) format {
	ct := a.header.Get("Content-Type")
	switch {
	case ct == "application/x-amz-json-1.1":
		return awsJSON
	case ct == "text/xml":
		return awsXML
	case ct == "application/json":
		return ownJSON
	case strings.HasPrefix(ct, "text/plain; version="):
		return metrics
	case ct == "text/plain; charset=utf-8":
		return httpLevel
	case ct == "" && a.status == http.StatusExpectationFailed:
		// net/http's answer to an Expect header other than
		// 100-continue: no body, and the connection closed.
		return httpLevel
	}
	return anyFormat
}

// expectation is what a request's answer must be.
type expectation struct {
	format format
	status int // exactly this status, when non-zero
	// protocol5xx is a 5xx the HTTP protocol itself calls for (505 for an
	// unknown HTTP version, 501 for an unknown transfer coding), answered
	// by net/http before any handler runs; 0: no 5xx allowed;
	// anyProtocol5xx: either of them.
	protocol5xx int
}

const anyProtocol5xx = -1

// check records a, the answer to the request called name, and fails the
// run unless it meets want.
func (s *suite) check(name string, a *answer, err error, want expectation) {
	if err != nil {
		s.failf("%s: %v", name, err)
		return
	}
	s.counted(a.status)
	if err := verify(a, want); err != nil {
		s.failf("%s: %v (HTTP %d, %s: %.300q)", name, err, a.status, a.header.Get("Content-Type"), a.body)
	}
}

// verify checks an answer against an expectation.
func verify(a *answer, want expectation) error {
	if a.status >= 500 && !protocolError(a, want.protocol5xx) {
		return errors.New("a server error")
	}
	if want.status != 0 && a.status != want.status {
		return fmt.Errorf("status %d, want %d", a.status, want.status)
	}
	got := formatOf(a)
	if want.format != anyFormat && got != want.format {
		return fmt.Errorf("answered in %s, want %s", got, want.format)
	}
	if a.head {
		return nil // no body to check
	}
	switch got {
	case awsJSON:
		return checkAWSJSON(a)
	case awsXML:
		return checkAWSXML(a)
	case ownJSON:
		if !json.Valid(a.body) {
			return errors.New("body is not JSON")
		}
	case httpLevel:
		// net/http's own refusal ("400 Bad Request: why"), closing the
		// connection after it.
		bodiless := a.status == http.StatusExpectationFailed
		if a.status < 400 || (len(a.body) == 0) != bodiless || !a.close {
			return errors.New("a text/plain answer that is not net/http's refusal of a malformed message")
		}
	case metrics:
		if a.status != http.StatusOK {
			return errors.New("metrics with an error status")
		}
	default:
		return errors.New("an answer in no format the server speaks")
	}
	return nil
}

func checkAWSJSON(a *answer) error {
	if a.header.Get("X-Amzn-Requestid") == "" {
		return errors.New("no X-Amzn-RequestId")
	}
	var fields map[string]any
	if err := json.Unmarshal(a.body, &fields); err != nil {
		return fmt.Errorf("body is not a JSON object: %v", err)
	}
	if a.status < 400 {
		return nil
	}
	typ, _ := fields["__type"].(string)
	msg, _ := fields["message"].(string)
	if typ == "" || msg == "" {
		return errors.New("a JSON error without __type and message")
	}
	if a.header.Get("X-Amzn-Errortype") != typ {
		return fmt.Errorf("X-Amzn-ErrorType %q, __type %q", a.header.Get("X-Amzn-Errortype"), typ)
	}
	return nil
}

func checkAWSXML(a *answer) error {
	if a.header.Get("X-Amzn-Requestid") == "" {
		return errors.New("no X-Amzn-RequestId")
	}
	d := xml.NewDecoder(bytes.NewReader(a.body))
	depth, roots := 0, 0
	var path []string
	code := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("body is not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
			path = append(path, t.Name.Local)
		case xml.EndElement:
			depth--
			path = path[:len(path)-1]
		case xml.CharData:
			if len(path) > 0 && path[len(path)-1] == "Code" {
				code += string(t)
			}
		}
	}
	if roots != 1 || depth != 0 {
		return fmt.Errorf("%d root elements", roots)
	}
	if a.status >= 400 && code == "" {
		return errors.New("an XML error without a Code")
	}
	return nil
}

// protocolError reports whether a is a 5xx the HTTP protocol calls for and
// the expectation allows.
func protocolError(a *answer, allowed int) bool {
	if allowed == anyProtocol5xx {
		return formatOf(a) == httpLevel && (a.status == http.StatusNotImplemented || a.status == http.StatusHTTPVersionNotSupported)
	}
	return a.status == allowed
}

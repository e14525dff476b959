package awsapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"sync"
)

// Streamer is an EC2 result that may be too large to hold in memory, such
// as DescribeImages without MaxResults, which answers every image the
// filters select at once: it writes its elements (those inside the
// response envelope, after requestId) to w as it reads them.
//
// The answer is buffered up to streamBuffer bytes: one that fits is sent
// with a Content-Length like any other, and an error before then is
// answered as an error in EC2's format. A larger answer is sent chunked as
// it is written, in memory bounded by the buffer; an error after its first
// bytes have gone cuts the connection, so that no client takes the part
// for the whole.
type Streamer interface {
	WriteXML(ctx context.Context, w io.Writer) error
}

// streamBuffer is how much of a streamed answer is held before it is sent.
const streamBuffer = 256 << 10

// streamBuffers recycle the buffers answers are held in until sent.
var streamBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// streamWriter holds the answer until it outgrows streamBuffer, then
// sends the headers and what it holds and writes the rest through.
type streamWriter struct {
	w         http.ResponseWriter
	requestID string
	buf       *bytes.Buffer // until committed
	out       *bufio.Writer // once committed
}

func (s *streamWriter) Write(p []byte) (int, error) {
	if s.out != nil {
		return s.out.Write(p)
	}
	s.buf.Write(p)
	if s.buf.Len() <= streamBuffer {
		return len(p), nil
	}
	h := s.w.Header()
	h.Set("Content-Type", xmlContentType)
	h.Set("X-Amzn-Requestid", s.requestID)
	s.w.WriteHeader(http.StatusOK)
	s.out = bufio.NewWriterSize(s.w, 32<<10)
	_, err := s.out.Write(s.buf.Bytes())
	s.buf.Reset()
	streamBuffers.Put(s.buf)
	s.buf = nil
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// stream writes an EC2 result that streams itself. It returns the error
// that kept the answer from being written, if its first bytes have not
// gone yet; one after that aborts the response (http.ErrAbortHandler).
func (rt *Router) stream(ctx context.Context, w http.ResponseWriter, namespace string, call *Call, s Streamer) error {
	sw := &streamWriter{w: w, requestID: call.RequestID, buf: streamBuffers.Get().(*bytes.Buffer)}
	defer func() {
		if sw.buf != nil && sw.buf.Cap() <= 2*streamBuffer {
			sw.buf.Reset()
			streamBuffers.Put(sw.buf)
		}
	}()
	sw.buf.WriteString(xml.Header)
	sw.buf.WriteString(`<` + call.Operation + `Response xmlns="` + namespace + `"><requestId>` + call.RequestID + `</requestId>`)
	err := s.WriteXML(ctx, sw)
	if err == nil {
		_, err = io.WriteString(sw, `</`+call.Operation+`Response>`)
	}
	if sw.out == nil {
		if err != nil {
			return err
		}
		writeBody(w, http.StatusOK, xmlContentType, call.RequestID, sw.buf.Bytes())
		return nil
	}
	if err == nil {
		err = sw.out.Flush()
	}
	if err != nil {
		rt.log.Error("streaming a response failed after its first bytes; the connection is cut", "operation", call.Operation,
			"request_id", call.RequestID, "error", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

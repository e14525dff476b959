package awsapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"sync"
)

const (
	jsonContentType = "application/x-amz-json-1.1"
	xmlContentType  = "text/xml"
)

// encodeResult writes a successful response in the service's protocol.
func encodeResult(w http.ResponseWriter, protocol Protocol, namespace string, call *Call, result any) error {
	var body []byte
	var err error
	contentType := xmlContentType
	switch protocol {
	case JSON11:
		contentType = jsonContentType
		if result == nil {
			body = []byte("{}")
		} else {
			body, err = json.Marshal(result)
		}
	case AWSQuery:
		body, err = queryEnvelope(namespace, call, result)
	case EC2Query:
		body, err = ec2Envelope(namespace, call, result)
	}
	if err != nil {
		return err
	}
	writeBody(w, http.StatusOK, contentType, call.RequestID, body)
	return nil
}

func writeBody(w http.ResponseWriter, status int, contentType, requestID string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// queryEnvelope wraps a result the awsQuery way:
// <OpResponse xmlns><OpResult>...</OpResult><ResponseMetadata><RequestId/>.
func queryEnvelope(namespace string, call *Call, result any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`<` + call.Operation + `Response xmlns="` + namespace + `">`)
	if result != nil {
		if err := encodeXML(&b, result, call.Operation+"Result"); err != nil {
			return nil, err
		}
	}
	b.WriteString(`<ResponseMetadata><RequestId>` + call.RequestID + `</RequestId></ResponseMetadata>`)
	b.WriteString(`</` + call.Operation + `Response>`)
	return b.Bytes(), nil
}

// ec2Envelope wraps a result the EC2 way: the result's fields sit directly
// in <OpResponse xmlns>, after <requestId>.
func ec2Envelope(namespace string, call *Call, result any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<` + call.Operation + `Response xmlns="` + namespace + `"><requestId>` + call.RequestID + `</requestId>`)
	if result != nil {
		// Encode inside a throwaway <x> element and keep only its content.
		var inner bytes.Buffer
		if err := encodeXML(&inner, result, "x"); err != nil {
			return nil, err
		}
		content := bytes.TrimSuffix(bytes.TrimPrefix(inner.Bytes(), []byte("<x>")), []byte("</x>"))
		b.Write(content)
	}
	b.WriteString(`</` + call.Operation + `Response>`)
	return b.Bytes(), nil
}

// xmlWriters recycles the 4 KiB buffer that every xml.Encoder would
// otherwise allocate (xml.NewEncoder adopts a *bufio.Writer it is given).
var xmlWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}

// encodeXML writes v to b as the element name, as
// xml.NewEncoder(b).EncodeElement does.
func encodeXML(b *bytes.Buffer, v any, name string) error {
	bw := xmlWriters.Get().(*bufio.Writer)
	bw.Reset(b)
	err := xml.NewEncoder(bw).EncodeElement(v, xml.StartElement{Name: xml.Name{Local: name}})
	bw.Reset(nil) // drop unflushed output of a failed encoding, and the reference to b
	xmlWriters.Put(bw)
	return err
}

// encodeError writes err in the protocol's error format.
func (rt *Router) encodeError(w http.ResponseWriter, protocol Protocol, namespace string, call *Call, err error) (string, int, string) {
	switch protocol {
	case JSON11:
		code, status, message := wireFor(jsonErrors, err)
		body, _ := json.Marshal(struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}{code, message})
		w.Header().Set("X-Amzn-Errortype", code)
		writeBody(w, status, jsonContentType, call.RequestID, body)
		return code, status, message
	case EC2Query:
		code, status, message := wireFor(ec2Errors, err)
		var b bytes.Buffer
		b.WriteString(xml.Header + `<Response><Errors><Error><Code>`)
		xml.EscapeText(&b, []byte(code))
		b.WriteString(`</Code><Message>`)
		xml.EscapeText(&b, []byte(message))
		b.WriteString(`</Message></Error></Errors><RequestID>` + call.RequestID + `</RequestID></Response>`)
		writeBody(w, status, xmlContentType, call.RequestID, b.Bytes())
		return code, status, message
	default:
		code, status, message := wireFor(queryErrors, err)
		errType := "Sender"
		if status >= 500 {
			errType = "Receiver"
		}
		if namespace == "" {
			namespace = "https://sts.amazonaws.com/doc/2011-06-15/"
		}
		var b bytes.Buffer
		b.WriteString(`<ErrorResponse xmlns="` + namespace + `"><Error><Type>` + errType + `</Type><Code>`)
		xml.EscapeText(&b, []byte(code))
		b.WriteString(`</Code><Message>`)
		xml.EscapeText(&b, []byte(message))
		b.WriteString(`</Message></Error><RequestId>` + call.RequestID + `</RequestId></ErrorResponse>`)
		writeBody(w, status, xmlContentType, call.RequestID, b.Bytes())
		return code, status, message
	}
}

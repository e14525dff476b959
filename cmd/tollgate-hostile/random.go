package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tollgate/tollgate/internal/demo"
)

// template is a well-formed request the random phase mutates.
type template struct {
	name string
	raw  []byte
}

// templates are one request of each kind a client sends: signed and
// unsigned, Query and JSON, in the body and presigned in the URL.
func (s *suite) templates(ctx context.Context) ([]template, error) {
	buyer := demo.Parties().Buyer
	sts, err := s.signedRaw(ctx, buyer, "sts", http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}, []byte(stsForm))
	if err != nil {
		return nil, err
	}
	lm, err := s.signedRaw(ctx, buyer, "license-manager", http.Header{
		"X-Amz-Target": {"AWSLicenseManager.ListReceivedLicenses"}, "Content-Type": {"application/x-amz-json-1.1"}},
		[]byte(`{"MaxResults":10,"Filters":[{"Name":"ProductSKU","Values":["a","b"]}]}`))
	if err != nil {
		return nil, err
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.endpoint.String()+"/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=300", nil)
	if err != nil {
		return nil, err
	}
	presigned, _, err := v4.NewSigner().PresignHTTP(ctx, aws.Credentials{AccessKeyID: buyer.Key.ID, SecretAccessKey: buyer.Key.Secret},
		r, emptySHA256, "sts", region, time.Now())
	if err != nil {
		return nil, err
	}
	target := strings.TrimPrefix(presigned, s.cfg.endpoint.String())
	return []template{
		{"signed GetCallerIdentity", sts},
		{"signed ListReceivedLicenses", lm},
		{"presigned GetCallerIdentity", newRaw("GET", target, nil).bytes(s.addr)},
		{"unsigned GetCallerIdentity", newRaw("POST", "/", []byte(stsForm), formType).bytes(s.addr)},
		{"unsigned ListLicenses", newRaw("POST", "/", []byte(`{"MaxResults":5}`), lmTarget+"ListLicenses", jsonType).bytes(s.addr)},
		{"GET /healthz", newRaw("GET", "/healthz", nil).bytes(s.addr)},
	}, nil
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// splices are what the mutations insert: bytes that break encodings,
// framing and numbers.
var splices = []string{
	"\x00", "\xff", "\xfe\xff", "\xc3\x28", "\xe2\x82", "\xed\xa0\x80", "\r\n", "\r\n\r\n", "\n", ":", " ", "\t",
	"%", "%FF", "%00", "%zz", "&", "=", ";", "{", "}", "[", "]", "\"", "\\", "\\u0000", "\\ud800",
	"9223372036854775808", "-1", "1e400", "0x", "Content-Length: 99999999\r\n", "Transfer-Encoding: chunked\r\n",
	"Expect: 100-continue\r\n", "X-Amz-Target: \xff.\xff\r\n", "Action=%FF&",
}

// mutate applies one to three random changes to b.
func mutate(rng *rand.Rand, b []byte) ([]byte, string) {
	out := bytes.Clone(b)
	var what []string
	for range 1 + rng.IntN(3) {
		if len(out) == 0 {
			break
		}
		at := rng.IntN(len(out) + 1)
		switch rng.IntN(5) {
		case 0, 1:
			sp := splices[rng.IntN(len(splices))]
			out = append(out[:at:at], append([]byte(sp), out[at:]...)...)
			what = append(what, fmt.Sprintf("insert %q at %d", sp, at))
		case 2:
			end := min(len(out), at+1+rng.IntN(16))
			out = append(out[:at:at], out[end:]...)
			what = append(what, fmt.Sprintf("delete %d:%d", at, end))
		case 3:
			if at == len(out) {
				at--
			}
			c := byte(rng.IntN(256))
			out[at] = c
			what = append(what, fmt.Sprintf("set %d to %#x", at, c))
		default:
			out = out[:at]
			what = append(what, fmt.Sprintf("cut at %d", at))
		}
	}
	return out, strings.Join(what, ", ")
}

// complete reports whether b holds at least a request line and headers,
// well-formed or not, as Go's HTTP server reads them: a server may close a
// connection without answering only a request that was never sent whole.
func complete(b []byte) bool {
	_, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b)))
	return !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)
}

// mutated sends randomly mutated copies of the templates.
func (s *suite) mutated(ctx context.Context) error {
	tmpls, err := s.templates(ctx)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(s.cfg.seed), 0x746f6c6c67617465))
	type job struct {
		name string
		raw  []byte
	}
	jobs := make([]job, s.cfg.random)
	for i := range jobs {
		t := tmpls[rng.IntN(len(tmpls))]
		raw, what := mutate(rng, t.raw)
		jobs[i] = job{fmt.Sprintf("random #%d (%s: %s)", i, t.name, what), raw}
	}
	var wg sync.WaitGroup
	work := make(chan job)
	for range 8 {
		wg.Go(func() {
			for j := range work {
				a, err := s.exchange(j.raw, true, methodOf(j.raw))
				if err != nil && !complete(j.raw) {
					continue // never sent whole: closing without an answer is right
				}
				s.check(j.name, a, err, expectation{format: anyFormat, protocol5xx: anyProtocol5xx})
			}
		})
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		work <- j
	}
	close(work)
	wg.Wait()
	return nil
}

func methodOf(raw []byte) string {
	m, _, _ := bytes.Cut(raw, []byte(" "))
	return string(m)
}

package awsapi_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/awsapi"
)

// feeder is a request body the test hands out a piece at a time.
type feeder struct {
	pr *io.PipeReader
	pw *io.PipeWriter
}

func newFeeder() *feeder {
	pr, pw := io.Pipe()
	return &feeder{pr, pw}
}

func (f *feeder) feed(t *testing.T, b []byte) {
	t.Helper()
	if _, err := f.pw.Write(b); err != nil {
		t.Fatal(err)
	}
}

// serveAsync serves r in the background; the channel yields the response.
func serveAsync(rt http.Handler, r *http.Request) <-chan *httptest.ResponseRecorder {
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		done <- w
	}()
	return done
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func formRequest(body io.Reader, length int64) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://localhost/", body)
	r.ContentLength = length
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// TestBodyBudget: the bodies held by requests not yet authenticated never
// exceed the budget; a request that finds it full waits, then is told to
// slow down in its protocol's format; the budget empties once they are done.
func TestBodyBudget(t *testing.T) {
	rt := awsapi.NewRouter(awsapi.NewEmulator(newFakeKeys().Lookup, "000000000000"), discardLog(), nil,
		ec2Service(), queryService(), jsonService()).LimitBodies(awsapi.MaxBodyBytes, 50*time.Millisecond)
	budget := rt.Budget()

	// A declares the largest body and sends a little over half of it.
	prefix := "Action=Echo&Version=2020-01-01&x="
	body := []byte(prefix + strings.Repeat("a", awsapi.MaxBodyBytes-len(prefix)))
	big := newFeeder()
	done := serveAsync(rt, formRequest(big.pr, int64(len(body))))
	big.feed(t, body[:5<<20])
	waitFor(t, "the large body to take the whole budget", func() bool { return budget.InUse() == awsapi.MaxBodyBytes })

	// B, small, finds no room: throttled, after waiting, in Query format.
	w := serve(t, rt, ec2Form("Action=Echo&Version=2020-01-01"))
	if code := errorCode(t, w); code != "Throttling" || w.Code != http.StatusBadRequest {
		t.Errorf("a request over the budget: HTTP %d %s, want 400 Throttling", w.Code, w.Body)
	}
	w = serve(t, rt, jsonCall("Echo", `{"Name":"x"}`))
	if code := errorCode(t, w); code != "ThrottlingException" || w.Code != http.StatusBadRequest {
		t.Errorf("a JSON request over the budget: HTTP %d %s, want 400 ThrottlingException", w.Code, w.Body)
	}

	// A finishes; its bytes come back; B goes through.
	big.feed(t, body[5<<20:])
	if w := <-done; w.Code != http.StatusOK {
		t.Fatalf("the large request: HTTP %d %s", w.Code, w.Body)
	}
	if n := budget.InUse(); n != 0 {
		t.Errorf("%d bytes still taken after every request finished", n)
	}
	if w := serve(t, rt, ec2Form("Action=Echo&Version=2020-01-01")); w.Code != http.StatusOK {
		t.Errorf("after the budget emptied: HTTP %d %s", w.Code, w.Body)
	}
}

// TestBodyBudgetWaits: a request that finds the budget full gets in when
// room frees up within its wait.
func TestBodyBudgetWaits(t *testing.T) {
	rt := awsapi.NewRouter(awsapi.NewEmulator(newFakeKeys().Lookup, "000000000000"), discardLog(), nil,
		queryService()).LimitBodies(awsapi.MaxBodyBytes, 10*time.Second)
	prefix := "Action=Echo&Version=2020-01-01&x="
	body := []byte(prefix + strings.Repeat("a", awsapi.MaxBodyBytes-len(prefix)))
	big := newFeeder()
	bigDone := serveAsync(rt, formRequest(big.pr, int64(len(body))))
	big.feed(t, body[:5<<20])
	waitFor(t, "the large body to take the whole budget", func() bool { return rt.Budget().InUse() == awsapi.MaxBodyBytes })
	smallDone := serveAsync(rt, ec2Form("Action=Echo&Version=2020-01-01").build(t))
	big.feed(t, body[5<<20:])
	for name, done := range map[string]<-chan *httptest.ResponseRecorder{"large": bigDone, "small": smallDone} {
		if w := <-done; w.Code != http.StatusOK {
			t.Errorf("%s request: HTTP %d %s", name, w.Code, w.Body)
		}
	}
}

// TestLargeBodiesLeaveRoomForSmall: large bodies held by slow senders fill
// at most three quarters of the budget; a further large body is told to
// slow down, while small requests still get through; a body cut short is a
// client error and gives its bytes back.
func TestLargeBodiesLeaveRoomForSmall(t *testing.T) {
	rt := awsapi.NewRouter(awsapi.NewEmulator(newFakeKeys().Lookup, "000000000000"), discardLog(), nil, queryService()).
		LimitBodies(awsapi.DefaultBodyBudget, 50*time.Millisecond)
	var slow []*feeder
	var done []<-chan *httptest.ResponseRecorder
	for range 3 {
		f := newFeeder()
		slow = append(slow, f)
		done = append(done, serveAsync(rt, formRequest(f.pr, awsapi.MaxBodyBytes)))
		f.feed(t, []byte("Action=Echo&"))
	}
	waitFor(t, "three large bodies to be charged", func() bool { return rt.Budget().InUse() == 3*awsapi.MaxBodyBytes })
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, formRequest(bytes.NewReader(make([]byte, 1<<20)), 1<<20))
	if code := errorCode(t, w); code != "Throttling" {
		t.Errorf("a fourth large body: HTTP %d %s, want Throttling", w.Code, w.Body)
	}
	for i := range 100 {
		if w := serve(t, rt, ec2Form("Action=Echo&Version=2020-01-01")); w.Code != http.StatusOK {
			t.Fatalf("small request %d beside the large ones: HTTP %d %s", i, w.Code, w.Body)
		}
	}
	for i, f := range slow {
		f.pw.CloseWithError(errors.New("client went away"))
		if w := <-done[i]; errorCode(t, w) != "ValidationError" {
			t.Errorf("a body cut short: HTTP %d %s", w.Code, w.Body)
		}
	}
	if n := rt.Budget().InUse(); n != 0 {
		t.Errorf("%d bytes still taken", n)
	}
}

// TestLargeBodiesDoNotDeadlock: many large bodies at once each take all
// they need or wait, so they finish one group after another instead of each
// holding part of the budget while waiting for the rest.
func TestLargeBodiesDoNotDeadlock(t *testing.T) {
	rt := awsapi.NewRouter(awsapi.NewEmulator(newFakeKeys().Lookup, "000000000000"), discardLog(), nil, queryService()).
		LimitBodies(awsapi.DefaultBodyBudget, 10*time.Second)
	prefix := "Action=Echo&Version=2020-01-01&x="
	body := []byte(prefix + strings.Repeat("a", 2<<20))
	var feeders []*feeder
	var done []<-chan *httptest.ResponseRecorder
	for range 32 {
		f := newFeeder()
		feeders = append(feeders, f)
		done = append(done, serveAsync(rt, formRequest(f.pr, int64(len(body)))))
	}
	for _, f := range feeders { // every sender sends its first half, then the rest
		go func() {
			f.pw.Write(body[:len(body)/2])
			f.pw.Write(body[len(body)/2:])
		}()
	}
	for i, d := range done {
		if w := <-d; w.Code != http.StatusOK {
			t.Errorf("body %d: HTTP %d %s", i, w.Code, w.Body)
		}
	}
}

// TestChunkedBodyTooLarge: a body of unknown length is cut off one byte past
// the limit, and its bytes come back; one within the limit keeps only what
// it used until it is answered.
func TestChunkedBodyTooLarge(t *testing.T) {
	rt := awsapi.NewRouter(awsapi.NewEmulator(newFakeKeys().Lookup, "000000000000"), discardLog(), nil, queryService())
	body := io.MultiReader(strings.NewReader("Action=Echo&Version=2020-01-01&x="), &tripwire{}, strings.NewReader("more"))
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, formRequest(body, -1))
	if code := errorCode(t, w); code != "ValidationError" || !strings.Contains(w.Body.String(), "exceeds") {
		t.Errorf("HTTP %d %s", w.Code, w.Body)
	}
	if n := rt.Budget().InUse(); n != 0 {
		t.Errorf("%d bytes still taken", n)
	}
	// Just at the limit is fine.
	prefix := "Action=Echo&Version=2020-01-01&x="
	w = httptest.NewRecorder()
	rt.ServeHTTP(w, formRequest(strings.NewReader(prefix+strings.Repeat("a", awsapi.MaxBodyBytes-len(prefix))), -1))
	if w.Code != http.StatusOK {
		t.Errorf("a chunked body of exactly the limit: HTTP %d %s", w.Code, w.Body)
	}
}

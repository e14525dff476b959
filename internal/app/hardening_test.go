package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/app"
)

// seriesOf counts the series of each metric family whose name starts with
// tollgate_aws_requests or tollgate_aws_request_duration.
func seriesOf(t *testing.T, a *app.App) int {
	t.Helper()
	families, err := a.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), "tollgate_aws_request") {
			n += len(f.GetMetric())
		}
	}
	return n
}

// TestMetricSeriesBounded: metric labels come from closed sets, so requests
// naming 10,000 different operations and services that do not exist add no
// series.
func TestMetricSeriesBounded(t *testing.T) {
	for _, mode := range []string{app.AuthStrict, app.AuthEmulator} {
		t.Run(mode, func(t *testing.T) {
			ts := startServer(t, app.Config{Auth: mode}, 0)
			send := func(i int) {
				var r *http.Request
				switch i % 4 {
				case 0:
					r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(fmt.Sprintf("Action=X%08d", i)))
					r.Header.Set("Content-Type", formEncoding)
				case 1:
					r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(fmt.Sprintf("Action=X%08d&Version=2011-06-15", i)))
					r.Header.Set("Content-Type", formEncoding)
				case 2:
					r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
					r.Header.Set("X-Amz-Target", fmt.Sprintf("AWSLicenseManager.X%08d", i))
				default:
					r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
					r.Header.Set("X-Amz-Target", fmt.Sprintf("S%08d.X", i))
				}
				w := httptest.NewRecorder()
				ts.App.Handler.ServeHTTP(w, r)
				if w.Code < 400 || w.Code >= 500 {
					t.Fatalf("request %d: HTTP %d %s", i, w.Code, w.Body)
				}
			}
			for i := range 8 {
				send(i)
			}
			before := seriesOf(t, ts.App)
			for i := 8; i < 10_000; i++ {
				send(i)
			}
			if after := seriesOf(t, ts.App); after != before {
				t.Errorf("10,000 made-up operations took the AWS metrics from %d series to %d", before, after)
			}
		})
	}
}

// TestWrongMethods: a path that exists answers another method with 405, the
// methods it serves and what to do; the emulator's reset paths exist only
// in emulator mode, and say so in strict mode.
func TestWrongMethods(t *testing.T) {
	type want struct {
		status  int
		allow   string
		message string // a part of the message
	}
	tests := []struct {
		mode, method, path string
		want               want
	}{
		{app.AuthEmulator, http.MethodGet, "/_tollgate/reset", want{405, "POST", "POST to it"}},
		{app.AuthEmulator, http.MethodGet, "/moto-api/reset", want{405, "POST", "POST to it"}},
		{app.AuthEmulator, http.MethodDelete, "/_tollgate/reset", want{405, "POST", "POST to it"}},
		{app.AuthStrict, http.MethodGet, "/_tollgate/reset", want{404, "", "only in emulator mode"}},
		{app.AuthStrict, http.MethodPost, "/_tollgate/reset", want{404, "", "only in emulator mode"}},
		{app.AuthStrict, http.MethodPost, "/moto-api/reset", want{404, "", "only in emulator mode"}},
		{app.AuthStrict, http.MethodPost, "/healthz", want{405, "GET, HEAD", "GET it"}},
		{app.AuthStrict, http.MethodPut, "/metrics", want{405, "GET, HEAD", "GET it"}},
		{app.AuthEmulator, http.MethodPost, "/.well-known/jwks.json", want{405, "GET, HEAD", "GET it"}},
		{app.AuthStrict, http.MethodGet, "/nothing/here", want{404, "", "no endpoint answers GET /nothing/here"}},
		{app.AuthStrict, http.MethodDelete, "/", want{404, "", "AWS API requests are POST /"}},
	}
	servers := map[string]*testServer{
		app.AuthStrict:   startServer(t, app.Config{Auth: app.AuthStrict}, 0),
		app.AuthEmulator: startServer(t, app.Config{Auth: app.AuthEmulator}, 0),
	}
	// GET / is the console's front door.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := noFollow.Get(servers[app.AuthStrict].URL + "/"); err != nil || resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/console/" {
		t.Errorf("GET /: %v %v, want a redirect to /console/", resp, err)
	} else {
		resp.Body.Close()
	}
	for _, tt := range tests {
		t.Run(tt.mode+" "+tt.method+" "+tt.path, func(t *testing.T) {
			ts := servers[tt.mode]
			req, err := http.NewRequest(tt.method, ts.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, body := do(t, req)
			var fields struct{ Message string }
			if err := json.Unmarshal(body, &fields); err != nil {
				t.Fatalf("HTTP %d, not JSON: %s", resp.StatusCode, body)
			}
			got := want{resp.StatusCode, resp.Header.Get("Allow"), fields.Message}
			if got.status != tt.want.status || got.allow != tt.want.allow || !strings.Contains(got.message, tt.want.message) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

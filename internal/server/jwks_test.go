package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/logtest"
	"github.com/tollgate/tollgate/internal/server"
)

// TestJWKSFailure: when the issuer keys cannot be read, the JWKS answers
// 503 (store unavailable) or 500 (anything else) with a JSON body, and logs
// the cause in one error line carrying the request ID.
func TestJWKSFailure(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"Unavailable", fault.New(fault.Unavailable, "store: too many connections"), http.StatusServiceUnavailable},
		{"Internal", fault.New(fault.Internal, "issuer key sealed under secret key k-9 this server lacks"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logtest.Buffer{}
			log := slog.New(slog.NewJSONHandler(logs, nil))
			srv := httptest.NewServer(server.Handler(server.Options{Log: log, Metrics: server.NewMetrics(),
				AWS:    awsapi.NewRouter(okAuth{}, log, nil),
				Health: func(context.Context) error { return nil },
				JWKS:   func(context.Context) (any, error) { return nil, tt.err }}))
			t.Cleanup(srv.Close)
			resp, err := srv.Client().Get(srv.URL + "/.well-known/jwks.json")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("HTTP %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			var fields map[string]string
			if err := json.Unmarshal(body, &fields); err != nil || fields["error"] == "" {
				t.Errorf("not a JSON error: %s", body)
			}
			if strings.Contains(string(body), "k-9") {
				t.Errorf("the cause leaked to the client: %s", body)
			}
			id := resp.Header.Get("X-Amzn-Requestid")
			var logged []string
			for _, line := range logs.Lines() {
				if strings.Contains(line, `"msg":"jwks: could not read issuer keys"`) {
					logged = append(logged, line)
				}
			}
			if len(logged) != 1 || !strings.Contains(logged[0], `"level":"ERROR"`) ||
				!strings.Contains(logged[0], `"request_id":"`+id+`"`) || !strings.Contains(logged[0], tt.err.Error()) {
				t.Errorf("want one error line with request ID %s and the cause, got:\n%s", id, strings.Join(logs.Lines(), "\n"))
			}
		})
	}
}

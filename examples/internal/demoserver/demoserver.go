// Package demoserver starts an in-process Tollgate with the demo world for
// the examples' tests, and points the AWS SDK's environment at the demo
// buyer, so that the examples run exactly as the README tells a user to
// run them.
package demoserver

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/store"
)

// Start serves a strict-auth Tollgate with the demo world on a fresh SQLite
// store until the test ends, sets the environment to the demo buyer's keys
// and a region, and returns the server's URL.
func Start(t *testing.T) string {
	t.Helper()
	a, err := app.Open(t.Context(), app.Config{
		Store: store.Config{DataDir: t.TempDir()},
		Demo:  true,
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start Tollgate: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	buyer := demo.Parties().Buyer
	UseEnv(t, map[string]string{
		"AWS_ACCESS_KEY_ID":     buyer.Key.ID,
		"AWS_SECRET_ACCESS_KEY": buyer.Key.Secret,
		"AWS_REGION":            "us-east-1",
	})
	return srv.URL
}

// UseEnv sets the AWS environment to vars alone for the rest of the test:
// no shared config or credentials files, profile, session token, endpoint
// or instance metadata of the machine the test runs on.
func UseEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for _, name := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_LICENSE_MANAGER", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_REGION"} {
		t.Setenv(name, "")
	}
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

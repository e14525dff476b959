package licensemanager

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/fault"
)

// The table tests of the mappings between the wire shapes and the domain's
// types, one file per entity (license_map_test.go, ...); the SDK suites
// check the same mappings through real clients.

func ptr[T any](v T) *T { return &v }

// wantValidation checks that err is a ValidationException whose message
// contains each of want, or that err is nil when want is empty.
func wantValidation(t *testing.T, err error, want ...string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("error %v, want none", err)
		}
		return
	}
	f := fault.As(err)
	if err == nil || f.Kind != fault.Invalid || f.Code != "ValidationException" {
		t.Fatalf("error %v, want a ValidationException", err)
	}
	for _, w := range want {
		if !strings.Contains(f.Message, w) {
			t.Errorf("message %q does not contain %q", f.Message, w)
		}
	}
}

// wantJSON checks the bytes the encoder writes for v: what clients get.
func wantJSON(t *testing.T, v any, want string) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("JSON:\n got %s\nwant %s", b, want)
	}
}

func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}

var epoch = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

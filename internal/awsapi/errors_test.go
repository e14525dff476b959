package awsapi

import (
	"net/http"
	"testing"

	"github.com/tollgate/tollgate/internal/fault"
)

// TestErrorTablesCoverEveryKind: each wire format's table maps every
// fault.Kind, up to the last one declared, to a code and an HTTP status of
// its own; a kind added without a mapping fails here instead of being
// answered as an internal error. Only Internal is a 5xx in JSON 1.1 and
// Query, where AWS answers throttling and unavailability with 400 and 503.
func TestErrorTablesCoverEveryKind(t *testing.T) {
	for name, table := range map[string]map[fault.Kind]wireError{"json": jsonErrors, "query": queryErrors, "ec2": ec2Errors} {
		if len(table) != len(fault.Kinds()) {
			t.Errorf("%s: %d entries for %d kinds", name, len(table), len(fault.Kinds()))
		}
		for _, k := range fault.Kinds() {
			w, ok := table[k]
			switch {
			case !ok:
				t.Errorf("%s: no mapping for kind %v", name, k)
			case w.Code == "":
				t.Errorf("%s: kind %v maps to an empty code", name, k)
			case w.Status < 400 || w.Status > 599 || http.StatusText(w.Status) == "":
				t.Errorf("%s: kind %v maps to HTTP %d", name, k, w.Status)
			case (k == fault.Internal) != (w.Status == http.StatusInternalServerError):
				t.Errorf("%s: kind %v maps to HTTP %d; only Internal is a 500", name, k, w.Status)
			}
		}
	}
}

// TestWireMessagesHideCauses: whatever an error wraps, the client sees the
// fault's own message (a generic one for internal errors), never its cause
// or the context annotations add for the log.
func TestWireMessagesHideCauses(t *testing.T) {
	cause := &fault.Error{Kind: fault.Throttled, Message: "too much contention; try again", Err: errString("SQLSTATE 40001 could not serialize access")}
	err := error(cause)
	fault.Annotate(&err, "store: update license %s", "arn:secret")
	for name, table := range map[string]map[fault.Kind]wireError{"json": jsonErrors, "query": queryErrors, "ec2": ec2Errors} {
		code, _, message := wireFor(table, err)
		if message != "too much contention; try again" || code != table[fault.Throttled].Code {
			t.Errorf("%s: %s %q, want %s %q", name, code, message, table[fault.Throttled].Code, "too much contention; try again")
		}
		_, status, message := wireFor(table, fault.Wrap(errString("pq: relation missing"), "read"))
		if status != http.StatusInternalServerError || message == "read" || message == "" {
			t.Errorf("%s: an internal error answers HTTP %d %q", name, status, message)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

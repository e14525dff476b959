package fault

import (
	"errors"
	"strings"
	"testing"
)

// TestKindsAreNamed: every kind has a name, so that adding one without
// naming it fails here.
func TestKindsAreNamed(t *testing.T) {
	if len(kindNames) != int(kindCount) {
		t.Fatalf("%d kind names for %d kinds", len(kindNames), kindCount)
	}
	seen := map[string]bool{}
	for _, k := range Kinds() {
		name := k.String()
		if name == "" || strings.HasPrefix(name, "Kind(") || seen[name] {
			t.Errorf("kind %d is named %q", int(k), name)
		}
		seen[name] = true
	}
	if got := Kinds()[0]; got != Internal {
		t.Errorf("the first kind is %v, want Internal (the zero value)", got)
	}
}

func TestAnnotate(t *testing.T) {
	cause := errors.New("driver says: relation does not exist")
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"coded", Coded(LimitExceeded, "NoEntitlementsAllowedException", "pool of %d is full", 5)},
		{"internal with a cause", Wrap(cause, "read license")},
		{"unclassified", cause},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := As(tc.err)
			err := tc.err
			func() (err2 error) {
				defer func() { err = err2 }()
				defer Annotate(&err2, "store: put license %s", "arn:x")
				return tc.err
			}()
			after := As(err)
			if after.Kind != before.Kind || after.Code != before.Code || after.Message != before.Message {
				t.Errorf("annotated: kind %v code %q message %q; before: %v %q %q", after.Kind, after.Code, after.Message, before.Kind, before.Code, before.Message)
			}
			if !strings.HasPrefix(err.Error(), "store: put license arn:x: ") || !strings.HasSuffix(err.Error(), tc.err.Error()) {
				t.Errorf("Error() = %q, want the context, then the error", err.Error())
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("errors.Is no longer finds the original error")
			}
		})
	}
	var none error
	Annotate(&none, "nothing to annotate")
	if none != nil {
		t.Errorf("Annotate of nil gave %v", none)
	}
}

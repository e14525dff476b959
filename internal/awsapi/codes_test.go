package awsapi

import (
	"testing"

	"github.com/tollgate/tollgate/internal/fault/faulttest"
)

// TestRouterCodesKnown: every code the router and its codecs name is one
// the metrics know.
func TestRouterCodesKnown(t *testing.T) {
	known := knownCodes(nil)
	for code, where := range faulttest.CodedLiterals(t, ".") {
		if !known[code] {
			t.Errorf("%s: the router answers with %q, which routerCodes lacks", where[0], code)
		}
	}
}

package licensemanager_test

import (
	"slices"
	"testing"

	"github.com/tollgate/tollgate/internal/awsapi/licensemanager"
	"github.com/tollgate/tollgate/internal/awsapi/sts"
	"github.com/tollgate/tollgate/internal/fault/faulttest"
)

// TestErrorsDeclared: every error code the adapter, the license domain and
// its rules name (fault.Coded) is in licensemanager.Errors, or, for the
// token flow's AssumeRoleWithWebIdentity, in the STS service's, so that
// metrics label it by name rather than as unknown.
func TestErrorsDeclared(t *testing.T) {
	stsErrors := sts.Service(nil).Errors
	for code, where := range faulttest.CodedLiterals(t, ".", "../../license", "../../license/rules") {
		if !slices.Contains(licensemanager.Errors, code) && !slices.Contains(stsErrors, code) {
			t.Errorf("%s: code %q is not in licensemanager.Errors", where[0], code)
		}
	}
}

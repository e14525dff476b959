package ec2_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/tollgate/tollgate/internal/awsapi/ec2"
)

// requiredCodes are the EC2 error codes the SDK suite must see the server
// answer, each through aws-sdk-go-v2's deserializers.
var requiredCodes = []string{
	"InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed",
	"AuthFailure", "OptInRequired", "InvalidParameterValue", "UnsupportedOperation", "IncorrectInstanceState",
	"InvalidParameterCombination", "MissingParameter", "IncorrectState", "InvalidAssociationID.NotFound",
}

// pendingSDKTests are operations served before their SDK tests landed:
// their gaps are reported in the log rather than failing the suite. Take
// an operation out once a test calls it; the log says when one can be.
var pendingSDKTests = []string{}

// coverage records, per backend, what the suite's SDK clients saw: the
// operations that succeeded (the server's XML decoded by the SDK) and the
// error codes the server answered. Nothing registers by hand: every
// client made by env.client records, so a new operation counts once some
// test calls it through the SDK.
var coverage = struct {
	sync.Mutex
	succeeded map[string]map[string]bool // backend -> operation
	codes     map[string]map[string]bool // backend -> error code
	ran       map[string]map[string]bool // backend -> sdk test
}{succeeded: map[string]map[string]bool{}, codes: map[string]map[string]bool{}, ran: map[string]map[string]bool{}}

func note(m map[string]map[string]bool, backend, key string) {
	coverage.Lock()
	defer coverage.Unlock()
	if m[backend] == nil {
		m[backend] = map[string]bool{}
	}
	m[backend][key] = true
}

// recordCoverage is a client middleware, outermost, that notes each
// call's outcome for backend.
func recordCoverage(backend string) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("TollgateCoverage",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				var apiErr smithy.APIError
				switch {
				case err == nil:
					note(coverage.succeeded, backend, middleware.GetOperationName(ctx))
				case errors.As(err, &apiErr):
					note(coverage.codes, backend, apiErr.ErrorCode())
				}
				return out, md, err
			}), middleware.Before)
	}
}

// checkCoverage fails t unless, on backend, every operation the service
// serves succeeded through the SDK and every required code was answered.
// It checks only when the whole suite ran (not with -run narrowing it).
func checkCoverage(t *testing.T, backend string) {
	ops, codes, whole := coverageGaps(backend)
	if !whole {
		t.Logf("coverage of the EC2 operations not checked: the suite did not run whole")
		return
	}
	var pending []string
	ops = slices.DeleteFunc(ops, func(op string) bool {
		if slices.Contains(pendingSDKTests, op) {
			pending = append(pending, op)
			return true
		}
		return false
	})
	if len(pending) > 0 {
		t.Logf("operations still without an SDK test, listed as pending: %s", strings.Join(pending, ", "))
	}
	if len(pending) < len(pendingSDKTests) {
		t.Logf("some operations listed as pending have an SDK test now; take them out of pendingSDKTests")
	}
	if len(ops) > 0 {
		t.Errorf("operations no SDK test called successfully on %s: %s", backend, strings.Join(ops, ", "))
	}
	if len(codes) > 0 {
		t.Errorf("error codes no SDK test received on %s: %s", backend, strings.Join(codes, ", "))
	}
}

// coverageGaps returns the operations that did not succeed and the
// required codes not received on backend, and whether every test of the
// suite ran there.
func coverageGaps(backend string) (ops, codes []string, whole bool) {
	coverage.Lock()
	defer coverage.Unlock()
	whole = true
	for _, st := range sdkTests {
		whole = whole && coverage.ran[backend][st.name]
	}
	for _, op := range ec2.OperationNames() {
		if !coverage.succeeded[backend][op] {
			ops = append(ops, op)
		}
	}
	for _, c := range requiredCodes {
		if !coverage.codes[backend][c] {
			codes = append(codes, c)
		}
	}
	return ops, codes, whole
}

// TestCoverageCheck checks the check: with one operation and one code
// never seen, it names exactly those; and it holds off while a test of the
// suite has not run.
func TestCoverageCheck(t *testing.T) {
	const backend = "coverage-check"
	ops := ec2.OperationNames()
	if !slices.Contains(ops, "RunInstances") || !slices.Contains(ops, "DescribeImages") {
		t.Fatalf("the operations read from the service lack RunInstances or DescribeImages: %v", ops)
	}
	for _, st := range sdkTests[1:] {
		note(coverage.ran, backend, st.name)
	}
	if _, _, whole := coverageGaps(backend); whole {
		t.Errorf("the suite counts as whole with %s not run", sdkTests[0].name)
	}
	note(coverage.ran, backend, sdkTests[0].name)
	for _, op := range ops[1:] {
		note(coverage.succeeded, backend, op)
	}
	for _, c := range requiredCodes[1:] {
		note(coverage.codes, backend, c)
	}
	missingOps, missingCodes, whole := coverageGaps(backend)
	if !whole || !slices.Equal(missingOps, ops[:1]) || !slices.Equal(missingCodes, requiredCodes[:1]) {
		t.Errorf("gaps %v and %v (whole: %v), want %v and %v", missingOps, missingCodes, whole, ops[:1], requiredCodes[:1])
	}
}

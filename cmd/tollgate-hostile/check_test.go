package main

import (
	"net/http"
	"testing"
)

// TestVerifyExpectationFailed: net/http answers an Expect header other than
// 100-continue with a bodiless 417 and closes the connection; that is the
// protocol's own refusal, not a server fault, and nothing else may pass
// for it.
func TestVerifyExpectationFailed(t *testing.T) {
	tests := []struct {
		name string
		a    answer
		ok   bool
	}{
		{"net/http's 417", answer{status: http.StatusExpectationFailed, header: http.Header{}, close: true}, true},
		{"a 417 that keeps the connection", answer{status: http.StatusExpectationFailed, header: http.Header{}}, false},
		{"a 417 with a body", answer{status: http.StatusExpectationFailed, header: http.Header{}, body: []byte("x"), close: true}, false},
		{"a bodiless 400", answer{status: http.StatusBadRequest, header: http.Header{}, close: true}, false},
	}
	for _, tt := range tests {
		err := verify(&tt.a, expectation{})
		if (err == nil) != tt.ok {
			t.Errorf("%s: verify = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

package main

import (
	"strings"
	"testing"

	"github.com/tollgate/tollgate/examples/internal/demoserver"
	"github.com/tollgate/tollgate/internal/demo"
)

// TestRun runs the example as the README does, against an in-process
// server, with keys and region from the environment.
func TestRun(t *testing.T) {
	url := demoserver.Start(t)
	var out strings.Builder
	if err := run(t.Context(), url, &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	buyer := demo.Parties().Buyer.Account.ID
	if want := "account " + buyer + "\narn arn:aws:iam::" + buyer + ":root\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}

// TestRunRefused: a wrong secret is refused by the server, and the example
// says so.
func TestRunRefused(t *testing.T) {
	url := demoserver.Start(t)
	t.Setenv("AWS_SECRET_ACCESS_KEY", strings.Repeat("x", 40))
	err := run(t.Context(), url, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Errorf("run with a wrong secret: %v, want SignatureDoesNotMatch", err)
	}
}

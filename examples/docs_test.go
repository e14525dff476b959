// Package examples_test checks that what the README tells a newcomer to run
// exists: every example program is shown with the command that runs it, and
// `make help` lists every make target.
package examples_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestREADMERunsEveryExample: each program in examples/ appears in the
// README with the `go run` command that runs it.
func TestREADMERunsEveryExample(t *testing.T) {
	readme := read(t, "../README.md")
	mains, err := filepath.Glob("*/main.go")
	if err != nil || len(mains) == 0 {
		t.Fatalf("no example programs found: %v", err)
	}
	for _, m := range mains {
		cmd := "go run ./examples/" + filepath.Dir(m)
		if !strings.Contains(readme, cmd+" ") {
			t.Errorf("README does not show %q", cmd)
		}
	}
}

// TestMakeHelpListsEveryTarget: `make help` lists every target the Makefile
// defines, so that none is found only by reading the Makefile.
func TestMakeHelpListsEveryTarget(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	targets := regexp.MustCompile(`(?m)^([a-zA-Z0-9_-]+):`).FindAllStringSubmatch(read(t, "../Makefile"), -1)
	if len(targets) < 10 {
		t.Fatalf("found only %d targets in the Makefile", len(targets))
	}
	cmd := exec.Command("make", "--no-print-directory", "-s", "help")
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make help: %v\n%s", err, out)
	}
	for _, m := range targets {
		if !regexp.MustCompile(`(?m)^  make ` + regexp.QuoteMeta(m[1]) + `\s`).Match(out) {
			t.Errorf("make help does not list %q:\n%s", m[1], out)
		}
	}
}

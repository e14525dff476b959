package toolmain_test

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/toolmain"
)

func TestReport(t *testing.T) {
	parse := func(args ...string) (string, error) {
		var out bytes.Buffer
		fs := flag.NewFlagSet("tool", flag.ContinueOnError)
		fs.SetOutput(&out)
		fs.Int("n", 1, "a number")
		err := toolmain.Parse(fs, args)
		return out.String(), err
	}
	tests := []struct {
		name     string
		err      func() error
		code     int
		reported string // what Report adds to stderr
	}{
		{"success", func() error { _, err := parse("-n", "3"); return err }, 0, ""},
		{"help", func() error { _, err := parse("--help"); return err }, 0, ""},
		{"unknown flag, printed once by the flag package", func() error { _, err := parse("--bogus"); return err }, 2, ""},
		{"bad value", func() error { _, err := parse("-n", "x"); return err }, 2, ""},
		{"usage mistake found later", func() error { return toolmain.Usagef("unexpected arguments %q", "x") }, 2, `tool: unexpected arguments "x"` + "\n"},
		{"failure", func() error { return errors.New("connection refused") }, 1, "tool: connection refused\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			var stderr bytes.Buffer
			if code := toolmain.Report("tool", err, &stderr); code != tt.code {
				t.Errorf("exit code %d, want %d (error %v)", code, tt.code, err)
			}
			if stderr.String() != tt.reported {
				t.Errorf("stderr %q, want %q", stderr.String(), tt.reported)
			}
		})
	}
	// The flag package's own message names the flag, so the user is told.
	printed, _ := parse("--bogus")
	if !strings.Contains(printed, "bogus") {
		t.Errorf("the flag package did not report the unknown flag: %q", printed)
	}
}

// Command tollgate runs the Tollgate marketplace server and administers its
// store: accounts, access keys and the simulated clock.
//
// The command line is built with cobra: every command answers --help, usage
// errors exit 2 with one message, runtime errors exit 1, and `tollgate
// completion` writes shell completion scripts.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tollgate/tollgate/internal/fault"
)

// DefaultAddr is where `tollgate serve` listens unless told otherwise.
const DefaultAddr = "127.0.0.1:7070"

// DefaultDataDir holds the SQLite store unless told otherwise.
const DefaultDataDir = "./tollgate-data"

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // the command line was wrong; nothing was done
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runWithInput(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs one command line with nothing on standard input and returns the
// process's exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWithInput(ctx, args, strings.NewReader(""), stdout, stderr)
}

// runWithInput runs one command line reading standard input from stdin, and
// returns the process's exit code. Every error is reported here, once, on
// stderr.
func runWithInput(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	root := newRootCommand(stdout, stderr)
	root.SetIn(stdin)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var ue *usageErr
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "tollgate:", ue.msg)
		if !ue.usageShown {
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
		return exitUsage
	}
	fmt.Fprintln(stderr, "tollgate:", message(err))
	return exitFailure
}

// usageErr is a mistake on the command line: exit 2, and a pointer to --help.
type usageErr struct {
	msg        string
	usageShown bool // the usage was printed already; no need to point at it
}

func (e *usageErr) Error() string { return e.msg }

func usageError(format string, args ...any) error {
	return &usageErr{msg: fmt.Sprintf(format, args...)}
}

// message is what the user reads of a runtime error: a classified error's
// own message, without the internal detail a log would want.
func message(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Kind != fault.Internal {
		return fe.Message
	}
	return err.Error()
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

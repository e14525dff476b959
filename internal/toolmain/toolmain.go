// Package toolmain gives the project's developer tools (the load generator
// and the hostile-client suite) one way to end: --help exits 0, a usage
// mistake exits 2, any other failure exits 1, and each says so once.
package toolmain

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// UsageError is a mistake in the command line.
type UsageError struct {
	msg     string
	printed bool // the flag package has already told the user
}

func (e UsageError) Error() string { return e.msg }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return UsageError{msg: fmt.Sprintf(format, args...)}
}

// Parse parses args with fs (which must use flag.ContinueOnError) and
// classifies what goes wrong: flag.ErrHelp for -h and --help, a UsageError
// for anything else the flag package refused (and has already printed).
func Parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return UsageError{msg: err.Error(), printed: true}
}

// Main runs a tool's run function with a context that ends on SIGINT or
// SIGTERM, and exits with the code its error calls for.
func Main(name string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(Report(name, err, os.Stderr))
}

// Report tells stderr what err says, unless that has been said already, and
// returns the exit code for it.
func Report(name string, err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue UsageError
	if errors.As(err, &ue) {
		if !ue.printed {
			fmt.Fprintf(stderr, "%s: %s\n", name, ue.msg)
		}
		return 2
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return 1
}

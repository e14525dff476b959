// Command tollgate runs the Tollgate marketplace server and administers its
// store: accounts, access keys and the simulated clock.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/tollgate/tollgate/internal/fault"
)

// DefaultAddr is where `tollgate serve` listens unless told otherwise.
const DefaultAddr = "127.0.0.1:7070"

// DefaultDataDir holds the SQLite store unless told otherwise.
const DefaultDataDir = "./tollgate-data"

const usage = `tollgate: a self-hostable marketplace for paid machine images and licensed software

Usage:
  tollgate serve [--addr HOST:PORT] [--data DIR | --database-url postgres://...]
                 [--clock real|simulated] [--auth strict|emulator]
                 [--default-account ID] [--demo] [--log-level LEVEL]
                 [--marketplace-fingerprint FP]
  tollgate account create --name NAME [--email E] [--operator]
  tollgate account list
  tollgate key create --account ID
  tollgate key delete --access-key-id AK
  tollgate clock show
  tollgate clock advance DURATION      (Go duration such as 61m, or days such as 30d)
  tollgate clock set RFC3339

Every command takes --data DIR or --database-url URL (or TOLLGATE_DATA /
TOLLGATE_DATABASE_URL) and works while a server runs on the same store.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "tollgate:", message(err))
		}
		os.Exit(exitCode(err))
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "account":
		return accountCommand(ctx, rest, stdout, stderr)
	case "key":
		return keyCommand(ctx, rest, stdout, stderr)
	case "clock":
		return clockCommand(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageError("unknown command %q", cmd)
	}
}

type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

func usageError(format string, args ...any) error { return usageErr{fmt.Sprintf(format, args...)} }

func message(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Kind != fault.Internal {
		return fe.Message
	}
	return err.Error()
}

func exitCode(err error) int {
	var ue usageErr
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Command tollgate-hostile drives a live Tollgate server the way a hostile
// client would, and checks that the server holds: every request gets a
// complete HTTP answer in its protocol's format and never a 5xx; no panic
// and no "too many open files" reaches the server's log; real clients keep
// being answered while thousands of idle and half-sent connections are
// held; and the server's memory stays bounded.
//
//	tollgate-hostile --endpoint http://127.0.0.1:7070 --mode strict \
//	    --server-pid PID --server-log FILE [--seed N] [--idle 10000]
//	tollgate-hostile bodies --endpoint URL --server-pid PID --concurrency 64 [--size 8388608]
//
// The suite's phases: malformed HTTP and AWS requests sent byte for byte
// (NUL bytes, invalid UTF-8 in every place a client controls, oversized
// headers and bodies, truncated bodies, wrong content types, unknown
// operations and services); License Manager requests signed with
// aws-sdk-go-v2's SigV4 signer carrying overflowing numbers, deep nesting,
// NUL bytes and invalid UTF-8; randomly mutated requests (the seed is
// printed, and --seed or TOLLGATE_TEST_SEED replays it); concurrent
// maximum-size bodies; and 10,000 idle connections plus slow-header ones
// held while real clients call GetCallerIdentity and /healthz.
//
// The bodies command measures the server's memory under concurrent
// unsigned maximum-size bodies, for docs/BENCHMARKS.md.
package main

import (
	"context"
	"io"

	"github.com/tollgate/tollgate/internal/toolmain"
)

func main() { toolmain.Main("tollgate-hostile", run) }

var usagef = toolmain.Usagef

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "bodies" {
		cfg, err := parseBodiesFlags(args[1:], stderr)
		if err != nil {
			return err
		}
		return measureBodies(ctx, cfg, stdout)
	}
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	s, err := newSuite(cfg, stdout)
	if err != nil {
		return err
	}
	return s.run(ctx)
}

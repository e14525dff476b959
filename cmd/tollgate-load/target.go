package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// A Target is one kind of load: what a worker sends, and how it knows that
// the answer was right. Adding a target (say License Manager checkout and
// check-in pairs) means one file with a type that implements Target and a
// call to register in its init function; the harness, the statistics and
// the output need no change.
type Target interface {
	// Prepare runs once before each phase, outside the measured window, with
	// the phase's environment: it builds (and, for AWS targets, signs) the
	// requests to replay and should send one of them to check that the
	// server accepts it, so that a wrong key fails at once, with the server's
	// message, instead of as a phase full of errors.
	Prepare(ctx context.Context, env *Env) error
	// NewWorker returns the request source of one of the env.Concurrency
	// workers. Prepare has returned before it is called. Workers run
	// concurrently; each is used by one goroutine only.
	NewWorker(id int) Worker
}

// A Worker performs operations one after another on one goroutine.
type Worker interface {
	// Do performs one operation and returns an error unless the server
	// answered it as expected. The harness times each Do; an operation that
	// needs several requests (a checkout and its check-in) may make them in
	// one Do, or alternate between calls, as suits what it measures.
	Do(ctx context.Context, client *http.Client) error
}

// Env is what a target is told about the phase it is to run in.
type Env struct {
	Endpoint    *url.URL // the server's base URL
	Region      string
	AccessKey   string
	SecretKey   string
	Concurrency int
	// Pool is how many distinct pre-signed requests to build (at least one
	// per worker); SignPerRequest asks for a fresh signature on every
	// request instead, paying the signer's CPU inside the measured window.
	Pool           int
	SignPerRequest bool
	Client         *http.Client
	// Licenses is how many licenses the checkout-spread target spreads its
	// checkouts over (--licenses).
	Licenses int
	// Codes is how many product codes the ec2-images target filters on
	// (--codes), PerCode how many images each must list (--per-code; 0:
	// any number).
	Codes, PerCode int
}

// URL returns the endpoint with path appended to its own path.
func (e *Env) URL(path string) *url.URL {
	u := *e.Endpoint
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawPath = ""
	return &u
}

// targetInfo describes a registered target.
type targetInfo struct {
	name  string
	about string
	// needsKeys says the target sends signed requests and so needs
	// --access-key and --secret-key.
	needsKeys bool
	// unit names one operation in the output ("pairs"); "req" when empty.
	unit string
	new  func() Target
}

var targets = map[string]targetInfo{}

// register adds a target; called from init functions.
func register(info targetInfo) {
	if _, dup := targets[info.name]; dup {
		panic("tollgate-load: target registered twice: " + info.name)
	}
	targets[info.name] = info
}

// targetNames lists the registered targets, sorted.
func targetNames() []string {
	names := make([]string, 0, len(targets))
	for name := range targets {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func targetHelp() string {
	var b strings.Builder
	for _, name := range targetNames() {
		fmt.Fprintf(&b, "  %-16s %s\n", name, targets[name].about)
	}
	return b.String()
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// maxSignatureAge is how long a pre-signed request may be replayed: the
// server, like AWS, accepts a signature for 15 minutes either side of now.
// Phases are kept shorter than this with a minute to spare.
const maxSignatureAge = 14 * time.Minute

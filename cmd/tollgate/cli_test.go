package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/logtest"
	"github.com/tollgate/tollgate/internal/sealed"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// outcome is what one in-process command line printed and its exit code.
type outcome struct {
	stdout, stderr string
	code           int
}

// cli runs one command line in this process, as main would, with the store
// settings of the environment cleared so that only the flags count.
func cli(t *testing.T, args ...string) outcome {
	t.Helper()
	t.Setenv("TOLLGATE_DATA", "")
	t.Setenv("TOLLGATE_DATABASE_URL", "")
	return cliEnv(t, args...)
}

// cliEnv runs one command line in this process with the environment as is.
func cliEnv(t *testing.T, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, &stdout, &stderr)
	return outcome{stdout.String(), stderr.String(), code}
}

func (o outcome) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%sstderr:\n%s", o.code, o.stdout, o.stderr)
}

// commandPaths lists every command of the tree as its words after
// "tollgate", the root first as an empty path.
func commandPaths() [][]string {
	var out [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		out = append(out, path)
		for _, sub := range c.Commands() {
			if !sub.Hidden {
				walk(sub, append(path[:len(path):len(path)], sub.Name()))
			}
		}
	}
	walk(newRootCommand(io.Discard, io.Discard), nil)
	return out
}

// find returns the command at path in a fresh tree.
func find(t *testing.T, path []string) *cobra.Command {
	t.Helper()
	c, rest, err := newRootCommand(io.Discard, io.Discard).Find(path)
	if err != nil || len(rest) > 0 {
		t.Fatalf("no command %q: %v %q", path, err, rest)
	}
	return c
}

// argNames are the upper-case words of a command's usage line: its
// positional arguments and flag values (DURATION, TIME, NAME...).
var argNames = regexp.MustCompile(`\b[A-Z][A-Z0-9_:]+\b`)

// TestHelpEverywhere asks every command and subcommand for its help in the
// three ways a user might (--help, -h, help COMMAND): each exits 0, prints
// its usage on stdout, and names its flags and arguments.
func TestHelpEverywhere(t *testing.T) {
	paths := commandPaths()
	if len(paths) < 15 {
		t.Fatalf("only %d commands in the tree: %q", len(paths), paths)
	}
	for _, path := range paths {
		cmd := find(t, path)
		name := strings.Join(append([]string{"tollgate"}, path...), " ")
		for _, args := range [][]string{
			append(append([]string{}, path...), "--help"),
			append(append([]string{}, path...), "-h"),
			append([]string{"help"}, path...),
		} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				o := cli(t, args...)
				if o.code != exitOK || o.stderr != "" {
					t.Fatalf("want exit 0 and nothing on stderr; got %s", o)
				}
				if !strings.Contains(o.stdout, "Usage:\n  "+name) {
					t.Errorf("help lacks the usage line %q:\n%s", name, o.stdout)
				}
				cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
					if !strings.Contains(o.stdout, "--"+f.Name+" ") {
						t.Errorf("help lacks the flag --%s:\n%s", f.Name, o.stdout)
					}
				})
				for _, arg := range argNames.FindAllString(cmd.Use, -1) {
					if strings.Count(o.stdout, arg) < 2 {
						t.Errorf("help names %s in its usage line but never explains it:\n%s", arg, o.stdout)
					}
				}
			})
		}
	}
}

// TestHelpContents checks what particular help texts must say.
func TestHelpContents(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		// The argument, both of its forms, and an example.
		{[]string{"clock", "advance", "--help"}, []string{"advance DURATION", "Go duration", "30d", "61m", "--clock simulated"}},
		{[]string{"clock", "set", "--help"}, []string{"set TIME", "RFC 3339", "2027-01-01T00:00:00Z"}},
		{[]string{"serve", "--help"}, []string{"--addr HOST:PORT", "--data DIR", "--database-url URL",
			"--clock real|simulated", "--auth strict|emulator", "--default-account ID", "--demo",
			"--log-level debug|info|warn|error", "--marketplace-fingerprint FP", "--pprof-addr HOST:PORT",
			"--max-connections N", "--idle-timeout DURATION", "--read-header-timeout DURATION", "--max-header-bytes BYTES",
			"--body-budget BYTES", "--body-wait DURATION", "--shutdown-grace DURATION",
			"TOLLGATE_DATA", "TOLLGATE_DATABASE_URL"}},
		{[]string{"account", "create", "--help"}, []string{"--name NAME", "(required)", "--email EMAIL", "--operator", "creates the store"}},
		{[]string{"completion", "--help"}, []string{"bash", "zsh", "fish"}},
		{[]string{"instance-types", "load", "--help"}, []string{"load FILE", `"-" reads`, `{"Name": "m5.large", "VCpus": 2, "MemoryMiB": 8192, "BaseHourly": "0.096",`, `"Architectures"`, `"CurrentGeneration"`,
			"at most six", "nothing is loaded unless", "tollgate instance-types list > types.json"}},
		{[]string{"instance-types", "list", "--help"}, []string{"built-in default list", `format "instance-types load"`}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o := cli(t, tc.args...)
			if o.code != exitOK {
				t.Fatalf("want exit 0; got %s", o)
			}
			for _, w := range tc.want {
				if !strings.Contains(o.stdout, w) {
					t.Errorf("help lacks %q:\n%s", w, o.stdout)
				}
			}
		})
	}
}

// TestTopLevelUsageListsEveryCommand: `tollgate --help` names every command
// a user can run, subcommands of the admin groups included.
func TestTopLevelUsageListsEveryCommand(t *testing.T) {
	o := cli(t, "--help")
	for _, path := range commandPaths() {
		if len(path) == 0 || len(path) > 2 || path[0] == "completion" && len(path) == 2 {
			continue
		}
		if len(path) == 1 && find(t, path).HasAvailableSubCommands() && path[0] != "completion" {
			continue // listed by its subcommands
		}
		if !regexp.MustCompile(`(?m)^  ` + strings.Join(path, " ") + ` `).MatchString(o.stdout) {
			t.Errorf("top-level usage lacks %q:\n%s", strings.Join(path, " "), o.stdout)
		}
	}
	// With no command at all: the same usage, on stderr, and exit 2.
	bare := cli(t)
	if bare.code != exitUsage || bare.stdout != "" || !strings.Contains(bare.stderr, "account create") ||
		!strings.HasSuffix(bare.stderr, "tollgate: no command given\n") {
		t.Errorf("tollgate with no command: want the usage and one error on stderr, exit 2; got %s", bare)
	}
}

// TestUsageErrors: every mistake on the command line exits 2 with one
// message on stderr, prefixed "tollgate: ", and a pointer to the command's
// --help; nothing is printed on stdout and nothing is done.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir() // no store: a usage error must not create one
	for _, tc := range []struct {
		name, help string // help: the command the hint names
		args       []string
		message    string
	}{
		{"UnknownCommand", "tollgate", []string{"acount", "list"}, `unknown command "acount": want serve, account, key, clock, instance-types, images, secrets, product, subscribe, subscription, offer, entitlement, whoami, instance, platform, version or completion (did you mean account?)`},
		{"UnknownSubcommand", "tollgate account", []string{"account", "lst"}, `unknown account subcommand "lst": want create, list or password (did you mean list?)`},
		{"NoSubcommand", "tollgate clock", []string{"clock"}, "clock needs a subcommand: show, advance or set"},
		{"UnknownFlag", "tollgate account list", []string{"account", "list", "--bogus"}, "unknown flag: --bogus"},
		{"UnknownShorthand", "tollgate serve", []string{"serve", "-x"}, "unknown shorthand flag: 'x' in -x"},
		{"FlagWithoutValue", "tollgate key create", []string{"key", "create", "--account"}, "flag needs an argument: --account"},
		{"ExtraArgument", "tollgate account list", []string{"account", "list", "everything"}, `account list takes no arguments, got ["everything"]`},
		{"ServeArgument", "tollgate serve", []string{"serve", "now"}, `serve takes no arguments, got ["now"]`},
		{"MissingArgument", "tollgate clock advance", []string{"clock", "advance"}, "clock advance takes one DURATION, such as 61m or 30d"},
		{"MissingFile", "tollgate instance-types load", []string{"instance-types", "load"}, `instance-types load takes one FILE, or "-" for standard input`},
		{"TwoArguments", "tollgate clock set", []string{"clock", "set", "2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"}, "clock set takes one RFC 3339 TIME"},
		{"MissingRequiredFlag", "tollgate account create", []string{"account", "create"}, "account create needs --name"},
		{"MissingKeyFlag", "tollgate key delete", []string{"key", "delete"}, "key delete needs --access-key-id"},
		{"BadDuration", "tollgate clock advance", []string{"clock", "advance", "soon"}, `invalid duration "soon"`},
		{"BadTime", "tollgate clock set", []string{"clock", "set", "tomorrow"}, `invalid time "tomorrow": want RFC 3339`},
		{"BadClock", "tollgate serve", []string{"serve", "--clock", "fast"}, `invalid argument "fast" for "--clock" flag: want real or simulated`},
		{"BadAuth", "tollgate serve", []string{"serve", "--auth", "none"}, `invalid argument "none" for "--auth" flag: want strict or emulator`},
		{"BadLogLevel", "tollgate serve", []string{"serve", "--log-level", "loud"}, `want debug, info, warn or error`},
		{"BadDefaultAccount", "tollgate serve", []string{"serve", "--default-account", "123"}, `--default-account must be 12 digits, not "123"`},
		{"BadPublicURL", "tollgate serve", []string{"serve", "--public-url", "market.example/shop"}, `--public-url: "market.example/shop": the public URL starts with https://`},
		{"BadBool", "tollgate serve", []string{"serve", "--demo=maybe"}, `invalid argument "maybe" for "--demo" flag`},
		{"NegativeLimit", "tollgate serve", []string{"serve", "--max-connections", "-1"}, "--max-connections must not be negative"},
		{"SmallBodyBudget", "tollgate serve", []string{"serve", "--body-budget", "1024"}, "--body-budget must be at least"},
		{"BadTimeout", "tollgate serve", []string{"serve", "--idle-timeout", "soon"}, `invalid argument "soon" for "--idle-timeout" flag`},
		{"RotateArgument", "tollgate secrets rotate", []string{"secrets", "rotate", "now"}, `secrets rotate takes no arguments, got ["now"]`},
		{"HelpOnNothing", "tollgate help", []string{"help", "nothing"}, `no help for "nothing": not a command`},
		{"UnknownShell", "tollgate completion", []string{"completion", "tcsh"}, `unknown completion subcommand "tcsh"`},
		{"CompletionArgument", "tollgate completion bash", []string{"completion", "bash", "extra"}, `unknown command "extra"`},
		{"VersionArgument", "tollgate version", []string{"version", "1"}, `unknown command "1"`},
		{"FlagAfterDashUnknown", "tollgate clock advance", []string{"clock", "advance", "--", "-5m", "--bogus"}, "unknown flag: --bogus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			// Point commands that take a store at an empty directory, unless
			// the mistake must come last.
			if c, _, _ := newRootCommand(io.Discard, io.Discard).Find(args); c.Flags().Lookup("data") != nil &&
				tc.name != "FlagWithoutValue" {
				args = append(args[:len(args):len(args)], "--data", dir)
			}
			o := cli(t, args...)
			if o.code != exitUsage || o.stdout != "" {
				t.Fatalf("want exit 2 and nothing on stdout; got %s", o)
			}
			lines := strings.Split(strings.TrimSuffix(o.stderr, "\n"), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "tollgate: ") || !strings.Contains(lines[0], tc.message) ||
				lines[1] != "Run '"+tc.help+" --help' for usage." {
				t.Errorf("stderr %q: want \"tollgate: ...%s...\" then \"Run '%s --help' for usage.\"", o.stderr, tc.message, tc.help)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, store.SQLiteFile)); !os.IsNotExist(err) {
		t.Errorf("a usage error left a store behind (%v)", err)
	}
}

// TestUnknownFlagEverywhere: every command refuses a flag it does not have
// with exactly one message (the flag library prints none of its own).
func TestUnknownFlagEverywhere(t *testing.T) {
	for _, path := range commandPaths() {
		name := strings.Join(append([]string{"tollgate"}, path...), " ")
		t.Run(name, func(t *testing.T) {
			o := cli(t, append(append([]string{}, path...), "--no-such-flag")...)
			want := "tollgate: unknown flag: --no-such-flag\nRun '" + name + " --help' for usage.\n"
			if o.code != exitUsage || o.stdout != "" || o.stderr != want {
				t.Errorf("want exit 2 and stderr %q; got %s", want, o)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		o := cli(t, args...)
		if o.code != exitOK || !strings.HasPrefix(o.stdout, "tollgate ") || !strings.Contains(o.stdout, "go1.") || o.stderr != "" {
			t.Errorf("tollgate %v: want exit 0 and \"tollgate VERSION goX\"; got %s", args, o)
		}
	}
}

// TestCompletion: the scripts are written for each shell, and the shell's
// requests are answered with the commands and flag values there are.
func TestCompletion(t *testing.T) {
	for shell, marker := range map[string]string{"bash": "bash completion V2 for tollgate", "zsh": "#compdef tollgate", "fish": "fish completion for tollgate"} {
		o := cli(t, "completion", shell)
		if o.code != exitOK || !strings.Contains(o.stdout, marker) {
			t.Errorf("completion %s: want exit 0 and a script with %q; got exit %d, %d bytes", shell, marker, o.code, len(o.stdout))
		}
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", ""}, []string{"serve", "account", "key", "clock", "completion"}},
		{[]string{"__complete", "clock", ""}, []string{"show", "advance", "set"}},
		{[]string{"__complete", "serve", "--clock", ""}, []string{"real", "simulated"}},
		{[]string{"__complete", "serve", "--auth", ""}, []string{"strict", "emulator"}},
	} {
		o := cli(t, tc.args...)
		for _, w := range tc.want {
			if !regexp.MustCompile(`(?m)^` + w + `(\t|$)`).MatchString(o.stdout) {
				t.Errorf("%v: want %q offered; got %s", tc.args, w, o)
			}
		}
	}
}

// newAccount is what account create prints.
type newAccount struct{ AccountId, AccessKeyId, SecretAccessKey string }

// decode parses a successful command's JSON output into v.
func decode(t *testing.T, o outcome, v any) {
	t.Helper()
	if o.code != exitOK {
		t.Fatalf("want exit 0; got %s", o)
	}
	if err := json.Unmarshal([]byte(o.stdout), v); err != nil {
		t.Fatalf("%v in output %q", err, o.stdout)
	}
}

// wantFailure checks a runtime error: exit 1, one line "tollgate: ..." with
// want in it after the store note, if any, and nothing on stdout.
func wantFailure(t *testing.T, o outcome, want string) {
	t.Helper()
	last := o.stderr[strings.LastIndex(strings.TrimSuffix(o.stderr, "\n"), "\n")+1:]
	if o.code != exitFailure || o.stdout != "" || !strings.HasPrefix(last, "tollgate: ") || !strings.Contains(last, want) {
		t.Errorf("want exit 1 and a last line \"tollgate: ...%s...\"; got %s", want, o)
	}
}

// TestAdminStoreNote: an admin command says on stderr which store it
// opened; a command that only reads, run where there is no store, refuses to
// create one; account create creates it and says so.
func TestAdminStoreNote(t *testing.T) {
	t.Chdir(t.TempDir())
	cwd, _ := os.Getwd()
	path := filepath.Join(cwd, "tollgate-data", store.SQLiteFile)

	for _, args := range [][]string{
		{"account", "list"}, {"clock", "show"}, {"clock", "advance", "61m"}, {"clock", "set", "2030-01-01T00:00:00Z"},
		{"key", "create", "--account", "123456789012"}, {"key", "delete", "--access-key-id", "AKIAEXAMPLEEXAMPLE00"},
		{"account", "password", "123456789012", "--password-stdin"},
		{"instance-types", "list"}, {"instance-types", "load", "types.json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			wantFailure(t, cli(t, args...), "no store at "+path+"; start the server with `tollgate serve` first or pass --data")
			if _, err := os.Stat("tollgate-data"); !os.IsNotExist(err) {
				t.Fatalf("%v created ./tollgate-data (%v)", args, err)
			}
		})
	}

	var acct newAccount
	o := cli(t, "account", "create", "--name", "first")
	decode(t, o, &acct)
	if !strings.HasPrefix(o.stderr, "tollgate: store: created SQLite at "+path+"\n") {
		t.Errorf("account create on no store: stderr %q, want the store it created", o.stderr)
	}
	var list []accountJSON
	o = cli(t, "account", "list")
	decode(t, o, &list)
	if len(list) != 1 || list[0].AccountId != acct.AccountId {
		t.Errorf("account list = %+v, want the account just created", list)
	}
	if o.stderr != "tollgate: store: SQLite at "+path+"\n" {
		t.Errorf("account list: stderr %q, want the store it opened", o.stderr)
	}

	// The environment names the store when --data does not; the flag wins.
	other := t.TempDir()
	t.Setenv("TOLLGATE_DATA", other)
	wantFailure(t, cliEnv(t, "account", "list"), "no store at "+filepath.Join(other, store.SQLiteFile))
	o = cliEnv(t, "account", "list", "--data", "tollgate-data")
	decode(t, o, &list)
	if len(list) != 1 {
		t.Errorf("account list --data beside TOLLGATE_DATA: %+v, want the one account of --data", list)
	}
}

// TestDataDirNotWritable: a data directory that cannot hold the store is
// reported with its path and the cause, by serve and the admin commands,
// rather than as SQLite's "unable to open database file".
func TestDataDirNotWritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	under := filepath.Join(file, "data")
	t.Run("ParentIsAFile", func(t *testing.T) {
		want := "cannot create the store in " + under + ": not a directory"
		wantFailure(t, cli(t, "account", "create", "--name", "x", "--data", under), want)
		wantFailure(t, cli(t, "serve", "--data", under, "--addr", "127.0.0.1:0"), want)
		wantFailure(t, cli(t, "account", "list", "--data", under), "cannot open the store "+filepath.Join(under, store.SQLiteFile)+": not a directory")
	})
	t.Run("DataDirIsAFile", func(t *testing.T) {
		wantFailure(t, cli(t, "account", "create", "--name", "x", "--data", file), "cannot create the store in "+file+": not a directory")
	})
	t.Run("PermissionDenied", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root may write anywhere; the cases above cover the message as root")
		}
		dir := filepath.Join(t.TempDir(), "locked")
		if err := os.Mkdir(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		wantFailure(t, cli(t, "account", "create", "--name", "x", "--data", dir), "cannot create the store in "+dir+": permission denied")
		wantFailure(t, cli(t, "account", "create", "--name", "x", "--data", filepath.Join(dir, "sub")), "cannot create the store in "+filepath.Join(dir, "sub")+": permission denied")
	})
	for _, o := range []outcome{cli(t, "account", "create", "--name", "x", "--data", under)} {
		if strings.Contains(o.stderr, "unable to open database file") {
			t.Errorf("SQLite's message reached the user: %s", o)
		}
	}
}

// openServer opens the store in dir as `tollgate serve` would with the
// given clock, which records the clock mode, and closes it again.
func openServer(t *testing.T, cfg store.Config, mode string) {
	t.Helper()
	a, err := app.Open(t.Context(), app.Config{Store: cfg, Clock: mode,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("open as a %s-clock server: %v", mode, err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestClockCommandsFollowTheServer(t *testing.T) {
	testClockCommandsFollowTheServer(t, store.Config{DataDir: t.TempDir()})
}

func TestClockCommandsFollowTheServerPostgres(t *testing.T) {
	testClockCommandsFollowTheServer(t, store.Config{DatabaseURL: storetest.PostgresSchema(t, storetest.PostgresURL(t))})
}

// testClockCommandsFollowTheServer: the clock commands move a simulated
// clock only on a store whose server runs on one, and what admin commands
// create is stamped with the store's time.
func testClockCommandsFollowTheServer(t *testing.T, cfg store.Config) {
	flags := []string{"--data", cfg.DataDir}
	note := "tollgate: store: SQLite at " + filepath.Join(cfg.DataDir, store.SQLiteFile) + "\n"
	if cfg.DatabaseURL != "" {
		flags = []string{"--database-url", cfg.DatabaseURL}
		note = "tollgate: store: PostgreSQL at " + postgresTarget(cfg.DatabaseURL) + "\n"
	}
	admin := func(args ...string) outcome { return cli(t, append(args, flags...)...) }
	var c clockOutput

	// A real-clock server: the clock cannot be moved, and stays real.
	openServer(t, cfg, app.ClockReal)
	for _, args := range [][]string{{"clock", "advance", "61m"}, {"clock", "set", "2030-01-01T00:00:00Z"}} {
		wantFailure(t, admin(args...), "the store runs on the real clock, which cannot be moved; start the server with --clock simulated")
	}
	o := admin("clock", "show")
	decode(t, o, &c)
	if c.Mode != app.ClockReal {
		t.Errorf("clock show after refused moves: %+v, want real", c)
	}
	if o.stderr != note {
		t.Errorf("clock show: stderr %q, want %q", o.stderr, note)
	}

	// A simulated-clock server: the clock moves, and admin commands stamp
	// with it.
	openServer(t, cfg, app.ClockSimulated)
	decode(t, admin("clock", "set", "2030-01-01T00:00:00Z"), &c)
	decode(t, admin("clock", "advance", "--", "30d"), &c)
	wantFailure(t, admin("clock", "advance", "--", "-5m"), "simulated time only moves forward")
	want := "2030-01-31T00:00:00Z"
	if c.Mode != app.ClockSimulated || c.Now != want {
		t.Fatalf("clock after set and advance: %+v, want simulated %s", c, want)
	}
	var acct newAccount
	decode(t, admin("account", "create", "--name", "stamped"), &acct)
	var list []accountJSON
	decode(t, admin("account", "list"), &list)
	if len(list) != 1 || list[0].CreatedAt != want {
		t.Errorf("account created at simulated %s is listed as %+v", want, list)
	}

	// A real-clock server again: the simulated time is kept but not used.
	openServer(t, cfg, app.ClockReal)
	wantFailure(t, admin("clock", "advance", "1h"), "the store runs on the real clock")
	decode(t, admin("clock", "show"), &c)
	if now, err := time.Parse(time.RFC3339Nano, c.Now); c.Mode != app.ClockReal || err != nil || time.Since(now).Abs() > time.Minute {
		t.Errorf("clock show on a real-clock store: %+v, want real and about now", c)
	}
}

// TestServeFlagsReachTheServer starts `tollgate serve` in this process with
// limit flags, reads what the server says it serves with, and stops it as
// SIGINT would: it exits 0.
func TestServeFlagsReachTheServer(t *testing.T) {
	t.Setenv("TOLLGATE_DATA", "")
	t.Setenv("TOLLGATE_DATABASE_URL", "")
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	keyFile := filepath.Join(t.TempDir(), "key")
	if _, _, err := sealed.CreateKeyFile(keyFile); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var stdout, stderr logtest.Buffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--max-connections", "17",
			"--idle-timeout", "7s", "--shutdown-grace", "2s", "--secret-key-file", keyFile}, &stdout, &stderr)
	}()
	var serving struct {
		Msg            string
		Endpoint       string
		MaxConnections int `json:"max_connections"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for serving.Msg != "serving" {
		if time.Now().After(deadline) {
			t.Fatalf("no \"serving\" log line within 30s:\n%s", stderr.String())
		}
		select {
		case c := <-code:
			t.Fatalf("serve exited %d before serving:\n%s", c, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		for _, line := range strings.Split(stderr.String(), "\n") {
			if json.Unmarshal([]byte(line), &serving) == nil && serving.Msg == "serving" {
				break
			}
		}
	}
	if serving.MaxConnections != 17 {
		t.Errorf("serving with max_connections %d, want the flag's 17", serving.MaxConnections)
	}
	if !strings.Contains(stderr.String(), keyFile) {
		t.Errorf("the server does not say it seals with --secret-key-file %s:\n%s", keyFile, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "secret.key")); !os.IsNotExist(err) {
		t.Errorf("the server generated a key in its data directory despite --secret-key-file (%v)", err)
	}
	resp, err := http.Get(serving.Endpoint + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %s", resp.Status)
	}
	stop()
	select {
	case c := <-code:
		if c != exitOK {
			t.Errorf("serve stopped with exit %d, want 0:\n%s", c, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve still running 30s after its context ended")
	}
}

// TestSecretsRotate: the first account create generates the store's key and
// says so; secrets rotate replaces it in the store's key file with a new
// one, under which everything is re-sealed; with --new-key-file it leaves
// the key file alone, and the store opens with --secret-key-file naming the
// new key, and no longer with the old one.
func TestSecretsRotate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	keyFile := filepath.Join(dir, "secret.key")
	o := cli(t, "account", "create", "--name", "sealed", "--data", dir)
	var acct newAccount
	decode(t, o, &acct)
	if !strings.Contains(o.stderr, "generated the key that seals its secrets (file "+keyFile+")") {
		t.Errorf("account create on no store does not say it generated the key:\n%s", o.stderr)
	}

	o = cli(t, "secrets", "rotate", "--data", dir)
	var rot app.SecretRotation
	decode(t, o, &rot)
	if rot.KeyFile != keyFile || !rot.Created || rot.Resealed < 1 || len(rot.Retired) != 1 || len(rot.Kept) != 0 || fmt.Sprint(rot.Removed) != fmt.Sprint(rot.Retired) {
		t.Errorf("secrets rotate: %+v, want a new key in %s, the account's secret resealed, the old key retired and removed", rot, keyFile)
	}
	if !strings.Contains(o.stderr, keyFile+" holds the new key "+rot.KeyID) {
		t.Errorf("secrets rotate does not say where the new key is:\n%s", o.stderr)
	}
	var list []accountJSON
	decode(t, cli(t, "account", "list", "--data", dir), &list)
	if len(list) != 1 || list[0].AccountId != acct.AccountId {
		t.Errorf("account list after the rotation: %+v", list)
	}

	newKey := filepath.Join(t.TempDir(), "new.key")
	decode(t, cli(t, "secrets", "rotate", "--data", dir, "--new-key-file", newKey), &rot)
	if !rot.Created || rot.KeyFile != newKey || rot.Resealed < 1 || len(rot.Retired) != 1 || len(rot.Kept) != 0 || len(rot.Removed) != 0 {
		t.Errorf("secrets rotate --new-key-file: %+v, want a new key, the account's secret resealed, the old key retired and no key file changed", rot)
	}
	wantFailure(t, cli(t, "account", "list", "--data", dir), "the secret key does not open this store's secrets")
	decode(t, cli(t, "account", "list", "--data", dir, "--secret-key-file", newKey), &list)
	if len(list) != 1 || list[0].AccountId != acct.AccountId {
		t.Errorf("account list with the new key: %+v", list)
	}

	nowhere := filepath.Join(t.TempDir(), "nowhere")
	wantFailure(t, cli(t, "secrets", "rotate", "--data", nowhere, "--new-key-file", newKey), "no store at "+filepath.Join(nowhere, store.SQLiteFile))
	if _, err := os.Stat(nowhere); !os.IsNotExist(err) {
		t.Errorf("secrets rotate on no store created %s (%v)", nowhere, err)
	}
}

//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/store"
)

// TestBinary runs the real binary as separate processes: the server, and the
// command line beside it on the same store, as an operator would. It builds
// the binary (once for the package's tests), so it is skipped with -short.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin := binary(t)
	for _, tc := range []struct {
		name string
		test func(t *testing.T, bin string)
	}{
		{"Kill9KeepsAccountCreatedBesideServer", testKill9KeepsAccountCreatedBesideServer},
		{"Kill9KeepsServerWrites", testKill9KeepsServerWrites},
		{"SimulatedClockAcrossProcesses", testSimulatedClockAcrossProcesses},
		{"SIGTERMStopsCleanly", testSIGTERMStopsCleanly},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, bin) })
	}
}

// builtBinary is the tollgate binary the process tests run, built once for
// all of them by binary, into a directory TestMain removes.
var builtBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

// binary builds the tollgate binary the first time a test asks, and
// returns its path; a failed build fails every test that asks.
func binary(t *testing.T) string {
	t.Helper()
	b := &builtBinary
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "tollgate-test-bin-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "tollgate")
		b.out, b.err = exec.Command("go", "build", "-o", b.path, ".").CombinedOutput()
	})
	if b.err != nil {
		t.Fatalf("go build: %v\n%s", b.err, b.out)
	}
	return b.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBinary.dir != "" {
		os.RemoveAll(builtBinary.dir)
	}
	os.Exit(code)
}

// loadUntil lets a kill -9 test's load run for at least 1.5 s and until
// enough (read under mu) is acknowledged to mean something, so that a busy
// machine makes the test slower, not failed; after a minute it gives up
// and the test's own count says the load was too light.
func loadUntil(mu *sync.Mutex, enough func() bool) {
	time.Sleep(1500 * time.Millisecond)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		done := enough()
		mu.Unlock()
		if done {
			return
		}
	}
}

// env is the environment of the child processes: ours, less any store
// settings that would send them elsewhere than --data.
func env() []string {
	return append(os.Environ(), "TOLLGATE_DATABASE_URL=", "TOLLGATE_DATA=")
}

// logLines collects a server's JSON log from its stderr, and notes the
// endpoint it announces.
type logLines struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	partial  []byte
	endpoint chan string
	once     sync.Once
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := l.partial[:i]
		l.partial = l.partial[i+1:]
		var rec struct{ Msg, Endpoint string }
		if json.Unmarshal(line, &rec) == nil && rec.Msg == "serving" && rec.Endpoint != "" {
			l.once.Do(func() { l.endpoint <- rec.Endpoint })
		}
	}
	return len(p), nil
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// messages returns the msg of every log record so far.
func (l *logLines) messages() []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	for sc.Scan() {
		var rec struct{ Msg string }
		if json.Unmarshal(sc.Bytes(), &rec) == nil {
			out = append(out, rec.Msg)
		}
	}
	return out
}

// process is a running `tollgate serve`.
type process struct {
	cmd      *exec.Cmd
	endpoint string
	log      *logLines
	stdout   *bytes.Buffer
	exited   chan struct{}
	waitErr  error
}

// startServer runs `tollgate serve` on dataDir on a free port and waits until
// it announces its endpoint. The server is killed when the test ends unless
// it has exited by then.
func startServer(t *testing.T, bin, dataDir string, flags ...string) *process {
	t.Helper()
	args := append([]string{"serve", "--data", dataDir, "--addr", "127.0.0.1:0"}, flags...)
	s := &process{
		cmd:    exec.Command(bin, args...),
		log:    &logLines{endpoint: make(chan string, 1)},
		stdout: &bytes.Buffer{},
		exited: make(chan struct{}),
	}
	s.cmd.Env = env()
	s.cmd.Stderr = s.log
	s.cmd.Stdout = s.stdout
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("server log (%v):\n%s", args, s.log)
		}
	})
	select {
	case s.endpoint = <-s.log.endpoint:
	case <-s.exited:
		t.Fatalf("server exited before serving: %v\n%s", s.waitErr, s.log)
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not announce its endpoint within 60s:\n%s", s.log)
	}
	return s
}

// kill ends the server with SIGKILL, as kill -9 does, and waits for it.
func (s *process) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill server: %v", err)
	}
	<-s.exited
	var ee *exec.ExitError
	if !errors.As(s.waitErr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("server ended with %v, want killed by SIGKILL", s.waitErr)
	}
}

// healthy checks that the server is still running and answers /healthz.
func (s *process) healthy(t *testing.T) {
	t.Helper()
	select {
	case <-s.exited:
		t.Fatalf("server exited: %v", s.waitErr)
	default:
	}
	resp, err := http.Get(s.endpoint + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %s %s", resp.Status, body)
	}
}

// result is what a command-line run printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

// tollgate runs one command-line invocation to completion.
func tollgate(t *testing.T, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("tollgate %v: %v", args, err)
	}
	return r
}

// mustJSON runs a command that must succeed and decodes its JSON output.
func mustJSON(t *testing.T, bin string, v any, args ...string) {
	t.Helper()
	r := tollgate(t, bin, args...)
	if r.code != 0 {
		t.Fatalf("tollgate %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("tollgate %v: %v in output %q", args, err, r.stdout)
	}
}

// callerIdentity asks the server who the key belongs to, with the AWS SDK.
func callerIdentity(t *testing.T, endpoint, keyID, secret string) (*sts.GetCallerIdentityOutput, error) {
	t.Helper()
	client := sts.New(sts.Options{
		BaseEndpoint:     aws.String(endpoint),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		RetryMaxAttempts: 1,
	})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	return client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
}

func wantIdentity(t *testing.T, endpoint, keyID, secret, account string) {
	t.Helper()
	out, err := callerIdentity(t, endpoint, keyID, secret)
	if err != nil {
		t.Fatalf("GetCallerIdentity as %s: %v", keyID, err)
	}
	if got := aws.ToString(out.Account); got != account {
		t.Errorf("GetCallerIdentity as %s: account %q, want %q", keyID, got, account)
	}
	if got, want := aws.ToString(out.Arn), "arn:aws:iam::"+account+":root"; got != want {
		t.Errorf("GetCallerIdentity as %s: ARN %q, want %q", keyID, got, want)
	}
}

type createdAccount struct{ AccountId, AccessKeyId, SecretAccessKey string }

// testKill9KeepsAccountCreatedBesideServer creates an account with the
// command line while a server runs on the same store, kills the server with
// SIGKILL the moment the command returns, restarts it, and signs in with the
// new key.
//
// What this proves is crash durability (the write is in the database files,
// and a server dying without closing them recovers it on restart); a process
// kill leaves the page cache intact, so it does not prove that the fsync
// reached the disk, which only a power cut would.
func testKill9KeepsAccountCreatedBesideServer(t *testing.T, bin string) {
	dir := t.TempDir()
	srv := startServer(t, bin, dir)

	var acct createdAccount
	mustJSON(t, bin, &acct, "account", "create", "--name", "x", "--data", dir)
	srv.kill(t)

	// The server held the database open when it died, so its write-ahead
	// log was neither checkpointed nor removed: the restart goes through
	// recovery.
	if fi, err := os.Stat(filepath.Join(dir, store.SQLiteFile+"-wal")); err == nil {
		t.Logf("write-ahead log left by the killed server: %d bytes", fi.Size())
	}

	srv = startServer(t, bin, dir)
	wantIdentity(t, srv.endpoint, acct.AccessKeyId, acct.SecretAccessKey, acct.AccountId)

	var list []struct{ AccountId, Name string }
	mustJSON(t, bin, &list, "account", "list", "--data", dir)
	if len(list) != 1 || list[0].AccountId != acct.AccountId || list[0].Name != "x" {
		t.Errorf("account list after the restart = %+v, want just %s named x", list, acct.AccountId)
	}
}

// testKill9KeepsServerWrites kills a server right after it announces itself:
// the demo accounts it wrote before serving must be there after a restart
// (without --demo, so nothing re-creates them).
func testKill9KeepsServerWrites(t *testing.T, bin string) {
	dir := t.TempDir()
	srv := startServer(t, bin, dir, "--demo")
	srv.kill(t)

	srv = startServer(t, bin, dir)
	for _, p := range []demo.Party{demo.Parties().Operator, demo.Parties().Seller, demo.Parties().Buyer} {
		wantIdentity(t, srv.endpoint, p.Key.ID, p.Key.Secret, p.Account.ID)
	}
	// And a key nobody created is still refused.
	if _, err := callerIdentity(t, srv.endpoint, "AKIANOBODYNOBODY0000", strings.Repeat("s", 40)); err == nil {
		t.Error("GetCallerIdentity with an unknown key succeeded")
	}
}

type clockJSON struct{ Mode, Now string }

func parseNow(t *testing.T, c clockJSON) time.Time {
	t.Helper()
	if c.Mode != "simulated" {
		t.Fatalf("clock mode %q, want simulated", c.Mode)
	}
	now, err := time.Parse(time.RFC3339Nano, c.Now)
	if err != nil {
		t.Fatalf("clock time %q: %v", c.Now, err)
	}
	return now
}

// testSimulatedClockAcrossProcesses moves the simulated clock with the
// command line while a server runs on the same store.
//
// The server has no API that shows the simulated time yet, so that the
// running server sees the change is checked through the same wiring `serve`
// uses (app.Open with --clock simulated), opened in this test process as a
// second process on the store; the spawned server is checked to stay
// healthy, and the stored time through `tollgate clock show`.
func testSimulatedClockAcrossProcesses(t *testing.T, bin string) {
	dir := t.TempDir()
	srv := startServer(t, bin, dir, "--clock", "simulated")

	var c clockJSON
	mustJSON(t, bin, &c, "clock", "show", "--data", dir)
	start := parseNow(t, c)
	if d := time.Since(start); d < 0 || d > time.Minute {
		t.Errorf("the server started the simulated clock at %v, want about the wall clock", start)
	}

	in, err := app.Open(t.Context(), app.Config{
		Store: store.Config{DataDir: dir},
		Clock: app.ClockSimulated,
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("open a second server in the test process: %v", err)
	}
	defer in.Close()
	if got := in.Clock.Now(); !got.Equal(start) {
		t.Fatalf("second server's simulated time %v, want the stored %v", got, start)
	}

	mustJSON(t, bin, &c, "clock", "advance", "61m", "--data", dir)
	advancedAt := time.Now()
	want := start.Add(61 * time.Minute)
	if got := parseNow(t, c); !got.Equal(want) {
		t.Errorf("clock advance printed %v, want %v", got, want)
	}
	for !in.Clock.Now().Equal(want) {
		if time.Since(advancedAt) > time.Second {
			t.Fatalf("a running server did not see the advance within a second: Now = %v, want %v", in.Clock.Now(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("a running server saw the advance %v after the command returned", time.Since(advancedAt).Round(time.Millisecond))
	mustJSON(t, bin, &c, "clock", "show", "--data", dir)
	if got := parseNow(t, c); !got.Equal(want) {
		t.Errorf("clock show after the advance: %v, want %v", got, want)
	}
	srv.healthy(t)

	// Moving backwards is refused, with a message saying why (exit 1), as is
	// an argument that is no time at all (a usage error, exit 2); neither
	// changes anything.
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		message string
	}{
		{"SetBackwards", []string{"clock", "set", start.Format(time.RFC3339)}, 1, "simulated time only moves forward"},
		{"AdvanceNegative", []string{"clock", "advance", "--", "-5m"}, 1, "simulated time only moves forward"},
		{"SetJunk", []string{"clock", "set", "tomorrow"}, 2, "invalid time"},
		{"AdvanceJunk", []string{"clock", "advance", "soon"}, 2, "invalid duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tollgate(t, bin, append(tc.args, "--data", dir)...)
			if r.code != tc.code {
				t.Errorf("tollgate %v: exit %d, want %d", tc.args, r.code, tc.code)
			}
			if !strings.HasPrefix(r.stderr, "tollgate: ") || !strings.Contains(r.stderr, tc.message) {
				t.Errorf("tollgate %v: stderr %q, want \"tollgate: ...%s...\"", tc.args, r.stderr, tc.message)
			}
			if r.stdout != "" {
				t.Errorf("tollgate %v: printed %q on failure", tc.args, r.stdout)
			}
		})
	}
	mustJSON(t, bin, &c, "clock", "show", "--data", dir)
	if got := parseNow(t, c); !got.Equal(want) {
		t.Errorf("clock show after refused changes: %v, want %v", got, want)
	}

	// Forwards works, and the server is still fine.
	later := want.Add(48 * time.Hour).Truncate(time.Second)
	mustJSON(t, bin, &c, "clock", "set", later.Format(time.RFC3339), "--data", dir)
	if got := parseNow(t, c); !got.Equal(later) {
		t.Errorf("clock set printed %v, want %v", got, later)
	}
	srv.healthy(t)
}

// testSIGTERMStopsCleanly stops a server with SIGTERM: it exits 0 after
// logging its shutdown, and closes the store, which SQLite shows by
// checkpointing and removing the write-ahead log when its last connection
// closes.
func testSIGTERMStopsCleanly(t *testing.T, bin string) {
	dir := t.TempDir()
	srv := startServer(t, bin, dir, "--clock", "simulated")
	var acct createdAccount
	mustJSON(t, bin, &acct, "account", "create", "--name", "before-sigterm", "--data", dir)
	wantIdentity(t, srv.endpoint, acct.AccessKeyId, acct.SecretAccessKey, acct.AccountId)

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-srv.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("server still running 30s after SIGTERM")
	}
	if srv.waitErr != nil {
		t.Fatalf("server exited with %v after SIGTERM, want exit code 0\n%s", srv.waitErr, srv.log)
	}
	msgs := strings.Join(srv.log.messages(), "\n")
	for _, want := range []string{"shutting down: finishing in-flight requests", "stopped"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("server log lacks %q:\n%s", want, srv.log)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, store.SQLiteFile+"-wal")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("write-ahead log still present after a clean stop (%v): the store was not closed", err)
	}

	// The data is intact for the next start.
	srv = startServer(t, bin, dir, "--clock", "simulated")
	wantIdentity(t, srv.endpoint, acct.AccessKeyId, acct.SecretAccessKey, acct.AccountId)
}

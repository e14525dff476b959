package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/store"
)

// cliInput runs one command line with stdin as its standard input.
func cliInput(t *testing.T, stdin string, args ...string) outcome {
	t.Helper()
	t.Setenv("TOLLGATE_DATA", "")
	t.Setenv("TOLLGATE_DATABASE_URL", "")
	var stdout, stderr bytes.Buffer
	code := runWithInput(t.Context(), args, strings.NewReader(stdin), &stdout, &stderr)
	return outcome{stdout.String(), stderr.String(), code}
}

// signIn tries a console sign-in against the store in dir.
func signIn(t *testing.T, dir, accountID, password string) error {
	t.Helper()
	a, err := app.OpenAdmin(t.Context(), app.Config{Store: store.Config{DataDir: dir}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, _, err = a.Accounts.SignIn(t.Context(), account.SignInInput{AccountID: accountID, Password: password})
	return err
}

// TestAccountPassword sets a console password from standard input and signs
// in with it.
func TestAccountPassword(t *testing.T) {
	dir := t.TempDir()
	var acct newAccount
	decode(t, cli(t, "account", "create", "--name", "Buyer", "--data", dir), &acct)

	for _, tc := range []struct {
		name, stdin, password string
	}{
		{"TrailingNewline", "first password!\n", "first password!"},
		{"WindowsNewline", "second password\r\n", "second password"},
		{"NoNewline", "third password", "third password"},
		{"InnerNewlineKept", "fourth\npassword\n", "fourth\npassword"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := cliInput(t, tc.stdin, "account", "password", acct.AccountId, "--password-stdin", "--data", dir)
			var out passwordOutput
			decode(t, o, &out)
			if out.AccountId != acct.AccountId {
				t.Errorf("printed %+v, want account %s", out, acct.AccountId)
			}
			if _, err := time.Parse(time.RFC3339, out.PasswordSetAt); err != nil {
				t.Errorf("PasswordSetAt %q: %v", out.PasswordSetAt, err)
			}
			if strings.Contains(o.stdout+o.stderr, tc.password) {
				t.Errorf("the password was printed: %s", o)
			}
			if err := signIn(t, dir, acct.AccountId, tc.password); err != nil {
				t.Errorf("sign in with the new password: %v", err)
			}
			if err := signIn(t, dir, acct.AccountId, tc.stdin+"x"); !fault.Is(err, fault.Unauthenticated) {
				t.Errorf("sign in with another password: %v, want Unauthenticated", err)
			}
		})
	}

	t.Run("Refused", func(t *testing.T) {
		for _, tc := range []struct{ stdin, want string }{
			{"short\n", "the password must be at least 12 bytes long"},
			{strings.Repeat("x", 129) + "\n", "the password must be at most 128 bytes long"},
			{strings.Repeat("x", 5000), "the password must be at most 128 bytes long"},
			{"", "the password must be at least 12 bytes long"},
		} {
			wantFailure(t, cliInput(t, tc.stdin, "account", "password", acct.AccountId, "--password-stdin", "--data", dir), tc.want)
		}
		wantFailure(t, cliInput(t, "a long enough password\n", "account", "password", "999999999999", "--password-stdin", "--data", dir),
			"account 999999999999 does not exist")
		if err := signIn(t, dir, acct.AccountId, "fourth\npassword"); err != nil {
			t.Errorf("a refused change changed the password: %v", err)
		}
	})
}

// TestAccountPasswordUsage: mistakes on the command line exit 2 before any
// password is read.
func TestAccountPasswordUsage(t *testing.T) {
	dir := t.TempDir()
	var acct newAccount
	decode(t, cli(t, "account", "create", "--name", "Buyer", "--data", dir), &acct)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"NoAccount", []string{"account", "password"}, "account password takes one ACCOUNT_ID, such as 333333333333"},
		{"TwoAccounts", []string{"account", "password", acct.AccountId, acct.AccountId}, "account password takes one ACCOUNT_ID"},
		{"BadAccount", []string{"account", "password", "12345"}, `invalid account ID "12345": want 12 digits`},
		// Not a terminal, and no --password-stdin: nothing to read the
		// password from without echoing it.
		{"NotATerminal", []string{"account", "password", acct.AccountId}, "standard input is not a terminal: give --password-stdin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := cliInput(t, "a long enough password\n", append(tc.args, "--data", dir)...)
			if o.code != exitUsage || o.stdout != "" || !strings.Contains(o.stderr, "tollgate: "+tc.want) ||
				!strings.Contains(o.stderr, "Run 'tollgate account password --help' for usage.") {
				t.Errorf("want exit 2 and %q; got %s", tc.want, o)
			}
		})
	}
	if f, err := os.Open(os.DevNull); err == nil {
		defer f.Close()
		var stdout, stderr bytes.Buffer
		t.Setenv("TOLLGATE_DATA", "")
		if code := runWithInput(t.Context(), []string{"account", "password", acct.AccountId, "--data", dir}, f, &stdout, &stderr); code != exitUsage {
			t.Errorf("with /dev/null as standard input: exit %d, want 2; stderr %q", code, stderr.String())
		}
	}
}

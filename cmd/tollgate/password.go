package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/fault"
)

// passwordOutput is what account password prints.
type passwordOutput struct {
	AccountId     string
	PasswordSetAt string
}

func accountPasswordCommand() *cobra.Command {
	var fromStdin bool
	cmd := adminCommand(&cobra.Command{
		Use:   "password ACCOUNT_ID [--password-stdin] [flags]",
		Short: "set an account's console password",
		Long: fmt.Sprintf(`Set the password that account ACCOUNT_ID (12 digits) signs in to the web
console with, replacing any earlier one, and print {"AccountId",
"PasswordSetAt"}. Every console
session of the account ends: whoever knew the old password is signed out.

The password is %d to %d bytes of UTF-8. It is read without echo from the
terminal, twice; with --password-stdin it is read from standard input
instead (one trailing newline is dropped), for scripts.

Passwords are stored as argon2id hashes.`, account.MinPasswordLength, account.MaxPasswordLength) + storeNote,
		Example: `  tollgate account password 333333333333
  printf '%s\n' "$PASSWORD" | tollgate account password 333333333333 --password-stdin`,
	}, argSpec{names: []string{"ACCOUNT_ID"}, wrong: "account password takes one ACCOUNT_ID, such as 333333333333",
		check: func(args []string) error {
			if !account.ValidID(args[0]) {
				return fault.New(fault.Invalid, "invalid account ID %q: want 12 digits", args[0])
			}
			return nil
		}}, mustExist, func(cmd *cobra.Command, a *app.App, args []string) error {
		pw, err := readPassword(cmd, args[0], fromStdin)
		if err != nil {
			return err
		}
		if err := a.Accounts.SetPassword(cmd.Context(), account.SetPasswordInput{AccountID: args[0], Password: pw}); err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), passwordOutput{args[0], a.Clock.Now().Format(time.RFC3339)})
	})
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input")
	return cmd
}

// readPassword reads the new password: from standard input as it is with
// --password-stdin, otherwise from the terminal without echo, twice.
func readPassword(cmd *cobra.Command, accountID string, fromStdin bool) (string, error) {
	in := cmd.InOrStdin()
	if fromStdin {
		// Read a little past the longest password, so that a longer one
		// is refused for its length rather than cut.
		b, err := io.ReadAll(io.LimitReader(in, account.MaxPasswordLength+3))
		if err != nil {
			return "", fault.Wrap(err, "read the password from standard input")
		}
		b = bytes.TrimSuffix(b, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		return string(b), nil
	}
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usageError("standard input is not a terminal: give --password-stdin to read the password from it")
	}
	stderr := cmd.ErrOrStderr()
	fmt.Fprintf(stderr, "New console password for account %s: ", accountID)
	first, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fault.Wrap(err, "read the password from the terminal")
	}
	fmt.Fprint(stderr, "The same password again: ")
	second, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fault.Wrap(err, "read the password from the terminal")
	}
	if !bytes.Equal(first, second) {
		return "", fault.New(fault.Invalid, "the two passwords differ; the password was not changed")
	}
	return string(first), nil
}

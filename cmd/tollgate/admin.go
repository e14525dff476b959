package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

type accountJSON struct {
	AccountId       string
	Name            string
	Email           string `json:",omitempty"`
	Operator        bool   `json:",omitempty"`
	CreatedAt       string `json:",omitempty"`
	AccessKeyId     string `json:",omitempty"`
	SecretAccessKey string `json:",omitempty"`
}

// keyJSON is what account create and key create print.
type keyJSON struct {
	AccountId, AccessKeyId, SecretAccessKey string
}

// storeNote is the part of every admin command's help that says how it
// finds the store.
const storeNote = `

The store is found as by "tollgate serve": --data, --database-url,
TOLLGATE_DATA or TOLLGATE_DATABASE_URL, else ./tollgate-data; its secrets'
key too (--secret-key-file). The command says on stderr which store it
opened.`

// tree marks a group whose subcommands the top-level usage lists one by one.
var tree = map[string]string{"tree": "yes"}

// adminCommand is a leaf command that works on the store: it registers the
// store flags and hands run the opened App.
func adminCommand(cmd *cobra.Command, spec argSpec, create bool,
	run func(cmd *cobra.Command, a *app.App, args []string) error) *cobra.Command {
	var sf storeFlags
	sf.register(cmd)
	cmd.RunE = spec.runE(func(cmd *cobra.Command, args []string) error {
		a, err := sf.openAdmin(cmd.Context(), cmd.ErrOrStderr(), create)
		if err != nil {
			return err
		}
		defer a.Close()
		return run(cmd, a, args)
	})
	return cmd
}

func accountCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "account", Annotations: tree, Short: "create and list accounts, and set their console passwords"}
	var name, email string
	var operator bool
	create := adminCommand(&cobra.Command{
		Use:   "create --name NAME [--email EMAIL] [--operator] [flags]",
		Short: "create an account and its first access key",
		Long: `Create an account and its first access key, and print them as JSON:
{"AccountId", "AccessKeyId", "SecretAccessKey"}. The secret is shown only
here. This command creates the store if there is none yet, and says so.` + storeNote,
		Example: `  tollgate account create --name "Acme" --email ops@acme.example`,
	}, argSpec{required: []string{"name"}}, mayCreate, func(cmd *cobra.Command, a *app.App, _ []string) error {
		acct, key, err := a.Accounts.Create(cmd.Context(),
			account.CreateAccountInput{Name: name, Email: email, Operator: operator})
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), keyJSON{acct.ID, key.ID, key.Secret})
	})
	create.Flags().StringVar(&name, "name", "", "account `NAME` (required)")
	create.Flags().StringVar(&email, "email", "", "contact `EMAIL`")
	create.Flags().BoolVar(&operator, "operator", false, "the account operates the platform: may issue as AWS/Marketplace and change platform settings")

	list := adminCommand(&cobra.Command{
		Use:   "list [flags]",
		Short: "list the accounts as JSON",
		Long: `Print every account as a JSON array of {"AccountId", "Name", "Email",
"Operator", "CreatedAt"}. It never creates a store.` + storeNote,
	}, argSpec{}, mustExist, func(cmd *cobra.Command, a *app.App, _ []string) error {
		list, err := a.DB.Accounts().ListAccounts(cmd.Context())
		if err != nil {
			return err
		}
		out := make([]accountJSON, 0, len(list))
		for _, a := range list {
			out = append(out, accountJSON{AccountId: a.ID, Name: a.Name, Email: a.Email, Operator: a.Operator,
				CreatedAt: a.CreatedAt.Format(time.RFC3339)})
		}
		return printJSON(cmd.OutOrStdout(), out)
	})
	cmd.AddCommand(create, list, accountPasswordCommand())
	return cmd
}

func keyCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "key", Annotations: tree, Short: "create and delete access keys"}
	var accountID, keyID string
	create := adminCommand(&cobra.Command{
		Use:   "create --account ID [flags]",
		Short: "create another access key for an account",
		Long: `Create an access key for an existing account and print it as JSON:
{"AccountId", "AccessKeyId", "SecretAccessKey"}. The secret is shown only
here.` + storeNote,
		Example: `  tollgate key create --account 444444444444`,
	}, argSpec{required: []string{"account"}}, mustExist, func(cmd *cobra.Command, a *app.App, _ []string) error {
		key, err := a.Accounts.CreateKey(cmd.Context(), accountID)
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), keyJSON{key.AccountID, key.ID, key.Secret})
	})
	create.Flags().StringVar(&accountID, "account", "", "12-digit account `ID` (required)")

	del := adminCommand(&cobra.Command{
		Use:   "delete --access-key-id AK [flags]",
		Short: "delete an access key; requests signed with it are refused within a second",
		Long: `Delete an access key and print {"Deleted": AK}. A running server refuses
requests signed with it within a second.` + storeNote,
		Example: `  tollgate key delete --access-key-id AKIA...`,
	}, argSpec{required: []string{"access-key-id"}}, mustExist, func(cmd *cobra.Command, a *app.App, _ []string) error {
		if err := a.Accounts.DeleteKey(cmd.Context(), keyID); err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), struct{ Deleted string }{keyID})
	})
	del.Flags().StringVar(&keyID, "access-key-id", "", "the access key `AK` to delete (required)")
	cmd.AddCommand(create, del)
	return cmd
}

// clockOutput is what every clock command prints.
type clockOutput struct{ Mode, Now string }

func clockCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:         "clock",
		Annotations: tree,
		Short:       "show or move the simulated clock",
		Long: `Show the marketplace's time, or move it when the server runs on the
simulated clock (tollgate serve --clock simulated). A running server sees
a change within a second. Simulated time only moves forward.`,
	}
	show := adminCommand(&cobra.Command{
		Use:   "show [flags]",
		Short: "print the clock's mode and time as JSON",
		Long: `Print {"Mode": "real" or "simulated", "Now": RFC 3339 time}: the clock the
last server started on the store runs on, and its time.` + storeNote,
	}, argSpec{}, mustExist, func(cmd *cobra.Command, a *app.App, _ []string) error {
		return printClock(cmd, a.ClockMode, a.Clock.Now())
	})

	advance := adminCommand(&cobra.Command{
		Use:   "advance DURATION [flags]",
		Short: "move the simulated clock forward by DURATION",
		Long: `Move the simulated clock forward and print it as "clock show" does.

DURATION is a Go duration (90s, 61m, 1h30m) or a whole number of days (30d).
A store whose server runs on the real clock is refused: start the server
with --clock simulated.` + storeNote,
		Example: `  tollgate clock advance 61m     # past a floating license's 60-minute expiry
  tollgate clock advance 30d     # a month`,
	}, argSpec{names: []string{"DURATION"}, wrong: "clock advance takes one DURATION, such as 61m or 30d",
		check: func(args []string) error { _, err := clock.ParseDuration(args[0]); return err }}, mustExist,
		func(cmd *cobra.Command, a *app.App, args []string) error {
			d, err := clock.ParseDuration(args[0])
			if err != nil {
				return err
			}
			sim, err := simulated(a)
			if err != nil {
				return err
			}
			t, err := sim.Advance(cmd.Context(), d)
			if err != nil {
				return err
			}
			return printClock(cmd, app.ClockSimulated, t)
		})

	set := adminCommand(&cobra.Command{
		Use:   "set TIME [flags]",
		Short: "move the simulated clock forward to TIME",
		Long: `Move the simulated clock to TIME and print it as "clock show" does.

TIME is an RFC 3339 time, such as 2027-01-01T00:00:00Z, not before the
simulated now. A store whose server runs on the real clock is refused: start
the server with --clock simulated.` + storeNote,
		Example: `  tollgate clock set 2027-01-01T00:00:00Z`,
	}, argSpec{names: []string{"TIME"}, wrong: "clock set takes one RFC 3339 TIME, such as 2027-01-01T00:00:00Z",
		check: func(args []string) error { _, err := parseTime(args[0]); return err }}, mustExist,
		func(cmd *cobra.Command, a *app.App, args []string) error {
			target, err := parseTime(args[0])
			if err != nil {
				return err
			}
			sim, err := simulated(a)
			if err != nil {
				return err
			}
			t, err := sim.Set(cmd.Context(), target)
			if err != nil {
				return err
			}
			return printClock(cmd, app.ClockSimulated, t)
		})
	cmd.AddCommand(show, advance, set)
	return cmd
}

// simulated returns the store's simulated clock, refusing a store whose
// server runs on the real clock: moving a simulated time there would change
// nothing the server does, and would switch the store's mode under it.
func simulated(a *app.App) (*clock.Simulated, error) {
	if a.Simulated == nil {
		return nil, fault.New(fault.Invalid, "the store runs on the real clock, which cannot be moved; "+
			"start the server with --clock simulated to use a simulated clock")
	}
	return a.Simulated, nil
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fault.New(fault.Invalid, "invalid time %q: want RFC 3339, such as 2027-01-01T00:00:00Z", s)
	}
	return t, nil
}

func printClock(cmd *cobra.Command, mode string, now time.Time) error {
	return printJSON(cmd.OutOrStdout(), clockOutput{mode, now.Format(time.RFC3339Nano)})
}

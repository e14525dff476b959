package main

import (
	"context"
	"io"
	"time"

	"github.com/tollgate/tollgate/internal/account"
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

func accountCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("account needs a subcommand: create or list")
	}
	fs := newFlagSet("account "+args[0], stderr)
	var sf storeFlags
	sf.register(fs)
	switch args[0] {
	case "create":
		name := fs.String("name", "", "account name (required)")
		email := fs.String("email", "", "contact email")
		operator := fs.Bool("operator", false, "may change platform settings")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := sf.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		a, key, err := account.NewService(db.Accounts(), clock.Real{}).Create(ctx,
			account.CreateAccountInput{Name: *name, Email: *email, Operator: *operator})
		if err != nil {
			return err
		}
		return printJSON(stdout, struct {
			AccountId, AccessKeyId, SecretAccessKey string
		}{a.ID, key.ID, key.Secret})
	case "list":
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := sf.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		list, err := db.Accounts().ListAccounts(ctx)
		if err != nil {
			return err
		}
		out := make([]accountJSON, 0, len(list))
		for _, a := range list {
			out = append(out, accountJSON{AccountId: a.ID, Name: a.Name, Email: a.Email, Operator: a.Operator,
				CreatedAt: a.CreatedAt.Format(time.RFC3339)})
		}
		return printJSON(stdout, out)
	default:
		return usageError("unknown account subcommand %q: want create or list", args[0])
	}
}

func keyCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("key needs a subcommand: create or delete")
	}
	fs := newFlagSet("key "+args[0], stderr)
	var sf storeFlags
	sf.register(fs)
	switch args[0] {
	case "create":
		id := fs.String("account", "", "account ID (required)")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := sf.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		key, err := account.NewService(db.Accounts(), clock.Real{}).CreateKey(ctx, *id)
		if err != nil {
			return err
		}
		return printJSON(stdout, struct {
			AccountId, AccessKeyId, SecretAccessKey string
		}{key.AccountID, key.ID, key.Secret})
	case "delete":
		id := fs.String("access-key-id", "", "access key ID (required)")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := sf.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := account.NewService(db.Accounts(), clock.Real{}).DeleteKey(ctx, *id); err != nil {
			return err
		}
		return printJSON(stdout, struct{ Deleted string }{*id})
	default:
		return usageError("unknown key subcommand %q: want create or delete", args[0])
	}
}

func clockCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("clock needs a subcommand: show, advance or set")
	}
	fs := newFlagSet("clock "+args[0], stderr)
	var sf storeFlags
	sf.register(fs)
	rest, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	db, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	store := db.SimulatedClock()
	var t time.Time
	switch args[0] {
	case "show":
		var ok bool
		if t, ok, err = store.SimulatedTime(ctx); err == nil && !ok {
			return printJSON(stdout, struct{ Mode, Now string }{"real", clock.Real{}.Now().Format(time.RFC3339Nano)})
		}
	case "advance":
		if len(rest) != 1 {
			return usageError("clock advance takes one DURATION, such as 61m or 30d")
		}
		var d time.Duration
		if d, err = clock.ParseDuration(rest[0]); err == nil {
			t, err = store.AdvanceSimulatedTime(ctx, d)
		}
	case "set":
		if len(rest) != 1 {
			return usageError("clock set takes one RFC 3339 time, such as 2027-01-01T00:00:00Z")
		}
		var target time.Time
		if target, err = time.Parse(time.RFC3339, rest[0]); err != nil {
			return fault.New(fault.Invalid, "invalid time %q: want RFC 3339, such as 2027-01-01T00:00:00Z", rest[0])
		}
		t, err = store.SetSimulatedTime(ctx, target)
	default:
		return usageError("unknown clock subcommand %q: want show, advance or set", args[0])
	}
	if err != nil {
		return err
	}
	return printJSON(stdout, struct{ Mode, Now string }{"simulated", t.Format(time.RFC3339Nano)})
}

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tollgate/tollgate/internal/app"
)

func secretsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:         "secrets",
		Annotations: tree,
		Short:       "manage the key that seals the store's secrets",
		Long: `The store keeps access-key secrets and issuers' signing keys sealed under a
key kept outside it (--secret-key-file, TOLLGATE_SECRET_KEY_FILE or
TOLLGATE_SECRET_KEY; on SQLite, secret.key in the data directory).`,
	}
	var sf storeFlags
	var newKeyFile string
	rotate := &cobra.Command{
		Use:   "rotate [flags]",
		Short: "re-seal every secret of the store under a new key, while servers run",
		Long: `Generate a new key, re-seal every secret of the store under it, and retire
the old key; print what was done as JSON: {"key_file", "created", "key_id",
"resealed", "retired", "kept", "removed"}. Servers may keep running.

The store's key file is the one "tollgate serve" reads (--secret-key-file,
TOLLGATE_SECRET_KEY_FILE, or secret.key in --data). The new key is written
into it first, before the old one (a whole new file, mode 0600, fsync'd);
a server reading the same file meets values sealed under the new key, reads
the file again and opens them, so it answers throughout. Once nothing is
sealed under the old key it is retired ("retired") and removed from the
file ("removed"): the store no longer opens with it. Copy the key file
first if you keep backups of the database: a backup opens only with the
keys that sealed it.

With --new-key-file, the new key is read from FILE (generated there, mode
0600, if it does not exist) and no key file is changed: for servers that do
not share the store's key file (replicas, PostgreSQL), give every server a
key file holding both keys before, and the new key alone after. A server
that lacks the new key answers the requests that need it with a
ServiceUnavailable error, and logs which key it lacks, until its key file
holds it.` + storeNote,
		Example: `  tollgate secrets rotate                                         # servers on this machine's key file
  tollgate secrets rotate --secret-key-file both.key --new-key-file new.key   # replicas`,
	}
	sf.register(rotate)
	rotate.Flags().StringVar(&newKeyFile, "new-key-file", "", "`FILE` of the new key, generated if it does not exist; no key file is changed")
	_ = rotate.MarkFlagFilename("new-key-file")
	rotate.RunE = argSpec{}.runE(func(cmd *cobra.Command, _ []string) error {
		cfg := sf.config()
		where, _, err := locate(cfg, mustExist)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.ErrOrStderr(), "tollgate: store:", where)
		out, err := app.RotateSecretKey(cmd.Context(), cfg, newKeyFile)
		if err != nil {
			return err
		}
		if newKeyFile == "" {
			fmt.Fprintf(cmd.ErrOrStderr(), "tollgate: secrets: %s holds the new key %s; back it up, apart from the database\n", out.KeyFile, out.KeyID)
		}
		return printJSON(cmd.OutOrStdout(), out)
	})
	cmd.AddCommand(rotate)
	return cmd
}

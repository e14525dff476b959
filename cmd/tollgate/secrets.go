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
		Use:   "rotate --new-key-file FILE [flags]",
		Short: "re-seal every secret of the store under a new key",
		Long: `Re-seal every secret of the store under the key in --new-key-file, generating
that file (mode 0600) if it does not exist, and print what was done as JSON:
{"new_key_file", "created", "key_id", "resealed", "retired", "kept"}.

The store's current keys are found as by "tollgate serve" (--secret-key-file,
the environment, or secret.key in --data). Servers may run meanwhile only if
they were started with both keys, the new one first: a server holding the
old key alone cannot open what is re-sealed, and fails the requests that
need it until restarted with the new key. Once nothing is sealed under
an old key it is retired ("retired"), and the store no longer opens with it.
Afterwards, start the servers with the new key alone.` + storeNote,
		Example: `  tollgate secrets rotate --new-key-file new.key                  # server stopped
  tollgate secrets rotate --secret-key-file both.key --new-key-file new.key`,
	}
	sf.register(rotate)
	rotate.Flags().StringVar(&newKeyFile, "new-key-file", "", "`FILE` of the new key, generated if it does not exist (required)")
	_ = rotate.MarkFlagFilename("new-key-file")
	rotate.RunE = argSpec{required: []string{"new-key-file"}}.runE(func(cmd *cobra.Command, _ []string) error {
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
		return printJSON(cmd.OutOrStdout(), out)
	})
	cmd.AddCommand(rotate)
	return cmd
}

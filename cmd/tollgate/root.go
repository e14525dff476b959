package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// newRootCommand builds the whole command tree, writing to stdout and stderr.
func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "tollgate",
		Short: "a self-hostable marketplace for paid machine images and licensed software",
		Long: `tollgate: a self-hostable marketplace for paid machine images and licensed software.

"tollgate serve" runs the server. The admin commands (account, key, clock,
instance-types, images, secrets) administer its store, while a server runs on it
too: they take --data DIR or --database-url URL (or TOLLGATE_DATA /
TOLLGATE_DATABASE_URL) to find the store and --secret-key-file FILE for its
key. The client commands (product, subscribe, subscription, offer,
entitlement, whoami) call a running server's native API with an account's
access keys, from flags or the usual AWS environment variables
(AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). Every command
prints JSON.`,
		Version:       version(),
		SilenceErrors: true, // run reports errors, once
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				cmd.SetOut(cmd.ErrOrStderr())
				_ = cmd.Help()
				return &usageErr{msg: "no command given", usageShown: true}
			}
			return unknownCommand(cmd, args[0])
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%s", err) })
	root.SetVersionTemplate("tollgate {{.Version}}\n")
	root.SetUsageTemplate(usageTemplate)
	root.AddCommand(serveCommand(), accountCommand(), keyCommand(), clockCommand(), instanceTypesCommand(), imagesCommand(), secretsCommand(),
		productCommand(), subscribeCommand(), subscriptionCommand(), offerCommand(), entitlementCommand(), whoamiCommand(), instanceCommand(), platformCommand(),
		versionCommand())
	root.SetHelpCommand(helpCommand())
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root {
		c.Short = "write a shell completion script: bash, zsh, fish or powershell"
	}
	finish(root)
	return root
}

// finish makes every command that only groups others report a missing or
// unknown subcommand as a usage error (cobra would print the help and exit
// 0), and every argument check's error a usage error.
func finish(c *cobra.Command) {
	c.SuggestionsMinimumDistance = 2
	if c.HasSubCommands() && !c.Runnable() {
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("%s needs a subcommand: %s", cmd.Name(), subcommandNames(cmd))
			}
			return unknownCommand(cmd, args[0])
		}
	}
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			err := check(cmd, args)
			var ue *usageErr
			if err != nil && !errors.As(err, &ue) {
				err = usageError("%s", err)
			}
			return err
		}
	}
	for _, sub := range c.Commands() {
		finish(sub)
	}
}

// unknownCommand is the error for a subcommand c does not have, with the
// nearest names as a suggestion.
func unknownCommand(c *cobra.Command, name string) error {
	what := "command"
	if c.HasParent() {
		what = c.Name() + " subcommand"
	}
	msg := fmt.Sprintf("unknown %s %q: want %s", what, name, subcommandNames(c))
	if s := c.SuggestionsFor(name); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
	}
	return usageError("%s", msg)
}

// subcommandNames lists c's subcommands: "create or list".
func subcommandNames(c *cobra.Command) string {
	var names []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// helpCommand is `tollgate help [COMMAND]...`: cobra's, except that an
// unknown topic is a usage error rather than the root's help and exit 0.
func helpCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]...",
		Short: "show the help of a command: tollgate help clock advance",
		Long: `Show the help of the COMMAND named by one or more words, as
"tollgate COMMAND --help" does; with no COMMAND, the list of commands.`,
		Args: cobra.ArbitraryArgs,
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return usageError("no help for %q: not a command", strings.Join(args, " "))
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "tollgate %s\n", version())
			return err
		},
	}
}

// version is the module version the binary was built from (a pseudo-version
// naming the commit when built in a clone), and the Go release.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version)"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && v == "(devel)" {
			v += " " + s.Value
		}
	}
	return v + " " + info.GoVersion
}

// argSpec is what a command takes besides flags: exactly len(names)
// positional arguments, and the flags in required.
type argSpec struct {
	names    []string // the positional arguments, in order
	wrong    string   // the message when another number is given
	required []string // flags that must be given
	// check, if set, vets the arguments' values: its errors are usage
	// errors, reported before anything is opened.
	check func(args []string) error
}

// runE returns a cobra RunE that checks the arguments against s before
// calling run.
//
// Flags may follow "--" and the one argument it protects, as in
// `tollgate clock advance -- -5m --data DIR`: the command line has always
// allowed it, and pflag alone would take everything after "--" as
// arguments.
func (s argSpec) runE(run func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if at := cmd.ArgsLenAtDash(); at >= 0 && at+1 < len(args) {
			if err := cmd.Flags().Parse(args[at+1:]); err != nil {
				return usageError("%s", err)
			}
			args = append(args[:at+1:at+1], cmd.Flags().Args()...)
		}
		if len(args) != len(s.names) {
			if s.wrong != "" {
				return usageError("%s", s.wrong)
			}
			return usageError("%s takes no arguments, got %q", commandName(cmd), args)
		}
		for _, name := range s.required {
			if !cmd.Flags().Changed(name) {
				return usageError("%s needs --%s", commandName(cmd), name)
			}
		}
		if s.check != nil {
			if err := s.check(args); err != nil {
				return usageError("%s", message(err))
			}
		}
		return run(cmd, args)
	}
}

// commandName is cmd's path without the program's name: "clock advance".
func commandName(cmd *cobra.Command) string {
	return strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
}

// enumValue is a flag that takes one of a fixed set of values, so that a
// wrong one is a usage error naming the choices, and shells complete them.
type enumValue struct {
	value   *string
	choices []string
}

var _ pflag.Value = enumValue{}

func (e enumValue) String() string { return *e.value }
func (e enumValue) Type() string   { return strings.Join(e.choices, "|") }

func (e enumValue) Set(s string) error {
	for _, c := range e.choices {
		if s == c {
			*e.value = s
			return nil
		}
	}
	return fmt.Errorf("want %s", orList(e.choices))
}

// enumFlag defines a flag of cmd that takes one of choices, the first being
// the default unless def says otherwise.
func enumFlag(cmd *cobra.Command, p *string, name, def string, choices []string, usage string) {
	*p = def
	cmd.Flags().Var(enumValue{value: p, choices: choices}, name, usage)
	_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(choices, cobra.ShellCompDirectiveNoFileComp))
}

func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// usageTemplate is cobra's, except that a command with subcommands shows one
// usage line, the root lists the subcommands of the groups annotated "tree"
// (the admin commands) one by one, and the pointer to per-command help names
// COMMAND.
const usageTemplate = `Usage:{{if .HasAvailableSubCommands}}
  {{.CommandPath}} COMMAND{{if .HasAvailableLocalFlags}} [flags]{{end}}{{else}}
  {{.UseLine}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Commands:{{range .Commands}}{{if or .IsAvailableCommand (eq .Name "help")}}{{if and (not $.HasParent) (index .Annotations "tree")}}{{range .Commands}}{{if .IsAvailableCommand}}
  {{rpad (print .Parent.Name " " .Name) 20}} {{.Short}}{{end}}{{end}}{{else}}
  {{rpad .Name 20}} {{.Short}}{{end}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Global Flags:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

Run '{{.CommandPath}} COMMAND --help' for more about a command.{{end}}
`

func init() {
	// List commands in the order they are added (serve first), not by name.
	cobra.EnableCommandSorting = false
}

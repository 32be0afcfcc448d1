package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// A command is one of the program's subcommands.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

// commands lists the subcommands. Serve, the default, is run's own body,
// and run answers help.
var commands = []command{
	{"serve", "serve the HTTP API (the default when no command is given)", nil},
	{"token", "mint a bearer token with the configured secret", runToken},
	{"migrate", "show the database's schema version and apply its migrations, without serving", runMigrate},
	{"backup", "copy the database, while it is in use, into a new file, and check the copy", runBackup},
	{"version", "print the program's version", func(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
		return runVersion(args, stdout, stderr)
	}},
	{"help", "list the commands", nil},
}

// subcommand splits the arguments after the program name into a command
// and its arguments. Without a command (no arguments, or a flag first) the
// command is serve; a first argument that is neither is an error.
func subcommand(args []string) (command, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return commands[0], args, nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c, args[1:], nil
		}
	}
	return command{}, nil, fmt.Errorf("unknown command %q; run \"server help\" for the list", args[0])
}

// printCommands writes the list of commands.
func printCommands(w io.Writer) {
	fmt.Fprintf(w, "Usage: server [command] [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun \"server COMMAND -h\" for what a command does and its flags.\n")
}

// newFlagSet returns the flag set of a command, whose -h prints usage
// (the arguments after the flags) and what the command does.
func newFlagSet(name, usage, does string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("server "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		line := "Usage: server " + name + " [flags]"
		if usage != "" {
			line += " " + usage
		}
		fmt.Fprintf(fs.Output(), "%s\n\n%s\n", line, does)
		if hasFlags(fs) {
			fmt.Fprintf(fs.Output(), "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseArgs parses args and insists on exactly n arguments after the
// flags.
func parseArgs(fs *flag.FlagSet, args []string, n int) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != n {
		fs.Usage()
		if fs.NArg() > n {
			return fmt.Errorf("%s: unexpected arguments: %s", fs.Name(), strings.Join(fs.Args()[n:], " "))
		}
		return fmt.Errorf("%s: missing arguments", fs.Name())
	}
	return nil
}

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
)

// Exit codes: 0 success, 1 render errors (results with severity error),
// 2 usage or I/O errors.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// buildCommit is set by `make build` (-ldflags -X) for builds without VCS
// stamping.
var buildCommit string

// exitErr carries an exit code through cobra.
type exitErr struct{ code int }

func (e exitErr) Error() string { return fmt.Sprintf("exit %d", e.code) }

// exitUnless is a command's result: nil when ok, else exit 1 (the command
// has printed why).
func exitUnless(ok bool) error {
	if ok {
		return nil
	}
	return exitErr{exitError}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	var ee exitErr
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintln(stderr, "lattice:", err)
		return exitUsage
	}
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "lattice",
		Short: "Render LatticeService specs into Kubernetes, Istio, Gateway API and cert-manager objects",
		Long: `lattice expands LatticeService resources into everything the platform derives from them.

With no arguments it is a KRM function: a ResourceList on stdin, a ResourceList on stdout,
readable errors on stderr, exit 1 on any error. Use it from kustomize
(kustomize build --enable-alpha-plugins --enable-exec) or kpt (kpt fn render --allow-exec).`,
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return function(stdin, stdout, stderr)
		},
	}
	// --version prints what `lattice version` prints.
	root.Version = version()
	root.SetVersionTemplate("lattice {{.Version}}\n")
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(renderCmd(stdout, stderr), versionCmd(stdout))
	for _, c := range commands {
		root.AddCommand(c(stdin, stdout, stderr))
	}
	return root
}

// commands are the subcommands defined in their own files (push, pin,
// check, ...); each file appends its constructor in an init function.
// cobra sorts commands by name, so registration order does not matter.
var commands []func(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command

// function is the KRM function mode.
func function(stdin io.Reader, stdout, stderr io.Writer) error {
	items, fnConfig, err := krm.ReadResourceList(stdin)
	if err != nil {
		// Unreadable input is an error like any other: exit 1, nothing on
		// stdout, the reason on stderr.
		fmt.Fprintln(stderr, "error:", err)
		return exitErr{exitError}
	}
	out := render.Render(items, fnConfig, render.Function)
	fmt.Fprint(stderr, render.Format(out.Results))
	// WriteResourceList encodes everything before it writes: a failed
	// encoding leaves nothing on stdout.
	if err := krm.WriteResourceList(stdout, out.Items, fnConfig, out.Results); err != nil {
		return err
	}
	if out.Failed {
		return exitErr{exitError}
	}
	return nil
}

func renderCmd(stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "render DIR|FILE...",
		Short: "Render the YAML files of directories to a plain YAML stream",
		Long: `render reads every *.yaml and *.yml file under the given paths (skipping kustomization
files and hidden directories), takes the Platform among them as configuration, and prints
the rendered objects as one YAML stream. Errors name the file and line. Nothing is printed
on stdout when there is any error.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			items, err := readPaths(args)
			if err == nil {
				err = checkKustomizations(args) // fields render does not apply
			}
			if err != nil {
				fmt.Fprintln(stderr, "error:", err)
				return exitErr{exitError}
			}
			out := render.Render(items, nil, render.Stream)
			fmt.Fprint(stderr, render.Format(out.Results))
			if out.Failed {
				return exitErr{exitError}
			}
			var buf bytes.Buffer
			if err := krm.WriteStream(&buf, out.Items); err != nil {
				return err
			}
			_, err = stdout.Write(buf.Bytes())
			return err
		},
	}
}

func versionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the module version and VCS commit lattice was built from (also --version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(stdout, "lattice %s\n", version())
			return nil
		},
	}
}

// version is the module version and VCS commit lattice was built from.
func version() string {
	version, commit, modified := "(devel)", "unknown", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = " (modified)"
				}
			}
		}
	}
	if version == "" {
		version = "(devel)"
	}
	if commit == "unknown" && buildCommit != "" {
		commit = buildCommit
	}
	return version + " commit " + commit + modified
}

package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/render"
	"github.com/lattice-dev/lattice/pkg/validate"
)

func init() { commands = append(commands, checkCmd) }

func checkCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var discover, roots, all bool
	cmd := &cobra.Command{
		Use:   "check DIR|FILE...",
		Short: "Validate LatticeServices and their agreements without writing any output",
		Long: `check renders the given paths exactly like ` + "`lattice render`" + ` (every LatticeService, the
bilateral dependency graph, the Platform and image lock among them) and prints only the
findings, one per line as FILE:LINE: SEVERITY: ..., the format editors and pre-commit
link to. It exits 1 when there is any error; warnings alone exit 0. Nothing else is
written.

--discover prints the files that define LatticeServices or the Platform, one per line, and
validates nothing: Argo CD's plugin discovery runs it and takes any output as "this app is
lattice". The Platform counts so that an app whose last service was removed is still
matched (Argo CD runs discovery even for Applications that name the plugin, and an
unmatched app fails instead of pruning what the removed services left). Files it cannot
read are reported on stderr, the only stream Argo CD shows when the command fails.

--roots checks every render root under the given directories on its own: each directory
that holds a Platform (one Argo CD app, Flux Kustomization or cluster), without the roots
nested in it. A team monorepo or a fleet repository (one directory per cluster) is then
one command; without any Platform the directories are one render, as without --roots.

- reads a built stream from stdin instead — what ` + "`kustomize build`" + ` printed, what Argo CD or
Flux would apply — and checks it the way ` + "`lattice validate`" + ` does: lattice's own source kinds
in it are errors ("unrendered: did you forget --enable-exec?"), since a build that skipped
lattice passes its sources through, and every other object is checked against its schema.

--all checks a whole repository or fleet: every render root under the paths (each
kustomization no other one includes, each top kpt package) is rendered on its own, and
then the renders are compared: an object two renders of one cluster would both apply, a
hostname two renders claim, a workload declared in two renders, is an error naming both
renders with file and line (docs/ownership.md).

` + "`lattice check`" + ` also runs as a pre-commit hook (docs/pre-commit.md).`,
		Example: `  lattice check .
  lattice check services/ platform.yaml
  lattice check --roots .
  lattice check --all .
  kustomize build --enable-alpha-plugins --enable-exec overlays/prod | lattice check -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if slices.Contains(args, "-") {
				if len(args) > 1 || discover || roots || all {
					return fmt.Errorf("check - reads one built stream from stdin: give it alone, without --discover, --roots or --all")
				}
				return checkStream(stdin, stdout, stderr)
			}
			if all && !discover {
				return checkAll(args, stdout)
			}
			if roots && !discover {
				return checkRoots(args, stdout)
			}
			items, err := readPaths(args)
			if err != nil {
				if discover {
					fmt.Fprintln(stderr, "error:", err)
				} else {
					fmt.Fprintln(stdout, err)
				}
				return exitErr{exitError}
			}
			if discover {
				for _, f := range discoverFiles(items) {
					fmt.Fprintln(stdout, f)
				}
				return nil
			}
			if err := checkKustomizations(args); err != nil { // fields render does not apply
				fmt.Fprintln(stdout, err)
				return exitErr{exitError}
			}
			out := render.Render(items, nil, render.Stream)
			fmt.Fprint(stdout, formatFindings(out.Results))
			if out.Failed {
				return exitErr{exitError}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&discover, "discover", false, "only list the files that define LatticeServices or the Platform")
	cmd.Flags().BoolVar(&roots, "roots", false, "check each directory holding a Platform as a render of its own")
	cmd.Flags().BoolVar(&all, "all", false, "check every render root under the paths, and that no two renders emit one object")
	return cmd
}

// checkStream checks a built stream (stdin) as `lattice validate -` does,
// printing check's FILE: lines: sources in it are the --enable-exec mistake.
func checkStream(stdin io.Reader, stdout, stderr io.Writer) error {
	items, err := readValidateInput([]string{"-"}, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return exitErr{exitUsage}
	}
	failed := false
	for _, r := range validateItems(items, validate.Options{}) {
		for _, p := range r.Problems {
			sev := "error"
			if p.Severity == validate.Warning {
				sev = "warning"
			}
			failed = failed || p.Severity == validate.Error
			fmt.Fprintf(stdout, "-: document %d: %s: %s", r.Index+1, sev, problemLine(r, validate.Problem{Field: p.Field, Message: p.Message}))
		}
	}
	if failed {
		return exitErr{exitError}
	}
	return nil
}

// checkRoots checks each render root under dirs on its own and prints
// every root's findings; it fails when any root has an error.
func checkRoots(dirs []string, stdout io.Writer) error {
	groups, err := renderRoots(dirs)
	if err != nil {
		fmt.Fprintln(stdout, err)
		return exitErr{exitError}
	}
	failed := false
	for _, paths := range groups {
		items, err := readPaths(paths)
		if err != nil {
			fmt.Fprintln(stdout, err)
			failed = true
			continue
		}
		out := render.Render(items, nil, render.Stream)
		fmt.Fprint(stdout, formatFindings(out.Results))
		failed = failed || out.Failed
	}
	if failed {
		return exitErr{exitError}
	}
	return nil
}

// discoverFiles lists, once each and in input order, the files that hold a
// LatticeService or a Platform: what makes a directory a lattice app.
func discoverFiles(items []krm.Item) []string {
	var files []string
	for _, it := range items {
		if it.Node.GetApiVersion() != v1alpha1.APIVersion {
			continue
		}
		if k := it.Node.GetKind(); k == v1alpha1.KindLatticeService || k == v1alpha1.KindPlatform {
			files = append(files, it.File)
		}
	}
	return slices.Compact(files)
}

// formatFindings prints results the way compilers do, FILE:LINE: first,
// so editors, CI logs and pre-commit make them clickable. Results without
// a line name the document instead (FILE: document N:).
func formatFindings(results framework.Results) string {
	var b strings.Builder
	for _, r := range results {
		if r.File != nil && r.File.Path != "" {
			b.WriteString(r.File.Path)
			if line := r.Tags["line"]; line != "" {
				b.WriteString(":" + line)
			}
			b.WriteString(": ")
			if r.Tags["line"] == "" && r.File.Index > 0 {
				b.WriteString("document " + strconv.Itoa(r.File.Index+1) + ": ")
			}
		}
		b.WriteString(render.Line(r))
		b.WriteByte('\n')
	}
	return b.String()
}

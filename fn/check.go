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
)

func init() { commands = append(commands, checkCmd) }

func checkCmd(_ io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var discover, all bool
	cmd := &cobra.Command{
		Use:   "check DIR|FILE...",
		Short: "Validate LatticeServices and their agreements without writing any output",
		Long: `check renders the given paths exactly like ` + "`lattice render`" + ` (every LatticeService, the
bilateral dependency graph, the Platform and image lock among them) and prints only the
findings, one per line as FILE:LINE: SEVERITY: ..., the format editors and pre-commit
link to. It exits 1 when there is any error; warnings alone exit 0. Nothing else is
written.

--all checks a whole repository or fleet: every render root under the paths (each
kustomization no other one includes, each top kpt package) is rendered on its own, and
then the renders are compared: an object two renders of one cluster would both apply, a
hostname two renders claim, a workload declared in two renders, is an error naming both
renders with file and line (docs/ownership.md).

--discover prints the files that define LatticeServices, one per line, and validates
nothing: Argo CD's plugin discovery runs it and takes any output as "this app is lattice".`,
		Example: `  lattice check .
  lattice check services/ platform.yaml
  lattice check --all .`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if all && !discover {
				return checkAll(args, stdout)
			}
			items, err := krm.ReadPaths(args)
			if err != nil {
				fmt.Fprintln(stdout, err)
				return exitErr{exitError}
			}
			if discover {
				var files []string
				for _, it := range items {
					if it.Node.GetApiVersion() == v1alpha1.APIVersion && it.Node.GetKind() == v1alpha1.KindLatticeService {
						files = append(files, it.File)
					}
				}
				for _, f := range slices.Compact(files) {
					fmt.Fprintln(stdout, f)
				}
				return nil
			}
			if err := krm.CheckKustomizations(args); err != nil { // fields render does not apply
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
	cmd.Flags().BoolVar(&discover, "discover", false, "only list the files that define LatticeServices")
	cmd.Flags().BoolVar(&all, "all", false, "check every render root under the paths, and that no two renders emit one object")
	return cmd
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

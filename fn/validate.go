package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/lattice-dev/lattice/pkg/krm"
	"github.com/lattice-dev/lattice/pkg/par"
	"github.com/lattice-dev/lattice/pkg/validate"
)

func init() { commands = append(commands, validateCmd) }

// validated is one object's verdict, the unit of `validate -o json`.
type validated struct {
	File       string `json:"file,omitempty"`
	Index      int    `json:"index"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	// Skipped says why the object was not validated ("local-config").
	Skipped  string             `json:"skipped,omitempty"`
	Problems []validate.Problem `json:"problems"`
}

func validateCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var allowUnknown bool
	var output string
	cmd := &cobra.Command{
		Use:   "validate [FILE|DIR|-]...",
		Short: "Validate a rendered YAML stream offline, as a Kubernetes API server would",
		Long: `validate checks every object of a YAML stream (lattice render or kustomize build output,
files, directories, or - for stdin, the default) against schemas embedded in lattice: the core
kinds lattice emits, the Gateway API, Istio, cert-manager and External Secrets CRDs it targets
and lattice's own CRDs, including the CRDs' CEL rules (x-kubernetes-validations). No cluster
and no network are needed. See docs/validate.md for what is checked and what is not.

Each problem is one line, KIND NAMESPACE/NAME: FIELD: MESSAGE. Unknown fields are errors, as
with kubectl apply. Objects of a kind without an embedded schema are errors, or warnings with
--allow-unknown. Objects marked config.kubernetes.io/local-config never reach a cluster and
are skipped. Exit 1 on any error, 2 when the input cannot be read.`,
		Example: `  lattice render services/ | lattice validate
  kustomize build --enable-alpha-plugins --enable-exec overlays/prod | lattice validate -
  lattice validate --allow-unknown rendered.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "text" && output != "json" {
				return fmt.Errorf("--output must be text or json, not %q", output)
			}
			items, err := readValidateInput(args, stdin)
			if err != nil {
				fmt.Fprintln(stderr, "error:", err)
				return exitErr{exitUsage}
			}
			results := validateItems(items, validate.Options{AllowUnknown: allowUnknown})
			errs, warns := 0, 0
			for _, r := range results {
				for _, p := range r.Problems {
					if p.Severity == validate.Error {
						errs++
					} else {
						warns++
					}
				}
			}
			if output == "json" {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return err
				}
			} else {
				var b strings.Builder
				for _, r := range results {
					for _, p := range r.Problems {
						b.WriteString(problemLine(r, p))
					}
				}
				if _, err := io.WriteString(stdout, b.String()); err != nil {
					return err
				}
			}
			fmt.Fprintf(stderr, "validated %s: %s, %s\n", plural(len(results), "object"), plural(errs, "error"), plural(warns, "warning"))
			if errs > 0 {
				return exitErr{exitError}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&allowUnknown, "allow-unknown", false, "report kinds without an embedded schema as warnings instead of errors")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text (one line per problem) or json (every object with its problems)")
	return cmd
}

// problemLine is KIND NS/NAME: FIELD: MESSAGE (NAME alone for
// cluster-scoped objects; no FIELD for the object as a whole).
func problemLine(r validated, p validate.Problem) string {
	var b strings.Builder
	b.WriteString(r.Kind + " ")
	if r.Namespace != "" {
		b.WriteString(r.Namespace + "/")
	}
	b.WriteString(r.Name + ": ")
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	if p.Severity == validate.Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Message + "\n")
	return b.String()
}

// readValidateInput reads files and directories like `lattice render`, and
// - (or no argument) from stdin. A KRM ResourceList contributes its items.
func readValidateInput(args []string, stdin io.Reader) ([]krm.Item, error) {
	if len(args) == 0 {
		args = []string{"-"}
	}
	var items, paths []krm.Item
	var files []string
	for _, a := range args {
		if a != "-" {
			files = append(files, a)
			continue
		}
		data, err := io.ReadAll(io.LimitReader(stdin, krm.MaxInputBytes+1))
		if err != nil {
			return nil, err
		}
		if len(data) > krm.MaxInputBytes {
			return nil, fmt.Errorf("stdin: more than %d bytes", krm.MaxInputBytes)
		}
		its, err := krm.ParseStream(data, "-")
		if err != nil {
			return nil, err
		}
		items = append(items, its...)
	}
	if len(files) > 0 {
		its, err := readPaths(files)
		if err != nil {
			return nil, err
		}
		paths = its
	}
	var out []krm.Item
	for _, it := range append(items, paths...) {
		if it.Node.GetKind() != kio.ResourceListKind {
			out = append(out, it)
			continue
		}
		list, err := it.Node.Pipe(yaml.Lookup("items"))
		if err != nil {
			return nil, err
		}
		elems, err := list.Elements()
		if err != nil {
			return nil, err
		}
		for i, e := range elems {
			out = append(out, krm.Item{Node: e, File: it.File, Index: i})
		}
	}
	return out, nil
}

func validateItems(items []krm.Item, opts validate.Options) []validated {
	results := make([]validated, len(items))
	par.For(len(items), func(i int) {
		it := items[i]
		n := it.Node
		r := validated{File: it.File, Index: it.Index, APIVersion: n.GetApiVersion(), Kind: n.GetKind(), Namespace: n.GetNamespace(), Name: n.GetName(), Problems: []validate.Problem{}}
		defer func() { results[i] = r }()
		if n.GetAnnotations()["config.kubernetes.io/local-config"] == "true" {
			r.Skipped = "local-config"
			return
		}
		text, err := n.String()
		if err == nil {
			var obj map[string]any
			if obj, err = validate.YAML([]byte(text)); err == nil {
				r.Problems = append(r.Problems, validate.Object(obj, opts)...)
				if isLatticeKind(r.APIVersion) {
					r.Problems = unrenderedProblems(r.Kind, r.Problems) // unrendered.go
				}
				return
			}
		}
		r.Problems = append(r.Problems, validate.Problem{Severity: validate.Error, Message: "cannot decode: " + err.Error()})
	})
	return results
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

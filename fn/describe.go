package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lattice-dev/lattice/pkg/describe"
	"github.com/lattice-dev/lattice/pkg/render"
)

func init() {
	commands = append(commands, graphCmd, explainCmd, diffCmd)
}

// renderDirs renders directories like `lattice render`, printing results
// on stderr; a failed render is an error.
func renderDirs(paths []string, stderr io.Writer) (*render.Output, error) {
	items, err := readPaths(paths)
	if err != nil {
		return nil, err
	}
	out := render.Render(items, nil, render.Stream)
	fmt.Fprint(stderr, render.Format(out.Results))
	if out.Failed {
		return nil, exitErr{exitError}
	}
	return out, nil
}

func graphCmd(_ io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var format, focus string
	cmd := &cobra.Command{
		Use:   "graph DIR...",
		Short: "Draw the service graph: agreements, one-sided declarations, ingress and egress",
		Long: `graph renders the directories and prints the service graph. Bilateral agreements are
solid edges; one-sided declarations are dashed red edges labelled with the missing half.
Formats: mermaid (renders on GitHub), dot (Graphviz), json.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := renderDirs(args, stderr)
			if err != nil {
				return err
			}
			m := describe.Build(out)
			if focus != "" {
				if m, err = m.Focus(focus); err != nil {
					fmt.Fprintln(stderr, "error:", err)
					return exitErr{exitError}
				}
			}
			var text string
			switch format {
			case "mermaid":
				text = m.Mermaid()
			case "dot":
				text = m.DOT()
			case "json":
				if text, err = m.JSON(); err != nil {
					return err
				}
			default:
				return fmt.Errorf("unknown --format %q (mermaid, dot or json)", format)
			}
			_, err = io.WriteString(stdout, text)
			return err
		},
	}
	cmd.Flags().StringVarP(&format, "format", "o", "mermaid", "mermaid, dot or json")
	cmd.Flags().StringVar(&focus, "focus", "", "show only NAMESPACE/NAME and its neighbours")
	return cmd
}

func explainCmd(_ io.Reader, stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "explain NAMESPACE/NAME DIR...",
		Short: "Explain what one service derives, who may call it and whom it may call",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ns, name, ok := strings.Cut(args[0], "/")
			if !ok {
				return fmt.Errorf("name the service as NAMESPACE/NAME, got %q", args[0])
			}
			out, err := renderDirs(args[1:], stderr)
			if err != nil {
				return err
			}
			text, err := describe.Explain(out, ns, name)
			if err != nil {
				fmt.Fprintln(stderr, "error:", err)
				return exitErr{exitError}
			}
			_, err = io.WriteString(stdout, text)
			return err
		},
	}
}

func diffCmd(_ io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var base string
	var failOnNew bool
	cmd := &cobra.Command{
		Use:   "diff [--base REV] DIR...",
		Short: "Compare the render of the working tree with the render at a git revision",
		Long: `diff renders the directories as they are and as they were at --base (default HEAD),
and prints the security-relevant changes first (callers, hostnames, egress granted or
revoked), then the object changes. With --fail-on-new-access it exits 1 when the change
grants access that did not exist, for CI policies that want a second reviewer.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			now, err := renderDirs(args, stderr)
			if err != nil {
				return err
			}
			oldDir, oldPaths, err := checkout(base, args)
			if err != nil {
				fmt.Fprintln(stderr, "error:", err)
				return exitErr{exitUsage}
			}
			defer os.RemoveAll(oldDir)
			var before *render.Output
			if len(oldPaths) == 0 {
				before = render.Render(nil, nil, render.Stream)
			} else if before, err = renderDirs(oldPaths, stderr); err != nil {
				fmt.Fprintf(stderr, "error: the render at %s fails; diff needs both renders\n", base)
				return err
			}
			report, err := describe.Diff(before, now)
			if err != nil {
				return err
			}
			if _, err := io.WriteString(stdout, report.Text()); err != nil {
				return err
			}
			if failOnNew && report.NewAccess() {
				fmt.Fprintln(stderr, "error: this change grants new access (lines starting with +)")
				return exitErr{exitError}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&base, "base", "HEAD", "git revision to compare with")
	cmd.Flags().BoolVar(&failOnNew, "fail-on-new-access", false, "exit 1 when new callers, hostnames or egress appear")
	return cmd
}

// checkout extracts paths as they were at rev into a temporary directory
// and returns the directory and the extracted paths that existed at rev.
func checkout(rev string, paths []string) (string, []string, error) {
	top, err := git("", "rev-parse", "--show-toplevel")
	if err != nil {
		return "", nil, fmt.Errorf("diff needs a git repository: %w", err)
	}
	top = strings.TrimSpace(top)
	tmp, err := os.MkdirTemp("", "lattice-diff-")
	if err != nil {
		return "", nil, err
	}
	var out []string
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return tmp, nil, err
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		rel, err := filepath.Rel(top, abs)
		if err != nil || strings.HasPrefix(rel, "..") {
			return tmp, nil, fmt.Errorf("%s is outside the git repository %s", p, top)
		}
		archive, err := git(top, "archive", "--format=tar", rev, "--", rel)
		if err != nil {
			if strings.Contains(err.Error(), "did not match any files") {
				continue // the path is new since rev
			}
			return tmp, nil, fmt.Errorf("git archive %s %s: %w", rev, rel, err)
		}
		if err := untar(archive, tmp); err != nil {
			return tmp, nil, err
		}
		out = append(out, filepath.Join(tmp, rel))
	}
	return tmp, out, nil
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", errors.New(strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

func untar(data, dir string) error {
	tr := tar.NewReader(strings.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(target, filepath.Clean(dir)+string(os.PathSeparator)) {
			return fmt.Errorf("unsafe path %q in git archive", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				return err
			}
			if err := os.WriteFile(target, b, 0o644); err != nil {
				return err
			}
		}
	}
}

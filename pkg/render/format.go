package render

import (
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/lattice-dev/lattice/pkg/par"
)

// Format renders results for humans, one line each: kustomize never shows
// KRM results, so stderr is the only place a user sees why a build failed.
func Format(results framework.Results) string {
	lines := make([]string, len(results))
	par.For(len(results), func(i int) {
		r := results[i]
		line := Line(r)
		if r.File != nil && r.File.Path != "" {
			// A file without a line is kpt's path and index, or
			// kustomize's origin annotation, which names no document:
			// the first document of a file is the file.
			switch n := r.Tags["line"]; {
			case n != "":
				line += " (" + r.File.Path + ":" + n + ")"
			case r.File.Index > 0:
				line += " (" + r.File.Path + ", document " + strconv.Itoa(r.File.Index) + ")"
			default:
				line += " (" + r.File.Path + ")"
			}
		}
		lines[i] = line + "\n"
	})
	return strings.Join(lines, "")
}

// Line is one result without its location: "severity: Kind ns/name:
// field.path: message".
func Line(r *framework.Result) string {
	var b strings.Builder
	b.Grow(len(r.Message) + 128)
	b.WriteString(string(r.Severity))
	b.WriteString(": ")
	if r.ResourceRef != nil && r.ResourceRef.Name != "" {
		b.WriteString(r.ResourceRef.Kind)
		b.WriteByte(' ')
		if r.ResourceRef.Namespace != "" {
			b.WriteString(r.ResourceRef.Namespace)
			b.WriteByte('/')
		}
		b.WriteString(r.ResourceRef.Name)
		b.WriteString(": ")
	}
	if r.Field != nil && r.Field.Path != "" {
		b.WriteString(r.Field.Path)
		b.WriteString(": ")
	}
	b.WriteString(r.Message)
	return b.String()
}

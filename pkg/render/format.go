package render

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// Format renders results for humans, one line each: kustomize never shows
// KRM results, so stderr is the only place a user sees why a build failed.
func Format(results framework.Results) string {
	var b strings.Builder
	for _, r := range results {
		b.WriteString(Line(r))
		if r.File != nil && r.File.Path != "" {
			if line := r.Tags["line"]; line != "" {
				fmt.Fprintf(&b, " (%s:%s)", r.File.Path, line)
			} else {
				fmt.Fprintf(&b, " (%s, document %d)", r.File.Path, r.File.Index)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Line is one result without its location: "severity: Kind ns/name:
// field.path: message".
func Line(r *framework.Result) string {
	var b strings.Builder
	b.WriteString(string(r.Severity))
	b.WriteString(": ")
	if r.ResourceRef != nil && r.ResourceRef.Name != "" {
		id := r.ResourceRef.Name
		if r.ResourceRef.Namespace != "" {
			id = r.ResourceRef.Namespace + "/" + id
		}
		fmt.Fprintf(&b, "%s %s: ", r.ResourceRef.Kind, id)
	}
	if r.Field != nil && r.Field.Path != "" {
		b.WriteString(r.Field.Path)
		b.WriteString(": ")
	}
	b.WriteString(r.Message)
	return b.String()
}

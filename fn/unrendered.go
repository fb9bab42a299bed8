package main

import (
	"strings"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/validate"
)

// renderRule starts the message of the validation rule every lattice CRD
// carries that always fails (config/crd): the API server refuses to store
// lattice's own kinds.
const renderRule = "render with lattice:"

// unrenderedProblems is what `lattice validate` says about an object of
// lattice's own group that is not local-config: a source that should have
// been rendered, typically by a kustomize build without --enable-exec,
// which skips lattice silently and passes its sources through. The schema
// problems of the object follow, without the render rule's message, which
// says the same less precisely.
func unrenderedProblems(kind string, schema []validate.Problem) []validate.Problem {
	out := []validate.Problem{{Severity: validate.Error, Message: "unrendered: did you forget --enable-exec? " + unrenderedWhy(kind) +
		"; build with `kustomize build --enable-alpha-plugins --enable-exec` (or `lattice render DIR`) and validate that output"}}
	for _, p := range schema {
		if !strings.Contains(p.Message, renderRule) {
			out = append(out, p)
		}
	}
	return out
}

func unrenderedWhy(kind string) string {
	switch kind {
	case v1alpha1.KindLatticeService:
		return "a LatticeService is lattice's input, never a cluster object: lattice expands it into the objects to apply, and kustomize passes it through unrendered when it does not run exec functions"
	case v1alpha1.KindPlatform:
		return "a Platform configures lattice and never reaches a cluster"
	}
	article := "a "
	if strings.ContainsAny(kind[:1], "AEIOU") {
		article = "an "
	}
	return article + kind + " is read by lattice and never reaches a cluster"
}

// isLatticeKind reports whether apiVersion is in lattice's own group.
func isLatticeKind(apiVersion string) bool {
	group, _, _ := strings.Cut(apiVersion, "/")
	return group == v1alpha1.Group
}

package graph

import (
	"testing"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// TestDidYouMean (issue 15 §4): a declaration naming a service that does
// not exist gets the nearest one that does, deterministically.
func TestDidYouMean(t *testing.T) {
	svc := func(ns, name string) *v1alpha1.LatticeService {
		s := &v1alpha1.LatticeService{}
		s.Namespace, s.Name = ns, name
		return s
	}
	g := Build([]*v1alpha1.LatticeService{svc("shop", "api"), svc("shop", "apis"), svc("shop", "web"), svc("finance", "ledger")})
	cases := map[string]struct {
		reason string
		peer   Ref
		want   string
	}{
		"typo":             {"one letter off in the same namespace", Ref{Namespace: "shop", Name: "apii"}, "api"},
		"closest wins":     {"api (distance 1) before apis (distance 2)", Ref{Namespace: "shop", Name: "aps"}, "api"},
		"wrong namespace":  {"the name exists in another namespace", Ref{Namespace: "shop", Name: "ledger"}, "finance/ledger"},
		"too far":          {"no guess beyond two edits", Ref{Namespace: "shop", Name: "catalog"}, ""},
		"short names":      {"a one-letter name is not a typo of another", Ref{Namespace: "shop", Name: "x"}, ""},
		"other namespace2": {"a typo in another namespace is named with it", Ref{Namespace: "finance", Name: "ledgr"}, "finance/ledger"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := g.DidYouMean(tc.peer, "shop")
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("%s: DidYouMean(%v) = %q, %v; want %q", tc.reason, tc.peer, got, ok, tc.want)
			}
		})
	}
}

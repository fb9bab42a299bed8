package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func platformYAML(cluster string) string {
	return "apiVersion: lattice.dev/v1alpha1\nkind: Platform\nmetadata: {name: platform}\nspec:\n  cluster: {name: " + cluster + "}\n"
}

// TestCheckRoots: a repository with several renders (clusters or teams,
// each with its Platform) is checked root by root with --roots; without it
// the whole tree is one render with several Platforms.
func TestCheckRoots(t *testing.T) {
	const digest = "registry.example.com/shop/app@sha256:1111111111111111111111111111111111111111111111111111111111111111"
	ns := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio.io/dataplane-mode: ambient\n"
	repo := pinDir(t, map[string]string{
		"clusters/east/platform.yaml": platformYAML("east"),
		"clusters/east/ns.yaml":       ns,
		"clusters/east/app.yaml":      pinService("app", digest),
		"clusters/west/platform.yaml": platformYAML("west"),
		"clusters/west/ns.yaml":       ns,
		"clusters/west/app.yaml":      pinService("app", digest),
		// a root with a nested root: each is its own render
		"teams/platform.yaml":         platformYAML("teams"),
		"teams/ns.yaml":               ns,
		"teams/web.yaml":              pinService("web", digest),
		"teams/billing/platform.yaml": platformYAML("billing"),
		"teams/billing/ns.yaml":       ns,
		"teams/billing/web.yaml":      pinService("web", digest),
		".github/ci.yaml":             "on: push\n",
		"README.md":                   "# fleet\n",
	})
	if code, out, _ := cli(t, "check", repo); code != 1 || !strings.Contains(out, "more than one Platform") {
		t.Fatalf("check without --roots: exit %d\n%s", code, out)
	}
	if code, out, errOut := cli(t, "check", "--roots", repo); code != 0 || out != "" {
		t.Fatalf("check --roots: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	groups, err := renderRoots([]string{repo})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range groups {
		var rel []string
		for _, p := range g {
			r, _ := filepath.Rel(repo, p)
			rel = append(rel, filepath.ToSlash(r))
		}
		got = append(got, strings.Join(rel, " "))
	}
	want := []string{"clusters/east", "clusters/west", "teams/ns.yaml teams/platform.yaml teams/web.yaml", "teams/billing"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("roots:\n got %q\nwant %q", got, want)
	}

	// An error in one root is reported with its file and line, and fails.
	bad := pinDir(t, map[string]string{
		"east/platform.yaml": platformYAML("east"),
		"east/app.yaml":      pinService("app", digest) + "  replica: 2\n",
		"east/ns.yaml":       ns,
		"west/ns.yaml":       ns,
		"west/platform.yaml": platformYAML("west"),
		"west/app.yaml":      pinService("app", digest),
	})
	code, out, _ := cli(t, "check", "--roots", bad)
	if code != 1 || !strings.Contains(out, bad+"/east/app.yaml:") || strings.Contains(out, "/west/") {
		t.Errorf("check --roots with an error in east: exit %d\n%s", code, out)
	}

	// No Platform anywhere: one render, as without --roots.
	single := pinDir(t, map[string]string{"ns.yaml": ns, "app.yaml": pinService("app", digest)})
	if code, out, _ := cli(t, "check", "--roots", single); code != 0 || out != "" {
		t.Errorf("single app without a Platform: exit %d\n%s", code, out)
	}
}

// TestFleetCheckDirectory: `fleet check DIR` checks every Fleet file under
// DIR, and nothing (exit 0) where there is none, so one hook config fits
// every repository.
func TestFleetCheckDirectory(t *testing.T) {
	code, out, errOut := cli(t, "fleet", "check", filepath.Join("..", "examples", "fleet"))
	if code != 0 || strings.Count(out, "every inventory up to date") != 2 {
		t.Errorf("fleet check examples/fleet: exit %d\n%s%s", code, out, errOut)
	}
	empty := pinDir(t, map[string]string{"app.yaml": pinService("app", "x")})
	if code, out, errOut := cli(t, "fleet", "check", empty); code != 0 || out != "" || errOut != "" {
		t.Errorf("fleet check of a directory without a Fleet: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := cli(t, "fleet", "check", "-o", "x.yaml", empty); code != 2 || !strings.Contains(errOut, "give the Fleet file") {
		t.Errorf("fleet check -o DIR: exit %d, %s", code, errOut)
	}
}

// Command gen writes a synthetic lattice app of N services (see package
// synth for its shape) as a kustomization, for benchmarks:
//
//	go run ./tests/gen -n 1000 -o /tmp/app1000
//	go run ./tests/gen -n 1000 -format resourcelist > rl.yaml
//
// The app is deterministic: the same -n and -seed give the same bytes.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/lattice-dev/lattice/tests/gen/synth"
)

func main() {
	n := flag.Int("n", 100, "number of services")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("o", "", "output directory (format dir)")
	format := flag.String("format", "dir", "dir: a kustomization in -o; stream: one YAML stream with the Platform on stdout; resourcelist: a KRM ResourceList on stdout")
	flag.Parse()
	app := synth.Generate(synth.Options{Services: *n, Seed: *seed})
	var err error
	switch *format {
	case "dir":
		if *out == "" {
			err = fmt.Errorf("-o DIR is required with -format dir")
			break
		}
		err = app.WriteDir(*out)
	case "stream":
		_, err = os.Stdout.Write(app.Stream())
	case "resourcelist":
		_, err = os.Stdout.Write(app.ResourceList())
	default:
		err = fmt.Errorf("unknown -format %q", *format)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
}

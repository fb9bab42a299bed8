package krm

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDecodeNodeMatchesJSON runs every object of the repository's YAML
// (golden inputs, the bad-input corpus, examples, docs) through both
// decoders: where decodeNode accepts, it must decode what JSON decodes.
func TestDecodeNodeMatchesJSON(t *testing.T) {
	objects, direct := 0, 0
	for _, root := range []string{"../../tests/golden/testdata", "../../examples", "testdata"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			items, err := ParseStream(data, path)
			if err != nil {
				return nil // bad inputs that do not parse
			}
			for _, it := range items {
				objects++
				if compareDecoders(t, it.Node) > 0 {
					direct++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d objects compared, %d decoded directly as a lattice kind", objects, direct)
	if objects < 500 || direct < 300 {
		t.Fatalf("only %d objects found, %d decoded directly; the walk or decodeNode is broken", objects, direct)
	}
}

// Values encoding/json treats in ways a direct decoder easily gets wrong:
// each must decode as the JSON path decodes it, whichever path takes it.
func TestDecodeNodeEdgeCases(t *testing.T) {
	const head = "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: a, namespace: b}\n"
	cases := []struct{ reason, spec string }{
		{"null list, map and pointer", "spec: {replicas: null, workload: {containers: {m: {image: x, command: null, variables: ~}}}}"},
		{"empty flow null is an empty string", "spec: {workload: {containers: {m: {image: x, variables: {A: }}}}}"},
		{"empty block null", "spec:\n  replicas:\n  workload:\n    containers:\n      m:\n        image: x\n        variables:\n          A:\n"},
		{"empty list is not nil", "spec: {workload: {containers: {m: {image: x, command: [], args: []}}}}"},
		{"null into a string leaves it empty", "spec: {workload: {containers: {m: {image: null}}}}"},
		{"quantities and int-or-string", "spec: {workload: {containers: {m: {image: x, resources: {limits: {cpu: 2, memory: 1Gi}}, readinessProbe: {httpGet: {path: /, port: 8080}}}}}}"},
		{"quantities decoded without JSON", "spec: {workload: {containers: {m: {image: x, resources: {limits: {cpu: 500m, memory: 128Mi}, requests: {cpu: '1.5', memory: 1e3Ki}}}}}}"},
		{"quantities that do not parse", "spec: {workload: {containers: {m: {image: x, resources: {limits: {cpu: 5xx, memory: '-'}}}}}}"},
		{"quantity strings JSON escapes or trims", "spec: {workload: {containers: {m: {image: x, resources: {limits: {cpu: ' 1', memory: \"1\\u0000\"}}}}}}"},
		{"named and numbered ports", "spec: {workload: {containers: {m: {image: x, readinessProbe: {httpGet: {path: /, port: http}}, livenessProbe: {tcpSocket: {port: 99999999999}}}}}}"},
		{"a fractional quantity the strict check rejects", "spec: {workload: {containers: {m: {image: x, resources: {requests: {cpu: 0.5, memory: 1e3}}}}}}"},
		{"a float port the strict check rejects", "spec: {workload: {containers: {m: {image: x, readinessProbe: {httpGet: {path: /, port: 8e3}}}}}}"},
		{"negative and zero numbers", "spec: {replicas: 0, workload: {containers: {m: {image: x}}, service: {ports: {a: {port: -1}}}}}"},
		{"numbers json rejects", "spec: {replicas: 99999999999999999999, workload: {containers: {m: {image: x}}}}"},
		{"plus-signed and octal-looking ints", "spec: {replicas: +3, workload: {containers: {m: {image: x}}, service: {ports: {a: {port: 0o17}}}}}"},
		{"bool spellings", "spec: {workload: {containers: {m: {image: x}}}, ingress: {hostname: h.example.com, tls: {passthrough: True}}}"},
		{"metadata with kustomize annotations and a timestamp", "spec: {workload: {containers: {m: {image: x}}}}\nmetadata: {name: a, annotations: {config.kubernetes.io/index: '0'}, creationTimestamp: null}"},
		{"unicode strings", "spec: {workload: {containers: {m: {image: \"é\\u2028x\"}}}}"},
		{"anchors and aliases take the JSON path", "spec: {workload: {containers: {m: {image: &i x, args: [*i]}}}}"},
		{"tags take the JSON path", "spec: {workload: {containers: {m: {image: !!str x}}}}"},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			items, err := ParseStream([]byte(head+c.spec+"\n"), "c.yaml")
			if err != nil {
				t.Fatalf("does not parse: %v", err)
			}
			compareDecoders(t, items[0].Node)
		})
	}
}

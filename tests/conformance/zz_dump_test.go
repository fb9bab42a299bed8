package conformance

import (
	"os"
	"strings"
	"testing"

	"k8s.io/client-go/discovery"
)

func TestZZDump(t *testing.T) {
	e := Shared(t)
	dc, err := discovery.NewDiscoveryClientForConfig(e.Config)
	if err != nil { t.Fatal(err) }
	paths, err := dc.OpenAPIV3().Paths()
	if err != nil { t.Fatal(err) }
	for _, p := range []string{"api/v1", "apis/apps/v1", "apis/policy/v1", "apis/autoscaling/v2"} {
		b, err := paths[p].Schema("application/json")
		if err != nil { t.Fatal(err) }
		os.WriteFile("/tmp/dump/"+ strings.ReplaceAll(p, "/", "_") + ".json", b, 0o644)
	}
}

package derive

import (
	"strings"
	"testing"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
)

// TestUndefinedCause (issue 15 §4): an undefined ${resources.…} names
// the declaration at fault, not only the missing variable.
func TestUndefinedCause(t *testing.T) {
	out := func(direction string) v1alpha1.Resource {
		return v1alpha1.Resource{Type: v1alpha1.ResourceService, Direction: direction}
	}
	web := meshService("shop/web", map[string]int32{"http": 8080}, map[string]v1alpha1.Resource{
		"apii":   out(v1alpha1.DirectionOutbound),
		"api":    out(v1alpha1.DirectionInbound),
		"quiet":  out(v1alpha1.DirectionOutbound),
		"remote": out(v1alpha1.DirectionOutbound),
	})
	api := meshService("shop/api", map[string]int32{"http": 8080}, nil)
	quiet := meshService("shop/quiet", nil, nil)
	g := graph.Build([]*v1alpha1.LatticeService{web, api, quiet})
	in := Input{Service: web, Platform: meshPlatform(nil), Graph: g}
	cases := map[string]struct{ reason, expr, want string }{
		"typo":       {"a misspelt service: the nearest existing one is named", "resources.apii.url", `spec.workload.resources[apii] names shop/apii, which is not in this render, so its port and url are unknown (did you mean api?)`},
		"undeclared": {"no resource of that name", "resources.catalog.url", `spec.workload.resources has no "catalog"; declare the service it names`},
		"inbound":    {"an inbound declaration has no outputs", "resources.api.host", `spec.workload.resources[api] is inbound`},
		"no port":    {"the peer exists but has no port", "resources.quiet.port", `shop/quiet has no port`},
		"far":        {"no near name: the fix is to render both", "resources.remote.url", `which is not in this render, so its port and url are unknown; fix the name, or render shop/remote with this service`},
		"field":      {"an unknown field of a resource", "resources.apii.address", `resources have host, port and url, not "address"`},
		"other":      {"not a resource variable: no cause, the defined ones are listed", "metadata.nam", ``},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := undefinedCause(in, tc.expr)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("%s:\n got %q\nwant %q", tc.reason, got, tc.want)
			}
		})
	}
}

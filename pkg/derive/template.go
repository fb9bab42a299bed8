package derive

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/sorted"
)

// Templates: ${metadata.name}, ${metadata.namespace}, ${cluster.name},
// ${resources.<name>.host|port|url} and ${secret.<resource>.<key>}.
// $${...} is a literal ${...}. An undefined variable is an error, never an
// empty string: a silently empty URL is a production incident.

// secretRef is one ${secret.R.K} occurrence.
type secretRef struct{ Resource, Key string }

// segment is literal text or a secret reference in an expanded template.
type segment struct {
	Text   string
	Secret *secretRef
}

// expand resolves every non-secret variable and returns the text split
// around secret references, which the caller turns into a secretKeyRef or an
// ExternalSecret template.
func expand(s string, vars map[string]string) ([]segment, error) {
	var segs []segment
	var lit strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			lit.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unterminated ${ at offset %d; close it with } or escape it as $${", i)
			}
			expr := strings.TrimSpace(s[i+2 : i+end])
			i += end + 1
			if rest, ok := strings.CutPrefix(expr, "secret."); ok {
				res, key, ok := strings.Cut(rest, ".")
				if !ok || res == "" || key == "" {
					return nil, fmt.Errorf("${%s}: expected ${secret.<resource>.<key>}", expr)
				}
				segs = append(segs, segment{Text: lit.String()}, segment{Secret: &secretRef{normalize(res), key}})
				lit.Reset()
				continue
			}
			v, ok := vars[normalizeExpr(expr)]
			if !ok {
				return nil, &undefinedVar{expr: expr, defined: suggest(expr, vars)} // templatecause.go
			}
			lit.WriteString(v)
		default:
			lit.WriteByte(s[i])
			i++
		}
	}
	return append(segs, segment{Text: lit.String()}), nil
}

// plain joins segments that hold no secret reference.
func plain(segs []segment) (string, bool) {
	var b strings.Builder
	for _, s := range segs {
		if s.Secret != nil {
			return "", false
		}
		b.WriteString(s.Text)
	}
	return b.String(), true
}

// Resource names may be written with '-' or '_' (db-creds == db_creds).
func normalize(s string) string { return strings.ReplaceAll(s, "_", "-") }

func normalizeExpr(expr string) string {
	if rest, ok := strings.CutPrefix(expr, "resources."); ok {
		if name, field, ok := strings.Cut(rest, "."); ok {
			return "resources." + normalize(name) + "." + field
		}
	}
	return expr
}

func suggest(expr string, vars map[string]string) string {
	prefix := expr
	if i := strings.LastIndexByte(expr, '.'); i > 0 {
		prefix = expr[:i+1]
	}
	var have []string
	for _, k := range sorted.Keys(vars) {
		if strings.HasPrefix(k, prefix) {
			have = append(have, "${"+k+"}")
		}
	}
	if len(have) == 0 {
		return ""
	}
	return "; defined here: " + strings.Join(have, ", ")
}

// templateVars is the variable table of one service.
func templateVars(in Input) map[string]string {
	s := in.Service
	// Sized for every entry: growing the map was most of its cost (#8).
	vars := make(map[string]string, 3+3*len(s.Spec.Workload.Resources))
	vars["metadata.name"] = s.Name
	vars["metadata.namespace"] = s.Namespace
	vars["cluster.name"] = in.Platform.Spec.Cluster.Name
	// Each key writes its own entries: the order of the keys does not matter.
	for key, r := range s.Spec.Workload.Resources {
		p := "resources." + key + "."
		switch r.Type {
		case v1alpha1.ResourceService:
			if r.Direction == v1alpha1.DirectionInbound || r.ID == "*" {
				continue
			}
			target := graph.Ref{Cluster: r.Cluster, Namespace: cmp.Or(r.Namespace, s.Namespace), Name: cmp.Or(r.ID, key)}
			// The peer the graph resolved the key to: with a fleet, a
			// service of another cluster, reached at the same host name
			// through the ServiceEntry derived for it (remote.go).
			var tn *graph.Node
			if self := in.node(); self == nil {
				tn = in.Graph.Node(target)
			} else if resolved, node, ok := self.PeerNode(key); ok {
				target, tn = resolved, node
			} else {
				tn = in.Graph.Node(target)
			}
			host := target.Name + "." + target.Namespace + ".svc.cluster.local"
			vars[p+"host"] = host
			// Port and URL need the target's spec (or inventory entry); a
			// target outside the input only has a host.
			if n := tn; n != nil {
				if port, ok := n.PrimaryPort(); ok {
					vars[p+"port"] = strconv.Itoa(int(port))
					vars[p+"url"] = "http://" + host + ":" + strconv.Itoa(int(port))
				}
			}
		case v1alpha1.ResourceExternalService:
			if r.Params == nil || len(r.Params.Endpoints) == 0 {
				continue
			}
			name := "default"
			if _, ok := r.Params.Endpoints[name]; !ok {
				name = sorted.Keys(r.Params.Endpoints)[0]
			}
			ep, err := v1alpha1.ParseEndpoint(r.Params.Endpoints[name])
			if err != nil {
				continue
			}
			vars[p+"host"] = ep.Host
			vars[p+"port"] = strconv.Itoa(int(ep.Port))
			vars[p+"url"] = ep.URL()
		}
	}
	return vars
}

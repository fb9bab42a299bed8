package derive

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// CheckGateway checks the platform Gateway, when the render's input holds
// it, against the hostnames the render exposes: lattice promises that a
// hostname is served only over TLS, and that rests on the Gateway too.
//
// Derived routes name their listeners (sectionName), so they attach only
// to the ListenerSet listener lattice derives and to the Gateway listener
// Platform spec.gateway.sectionName names; that listener must be HTTPS.
// A plain-HTTP listener is still a way in for any other route that names
// a lattice hostname (one written by hand without sectionName, or another
// team's) when it admits routes from the services' namespaces and its
// hostname covers theirs. Gateway API's default for allowedRoutes is
// namespaces from: Same, so a listener without allowedRoutes admits the
// gateway namespace only.
//
// nsLabels are the labels of the Namespaces in the input, to evaluate a
// Selector; a namespace not in the input is known by its
// kubernetes.io/metadata.name label only. Problems have no Source: the
// caller reports them on the Gateway, at Field.
func CheckGateway(gw *gwv1.Gateway, in SharedInput, nsLabels map[string]map[string]string) []Problem {
	if in.Graph == nil {
		return nil
	}
	type exposed struct {
		host, namespace string
		terminated      bool // an HTTPRoute, which attaches to the Gateway's sectionName listener
	}
	var hosts []exposed
	for _, n := range in.Graph.Nodes() {
		if ing := n.Service.Spec.Ingress; ing != nil {
			hosts = append(hosts, exposed{ing.Hostname, n.Service.Namespace, ing.TLS != v1alpha1.TLSPassthrough})
		}
	}
	if len(hosts) == 0 {
		return nil
	}
	spec := in.Platform.Spec.Gateway
	gwRef := spec.Namespace + "/" + spec.Name
	var out []Problem
	section := slices.IndexFunc(gw.Spec.Listeners, func(l gwv1.Listener) bool { return string(l.Name) == spec.SectionName })
	var terminated []string
	for _, h := range hosts {
		if h.terminated {
			terminated = append(terminated, h.host)
		}
	}
	switch {
	case section < 0 && len(terminated) > 0:
		out = append(out, Problem{Field: "spec.listeners", Message: fmt.Sprintf(
			"Gateway %s has no listener %q, the one Platform spec.gateway.sectionName names as the HTTPS listener derived HTTPRoutes attach to, so their first parent is never accepted; add an HTTPS listener named %q (see examples/platform/gateway.yaml), or set Platform spec.gateway.sectionName to the name of the Gateway's HTTPS listener",
			gwRef, spec.SectionName, spec.SectionName)})
	case section >= 0 && len(terminated) > 0 && gw.Spec.Listeners[section].Protocol != gwv1.HTTPSProtocolType:
		l := gw.Spec.Listeners[section]
		out = append(out, Problem{Field: fmt.Sprintf("spec.listeners[%d].protocol", section), Message: fmt.Sprintf(
			"listener %q is %s, but Platform spec.gateway.sectionName names it as the HTTPS listener every derived HTTPRoute attaches to, so %s would be served without TLS; make it protocol: HTTPS with a certificate, or set Platform spec.gateway.sectionName to the Gateway's HTTPS listener",
			l.Name, l.Protocol, hostList(terminated))})
	}
	for i, l := range gw.Spec.Listeners {
		if l.Protocol != gwv1.HTTPProtocolType || i == section {
			continue
		}
		var served []string
		from := admits(l.AllowedRoutes)
		for _, h := range hosts {
			if listenerCovers(l.Hostname, h.host) && from(h.namespace, spec.Namespace, nsLabels) {
				served = append(served, h.host+" (from namespace "+h.namespace+")")
			}
		}
		if len(served) == 0 {
			continue
		}
		out = append(out, Problem{Field: fmt.Sprintf("spec.listeners[%d].allowedRoutes", i), Message: fmt.Sprintf(
			"plain-HTTP listener %q (port %d) admits routes from %s%s, so any HTTPRoute there that names one of lattice's hostnames and no sectionName would serve it without TLS: %s; set its allowedRoutes.namespaces.from: Same (only the platform's HTTP-to-HTTPS redirect and ACME solvers in %s need plain HTTP), or give it a hostname none of these fall under",
			l.Name, l.Port, describeFrom(l.AllowedRoutes), noHostname(l.Hostname), hostList(served), spec.Namespace)})
	}
	return out
}

func hostList(hosts []string) string {
	slices.Sort(hosts)
	hosts = slices.Compact(hosts)
	if len(hosts) > 5 {
		return strings.Join(hosts[:5], ", ") + fmt.Sprintf(" and %d more", len(hosts)-5)
	}
	return strings.Join(hosts, ", ")
}

func noHostname(h *gwv1.Hostname) string {
	if h == nil || *h == "" {
		return " with no hostname restriction"
	}
	return " for hostname " + string(*h)
}

func describeFrom(ar *gwv1.AllowedRoutes) string {
	if ar == nil || ar.Namespaces == nil || ar.Namespaces.From == nil {
		return "its own namespace (allowedRoutes default from: Same)"
	}
	switch *ar.Namespaces.From {
	case gwv1.NamespacesFromAll:
		return "all namespaces (from: All)"
	case gwv1.NamespacesFromSelector:
		return "the namespaces its selector matches (from: Selector)"
	}
	return "its own namespace (from: " + string(*ar.Namespaces.From) + ")"
}

// admits reports whether a listener's allowedRoutes admit routes from a
// namespace. An invalid selector admits everything: it cannot be shown
// to keep anyone out.
func admits(ar *gwv1.AllowedRoutes) func(ns, gwNS string, nsLabels map[string]map[string]string) bool {
	from := gwv1.NamespacesFromSame
	var sel *metav1.LabelSelector
	if ar != nil && ar.Namespaces != nil {
		if ar.Namespaces.From != nil {
			from = *ar.Namespaces.From
		}
		sel = ar.Namespaces.Selector
	}
	return func(ns, gwNS string, nsLabels map[string]map[string]string) bool {
		switch from {
		case gwv1.NamespacesFromAll:
			return true
		case gwv1.NamespacesFromSelector:
			if sel == nil {
				return false
			}
			s, err := metav1.LabelSelectorAsSelector(sel)
			if err != nil {
				return true
			}
			set := labels.Set{labelNamespaceName: ns}
			for k, v := range nsLabels[ns] {
				set[k] = v
			}
			return s.Matches(set)
		case gwv1.NamespacesFromNone:
			return false
		}
		return ns == gwNS
	}
}

// listenerCovers reports whether a listener hostname admits routes for
// host: no hostname admits every host, "*.example.com" every host below
// example.com (Gateway API's suffix match).
func listenerCovers(lh *gwv1.Hostname, host string) bool {
	if lh == nil || *lh == "" {
		return true
	}
	l := string(*lh)
	switch {
	case l == host:
		return true
	case strings.HasPrefix(l, "*."):
		return strings.HasSuffix(host, l[1:])
	case strings.HasPrefix(host, "*."):
		return strings.HasSuffix(l, host[1:])
	}
	return false
}

package istiosem

import (
	"fmt"
	"slices"
	"strings"
)

// CrossInbound is what mesh to (one cluster) admits from callers on mesh
// from (another cluster, on another network) under Istio ambient
// multi-network, keyed like Inbound. ztunnel looks a destination up by the
// Service VIP of its own network, and istiod merges only Services labelled
// istio.io/global=true, so:
//
//   - a caller reaches a pod of to only through a global Service of to
//     that selects it, and only when from has a selector-less global
//     Service of the same namespace/name (the copy the render emits);
//   - when that copy is bound to a waypoint, from's waypoint applies from's
//     policies attached to the Service, and the pod's ztunnel on to must
//     admit from's waypoint identity (to's east-west gateway skips to's
//     waypoint for a request a waypoint has handled);
//   - otherwise to evaluates the caller as it does its own (Inbound).
//
// Identities are not filtered by trust domain (ztunnel accepts peers of
// its own trust domain only; the render warns about that), so the policies
// are what is judged. problems lists global Services the two clusters bind
// to different waypoints, which Istio cannot do.
func CrossInbound(from, to *Mesh, callers, methods, paths []string) (allowed map[string]bool, problems []string) {
	allowed = map[string]bool{}
	direct := to.Inbound(callers, methods, paths)
	for _, svc := range to.services {
		if len(svc.Selector) == 0 || !svc.Global() {
			continue // a Service that is not global is invisible to from
		}
		i := slices.IndexFunc(from.services, func(s Service) bool { return s.Namespace == svc.Namespace && s.Name == svc.Name })
		if i < 0 || len(from.services[i].Selector) > 0 || !from.services[i].Global() {
			continue // the name does not resolve or route on from
		}
		stub := from.services[i]
		wp := stub.Waypoint()
		if wp != svc.Waypoint() {
			problems = append(problems, fmt.Sprintf("%s/%s is bound to waypoint %q on one cluster but %q on the other: Istio binds a global service the same way everywhere",
				svc.Namespace, svc.Name, svc.Waypoint(), wp))
		}
		var l7 []*Policy
		if wp != "" {
			l7 = from.waypointPolicies(svc.Namespace, "Service", "", svc.Name, wp)
		}
		for _, w := range to.workloads {
			if w.Namespace != svc.Namespace || !selects(svc.Selector, w.Labels) {
				continue
			}
			for _, caller := range callers {
				for _, port := range append(slices.Clone(w.Ports), "1") {
					sport, onStub := stub.Ports[port]
					viaWaypoint := wp != "" && onStub && from.toWaypoint(svc.Namespace, wp, caller) &&
						to.enrolled[w.Namespace] && evaluate(to.ztunnelPolicies(w.Namespace, w.Labels), call{principal: from.waypointIdentity(svc.Namespace, wp), port: port}).allowed
					for _, method := range methods {
						for _, path := range paths {
							k := strings.Join([]string{caller, w.Ref(), port, method, path}, "|")
							switch {
							case wp == "":
								allowed[k] = allowed[k] || direct[k]
							case viaWaypoint && evaluate(l7, call{principal: caller, port: sport, method: method, path: path, l7: true}).allowed:
								allowed[k] = true
							}
						}
					}
				}
			}
		}
	}
	for k, v := range allowed {
		if !v {
			delete(allowed, k)
		}
	}
	return allowed, problems
}

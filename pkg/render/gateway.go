package render

import (
	"encoding/json"

	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/lattice-dev/lattice/pkg/derive"
	"github.com/lattice-dev/lattice/pkg/krm"
)

// checkGateway runs derive.CheckGateway on the platform Gateway (Platform
// spec.gateway) when the input holds it, reporting on the Gateway's item:
// its listeners decide whether a lattice hostname could be served without
// TLS.
func (r *renderer) checkGateway(passthrough []krm.Item, in derive.SharedInput) {
	spec := r.platform.Spec.Gateway
	nsLabels := map[string]map[string]string{}
	for _, it := range passthrough {
		if it.Node.GetKind() == "Namespace" && it.Node.GetApiVersion() == "v1" {
			nsLabels[it.Node.GetName()] = it.Node.GetLabels()
		}
	}
	for _, it := range passthrough {
		if it.Node.GetKind() != "Gateway" || group(it.Node.GetApiVersion()) != gwv1.GroupName ||
			it.Node.GetName() != spec.Name || it.Node.GetNamespace() != spec.Namespace {
			continue
		}
		var gw gwv1.Gateway
		data, err := it.Node.MarshalJSON()
		if err == nil {
			err = json.Unmarshal(data, &gw)
		}
		if err != nil {
			r.errorf(it, nil, "spec", "cannot read the platform Gateway to check its listeners: %v", err)
			return
		}
		for _, p := range derive.CheckGateway(&gw, in, nsLabels) {
			r.errorf(it, nil, p.Field, "%s", p.Message)
		}
		return
	}
}

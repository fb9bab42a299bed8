package v1alpha1

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/lattice-dev/lattice/pkg/sorted"
)

// Validation collects every problem with its field path instead of stopping
// at the first one, so a developer fixes a spec in one round trip. Each
// message ends with what to do about it.

// SystemNamespaces may not hold services: their workloads are the platform's.
var SystemNamespaces = []string{
	"kube-system", "kube-public", "kube-node-lease", "istio-system", "cert-manager",
	"external-dns", "gateway-system", "lattice-system",
}

var (
	shellMeta     = "`|;&$><(){}"
	metricNameRE  = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	capabilityRE  = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	durationRE    = regexp.MustCompile(`^([0-9]+[hms])+$`)
	httpMethods   = []string{"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}
	resourceTypes = []string{ResourceExternalService, ResourceSecret, ResourceService, ResourceVolume}
	accessModes   = []string{"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"}
)

// ValidateService checks a defaulted LatticeService against the platform's
// rules.
func ValidateService(s *LatticeService, p *Platform) field.ErrorList {
	var errs field.ErrorList
	md := field.NewPath("metadata")
	if s.Name == "" {
		errs = append(errs, field.Required(md.Child("name"), "every LatticeService needs a name"))
	} else {
		for _, msg := range validation.IsDNS1035Label(s.Name) {
			errs = append(errs, field.Invalid(md.Child("name"), s.Name, msg+"; the name becomes a Service name"))
		}
	}
	switch {
	case s.Namespace == "":
		errs = append(errs, field.Required(md.Child("namespace"), "set metadata.namespace in the file or with kustomize's namespace: field"))
	case slices.Contains(SystemNamespaces, s.Namespace):
		errs = append(errs, field.Forbidden(md.Child("namespace"), fmt.Sprintf("%q is a system namespace; deploy services into an application namespace", s.Namespace)))
	default:
		errs = append(errs, dnsLabel(md.Child("namespace"), s.Namespace)...)
	}

	spec := field.NewPath("spec")
	ports := map[string]ServicePort{}
	if s.Spec.Workload.Service != nil {
		ports = s.Spec.Workload.Service.Ports
	}
	errs = append(errs, validateWorkload(s, p, spec.Child("workload"))...)
	errs = append(errs, validateScaling(&s.Spec, spec)...)
	if s.Spec.Ingress != nil {
		errs = append(errs, validateIngress(s.Spec.Ingress, ports, p, spec.Child("ingress"))...)
	}
	return errs
}

func validateWorkload(s *LatticeService, p *Platform, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	w := &s.Spec.Workload
	if len(w.Containers) == 0 {
		errs = append(errs, field.Required(path.Child("containers"), "a service needs at least one container, e.g. containers: {main: {image: ...}}"))
	}
	var ports map[string]ServicePort
	if w.Service != nil {
		ports = w.Service.Ports
		errs = append(errs, validatePorts(ports, path.Child("service", "ports"))...)
	}
	for _, name := range sorted.Keys(w.Containers) {
		c := w.Containers[name]
		cp := path.Child("containers").Key(name)
		errs = append(errs, dnsLabel(cp, name)...)
		errs = append(errs, validateContainer(s, name, &c, ports, p, cp)...)
	}
	for _, name := range sorted.Keys(w.Resources) {
		r := w.Resources[name]
		rp := path.Child("resources").Key(name)
		errs = append(errs, dnsLabel(rp, name)...)
		errs = append(errs, validateResource(&r, len(ports) > 0, rp)...)
	}
	return errs
}

func validatePorts(ports map[string]ServicePort, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(ports) == 0 {
		errs = append(errs, field.Required(path, "list at least one port, or remove service: to run without a Service"))
	}
	seen := map[int32]string{}
	for _, name := range sorted.Keys(ports) {
		pt := ports[name]
		pp := path.Key(name)
		for _, msg := range validation.IsValidPortName(name) {
			errs = append(errs, field.Invalid(pp, name, "port name "+msg))
		}
		if pt.Port < 1 || pt.Port > 65535 {
			errs = append(errs, field.Invalid(pp.Child("port"), pt.Port, "must be between 1 and 65535"))
		} else if other, dup := seen[pt.Port]; dup {
			errs = append(errs, field.Duplicate(pp.Child("port"), pt.Port))
			errs[len(errs)-1].Detail = fmt.Sprintf("port %d is already used by port %q; give each port its own number", pt.Port, other)
		} else {
			seen[pt.Port] = name
		}
		if pt.TargetPort != nil && (*pt.TargetPort < 1 || *pt.TargetPort > 65535) {
			errs = append(errs, field.Invalid(pp.Child("targetPort"), *pt.TargetPort, "must be between 1 and 65535"))
		}
		if pt.Protocol != "TCP" && pt.Protocol != "UDP" {
			errs = append(errs, field.NotSupported(pp.Child("protocol"), pt.Protocol, []string{"TCP", "UDP"}))
		}
	}
	return errs
}

func validateContainer(s *LatticeService, name string, c *Container, ports map[string]ServicePort, p *Platform, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateImage(c.Image, p, path.Child("image"))...)
	if len(c.Command) > 0 && !strings.HasPrefix(c.Command[0], "/") {
		errs = append(errs, field.Invalid(path.Child("command").Index(0), c.Command[0],
			"must be an absolute path (start with '/'); use the binary's full path, e.g. /usr/local/bin/"+c.Command[0]))
	}
	for _, k := range sorted.Keys(c.Variables) {
		for _, msg := range validation.IsEnvVarName(k) {
			errs = append(errs, field.Invalid(path.Child("variables").Key(k), k, "variable name "+msg))
		}
	}
	errs = append(errs, validateCompute(c.Resources, path.Child("resources"))...)
	errs = append(errs, validateFiles(c.Files, path.Child("files"))...)
	errs = append(errs, validateVolumes(c.Volumes, s.Spec.Workload.Resources, path.Child("volumes"))...)
	for _, pr := range [...]struct {
		name  string
		probe *Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
		if pr.probe != nil {
			errs = append(errs, validateProbe(pr.probe, ports, path.Child(pr.name))...)
		}
	}
	if c.Security != nil {
		errs = append(errs, validateSecurity(s, c.Security, p, path.Child("security"))...)
	}
	return errs
}

func validateImage(image string, p *Platform, path *field.Path) field.ErrorList {
	if strings.TrimSpace(image) == "" {
		return field.ErrorList{field.Required(path, "set the container image, pinned by digest: registry.example.com/app@sha256:<64 hex>")}
	}
	for _, r := range image {
		if r <= ' ' || r == 0x7f {
			return field.ErrorList{field.Invalid(path, image, "contains whitespace or control characters")}
		}
		if strings.ContainsRune(shellMeta, r) {
			return field.ErrorList{field.Invalid(path, image, "contains shell metacharacters; an image reference is registry/repository[:tag]@sha256:<digest>")}
		}
	}
	ref, err := ParseImage(image)
	if err != nil {
		return field.ErrorList{field.Invalid(path, image, err.Error())}
	}
	if ref.Digest == "" && !p.TagAllowed(image) {
		return field.ErrorList{field.Invalid(path, image,
			"the platform requires images pinned by digest; run `lattice pin` or use "+ref.Name+"@sha256:<digest> (or allow the prefix in Platform spec.images.allowTags)")}
	}
	return nil
}

// TagAllowed reports whether the platform lets image use a tag.
func (p *Platform) TagAllowed(image string) bool {
	for _, prefix := range p.Spec.Images.AllowTags {
		if prefix == "*" || strings.HasPrefix(image, prefix) {
			return true
		}
	}
	return false
}

func validateCompute(r *ComputeResources, path *field.Path) field.ErrorList {
	if r == nil || r.Limits == nil || (r.Limits.CPU == nil && r.Limits.Memory == nil) {
		return field.ErrorList{field.Required(path.Child("limits"), "every container needs resource limits, e.g. limits: {cpu: 500m, memory: 256Mi}")}
	}
	var errs field.ErrorList
	if r.Limits.Memory == nil {
		errs = append(errs, field.Required(path.Child("limits", "memory"), "set a memory limit, e.g. 256Mi"))
	}
	for _, side := range []struct {
		name string
		a    *ResourceAmounts
	}{{"requests", r.Requests}, {"limits", r.Limits}} {
		if side.a == nil {
			continue
		}
		for name, q := range map[string]*resource.Quantity{"cpu": side.a.CPU, "memory": side.a.Memory} {
			if q != nil && q.Sign() <= 0 {
				errs = append(errs, field.Invalid(path.Child(side.name, name), q.String(), "must be greater than zero"))
			}
		}
	}
	if r.Requests != nil {
		for name, pair := range map[string][2]*resource.Quantity{"cpu": {r.Requests.CPU, r.Limits.CPU}, "memory": {r.Requests.Memory, r.Limits.Memory}} {
			if pair[0] != nil && pair[1] != nil && pair[0].Cmp(*pair[1]) > 0 {
				errs = append(errs, field.Invalid(path.Child("requests", name), pair[0].String(), "must not exceed limits."+name+" ("+pair[1].String()+")"))
			}
		}
	}
	return errs
}

// FileKey is the ConfigMap key of a file path: no leading slash, "/" -> "-".
func FileKey(path string) string {
	return strings.ReplaceAll(strings.TrimPrefix(path, "/"), "/", "-")
}

func validateFiles(files map[string]FileMount, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	keys := map[string]string{}
	for _, p := range sorted.Keys(files) {
		f := files[p]
		fp := path.Key(p)
		errs = append(errs, absPath(fp, p)...)
		if f.Content == nil && f.BinaryContent == "" {
			errs = append(errs, field.Required(fp.Child("content"), "a file needs content (text) or binaryContent (base64)"))
		}
		if f.Content != nil && f.BinaryContent != "" {
			errs = append(errs, field.Invalid(fp.Child("binaryContent"), "<bytes>", "set content or binaryContent, not both"))
		}
		if f.BinaryContent != "" {
			if _, err := base64.StdEncoding.DecodeString(f.BinaryContent); err != nil {
				errs = append(errs, field.Invalid(fp.Child("binaryContent"), "<bytes>", "must be standard base64: "+err.Error()))
			}
		}
		if f.Mode != "" {
			errs = append(errs, validateMode(fp.Child("mode"), f.Mode)...)
		}
		k := FileKey(p)
		if other, ok := keys[k]; ok {
			errs = append(errs, field.Duplicate(fp, p))
			errs[len(errs)-1].Detail = fmt.Sprintf("path produces ConfigMap key %q, which %q already uses; rename one of the files", k, other)
		}
		keys[k] = p
		if len(validation.IsConfigMapKey(k)) > 0 {
			errs = append(errs, field.Invalid(fp, p, "file name must consist of alphanumerics, '-', '_' or '.'"))
		}
	}
	return errs
}

func validateMode(path *field.Path, mode string) field.ErrorList {
	m := strings.TrimPrefix(mode, "0")
	if len(m) < 3 || len(m) > 4 {
		return field.ErrorList{field.Invalid(path, mode, "must be 3-4 octal digits (e.g., '0644')")}
	}
	v, err := strconv.ParseUint(m, 8, 32)
	if err != nil {
		return field.ErrorList{field.Invalid(path, mode, "contains non-octal digits (e.g., '0644')")}
	}
	if v&0o7000 != 0 {
		return field.ErrorList{field.Invalid(path, mode, "sets special bits (setuid/setgid/sticky) which are not allowed")}
	}
	if v&0o002 != 0 {
		return field.ErrorList{field.Invalid(path, mode, "is world-writable which is not allowed; use e.g. '0644'")}
	}
	return nil
}

// VolumeSource extracts <name> from "${resources.<name>}".
func VolumeSource(src string) (string, bool) {
	if !strings.HasPrefix(src, "${resources.") || !strings.HasSuffix(src, "}") {
		return "", false
	}
	name := strings.TrimSuffix(strings.TrimPrefix(src, "${resources."), "}")
	return name, name != "" && !strings.ContainsAny(name, ".{}$")
}

func validateVolumes(vols map[string]VolumeMount, res map[string]Resource, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, p := range sorted.Keys(vols) {
		v := vols[p]
		vp := path.Key(p)
		errs = append(errs, absPath(vp, p)...)
		if v.Source == "" {
			if v.Medium != "" && v.Medium != "Memory" {
				errs = append(errs, field.NotSupported(vp.Child("medium"), v.Medium, []string{"", "Memory"}))
			}
			if v.SizeLimit != "" {
				if _, err := resource.ParseQuantity(v.SizeLimit); err != nil {
					errs = append(errs, field.Invalid(vp.Child("sizeLimit"), v.SizeLimit, "invalid quantity (expected e.g. '1Gi')"))
				}
			}
			continue
		}
		name, ok := VolumeSource(v.Source)
		if !ok {
			errs = append(errs, field.Invalid(vp.Child("source"), v.Source, "must be ${resources.<volume resource>}"))
			continue
		}
		if r, found := res[name]; !found || r.Type != ResourceVolume {
			errs = append(errs, field.Invalid(vp.Child("source"), v.Source,
				fmt.Sprintf("resource %q is not declared as a volume; add %s: {type: volume, params: {size: 1Gi}} to workload.resources", name, name)))
		}
		if strings.Contains(v.Path, "..") || strings.HasPrefix(v.Path, "/") {
			errs = append(errs, field.Invalid(vp.Child("path"), v.Path, "must be a relative path inside the volume without '..'"))
		}
	}
	return errs
}

func validateProbe(pr *Probe, ports map[string]ServicePort, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	if pr.HTTPGet != nil {
		n++
		if !strings.HasPrefix(pr.HTTPGet.Path, "/") {
			errs = append(errs, field.Invalid(path.Child("httpGet", "path"), pr.HTTPGet.Path, "must start with '/'"))
		}
		errs = append(errs, probePort(pr.HTTPGet.Port, ports, path.Child("httpGet", "port"))...)
		if s := pr.HTTPGet.Scheme; s != "" && s != "HTTP" && s != "HTTPS" {
			errs = append(errs, field.NotSupported(path.Child("httpGet", "scheme"), s, []string{"HTTP", "HTTPS"}))
		}
	}
	if pr.Exec != nil {
		n++
		if len(pr.Exec.Command) == 0 {
			errs = append(errs, field.Required(path.Child("exec", "command"), "list the command to run"))
		}
	}
	if pr.TCPSocket != nil {
		n++
		errs = append(errs, probePort(pr.TCPSocket.Port, ports, path.Child("tcpSocket", "port"))...)
	}
	if n != 1 {
		errs = append(errs, field.Forbidden(path, "set exactly one of httpGet, exec or tcpSocket"))
	}
	for name, v := range map[string]int32{"initialDelaySeconds": pr.InitialDelaySeconds, "periodSeconds": pr.PeriodSeconds, "timeoutSeconds": pr.TimeoutSeconds, "failureThreshold": pr.FailureThreshold, "successThreshold": pr.SuccessThreshold} {
		if v < 0 {
			errs = append(errs, field.Invalid(path.Child(name), v, "must not be negative"))
		}
	}
	return errs
}

func probePort(port intstr.IntOrString, ports map[string]ServicePort, path *field.Path) field.ErrorList {
	if port.Type == intstr.String {
		if _, ok := ports[port.StrVal]; !ok {
			return field.ErrorList{field.Invalid(path, port.StrVal, "no service port has this name; use a port number or one of "+quoteKeys(ports))}
		}
		return nil
	}
	if port.IntVal < 1 || port.IntVal > 65535 {
		return field.ErrorList{field.Invalid(path, port.IntVal, "must be between 1 and 65535")}
	}
	return nil
}

// SecurityOverrides lists the relaxations a container's security block asks
// for, in a stable order.
func SecurityOverrides(sc *SecurityContext) []string {
	if sc == nil {
		return nil
	}
	var out []string
	for _, c := range sc.Capabilities {
		out = append(out, "capability:"+c)
	}
	if sc.Privileged != nil && *sc.Privileged {
		out = append(out, "privileged")
	}
	if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
		out = append(out, "runAsRoot")
	}
	if sc.RunAsGroup != nil && *sc.RunAsGroup == 0 {
		out = append(out, "runAsRootGroup")
	}
	if sc.ReadOnlyRootFilesystem != nil && !*sc.ReadOnlyRootFilesystem {
		out = append(out, "readWriteRootFilesystem")
	}
	if sc.AllowPrivilegeEscalation != nil && *sc.AllowPrivilegeEscalation {
		out = append(out, "allowPrivilegeEscalation")
	}
	return out
}

func validateSecurity(s *LatticeService, sc *SecurityContext, p *Platform, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, c := range sc.Capabilities {
		if !capabilityRE.MatchString(c) || strings.HasPrefix(c, "CAP_") {
			errs = append(errs, field.Invalid(path.Child("capabilities").Index(i), c, "use the capability name without CAP_, e.g. NET_ADMIN"))
		}
	}
	for _, o := range SecurityOverrides(sc) {
		if !p.OverrideAllowed(s.Namespace, s.Name, o) {
			errs = append(errs, field.Forbidden(path, fmt.Sprintf("security override %q is not allowed for %s/%s; the platform team can grant it in Platform spec.security.allowedOverrides", o, s.Namespace, s.Name)))
		}
	}
	return errs
}

// OverrideAllowed reports whether the platform grants override to ns/name.
func (p *Platform) OverrideAllowed(ns, name, override string) bool {
	for _, g := range p.Spec.Security.AllowedOverrides {
		if g.Service != "*" && g.Service != ns+"/*" && g.Service != ns+"/"+name {
			continue
		}
		if slices.Contains(g.Overrides, override) || slices.Contains(g.Overrides, "*") {
			return true
		}
	}
	return false
}

func validateResource(r *Resource, hasPorts bool, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !slices.Contains(resourceTypes, r.Type) {
		return field.ErrorList{field.NotSupported(path.Child("type"), r.Type, resourceTypes)}
	}
	pp := path.Child("params")
	params := r.Params
	if params == nil {
		params = &ResourceParams{}
	}
	// Params that belong to another type are a typo or a misunderstanding;
	// silently ignoring them hides the mistake.
	wrong := func(name string, set bool, owner string) {
		if set && r.Type != owner {
			errs = append(errs, field.Forbidden(pp.Child(name), fmt.Sprintf("only valid for type %s, not %s", owner, r.Type)))
		}
	}
	wrong("endpoints", len(params.Endpoints) > 0, ResourceExternalService)
	wrong("size", params.Size != "", ResourceVolume)
	wrong("storageClass", params.StorageClass != "", ResourceVolume)
	wrong("accessMode", params.AccessMode != "", ResourceVolume)
	wrong("allowedConsumers", len(params.AllowedConsumers) > 0, ResourceVolume)
	wrong("provider", params.Provider != "", ResourceSecret)
	wrong("keys", len(params.Keys) > 0, ResourceSecret)
	wrong("refreshInterval", params.RefreshInterval != "", ResourceSecret)
	if r.Type != ResourceService && r.Type != ResourceExternalService && r.Direction != "" {
		errs = append(errs, field.Forbidden(path.Child("direction"), "only service and external-service resources have a direction"))
	}
	if r.Type != ResourceService && len(r.Rules) > 0 {
		errs = append(errs, field.Forbidden(path.Child("rules"), "L7 rules only apply to inbound service resources"))
	}
	if r.Cluster != "" {
		if r.Type != ResourceService {
			errs = append(errs, field.Forbidden(path.Child("cluster"), "only service resources can name a cluster"))
		} else {
			errs = append(errs, dnsLabel(path.Child("cluster"), r.Cluster)...)
		}
	}
	if r.Namespace != "" && r.Type != ResourceService {
		errs = append(errs, field.Forbidden(path.Child("namespace"), "only service resources can name a namespace (a pod can only mount volumes of its own namespace)"))
	} else if r.Namespace != "" {
		errs = append(errs, dnsLabel(path.Child("namespace"), r.Namespace)...)
	}

	switch r.Type {
	case ResourceService:
		if !slices.Contains([]string{DirectionOutbound, DirectionInbound, DirectionBoth}, r.Direction) {
			errs = append(errs, field.NotSupported(path.Child("direction"), r.Direction, []string{DirectionBoth, DirectionInbound, DirectionOutbound}))
		}
		if r.ID == "*" {
			if r.Direction != DirectionInbound {
				errs = append(errs, field.Invalid(path.Child("id"), r.ID, "the wildcard \"*\" is only allowed on inbound declarations (any caller that declares this service); name each outbound dependency"))
			}
			if r.Namespace != "" || r.Cluster != "" {
				errs = append(errs, field.Forbidden(path.Child("id"), "a wildcard inbound declaration cannot be limited by namespace or cluster"))
			}
		} else if r.ID != "" {
			errs = append(errs, dnsLabel(path.Child("id"), r.ID)...)
		}
		if len(r.Rules) > 0 {
			if r.Direction == DirectionOutbound {
				errs = append(errs, field.Forbidden(path.Child("rules"), "L7 rules restrict callers: put them on the inbound declaration of the called service"))
			}
			if !hasPorts {
				errs = append(errs, field.Forbidden(path.Child("rules"), "L7 rules need a service with ports; add workload.service.ports"))
			}
		}
		for i, rule := range r.Rules {
			errs = append(errs, validateL7Rule(rule, path.Child("rules").Index(i))...)
		}
	case ResourceExternalService:
		if r.Direction != DirectionOutbound {
			errs = append(errs, field.NotSupported(path.Child("direction"), r.Direction, []string{DirectionOutbound}))
		}
		// The reference's "entity:<name>" ids are Cilium entities; the
		// ambient mesh can only route and authorize named hosts.
		if r.ID != "" {
			errs = append(errs, field.Forbidden(path.Child("id"), "an external service is identified by its endpoints, not an id (entity egress such as kube-apiserver or world is a CNI policy, not a mesh one); declare the hosts in params.endpoints, e.g. {api: https://api.example.com}"))
		}
		if len(params.Endpoints) == 0 {
			errs = append(errs, field.Required(pp.Child("endpoints"), "list at least one endpoint, e.g. endpoints: {api: https://api.stripe.com}"))
		}
		for _, name := range sorted.Keys(params.Endpoints) {
			if _, err := ParseEndpoint(params.Endpoints[name]); err != nil {
				errs = append(errs, field.Invalid(pp.Child("endpoints").Key(name), params.Endpoints[name], err.Error()))
			}
		}
	case ResourceSecret:
		if r.ID == "" {
			errs = append(errs, field.Required(path.Child("id"), "set id to the secret's key in the secret store, e.g. id: commerce/orders-db"))
		}
		if params.Provider == "" {
			errs = append(errs, field.Required(pp.Child("provider"), "name the ClusterSecretStore to read from"))
		}
		if ri := params.RefreshInterval; ri != "" && !durationRE.MatchString(ri) {
			errs = append(errs, field.Invalid(pp.Child("refreshInterval"), ri, "expected a duration such as 1h, 30m or 1h30m"))
		}
		for i, k := range params.Keys {
			if len(validation.IsConfigMapKey(k)) > 0 {
				errs = append(errs, field.Invalid(pp.Child("keys").Index(i), k, "must be a valid secret key"))
			}
		}
	case ResourceVolume:
		if r.ID != "" {
			errs = append(errs, dnsLabel(path.Child("id"), r.ID)...)
			if len(r.ID) > 50 {
				errs = append(errs, field.TooLong(path.Child("id"), r.ID, 50))
			}
		}
		if params.Size != "" {
			if q, err := resource.ParseQuantity(params.Size); err != nil || q.Sign() <= 0 {
				errs = append(errs, field.Invalid(pp.Child("size"), params.Size, "invalid quantity (expected e.g. '10Gi')"))
			}
		} else if r.ID == "" {
			errs = append(errs, field.Required(pp.Child("size"), "an owned volume needs a size; to mount another service's volume set id"))
		}
		if params.AccessMode != "" && !slices.Contains(accessModes, params.AccessMode) {
			errs = append(errs, field.NotSupported(pp.Child("accessMode"), params.AccessMode, accessModes))
		}
	}
	return errs
}

func validateL7Rule(rule L7Rule, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(rule.Methods) == 0 && len(rule.Paths) == 0 {
		errs = append(errs, field.Required(path, "a rule lists methods, paths or both; remove rules: to allow every request"))
	}
	for i, m := range rule.Methods {
		if !slices.Contains(httpMethods, m) {
			errs = append(errs, field.NotSupported(path.Child("methods").Index(i), m, httpMethods))
		}
	}
	for i, p := range rule.Paths {
		ok := strings.HasPrefix(p, "/") && !strings.Contains(strings.TrimSuffix(p, "*"), "*")
		if strings.HasPrefix(p, "*") && len(p) > 1 && !strings.Contains(p[1:], "*") {
			ok = true // suffix match
		}
		if !ok || strings.ContainsAny(p, " \t\n?#") {
			errs = append(errs, field.Invalid(path.Child("paths").Index(i), p, "must start with '/' (exact), may end with '*' (prefix), or be '*<suffix>'"))
		}
	}
	return errs
}

func validateScaling(spec *LatticeServiceSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.Replicas != nil && *spec.Replicas < 0 {
		errs = append(errs, field.Invalid(path.Child("replicas"), *spec.Replicas, "must not be negative"))
	}
	if a := spec.Autoscaling; a != nil {
		ap := path.Child("autoscaling")
		if a.Max < 1 {
			errs = append(errs, field.Invalid(ap.Child("max"), a.Max, "must be at least 1"))
		}
		if spec.Replicas != nil && *spec.Replicas > a.Max {
			errs = append(errs, field.Invalid(path.Child("replicas"), *spec.Replicas, fmt.Sprintf("replicas cannot exceed autoscaling max (%d); replicas is the minimum when autoscaling", a.Max)))
		}
		if spec.Replicas != nil && *spec.Replicas < 1 {
			errs = append(errs, field.Invalid(path.Child("replicas"), *spec.Replicas, "the autoscaler needs at least 1 replica"))
		}
		seen := map[string]bool{}
		for i, m := range a.Metrics {
			mp := ap.Child("metrics").Index(i)
			if !metricNameRE.MatchString(m.Metric) {
				errs = append(errs, field.Invalid(mp.Child("metric"), m.Metric, "invalid metric name: must match [a-zA-Z_:][a-zA-Z0-9_:]*"))
			}
			if seen[m.Metric] {
				errs = append(errs, field.Duplicate(mp.Child("metric"), m.Metric))
			}
			seen[m.Metric] = true
			if m.Target <= 0 {
				errs = append(errs, field.Invalid(mp.Child("target"), m.Target, "target must be greater than 0"))
			}
			if (m.Metric == "cpu" || m.Metric == "memory") && m.Target > 100 {
				errs = append(errs, field.Invalid(mp.Child("target"), m.Target, "utilization target cannot exceed 100%"))
			}
		}
	}
	if spec.Deploy != nil && spec.Deploy.Strategy != StrategyRolling && spec.Deploy.Strategy != StrategyCanary {
		errs = append(errs, field.NotSupported(path.Child("deploy", "strategy"), spec.Deploy.Strategy, []string{StrategyCanary, StrategyRolling}))
	}
	return errs
}

func validateIngress(in *IngressSpec, ports map[string]ServicePort, p *Platform, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	hp := path.Child("hostname")
	errs = append(errs, ValidateHostname(hp, in.Hostname)...)
	if len(errs) == 0 && !p.InZone(in.Hostname) {
		errs = append(errs, field.Invalid(hp, in.Hostname, "outside the DNS zones the platform owns ("+strings.Join(p.Spec.DNS.Zones, ", ")+"); use a hostname in one of them or ask the platform team to add the zone"))
	}
	if len(ports) == 0 {
		errs = append(errs, field.Required(path.Child("hostname"), "a service with an ingress needs workload.service.ports to route to"))
	}
	switch in.TLS {
	case TLSTerminate:
	case TLSPassthrough:
		if len(in.Paths) > 0 {
			errs = append(errs, field.Forbidden(path.Child("paths"), "a passthrough gateway cannot see paths (the traffic stays encrypted); remove paths or use tls: terminate"))
		}
		if in.Issuer != nil {
			errs = append(errs, field.Forbidden(path.Child("issuer"), "with passthrough the service holds its own certificate; remove issuer"))
		}
		if in.JWT != nil {
			errs = append(errs, field.Forbidden(path.Child("jwt"), "a passthrough gateway cannot read tokens; remove jwt or use tls: terminate"))
		}
		if _, ok := PassthroughPort(ports); !ok && len(ports) > 1 {
			errs = append(errs, field.Forbidden(path.Child("tls"), "passthrough routes to the service's only port, or to the port named https or tls; name the TLS port https"))
		}
	default:
		errs = append(errs, field.NotSupported(path.Child("tls"), in.TLS, []string{TLSPassthrough, TLSTerminate}))
	}
	seen := map[string]bool{}
	for i, pa := range in.Paths {
		pp := path.Child("paths").Index(i)
		if !strings.HasPrefix(pa.Path, "/") || strings.ContainsAny(pa.Path, " \t\n?#*") {
			errs = append(errs, field.Invalid(pp.Child("path"), pa.Path, "must be a path prefix starting with '/', e.g. /api"))
		}
		if seen[pa.Path] {
			errs = append(errs, field.Duplicate(pp.Child("path"), pa.Path))
		}
		seen[pa.Path] = true
		if len(ports) == 0 {
			continue
		}
		if _, ok := LookupPort(ports, pa.Port); !ok {
			if pa.Port.IntVal == 0 && pa.Port.StrVal == "" {
				errs = append(errs, field.Required(pp.Child("port"), "the service has several ports; name one of "+quoteKeys(ports)))
			} else {
				errs = append(errs, field.Invalid(pp.Child("port"), pa.Port.String(), "not a port of this service; use one of "+quoteKeys(ports)))
			}
		}
	}
	switch {
	case in.Issuer == nil:
	case in.Issuer.Kind != "ClusterIssuer" && in.Issuer.Kind != "Issuer":
		errs = append(errs, field.NotSupported(path.Child("issuer", "kind"), in.Issuer.Kind, []string{"ClusterIssuer", "Issuer"}))
	case !p.IssuerDeclared(*in.Issuer):
		errs = append(errs, field.Invalid(path.Child("issuer", "name"), in.Issuer.Name,
			"the platform does not declare this "+in.Issuer.Kind+"; a certificate from an unknown issuer would never be issued. Use one of "+p.issuerList()))
	}
	if j := in.JWT; j != nil {
		jp := path.Child("jwt")
		if j.Issuer == "" {
			errs = append(errs, field.Required(jp.Child("issuer"), "name the token issuer (the iss claim), e.g. https://auth.example.com"))
		}
		if u, err := url.Parse(j.JWKSURI); j.JWKSURI == "" || err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, field.Invalid(jp.Child("jwksUri"), j.JWKSURI, "must be an https:// URL of the issuer's JSON Web Key Set"))
		}
		for i, a := range j.Audiences {
			if strings.TrimSpace(a) == "" {
				errs = append(errs, field.Invalid(jp.Child("audiences").Index(i), a, "must not be empty"))
			}
		}
	}
	return errs
}

// PassthroughPort is the port a passthrough ingress routes to: the only
// port, else the one named https, else tls. A service may keep a plain HTTP
// port for mesh callers (where L7 rules apply) next to its public TLS port.
func PassthroughPort(ports map[string]ServicePort) (string, bool) {
	if len(ports) == 1 {
		for name := range ports {
			return name, true
		}
	}
	for _, name := range []string{"https", "tls"} {
		if _, ok := ports[name]; ok {
			return name, true
		}
	}
	return "", false
}

// LookupPort finds a service port by number or name.
func LookupPort(ports map[string]ServicePort, ref intstr.IntOrString) (string, bool) {
	if ref.Type == intstr.String {
		_, ok := ports[ref.StrVal]
		return ref.StrVal, ok
	}
	for _, name := range sorted.Keys(ports) {
		if ports[name].Port == ref.IntVal {
			return name, true
		}
	}
	return "", false
}

// ValidateHostname accepts lowercase DNS names without wildcards or a
// trailing dot: exactly what a Certificate and a route can both carry.
func ValidateHostname(path *field.Path, h string) field.ErrorList {
	switch {
	case h == "":
		return field.ErrorList{field.Required(path, "set the public hostname, e.g. checkout.example.com")}
	case strings.HasPrefix(h, "*"):
		return field.ErrorList{field.Invalid(path, h, "wildcard hostnames are not allowed; declare each hostname")}
	case strings.HasSuffix(h, "."):
		return field.ErrorList{field.Invalid(path, h, "remove the trailing dot")}
	case strings.ToLower(h) != h:
		return field.ErrorList{field.Invalid(path, h, "must be lowercase: "+strings.ToLower(h))}
	case net.ParseIP(h) != nil:
		return field.ErrorList{field.Invalid(path, h, "must be a DNS name, not an IP address")}
	case !strings.Contains(h, "."):
		return field.ErrorList{field.Invalid(path, h, "must be a fully qualified name such as app.example.com")}
	}
	if len(h) > 253 {
		return field.ErrorList{field.TooLong(path, h, 253)}
	}
	// Label by label, so the message names the offending part and a label
	// over 63 characters (which DNS and ACME reject) is caught too.
	for _, label := range strings.Split(h, ".") {
		if len(validation.IsDNS1123Label(label)) > 0 {
			return field.ErrorList{field.Invalid(path, h, fmt.Sprintf(
				"label %q is not valid: each dot-separated part has 1-63 lowercase letters, digits or '-', and starts and ends with a letter or digit (e.g. my-shop.example.com)", label))}
		}
	}
	return nil
}

// InZone reports whether host falls in one of the platform's DNS zones.
func (p *Platform) InZone(host string) bool {
	if len(p.Spec.DNS.Zones) == 0 {
		return true
	}
	for _, z := range p.Spec.DNS.Zones {
		if host == z || strings.HasSuffix(host, "."+z) {
			return true
		}
	}
	return false
}

// IssuerDeclared reports whether the platform runs the issuer.
func (p *Platform) IssuerDeclared(ref IssuerRef) bool {
	if d := p.Spec.Certificates.DefaultIssuer; d != nil && *d == ref {
		return true
	}
	return slices.Contains(p.Spec.Certificates.Issuers, ref)
}

func (p *Platform) issuerList() string {
	var names []string
	for _, r := range append([]IssuerRef{*p.Spec.Certificates.DefaultIssuer}, p.Spec.Certificates.Issuers...) {
		names = append(names, r.Kind+"/"+r.Name)
	}
	slices.Sort(names)
	return strings.Join(slices.Compact(names), ", ")
}

// ValidatePlatform checks a defaulted Platform.
func ValidatePlatform(p *Platform) field.ErrorList {
	var errs field.ErrorList
	s := field.NewPath("spec")
	errs = append(errs, dnsLabel(s.Child("cluster", "name"), p.Spec.Cluster.Name)...)
	errs = append(errs, ValidateTrustDomain(s.Child("cluster", "trustDomain"), p.Spec.Cluster.TrustDomain)...)
	errs = append(errs, dnsLabel(s.Child("gateway", "name"), p.Spec.Gateway.Name)...)
	errs = append(errs, dnsLabel(s.Child("gateway", "namespace"), p.Spec.Gateway.Namespace)...)
	errs = append(errs, dnsLabel(s.Child("gateway", "serviceAccount"), p.Spec.Gateway.ServiceAccount)...)
	// Gateway API's SectionName: a DNS subdomain of at most 253 characters.
	for _, msg := range validation.IsDNS1123Subdomain(p.Spec.Gateway.SectionName) {
		errs = append(errs, field.Invalid(s.Child("gateway", "sectionName"), p.Spec.Gateway.SectionName, "is not a listener name: "+msg))
	}
	errs = append(errs, dnsLabel(s.Child("mesh", "rootNamespace"), p.Spec.Mesh.RootNamespace)...)
	for i, r := range append([]IssuerRef{*p.Spec.Certificates.DefaultIssuer}, p.Spec.Certificates.Issuers...) {
		ip := s.Child("certificates", "defaultIssuer")
		if i > 0 {
			ip = s.Child("certificates", "issuers").Index(i - 1)
		}
		for _, msg := range validation.IsDNS1123Subdomain(r.Name) {
			errs = append(errs, field.Invalid(ip.Child("name"), r.Name, msg))
		}
		if r.Kind != "ClusterIssuer" && r.Kind != "Issuer" {
			errs = append(errs, field.NotSupported(ip.Child("kind"), r.Kind, []string{"ClusterIssuer", "Issuer"}))
		}
	}
	for i, z := range p.Spec.DNS.Zones {
		errs = append(errs, ValidateHostname(s.Child("dns", "zones").Index(i), z)...)
	}
	if o := p.Spec.Mesh.OneSided; o != OneSidedWarn && o != OneSidedError {
		errs = append(errs, field.NotSupported(s.Child("mesh", "oneSided"), o, []string{OneSidedError, OneSidedWarn}))
	}
	errs = append(errs, validateMultiCluster(s.Child("mesh", "multiCluster"), p.Spec.Mesh.MultiCluster)...)
	if k := p.Spec.Output.KeepSource; k != KeepSourceAuto && k != KeepSourceAlways && k != KeepSourceNever {
		errs = append(errs, field.NotSupported(s.Child("output", "keepSource"), k, []string{KeepSourceAlways, KeepSourceAuto, KeepSourceNever}))
	}
	for i, g := range p.Spec.Security.AllowedOverrides {
		gp := s.Child("security", "allowedOverrides").Index(i)
		if g.Service != "*" && strings.Count(g.Service, "/") != 1 {
			errs = append(errs, field.Invalid(gp.Child("service"), g.Service, "must be \"namespace/name\", \"namespace/*\" or \"*\""))
		}
	}
	return errs
}

// ValidateTrustDomain accepts SPIFFE trust domain names (lowercase letters,
// digits, '.', '-', '_').
func ValidateTrustDomain(path *field.Path, td string) field.ErrorList {
	if td == "" || len(td) > 255 || strings.Trim(td, "abcdefghijklmnopqrstuvwxyz0123456789.-_") != "" {
		return field.ErrorList{field.Invalid(path, td, "a SPIFFE trust domain has only lowercase letters, digits, '.', '-' and '_', e.g. cluster.local")}
	}
	return nil
}

func dnsLabel(path *field.Path, v string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(v) {
		errs = append(errs, field.Invalid(path, v, "is not a valid DNS label: "+msg))
	}
	return errs
}

func absPath(path *field.Path, p string) field.ErrorList {
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "..") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
		return field.ErrorList{field.Invalid(path, p, "must be an absolute file path without '..', e.g. /etc/app/config.yaml")}
	}
	return nil
}

func quoteKeys[V any](m map[string]V) string {
	var q []string
	for _, k := range sorted.Keys(m) {
		q = append(q, strconv.Quote(k))
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// validateMultiCluster checks the mode and that the global labels are
// labels lattice can write on a Service without changing what else reads it.
func validateMultiCluster(p *field.Path, mc MultiClusterPolicy) field.ErrorList {
	var errs field.ErrorList
	if mc.Mode != MultiClusterAmbient && mc.Mode != MultiClusterSidecar {
		errs = append(errs, field.NotSupported(p.Child("mode"), mc.Mode, []string{MultiClusterAmbient, MultiClusterSidecar}))
	}
	sp := p.Child("globalServiceSelector")
	for _, k := range slices.Sorted(maps.Keys(mc.GlobalServiceSelector)) {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, field.Invalid(sp.Key(k), k, msg))
		}
		for _, msg := range validation.IsValidLabelValue(mc.GlobalServiceSelector[k]) {
			errs = append(errs, field.Invalid(sp.Key(k), mc.GlobalServiceSelector[k], msg))
		}
		switch k {
		case "app.kubernetes.io/name", "app.kubernetes.io/managed-by", "istio.io/use-waypoint", "lattice.dev/remote-cluster":
			errs = append(errs, field.Invalid(sp.Key(k), k, "lattice sets this label itself; choose the label your MeshConfig serviceScopeConfigs selects (default istio.io/global)"))
		}
	}
	return errs
}

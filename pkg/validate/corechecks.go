package validate

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Go-only rules of kube-apiserver (k8s.io/kubernetes/pkg/apis/*/validation)
// for the core kinds lattice emits. The OpenAPI schema has types,
// required fields and enums; everything below is enforced by the server in
// Go and would be missed by schema validation alone. It is a subset, chosen
// for what a renderer can get wrong: names, selectors that must match,
// ports, references between fields of one object, quantities. The rules
// not ported are listed in docs/validate.md.

// coreRule is the name rule and the Go checks (nil: none) of a core kind.
type coreRule struct {
	name   apimachineryvalidation.ValidateNameFunc
	checks func(map[string]any) field.ErrorList
}

// coreRuleSet has an entry for every core kind in pkg/kinds
// (TestCoreRulesCoverRegistry): a new core kind needs a decision on which
// of the server's Go rules to port, even if it is "the name only".
var coreRuleSet = map[string]coreRule{
	"Namespace": {apimachineryvalidation.ValidateNamespaceName, nil},
	// RelaxedServiceNameValidation is GA (locked on) in Kubernetes 1.37:
	// a DNS-1123 label, where it used to be a DNS-1035 label.
	"Service":                 {apimachineryvalidation.NameIsDNSLabel, typed(checkService)},
	"ServiceAccount":          {apimachineryvalidation.ValidateServiceAccountName, nil},
	"ConfigMap":               {apimachineryvalidation.NameIsDNSSubdomain, typed(checkConfigMap)},
	"Secret":                  {apimachineryvalidation.NameIsDNSSubdomain, typed(checkSecret)},
	"PersistentVolumeClaim":   {apimachineryvalidation.NameIsDNSSubdomain, typed(checkPVC)},
	"Deployment":              {apimachineryvalidation.NameIsDNSSubdomain, typed(checkDeployment)},
	"PodDisruptionBudget":     {apimachineryvalidation.NameIsDNSSubdomain, typed(checkPDB)},
	"HorizontalPodAutoscaler": {apimachineryvalidation.NameIsDNSSubdomain, typed(checkHPA)},
}

// coreRules returns the name rule and the Go checks of a core kind.
func coreRules(gvk schema.GroupVersionKind) (apimachineryvalidation.ValidateNameFunc, func(map[string]any) field.ErrorList) {
	if r, ok := coreRuleSet[gvk.Kind]; ok {
		return r.name, r.checks
	}
	return apimachineryvalidation.NameIsDNSSubdomain, nil
}

// typed decodes obj into the kind's Go type, as the server does, and runs
// check. The schema has already accepted obj's types.
func typed[T any](check func(*T) field.ErrorList) func(map[string]any) field.ErrorList {
	return func(obj map[string]any) field.ErrorList {
		var t T
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &t); err != nil {
			return field.ErrorList{field.Invalid(nil, field.OmitValueType{}, "cannot decode: "+err.Error())}
		}
		return check(&t)
	}
}

// checkQuantities parses every value the schema marks as a quantity: the
// server's decoder rejects what resource.ParseQuantity rejects.
func checkQuantities(p *field.Path, x any, s *structuralschema.Structural) field.ErrorList {
	if s == nil {
		return nil
	}
	if s.ValueValidation != nil && s.ValueValidation.Format == quantityFormat {
		switch v := x.(type) {
		case string:
			if _, err := resource.ParseQuantity(v); err != nil {
				return field.ErrorList{field.Invalid(p, v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")}
			}
		case int64, float64, nil:
		default:
			return field.ErrorList{field.TypeInvalid(p, x, "must be a quantity (a string such as 500m or a number)")}
		}
		return nil
	}
	var errs field.ErrorList
	switch v := x.(type) {
	case map[string]any:
		for k, val := range v {
			if prop, ok := s.Properties[k]; ok {
				errs = append(errs, checkQuantities(p.Child(k), val, &prop)...)
			} else if s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil {
				errs = append(errs, checkQuantities(p.Key(k), val, s.AdditionalProperties.Structural)...)
			}
		}
	case []any:
		for i, val := range v {
			errs = append(errs, checkQuantities(p.Index(i), val, s.Items)...)
		}
	}
	return errs
}

func nonNegative(v int64, p *field.Path) field.ErrorList {
	if v < 0 {
		return field.ErrorList{field.Invalid(p, v, "must be greater than or equal to 0")}
	}
	return nil
}

func portNumOrName(port intstr.IntOrString, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if port.Type == intstr.String {
		for _, msg := range validation.IsValidPortName(port.StrVal) {
			errs = append(errs, field.Invalid(p, port.StrVal, msg))
		}
		return errs
	}
	for _, msg := range validation.IsValidPortNum(port.IntValue()) {
		errs = append(errs, field.Invalid(p, port.IntValue(), msg))
	}
	return errs
}

func dns1123Label(v string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(v) {
		errs = append(errs, field.Invalid(p, v, msg))
	}
	return errs
}

func dns1123Subdomain(v string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(v) {
		errs = append(errs, field.Invalid(p, v, msg))
	}
	return errs
}

func selector(s *metav1.LabelSelector, p *field.Path) field.ErrorList {
	return metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, p)
}

// intOrPercent is apps validation's ValidatePositiveIntOrPercent, plus
// IsNotMoreThan100Percent when atMost100.
func intOrPercent(v intstr.IntOrString, atMost100 bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch v.Type {
	case intstr.String:
		for _, msg := range validation.IsValidPercent(v.StrVal) {
			errs = append(errs, field.Invalid(p, v, msg))
		}
		if n, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%")); atMost100 && err == nil && n > 100 {
			errs = append(errs, field.Invalid(p, v, "must not be greater than 100%"))
		}
	case intstr.Int:
		errs = append(errs, nonNegative(int64(v.IntValue()), p)...)
	}
	return errs
}

func isZero(v intstr.IntOrString) bool {
	if v.Type == intstr.String {
		return strings.TrimSuffix(v.StrVal, "%") == "0"
	}
	return v.IntValue() == 0
}

func checkDeployment(d *appsv1.Deployment) field.ErrorList {
	var errs field.ErrorList
	spec, p := d.Spec, field.NewPath("spec")
	if spec.Replicas != nil {
		errs = append(errs, nonNegative(int64(*spec.Replicas), p.Child("replicas"))...)
	}
	if spec.Selector == nil {
		errs = append(errs, field.Required(p.Child("selector"), ""))
	} else {
		errs = append(errs, selector(spec.Selector, p.Child("selector"))...)
		if len(spec.Selector.MatchLabels)+len(spec.Selector.MatchExpressions) == 0 {
			errs = append(errs, field.Invalid(p.Child("selector"), spec.Selector, "empty selector is invalid for deployment"))
		}
	}
	tp := p.Child("template")
	if sel, err := metav1.LabelSelectorAsSelector(spec.Selector); err != nil {
		errs = append(errs, field.Invalid(p.Child("selector"), spec.Selector, "invalid label selector"))
	} else if !sel.Empty() && !sel.Matches(labels.Set(spec.Template.Labels)) {
		errs = append(errs, field.Invalid(tp.Child("metadata", "labels"), spec.Template.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, metav1validation.ValidateLabels(spec.Template.Labels, tp.Child("metadata", "labels"))...)
	errs = append(errs, apimachineryvalidation.ValidateAnnotations(spec.Template.Annotations, tp.Child("metadata", "annotations"))...)
	if rp := spec.Template.Spec.RestartPolicy; rp != "" && rp != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tp.Child("spec", "restartPolicy"), rp, []string{string(corev1.RestartPolicyAlways)}))
	}
	if spec.Template.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(tp.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in ReplicaSet is not Supported"))
	}
	errs = append(errs, checkPodSpec(&spec.Template.Spec, tp.Child("spec"))...)

	sp := p.Child("strategy")
	if spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType && spec.Strategy.RollingUpdate != nil {
		errs = append(errs, field.Forbidden(sp.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'"))
	}
	if ru := spec.Strategy.RollingUpdate; ru != nil && spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		rp := sp.Child("rollingUpdate")
		unavailable, surge := intstr.FromString("25%"), intstr.FromString("25%")
		if ru.MaxUnavailable != nil {
			unavailable = *ru.MaxUnavailable
			errs = append(errs, intOrPercent(unavailable, true, rp.Child("maxUnavailable"))...)
		}
		if ru.MaxSurge != nil {
			surge = *ru.MaxSurge
			errs = append(errs, intOrPercent(surge, false, rp.Child("maxSurge"))...)
		}
		if isZero(unavailable) && isZero(surge) {
			errs = append(errs, field.Invalid(rp.Child("maxUnavailable"), unavailable, "may not be 0 when `maxSurge` is 0"))
		}
	}
	errs = append(errs, nonNegative(int64(spec.MinReadySeconds), p.Child("minReadySeconds"))...)
	if spec.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(int64(*spec.RevisionHistoryLimit), p.Child("revisionHistoryLimit"))...)
	}
	if pd := spec.ProgressDeadlineSeconds; pd != nil {
		errs = append(errs, nonNegative(int64(*pd), p.Child("progressDeadlineSeconds"))...)
		if *pd <= spec.MinReadySeconds {
			errs = append(errs, field.Invalid(p.Child("progressDeadlineSeconds"), *pd, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

func checkPodSpec(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	volumes := sets.New[string]()
	for i, v := range spec.Volumes {
		vp := p.Child("volumes").Index(i)
		switch {
		case v.Name == "":
			errs = append(errs, field.Required(vp.Child("name"), ""))
		case volumes.Has(v.Name):
			errs = append(errs, field.Duplicate(vp.Child("name"), v.Name))
		default:
			errs = append(errs, dns1123Label(v.Name, vp.Child("name"))...)
			volumes.Insert(v.Name)
		}
		// No source at all is defaulted to emptyDir by the server.
		if setPointers(v.VolumeSource) > 1 {
			errs = append(errs, field.Forbidden(vp, "may not specify more than 1 volume type"))
		}
		if pvc := v.PersistentVolumeClaim; pvc != nil && pvc.ClaimName == "" {
			errs = append(errs, field.Required(vp.Child("persistentVolumeClaim", "claimName"), ""))
		}
		if cm := v.ConfigMap; cm != nil {
			errs = append(errs, keyToPaths(cm.Items, cm.DefaultMode, vp.Child("configMap"))...)
		}
		if s := v.Secret; s != nil {
			errs = append(errs, keyToPaths(s.Items, s.DefaultMode, vp.Child("secret"))...)
		}
	}
	if len(spec.Containers) == 0 {
		errs = append(errs, field.Required(p.Child("containers"), ""))
	}
	names := sets.New[string]()
	for _, list := range []struct {
		field      string
		containers []corev1.Container
	}{{"initContainers", spec.InitContainers}, {"containers", spec.Containers}} {
		for i := range list.containers {
			c := &list.containers[i]
			cp := p.Child(list.field).Index(i)
			if names.Has(c.Name) && c.Name != "" {
				errs = append(errs, field.Duplicate(cp.Child("name"), c.Name))
			}
			names.Insert(c.Name)
			errs = append(errs, checkContainer(c, volumes, list.field == "containers", cp)...)
		}
	}
	if sa := spec.ServiceAccountName; sa != "" {
		for _, msg := range apimachineryvalidation.ValidateServiceAccountName(sa, false) {
			errs = append(errs, field.Invalid(p.Child("serviceAccountName"), sa, msg))
		}
	}
	if sc := spec.SecurityContext; sc != nil {
		errs = append(errs, ids(sc.RunAsUser, sc.RunAsGroup, p.Child("securityContext"))...)
		if sc.FSGroup != nil {
			for _, msg := range validation.IsValidGroupID(*sc.FSGroup) {
				errs = append(errs, field.Invalid(p.Child("securityContext", "fsGroup"), *sc.FSGroup, msg))
			}
		}
	}
	for i, c := range spec.TopologySpreadConstraints {
		cp := p.Child("topologySpreadConstraints").Index(i)
		if c.MaxSkew <= 0 {
			errs = append(errs, field.Invalid(cp.Child("maxSkew"), c.MaxSkew, "must be greater than zero"))
		}
		if c.TopologyKey == "" {
			errs = append(errs, field.Required(cp.Child("topologyKey"), "can not be empty"))
		}
		if c.LabelSelector != nil {
			errs = append(errs, selector(c.LabelSelector, cp.Child("labelSelector"))...)
		}
	}
	return errs
}

// setPointers counts the non-nil pointer fields of a one-of struct.
func setPointers(v any) int {
	rv := reflect.ValueOf(v)
	n := 0
	for i := range rv.NumField() {
		if f := rv.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			n++
		}
	}
	return n
}

func keyToPaths(items []corev1.KeyToPath, mode *int32, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, it := range items {
		ip := p.Child("items").Index(i)
		if it.Key == "" {
			errs = append(errs, field.Required(ip.Child("key"), ""))
		}
		errs = append(errs, localDescendingPath(it.Path, ip.Child("path"))...)
		if it.Mode != nil && (*it.Mode < 0 || *it.Mode > 0o777) {
			errs = append(errs, field.Invalid(ip.Child("mode"), *it.Mode, "must be a number between 0 and 0777 (octal), both inclusive"))
		}
	}
	if mode != nil && (*mode < 0 || *mode > 0o777) {
		errs = append(errs, field.Invalid(p.Child("defaultMode"), *mode, "must be a number between 0 and 0777 (octal), both inclusive"))
	}
	return errs
}

func localDescendingPath(v string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if v == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if strings.HasPrefix(v, "/") {
		errs = append(errs, field.Invalid(p, v, "must be a relative path"))
	}
	for _, part := range strings.Split(v, "/") {
		if part == ".." {
			errs = append(errs, field.Invalid(p, v, "must not contain '..'"))
			break
		}
	}
	return errs
}

func ids(user, group *int64, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if user != nil {
		for _, msg := range validation.IsValidUserID(*user) {
			errs = append(errs, field.Invalid(p.Child("runAsUser"), *user, msg))
		}
	}
	if group != nil {
		for _, msg := range validation.IsValidGroupID(*group) {
			errs = append(errs, field.Invalid(p.Child("runAsGroup"), *group, msg))
		}
	}
	return errs
}

func checkContainer(c *corev1.Container, volumes sets.Set[string], regular bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	} else {
		errs = append(errs, dns1123Label(c.Name, p.Child("name"))...)
	}
	if c.Image == "" {
		errs = append(errs, field.Required(p.Child("image"), ""))
	}
	portNames := sets.New[string]()
	for i, port := range c.Ports {
		pp := p.Child("ports").Index(i)
		if port.Name != "" {
			if msgs := validation.IsValidPortName(port.Name); len(msgs) > 0 {
				for _, msg := range msgs {
					errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
				}
			} else if portNames.Has(port.Name) {
				errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
			} else {
				portNames.Insert(port.Name)
			}
		}
		if port.ContainerPort == 0 {
			errs = append(errs, field.Required(pp.Child("containerPort"), ""))
		} else {
			for _, msg := range validation.IsValidPortNum(int(port.ContainerPort)) {
				errs = append(errs, field.Invalid(pp.Child("containerPort"), port.ContainerPort, msg))
			}
		}
		if port.HostPort != 0 {
			for _, msg := range validation.IsValidPortNum(int(port.HostPort)) {
				errs = append(errs, field.Invalid(pp.Child("hostPort"), port.HostPort, msg))
			}
		}
	}
	for i, ev := range c.Env {
		ep := p.Child("env").Index(i)
		if ev.Name == "" {
			errs = append(errs, field.Required(ep.Child("name"), ""))
		} else {
			// RelaxedEnvironmentVariableValidation is GA.
			for _, msg := range validation.IsRelaxedEnvVarName(ev.Name) {
				errs = append(errs, field.Invalid(ep.Child("name"), ev.Name, msg))
			}
		}
		if vf := ev.ValueFrom; vf != nil {
			n := setPointers(*vf)
			switch {
			case n == 0:
				errs = append(errs, field.Invalid(ep.Child("valueFrom"), "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`"))
			case n > 1:
				errs = append(errs, field.Invalid(ep.Child("valueFrom"), "", "may not have more than one field specified at a time"))
			}
			if ev.Value != "" && n > 0 {
				errs = append(errs, field.Invalid(ep.Child("valueFrom"), "", "may not be specified when `value` is not empty"))
			}
			if r := vf.SecretKeyRef; r != nil && r.Key == "" {
				errs = append(errs, field.Required(ep.Child("valueFrom", "secretKeyRef", "key"), ""))
			}
			if r := vf.ConfigMapKeyRef; r != nil && r.Key == "" {
				errs = append(errs, field.Required(ep.Child("valueFrom", "configMapKeyRef", "key"), ""))
			}
		}
	}
	mountPaths := sets.New[string]()
	for i, m := range c.VolumeMounts {
		mp := p.Child("volumeMounts").Index(i)
		if m.Name == "" {
			errs = append(errs, field.Required(mp.Child("name"), ""))
		} else if !volumes.Has(m.Name) {
			errs = append(errs, field.NotFound(mp.Child("name"), m.Name))
		}
		if m.MountPath == "" {
			errs = append(errs, field.Required(mp.Child("mountPath"), ""))
		} else if mountPaths.Has(m.MountPath) {
			errs = append(errs, field.Invalid(mp.Child("mountPath"), m.MountPath, "must be unique"))
		}
		mountPaths.Insert(m.MountPath)
		if m.SubPath != "" {
			errs = append(errs, localDescendingPath(m.SubPath, mp.Child("subPath"))...)
		}
	}
	rp := p.Child("resources")
	for name, q := range c.Resources.Limits {
		if q.Sign() < 0 {
			errs = append(errs, field.Invalid(rp.Child("limits").Key(string(name)), q.String(), "must be greater than or equal to 0"))
		}
	}
	for name, q := range c.Resources.Requests {
		if q.Sign() < 0 {
			errs = append(errs, field.Invalid(rp.Child("requests").Key(string(name)), q.String(), "must be greater than or equal to 0"))
		}
		if limit, ok := c.Resources.Limits[name]; ok && q.Cmp(limit) > 0 {
			errs = append(errs, field.Invalid(rp.Child("requests").Key(string(name)), q.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
		}
	}
	if regular {
		errs = append(errs, probe(c.LivenessProbe, true, p.Child("livenessProbe"))...)
		errs = append(errs, probe(c.ReadinessProbe, false, p.Child("readinessProbe"))...)
		errs = append(errs, probe(c.StartupProbe, true, p.Child("startupProbe"))...)
	}
	if sc := c.SecurityContext; sc != nil {
		errs = append(errs, ids(sc.RunAsUser, sc.RunAsGroup, p.Child("securityContext"))...)
		if sc.Privileged != nil && *sc.Privileged && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
			errs = append(errs, field.Invalid(p.Child("securityContext"), sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
		}
	}
	return errs
}

// probe: one handler, non-negative numbers; liveness and startup probes
// must have successThreshold 1.
func probe(pr *corev1.Probe, successOne bool, p *field.Path) field.ErrorList {
	if pr == nil {
		return nil
	}
	var errs field.ErrorList
	handlers := 0
	for _, set := range []bool{pr.Exec != nil, pr.HTTPGet != nil, pr.TCPSocket != nil, pr.GRPC != nil} {
		if set {
			handlers++
		}
	}
	switch {
	case handlers == 0:
		errs = append(errs, field.Required(p, "must specify a handler type"))
	case handlers > 1:
		errs = append(errs, field.Forbidden(p, "may not specify more than 1 handler type"))
	}
	if h := pr.HTTPGet; h != nil {
		// An empty path is defaulted to "/"; any other string is accepted.
		errs = append(errs, portNumOrName(h.Port, p.Child("httpGet", "port"))...)
		for _, hdr := range h.HTTPHeaders {
			for _, msg := range validation.IsHTTPHeaderName(hdr.Name) {
				errs = append(errs, field.Invalid(p.Child("httpGet", "httpHeaders"), hdr.Name, msg))
			}
		}
	}
	if t := pr.TCPSocket; t != nil {
		errs = append(errs, portNumOrName(t.Port, p.Child("tcpSocket", "port"))...)
	}
	if g := pr.GRPC; g != nil {
		for _, msg := range validation.IsValidPortNum(int(g.Port)) {
			errs = append(errs, field.Invalid(p.Child("grpc", "port"), g.Port, msg))
		}
	}
	if e := pr.Exec; e != nil && len(e.Command) == 0 {
		errs = append(errs, field.Required(p.Child("exec", "command"), ""))
	}
	errs = append(errs, nonNegative(int64(pr.InitialDelaySeconds), p.Child("initialDelaySeconds"))...)
	errs = append(errs, nonNegative(int64(pr.TimeoutSeconds), p.Child("timeoutSeconds"))...)
	errs = append(errs, nonNegative(int64(pr.PeriodSeconds), p.Child("periodSeconds"))...)
	errs = append(errs, nonNegative(int64(pr.SuccessThreshold), p.Child("successThreshold"))...)
	errs = append(errs, nonNegative(int64(pr.FailureThreshold), p.Child("failureThreshold"))...)
	if successOne && pr.SuccessThreshold != 0 && pr.SuccessThreshold != 1 {
		errs = append(errs, field.Invalid(p.Child("successThreshold"), pr.SuccessThreshold, "must be 1"))
	}
	if g := pr.TerminationGracePeriodSeconds; g != nil && *g <= 0 {
		errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *g, "must be greater than 0"))
	}
	return errs
}

func checkService(s *corev1.Service) field.ErrorList {
	var errs field.ErrorList
	spec, p := s.Spec, field.NewPath("spec")
	headless := spec.ClusterIP == corev1.ClusterIPNone
	typ := spec.Type
	if typ == "" {
		typ = corev1.ServiceTypeClusterIP
	}
	if len(spec.Ports) == 0 && !headless && typ != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(p.Child("ports"), ""))
	}
	if typ == corev1.ServiceTypeExternalName {
		if cname := strings.TrimSuffix(spec.ExternalName, "."); cname == "" {
			errs = append(errs, field.Required(p.Child("externalName"), ""))
		} else {
			errs = append(errs, dns1123Subdomain(cname, p.Child("externalName"))...)
		}
	}
	if headless && (typ == corev1.ServiceTypeLoadBalancer || typ == corev1.ServiceTypeNodePort) {
		errs = append(errs, field.Invalid(p.Child("clusterIPs").Index(0), spec.ClusterIP, fmt.Sprintf("may not be set to 'None' for %s services", typ)))
	}
	names := sets.New[string]()
	type portKey struct {
		port     int32
		protocol corev1.Protocol
	}
	seen := map[portKey]bool{}
	for i, port := range spec.Ports {
		pp := p.Child("ports").Index(i)
		if len(spec.Ports) > 1 && port.Name == "" {
			errs = append(errs, field.Required(pp.Child("name"), ""))
		} else if port.Name != "" {
			errs = append(errs, dns1123Label(port.Name, pp.Child("name"))...)
			if names.Has(port.Name) {
				errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
			}
			names.Insert(port.Name)
		}
		for _, msg := range validation.IsValidPortNum(int(port.Port)) {
			errs = append(errs, field.Invalid(pp.Child("port"), port.Port, msg))
		}
		// An unset targetPort (0 or "") defaults to port.
		if port.TargetPort != intstr.FromInt32(0) && port.TargetPort != intstr.FromString("") {
			errs = append(errs, portNumOrName(port.TargetPort, pp.Child("targetPort"))...)
		}
		if ap := port.AppProtocol; ap != nil {
			for _, msg := range validation.IsQualifiedName(*ap) {
				errs = append(errs, field.Invalid(pp.Child("appProtocol"), *ap, msg))
			}
		}
		if port.NodePort != 0 && typ == corev1.ServiceTypeClusterIP {
			errs = append(errs, field.Forbidden(pp.Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
		}
		protocol := port.Protocol
		if protocol == "" {
			protocol = corev1.ProtocolTCP
		}
		key := portKey{port.Port, protocol}
		if seen[key] {
			errs = append(errs, field.Duplicate(pp, fmt.Sprintf("%d/%s", port.Port, protocol)))
		}
		seen[key] = true
	}
	if spec.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabels(spec.Selector, p.Child("selector"))...)
	}
	return errs
}

// maxDataSize is core.MaxSecretSize, the limit of a ConfigMap's or a
// Secret's data.
const maxDataSize = 1 * 1024 * 1024

func checkConfigMap(cm *corev1.ConfigMap) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for k, v := range cm.Data {
		for _, msg := range validation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, msg))
		}
		if _, dup := cm.BinaryData[k]; dup {
			errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, "duplicate of key present in binaryData"))
		}
		size += len(v)
	}
	for k, v := range cm.BinaryData {
		for _, msg := range validation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(field.NewPath("binaryData").Key(k), k, msg))
		}
		size += len(v)
	}
	if size > maxDataSize {
		errs = append(errs, field.TooLong(field.NewPath(""), "", maxDataSize))
	}
	return errs
}

func checkSecret(s *corev1.Secret) field.ErrorList {
	var errs field.ErrorList
	data := field.NewPath("data")
	// stringData is merged into data by the server before validation.
	all := map[string]int{}
	for k, v := range s.Data {
		all[k] = len(v)
	}
	for k, v := range s.StringData {
		all[k] = len(v)
	}
	size := 0
	for k, n := range all {
		for _, msg := range validation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(data.Key(k), k, msg))
		}
		size += n
	}
	if size > maxDataSize {
		errs = append(errs, field.TooLong(data, "", maxDataSize))
	}
	has := func(k string) bool { _, ok := all[k]; return ok }
	switch s.Type {
	case corev1.SecretTypeServiceAccountToken:
		if s.Annotations[corev1.ServiceAccountNameKey] == "" {
			errs = append(errs, field.Required(field.NewPath("metadata", "annotations").Key(corev1.ServiceAccountNameKey), ""))
		}
	case corev1.SecretTypeDockerConfigJson:
		if !has(corev1.DockerConfigJsonKey) {
			errs = append(errs, field.Required(data.Key(corev1.DockerConfigJsonKey), ""))
		}
	case corev1.SecretTypeDockercfg:
		if !has(corev1.DockerConfigKey) {
			errs = append(errs, field.Required(data.Key(corev1.DockerConfigKey), ""))
		}
	case corev1.SecretTypeBasicAuth:
		if !has(corev1.BasicAuthUsernameKey) && !has(corev1.BasicAuthPasswordKey) {
			errs = append(errs, field.Required(data.Key(corev1.BasicAuthUsernameKey), ""), field.Required(data.Key(corev1.BasicAuthPasswordKey), ""))
		}
	case corev1.SecretTypeSSHAuth:
		if all[corev1.SSHAuthPrivateKey] == 0 {
			errs = append(errs, field.Required(data.Key(corev1.SSHAuthPrivateKey), ""))
		}
	case corev1.SecretTypeTLS:
		if !has(corev1.TLSCertKey) {
			errs = append(errs, field.Required(data.Key(corev1.TLSCertKey), ""))
		}
		if !has(corev1.TLSPrivateKeyKey) {
			errs = append(errs, field.Required(data.Key(corev1.TLSPrivateKeyKey), ""))
		}
	}
	return errs
}

var accessModes = sets.New(corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOncePod)

func checkPVC(pvc *corev1.PersistentVolumeClaim) field.ErrorList {
	var errs field.ErrorList
	spec, p := pvc.Spec, field.NewPath("spec")
	if len(spec.AccessModes) == 0 {
		errs = append(errs, field.Required(p.Child("accessModes"), "at least 1 access mode is required"))
	}
	rwop, other := false, false
	for _, m := range spec.AccessModes {
		if !accessModes.Has(m) {
			errs = append(errs, field.NotSupported(p.Child("accessModes"), m, sets.List(accessModes)))
		}
		if m == corev1.ReadWriteOncePod {
			rwop = true
		} else if accessModes.Has(m) {
			other = true
		}
	}
	if rwop && other {
		errs = append(errs, field.Forbidden(p.Child("accessModes"), "may not use ReadWriteOncePod with other access modes"))
	}
	if spec.Selector != nil {
		errs = append(errs, selector(spec.Selector, p.Child("selector"))...)
	}
	storage, ok := spec.Resources.Requests[corev1.ResourceStorage]
	sp := p.Child("resources").Key(string(corev1.ResourceStorage))
	if !ok {
		errs = append(errs, field.Required(sp, ""))
	} else if storage.Sign() <= 0 {
		errs = append(errs, field.Invalid(sp, storage.String(), "must be greater than zero"))
	}
	if sc := spec.StorageClassName; sc != nil && *sc != "" {
		errs = append(errs, dns1123Subdomain(*sc, p.Child("storageClassName"))...)
	}
	return errs
}

func checkPDB(pdb *policyv1.PodDisruptionBudget) field.ErrorList {
	var errs field.ErrorList
	spec, p := pdb.Spec, field.NewPath("spec")
	if spec.MinAvailable != nil && spec.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(p, field.OmitValueType{}, "minAvailable and maxUnavailable cannot be both set"))
	}
	if spec.MinAvailable != nil {
		errs = append(errs, intOrPercent(*spec.MinAvailable, true, p.Child("minAvailable"))...)
	}
	if spec.MaxUnavailable != nil {
		errs = append(errs, intOrPercent(*spec.MaxUnavailable, true, p.Child("maxUnavailable"))...)
	}
	errs = append(errs, selector(spec.Selector, p.Child("selector"))...)
	return errs
}

func checkHPA(h *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	var errs field.ErrorList
	spec, p := h.Spec, field.NewPath("spec")
	// HPAScaleToZero is alpha, off by default: minReplicas is at least 1.
	if spec.MinReplicas != nil && *spec.MinReplicas < 1 {
		errs = append(errs, field.Invalid(p.Child("minReplicas"), *spec.MinReplicas, "must be greater than or equal to 1"))
	}
	switch {
	case spec.MaxReplicas == 0:
		errs = append(errs, field.Required(p.Child("maxReplicas"), "must be set and greater than 0"))
	case spec.MaxReplicas < 0:
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), spec.MaxReplicas, "must be greater than or equal to 1"))
	}
	if spec.MinReplicas != nil && spec.MaxReplicas < *spec.MinReplicas {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), spec.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	ref, rp := spec.ScaleTargetRef, p.Child("scaleTargetRef")
	for _, f := range []struct{ name, value string }{{"kind", ref.Kind}, {"name", ref.Name}} {
		if f.value == "" {
			errs = append(errs, field.Required(rp.Child(f.name), ""))
		}
		for _, msg := range content.IsPathSegmentName(f.value) {
			errs = append(errs, field.Invalid(rp.Child(f.name), f.value, msg))
		}
	}
	if _, err := schema.ParseGroupVersion(ref.APIVersion); err != nil {
		errs = append(errs, field.Invalid(rp.Child("apiVersion"), ref.APIVersion, err.Error()))
	}
	for i, m := range spec.Metrics {
		errs = append(errs, metricSpec(m, p.Child("metrics").Index(i))...)
	}
	return errs
}

// metricSpec is autoscaling validation's validateMetricSpec.
func metricSpec(m autoscalingv2.MetricSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	present := map[string]bool{}
	if src := m.Object; src != nil {
		present["object"] = true
		ref, rp := src.DescribedObject, p.Child("object", "describedObject")
		for _, f := range []struct{ name, value string }{{"kind", ref.Kind}, {"name", ref.Name}} {
			if f.value == "" {
				errs = append(errs, field.Required(rp.Child(f.name), ""))
			}
			for _, msg := range content.IsPathSegmentName(f.value) {
				errs = append(errs, field.Invalid(rp.Child(f.name), f.value, msg))
			}
		}
		errs = append(errs, metricIdentifier(src.Metric, p.Child("object", "metric"))...)
		errs = append(errs, metricTarget(src.Target, p.Child("object", "target"))...)
		if src.Target.Value == nil && src.Target.AverageValue == nil {
			errs = append(errs, field.Required(p.Child("object", "target", "averageValue"), "must set either a target value or averageValue"))
		}
	}
	if src := m.External; src != nil {
		present["external"] = true
		errs = append(errs, metricIdentifier(src.Metric, p.Child("external", "metric"))...)
		errs = append(errs, metricTarget(src.Target, p.Child("external", "target"))...)
		if src.Target.Value == nil && src.Target.AverageValue == nil {
			errs = append(errs, field.Required(p.Child("external", "target", "averageValue"), "must set either a target value for metric or a per-pod target"))
		}
		if src.Target.Value != nil && src.Target.AverageValue != nil {
			errs = append(errs, field.Forbidden(p.Child("external", "target", "value"), "may not set both a target value for metric and a per-pod target"))
		}
	}
	if src := m.Pods; src != nil {
		present["pods"] = true
		errs = append(errs, metricIdentifier(src.Metric, p.Child("pods", "metric"))...)
		errs = append(errs, metricTarget(src.Target, p.Child("pods", "target"))...)
		if src.Target.AverageValue == nil {
			errs = append(errs, field.Required(p.Child("pods", "target", "averageValue"), "must specify a positive target averageValue"))
		}
	}
	if src := m.Resource; src != nil {
		present["resource"] = true
		errs = append(errs, resourceTarget(src.Name, src.Target, p.Child("resource"))...)
	}
	if src := m.ContainerResource; src != nil {
		present["containerResource"] = true
		errs = append(errs, resourceTarget(src.Name, src.Target, p.Child("containerResource"))...)
		if src.Container == "" {
			errs = append(errs, field.Required(p.Child("containerResource", "container"), "must specify a container"))
		} else {
			errs = append(errs, dns1123Label(src.Container, p.Child("containerResource", "container"))...)
		}
	}
	expected := ""
	switch m.Type {
	case autoscalingv2.ObjectMetricSourceType, autoscalingv2.PodsMetricSourceType, autoscalingv2.ResourceMetricSourceType,
		autoscalingv2.ExternalMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType:
		expected = lowerFirst(string(m.Type))
		if !present[expected] {
			errs = append(errs, field.Required(p.Child(expected), "must populate information for the given metric source"))
		}
	case "":
		errs = append(errs, field.Required(p.Child("type"), "must specify a metric source type"))
	default:
		errs = append(errs, field.NotSupported(p.Child("type"), m.Type, []string{"ContainerResource", "External", "Object", "Pods", "Resource"}))
	}
	if len(present) > 1 {
		for typ := range present {
			if typ != expected {
				errs = append(errs, field.Forbidden(p.Child(typ), "must populate the given metric source only"))
			}
		}
	}
	return errs
}

func metricIdentifier(id autoscalingv2.MetricIdentifier, p *field.Path) field.ErrorList {
	if id.Name == "" {
		return field.ErrorList{field.Required(p.Child("name"), "must specify a metric name")}
	}
	var errs field.ErrorList
	for _, msg := range content.IsPathSegmentName(id.Name) {
		errs = append(errs, field.Invalid(p.Child("name"), id.Name, msg))
	}
	if id.Selector != nil {
		errs = append(errs, selector(id.Selector, p.Child("selector"))...)
	}
	return errs
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func metricTarget(t autoscalingv2.MetricTarget, tp *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch t.Type {
	case autoscalingv2.UtilizationMetricType, autoscalingv2.ValueMetricType, autoscalingv2.AverageValueMetricType:
	case "":
		errs = append(errs, field.Required(tp.Child("type"), "must specify a metric target type"))
	default:
		errs = append(errs, field.Invalid(tp.Child("type"), t.Type, "must be either Utilization, Value, or AverageValue"))
	}
	if t.Value != nil && t.Value.Sign() != 1 {
		errs = append(errs, field.Invalid(tp.Child("value"), t.Value.String(), "must be positive"))
	}
	if t.AverageValue != nil && t.AverageValue.Sign() != 1 {
		errs = append(errs, field.Invalid(tp.Child("averageValue"), t.AverageValue.String(), "must be positive"))
	}
	if t.AverageUtilization != nil && *t.AverageUtilization < 1 {
		errs = append(errs, field.Invalid(tp.Child("averageUtilization"), *t.AverageUtilization, "must be greater than 0"))
	}
	return errs
}

// resourceTarget is validateResourceSource (and the shared part of
// validateContainerResourceSource).
func resourceTarget(name corev1.ResourceName, t autoscalingv2.MetricTarget, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(p.Child("name"), "must specify a resource name"))
	}
	tp := p.Child("target")
	errs = append(errs, metricTarget(t, tp)...)
	if t.AverageUtilization == nil && t.AverageValue == nil {
		errs = append(errs, field.Required(tp.Child("averageUtilization"), "must set either a target raw value or a target utilization"))
	}
	if t.AverageUtilization != nil && t.AverageValue != nil {
		errs = append(errs, field.Forbidden(tp.Child("averageValue"), "may not set both a target raw value and a target utilization"))
	}
	return errs
}

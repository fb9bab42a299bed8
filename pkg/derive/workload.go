package derive

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	esv1 "github.com/lattice-dev/lattice/pkg/api/externalsecrets/v1"
	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
	"github.com/lattice-dev/lattice/pkg/graph"
	"github.com/lattice-dev/lattice/pkg/sorted"
)

// Workload derives the ServiceAccount, config objects, volumes, Deployment,
// Service, PodDisruptionBudget and HorizontalPodAutoscaler of a service.
func Workload(in Input) ([]Derived, field.ErrorList) {
	w := &workload{in: in, vars: templateVars(in)}
	s := in.Service
	w.add(&corev1.ServiceAccount{
		ObjectMeta:                   in.Meta(s.Name),
		AutomountServiceAccountToken: ptr(false),
	}, "metadata.name")
	w.secrets()
	pod := w.podSpec()
	w.pvcs()
	if len(w.errs) > 0 {
		return nil, w.errs
	}
	w.add(w.deployment(pod), "spec.workload.containers")
	if svc := w.service(); svc != nil {
		w.add(svc, "spec.workload.service.ports")
	}
	if r := *s.Spec.Replicas; r >= 2 {
		w.add(&policyv1.PodDisruptionBudget{
			ObjectMeta: in.Meta(s.Name),
			Spec: policyv1.PodDisruptionBudgetSpec{
				MinAvailable: ptr(intstr.FromInt32(max(r-1, 1))),
				Selector:     &metav1.LabelSelector{MatchLabels: in.selector()},
			},
		}, "spec.replicas")
	}
	if s.Spec.Autoscaling != nil {
		w.add(w.hpa(), "spec.autoscaling")
	}
	return w.out, w.errs
}

type workload struct {
	in   Input
	vars map[string]string
	out  []Derived
	errs field.ErrorList
	// The config hash covers rendered config in the reference's order
	// (§2.12): env ConfigMaps, files ConfigMaps, files Secrets, templates.
	envHash  strings.Builder
	fileHash strings.Builder
	binHash  strings.Builder
	esoHash  strings.Builder
}

func (w *workload) add(obj Object, reason string) {
	w.out = append(w.out, Derived{Object: obj, Sources: w.in.sources(), Reason: reason})
}

func (w *workload) errorf(path *field.Path, value any, format string, args ...any) {
	w.errs = append(w.errs, field.Invalid(path, value, fmt.Sprintf(format, args...)))
}

var specPath = field.NewPath("spec")

// containerField is specPath.Child("workload", "containers").Key(name).
// Child(field).String(), without building the path (#8).
func containerField(name, field string) string {
	return "spec.workload.containers[" + name + "]." + field
}

// secrets emits one ExternalSecret per type: secret resource.
func (w *workload) secrets() {
	s := w.in.Service
	res := s.Spec.Workload.Resources
	for _, key := range sorted.Keys(res) {
		r := res[key]
		if r.Type != v1alpha1.ResourceSecret {
			continue
		}
		name := s.Name + "-" + key
		meta := w.in.Meta(name)
		es := &esv1.ExternalSecret{ObjectMeta: meta}
		es.Spec = esv1.ExternalSecretSpec{
			SecretStoreRef:  esv1.SecretStoreRef{Name: r.Params.Provider, Kind: "ClusterSecretStore"},
			Target:          esv1.ExternalSecretTarget{Name: name},
			RefreshInterval: r.Params.RefreshInterval,
		}
		if len(r.Params.Keys) == 0 {
			es.Spec.DataFrom = []esv1.ExternalSecretDataFrom{{Extract: &esv1.RemoteRef{Key: r.ID}}}
		}
		for _, k := range r.Params.Keys {
			es.Spec.Data = append(es.Spec.Data, esv1.ExternalSecretData{SecretKey: k, RemoteRef: esv1.RemoteRef{Key: r.ID, Property: k}})
		}
		w.add(es, "spec.workload.resources["+key+"]")
	}
}

// checkSecret verifies a ${secret.R.K} reference against the declarations.
func (w *workload) checkSecret(ref *secretRef, path *field.Path, raw string) (v1alpha1.Resource, bool) {
	r, ok := w.in.Service.Spec.Workload.Resources[ref.Resource]
	switch {
	case !ok:
		w.errorf(path, raw, "references secret resource %q which does not exist; declare it in workload.resources with type: secret", ref.Resource)
	case r.Type != v1alpha1.ResourceSecret:
		w.errorf(path, raw, "references resource %q via ${secret.*} but it is type %q, not \"secret\"", ref.Resource, r.Type)
	case len(r.Params.Keys) > 0 && !slices.Contains(r.Params.Keys, ref.Key):
		w.errorf(path, raw, "references key %q in secret %q but available keys are: %q", ref.Key, ref.Resource, r.Params.Keys)
	default:
		return r, true
	}
	return r, false
}

// esoTemplate turns segments into an ESO v2 template and its data entries.
// User text is escaped so a literal {{ in a config file stays literal.
func (w *workload) esoTemplate(segs []segment, path *field.Path, raw string, store *string, data map[string]esv1.ExternalSecretData) (string, bool) {
	var b strings.Builder
	for _, sg := range segs {
		if sg.Secret == nil {
			b.WriteString(strings.NewReplacer("{{", `{{ "{{" }}`, "}}", `{{ "}}" }}`).Replace(sg.Text))
			continue
		}
		r, ok := w.checkSecret(sg.Secret, path, raw)
		if !ok {
			return "", false
		}
		if *store != "" && *store != r.Params.Provider {
			w.errorf(path, raw, "references secrets from multiple stores (%q and %q); one variable or file can only use one store", *store, r.Params.Provider)
			return "", false
		}
		*store = r.Params.Provider
		k := strings.ReplaceAll(sg.Secret.Resource+"_"+sg.Secret.Key, "-", "_")
		data[k] = esv1.ExternalSecretData{SecretKey: k, RemoteRef: esv1.RemoteRef{Key: r.ID, Property: sg.Secret.Key}}
		b.WriteString("{{ ." + k + " }}")
	}
	return b.String(), true
}

func (w *workload) templatedSecret(name, store string, tmpl map[string]string, data map[string]esv1.ExternalSecretData, reason string) {
	es := &esv1.ExternalSecret{ObjectMeta: w.in.Meta(name)}
	es.Spec = esv1.ExternalSecretSpec{
		SecretStoreRef: esv1.SecretStoreRef{Name: store, Kind: "ClusterSecretStore"},
		Target:         esv1.ExternalSecretTarget{Name: name, Template: &esv1.ExternalSecretTemplate{EngineVersion: "v2", Data: tmpl}},
	}
	for _, k := range sorted.Keys(data) {
		es.Spec.Data = append(es.Spec.Data, data[k])
	}
	for _, k := range sorted.Keys(tmpl) {
		fmt.Fprintf(&w.esoHash, "eso:%s:%s=%s\n", name, k, tmpl[k])
	}
	w.add(es, reason)
}

func (w *workload) podSpec() corev1.PodSpec {
	s := w.in.Service
	pod := corev1.PodSpec{
		ServiceAccountName:           s.Name,
		AutomountServiceAccountToken: ptr(false),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:        ptr(true),
			FSGroup:             ptr(int64(65534)),
			FSGroupChangePolicy: ptr(corev1.FSGroupChangeOnRootMismatch),
			SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
			MaxSkew:           1,
			TopologyKey:       "kubernetes.io/hostname",
			WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector:     &metav1.LabelSelector{MatchLabels: w.in.selector()},
		}},
	}
	volumes := map[string]corev1.Volume{}
	names := sorted.Keys(s.Spec.Workload.Containers)
	for _, name := range names {
		c := s.Spec.Workload.Containers[name]
		pod.Containers = append(pod.Containers, w.container(name, &c, volumes))
	}
	for _, c := range pod.Containers {
		if sc := c.SecurityContext; sc != nil && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			pod.SecurityContext.RunAsNonRoot = ptr(false)
			pod.SecurityContext.FSGroup = ptr(int64(0))
		}
	}
	for _, name := range sorted.Keys(volumes) {
		pod.Volumes = append(pod.Volumes, volumes[name])
	}
	w.volumeAffinity(&pod)
	return pod
}

func (w *workload) container(name string, c *v1alpha1.Container, volumes map[string]corev1.Volume) corev1.Container {
	s := w.in.Service
	cp := specPath.Child("workload", "containers").Key(name)
	out := corev1.Container{
		Name:            name,
		Image:           c.Image,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Command:         c.Command,
		Args:            c.Args,
		WorkingDir:      c.WorkingDir,
		Resources:       computeResources(c.Resources),
		SecurityContext: securityContext(c.Security),
		LivenessProbe:   probe(c.LivenessProbe),
		ReadinessProbe:  probe(c.ReadinessProbe),
		StartupProbe:    probe(c.StartupProbe),
	}
	if svc := s.Spec.Workload.Service; svc != nil {
		for _, pn := range sorted.Keys(svc.Ports) {
			p := svc.Ports[pn]
			out.Ports = append(out.Ports, corev1.ContainerPort{Name: pn, ContainerPort: cmp.Or(deref(p.TargetPort), p.Port), Protocol: corev1.Protocol(p.Protocol)})
		}
	}

	// Variables: plain values go to a ConfigMap, a whole ${secret.R.K} to a
	// secretKeyRef, text mixing secrets to a templated ExternalSecret.
	env := map[string]string{}
	tmpl := map[string]string{}
	data := map[string]esv1.ExternalSecretData{}
	store := ""
	for _, k := range sorted.Keys(c.Variables) {
		raw := c.Variables[k]
		vp := cp.Child("variables").Key(k)
		segs, err := expand(raw, w.vars)
		if err != nil {
			err = w.explain(err) // templatecause.go
			w.errorf(vp, raw, "%v", err)
			continue
		}
		if v, ok := plain(segs); ok {
			env[k] = v
			continue
		}
		if len(segs) == 3 && segs[0].Text == "" && segs[2].Text == "" {
			if _, ok := w.checkSecret(segs[1].Secret, vp, raw); ok {
				out.Env = append(out.Env, corev1.EnvVar{Name: k, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: s.Name + "-" + segs[1].Secret.Resource},
					Key:                  segs[1].Secret.Key,
				}}})
			}
			continue
		}
		if t, ok := w.esoTemplate(segs, vp, raw, &store, data); ok {
			tmpl[k] = t
		}
	}
	if len(env) > 0 {
		cmName := s.Name + "-" + name + "-env"
		cm := &corev1.ConfigMap{ObjectMeta: w.in.Meta(cmName), Data: env}
		w.add(cm, containerField(name, "variables"))
		for _, k := range sorted.Keys(env) {
			w.envHash.WriteString(k + "=" + env[k] + "\n")
		}
		out.EnvFrom = append(out.EnvFrom, corev1.EnvFromSource{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: cmName}}})
	}
	if len(tmpl) > 0 && store != "" {
		esName := s.Name + "-" + name + "-env-eso"
		w.templatedSecret(esName, store, tmpl, data, containerField(name, "variables"))
		out.EnvFrom = append(out.EnvFrom, corev1.EnvFromSource{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: esName}}})
	}

	w.files(name, c, cp, &out, volumes)
	w.mounts(c, cp, &out, volumes)
	return out
}

func (w *workload) files(name string, c *v1alpha1.Container, cp *field.Path, out *corev1.Container, volumes map[string]corev1.Volume) {
	s := w.in.Service
	text := map[string]string{}
	bin := map[string][]byte{}
	modes := map[string]*int32{}
	for _, p := range sorted.Keys(c.Files) {
		f := c.Files[p]
		fp := cp.Child("files").Key(p)
		key := v1alpha1.FileKey(p)
		if f.Mode != "" {
			m, _ := strconv.ParseInt(f.Mode, 8, 32)
			modes[key] = ptr(int32(m))
		}
		var vol string
		switch {
		case f.BinaryContent != "":
			b, _ := base64.StdEncoding.DecodeString(f.BinaryContent)
			bin[key] = b
			vol = DNSLabel(name + "-files-bin")
		case f.NoExpand:
			text[key] = *f.Content
			vol = DNSLabel(name + "-files")
		default:
			segs, err := expand(*f.Content, w.vars)
			if err != nil {
				err = w.explain(err)
				w.errorf(fp.Child("content"), "<file content>", "%v", err)
				continue
			}
			if v, ok := plain(segs); ok {
				text[key] = v
				vol = DNSLabel(name + "-files")
				break
			}
			store := ""
			data := map[string]esv1.ExternalSecretData{}
			t, ok := w.esoTemplate(segs, fp.Child("content"), "<file content>", &store, data)
			if !ok {
				continue
			}
			esName := DNSLabel(s.Name + "-" + name + "-file-" + key)
			w.templatedSecret(esName, store, map[string]string{key: t}, data, fp.String())
			vol = esName
			volumes[vol] = corev1.Volume{Name: vol, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: esName}}}
		}
		out.VolumeMounts = append(out.VolumeMounts, corev1.VolumeMount{Name: vol, MountPath: p, SubPath: key, ReadOnly: true})
	}
	if len(text) > 0 {
		cmName := s.Name + "-" + name + "-files"
		w.add(&corev1.ConfigMap{ObjectMeta: w.in.Meta(cmName), Data: text}, containerField(name, "files"))
		vol := DNSLabel(name + "-files")
		volumes[vol] = corev1.Volume{Name: vol, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: cmName}, Items: keyItems(sorted.Keys(text), modes)}}}
		for _, k := range sorted.Keys(text) {
			fmt.Fprintf(&w.fileHash, "file:%s=%s\n", k, text[k])
		}
	}
	if len(bin) > 0 {
		secName := s.Name + "-" + name + "-files-bin"
		w.add(&corev1.Secret{ObjectMeta: w.in.Meta(secName), Type: corev1.SecretTypeOpaque, Data: bin}, containerField(name, "files"))
		vol := DNSLabel(name + "-files-bin")
		volumes[vol] = corev1.Volume{Name: vol, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: secName, Items: keyItems(sorted.Keys(bin), modes)}}}
		for _, k := range sorted.Keys(bin) {
			fmt.Fprintf(&w.binHash, "file:%s=%s\n", k, base64.StdEncoding.EncodeToString(bin[k]))
		}
	}
}

func keyItems(keys []string, modes map[string]*int32) []corev1.KeyToPath {
	items := make([]corev1.KeyToPath, len(keys))
	for i, k := range keys {
		items[i] = corev1.KeyToPath{Key: k, Path: k, Mode: modes[k]}
	}
	return items
}

func (w *workload) mounts(c *v1alpha1.Container, cp *field.Path, out *corev1.Container, volumes map[string]corev1.Volume) {
	s := w.in.Service
	for _, p := range sorted.Keys(c.Volumes) {
		v := c.Volumes[p]
		if v.Source == "" {
			vol := DNSLabel("emptydir-" + strings.ReplaceAll(strings.Trim(p, "/"), "/", "-"))
			ed := &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMedium(v.Medium)}
			if v.SizeLimit != "" {
				ed.SizeLimit = ptr(resource.MustParse(v.SizeLimit))
			}
			volumes[vol] = corev1.Volume{Name: vol, VolumeSource: corev1.VolumeSource{EmptyDir: ed}}
			out.VolumeMounts = append(out.VolumeMounts, corev1.VolumeMount{Name: vol, MountPath: p, ReadOnly: v.ReadOnly})
			continue
		}
		key, _ := v1alpha1.VolumeSource(v.Source)
		r := s.Spec.Workload.Resources[key]
		claim := s.Name + "-" + key
		if r.ID != "" {
			claim = "vol-" + r.ID
		}
		volumes[key] = corev1.Volume{Name: key, VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}
		out.VolumeMounts = append(out.VolumeMounts, corev1.VolumeMount{Name: key, MountPath: p, SubPath: v.Path, ReadOnly: v.ReadOnly})
	}
}

// pvcs emits a claim per owned volume (one with a size).
func (w *workload) pvcs() {
	s := w.in.Service
	res := s.Spec.Workload.Resources
	for _, key := range sorted.Keys(res) {
		r := res[key]
		if r.Type != v1alpha1.ResourceVolume || r.Params == nil || r.Params.Size == "" {
			continue
		}
		name := s.Name + "-" + key
		if r.ID != "" {
			name = "vol-" + r.ID
		}
		pvc := &corev1.PersistentVolumeClaim{
			ObjectMeta: w.in.Meta(name),
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.PersistentVolumeAccessMode(cmp.Or(r.Params.AccessMode, "ReadWriteOnce"))},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(r.Params.Size)}},
			},
		}
		if r.Params.StorageClass != "" {
			pvc.Spec.StorageClassName = ptr(r.Params.StorageClass)
		}
		w.add(pvc, "spec.workload.resources["+key+"]")
	}
}

// volumeAffinity checks owner consent for shared volumes this service mounts
// without owning, and co-schedules it with the owner (ReadWriteOnce claims
// attach to one node).
func (w *workload) volumeAffinity(pod *corev1.PodSpec) {
	s := w.in.Service
	res := s.Spec.Workload.Resources
	for _, key := range sorted.Keys(res) {
		r := res[key]
		if r.Type != v1alpha1.ResourceVolume || r.ID == "" || (r.Params != nil && r.Params.Size != "") {
			continue
		}
		rp := specPath.Child("workload", "resources").Key(key)
		owner := w.volumeOwner(r.ID)
		if owner == nil {
			w.errorf(rp.Child("id"), r.ID, "no service in namespace %s owns volume %q; the owner declares it with id: %s and params.size", s.Namespace, r.ID, r.ID)
			continue
		}
		var consumers []string
		for _, or := range owner.Service.Spec.Workload.Resources {
			if or.Type == v1alpha1.ResourceVolume && or.ID == r.ID && or.Params != nil {
				consumers = or.Params.AllowedConsumers
			}
		}
		if !slices.Contains(consumers, s.Name) && !slices.Contains(consumers, s.Namespace+"/"+s.Name) {
			w.errorf(rp.Child("id"), r.ID, "%s is not in allowedConsumers of volume %q owned by %s; the owner must add %q to params.allowedConsumers", s.Name, r.ID, owner.Ref, s.Name)
			continue
		}
		if pod.Affinity == nil {
			pod.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{}}
		}
		pod.Affinity.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution = append(pod.Affinity.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution, corev1.PodAffinityTerm{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"lattice.dev/vol-" + r.ID: "true"}},
			TopologyKey:   "kubernetes.io/hostname",
		})
	}
}

func (w *workload) volumeOwner(id string) *graph.Node {
	for _, n := range w.in.Graph.Nodes() {
		if n.Ref.Namespace != w.in.Service.Namespace {
			continue
		}
		for _, r := range n.Service.Spec.Workload.Resources {
			if r.Type == v1alpha1.ResourceVolume && r.ID == id && r.Params != nil && r.Params.Size != "" {
				return n
			}
		}
	}
	return nil
}

func (w *workload) configHash() string {
	h := sha256.New()
	h.Write([]byte(w.envHash.String() + w.fileHash.String() + w.binHash.String() + w.esoHash.String()))
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func (w *workload) deployment(pod corev1.PodSpec) *appsv1.Deployment {
	s := w.in.Service
	labels := Labels(s.Name)
	for _, r := range s.Spec.Workload.Resources {
		if r.Type == v1alpha1.ResourceVolume && r.ID != "" && r.Params != nil && r.Params.Size != "" {
			labels["lattice.dev/vol-"+r.ID] = "true"
		}
	}
	strategy := appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
		MaxUnavailable: ptr(intstr.FromString("25%")), MaxSurge: ptr(intstr.FromString("25%")),
	}}
	if s.Spec.Deploy.Strategy == v1alpha1.StrategyCanary {
		strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxUnavailable: ptr(intstr.FromInt32(0)), MaxSurge: ptr(intstr.FromString("100%"))}
	}
	d := &appsv1.Deployment{
		ObjectMeta: w.in.Meta(s.Name),
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: w.in.selector()},
			Strategy: strategy,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{AnnotationHash: w.configHash()}},
				Spec:       pod,
			},
		},
	}
	// With an autoscaler the HPA owns replicas; a value here would make
	// Argo CD or Flux reset the scale on every sync.
	if s.Spec.Autoscaling == nil {
		d.Spec.Replicas = ptr(*s.Spec.Replicas)
	}
	return d
}

func (w *workload) service() *corev1.Service {
	s := w.in.Service
	if s.Spec.Workload.Service == nil || len(s.Spec.Workload.Service.Ports) == 0 {
		return nil
	}
	svc := &corev1.Service{
		ObjectMeta: w.in.Meta(s.Name),
		Spec:       corev1.ServiceSpec{Selector: w.in.selector()},
	}
	// Callers restricted by L7 rules reach the pods through the waypoint.
	if wp := useWaypoint(w.in); wp != "" {
		svc.Labels[LabelUseWaypoint] = wp
	}
	// A callee of another cluster's caller is global (remote.go); no other
	// Service is, so nothing else is visible to the other clusters.
	if global(w.in) {
		svc.Labels = globalLabels(w.in.Platform, svc.Labels)
	}
	ports := s.Spec.Workload.Service.Ports
	for _, name := range sorted.Keys(ports) {
		p := ports[name]
		sp := corev1.ServicePort{Name: name, Port: p.Port, Protocol: corev1.Protocol(p.Protocol), TargetPort: intstr.FromInt32(cmp.Or(deref(p.TargetPort), p.Port))}
		svc.Spec.Ports = append(svc.Spec.Ports, sp)
	}
	return svc
}

// global reports whether the service's Service is global: ambient mode and
// an active caller on another cluster.
func global(in Input) bool {
	if in.Platform.Spec.Mesh.MultiCluster.Mode != v1alpha1.MultiClusterAmbient {
		return false
	}
	for _, e := range in.Graph.Callers(in.Ref()) {
		if e.From.Cluster != "" {
			return true
		}
	}
	return false
}

func (w *workload) hpa() *autoscalingv2.HorizontalPodAutoscaler {
	s := w.in.Service
	a := s.Spec.Autoscaling
	h := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: w.in.Meta(s.Name),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: s.Name},
			MinReplicas:    ptr(*s.Spec.Replicas),
			MaxReplicas:    a.Max,
		},
	}
	for _, m := range a.Metrics {
		switch m.Metric {
		case "cpu", "memory":
			h.Spec.Metrics = append(h.Spec.Metrics, autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceName(m.Metric), Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(m.Target)},
			}})
		default:
			// Any other metric is a per-pod average served by the cluster's
			// custom metrics adapter.
			h.Spec.Metrics = append(h.Spec.Metrics, autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
				Metric: autoscalingv2.MetricIdentifier{Name: m.Metric}, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(*resource.NewQuantity(int64(m.Target), resource.DecimalSI))},
			}})
		}
	}
	return h
}

func computeResources(r *v1alpha1.ComputeResources) corev1.ResourceRequirements {
	var out corev1.ResourceRequirements
	conv := func(a *v1alpha1.ResourceAmounts) corev1.ResourceList {
		if a == nil {
			return nil
		}
		l := corev1.ResourceList{}
		if a.CPU != nil {
			l[corev1.ResourceCPU] = a.CPU.DeepCopy()
		}
		if a.Memory != nil {
			l[corev1.ResourceMemory] = a.Memory.DeepCopy()
		}
		return l
	}
	if r != nil {
		out.Requests, out.Limits = conv(r.Requests), conv(r.Limits)
	}
	return out
}

// securityContext starts from the platform's locked-down defaults and
// applies the (platform-approved) relaxations.
func securityContext(sc *v1alpha1.SecurityContext) *corev1.SecurityContext {
	out := &corev1.SecurityContext{
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		ReadOnlyRootFilesystem:   ptr(true),
		RunAsNonRoot:             ptr(true),
		AllowPrivilegeEscalation: ptr(false),
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		AppArmorProfile:          &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault},
	}
	if sc == nil {
		return out
	}
	for _, c := range sc.Capabilities {
		out.Capabilities.Add = append(out.Capabilities.Add, corev1.Capability(c))
	}
	if sc.Privileged != nil && *sc.Privileged {
		out.Privileged = ptr(true)
		out.AllowPrivilegeEscalation = ptr(true)
	}
	if sc.ReadOnlyRootFilesystem != nil {
		out.ReadOnlyRootFilesystem = ptr(*sc.ReadOnlyRootFilesystem)
	}
	if sc.AllowPrivilegeEscalation != nil {
		out.AllowPrivilegeEscalation = ptr(*sc.AllowPrivilegeEscalation)
	}
	if sc.RunAsUser != nil {
		out.RunAsUser = ptr(*sc.RunAsUser)
		if *sc.RunAsUser == 0 {
			out.RunAsNonRoot = ptr(false)
		}
	}
	if sc.RunAsGroup != nil {
		out.RunAsGroup = ptr(*sc.RunAsGroup)
	}
	return out
}

func probe(p *v1alpha1.Probe) *corev1.Probe {
	if p == nil {
		return nil
	}
	out := &corev1.Probe{
		InitialDelaySeconds: p.InitialDelaySeconds, PeriodSeconds: p.PeriodSeconds, TimeoutSeconds: p.TimeoutSeconds,
		FailureThreshold: p.FailureThreshold, SuccessThreshold: p.SuccessThreshold,
	}
	switch {
	case p.HTTPGet != nil:
		g := &corev1.HTTPGetAction{Path: p.HTTPGet.Path, Port: p.HTTPGet.Port, Scheme: corev1.URIScheme(p.HTTPGet.Scheme)}
		for _, h := range p.HTTPGet.HTTPHeaders {
			g.HTTPHeaders = append(g.HTTPHeaders, corev1.HTTPHeader{Name: h.Name, Value: h.Value})
		}
		out.HTTPGet = g
	case p.Exec != nil:
		out.Exec = &corev1.ExecAction{Command: p.Exec.Command}
	case p.TCPSocket != nil:
		out.TCPSocket = &corev1.TCPSocketAction{Port: p.TCPSocket.Port}
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

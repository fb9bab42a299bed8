package derive

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

// The Deployment's pod and container fields (workload.go): the rules each
// spec field maps to. Deployment-level fields are in workload_test.go.

// lockedDown is the container security context every container starts from.
func lockedDown() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		ReadOnlyRootFilesystem:   ptr(true),
		RunAsNonRoot:             ptr(true),
		AllowPrivilegeEscalation: ptr(false),
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		AppArmorProfile:          &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault},
	}
}

func TestSecurityContext(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     *v1alpha1.SecurityContext
		want   func(*corev1.SecurityContext)
	}{
		"default": {reason: "no capabilities, read-only root, non-root, no escalation, runtime seccomp and AppArmor"},
		"capabilities": {
			reason: "granted capabilities are added on top of drop ALL",
			in:     &v1alpha1.SecurityContext{Capabilities: []string{"NET_BIND_SERVICE"}},
			want:   func(sc *corev1.SecurityContext) { sc.Capabilities.Add = []corev1.Capability{"NET_BIND_SERVICE"} },
		},
		"privileged": {
			reason: "privileged implies privilege escalation",
			in:     &v1alpha1.SecurityContext{Privileged: ptr(true)},
			want:   func(sc *corev1.SecurityContext) { sc.Privileged, sc.AllowPrivilegeEscalation = ptr(true), ptr(true) },
		},
		"root": {
			reason: "runAsUser 0 turns runAsNonRoot off",
			in:     &v1alpha1.SecurityContext{RunAsUser: ptr(int64(0)), RunAsGroup: ptr(int64(0)), ReadOnlyRootFilesystem: ptr(false)},
			want: func(sc *corev1.SecurityContext) {
				sc.RunAsUser, sc.RunAsGroup, sc.RunAsNonRoot, sc.ReadOnlyRootFilesystem = ptr(int64(0)), ptr(int64(0)), ptr(false), ptr(false)
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			want := lockedDown()
			if tc.want != nil {
				tc.want(want)
			}
			if d := diff(want, securityContext(tc.in)); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

func TestProbe(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     *v1alpha1.Probe
		want   *corev1.Probe
	}{
		"none": {reason: "no probe declared, none emitted"},
		"http": {
			reason: "httpGet keeps path, port, scheme and headers, and the timings",
			in: &v1alpha1.Probe{HTTPGet: &v1alpha1.HTTPGetProbe{Path: "/healthz", Port: intstr.FromString("http"), Scheme: "HTTPS",
				HTTPHeaders: []v1alpha1.HTTPHeader{{Name: "X-Probe", Value: "1"}}}, PeriodSeconds: 5, FailureThreshold: 3},
			want: &corev1.Probe{PeriodSeconds: 5, FailureThreshold: 3, ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
				Path: "/healthz", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTPS, HTTPHeaders: []corev1.HTTPHeader{{Name: "X-Probe", Value: "1"}}}}},
		},
		"exec": {
			reason: "exec keeps its command",
			in:     &v1alpha1.Probe{Exec: &v1alpha1.ExecProbe{Command: []string{"/bin/check"}}, InitialDelaySeconds: 10},
			want:   &corev1.Probe{InitialDelaySeconds: 10, ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"/bin/check"}}}},
		},
		"tcp": {
			reason: "tcpSocket keeps its port",
			in:     &v1alpha1.Probe{TCPSocket: &v1alpha1.TCPSocketProbe{Port: intstr.FromInt32(5432)}, TimeoutSeconds: 2, SuccessThreshold: 1},
			want:   &corev1.Probe{TimeoutSeconds: 2, SuccessThreshold: 1, ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(5432)}}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if d := diff(tc.want, probe(tc.in)); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

func TestContainer(t *testing.T) {
	image := "registry.example.com/app@sha256:" + "0000000000000000000000000000000000000000000000000000000000000000"
	cases := map[string]struct {
		reason string
		edit   func(*v1alpha1.LatticeService)
		want   func(*corev1.Container)
	}{
		"minimal": {
			reason: "image pulled if not present, limits kept, locked-down security context, no ports",
		},
		"ports": {
			reason: "container ports are the Service's target ports, named after the Service ports, in name order",
			edit: func(s *v1alpha1.LatticeService) {
				s.Spec.Workload.Service = &v1alpha1.ServiceSpec{Ports: map[string]v1alpha1.ServicePort{"web": {Port: 80, TargetPort: ptr(int32(8080))}, "grpc": {Port: 9090}}}
			},
			want: func(c *corev1.Container) {
				c.Ports = []corev1.ContainerPort{{Name: "grpc", ContainerPort: 9090, Protocol: "TCP"}, {Name: "web", ContainerPort: 8080, Protocol: "TCP"}}
			},
		},
		"variables": {
			reason: "plain variables go to the <svc>-<container>-env ConfigMap, a whole ${secret.R.K} to a secretKeyRef on <svc>-<R>",
			edit: func(s *v1alpha1.LatticeService) {
				s.Spec.Workload.Resources = map[string]v1alpha1.Resource{"db": {Type: v1alpha1.ResourceSecret, ID: "prod/db", Params: &v1alpha1.ResourceParams{Provider: "vault"}}}
				c := s.Spec.Workload.Containers["main"]
				c.Variables = map[string]string{"MODE": "prod", "PASSWORD": "${secret.db.password}"}
				s.Spec.Workload.Containers["main"] = c
			},
			want: func(c *corev1.Container) {
				c.Env = []corev1.EnvVar{{Name: "PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "api-db"}, Key: "password"}}}}
				c.EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "api-main-env"}}}}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var edits []func(*v1alpha1.LatticeService)
			if tc.edit != nil {
				edits = append(edits, tc.edit)
			}
			s := service("shop/api", edits...)
			d := one[*appsv1.Deployment](t, workloadOut(t, s))
			want := corev1.Container{
				Name: "main", Image: image, ImagePullPolicy: corev1.PullIfNotPresent,
				Resources:       computeResources(s.Spec.Workload.Containers["main"].Resources),
				SecurityContext: lockedDown(),
			}
			if tc.want != nil {
				tc.want(&want)
			}
			if len(d.Spec.Template.Spec.Containers) != 1 {
				t.Fatalf("want one container, got %d", len(d.Spec.Template.Spec.Containers))
			}
			if diff := diff(want, d.Spec.Template.Spec.Containers[0]); diff != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestPodSecurityContext(t *testing.T) {
	cases := map[string]struct {
		reason string
		root   bool
		want   *corev1.PodSecurityContext
	}{
		"default": {
			reason: "pods run as non-root with group nobody owning volumes, runtime seccomp",
			want: &corev1.PodSecurityContext{RunAsNonRoot: ptr(true), FSGroup: ptr(int64(65534)),
				FSGroupChangePolicy: ptr(corev1.FSGroupChangeOnRootMismatch), SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		},
		"root container": {
			reason: "a container granted runAsUser 0 makes the pod root too (runAsNonRoot false, fsGroup 0)",
			root:   true,
			want: &corev1.PodSecurityContext{RunAsNonRoot: ptr(false), FSGroup: ptr(int64(0)),
				FSGroupChangePolicy: ptr(corev1.FSGroupChangeOnRootMismatch), SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := service("shop/api", func(s *v1alpha1.LatticeService) {
				if tc.root {
					c := s.Spec.Workload.Containers["main"]
					c.Security = &v1alpha1.SecurityContext{RunAsUser: ptr(int64(0))}
					s.Spec.Workload.Containers["main"] = c
				}
			})
			pod := one[*appsv1.Deployment](t, workloadOut(t, s)).Spec.Template.Spec
			if d := diff(tc.want, pod.SecurityContext); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
			spread := []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.ScheduleAnyway,
				LabelSelector: &metav1.LabelSelector{MatchLabels: Selector("api")}}}
			if d := diff(spread, pod.TopologySpreadConstraints); d != "" {
				t.Errorf("pods spread over nodes, best effort (-want +got):\n%s", d)
			}
			if pod.ServiceAccountName != "api" || pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
				t.Errorf("the pod runs as the service's ServiceAccount without an API token: %q %v", pod.ServiceAccountName, pod.AutomountServiceAccountToken)
			}
		})
	}
}

package derive

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

func workloadOut(t *testing.T, services ...*v1alpha1.LatticeService) []Derived {
	t.Helper()
	out, errs := Workload(input(t, nil, services[0].Namespace+"/"+services[0].Name, services...))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return out
}

func TestServiceAccount(t *testing.T) {
	want := &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   metav1.ObjectMeta{Name: "api", Namespace: "shop", Labels: Labels("api")},
		AutomountServiceAccountToken: ptr(false),
	}
	if d := diff(want, one[*corev1.ServiceAccount](t, workloadOut(t, service("shop/api")))); d != "" {
		t.Errorf("one ServiceAccount per service, named after it (the mesh identity), without an API token (-want +got):\n%s", d)
	}
}

func TestServiceObject(t *testing.T) {
	svc := func(labels map[string]string, ports ...corev1.ServicePort) *corev1.Service {
		return &corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "shop", Labels: labels},
			Spec:       corev1.ServiceSpec{Selector: Selector("api"), Ports: ports},
		}
	}
	cases := map[string]struct {
		reason   string
		services []*v1alpha1.LatticeService
		want     *corev1.Service
	}{
		"ports": {
			reason: "ports in name order; targetPort defaults to the port; protocol defaults to TCP",
			services: []*v1alpha1.LatticeService{service("shop/api", func(s *v1alpha1.LatticeService) {
				s.Spec.Workload.Service = &v1alpha1.ServiceSpec{Ports: map[string]v1alpha1.ServicePort{
					"web": {Port: 80, TargetPort: ptr(int32(8080))}, "grpc": {Port: 9090}, "dns": {Port: 53, Protocol: "UDP"},
				}}
			})},
			want: svc(Labels("api"),
				corev1.ServicePort{Name: "dns", Port: 53, Protocol: "UDP", TargetPort: intstr.FromInt32(53)},
				corev1.ServicePort{Name: "grpc", Port: 9090, Protocol: "TCP", TargetPort: intstr.FromInt32(9090)},
				corev1.ServicePort{Name: "web", Port: 80, Protocol: "TCP", TargetPort: intstr.FromInt32(8080)}),
		},
		"no ports": {
			reason:   "a service without ports gets no Service",
			services: []*v1alpha1.LatticeService{service("shop/api")},
		},
		"waypoint": {
			reason: "a callee with L7 rules is routed through its namespace waypoint (istio.io/use-waypoint)",
			services: []*v1alpha1.LatticeService{
				service("shop/api", withPorts(map[string]int32{"http": 80}), withResources(map[string]v1alpha1.Resource{
					"web": {Direction: v1alpha1.DirectionInbound, Rules: []v1alpha1.L7Rule{{Methods: []string{"GET"}}}}})),
				service("shop/web", withResources(map[string]v1alpha1.Resource{"api": {}})),
			},
			want: svc(map[string]string{LabelName: "api", LabelManagedBy: ManagedBy, "istio.io/use-waypoint": "shop-waypoint"},
				corev1.ServicePort{Name: "http", Port: 80, Protocol: "TCP", TargetPort: intstr.FromInt32(80)}),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if d := diff(tc.want, one[*corev1.Service](t, workloadOut(t, tc.services...))); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

func TestPodDisruptionBudget(t *testing.T) {
	pdb := func(min int32) *policyv1.PodDisruptionBudget {
		return &policyv1.PodDisruptionBudget{
			TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
			ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "shop", Labels: Labels("api")},
			Spec: policyv1.PodDisruptionBudgetSpec{
				MinAvailable: ptr(intstr.FromInt32(min)),
				Selector:     &metav1.LabelSelector{MatchLabels: Selector("api")},
			},
		}
	}
	cases := map[string]struct {
		reason   string
		replicas int32
		want     *policyv1.PodDisruptionBudget
	}{
		"one replica": {reason: "a single replica gets no budget (it would block node drains)", replicas: 1},
		"two":         {reason: "minAvailable is replicas-1", replicas: 2, want: pdb(1)},
		"five":        {reason: "minAvailable is replicas-1", replicas: 5, want: pdb(4)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := service("shop/api", func(s *v1alpha1.LatticeService) { s.Spec.Replicas = ptr(tc.replicas) })
			if d := diff(tc.want, one[*policyv1.PodDisruptionBudget](t, workloadOut(t, s))); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

func TestHorizontalPodAutoscaler(t *testing.T) {
	hpa := func(metrics ...autoscalingv2.MetricSpec) *autoscalingv2.HorizontalPodAutoscaler {
		return &autoscalingv2.HorizontalPodAutoscaler{
			TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
			ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "shop", Labels: Labels("api")},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "api"},
				MinReplicas:    ptr(int32(2)), MaxReplicas: 6, Metrics: metrics,
			},
		}
	}
	utilization := func(name corev1.ResourceName, target int32) autoscalingv2.MetricSpec {
		return autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name: name, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(target)}}}
	}
	cases := map[string]struct {
		reason  string
		metrics []v1alpha1.AutoscalingMetric
		want    *autoscalingv2.HorizontalPodAutoscaler
	}{
		"default metric": {
			reason: "min is spec.replicas, max the autoscaling max; without metrics, 80% CPU",
			want:   hpa(utilization("cpu", 80)),
		},
		"resource and custom": {
			reason:  "cpu and memory are utilization targets; any other metric is a per-pod average value",
			metrics: []v1alpha1.AutoscalingMetric{{Metric: "memory", Target: 70}, {Metric: "queue_depth", Target: 30}},
			want: hpa(utilization("memory", 70), autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
				Metric: autoscalingv2.MetricIdentifier{Name: "queue_depth"},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(*resource.NewQuantity(30, resource.DecimalSI))}}}),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := service("shop/api", func(s *v1alpha1.LatticeService) {
				s.Spec.Replicas = ptr(int32(2))
				s.Spec.Autoscaling = &v1alpha1.AutoscalingSpec{Max: 6, Metrics: tc.metrics}
			})
			out := workloadOut(t, s)
			if d := diff(tc.want, one[*autoscalingv2.HorizontalPodAutoscaler](t, out)); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
			if d := one[*appsv1.Deployment](t, out); d.Spec.Replicas != nil {
				t.Errorf("with an autoscaler the Deployment must leave replicas to it, got %d", *d.Spec.Replicas)
			}
		})
	}
}

func TestDeploymentStrategy(t *testing.T) {
	rolling := func(unavailable, surge intstr.IntOrString) appsv1.DeploymentStrategy {
		return appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &unavailable, MaxSurge: &surge}}
	}
	cases := map[string]struct {
		reason   string
		strategy string
		replicas int32
		want     appsv1.DeploymentSpec
	}{
		"rolling": {
			reason:   "the default rolling update: 25% unavailable, 25% surge; replicas from the spec",
			replicas: 3,
			want:     appsv1.DeploymentSpec{Replicas: ptr(int32(3)), Strategy: rolling(intstr.FromString("25%"), intstr.FromString("25%"))},
		},
		"canary": {
			reason:   "canary keeps every old pod until the new ones are ready: 0 unavailable, 100% surge",
			strategy: v1alpha1.StrategyCanary, replicas: 1,
			want: appsv1.DeploymentSpec{Replicas: ptr(int32(1)), Strategy: rolling(intstr.FromInt32(0), intstr.FromString("100%"))},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := service("shop/api", func(s *v1alpha1.LatticeService) {
				s.Spec.Replicas = ptr(tc.replicas)
				s.Spec.Deploy = &v1alpha1.DeploySpec{Strategy: tc.strategy}
			})
			d := one[*appsv1.Deployment](t, workloadOut(t, s))
			got := appsv1.DeploymentSpec{Replicas: d.Spec.Replicas, Strategy: d.Spec.Strategy}
			if diff := diff(tc.want, got); diff != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, diff)
			}
			if diff := diff(&metav1.LabelSelector{MatchLabels: Selector("api")}, d.Spec.Selector); diff != "" {
				t.Errorf("the selector is the service's name label (-want +got):\n%s", diff)
			}
		})
	}
}

package v1alpha1

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Validation tables: each case starts from a valid service, changes one
// thing, and names the field paths that must be reported (none for a
// passing case). New rules get a passing and a failing case here; golden
// cases under tests/golden/testdata show the full messages.

const digestImage = "registry.example.com/app@sha256:0000000000000000000000000000000000000000000000000000000000000000"

func validService() *LatticeService {
	cpu, mem := resource.MustParse("500m"), resource.MustParse("256Mi")
	s := &LatticeService{
		ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "prod"},
		Spec: LatticeServiceSpec{Workload: WorkloadSpec{
			Containers: map[string]Container{"main": {
				Image: digestImage, Command: []string{"/app/server"},
				Resources: &ComputeResources{Limits: &ResourceAmounts{CPU: &cpu, Memory: &mem}},
			}},
			Service: &ServiceSpec{Ports: map[string]ServicePort{"http": {Port: 8080}}},
		}},
	}
	return s
}

func main(s *LatticeService, f func(*Container)) {
	c := s.Spec.Workload.Containers["main"]
	f(&c)
	s.Spec.Workload.Containers["main"] = c
}

func TestValidateService(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*LatticeService)
		want   []string
	}{
		"valid":            {reason: "the base service is valid", mutate: func(*LatticeService) {}},
		"tag":              {reason: "tags need the platform's permission", mutate: func(s *LatticeService) { main(s, func(c *Container) { c.Image = "nginx:1.27" }) }, want: []string{"spec.workload.containers[main].image"}},
		"bad digest":       {reason: "a digest must be sha256 with 64 hex", mutate: func(s *LatticeService) { main(s, func(c *Container) { c.Image = "nginx@sha256:abc" }) }, want: []string{"spec.workload.containers[main].image"}},
		"relative command": {reason: "command[0] must be absolute", mutate: func(s *LatticeService) { main(s, func(c *Container) { c.Command = []string{"node"} }) }, want: []string{"spec.workload.containers[main].command[0]"}},
		"no command":       {reason: "the image entrypoint is fine", mutate: func(s *LatticeService) { main(s, func(c *Container) { c.Command = nil }) }},
		"no limits":        {reason: "limits are required", mutate: func(s *LatticeService) { main(s, func(c *Container) { c.Resources = nil }) }, want: []string{"spec.workload.containers[main].resources.limits"}},
		"bad env name":     {reason: "variable names must be env var names", mutate: func(s *LatticeService) { main(s, func(c *Container) { c.Variables = map[string]string{"1BAD": "x"} }) }, want: []string{"spec.workload.containers[main].variables[1BAD]"}},
		"system namespace": {reason: "system namespaces belong to the platform", mutate: func(s *LatticeService) { s.Namespace = "istio-system" }, want: []string{"metadata.namespace"}},
		"bad name":         {reason: "the name becomes a Service name (DNS-1035)", mutate: func(s *LatticeService) { s.Name = "9api" }, want: []string{"metadata.name"}},
		"port zero":        {reason: "ports are 1-65535", mutate: func(s *LatticeService) { s.Spec.Workload.Service.Ports["http"] = ServicePort{Port: 0, Protocol: "TCP"} }, want: []string{"spec.workload.service.ports[http].port"}},
		"long port name": {reason: "IANA port names are at most 15 characters", mutate: func(s *LatticeService) {
			s.Spec.Workload.Service.Ports["a-very-long-port-name"] = ServicePort{Port: 9, Protocol: "TCP"}
		}, want: []string{"spec.workload.service.ports[a-very-long-port-name]"}},
		"wildcard outbound": {reason: "a wildcard names no callee", mutate: func(s *LatticeService) {
			s.Spec.Workload.Resources = map[string]Resource{"x": {Type: "service", Direction: "outbound", ID: "*"}}
		}, want: []string{"spec.workload.resources[x].id"}},
		"wildcard inbound": {reason: "a wildcard inbound still needs callers' declarations", mutate: func(s *LatticeService) {
			s.Spec.Workload.Resources = map[string]Resource{"x": {Type: "service", Direction: "inbound", ID: "*"}}
		}},
		"l7 outbound": {reason: "rules belong to the callee", mutate: func(s *LatticeService) {
			s.Spec.Workload.Resources = map[string]Resource{"x": {Type: "service", Direction: "outbound", Rules: []L7Rule{{Methods: []string{"GET"}}}}}
		}, want: []string{"spec.workload.resources[x].rules"}},
		"l7 bad method": {reason: "methods are HTTP methods", mutate: func(s *LatticeService) {
			s.Spec.Workload.Resources = map[string]Resource{"x": {Type: "service", Direction: "inbound", Rules: []L7Rule{{Methods: []string{"FETCH"}}}}}
		}, want: []string{"spec.workload.resources[x].rules[0].methods[0]"}},
		"l7 bad path": {reason: "paths start with /", mutate: func(s *LatticeService) {
			s.Spec.Workload.Resources = map[string]Resource{"x": {Type: "service", Direction: "inbound", Rules: []L7Rule{{Paths: []string{"charge"}}}}}
		}, want: []string{"spec.workload.resources[x].rules[0].paths[0]"}},
		"l7 no ports": {reason: "L7 rules need ports to protect", mutate: func(s *LatticeService) {
			s.Spec.Workload.Service = nil
			s.Spec.Workload.Resources = map[string]Resource{"x": {Type: "service", Direction: "inbound", Rules: []L7Rule{{Paths: []string{"/a"}}}}}
		}, want: []string{"spec.workload.resources[x].rules"}},
		"egress url": {reason: "endpoints are URLs or host:port", mutate: func(s *LatticeService) {
			s.Spec.Workload.Resources = map[string]Resource{"x": {Type: "external-service", Direction: "outbound", Params: &ResourceParams{Endpoints: map[string]string{"a": "not a url"}}}}
		}, want: []string{"spec.workload.resources[x].params.endpoints[a]"}},
		"replicas over max": {reason: "replicas is the autoscaler's minimum", mutate: func(s *LatticeService) {
			s.Spec.Replicas = ptr(int32(5))
			s.Spec.Autoscaling = &AutoscalingSpec{Max: 3}
		}, want: []string{"spec.replicas"}},
		"ingress ok":    {reason: "a hostname in zone routes to the only port", mutate: func(s *LatticeService) { s.Spec.Ingress = &IngressSpec{Hostname: "api.example.com"} }},
		"ingress zone":  {reason: "hostnames must be in the platform's zones", mutate: func(s *LatticeService) { s.Spec.Ingress = &IngressSpec{Hostname: "api.example.net"} }, want: []string{"spec.ingress.hostname"}},
		"ingress upper": {reason: "hostnames are lowercase", mutate: func(s *LatticeService) { s.Spec.Ingress = &IngressSpec{Hostname: "API.example.com"} }, want: []string{"spec.ingress.hostname"}},
		"passthrough paths": {reason: "the gateway cannot see paths in passthrough", mutate: func(s *LatticeService) {
			s.Spec.Ingress = &IngressSpec{Hostname: "api.example.com", TLS: TLSPassthrough, Paths: []IngressPath{{Path: "/", Port: intstr.FromInt32(8080)}}}
		}, want: []string{"spec.ingress.paths"}},
		"passthrough https": {reason: "with several ports passthrough uses the one named https", mutate: func(s *LatticeService) {
			s.Spec.Workload.Service.Ports["https"] = ServicePort{Port: 8443, Protocol: "TCP"}
			s.Spec.Ingress = &IngressSpec{Hostname: "api.example.com", TLS: TLSPassthrough}
		}},
		"unknown issuer": {reason: "an issuer the platform does not run never issues", mutate: func(s *LatticeService) {
			s.Spec.Ingress = &IngressSpec{Hostname: "api.example.com", Issuer: &IssuerRef{Name: "typo"}}
		}, want: []string{"spec.ingress.issuer.name"}},
		"jwt http": {reason: "JWKS must come over https", mutate: func(s *LatticeService) {
			s.Spec.Ingress = &IngressSpec{Hostname: "api.example.com", JWT: &JWTSpec{Issuer: "https://auth.example.com", JWKSURI: "http://auth.example.com/jwks"}}
		}, want: []string{"spec.ingress.jwt.jwksUri"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := validService()
			tc.mutate(s)
			DefaultService(s)
			p := &Platform{Spec: PlatformSpec{DNS: DNSSpec{Zones: []string{"example.com"}}}}
			DefaultPlatform(p)
			var got []string
			for _, e := range ValidateService(s, p) {
				got = append(got, e.Field)
			}
			slices.Sort(got)
			got = slices.Compact(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: got errors at %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestParseEndpoint(t *testing.T) {
	cases := map[string]struct {
		in                string
		host, url, proto  string
		port              int32
		ip, wildcard, bad bool
	}{
		"https default": {in: "https://api.stripe.com", host: "api.stripe.com", port: 443, url: "https://api.stripe.com", proto: "TCP"},
		"http port":     {in: "http://example.com:8080", host: "example.com", port: 8080, url: "http://example.com:8080", proto: "TCP"},
		"bare":          {in: "db.example.com:5432", host: "db.example.com", port: 5432, url: "tcp://db.example.com:5432", proto: "TCP"},
		"udp":           {in: "udp://dns.example.com:53", host: "dns.example.com", port: 53, url: "udp://dns.example.com:53", proto: "UDP"},
		"ip":            {in: "tcp://10.0.0.5:5432", host: "10.0.0.5", port: 5432, url: "tcp://10.0.0.5:5432", proto: "TCP", ip: true},
		"ipv6":          {in: "tcp://[2001:db8::1]:443", host: "2001:db8::1", port: 443, url: "tcp://[2001:db8::1]:443", proto: "TCP", ip: true},
		"wildcard":      {in: "https://*.s3.amazonaws.com", host: "*.s3.amazonaws.com", port: 443, url: "https://*.s3.amazonaws.com", proto: "TCP", wildcard: true},
		"cidr":          {in: "10.0.0.0/8", bad: true},
		"no port":       {in: "tcp://db.example.com", bad: true},
		"path":          {in: "https://api.example.com/v1", bad: true},
		"ftp":           {in: "ftp://files.example.com", bad: true},
		"port range":    {in: "https://api.example.com:70000", bad: true},
		"inner star":    {in: "https://a.*.example.com", bad: true},
	}
	for name, tc := range cases {
		e, err := ParseEndpoint(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: ParseEndpoint(%q) accepted %+v", name, tc.in, e)
			}
			continue
		}
		if err != nil || e.Host != tc.host || e.Port != tc.port || e.URL() != tc.url || e.Protocol != tc.proto || e.IsIP() != tc.ip || e.IsWildcard() != tc.wildcard {
			t.Errorf("%s: ParseEndpoint(%q) = %+v (url %s), %v", name, tc.in, e, e.URL(), err)
		}
	}
}

func TestParseImage(t *testing.T) {
	for in, want := range map[string]string{
		"nginx:1.27":                       "nginx|1.27|",
		"registry.example.com:5000/app:v1": "registry.example.com:5000/app|v1|",
		"registry.example.com:5000/app":    "registry.example.com:5000/app||",
		"app:v1@" + strings.Repeat("sha256:", 1) + strings.Repeat("a", 64): "app|v1|sha256:" + strings.Repeat("a", 64),
	} {
		r, err := ParseImage(in)
		if got := r.Name + "|" + r.Tag + "|" + r.Digest; err != nil || got != want {
			t.Errorf("ParseImage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"app@sha256:short", "UPPER/app:v1", "app:bad tag"} {
		if _, err := ParseImage(bad); err == nil {
			t.Errorf("ParseImage(%q) accepted", bad)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestIsDigest(t *testing.T) {
	re := regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	hex := strings.Repeat("0123456789abcdef", 4)
	for _, d := range []string{"", "sha256:", "sha256:" + hex, "sha256:" + hex + "0", "sha256:" + hex[1:], "sha256:" + strings.ToUpper(hex),
		"sha512:" + hex, "sha256:" + hex[:63] + "g", "xsha256:" + hex, "sha256:" + hex[:63] + "\n"} {
		if got, want := IsDigest(d), re.MatchString(d); got != want {
			t.Errorf("IsDigest(%q) = %v, the regexp says %v", d, got, want)
		}
	}
}

func TestValidateMultiCluster(t *testing.T) {
	cases := []struct {
		name, reason string
		mc           MultiClusterPolicy
		want         []string // error fields
	}{
		{"defaults", "ambient with istio.io/global=true", MultiClusterPolicy{}, nil},
		{"sidecar", "the sidecar-era mode is a choice", MultiClusterPolicy{Mode: "sidecar"}, nil},
		{"unknown mode", "only ambient and sidecar", MultiClusterPolicy{Mode: "gateway"}, []string{"spec.mesh.multiCluster.mode"}},
		{"bad label", "the selector is written as labels", MultiClusterPolicy{GlobalServiceSelector: map[string]string{"bad key!": "x", "ok": "bad value!"}},
			[]string{"spec.mesh.multiCluster.globalServiceSelector[bad key!]", "spec.mesh.multiCluster.globalServiceSelector[ok]"}},
		{"lattice's own label", "a label lattice sets itself would change what selects the Service", MultiClusterPolicy{GlobalServiceSelector: map[string]string{"istio.io/use-waypoint": "x"}},
			[]string{"spec.mesh.multiCluster.globalServiceSelector[istio.io/use-waypoint]"}},
	}
	for _, c := range cases {
		p := &Platform{Spec: PlatformSpec{Mesh: MeshPolicy{MultiCluster: c.mc}}}
		DefaultPlatform(p)
		var got []string
		for _, e := range ValidatePlatform(p) {
			got = append(got, e.Field)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s (%s): errors at %q, want %q", c.name, c.reason, got, c.want)
		}
		if c.mc.Mode == "" && (p.Spec.Mesh.MultiCluster.Mode != MultiClusterAmbient || p.Spec.Mesh.MultiCluster.GlobalServiceSelector[DefaultGlobalLabel] != "true") && len(c.mc.GlobalServiceSelector) == 0 {
			t.Errorf("%s: defaults %+v", c.name, p.Spec.Mesh.MultiCluster)
		}
	}
}

package v1alpha1

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"k8s.io/apimachinery/pkg/util/validation"
)

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// IsDigest reports whether d is sha256:<64 lowercase hex>.
func IsDigest(d string) bool { return digestRE.MatchString(d) }

// ImageRef is a parsed container image reference.
type ImageRef struct {
	// Name is the repository as written, without tag or digest.
	Name   string
	Tag    string
	Digest string
}

// ParseImage splits an image reference into repository, tag and digest.
func ParseImage(image string) (ImageRef, error) {
	base, digest, hasDigest := strings.Cut(image, "@")
	if hasDigest && !IsDigest(digest) {
		return ImageRef{}, fmt.Errorf("digest %q is not sha256:<64 lowercase hex>", digest)
	}
	ref := ImageRef{Name: base, Digest: digest}
	// A ':' after the last '/' starts a tag; one before it is a registry port.
	if i := strings.LastIndex(base, ":"); i > strings.LastIndex(base, "/") {
		ref.Name, ref.Tag = base[:i], base[i+1:]
	}
	if _, err := name.NewRepository(ref.Name, name.WeakValidation); err != nil {
		return ImageRef{}, fmt.Errorf("not a valid image reference: %w", err)
	}
	if ref.Tag != "" {
		if _, err := name.NewTag(ref.Name+":"+ref.Tag, name.WeakValidation); err != nil {
			return ImageRef{}, fmt.Errorf("not a valid image tag: %w", err)
		}
	}
	return ref, nil
}

// Endpoint is a parsed external-service endpoint.
type Endpoint struct {
	Scheme   string // https, http, tcp, udp, grpc or "" for host:port
	Host     string
	Port     int32
	Protocol string // TCP or UDP
}

// IsIP reports whether the endpoint names an address rather than a host.
func (e Endpoint) IsIP() bool { return net.ParseIP(e.Host) != nil }

// IsWildcard reports whether the host is a DNS wildcard like *.example.com.
func (e Endpoint) IsWildcard() bool { return strings.HasPrefix(e.Host, "*.") }

// URL is the canonical URL for ${resources.<name>.url}.
func (e Endpoint) URL() string {
	scheme := e.Scheme
	if scheme == "" {
		scheme = "tcp"
	}
	host := e.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if (scheme == "https" && e.Port == 443) || (scheme == "http" && e.Port == 80) {
		return scheme + "://" + host
	}
	return scheme + "://" + host + ":" + strconv.Itoa(int(e.Port))
}

// ParseEndpoint accepts https://host[:port], http://host[:port],
// tcp|udp|grpc://host:port and bare host:port. CIDRs are rejected: egress is
// declared per host so it can be audited.
func ParseEndpoint(s string) (Endpoint, error) {
	var e Endpoint
	if _, rest, _ := strings.Cut(s, "://"); strings.Contains(strings.TrimSuffix(rest, "/"), "/") && !strings.Contains(rest, ":") {
		return e, fmt.Errorf("CIDR ranges and paths are not accepted; name each host as scheme://host[:port]")
	}
	raw := s
	if !strings.Contains(s, "://") {
		raw = "tcp://" + s
	} else {
		e.Scheme = s[:strings.Index(s, "://")]
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return e, fmt.Errorf("expected a URL such as https://api.example.com or host:port")
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return e, fmt.Errorf("an endpoint is scheme://host[:port] without user, path or query")
	}
	scheme := u.Scheme
	switch scheme {
	case "https", "http", "tcp", "udp", "grpc":
	default:
		return e, fmt.Errorf("unsupported scheme %q (use https, http, tcp, udp or grpc)", scheme)
	}
	e.Host = u.Hostname()
	e.Protocol = "TCP"
	if scheme == "udp" {
		e.Protocol = "UDP"
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return e, fmt.Errorf("port %q must be between 1 and 65535", p)
		}
		e.Port = int32(n)
	} else {
		switch scheme {
		case "https":
			e.Port = 443
		case "http":
			e.Port = 80
		default:
			return e, fmt.Errorf("%s endpoints need an explicit port, e.g. %s://%s:5432", scheme, scheme, e.Host)
		}
	}
	if strings.Contains(e.Host, "/") {
		return e, fmt.Errorf("CIDR ranges are not accepted; name each host")
	}
	if net.ParseIP(e.Host) == nil {
		h := strings.TrimPrefix(e.Host, "*.")
		if msgs := validation.IsDNS1123Subdomain(h); len(msgs) > 0 || strings.Contains(h, "*") {
			return e, fmt.Errorf("host %q is not a valid DNS name", e.Host)
		}
	}
	return e, nil
}

// RestrictsInbound reports whether the service restricts some inbound
// service declaration (by name or "*") with L7 rules. An exported service
// that does is bound to its namespace's waypoint on every cluster (the
// FleetInventory records it), whether or not the caller has agreed yet, so
// every cluster can bind its copy of the Service the same way.
func RestrictsInbound(s *LatticeService) bool {
	for _, r := range s.Spec.Workload.Resources {
		if r.Type == ResourceService && (r.Direction == DirectionInbound || r.Direction == DirectionBoth) && len(r.Rules) > 0 {
			return true
		}
	}
	return false
}

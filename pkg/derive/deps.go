package derive

// The emitted kinds' upstream API packages, pinned in go.mod.
import (
	_ "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	_ "istio.io/client-go/pkg/apis/networking/v1"
	_ "istio.io/client-go/pkg/apis/security/v1"
	_ "sigs.k8s.io/gateway-api/apis/v1"
)

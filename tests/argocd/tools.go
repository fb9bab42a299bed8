//go:build tools

// The argocd binary is built from this module (main_test.go argocdBin), so
// go mod tidy must keep its dependencies.
package argocd

import _ "github.com/argoproj/argo-cd/v3/cmd"

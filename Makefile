# lattice — run `make help` for the targets.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules
.DEFAULT_GOAL := help

KUSTOMIZE_VERSION ?= v5.8.1
# golangci-lint: pinned, built from the module proxy into a cache outside
# git. Not a `tool` of go.mod: its ~250 modules would join the product's
# module graph (and could move shared ones such as golang.org/x/tools).
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT := $(HOME)/.cache/lattice/tools/golangci-lint-$(GOLANGCI_LINT_VERSION)/golangci-lint
BIN := $(CURDIR)/bin
KUSTOMIZE := $(BIN)/kustomize
FUZZTIME ?= 10s
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.buildCommit=$(COMMIT)

.PHONY: help build demo test test-short lint bench fuzz image clean golden envtest schemas test-deps test-argocd test-flux

# Programs the tests run that come from Debian, not the Go module proxy:
# command=package.
TEST_DEBS := dot=graphviz pre-commit=pre-commit git=git
# Argo CD v3.6.2 needs Go 1.27: its test module (tests/argocd) alone runs
# under this toolchain, which the go command fetches from the module proxy.
ARGOCD_GOTOOLCHAIN := go1.27.3

help: ## List the targets
	@grep -hE '^[a-zA-Z_/-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## Build bin/lattice (static, trimmed)
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/lattice ./fn

$(KUSTOMIZE):
	GOBIN=$(BIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

demo: build $(KUSTOMIZE) ## Render examples/commerce through the real kustomize, lattice as an exec function
	PATH="$(BIN):$$PATH" $(KUSTOMIZE) build --enable-alpha-plugins --enable-exec examples/commerce

test: test-deps lint build $(KUSTOMIZE) envtest ## Lint, then every test: kustomize, pre-commit, API-server, Flux and Argo CD tiers
	KUSTOMIZE=$(KUSTOMIZE) go test -count=1 -timeout 30m ./...
	cd tests/conformance && go test -count=1 -timeout 60m ./...
	$(MAKE) --no-print-directory test-flux test-argocd

test-deps: ## Install the Debian packages the tests run (graphviz, pre-commit, git) if missing; root only
	@missing=""; for cp in $(TEST_DEBS); do command -v "$${cp%%=*}" >/dev/null || missing+=" $${cp#*=}"; done; \
	[[ -z $$missing ]] && exit 0; \
	if [[ $$(id -u) == 0 ]] && command -v apt-get >/dev/null; then \
	  echo "test-deps: installing$$missing (Debian packages the tests run)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get -qq -o DPkg::Lock::Timeout=600 update && \
	  apt-get -qq -o DPkg::Lock::Timeout=600 install -y --no-install-recommends$$missing >/dev/null; \
	else \
	  echo "make test needs$$missing: run \`sudo apt-get install -y$$missing\` (or your system's equivalent), then make test again" >&2; exit 1; \
	fi

test-argocd: build $(KUSTOMIZE) ## Argo CD's real argocd-cmp-server (built once into ~/.cache/lattice/argocd; cold: ~11 min)
	cd tests/argocd && GOTOOLCHAIN=$(ARGOCD_GOTOOLCHAIN) GOWORK=off CGO_ENABLED=0 LATTICE=$(BIN)/lattice KUSTOMIZE=$(KUSTOMIZE) \
	  go test -trimpath -count=1 -timeout 60m ./...

test-flux: build envtest ## Flux's real source- and kustomize-controller (built once into ~/.cache/lattice/flux; cold: ~20 min)
	cd tests/flux && LATTICE=$(BIN)/lattice go test -count=1 -timeout 40m ./...

envtest: ## Build kube-apiserver and etcd for the API-server tier (cached outside git; first run takes 10-35 minutes)
	bash tests/conformance/build-binaries.sh

test-short: ## Unit and golden tests only
	go test -count=1 ./pkg/... ./tests/...

golden: ## Rewrite golden files from the current output, then show what changed
	go test ./tests/golden -run TestGolden -update
	git diff --stat -- tests/golden/testdata

$(GOLANGCI_LINT):
	GOBIN=$(dir $@) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

lint: $(GOLANGCI_LINT) ## golangci-lint (.golangci.yml: layering, the YAML seam, purity, aliases, gofmt, vet)
	$(GOLANGCI_LINT) run ./...

bench: ## Benchmarks (figures go to BENCHMARKS.md)
	go test -run='^$$' -bench=. -benchmem ./...

fuzz: ## Run each fuzz target for FUZZTIME (default 10s)
	@for pkg in $$(go list ./...); do \
	  for t in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; go test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

image: ## Build the container image (linux/amd64, linux/arm64) as an OCI layout in bin/image, without Docker
	go run ./tools/imagebuild -o $(BIN)/image

schemas: ## Regenerate CRDs, JSON Schemas, reference docs and the validator's embedded CRDs after an API change
	go test ./tests/schema -run 'CRDsInSync|JSONSchemas|ReferenceDocs' -update
	go test ./pkg/validate -run EmbeddedCRDsInSync -update

clean: ## Remove build output
	rm -rf $(BIN)

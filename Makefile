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

.PHONY: help build demo test test-short lint bench fuzz image clean golden envtest schemas

help: ## List the targets
	@grep -hE '^[a-zA-Z_/-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## Build bin/lattice (static, trimmed)
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/lattice ./fn

$(KUSTOMIZE):
	GOBIN=$(BIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

demo: build $(KUSTOMIZE) ## Render examples/commerce through the real kustomize, lattice as an exec function
	PATH="$(BIN):$$PATH" $(KUSTOMIZE) build --enable-alpha-plugins --enable-exec examples/commerce

test: lint build $(KUSTOMIZE) envtest ## Lint, then run every test, including the kustomize and API-server tiers
	KUSTOMIZE=$(KUSTOMIZE) go test -count=1 -timeout 30m ./...
	cd tests/conformance && go test -count=1 -timeout 60m ./...

envtest: ## Build kube-apiserver and etcd for the API-server tier (cached outside git; first run takes 10-35 minutes)
	bash tests/conformance/build-binaries.sh

test-short: ## Unit and golden tests only
	go test -count=1 ./pkg/... ./tests/

golden: ## Rewrite golden files from the current output, then show what changed
	go test ./tests -run TestGolden -update
	git diff --stat -- tests/testdata

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
	go test ./tests -run 'CRDsInSync|JSONSchemas|ReferenceDocs' -update
	go test ./pkg/validate -run EmbeddedCRDsInSync -update

clean: ## Remove build output
	rm -rf $(BIN)

package pin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/lattice-dev/lattice/pkg/oci"
)

// Registry resolves tags through registries with the credentials of the
// Docker config (authn.DefaultKeychain).
type Registry struct {
	// Insecure allows registries served over plain HTTP.
	Insecure bool
	// Options are extra remote options (tests pass a transport).
	Options []remote.Option
}

// Digest returns the digest image's tag points at: the index digest for
// a multi-platform image, so every platform stays pinned.
func (r Registry) Digest(ctx context.Context, image string) (string, error) {
	opts := []name.Option{name.WeakValidation}
	if r.Insecure {
		opts = append(opts, name.Insecure)
	}
	ref, err := name.ParseReference(image, opts...)
	if err != nil {
		return "", fmt.Errorf("cannot parse %q: %w", image, err)
	}
	ropts := append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithUserAgent("lattice")}, r.Options...)
	desc, err := remote.Head(ref, ropts...)
	if err != nil && retryWithGet(err) {
		// Some registries answer HEAD badly; GET is authoritative.
		var full *remote.Descriptor
		if full, err = remote.Get(ref, ropts...); err == nil {
			return full.Digest.String(), nil
		}
	}
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
			return "", fmt.Errorf("%s: no such tag in %s (%s)", image, ref.Context().Name(), oci.Explain(err))
		}
		return "", fmt.Errorf("%s: cannot resolve through %s: %s", image, ref.Context().RegistryStr(), oci.Explain(err))
	}
	return desc.Digest.String(), nil
}

// retryWithGet: only a registry that answered, and not with "no" or "not
// found", gets a second request.
func retryWithGet(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	switch te.StatusCode {
	case http.StatusNotFound, http.StatusUnauthorized, http.StatusForbidden:
		return false
	}
	return true
}

// Resolver resolves one image reference to a digest.
type Resolver interface {
	Digest(ctx context.Context, image string) (string, error)
}

// Resolve resolves images concurrently (a few at a time) and returns the
// digests that resolved and an error per image that did not.
func Resolve(ctx context.Context, r Resolver, images []string) (map[string]string, map[string]error) {
	digests := map[string]string{}
	failures := map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, image := range images {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			d, err := r.Digest(ctx, image)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures[image] = err
				return
			}
			digests[image] = d
		}()
	}
	wg.Wait()
	return digests, failures
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lattice-dev/lattice/pkg/pin"
)

// pinService is a LatticeService with one container per image.
func pinService(name string, images ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: " + name + "\n  namespace: shop\nspec:\n  workload:\n    containers:\n")
	for i, img := range images {
		b.WriteString("      c" + string(rune('0'+i)) + ":\n        image: " + img + "\n        command: [/app/run]\n        resources: {limits: {cpu: 100m, memory: 64Mi}}\n")
	}
	return b.String()
}

// pinDir writes files into a fresh directory.
func pinDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, c := range files {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readLock(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, pin.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// noStrays fails when a temporary file survived in dir.
func noStrays(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestPinWritesLockRenderUsesIt(t *testing.T) {
	host := testRegistry(t, nil)
	app := host + "/shop/app:1.0"
	base := host + "/shop/base:2"
	appDigest := pushRandom(t, app, false)
	baseDigest := pushRandom(t, base, true)
	pinned := "registry.example.com/shop/side@sha256:" + strings.Repeat("ab", 32)
	dir := pinDir(t, map[string]string{
		"app.yaml":        pinService("app", app, pinned),
		"nested/job.yaml": pinService("job", base, app),
	})

	if code, _, errOut := cli(t, "render", dir); code == 0 {
		t.Fatalf("render without a lock should fail the digest requirement:\n%s", errOut)
	}
	code, _, errOut := cli(t, "pin", dir)
	if code != 0 {
		t.Fatalf("pin: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "pinned 2 images") {
		t.Errorf("stderr: %s", errOut)
	}
	lock := readLock(t, dir)
	for _, want := range []string{
		"kind: ImageLock",
		`config.kubernetes.io/local-config: "true"`,
		"- digest: " + appDigest + "\n    image: " + app + "\n",
		"- digest: " + baseDigest + "\n    image: " + base + "\n",
	} {
		if !strings.Contains(lock, want) {
			t.Errorf("lock lacks %q:\n%s", want, lock)
		}
	}
	if strings.Contains(lock, "side") {
		t.Error("an image already pinned by digest went into the lock")
	}
	noStrays(t, dir)

	code, out, errOut := cli(t, "render", dir)
	if code != 0 {
		t.Fatalf("render with the lock: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{app + "@" + appDigest, base + "@" + baseDigest, pinned} {
		if !strings.Contains(out, "image: "+want) {
			t.Errorf("render output lacks image %s", want)
		}
	}
	if strings.Contains(out, "ImageLock") {
		t.Error("the lock reached the rendered stream")
	}

	// Pinning again changes nothing; --check agrees.
	code, _, errOut = cli(t, "pin", dir)
	if code != 0 || !strings.Contains(errOut, "up to date") || readLock(t, dir) != lock {
		t.Errorf("second pin: exit %d, %s", code, errOut)
	}
	if code, out, errOut := cli(t, "pin", "--check", dir); code != 0 || !strings.Contains(out, "2 images locked and current") {
		t.Errorf("pin --check: exit %d\n%s%s", code, out, errOut)
	}
}

func TestPinCheck(t *testing.T) {
	host := testRegistry(t, nil)
	app := host + "/shop/app:1.0"
	pushRandom(t, app, false)
	fresh := func(t *testing.T) string {
		dir := pinDir(t, map[string]string{"app.yaml": pinService("app", app)})
		if code, _, errOut := cli(t, "pin", dir); code != 0 {
			t.Fatalf("pin: %s", errOut)
		}
		return dir
	}
	cases := []struct {
		name string
		edit func(t *testing.T, dir string)
		want string
	}{
		{"lock missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, pin.FileName))
		}, pin.FileName + " is missing but 1 images have tags"},
		{"service added", func(t *testing.T, dir string) {
			pushRandom(t, host+"/shop/new:1", false)
			mustWrite(t, filepath.Join(dir, "new.yaml"), []byte(pinService("new", host+"/shop/new:1")))
		}, "new.yaml:10: image " + host + "/shop/new:1 has no entry in"},
		{"service removed", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "app.yaml"), []byte(pinService("app", "registry.example.com/x@sha256:"+strings.Repeat("0", 64))))
		}, app + " is locked but no LatticeService uses it"},
		{"digest edited by hand", func(t *testing.T, dir string) {
			p := filepath.Join(dir, pin.FileName)
			data, _ := os.ReadFile(p)
			i := strings.Index(string(data), "sha256:")
			mustWrite(t, p, []byte(string(data[:i])+"sha256:"+strings.Repeat("f", 64)+string(data[i+71:])))
		}, app + " is locked to sha256:ffff"},
		{"digest not a digest", func(t *testing.T, dir string) {
			p := filepath.Join(dir, pin.FileName)
			data, _ := os.ReadFile(p)
			mustWrite(t, p, []byte(strings.Replace(string(data), "sha256:", "sha256:XYZ", 1)))
		}, "is not sha256:<64 lowercase hex>; the lock was edited by hand"},
		{"unknown field", func(t *testing.T, dir string) {
			p := filepath.Join(dir, pin.FileName)
			data, _ := os.ReadFile(p)
			mustWrite(t, p, []byte(strings.Replace(string(data), "  images:", "  imagez: []\n  images:", 1)))
		}, "spec.imagez"},
		{"not a lock", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, pin.FileName), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"))
		}, "a lock file holds exactly one lattice.dev/v1alpha1 ImageLock"},
		{"tag moved", func(t *testing.T, dir string) {
			pushRandom(t, app, false)
		}, "but the registry now serves"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := fresh(t)
			tc.edit(t, dir)
			before, _ := os.ReadFile(filepath.Join(dir, pin.FileName))
			code, out, errOut := cli(t, "pin", "--check", dir)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want 1 with %q\nstdout: %s\nstderr: %s", code, tc.want, out, errOut)
			}
			after, _ := os.ReadFile(filepath.Join(dir, pin.FileName))
			if string(before) != string(after) {
				t.Error("pin --check modified the lock")
			}
			// A plain pin repairs every case.
			if code, _, errOut := cli(t, "pin", dir); code != 0 {
				t.Fatalf("pin after %s: %s", tc.name, errOut)
			}
			if code, _, errOut := cli(t, "pin", "--check", dir); code != 0 {
				t.Errorf("check after repair: %s", errOut)
			}
		})
	}
}

// TestPinFailuresWriteNothing: when any image cannot be resolved the lock
// stays exactly as it was, and no temporary file survives.
func TestPinFailuresWriteNothing(t *testing.T) {
	host := testRegistry(t, nil)
	app := host + "/shop/app:1.0"
	pushRandom(t, app, false)
	cases := []struct {
		name, image, want string
	}{
		{"missing tag", host + "/shop/app:9.9", "no such tag in " + host + "/shop/app"},
		{"missing repository", host + "/shop/nothing:1", "no such tag"},
		{"unreachable registry", deadRegistry(t) + "/shop/app:1.0", "cannot resolve through"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := pinDir(t, map[string]string{"app.yaml": pinService("app", app)})
			if code, _, errOut := cli(t, "pin", dir); code != 0 {
				t.Fatal(errOut)
			}
			lock := readLock(t, dir)
			mustWrite(t, filepath.Join(dir, "other.yaml"), []byte(pinService("other", tc.image)))
			code, _, errOut := cli(t, "pin", dir)
			if code != 1 || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "other.yaml:10: ") || !strings.Contains(errOut, pin.FileName+" not written") {
				t.Errorf("exit %d, want 1 naming other.yaml:10 and %q:\n%s", code, tc.want, errOut)
			}
			if readLock(t, dir) != lock {
				t.Error("a failed pin changed the lock")
			}
			noStrays(t, dir)

			// Without a previous lock nothing appears at all.
			os.Remove(filepath.Join(dir, pin.FileName))
			if code, _, _ := cli(t, "pin", dir); code != 1 {
				t.Errorf("exit %d", code)
			}
			if _, err := os.Stat(filepath.Join(dir, pin.FileName)); !os.IsNotExist(err) {
				t.Error("a failed pin created a lock")
			}
		})
	}
}

func TestPinEdgeCases(t *testing.T) {
	t.Run("not a directory", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "x.yaml")
		mustWrite(t, f, []byte("{}"))
		if code, _, errOut := cli(t, "pin", f); code != 2 || !strings.Contains(errOut, "is not a directory") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
	t.Run("everything pinned by digest", func(t *testing.T) {
		dir := pinDir(t, map[string]string{"app.yaml": pinService("app", "registry.example.com/x@sha256:"+strings.Repeat("1", 64))})
		code, _, errOut := cli(t, "pin", dir)
		if code != 0 || !strings.Contains(errOut, "no lock needed") {
			t.Errorf("exit %d: %s", code, errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, pin.FileName)); !os.IsNotExist(err) {
			t.Error("a lock was written with nothing to pin")
		}
		if code, _, errOut := cli(t, "pin", "--check", dir); code != 0 {
			t.Errorf("check: exit %d: %s", code, errOut)
		}
	})
	t.Run("a broken lock is replaced", func(t *testing.T) {
		host := testRegistry(t, nil)
		pushRandom(t, host+"/a:1", false)
		dir := pinDir(t, map[string]string{"app.yaml": pinService("app", host+"/a:1"), pin.FileName: "{{{ not yaml"})
		code, _, errOut := cli(t, "pin", dir)
		if code != 0 || !strings.Contains(errOut, "replacing") {
			t.Errorf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(readLock(t, dir), host+"/a:1") {
			t.Error("lock not rewritten")
		}
	})
	t.Run("a service that does not decode", func(t *testing.T) {
		dir := pinDir(t, map[string]string{"app.yaml": pinService("app", "nginx:1") + "  replica: 2\n"})
		code, _, errOut := cli(t, "pin", dir)
		if code != 1 || !strings.Contains(errOut, "app.yaml:") || !strings.Contains(errOut, "lattice check") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
}

// TestPinKustomization: with a kustomization, pin reads what it lists, as
// render does, and says when the lock is not among it.
func TestPinKustomization(t *testing.T) {
	host := testRegistry(t, nil)
	app := host + "/shop/app:1.0"
	digest := pushRandom(t, app, false)
	dir := pinDir(t, map[string]string{
		"kustomization.yaml": "resources:\n  - app.yaml\n",
		"app.yaml":           pinService("app", app),
		"unlisted.yaml":      pinService("other", host+"/shop/missing:1"),
	})
	code, _, errOut := cli(t, "pin", dir)
	if code != 0 || !strings.Contains(errOut, "does not list "+pin.FileName) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(readLock(t, dir), digest) || strings.Contains(readLock(t, dir), "missing") {
		t.Errorf("lock:\n%s", readLock(t, dir))
	}

	mustWrite(t, filepath.Join(dir, "kustomization.yaml"), []byte("resources:\n  - app.yaml\n  - lattice.lock.yaml\n"))
	code, _, errOut = cli(t, "pin", "--check", dir)
	if code != 0 || strings.Contains(errOut, "warning") {
		t.Errorf("check with the lock listed: exit %d: %s", code, errOut)
	}
	if code, out, errOut := cli(t, "render", dir); code != 0 || !strings.Contains(out, app+"@"+digest) {
		t.Errorf("render: exit %d: %s", code, errOut)
	}

	os.Remove(filepath.Join(dir, pin.FileName))
	code, _, errOut = cli(t, "pin", dir)
	if code != 1 || !strings.Contains(errOut, "create it empty") {
		t.Errorf("listed but missing lock: exit %d: %s", code, errOut)
	}
	mustWrite(t, filepath.Join(dir, pin.FileName), nil)
	if code, _, errOut := cli(t, "pin", dir); code != 0 {
		t.Errorf("empty listed lock: exit %d: %s", code, errOut)
	}
	mustWrite(t, filepath.Join(dir, pin.FileName), []byte("{{{"))
	if code, _, errOut := cli(t, "pin", dir); code != 1 || !strings.Contains(errOut, "is not valid YAML; empty it") {
		t.Errorf("broken listed lock: exit %d: %s", code, errOut)
	}
}

// mustWrite writes a test file or stops the test.
func mustWrite(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

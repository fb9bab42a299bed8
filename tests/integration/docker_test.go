package integration

import (
	"archive/tar"
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// The docker stand-in. kustomize (container functions) and kpt (image:
// functions) run a KRM function as
//
//	docker run --rm -i [-a STDIN -a STDOUT -a STDERR] --network none --user nobody
//	  --security-opt=no-new-privileges [--pull missing] [-e K=V]... IMAGE
//
// and kpt first checks `docker version --format {{.Client.Version}}`.
// There is no Docker daemon here, so when the test binary is invoked as
// `docker` (a symlink on PATH) it runs the container itself: it finds IMAGE
// in the OCI layout named by $LATTICE_DOCKER_LAYOUT, unpacks its layers into
// a root filesystem, resolves --user through the image's /etc/passwd (as
// docker does: an image without "nobody" fails here as it would there) and
// runs the entrypoint chrooted, as that user, in an empty network namespace
// when --network none (when the tests run as root; otherwise directly from
// the unpacked filesystem). Every invocation's arguments are appended as a
// JSON line to $LATTICE_DOCKER_LOG.
const (
	envDockerLayout = "LATTICE_DOCKER_LAYOUT"
	envDockerLog    = "LATTICE_DOCKER_LOG"
)

// dockerOnPath makes `docker` resolve to the stand-in and returns the env
// additions for commands that should use it.
func dockerOnPath(t interface {
	Helper()
	Fatal(...any)
	TempDir() string
}, layoutDir string) (env []string, logFile string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(self, filepath.Join(dir, "docker")); err != nil {
		t.Fatal(err)
	}
	logFile = filepath.Join(dir, "docker.log")
	return []string{"PATH=" + pathWith(dir), envDockerLayout + "=" + layoutDir, envDockerLog + "=" + logFile}, logFile
}

// dockerCalls reads the logged docker invocations.
func dockerCalls(logFile string) ([][]string, error) {
	lines, err := dockerLogLines(logFile)
	var calls [][]string
	for _, l := range lines {
		if len(l) == 0 || l[0] != "#mode" {
			calls = append(calls, l)
		}
	}
	return calls, err
}

// dockerModes lists how isolated each container run was.
func dockerModes(logFile string) []string {
	lines, _ := dockerLogLines(logFile)
	var modes []string
	for _, l := range lines {
		if len(l) == 2 && l[0] == "#mode" {
			modes = append(modes, l[1])
		}
	}
	return modes
}

func dockerLogLines(logFile string) ([][]string, error) {
	f, err := os.Open(logFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var calls [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var args []string
		if err := json.Unmarshal(sc.Bytes(), &args); err != nil {
			return nil, err
		}
		calls = append(calls, args)
	}
	return calls, sc.Err()
}

func dockerLog(args []string) {
	if log := os.Getenv(envDockerLog); log != "" {
		if f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			line, _ := json.Marshal(args)
			fmt.Fprintf(f, "%s\n", line)
			f.Close()
		}
	}
}

func dockerShim(args []string) int {
	dockerLog(args)
	if len(args) > 0 && args[0] == "version" {
		fmt.Println("28.2.2")
		return 0
	}
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprintf(os.Stderr, "docker (test stand-in): only `run` and `version` are supported, got %q\n", args)
		return 125
	}
	code, err := dockerRun(args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "docker:", err)
		if code == 0 {
			code = 125
		}
	}
	return code
}

type runSpec struct {
	network, user, image string
	env, args            []string
}

func parseRun(args []string) (runSpec, error) {
	s := runSpec{network: "default"}
	value := func(i *int, flag string) (string, error) {
		if *i+1 >= len(args) {
			return "", fmt.Errorf("flag %s needs a value", flag)
		}
		*i++
		return args[*i], nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		var err error
		switch {
		case a == "--rm" || a == "-i" || a == "--interactive":
		case a == "-a" || a == "--attach" || a == "--pull":
			_, err = value(&i, a)
		case strings.HasPrefix(a, "--pull=") || strings.HasPrefix(a, "--security-opt="):
		case a == "--security-opt":
			_, err = value(&i, a)
		case a == "--network":
			s.network, err = value(&i, a)
		case strings.HasPrefix(a, "--network="):
			s.network = strings.TrimPrefix(a, "--network=")
		case a == "--user" || a == "-u":
			s.user, err = value(&i, a)
		case a == "-e" || a == "--env":
			var kv string
			if kv, err = value(&i, a); err == nil {
				if !strings.Contains(kv, "=") {
					kv += "=" + os.Getenv(kv)
				}
				s.env = append(s.env, kv)
			}
		case strings.HasPrefix(a, "-"):
			return s, fmt.Errorf("unsupported flag %q (the test stand-in knows what kustomize and kpt pass)", a)
		default:
			s.image, s.args = a, args[i+1:]
			return s, nil
		}
		if err != nil {
			return s, err
		}
	}
	return s, errors.New(`"docker run" requires at least 1 argument`)
}

func dockerRun(args []string) (int, error) {
	spec, err := parseRun(args)
	if err != nil {
		return 0, err
	}
	img, err := findImage(os.Getenv(envDockerLayout), spec.image)
	if err != nil {
		return 0, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return 0, err
	}
	rootfs, err := os.MkdirTemp("", "docker-rootfs-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(rootfs)
	if err := os.Chmod(rootfs, 0o755); err != nil {
		return 0, err
	}
	if err := unpack(img, rootfs); err != nil {
		return 0, fmt.Errorf("cannot unpack %s: %w", spec.image, err)
	}
	user := cfg.Config.User
	if spec.user != "" {
		user = spec.user
	}
	uid, gid, err := lookupUser(rootfs, user)
	if err != nil {
		return 126, fmt.Errorf("Error response from daemon: unable to find user %s: %w", user, err)
	}
	argv := append(append([]string{}, cfg.Config.Entrypoint...), spec.args...)
	if len(spec.args) == 0 {
		argv = append(argv, cfg.Config.Cmd...)
	}
	if len(argv) == 0 {
		return 0, errors.New("no command specified")
	}
	// Isolate as much as this host allows: chroot + user + empty network
	// namespace, then without the namespace (no CAP_SYS_ADMIN, as in
	// unprivileged CI containers), then the binary straight from the
	// unpacked filesystem (not root). The mode reached is logged.
	type mode struct {
		name        string
		chroot, net bool
	}
	modes := []mode{{"direct", false, false}}
	if os.Geteuid() == 0 && runtime.GOOS == "linux" {
		modes = []mode{{"chroot+user+netns", true, spec.network == "none"}, {"chroot+user", true, false}, {"direct", false, false}}
	}
	var cmd *exec.Cmd
	for _, m := range modes {
		cmd = &exec.Cmd{
			Path:   argv[0],
			Args:   argv,
			Env:    append(append([]string{}, cfg.Config.Env...), spec.env...),
			Dir:    cfg.Config.WorkingDir,
			Stdin:  os.Stdin,
			Stdout: os.Stdout,
			Stderr: os.Stderr,
		}
		if cmd.Dir == "" {
			cmd.Dir = "/"
		}
		if m.chroot {
			attr := &syscall.SysProcAttr{Chroot: rootfs, Credential: &syscall.Credential{Uid: uid, Gid: gid}}
			if m.net {
				attr.Cloneflags = syscall.CLONE_NEWNET
			}
			cmd.SysProcAttr = attr
		} else {
			cmd.Path = filepath.Join(rootfs, argv[0])
			cmd.Dir = filepath.Join(rootfs, cmd.Dir)
		}
		err = cmd.Start()
		if err == nil {
			dockerLog([]string{"#mode", m.name})
			break
		}
		if !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.EINVAL) {
			return 127, fmt.Errorf("cannot start container process %s: %w", argv[0], err)
		}
	}
	if err != nil {
		return 127, fmt.Errorf("cannot start container process %s: %w", argv[0], err)
	}
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), nil
		}
		return 127, err
	}
	return 0, nil
}

// findImage looks ref up by org.opencontainers.image.ref.name in the
// layout and picks the host platform from an index.
func findImage(dir, ref string) (v1.Image, error) {
	notFound := fmt.Errorf("Unable to find image '%s' locally\nError response from daemon: pull access denied for %s, repository does not exist or may require 'docker login'", ref, ref)
	if dir == "" {
		return nil, notFound
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, err
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range im.Manifests {
		if d.Annotations["org.opencontainers.image.ref.name"] != ref {
			continue
		}
		if d.MediaType.IsImage() {
			return idx.Image(d.Digest)
		}
		child, err := idx.ImageIndex(d.Digest)
		if err != nil {
			return nil, err
		}
		cm, err := child.IndexManifest()
		if err != nil {
			return nil, err
		}
		for _, m := range cm.Manifests {
			if m.Platform != nil && m.Platform.OS == "linux" && m.Platform.Architecture == runtime.GOARCH {
				return child.Image(m.Digest)
			}
		}
		return nil, fmt.Errorf("image %s has no linux/%s variant", ref, runtime.GOARCH)
	}
	return nil, notFound
}

func unpack(img v1.Image, root string) error {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(h.Name)
		if filepath.IsAbs(name) || strings.HasPrefix(name, "..") {
			return fmt.Errorf("unsafe path %q in layer", h.Name)
		}
		target := filepath.Join(root, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(target, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, tr); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unsupported entry %q (type %c) in layer", h.Name, h.Typeflag)
		}
		if err := os.Chmod(target, os.FileMode(h.Mode).Perm()|modeBits(h.Mode)); err != nil {
			return err
		}
		if os.Geteuid() == 0 {
			if err := os.Lchown(target, h.Uid, h.Gid); err != nil {
				return err
			}
		}
	}
}

func modeBits(m int64) os.FileMode {
	var out os.FileMode
	if m&0o1000 != 0 {
		out |= os.ModeSticky
	}
	return out
}

// lookupUser resolves "name", "uid" or "uid:gid" like docker: names
// through the image's /etc/passwd.
func lookupUser(root, user string) (uint32, uint32, error) {
	name, group, hasGroup := strings.Cut(user, ":")
	if name == "" {
		return 0, 0, nil
	}
	parse := func(s string) (uint32, bool) {
		n, err := strconv.ParseUint(s, 10, 32)
		return uint32(n), err == nil
	}
	uid, numeric := parse(name)
	gid := uid
	if !numeric {
		data, err := os.ReadFile(filepath.Join(root, "etc", "passwd"))
		if err != nil {
			return 0, 0, errors.New("no matching entries in passwd file")
		}
		found := false
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Split(line, ":")
			if len(f) >= 4 && f[0] == name {
				u, ok1 := parse(f[2])
				g, ok2 := parse(f[3])
				if ok1 && ok2 {
					uid, gid, found = u, g, true
				}
			}
		}
		if !found {
			return 0, 0, errors.New("no matching entries in passwd file")
		}
	}
	if hasGroup {
		g, ok := parse(group)
		if !ok {
			return 0, 0, fmt.Errorf("group %q must be numeric in this stand-in", group)
		}
		gid = g
	}
	return uid, gid, nil
}

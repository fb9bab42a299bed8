package properties

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lattice-dev/lattice/tests/gen/synth"
	"github.com/lattice-dev/lattice/tests/internal/harness"
)

// Hostile input (issue #8): each case runs through the built binary, in
// `lattice render` mode (a file) and in function mode (a ResourceList on
// stdin), with a timeout. It must end with a clear message on stderr, no
// derived object on stdout, in bounded time and memory — never a crash or
// a hang. The limits are in pkg/krm/limits.go and docs/limits.md.

const hostileTimeout = 2 * time.Minute // generous: CI machines are shared

// hostileMaxRSS bounds the memory of any hostile run (docs/limits.md).
const hostileMaxRSS = 1 << 30

const okService = `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata:
  name: %s
  namespace: %s
spec:
  workload:
    containers:
      main:
        image: registry.example.com/app@sha256:0000000000000000000000000000000000000000000000000000000000000000
        command: ["/app/server"]
        resources: {limits: {cpu: 500m, memory: 256Mi}}%s
    service:
      ports:
        %s: {port: 8080}
`

func hostileService(name, ns, containerExtra, port string) string {
	return fmt.Sprintf(okService, name, ns, containerExtra, port)
}

func billionLaughs(kind string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: " + kind + "\nmetadata:\n  name: lol\ndata:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	prev := "a"
	for _, c := range "bcdefghi" {
		fmt.Fprintf(&b, "  %c: &%c [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", c, c, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = string(c)
	}
	return b.String()
}

func deep(levels int) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  k: " + strings.Repeat("[", levels) + strings.Repeat("]", levels) + "\n"
}

func manyDocs(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\n", i)
	}
	return b.String()
}

func wideService(n int) string {
	var b strings.Builder
	b.WriteString("\n        variables:\n")
	for i := range n {
		fmt.Fprintf(&b, "          V%d: x\n", i)
	}
	return hostileService("api", "prod", strings.TrimSuffix(b.String(), "\n"), "http")
}

type hostileCase struct {
	name  string
	input string
	// want is a regular expression stderr must match in both modes.
	want string
	// ok marks inputs at a limit, which must render (exit 0).
	ok bool
}

func hostileCases() []hostileCase {
	name63, name64 := strings.Repeat("a", 63), strings.Repeat("a", 64)
	host := func(n int) string { // a hostname of n bytes in example.com
		label := strings.Repeat("h", 63)
		var parts []string
		for rest := n - len(".example.com"); rest > 0; {
			l := min(63, rest)
			parts = append(parts, label[:l])
			rest -= l + 1
		}
		return strings.Join(parts, ".") + ".example.com"
	}
	platform := "apiVersion: lattice.dev/v1alpha1\nkind: Platform\nmetadata: {name: p}\nspec: {dns: {zones: [example.com]}}\n---\n"
	return []hostileCase{
		{name: "billion-laughs", input: billionLaughs("ConfigMap"), want: `aliases expand this object to more than 100000 nodes`},
		{name: "billion-laughs-in-lattice-kind", input: strings.Replace(billionLaughs("X"), "apiVersion: v1\nkind: X", "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService", 1), want: `aliases expand this object to more than 100000 nodes`},
		{name: "recursive-alias", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: r}\ndata:\n  k: &a [*a]\n", want: `aliases expand this object|anchor 'a' value contains itself|contains itself`},
		{name: "deep-nesting", input: deep(5000), want: `nests deeper than 100 levels`},
		{name: "deeper-than-the-parser", input: deep(20000), want: `exceeded max depth of 10000`},
		{name: "ten-megabyte-string", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  k: " + strings.Repeat("x", 10<<20) + "\n", want: `a string of 10485760 bytes; lattice accepts strings of at most 2 MiB`},
		{name: "hundred-thousand-items", input: manyDocs(100_000), want: `at most 50000`},
		{name: "too-many-nodes", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n}\ndata:\n  k: [" + strings.Repeat("a,", 2_000_000) + "a]\n", want: `YAML nodes; lattice reads at most 3000000`},
		{name: "input-over-64-mib", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata:\n  k: x\n" + strings.Repeat("# padding padding padding padding padding padding padding padding\n", (65<<20)/66), want: `at most 64 MiB`},
		{name: "wide-lattice-kind", input: wideService(20_000), want: `has 20000 entries; lattice accepts at most 10000`},
		{name: "non-utf8", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  k: \"\xc3\x28\xa0\xa1\"\n", want: `byte 0x[0-9a-f]{2} is not valid UTF-8`},
		{name: "nul-bytes", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  k: \"a\x00b\"\n", want: `contains NUL bytes`},
		{name: "control-characters", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  k: \"a\x01b\"\n", want: `control characters are not allowed`},
		{name: "duplicate-keys", input: hostileService("api", "prod", "", "http") + "  replicas: 1\n  replicas: 2\n", want: `key "replicas" appears twice`},
		{name: "metadata-is-a-list", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: [a, b, c]\n", want: `metadata: must be an object`},
		{name: "name-at-63", input: hostileService(name63, "prod", "", "http"), ok: true},
		{name: "name-at-64", input: hostileService(name64, "prod", "", "http"), want: `must be no more than 63 characters`},
		{name: "namespace-at-63", input: hostileService("api", name63, "", "http"), ok: true},
		{name: "namespace-at-64", input: hostileService("api", name64, "", "http"), want: `must be no more than 63 characters`},
		{name: "port-name-at-15", input: hostileService("api", "prod", "", strings.Repeat("p", 15)), ok: true},
		{name: "port-name-at-16", input: hostileService("api", "prod", "", strings.Repeat("p", 16)), want: `must be no more than 15 characters`},
		{name: "hostname-at-253", input: platform + hostileService("api", "prod", "", "http") + "  ingress: {hostname: " + host(253) + "}\n", ok: true},
		{name: "hostname-at-254", input: platform + hostileService("api", "prod", "", "http") + "  ingress: {hostname: " + host(254) + "}\n", want: `may not be more than 253`},
		{name: "string-at-limit", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  k: " + strings.Repeat("x", 2<<20) + "\n", ok: true},
		{name: "string-past-limit", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  k: " + strings.Repeat("x", 2<<20+1) + "\n", want: `a string of 2097153 bytes`},
		{name: "items-at-limit", input: manyDocs(50_000), ok: true},
	}
}

func TestHostileInputs(t *testing.T) {
	harness.LatticeBin(t)
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			if err := os.WriteFile(filepath.Join(work, "input.yaml"), []byte(tc.input), 0o644); err != nil {
				t.Fatal(err)
			}
			render := harness.RunBinary(t, work, hostileTimeout, nil, "render", "input.yaml")
			fn := harness.RunBinary(t, work, hostileTimeout, harness.ResourceList([]byte(tc.input)))
			for mode, r := range map[string]harness.BinRun{"render": render, "function": fn} {
				t.Logf("%s mode: exit %d in %v, max RSS %d MiB", mode, r.Code, r.Elapsed.Round(time.Millisecond), r.MaxRSS>>20)
				if r.MaxRSS > hostileMaxRSS {
					t.Errorf("%s mode used %d MiB", mode, r.MaxRSS>>20)
				}
				if strings.Contains(r.Stderr, "panic") || strings.Contains(r.Stderr, "goroutine ") {
					t.Fatalf("%s mode crashed:\n%.2000s", mode, r.Stderr)
				}
				if tc.ok {
					if r.Code != 0 {
						t.Errorf("%s mode: exit %d for an input at the limit:\n%.2000s", mode, r.Code, r.Stderr)
					}
					continue
				}
				if !regexp.MustCompile(tc.want).MatchString(r.Stderr) {
					t.Errorf("%s mode: stderr does not match %q:\n%.2000s", mode, tc.want, r.Stderr)
				}
				if strings.Contains(r.Stdout, "lattice.dev/derived-from") {
					t.Errorf("%s mode printed derived objects", mode)
				}
			}
			if !tc.ok {
				if render.Code != 1 || render.Stdout != "" {
					t.Errorf("lattice render: exit %d with %d bytes on stdout, want exit 1 and nothing", render.Code, len(render.Stdout))
				}
				if fn.Code != 1 {
					t.Errorf("function mode: exit %d, want 1 (or 2 for an unreadable ResourceList)", fn.Code)
				}
			}
		})
	}
}

// TestNoAmbientAuthority: in render and function mode lattice opens no
// network connection and writes no file. It runs in a user, network and
// mount namespace (unshare) with the whole root file system read-only and
// no network, and under strace, which lists every file it opens for
// writing and every socket it makes.
func TestNoAmbientAuthority(t *testing.T) {
	bin := harness.LatticeBin(t)
	dir := t.TempDir()
	app := synth.Generate(synth.Options{Services: 20, Seed: 5})
	if err := app.WriteDir(filepath.Join(dir, "app")); err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(dir, "list.yaml")
	if err := os.WriteFile(list, app.ResourceList(), 0o444); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf(`set -e
%[1]s render %[2]s/app > /dev/null
%[1]s < %[3]s > /dev/null
`, bin, dir, list)
	ran := false
	if unshare, err := exec.LookPath("unshare"); err == nil {
		probe := exec.Command(unshare, "-rn", "--mount", "sh", "-c", "mount -o remount,bind,ro / && ! touch /probe-write 2>/dev/null")
		if out, err := probe.CombinedOutput(); err != nil {
			t.Logf("unshare cannot make a read-only, offline sandbox here (%v: %s); skipping that part", err, out)
		} else {
			cmd := exec.Command(unshare, "-rn", "--mount", "sh", "-c", "mount -o remount,bind,ro / && "+strings.ReplaceAll(script, "\n", " ; ")+" exit 0")
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			out, err := cmd.CombinedOutput()
			if err != nil || strings.Contains(string(out), "error") {
				t.Errorf("lattice failed without network and with a read-only file system: %v\n%s", err, out)
			}
			ran = true
		}
	}
	if strace, err := exec.LookPath("strace"); err == nil {
		for i, args := range [][]string{{"render", filepath.Join(dir, "app")}, {}} {
			logFile := filepath.Join(dir, fmt.Sprintf("strace-%d.log", i))
			cmd := exec.Command(strace, append([]string{"-f", "-qq", "-o", logFile,
				"-e", "trace=open,openat,openat2,creat,mkdir,mkdirat,unlink,unlinkat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,truncate,socket,connect,bind",
				bin}, args...)...)
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			if len(args) == 0 {
				f, err := os.Open(list)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				cmd.Stdin = f
			}
			if out, err := cmd.Output(); err != nil || len(out) == 0 {
				t.Logf("strace did not run lattice %v (%v); skipping that part", args, err)
				continue
			}
			ran = true
			data, err := os.ReadFile(logFile)
			if err != nil {
				t.Fatal(err)
			}
			pid := regexp.MustCompile(`^\d+\s+`)
			for _, line := range strings.Split(string(data), "\n") {
				call := pid.ReplaceAllString(line, "")
				if strings.HasPrefix(call, "socket(") || strings.HasPrefix(call, "connect(") || strings.HasPrefix(call, "bind(") ||
					strings.HasPrefix(call, "mkdir") || strings.HasPrefix(call, "unlink") || strings.HasPrefix(call, "rename") ||
					strings.HasPrefix(call, "link") || strings.HasPrefix(call, "symlink") || strings.HasPrefix(call, "creat(") || strings.HasPrefix(call, "truncate(") ||
					(strings.HasPrefix(call, "open") && (strings.Contains(call, "O_WRONLY") || strings.Contains(call, "O_RDWR") || strings.Contains(call, "O_CREAT"))) {
					t.Errorf("lattice %v made a forbidden call: %s", args, call)
				}
			}
		}
	}
	if !ran {
		// A check that cannot run is a gap, not a pass: CI runs as root,
		// where unshare (util-linux) works.
		t.Fatal("neither unshare nor strace can run here; run as root or install strace")
	}
}

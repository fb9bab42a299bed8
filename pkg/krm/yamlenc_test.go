package krm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"
)

// Strings that exercise yaml.v2's quoting: YAML 1.1 booleans and nulls,
// numbers, indicators, spaces, unicode, control characters.
var trickyStrings = []string{
	"", " ", "a", "y", "Y", "yes", "No", "ON", "off", "true", "False", "null", "Null", "~", "-", "--", "---", "...",
	"0", "1", "-1", "+1", "007", "0x1F", "1e3", "1.5", ".5", ".inf", "-.Inf", ".nan", "1_000", "12:30", "1:20:30",
	"2001-12-14", "2001-12-14t21:59:43.10-05:00", "<<", "=", "a: b", "a:b", "a:", ":a", "?", "?a", "? a", "a #b", "a#b",
	"#a", "&a", "*a", "!a", "|", ">", "'a'", "\"a\"", "%a", "@a", "`a", "[a]", "{a}", "a,b", "a, b", ",a",
	"a b", " a", "a ", "a\tb", "a\nb", "a\n", "\n", "é", "日本", "a\u00a0b", "\u2028", "\x7f", "\x01", "a\\b",
	"http://x.example.com:8080", "/api/*", "*.json", "25%", "--listen=:8080", "registry.example.com/a/b@sha256:" + strings.Repeat("ab", 32),
	"app.kubernetes.io/name", "lattice.dev/derived-from", "cluster.local/ns/a/sa/b", strings.Repeat("x", 200),
	"6ec0882a942a3a69", "0x1c", "0X1C", "1e5", "12abc", "2001-12-14t21", "2001-12-14T21:59:43Z", "1_000c", "0o17", "0b1", "0b1c", "1:2", "0123abc",
	"08", "1c", "9z", "1t", "1Z", "7.5c", "1-2-3a", "1.0.0-rc1", "3a:4",
	strings.Repeat("word ", 30), strings.Repeat("long-token-", 12) + " tail", "a=b;c", "$(VAR)", "${x}", "a~b", "a^b",
}

func randString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return trickyStrings[r.IntN(len(trickyStrings))]
	}
	const alpha = "abcXYZ019-._/:=@%+*~$ #,'\"[]{}!&|>?\\\té"
	n := r.IntN(12)
	var b strings.Builder
	for range n {
		b.WriteString(string([]rune(alpha)[r.IntN(len([]rune(alpha)))]))
	}
	return b.String()
}

func randValue(r *rand.Rand, depth int) any {
	k := r.IntN(10)
	if depth > 4 {
		k = r.IntN(5)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return []int64{0, 1, -1, 80, 65535, 1 << 40, 1 << 53, 1<<62 + 1, -1 << 60}[r.IntN(9)]
	case 3:
		return []float64{0.5, 1.25, 1e21, 3, -0.0, 1e-7}[r.IntN(6)]
	case 4, 5:
		return randString(r)
	case 6, 7:
		m := map[string]any{}
		for range r.IntN(5) {
			m[randString(r)] = randValue(r, depth+1)
		}
		return m
	default:
		var a []any
		for range r.IntN(4) {
			a = append(a, randValue(r, depth+1))
		}
		if a == nil && r.IntN(2) == 0 {
			return []any{}
		}
		return a
	}
}

// TestFastYAMLMatchesSigsYAML: the fast encoder writes exactly what the
// original JSON → map → sigs.k8s.io/yaml chain writes, or declines.
func TestFastYAMLMatchesSigsYAML(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	fast, total := 0, 0
	for i := range 6000 {
		obj := map[string]any{}
		for range 1 + r.IntN(6) {
			obj[randString(r)] = randValue(r, 0)
		}
		if i%3 == 0 {
			obj["metadata"] = map[string]any{"name": randString(r), "creationTimestamp": nil, "labels": map[string]any{"a": randString(r)}}
			obj["status"] = map[string]any{}
		}
		data, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		if !consistentKeys(obj) {
			continue // yaml.v2's own order is random for these keys
		}
		want, err := encodeSlow(data)
		if err != nil {
			continue
		}
		total++
		got, ok := fastYAML(data)
		if !ok {
			continue
		}
		fast++
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d: fast encoder differs\njson: %s\n--- want\n%s\n--- got\n%s", i, data, want, got)
		}
	}
	t.Logf("fast path took %d of %d objects", fast, total)
	if fast < total/4 {
		t.Errorf("fast path took only %d of %d objects", fast, total)
	}
}

func TestLessV2(t *testing.T) {
	keys := []string{"a10", "a9", "a09", "a1", "a01", "b", "B", "_x", "-x", "x-1", "x_1", "é", "e", "1", "10", "2", "a0b", "a00b"}
	for _, a := range keys {
		for _, b := range keys {
			if a != b && lessV2(a, b) == lessV2(b, a) {
				t.Errorf("lessV2(%q, %q) is not an order", a, b)
			}
			if lessV2(a, b) != lessRunes([]rune(a), []rune(b)) {
				t.Errorf("ASCII and rune comparisons disagree on %q, %q", a, b)
			}
		}
	}
	_ = fmt.Sprint()
}

// consistentKeys reports whether every map in v has keys that yaml.v2's
// comparison orders totally (else yaml.v2's output order is random).
func consistentKeys(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k, x := range v {
			keys = append(keys, k)
			if !consistentKeys(x) {
				return false
			}
		}
		for _, a := range keys {
			for _, b := range keys {
				for _, c := range keys {
					if lessV2(a, b) && lessV2(b, c) && !lessV2(a, c) {
						return false
					}
				}
			}
		}
	case []any:
		for _, x := range v {
			if !consistentKeys(x) {
				return false
			}
		}
	}
	return true
}

// TestPlainSafeIsPlain: every string plainSafe accepts is written by
// yaml.v2 as is, as a value and as a key.
func TestPlainSafeIsPlain(t *testing.T) {
	alphabet := []byte("a0Z-._/:=@%+*~$,# '\"?[]{}!&|>")
	var vals []string
	var gen func(prefix []byte, n int)
	gen = func(prefix []byte, n int) {
		vals = append(vals, string(prefix))
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			gen(append(prefix, c), n-1)
		}
	}
	gen(nil, 3)
	vals = append(vals, "a,b", "team-1/svc-2,team-3/svc-4", "x,", "on", "Yes", "null", "1,2", "a, b", "a ,b", "a,", "-,a")
	accepted := 0
	for _, v := range vals {
		if !plainSafe(v) {
			continue
		}
		accepted++
		out, err := sigsyaml.Marshal(map[string]string{"k": v})
		if err != nil || string(out) != "k: "+v+"\n" {
			t.Errorf("value %q: yaml.v2 writes %q", v, out)
		}
		out, err = sigsyaml.Marshal(map[string]int{v: 0})
		if err != nil || string(out) != v+": 0\n" {
			t.Errorf("key %q: yaml.v2 writes %q", v, out)
		}
	}
	if accepted < 1000 {
		t.Fatalf("only %d strings accepted", accepted)
	}
}

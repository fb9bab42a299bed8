package krm

import (
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/lattice-dev/lattice/pkg/par"
)

// marshalResults is yaml.Marshal(results) (kyaml's yaml.v3 encoder, two
// spaces, compact sequences), which costs about 100 µs a result through
// reflection: a render of 10,000 services with 15,000 warnings spent more
// time here than deriving. Results have a fixed shape, so each is written
// directly; strings use yaml.v3's style choice (v3String), and a result
// the fast writer is unsure about (a currentValue, several tags, a string
// v3String will not decide) is marshaled by yaml.v3 alone. A top-level
// sequence marshals entry by entry, so the parts concatenate to the whole.
// TestResultsMatchYAMLv3 checks the equivalence.
func marshalResults(results framework.Results) ([]byte, error) {
	const per = 256
	parts := make([][]byte, (len(results)+per-1)/per)
	errs := make([]error, len(parts))
	par.For(len(parts), func(i int) {
		part := results[i*per : min((i+1)*per, len(results))]
		size := 0
		for _, r := range part {
			if r != nil {
				size += 256 + len(r.Message) // keys, reference, field path
			}
		}
		b := make([]byte, 0, size)
		for _, r := range part {
			if out, ok := appendResult(b, r); ok {
				b = out
				continue
			}
			data, err := yaml.Marshal(framework.Results{r})
			if err != nil {
				errs[i] = err
				return
			}
			b = append(b, data...)
		}
		parts[i] = b
	})
	size := 0
	for i, p := range parts {
		if errs[i] != nil {
			return nil, errs[i]
		}
		size += len(p)
	}
	out := make([]byte, 0, size)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out, nil
}

func appendResult(b []byte, r *framework.Result) ([]byte, bool) {
	if r == nil || (r.Field != nil && (r.Field.CurrentValue != nil || r.Field.ProposedValue != nil)) || len(r.Tags) > 1 {
		return nil, false
	}
	start := len(b)
	first := true
	key := func(indent, k string) {
		if first {
			b = append(b, "- "...)
			first = false
		} else {
			b = append(b, indent...)
		}
		b = append(b, k...)
		b = append(b, ':')
	}
	ok := true
	scalar := func(indent, k, v string) {
		if v == "" || !ok {
			return
		}
		if !v3Known(v) {
			ok = false
			return
		}
		key(indent, k)
		b = append(b, ' ')
		b = appendV3String(b, v)
		b = append(b, '\n')
	}
	scalar("  ", "message", r.Message)
	scalar("  ", "severity", string(r.Severity))
	if ref := r.ResourceRef; ref != nil {
		if *ref == (yaml.ResourceIdentifier{}) {
			key("  ", "resourceRef")
			b = append(b, " {}\n"...)
		} else {
			key("  ", "resourceRef")
			b = append(b, '\n')
			scalar("    ", "apiVersion", ref.APIVersion)
			scalar("    ", "kind", ref.Kind)
			scalar("    ", "name", ref.Name)
			scalar("    ", "namespace", ref.Namespace)
		}
	}
	if f := r.Field; f != nil {
		key("  ", "field")
		if f.Path == "" {
			b = append(b, " {}\n"...)
		} else {
			b = append(b, '\n')
			scalar("    ", "path", f.Path)
		}
	}
	if f := r.File; f != nil {
		key("  ", "file")
		if f.Path == "" && f.Index == 0 {
			b = append(b, " {}\n"...)
		} else {
			b = append(b, '\n')
			scalar("    ", "path", f.Path)
			if f.Index != 0 {
				b = append(b, "    index: "...)
				b = strconv.AppendInt(b, int64(f.Index), 10)
				b = append(b, '\n')
			}
		}
	}
	for k, v := range r.Tags {
		ks, good := v3String(k)
		if !good || k == "" {
			return nil, false
		}
		key("  ", "tags")
		b = append(b, "\n    "...)
		b = append(b, ks...)
		vs, good := v3String(v)
		if !good {
			return nil, false
		}
		b = append(b, ": "...)
		b = append(b, vs...)
		b = append(b, '\n')
	}
	if !ok {
		return nil, false
	}
	if first {
		b = append(b, "- {}\n"...)
	}
	_ = start
	return b, true
}

// v3String is how yaml.v3 writes s as a block mapping value: plain when it
// reads back as the same string, single-quoted when only YAML's indicators
// are in the way, double-quoted when it would read back as another type.
// It decides printable single-line ASCII and declines anything else.
func v3String(s string) (string, bool) {
	style, ok := v3StringStyle(s)
	switch {
	case !ok:
		return "", false
	case style == 'p':
		return s, true
	case style == '"':
		return `"` + s + `"`, true
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'", true
}

// v3StringStyle is how yaml.v3 writes s: plain ('p'), double-quoted
// without escapes ('"') or single-quoted (the quote byte); ok is false
// when it is not certain.
func v3StringStyle(s string) (style byte, ok bool) {
	if s == "" {
		return '"', true
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return 0, false
		}
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '+', c == '-', c == '.', c == '<', c == '~':
		// Numbers, timestamps, .inf, "<<", "~" and "-"-led strings: let
		// yaml.v3 decide.
		if c == '-' && len(s) > 1 && s[1] == ' ' {
			break // "- x" is not a number; its quoting is decided below
		}
		if allDigits(s) {
			return '"', true
		}
		return 0, false
	}
	switch s {
	case "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL",
		"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return '"', true
	}
	if v3BlockPlain(s) {
		return 'p', true
	}
	return '\'', true
}

// v3Known reports whether v3String decides s.
func v3Known(s string) bool {
	_, ok := v3StringStyle(s)
	return ok
}

// appendV3String appends v3String(s) (which must decide s) without
// building it (#8: a message a warning).
func appendV3String(b []byte, s string) []byte {
	switch style, _ := v3StringStyle(s); style {
	case 'p':
		return append(b, s...)
	case '"':
		return append(append(append(b, '"'), s...), '"')
	}
	b = append(b, '\'')
	for {
		i := strings.IndexByte(s, '\'')
		if i < 0 {
			break
		}
		b = append(append(b, s[:i+1]...), '\'')
		s = s[i+1:]
	}
	return append(append(b, s...), '\'')
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// v3BlockPlain is yaml.v3's block_plain_allowed for printable single-line
// ASCII (yaml_emitter_analyze_scalar).
func v3BlockPlain(s string) bool {
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	if len(s) >= 3 && (s[:3] == "---" || s[:3] == "...") {
		return false
	}
	blank := func(i int) bool { return i >= len(s) || s[i] == ' ' || s[i] == '\t' }
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 0 {
			switch c {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				return false
			case '?', ':', '-':
				if blank(1) {
					return false
				}
			}
			continue
		}
		switch c {
		case ':':
			if blank(i + 1) {
				return false
			}
		case '#':
			if s[i-1] == ' ' || s[i-1] == '\t' {
				return false
			}
		}
	}
	return true
}

package properties

import "fmt"

// Accessors for objects decoded from YAML into maps: each reads a path and
// gives the zero value where the path is missing or of another type.

func get(o any, path ...string) any {
	for _, p := range path {
		m, ok := o.(map[string]any)
		if !ok {
			return nil
		}
		o = m[p]
	}
	return o
}

func str(o any, path ...string) string { s, _ := get(o, path...).(string); return s }
func list(o any, path ...string) []any { l, _ := get(o, path...).([]any); return l }

func strs(o any, path ...string) []string {
	var out []string
	for _, v := range list(o, path...) {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

func labels(o any, path ...string) map[string]string {
	out := map[string]string{}
	if m, ok := get(o, path...).(map[string]any); ok {
		for k, v := range m {
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

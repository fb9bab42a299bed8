package derive

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{
		"metadata.name":           "api",
		"resources.db-main.host":  "db-main.prod.svc.cluster.local",
		"resources.payments.url":  "http://payments.prod.svc.cluster.local:8080",
		"resources.payments.host": "payments.prod.svc.cluster.local",
	}
	cases := map[string]struct {
		reason  string
		in      string
		want    string
		secrets int
		wantErr string
	}{
		"plain":        {reason: "text without templates is unchanged", in: "hello", want: "hello"},
		"variable":     {reason: "a defined variable is substituted", in: "${resources.payments.url}/v1", want: "http://payments.prod.svc.cluster.local:8080/v1"},
		"underscore":   {reason: "resource names may use _ for -", in: "${resources.db_main.host}", want: "db-main.prod.svc.cluster.local"},
		"spaces":       {reason: "spaces inside braces are ignored", in: "${ metadata.name }", want: "api"},
		"escape":       {reason: "$${...} is a literal ${...}", in: "$${metadata.name}", want: "${metadata.name}"},
		"lone dollar":  {reason: "a $ not followed by { is literal", in: "cost: $5", want: "cost: $5"},
		"secret":       {reason: "secret references are split out, not resolved", in: "u=${secret.db.user}", want: "u=", secrets: 1},
		"undefined":    {reason: "undefined variables are errors, never empty", in: "${resources.nope.url}", wantErr: "undefined variable: ${resources.nope.url}"},
		"suggest":      {reason: "the error lists what is defined for that resource", in: "${resources.payments.port}", wantErr: "defined here: ${resources.payments.host}, ${resources.payments.url}"},
		"unterminated": {reason: "an unclosed ${ is an error", in: "${metadata.name", wantErr: "unterminated ${"},
		"bad secret":   {reason: "secret references need resource and key", in: "${secret.db}", wantErr: "expected ${secret.<resource>.<key>}"},
		"no recursion": {reason: "substituted values are not expanded again", in: "${metadata.name}$${x}", want: "api${x}"},
		"empty":        {reason: "empty input", in: "", want: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			segs, err := expand(tc.in, vars)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: got error %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			var text strings.Builder
			n := 0
			for _, s := range segs {
				if s.Secret != nil {
					n++
					continue
				}
				text.WriteString(s.Text)
			}
			if text.String() != tc.want || n != tc.secrets {
				t.Errorf("%s: got %q with %d secrets, want %q with %d", tc.reason, text.String(), n, tc.want, tc.secrets)
			}
		})
	}
}

func TestDNSLabel(t *testing.T) {
	long := strings.Repeat("a", 70)
	cases := map[string]struct{ in, want string }{
		"short":       {"emptydir-var-cache", "emptydir-var-cache"},
		"uppercase":   {"Main_Files", "main-files"},
		"long":        {long, strings.Repeat("a", 54) + "-" + Hash(long)},
		"trim dashes": {"-x-", "x"},
	}
	for name, tc := range cases {
		if got := DNSLabel(tc.in); got != tc.want || len(got) > 63 {
			t.Errorf("%s: DNSLabel(%q) = %q, want %q", name, tc.in, got, tc.want)
		}
	}
}

func TestHashMatchesReference(t *testing.T) {
	// Golden names from the reference implementation (reference-lattice.md §2.0).
	for in, want := range map[string]string{"prod/api": "91596d0f", "webapp/api": "ee53cff6", "webapp/postgres": "77eb71a0"} {
		if got := Hash(strings.Split(in, "/")...); got != want {
			t.Errorf("Hash(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestContainerField(t *testing.T) {
	for _, name := range []string{"main", "a-b", "x.y"} {
		if got, want := containerField(name, "files"), specPath.Child("workload", "containers").Key(name).Child("files").String(); got != want {
			t.Errorf("containerField(%q) = %q, want %q", name, got, want)
		}
	}
}

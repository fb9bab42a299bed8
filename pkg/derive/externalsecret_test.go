package derive

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/lattice-dev/lattice/pkg/api/externalsecrets/v1"
	v1alpha1 "github.com/lattice-dev/lattice/pkg/api/v1alpha1"
)

func TestExternalSecret(t *testing.T) {
	es := func(spec esv1.ExternalSecretSpec) *esv1.ExternalSecret {
		return &esv1.ExternalSecret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "external-secrets.io/v1", Kind: "esv1.ExternalSecret"},
			ObjectMeta: metav1.ObjectMeta{Name: "api-db", Namespace: "shop", Labels: Labels("api")},
			Spec:       spec,
		}
	}
	store := esv1.SecretStoreRef{Name: "vault", Kind: "ClusterSecretStore"}
	cases := map[string]struct {
		reason string
		params v1alpha1.ResourceParams
		want   []*esv1.ExternalSecret
	}{
		"whole key": {
			reason: "a secret resource without keys copies every property of its remote key (dataFrom.extract) into <svc>-<resource>",
			params: v1alpha1.ResourceParams{Provider: "vault"},
			want: []*esv1.ExternalSecret{es(esv1.ExternalSecretSpec{SecretStoreRef: store, Target: esv1.ExternalSecretTarget{Name: "api-db"},
				DataFrom: []esv1.ExternalSecretDataFrom{{Extract: &esv1.RemoteRef{Key: "prod/db"}}}})},
		},
		"keys": {
			reason: "listed keys are copied one by one, in declared order, with the refresh interval",
			params: v1alpha1.ResourceParams{Provider: "vault", Keys: []string{"user", "password"}, RefreshInterval: "1h"},
			want: []*esv1.ExternalSecret{es(esv1.ExternalSecretSpec{SecretStoreRef: store, Target: esv1.ExternalSecretTarget{Name: "api-db"}, RefreshInterval: "1h",
				Data: []esv1.ExternalSecretData{
					{SecretKey: "user", RemoteRef: esv1.RemoteRef{Key: "prod/db", Property: "user"}},
					{SecretKey: "password", RemoteRef: esv1.RemoteRef{Key: "prod/db", Property: "password"}},
				}})},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			params := tc.params
			s := service("shop/api", withResources(map[string]v1alpha1.Resource{"db": {Type: v1alpha1.ResourceSecret, ID: "prod/db", Params: &params}}))
			if d := diff(tc.want, ofKind[*esv1.ExternalSecret](workloadOut(t, s))); d != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, d)
			}
		})
	}

	t.Run("template", func(t *testing.T) {
		s := service("shop/api", withResources(map[string]v1alpha1.Resource{"db": {Type: v1alpha1.ResourceSecret, ID: "prod/db", Params: &v1alpha1.ResourceParams{Provider: "vault"}}}),
			func(s *v1alpha1.LatticeService) {
				c := s.Spec.Workload.Containers["main"]
				c.Variables = map[string]string{"DSN": "postgres://${secret.db.user}@db/{{x}}"}
				s.Spec.Workload.Containers["main"] = c
			})
		got := ofKind[*esv1.ExternalSecret](workloadOut(t, s))
		if len(got) != 2 {
			t.Fatalf("want the resource's esv1.ExternalSecret and the variables' template, got %d", len(got))
		}
		tmpl := got[1]
		want := esv1.ExternalSecretSpec{
			SecretStoreRef: store,
			Target: esv1.ExternalSecretTarget{Name: tmpl.Spec.Target.Name, Template: &esv1.ExternalSecretTemplate{EngineVersion: "v2",
				Data: map[string]string{"DSN": `postgres://{{ .db_user }}@db/{{ "{{" }}x{{ "}}" }}`}}},
			Data: []esv1.ExternalSecretData{{SecretKey: "db_user", RemoteRef: esv1.RemoteRef{Key: "prod/db", Property: "user"}}},
		}
		if d := diff(want, tmpl.Spec); d != "" {
			t.Errorf("a variable mixing text and ${secret.*} becomes an ESO v2 template; literal {{ }} is escaped (-want +got):\n%s", d)
		}
	})
}

package krm

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// piecesMatch encodes every document of data whole and in pieces (with
// collections split from size min) and fails on any difference.
func piecesMatch(t *testing.T, name string, data []byte, min int) {
	t.Helper()
	defer func(old int) { pieceNodes = old }(pieceNodes)
	pieceNodes = min
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Logf("%s: not YAML, skipped: %v", name, err)
			}
			return
		}
		whole, werr := encodeWhole(&doc)
		got, gerr := nodeBytes(&doc)
		if len(doc.Content) == 1 && doc.HeadComment+doc.LineComment+doc.FootComment == "" { // as kyaml holds an item: its root
			if root, rerr := nodeBytes(doc.Content[0]); !bytes.Equal(root, got) || (rerr == nil) != (gerr == nil) {
				t.Fatalf("%s document %d: its root encodes differently from the document:\n%s\n---\n%s", name, i, got, root)
			}
		}
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%s document %d: whole error %v, pieces error %v", name, i, werr, gerr)
		}
		if !bytes.Equal(whole, got) {
			t.Fatalf("%s document %d (split from %d nodes): pieces differ from one yaml.v3 Encode\n--- whole\n%s\n--- pieces\n%s", name, i, min, whole, got)
		}
	}
}

// TestPiecesEncodeLikeYAMLv3: a passed-through document written in pieces
// (nodeBytes) is byte for byte what one yaml.v3 Encode writes, for every
// YAML file of the repository, split as finely as possible and at the
// default size.
func TestPiecesEncodeLikeYAMLv3(t *testing.T) {
	root := filepath.Join("..", "..")
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(path); d.IsDir() || (ext != ".yaml" && ext != ".yml") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, min := range []int{1, 8, 64} {
			piecesMatch(t, path, data, min)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d YAML files found under %s", n, root)
	}
}

func FuzzPieces(f *testing.F) {
	f.Add([]byte("a:\n  b:\n  - c: 1\n    d: [x, y]\n  - e: |\n      line\n\n      more\n    f: 'multi\n\n      line'\n"), uint8(1))
	f.Add([]byte("# head\nk: v\nlist:\n- - nested\n  - seq\n- &a {x: 1}\n- *a\n? complex\n: key\n"), uint8(1))
	f.Add([]byte("a: 1 # line\n# foot of a\nb:\n  # head of c\n  c: 2\n\n  d: 3\n  # foot\n"), uint8(2))
	f.Add([]byte("!!map\nkey with spaces: \"quoted\\ttab\"\n\"q\": {}\n'': []\n"+strings.Repeat("k", 130)+": {a: 1}\n"), uint8(1))
	f.Add([]byte("items:\n- name: a\n  value: \"\\x85\\x7f \\uFFFE\"\n  text: >-\n    folded\n    text\n"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, min uint8) {
		piecesMatch(t, "fuzz", data, int(min%16)+1)
	})
}

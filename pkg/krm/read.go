package krm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/lattice-dev/lattice/pkg/par"
)

// ReadResourceList reads a KRM ResourceList within the input limits,
// parsed by yaml.v3 (kyaml's YAML library).
func ReadResourceList(r io.Reader) ([]Item, *yaml.RNode, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read ResourceList: %w", err)
	}
	if err := scanInput(data, "stdin"); err != nil {
		return nil, nil, fmt.Errorf("cannot read ResourceList: %w", err)
	}
	docs, err := decodeResourceList(data)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read ResourceList: %w", err)
	}
	var list *yaml.Node
	for _, d := range docs {
		if mapValue(d, "kind") != nil && mapValue(d, "kind").Value == kio.ResourceListKind {
			list = d
			break
		}
	}
	if list == nil || len(docs) != 1 {
		return nil, nil, fmt.Errorf("input is not a ResourceList (got %d documents); run lattice from kustomize or kpt, or use `lattice render DIR`", len(docs))
	}
	var nodes []*yaml.Node
	switch seq := mapValue(list, "items"); {
	case seq == nil || seq.Tag == "!!null":
	case seq.Kind != yaml.SequenceNode:
		return nil, nil, fmt.Errorf("cannot read ResourceList: items must be a list, got %s", kindName(seq.Kind))
	default:
		nodes = seq.Content
	}
	if len(nodes) > MaxItems {
		return nil, nil, fmt.Errorf("cannot read ResourceList: %d items; lattice reads at most %d (%s)", len(nodes), MaxItems, limitsDoc)
	}
	// kyaml's accessors (GetKind, GetName, ...) index mapping pairs and
	// panic on a list, so anything but an object stops here.
	for i, n := range nodes {
		if n.Kind != yaml.MappingNode {
			return nil, nil, fmt.Errorf("cannot read ResourceList: items[%d]: an item must be a Kubernetes object (a map), got %s", i, kindName(n.Kind))
		}
	}
	var fnConfig *yaml.RNode
	if fc := mapValue(list, "functionConfig"); fc != nil && fc.Tag != "!!null" {
		if fc.Kind != yaml.MappingNode {
			return nil, nil, fmt.Errorf("cannot read ResourceList: functionConfig must be an object (a map), got %s", kindName(fc.Kind))
		}
		if e := checkObject(fc, isLatticeKind(fc)); e != nil {
			return nil, nil, fmt.Errorf("cannot read ResourceList: functionConfig: %w", e)
		}
		fnConfig = yaml.NewRNode(fc)
	}
	items := make([]Item, len(nodes))
	lims := make([]*LimitError, len(nodes))
	par.For(len(nodes), func(i int) {
		if lims[i] = checkObject(nodes[i], isLatticeKind(nodes[i])); lims[i] != nil {
			return // kyaml's accessors below may panic on such an object
		}
		items[i] = Item{Node: yaml.NewRNode(nodes[i])}
		items[i].locate()
	})
	for i, e := range lims {
		if e != nil {
			return nil, nil, fmt.Errorf("cannot read ResourceList: items[%d] (%s): %w", i, describe(nodes[i]), e)
		}
	}
	return items, fnConfig, nil
}

// readAll reads r up to one byte past the input limit.
func readAll(r io.Reader) ([]byte, error) {
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() <= MaxInputBytes {
			var b bytes.Buffer
			b.Grow(int(fi.Size()) + bytes.MinRead)
			_, err := b.ReadFrom(io.LimitReader(f, MaxInputBytes+1))
			return b.Bytes(), err
		}
	}
	return io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
}

// ParseStream reads a multi-document YAML stream, keeping each document's
// file, index and lines so errors can point at file:line. The input limits
// apply (docs/limits.md).
func ParseStream(data []byte, file string) ([]Item, error) {
	if err := scanInput(data, file); err != nil {
		return nil, err
	}
	docs, err := decodeDocuments(data)
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s:%d: yaml: %s", file, se.Line, se.Msg)
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(docs) > MaxItems {
		return nil, fmt.Errorf("%s: %d objects; lattice reads at most %d (%s)", file, len(docs), MaxItems, limitsDoc)
	}
	items := make([]Item, 0, len(docs))
	for _, n := range docs {
		if n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d: a document must be a Kubernetes object (a map), got %s", file, n.Line, kindName(n.Kind))
		}
		if e := checkObject(n, isLatticeKind(n)); e != nil {
			return nil, fmt.Errorf("%s:%d: %s: %w", file, e.Line, describe(n), e)
		}
		items = append(items, Item{Node: yaml.NewRNode(n), File: file, Index: len(items), Lines: true})
	}
	return items, nil
}

// decodeDocuments parses every document of a stream with yaml.v3, leaving
// out empty ones. Node lines are lines of the whole stream.
func decodeDocuments(data []byte) ([]*yaml.Node, error) {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, syntaxError(data, err)
		}
		if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" && doc.Content[0].Kind == yaml.ScalarNode {
			continue
		}
		docs = append(docs, doc.Content[0])
	}
}

// splitMin is the size of items from which a ResourceList's items are
// parsed on every core, and the size of each piece.
var splitMin = 256 << 10

// decodeResourceList parses a ResourceList as decodeDocuments does, with
// its items on every core: yaml.v3 parses one document on one core, a
// third of a 10,000-service render. kustomize and kpt write each item at
// column 0 as "- " under a top-level "items:", so the text splits there
// into runs of items, each parsed alone by yaml.v3 (lines moved back to
// the stream's), and the rest is parsed with the items left blank. A
// split inside anything that spans items (a quoted scalar or a flow
// collection over several lines, an alias to another item's anchor) makes
// a run fail on its own, and then the whole stream is parsed once, as
// before; no split is made after a comment or a blank line
// (FuzzResourceListPieces holds both to the same nodes).
func decodeResourceList(data []byte) ([]*yaml.Node, error) {
	start := bytes.Index(data, []byte("\nitems:\n"))
	if start < 0 || len(data) < splitMin {
		return decodeDocuments(data)
	}
	start += len("\nitems:\n")
	// The items run to the first line at column 0 that neither starts one
	// nor continues one; a run starts every splitMin bytes, at an item.
	type cut struct{ at, line int }
	var cuts []cut
	end, line, prev := start, bytes.Count(data[:start], []byte{'\n'}), []byte(nil)
	// A comment or a blank line next to a split could attach to the other
	// side of it (a foot comment of one item, a head comment of the next).
	loose := func(l []byte) bool {
		l = bytes.TrimLeft(l, " -")
		return len(l) == 0 || l[0] == '\n' || bytes.IndexByte(l, '#') >= 0
	}
	for end < len(data) {
		item := bytes.HasPrefix(data[end:], []byte("- "))
		if !item && (end == start || data[end] != ' ' && data[end] != '\n') {
			break
		}
		if item && (len(cuts) == 0 || end-cuts[len(cuts)-1].at >= splitMin && !loose(prev)) {
			cuts = append(cuts, cut{end, line})
		}
		next := bytes.IndexByte(data[end:], '\n')
		if next < 0 {
			prev, end = data[end:], len(data)
			break
		}
		prev, end, line = data[end:end+next+1], end+next+1, line+1
	}
	if len(cuts) < 2 || loose(prev) || end < len(data) && data[end] == '#' {
		return decodeDocuments(data)
	}
	cuts = append(cuts, cut{end, line})
	runs := make([][]*yaml.Node, len(cuts)-1) // empty: that run does not parse alone
	par.For(len(runs), func(k int) {
		var doc yaml.Node
		dec := yaml.NewDecoder(bytes.NewReader(data[cuts[k].at:cuts[k+1].at]))
		if dec.Decode(&doc) == nil && len(doc.Content) == 1 && doc.Content[0].Kind == yaml.SequenceNode && errors.Is(dec.Decode(&yaml.Node{}), io.EOF) {
			shiftLines(doc.Content[0], cuts[k].line)
			runs[k] = doc.Content[0].Content
		}
	})
	rest := slices.Concat(data[:start], bytes.Repeat([]byte{'\n'}, line-cuts[0].line), data[end:])
	docs, err := decodeDocuments(rest)
	var seq *yaml.Node
	if err == nil && len(docs) == 1 && docs[0].Kind == yaml.MappingNode {
		seq = mapValue(docs[0], "items")
	}
	if slices.ContainsFunc(runs, func(r []*yaml.Node) bool { return len(r) == 0 }) || seq == nil || seq.Kind != yaml.ScalarNode || seq.Tag != "!!null" {
		return decodeDocuments(data)
	}
	*seq = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: cuts[0].line + 1, Column: 1, Content: slices.Concat(runs...)}
	return docs, nil
}

// shiftLines adds n to the line of every node under root.
func shiftLines(root *yaml.Node, n int) {
	root.Line += n
	for _, c := range root.Content {
		shiftLines(c, n)
	}
}

// SyntaxError is YAML that does not parse, with the line of the problem.
type SyntaxError struct {
	Line int
	Msg  string // yaml.v3's message without "yaml: line N: "
}

func (e *SyntaxError) Error() string { return "yaml: line " + strconv.Itoa(e.Line) + ": " + e.Msg }

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parserProblems are the messages of yaml's parser, as opposed to its
// scanner (go.yaml.in/yaml/v3 parserc.go).
var parserProblems = []string{
	"did not find expected <stream-start>", "did not find expected <document start>", "did not find expected node content",
	"did not find expected key", "did not find expected '-' indicator", "did not find expected ',' or ']'",
	"did not find expected ',' or '}'", "found duplicate %YAML directive", "found duplicate %TAG directive",
	"found incompatible YAML document", "found undefined tag handle",
}

// syntaxError gives a yaml.v3 parse error the line of the problem. For
// scanner errors (a bad token) yaml.v3 reports the line where the token
// starts (an unterminated quote: the quote), counted from 1, which is
// right. For parser errors (a token out of place) it reports where the
// enclosing block starts, counted from 0: a problem on line 19 of a
// mapping that starts on line 7 reads "line 6". yaml.v2, the same parser,
// reports the problem's own mark, also from 0; so the input is parsed
// again by yaml.v2, on this error path only, for that line, and the
// message names both.
func syntaxError(data []byte, err error) error {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	msg := m[2]
	line, _ := strconv.Atoi(m[1])
	if slices.Contains(parserProblems, msg) {
		block := line + 1
		line = block
		if l := v2ProblemLine(data, msg); l > 0 {
			if line = l + 1; line != block {
				msg += fmt.Sprintf(" (in the block that starts on line %d)", block)
			}
		}
	}
	lines := bytes.Count(data, []byte{'\n'})
	if !bytes.HasSuffix(data, []byte{'\n'}) {
		lines++
	}
	return &SyntaxError{Line: max(1, min(line, lines)), Msg: msg}
}

// v2ProblemLine is the line yaml.v2 reports for the same problem, or 0.
func v2ProblemLine(data []byte, msg string) int {
	dec := yamlv2.NewDecoder(bytes.NewReader(data))
	for {
		var v any
		err := dec.Decode(&v)
		if err == nil {
			continue
		}
		m := yamlLine.FindStringSubmatch(err.Error())
		if m == nil || m[2] != msg {
			return 0
		}
		l, _ := strconv.Atoi(m[1])
		return l
	}
}

package ec2

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
)

// The EC2 Query protocol flattens a request into dotted names: a member is
// "Name", a member of a structure "Parent.Name", and the members of a list
// "Name.1", "Name.2", ... (1-based; a list of structures "Filter.1.Name",
// a list inside one "Filter.1.Value.1"). Members are named by the model's
// queryName, or its locationName with a capital first letter, or the member
// name: what the SDKs send.
//
// decode reads such parameters into a request structure whose fields carry
// `ec2:"Name"` tags (`ec2:"Name,required"` for members the model requires;
// `ec2:"Name,ignore"` for members the model has that Tollgate accepts and
// has no use for, such as a launch's network interfaces, whose parameters
// are taken whatever they hold).
// Fields may be strings, bools, int64s, pointers to those (absent: nil),
// structures and slices of any of them. Every parameter must land in some
// field: an unknown one is refused with UnknownParameter, as EC2 does, so
// that a misspelt option is reported rather than silently ignored.

// maxIndex bounds the N of "Name.N": EC2 takes no longer lists, and it
// bounds what a request can make the decoder allocate.
const maxIndex = 1000

// envelope are the parameters every request may carry beside its members:
// the operation, the API version, and SigV4's query-string authentication.
var envelope = map[string]bool{
	"Action": true, "Version": true, "X-Amz-Algorithm": true, "X-Amz-Credential": true, "X-Amz-Date": true,
	"X-Amz-Expires": true, "X-Amz-SignedHeaders": true, "X-Amz-Signature": true, "X-Amz-Security-Token": true,
}

// node is one dotted name segment of the parameters: its value if the
// parameter stops here, and the segments that follow it.
type node struct {
	path     string // the full name, for messages
	value    string
	hasValue bool
	children map[string]*node
}

func (n *node) child(seg string) *node {
	if n.children == nil {
		n.children = map[string]*node{}
	}
	c, ok := n.children[seg]
	if !ok {
		c = &node{path: seg}
		if n.path != "" {
			c.path = n.path + "." + seg
		}
		n.children[seg] = c
	}
	return c
}

// tree arranges the parameters by their dotted names, leaving out the
// envelope.
func tree(p awsapi.Params) *node {
	root := &node{}
	for _, name := range p.Names() {
		if envelope[name] {
			continue
		}
		n := root
		for seg := range strings.SplitSeq(name, ".") {
			n = n.child(seg)
		}
		n.value, n.hasValue = p.Get(name), true
	}
	return root
}

// decode fills req, a pointer to a request structure, from p.
func decode(p awsapi.Params, req any) error {
	v := reflect.ValueOf(req).Elem()
	return decodeStruct(tree(p), v)
}

// field is a request structure's field as the decoder sees it.
type field struct {
	index    int
	name     string
	required bool
	ignore   bool
}

var fieldCache sync.Map // reflect.Type -> []field

func fieldsOf(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	var out []field
	for i := range t.NumField() {
		tag, ok := t.Field(i).Tag.Lookup("ec2")
		if !ok {
			continue
		}
		name, opt, _ := strings.Cut(tag, ",")
		out = append(out, field{index: i, name: name, required: opt == "required", ignore: opt == "ignore"})
	}
	fieldCache.Store(t, out)
	return out
}

func decodeStruct(n *node, v reflect.Value) error {
	if n.hasValue && n.path != "" {
		return unknown(n.path)
	}
	// Unknown parameters are refused before missing ones, so that a
	// misspelt parameter is named rather than the one it was meant to be.
	fields, used := fieldsOf(v.Type()), 0
	for _, f := range fields {
		if _, ok := n.children[f.name]; ok {
			used++
		}
	}
	if used < len(n.children) {
		return unknown(firstUnused(n, v.Type()))
	}
	for _, f := range fields {
		c, ok := n.children[f.name]
		if !ok {
			if f.required {
				return missing(joinPath(n.path, f.name))
			}
			continue
		}
		if f.ignore {
			continue
		}
		if err := decodeValue(c, v.Field(f.index)); err != nil {
			return err
		}
	}
	return nil
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// firstUnused names the first parameter (in sorted order) under n that no
// field of t takes, so that the refusal names the same one every time.
func firstUnused(n *node, t reflect.Type) string {
	known := map[string]bool{}
	for _, f := range fieldsOf(t) {
		known[f.name] = true
	}
	var names []string
	for seg := range n.children {
		if !known[seg] {
			names = append(names, seg)
		}
	}
	sort.Strings(names)
	return leaf(n.children[names[0]])
}

// leaf returns the name of some parameter at or under n: the one a client
// sent, rather than a prefix of it.
func leaf(n *node) string {
	for !n.hasValue && len(n.children) > 0 {
		keys := make([]string, 0, len(n.children))
		for k := range n.children {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		n = n.children[keys[0]]
	}
	return n.path
}

func decodeValue(n *node, v reflect.Value) error {
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if err := decodeValue(n, elem.Elem()); err != nil {
			return err
		}
		v.Set(elem)
		return nil
	case reflect.Struct:
		return decodeStruct(n, v)
	case reflect.Slice:
		return decodeList(n, v)
	}
	if !n.hasValue || len(n.children) > 0 {
		return unknown(leaf(firstChild(n)))
	}
	return decodeScalar(n, v)
}

// firstChild is n's first child in sorted order, or n when it has none.
func firstChild(n *node) *node {
	if len(n.children) == 0 {
		return n
	}
	keys := make([]string, 0, len(n.children))
	for k := range n.children {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return n.children[keys[0]]
}

func decodeScalar(n *node, v reflect.Value) error {
	switch v.Kind() {
	case reflect.String:
		// No member of the model takes a NUL byte or bytes that are not
		// UTF-8: refused here, once, they reach no domain and no store
		// (PostgreSQL's text refuses both).
		if !utf8.ValidString(n.value) {
			return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value for parameter %s is invalid: it is not valid UTF-8", clip(n.path))
		}
		if strings.ContainsRune(n.value, 0) {
			return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value for parameter %s is invalid: it holds a NUL character", clip(n.path))
		}
		v.SetString(n.value)
	case reflect.Bool:
		switch strings.ToLower(n.value) {
		case "true":
			v.SetBool(true)
		case "false":
			v.SetBool(false)
		default:
			return invalidValue(n, "a boolean (true or false)")
		}
	case reflect.Int64:
		i, err := strconv.ParseInt(strings.TrimSpace(n.value), 10, 64)
		if err != nil {
			return invalidValue(n, "an integer")
		}
		v.SetInt(i)
	default:
		return fault.New(fault.Internal, "ec2: cannot decode parameter %s into %s", n.path, v.Type())
	}
	return nil
}

// decodeList reads the members Name.1, Name.2, ... in index order; an index
// may be skipped, as the SDKs never do but hand-written requests may.
func decodeList(n *node, v reflect.Value) error {
	if n.hasValue {
		return unknown(n.path)
	}
	type member struct {
		index int
		node  *node
	}
	members := make([]member, 0, len(n.children))
	for seg, c := range n.children {
		i, err := strconv.Atoi(seg)
		if err != nil || i < 1 || i > maxIndex || strconv.Itoa(i) != seg {
			return unknown(leaf(c))
		}
		members = append(members, member{i, c})
	}
	sort.Slice(members, func(a, b int) bool { return members[a].index < members[b].index })
	out := reflect.MakeSlice(v.Type(), len(members), len(members))
	for i, m := range members {
		if err := decodeValue(m.node, out.Index(i)); err != nil {
			return err
		}
	}
	v.Set(out)
	return nil
}

func unknown(name string) error {
	return fault.Coded(fault.Invalid, "UnknownParameter", "The parameter %s is not recognized", clip(name))
}

func missing(name string) error {
	return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter %s", name)
}

func invalidValue(n *node, want string) error {
	return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter %s is invalid. Expected %s.", clip(n.value), clip(n.path), want)
}

// clip shortens what a client sent before it is echoed in a message.
func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

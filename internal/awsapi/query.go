package awsapi

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/tollgate/tollgate/internal/fault"
)

// maxListIndex bounds the N in "Name.N" members; EC2 accepts no more.
const maxListIndex = 1000

// Params are the parameters of an AWS Query request, with helpers for the
// flattened list encoding ("ImageId.1", "Filter.1.Value.2").
type Params struct{ values url.Values }

// ParseQuery reads Query parameters from a form-encoded body, or from the
// URL's query string when the body is empty.
func ParseQuery(rawQuery string, body []byte) (Params, error) {
	src := string(body)
	if len(body) == 0 {
		src = rawQuery
	}
	values, err := url.ParseQuery(src)
	if err != nil {
		// Keep what did parse: the Version still tells which service's
		// error format to answer in.
		return Params{values: values}, fault.Coded(fault.Invalid, "MalformedQueryString", "the request's parameters are not valid form encoding: %v", err)
	}
	return Params{values: values}, nil
}

// NewParams wraps values; for tests and for building sub-structures.
func NewParams(values url.Values) Params { return Params{values: values} }

// Get returns the first value of name, or "".
func (p Params) Get(name string) string { return p.values.Get(name) }

// Has reports whether name is present.
func (p Params) Has(name string) bool { return p.values.Has(name) }

// Names returns every parameter name, sorted.
func (p Params) Names() []string {
	names := make([]string, 0, len(p.values))
	for k := range p.values {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Int returns name as an integer, or def when absent.
func (p Params) Int(name string, def int64) (int64, error) {
	v := p.values.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter %s is invalid. Expected an integer.", truncate(v), name)
	}
	return n, nil
}

// List returns the values of prefix.1, prefix.2, ... ordered by index.
func (p Params) List(prefix string) ([]string, error) {
	type member struct {
		index int
		value string
	}
	var members []member
	for k, vs := range p.values {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok || strings.Contains(rest, ".") {
			continue
		}
		i, err := listIndex(prefix, rest)
		if err != nil {
			return nil, err
		}
		members = append(members, member{i, vs[0]})
	}
	sort.Slice(members, func(a, b int) bool { return members[a].index < members[b].index })
	out := make([]string, len(members))
	for i, m := range members {
		out[i] = m.value
	}
	return out, nil
}

// Members returns the structures prefix.1.*, prefix.2.*, ... as Params
// holding the names after "prefix.N.", ordered by index.
func (p Params) Members(prefix string) ([]Params, error) {
	groups := map[int]url.Values{}
	for k, vs := range p.values {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		idx, field, ok := strings.Cut(rest, ".")
		if !ok || field == "" {
			continue
		}
		i, err := listIndex(prefix, idx)
		if err != nil {
			return nil, err
		}
		if groups[i] == nil {
			groups[i] = url.Values{}
		}
		groups[i][field] = vs
	}
	indexes := make([]int, 0, len(groups))
	for i := range groups {
		indexes = append(indexes, i)
	}
	sort.Ints(indexes)
	out := make([]Params, len(indexes))
	for n, i := range indexes {
		out[n] = Params{values: groups[i]}
	}
	return out, nil
}

func listIndex(prefix, s string) (int, error) {
	i, err := strconv.Atoi(s)
	if err != nil || i < 1 || i > maxListIndex {
		return 0, fault.Coded(fault.Invalid, "InvalidParameterValue", "invalid list index %q in parameter %s: want 1 to %d", truncate(s), prefix, maxListIndex)
	}
	return i, nil
}

func truncate(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

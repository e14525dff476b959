package compute

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
)

// Bounds of DescribeInstanceTypes, EC2's: a page holds 5 to 100 types, 100
// when the request does not say, and a request names at most 100.
const (
	MinTypeResults     = 5
	MaxTypeResults     = 100
	MaxTypesNamed      = 100
	DefaultTypeResults = MaxTypeResults
)

// typeFilters are the DescribeInstanceTypes filters Tollgate knows, each
// with the values it reads of a catalogued type (a type matches when one
// of them matches): those the AWS CLI's users filter on that the
// operator's catalogue answers. A type whose catalogue entry does not say
// what a filter asks matches none of its values.
var typeFilters = map[string]func(catalog.InstanceType) []string{
	"instance-type":                         func(t catalog.InstanceType) []string { return []string{t.Name} },
	"vcpu-info.default-vcpus":               func(t catalog.InstanceType) []string { return []string{strconv.Itoa(t.VCPUs)} },
	"memory-info.size-in-mib":               func(t catalog.InstanceType) []string { return []string{strconv.Itoa(t.MemoryMiB)} },
	"processor-info.supported-architecture": func(t catalog.InstanceType) []string { return t.Architectures },
	"current-generation": func(t catalog.InstanceType) []string {
		if t.CurrentGeneration == nil {
			return nil
		}
		return []string{strconv.FormatBool(*t.CurrentGeneration)}
	},
}

// TypeFilterNames are the names of the DescribeInstanceTypes filters.
func TypeFilterNames() []string {
	names := make([]string, 0, len(typeFilters))
	for n := range typeFilters {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// DescribeTypesInput selects instance types of the operator's catalogue.
type DescribeTypesInput struct {
	// Names, when given, are the only types listed; each must be
	// catalogued.
	Names      []string
	Filters    []filter.Filter
	MaxResults int64 // 0: DefaultTypeResults
	NextToken  string
}

// Validate checks everything that needs no store.
func (in DescribeTypesInput) Validate() error {
	if len(in.Names) > MaxTypesNamed {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The request names %d instance types; at most %d are allowed", len(in.Names), MaxTypesNamed)
	}
	if in.MaxResults != 0 && (in.MaxResults < MinTypeResults || in.MaxResults > MaxTypeResults) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%d) for parameter maxResults is invalid. Expect a number between %d and %d.", in.MaxResults, MinTypeResults, MaxTypeResults)
	}
	if _, err := decodeTypeToken(in.NextToken); err != nil {
		return err
	}
	return filter.Check(in.Filters, func(name string) bool { _, ok := typeFilters[name]; return ok })
}

// TypesPage is one page of instance types.
type TypesPage struct {
	Types     []catalog.InstanceType
	NextToken string
}

// The pagination token is the last type of a page, base64-encoded so that
// clients treat it as opaque.
func encodeTypeToken(name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("instance-type:" + name))
}

func decodeTypeToken(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	name, ok := strings.CutPrefix(string(b), "instance-type:")
	if err != nil || !ok || !catalog.ValidInstanceTypeName(name) {
		return "", fault.Coded(fault.Invalid, "InvalidPaginationToken", "The pagination token %q is invalid", clip(token))
	}
	return name, nil
}

// DescribeTypes lists the operator's catalogue of instance types, in its
// order, as far as in selects. Naming a type the catalogue does not hold
// is InvalidInstanceType.
func (s *Service) DescribeTypes(ctx context.Context, in DescribeTypesInput) (p TypesPage, err error) {
	defer fault.Annotate(&err, "compute: describe instance types")
	if err := in.Validate(); err != nil {
		return TypesPage{}, err
	}
	types, err := s.catalog.InstanceTypes(ctx)
	if err != nil {
		return TypesPage{}, err
	}
	if err := unknownTypes(in.Names, types); err != nil {
		return TypesPage{}, err
	}
	after, _ := decodeTypeToken(in.NextToken)
	start := 0
	if after != "" {
		i := slices.IndexFunc(types, func(t catalog.InstanceType) bool { return t.Name == after })
		if i < 0 {
			return TypesPage{}, fault.Coded(fault.Invalid, "InvalidPaginationToken", "The pagination token %q is invalid: the catalogue has changed", clip(in.NextToken))
		}
		start = i + 1
	}
	limit := int(in.MaxResults)
	if limit == 0 {
		limit = DefaultTypeResults
	}
	for _, t := range types[start:] {
		if !typeSelected(t, in) {
			continue
		}
		if len(p.Types) == limit {
			p.NextToken = encodeTypeToken(p.Types[limit-1].Name)
			break
		}
		p.Types = append(p.Types, t)
	}
	return p, nil
}

// unknownTypes refuses the names the catalogue does not hold, naming them
// all.
func unknownTypes(names []string, types []catalog.InstanceType) error {
	var out []string
	for _, n := range names {
		if !slices.ContainsFunc(types, func(t catalog.InstanceType) bool { return t.Name == n }) && !slices.Contains(out, n) {
			out = append(out, clip(n))
		}
	}
	if len(out) > 0 {
		return fault.Coded(fault.Invalid, "InvalidInstanceType", "The following supplied instance types do not exist: [%s]", strings.Join(out, ", "))
	}
	return nil
}

func typeSelected(t catalog.InstanceType, in DescribeTypesInput) bool {
	if len(in.Names) > 0 && !slices.Contains(in.Names, t.Name) {
		return false
	}
	for _, f := range in.Filters {
		if !slices.ContainsFunc(typeFilters[f.Name](t), func(v string) bool { return filter.MatchAny(f.Values, v) }) {
			return false
		}
	}
	return true
}

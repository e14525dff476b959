package tag

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/paging"
)

// Resolver tells whether caller may tag the resource id (one of the ID
// prefix it is registered for): nil if so, the domain's not-found error
// (InvalidAMIID.NotFound, ...) if caller may not see it. It returns the
// resource's type.
type Resolver func(ctx context.Context, caller, id string) (ResourceType, error)

// Service is tags.
type Service struct {
	store     Store
	resolvers map[string]Resolver // by ID prefix: "ami", "i", ...
}

// NewService returns the tag service; resolvers are keyed by the ID
// prefix of the resources they resolve ("ami" for ami-...).
func NewService(store Store, resolvers map[string]Resolver) *Service {
	return &Service{store: store, resolvers: resolvers}
}

// CheckTags checks tags to be put on a resource: keys of 1 to 128
// characters not starting with "aws:", values of at most 256, no key
// twice. Launches check their tag specifications with it too.
func CheckTags(tags []Tag) error {
	if len(tags) > MaxPerResource {
		return fault.Coded(fault.LimitExceeded, "TagLimitExceeded", "The request gives %d tags; a resource may have at most %d", len(tags), MaxPerResource)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if err := checkKey(t.Key); err != nil {
			return err
		}
		if strings.HasPrefix(t.Key, "aws:") {
			return fault.Coded(fault.Invalid, "InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use")
		}
		if !utf8.ValidString(t.Value) || utf8.RuneCountInString(t.Value) > MaxValueLength {
			return fault.Coded(fault.Invalid, "InvalidParameterValue", "Tag value for key %q exceeds the maximum length of %d characters or is not valid UTF-8", clip(t.Key), MaxValueLength)
		}
		if seen[t.Key] {
			return fault.Coded(fault.Invalid, "InvalidParameterValue", "Duplicate tag key %q", clip(t.Key))
		}
		seen[t.Key] = true
	}
	return nil
}

func checkKey(key string) error {
	if key == "" || !utf8.ValidString(key) || utf8.RuneCountInString(key) > MaxKeyLength {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Tag key %q must be 1 to %d characters of valid UTF-8", clip(key), MaxKeyLength)
	}
	return nil
}

// CreateInput tags resources.
type CreateInput struct {
	Resources []string
	Tags      []Tag
}

// Validate checks everything that needs no store.
func (in CreateInput) Validate() error {
	if err := checkResources(in.Resources); err != nil {
		return err
	}
	if len(in.Tags) == 0 {
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter Tag")
	}
	return CheckTags(in.Tags)
}

func checkResources(ids []string) error {
	switch {
	case len(ids) == 0:
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter ResourceId")
	case len(ids) > MaxResources:
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The request names %d resources; at most %d are allowed", len(ids), MaxResources)
	}
	return nil
}

// Create puts tags on resources caller may see, replacing the values of
// keys they have; all or none.
func (s *Service) Create(ctx context.Context, caller string, in CreateInput) (err error) {
	defer fault.Annotate(&err, "tag: create")
	if err := in.Validate(); err != nil {
		return err
	}
	types, err := s.resolve(ctx, caller, in.Resources)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		for i, id := range in.Resources {
			keys, err := tx.Keys(caller, id)
			if err != nil {
				return err
			}
			if n := len(union(keys, in.Tags)); n > MaxPerResource {
				return fault.Coded(fault.LimitExceeded, "TagLimitExceeded", "The maximum number of tags for resource %s (%d) would be exceeded", id, MaxPerResource)
			}
			if err := tx.Put(caller, id, types[i], in.Tags); err != nil {
				return err
			}
		}
		return nil
	})
}

// union returns the keys of keys and tags together.
func union(keys []string, tags []Tag) []string {
	out := slices.Clone(keys)
	for _, t := range tags {
		if !slices.Contains(out, t.Key) {
			out = append(out, t.Key)
		}
	}
	return out
}

// resolve finds the type of each resource, refusing one caller may not
// see or whose ID names no taggable type.
func (s *Service) resolve(ctx context.Context, caller string, ids []string) ([]ResourceType, error) {
	out := make([]ResourceType, len(ids))
	for i, id := range ids {
		prefix, _, _ := strings.Cut(id, "-")
		r, ok := s.resolvers[prefix]
		if !ok {
			return nil, fault.Coded(fault.Invalid, "InvalidID", "The ID '%s' is not valid", clip(id))
		}
		t, err := r(ctx, caller, id)
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

// DeleteTag names a tag to delete: by key, and with Value non-nil only if
// it has that value.
type DeleteTag struct {
	Key   string
	Value *string
}

// DeleteInput deletes tags from resources.
type DeleteInput struct {
	Resources []string
	// Tags are the tags to delete; none deletes all of caller's tags on
	// the resources.
	Tags []DeleteTag
}

// Validate checks everything that needs no store.
func (in DeleteInput) Validate() error {
	if err := checkResources(in.Resources); err != nil {
		return err
	}
	for _, t := range in.Tags {
		if err := checkKey(t.Key); err != nil {
			return err
		}
	}
	return nil
}

// Delete deletes caller's tags from resources caller may see.
func (s *Service) Delete(ctx context.Context, caller string, in DeleteInput) (err error) {
	defer fault.Annotate(&err, "tag: delete")
	if err := in.Validate(); err != nil {
		return err
	}
	if _, err := s.resolve(ctx, caller, in.Resources); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		for _, id := range in.Resources {
			if len(in.Tags) == 0 {
				if err := tx.DeleteAll(caller, id); err != nil {
					return err
				}
			}
			for _, t := range in.Tags {
				if err := tx.Delete(caller, id, t.Key, t.Value); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// OfResources returns caller's tags on the resources, by resource.
func (s *Service) OfResources(ctx context.Context, caller string, ids []string) (map[string][]Tag, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	tagged, err := s.store.OfResources(ctx, caller, ids)
	if err != nil {
		return nil, err
	}
	out := map[string][]Tag{}
	for _, t := range tagged {
		out[t.ResourceID] = append(out[t.ResourceID], t.Tag)
	}
	return out, nil
}

// FilterNames are the DescribeTags filters, besides tag:<key>.
var FilterNames = []string{"key", "value", "resource-id", "resource-type"}

// DescribeInput selects tags.
type DescribeInput struct {
	Filters    []filter.Filter
	MaxResults int64 // 0: everything at once
	NextToken  string
}

// Validate checks everything that needs no store.
func (in DescribeInput) Validate() error {
	if in.MaxResults != 0 && (in.MaxResults < MinListResults || in.MaxResults > MaxListResults) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%d) for parameter maxResults is invalid. Expect a number between %d and %d.", in.MaxResults, MinListResults, MaxListResults)
	}
	if _, _, err := decodeToken(in.NextToken); err != nil {
		return err
	}
	return filter.Check(in.Filters, filter.NamedOrTag(FilterNames))
}

// Page is one page of tags.
type Page struct {
	Tags      []Tagged
	NextToken string
}

// Describe lists caller's tags.
func (s *Service) Describe(ctx context.Context, caller string, in DescribeInput) (p Page, err error) {
	defer fault.Annotate(&err, "tag: describe")
	if err := in.Validate(); err != nil {
		return Page{}, err
	}
	q := Query{Filters: in.Filters, Limit: int(in.MaxResults)}
	q.AfterResource, q.AfterKey, _ = decodeToken(in.NextToken)
	q.Limit = paging.Limit(q.Limit)
	tags, err := s.store.List(ctx, caller, q)
	if err != nil {
		return Page{}, err
	}
	tags, more := paging.Cut(tags, int(in.MaxResults))
	if more {
		last := tags[len(tags)-1]
		p.NextToken = encodeToken(last.ResourceID, last.Key)
	}
	p.Tags = tags
	return p, nil
}

// The pagination token is the last tag of a page, base64-encoded so that
// clients treat it as opaque.
func encodeToken(resource, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("tag:" + resource + "\x00" + key))
}

func decodeToken(token string) (resource, key string, err error) {
	if token == "" {
		return "", "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	rest, ok := strings.CutPrefix(string(b), "tag:")
	resource, key, found := strings.Cut(rest, "\x00")
	if err != nil || !ok || !found || resource == "" || key == "" {
		return "", "", fault.Coded(fault.Invalid, "InvalidPaginationToken", "The pagination token %q is invalid", clip(token))
	}
	return resource, key, nil
}

func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

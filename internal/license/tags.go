package license

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/fault"
)

// Tags: TagResource, UntagResource and ListTagsForResource on the
// resources Tollgate's License Manager has, licenses and grants, by their
// issuer or grantor. Tags are kept, within AWS's usual tagging limits
// (limits.go), which the License Manager model leaves unsaid.

// Tag is a key and a value attached to a resource.
type Tag struct {
	Key   string
	Value string
}

// TagResourceInput is the TagResource request.
type TagResourceInput struct {
	ResourceArn string
	Tags        []Tag
}

// Validate checks the request: its strings as every request's are; then,
// as the model names no constraints, AWS's usual tagging rules (see
// limits.go), refused as the model's InvalidParameterValueException, the
// one error it lists for bad input.
func (in *TagResourceInput) Validate() error {
	if err := resourceArn(in, in.ResourceArn); err != nil {
		return err
	}
	if len(in.Tags) == 0 || len(in.Tags) > maxTagsPerResource {
		return errInvalidParameter("Tags must hold between 1 and %d tags", maxTagsPerResource)
	}
	seen := map[string]bool{}
	for _, t := range in.Tags {
		if err := tagKey(t.Key); err != nil {
			return err
		}
		if utf8.RuneCountInString(t.Value) > maxTagValueLength {
			return errInvalidParameter("the value of tag %q is longer than %d characters", clip(t.Key), maxTagValueLength)
		}
		if seen[t.Key] {
			return errInvalidParameter("tag key %q is given twice", clip(t.Key))
		}
		seen[t.Key] = true
	}
	return nil
}

// resourceArn checks every string of in, and the resource's ARN, as every
// request's are (ValidationException).
func resourceArn(in any, arnValue string) error {
	p := problems(in)
	arn(p, "resourceArn", arnValue, true)
	return p.Err()
}

func tagKey(key string) error {
	if n := utf8.RuneCountInString(key); n == 0 || n > maxTagKeyLength {
		return errInvalidParameter("tag key %q must be between 1 and %d characters", clip(key), maxTagKeyLength)
	}
	if strings.HasPrefix(strings.ToLower(key), "aws:") {
		return errInvalidParameter("tag key %q begins with aws:, which is reserved", clip(key))
	}
	return nil
}

// TagResource adds tags to a license the caller issued or a grant it gave,
// replacing the values of keys it has.
func (s *Service) TagResource(ctx context.Context, caller string, in TagResourceInput) (struct{}, error) {
	if err := in.Validate(); err != nil {
		return struct{}{}, err
	}
	err := s.store.Update(ctx, func(tx Tx) error {
		if err := taggable(tx, caller, in.ResourceArn); err != nil {
			return err
		}
		have, err := tx.Tags(in.ResourceArn)
		if err != nil {
			return err
		}
		added := 0
		for _, t := range in.Tags {
			if !slices.ContainsFunc(have, func(h Tag) bool { return h.Key == t.Key }) {
				added++
			}
		}
		if len(have)+added > maxTagsPerResource {
			return errInvalidParameter("resource %s has %d tags; %d more would pass the %d a resource may have", in.ResourceArn, len(have), added, maxTagsPerResource)
		}
		for _, t := range in.Tags {
			if err := tx.PutTag(in.ResourceArn, t); err != nil {
				return err
			}
		}
		return nil
	})
	return struct{}{}, err
}

// UntagResourceInput is the UntagResource request.
type UntagResourceInput struct {
	ResourceArn string
	TagKeys     []string
}

// Validate checks the request.
func (in *UntagResourceInput) Validate() error {
	if err := resourceArn(in, in.ResourceArn); err != nil {
		return err
	}
	if len(in.TagKeys) == 0 || len(in.TagKeys) > maxTagsPerResource {
		return errInvalidParameter("TagKeys must hold between 1 and %d keys", maxTagsPerResource)
	}
	return nil
}

// UntagResource removes tags by key; keys the resource lacks are ignored.
func (s *Service) UntagResource(ctx context.Context, caller string, in UntagResourceInput) (struct{}, error) {
	if err := in.Validate(); err != nil {
		return struct{}{}, err
	}
	err := s.store.Update(ctx, func(tx Tx) error {
		if err := taggable(tx, caller, in.ResourceArn); err != nil {
			return err
		}
		for _, k := range in.TagKeys {
			if err := tx.DeleteTag(in.ResourceArn, k); err != nil {
				return err
			}
		}
		return nil
	})
	return struct{}{}, err
}

// ListTagsForResourceInput is the ListTagsForResource request.
type ListTagsForResourceInput struct {
	ResourceArn string
}

// Validate checks the request.
func (in *ListTagsForResourceInput) Validate() error { return resourceArn(in, in.ResourceArn) }

// ListTagsForResourceOutput is its response: the tags, by key.
type ListTagsForResourceOutput struct {
	Tags []Tag
}

// ListTagsForResource lists the tags of a license the caller issued or a
// grant it gave.
func (s *Service) ListTagsForResource(ctx context.Context, caller string, in ListTagsForResourceInput) (ListTagsForResourceOutput, error) {
	if err := in.Validate(); err != nil {
		return ListTagsForResourceOutput{}, err
	}
	if err := s.ownsResource(ctx, caller, in.ResourceArn); err != nil {
		return ListTagsForResourceOutput{}, err
	}
	tags, err := s.store.Tags(ctx, in.ResourceArn)
	if tags == nil {
		tags = []Tag{}
	}
	return ListTagsForResourceOutput{Tags: tags}, err
}

// taggable refuses a resource that is not a license the caller issued or a
// grant it gave.
func taggable(tx Tx, caller, arn string) error {
	return resourceOwner(caller, arn, func() (string, error) {
		l, err := tx.License(arn)
		return l.Owner, err
	}, func() (string, error) {
		g, err := tx.Grant(arn)
		return g.Grantor, err
	})
}

// ownsResource is taggable outside a transaction.
func (s *Service) ownsResource(ctx context.Context, caller, arn string) error {
	return resourceOwner(caller, arn, func() (string, error) {
		l, err := s.store.GetLicense(ctx, arn, "")
		return l.Owner, err
	}, func() (string, error) {
		g, err := s.store.GetGrant(ctx, arn, "")
		return g.Grantor, err
	})
}

// resourceOwner reads the owner of a license or a grant, by the kind its
// ARN names, and refuses it unless it is caller.
func resourceOwner(caller, arn string, licenseOwner, grantor func() (string, error)) error {
	read := licenseOwner
	switch {
	case strings.Contains(arn, ":grant:"):
		read = grantor
	case !strings.Contains(arn, ":license:"):
		return errInvalidParameter("resource %s is not a license or a grant: Tollgate tags those only", clip(arn))
	}
	owner, err := read()
	if err != nil && !fault.Is(err, fault.NotFound) {
		return err
	}
	if err != nil || owner != caller {
		return errInvalidParameter("resource %s does not exist or is not your account's to tag", clip(arn))
	}
	return nil
}

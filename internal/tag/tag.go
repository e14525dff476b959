// Package tag is tags on EC2 resources (images, instances): key-value
// labels an account puts on resources it may see, and the listing of them.
// Each account's tags on a resource are its own, as on AWS, where the tags
// an account puts on a shared image are visible only to that account; so
// tagging another owner's image changes nothing the owner sees.
package tag

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/internal/filter"
)

// Tag is one key and value.
type Tag struct {
	Key   string
	Value string
}

// Tagged is a tag on a resource.
type Tagged struct {
	ResourceID   string
	ResourceType ResourceType
	Tag
}

// ResourceType names the type of a tagged resource, as EC2 does.
type ResourceType string

// The resource types that may be tagged.
const (
	Image    ResourceType = "image"
	Instance ResourceType = "instance"
	Volume   ResourceType = "volume"
	Snapshot ResourceType = "snapshot"
	// ImportImageTask is an ImportImage task.
	ImportImageTask ResourceType = "import-image-task"
)

// Limits, EC2's.
const (
	MaxKeyLength   = 128
	MaxValueLength = 256
	// MaxPerResource is the most tags one account may put on a resource.
	MaxPerResource = 50
	// MaxResources is the most resources one call may tag.
	MaxResources = 1000
	// MinListResults and MaxListResults bound DescribeTags' MaxResults.
	MinListResults = 5
	MaxListResults = 1000
)

// Store is what tags need from storage.
type Store interface {
	// Update runs fn in one transaction, durable when it returns nil.
	Update(ctx context.Context, fn func(Tx) error) error
	// OfResources returns account's tags on the resources, ordered by
	// resource and key.
	OfResources(ctx context.Context, account string, ids []string) ([]Tagged, error)
	// List returns account's tags that q selects, ordered by resource and
	// key.
	List(ctx context.Context, account string, q Query) ([]Tagged, error)
}

// Query selects tags for List.
type Query struct {
	// Filters are checked filters (FilterNames).
	Filters []filter.Filter
	// AfterResource and AfterKey are the last tag of the previous page.
	AfterResource, AfterKey string
	Limit                   int
}

// Tx is a write transaction.
type Tx interface {
	Now() time.Time
	// Put sets account's tags on a resource, replacing the values of keys
	// it has.
	Put(account, resourceID string, typ ResourceType, tags []Tag) error
	// Keys returns the keys of account's tags on a resource.
	Keys(account, resourceID string) ([]string, error)
	// Delete deletes account's tag key on a resource; with value non-nil,
	// only if the tag has that value.
	Delete(account, resourceID, key string, value *string) error
	// DeleteAll deletes account's tags on a resource.
	DeleteAll(account, resourceID string) error
}

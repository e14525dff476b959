package ec2

import (
	"maps"
	"slices"
)

// OperationNames are the operations the service serves, read from the
// same table the router is built from, so that a test that checks each
// has been exercised counts every operation as soon as it is served.
func OperationNames() []string {
	// The handlers are built over no services: none is called here, and
	// building a handler only keeps what it is given.
	return slices.Sorted(maps.Keys(operations(Deps{})))
}

package licensemanager

import "reflect"

// RequestType is the wire shape of op's request, or nil for an operation
// the service does not have.
func RequestType(op string) reflect.Type {
	o, ok := operations(nil)[op] // the handlers are not called
	if !ok {
		return nil
	}
	return o.request
}

package awsapi

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/tollgate/tollgate/internal/fault"
)

// DecodeJSON decodes a JSON 1.1 request body into v. An empty body is an
// empty object. Malformed JSON and values of the wrong type are
// SerializationExceptions, as AWS reports them.
func DecodeJSON(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil
	}
	if trimmed[0] != '{' {
		return fault.Coded(fault.Invalid, "SerializationException", "the request body must be a JSON object")
	}
	err := json.Unmarshal(trimmed, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fault.Coded(fault.Invalid, "SerializationException", "value of field %q must be of type %s, not %s", typeErr.Field, jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value)
	}
	return fault.Coded(fault.Invalid, "SerializationException", "the request body is not valid JSON: %v", err)
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "slice", "array":
		return "list"
	case "struct", "map":
		return "structure"
	case "bool":
		return "boolean"
	default:
		return "number"
	}
}

package awsapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode"

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
		return typeError(typeErr)
	}
	return fault.Coded(fault.Invalid, "SerializationException", "the request body is not valid JSON: %v", err)
}

// typeError says which member of the request has a value of the wrong
// type, or a number its member cannot hold (too large, or not whole).
func typeError(typeErr *json.UnmarshalTypeError) error {
	field, want := wireField(typeErr.Field), jsonTypeName(typeErr.Type.Kind().String())
	if number, ok := strings.CutPrefix(typeErr.Value, "number "); ok && want == "number" {
		return fault.Coded(fault.Invalid, "SerializationException", "value of field %q must be a whole number in the range of its type, not %s", field, number)
	}
	return fault.Coded(fault.Invalid, "SerializationException", "value of field %q must be of type %s, not %s", field, want, typeErr.Value)
}

// wireField is a decoding error's field path as the client wrote it: the
// names of the Go structs a request embeds (lower case, as the members of
// AWS's JSON protocols never are) are not part of the request.
func wireField(path string) string {
	parts := strings.Split(path, ".")
	kept := parts[:0]
	for _, part := range parts {
		if part != "" && unicode.IsLower(rune(part[0])) {
			continue
		}
		kept = append(kept, part)
	}
	return strings.Join(kept, ".")
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

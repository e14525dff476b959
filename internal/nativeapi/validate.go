package nativeapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/tollgate/tollgate/internal/fault"
)

// bodyValidator checks request bodies against the OpenAPI document's own
// request schemas, reporting every wrong type and unknown field at once
// with its path as the client wrote it. huma's validator would do the same
// but for one thing: it names a field by joining keys with dots and pops
// them at the last dot, so that a map key with a dot in it, which every
// instance type has (m5.large), garbles the names of the fields reported
// after it. Validating against the document also keeps what is checked
// exactly what is documented.
type bodyValidator struct {
	schemas map[string]*jsonschema.Schema // by the route's "METHOD /path" pattern
}

const validatorDocURL = "mem:///openapi.json"

// newBodyValidator compiles the request schema of every operation of doc
// that takes a JSON body.
func newBodyValidator(doc *huma.OpenAPI) (*bodyValidator, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020) // OpenAPI 3.1's dialect
	c.AssertFormat()                     // date-times are checked, as documented
	if err := c.AddResource(validatorDocURL, inst); err != nil {
		return nil, err
	}
	v := &bodyValidator{schemas: map[string]*jsonschema.Schema{}}
	for path, item := range doc.Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put,
			"PATCH": item.Patch, "DELETE": item.Delete} {
			if op == nil || op.RequestBody == nil || op.RequestBody.Content["application/json"] == nil {
				continue
			}
			ptr := "/paths/" + escapePointer(path) + "/" + strings.ToLower(method) + "/requestBody/content/application~1json/schema"
			s, err := c.Compile(validatorDocURL + "#" + strings.NewReplacer("{", "%7B", "}", "%7D").Replace(ptr))
			if err != nil {
				return nil, fmt.Errorf("compiling the request schema of %s %s: %w", method, path, err)
			}
			v.schemas[method+" "+path] = s
		}
	}
	return v, nil
}

func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// check validates body, sent with contentType, for the route pattern. A
// body that is not JSON is left to huma, which answers 415.
func (v *bodyValidator) check(pattern, contentType string, body []byte) error {
	s := v.schemas[pattern]
	if s == nil || len(body) == 0 || !isJSON(contentType) {
		return nil
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return &malformedJSON{err: err}
	}
	err = s.Validate(inst)
	var ve *jsonschema.ValidationError
	if err == nil || !errors.As(err, &ve) {
		return err
	}
	var fields []fault.FieldError
	for _, leaf := range leaves(ve) {
		fields = append(fields, fieldErrors(leaf, inst)...)
	}
	slices.SortStableFunc(fields, func(a, b fault.FieldError) int { return cmp.Compare(a.Field, b.Field) })
	if len(fields) == 0 { // a schema failure with no leaf to name: say what the validator said
		fields = []fault.FieldError{{Code: "invalid", Message: ve.Error()}}
	}
	return fault.InvalidFields(fields)
}

// isJSON reports whether a content type is JSON (or unset, which huma
// reads as JSON).
func isJSON(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// malformedJSON is a body that does not parse as JSON.
type malformedJSON struct{ err error }

func (e *malformedJSON) Error() string { return e.err.Error() }

// leaves returns the errors at the bottom of a validation error's tree:
// the ones that name a broken rule.
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

var printer = message.NewPrinter(language.English)

// fieldErrors converts one broken rule into the fields it is about.
func fieldErrors(e *jsonschema.ValidationError, inst any) []fault.FieldError {
	at := fieldPath(e.InstanceLocation, inst)
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		var out []fault.FieldError
		for _, p := range k.Properties {
			out = append(out, fault.FieldError{Field: joinField(at, p), Code: "unknown_field",
				Message: "is not a field of this request; check its spelling and case"})
		}
		return out
	case *kind.Required:
		var out []fault.FieldError
		for _, p := range k.Missing {
			out = append(out, fault.FieldError{Field: joinField(at, p), Code: "required", Message: "is required"})
		}
		return out
	case *kind.Type:
		return []fault.FieldError{{Field: at, Code: "wrong_type",
			Message: fmt.Sprintf("must be %s, not %s", article(strings.Join(k.Want, " or ")), article(k.Got))}}
	case *kind.Pattern: // said without the value, which may be long
		return []fault.FieldError{{Field: at, Code: "bad_format", Message: "must match the pattern " + k.Want}}
	case *kind.Format:
		return []fault.FieldError{{Field: at, Code: "bad_format", Message: "must be " + article(k.Want)}}
	}
	return []fault.FieldError{{Field: at, Code: ruleCode(e.ErrorKind), Message: e.ErrorKind.LocalizedString(printer)}}
}

// ruleCode names the rules other than type, required and unknown fields.
func ruleCode(k jsonschema.ErrorKind) string {
	switch k.(type) {
	case *kind.Enum, *kind.Const:
		return "not_allowed"
	case *kind.Minimum, *kind.Maximum, *kind.ExclusiveMinimum, *kind.ExclusiveMaximum, *kind.MultipleOf:
		return "out_of_range"
	case *kind.MinLength, *kind.MaxLength, *kind.MinItems, *kind.MaxItems, *kind.MinProperties, *kind.MaxProperties:
		return "wrong_length"
	case *kind.Format, *kind.Pattern:
		return "bad_format"
	}
	return "invalid"
}

// article puts "a" or "an" before a JSON type's name.
func article(t string) string {
	switch t {
	case "object", "array", "integer":
		return "an " + t
	case "null":
		return t
	}
	return "a " + t
}

// fieldPath writes an instance location as the client wrote the field:
// dotted names and map keys, [i] for list items.
func fieldPath(loc []string, inst any) string {
	var b strings.Builder
	cur := inst
	for _, seg := range loc {
		switch v := cur.(type) {
		case []any:
			b.WriteString("[" + seg + "]")
			if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(v) {
				cur = v[i]
			} else {
				cur = nil
			}
		case map[string]any:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(seg)
			cur = v[seg]
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(seg)
			cur = nil
		}
	}
	return b.String()
}

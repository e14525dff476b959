package awsapi_test

import (
	"testing"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
)

type listPart struct {
	MaxResults *int32
}

type decodeTarget struct {
	listPart
	Name  string
	Items []struct{ Value int64 }
}

// TestDecodeJSONTypeErrors: a value of the wrong type, or a number its
// member cannot hold, is a SerializationException that names the member as
// the client wrote it, never the server's own types.
func TestDecodeJSONTypeErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"MaxResults": 18446744073709551617}`, `value of field "MaxResults" must be a whole number in the range of its type, not 18446744073709551617`},
		{`{"MaxResults": 1.5}`, `value of field "MaxResults" must be a whole number in the range of its type, not 1.5`},
		{`{"MaxResults": "ten"}`, `value of field "MaxResults" must be of type number, not string`},
		{`{"Items": [{"Value": 1e400}]}`, `value of field "Items.Value" must be a whole number in the range of its type, not 1e400`},
		{`{"Name": 3}`, `value of field "Name" must be of type string, not number`},
	}
	for _, tt := range tests {
		var v decodeTarget
		err := awsapi.DecodeJSON([]byte(tt.body), &v)
		f := fault.As(err)
		if f == nil || f.Code != "SerializationException" || f.Message != tt.want {
			t.Errorf("%s: %v, want SerializationException %q", tt.body, err, tt.want)
		}
	}
}

package ec2

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
)

// sampleRequest has every kind of member the decoder reads, nested as
// RunInstances and ModifyImageAttribute nest them.
type sampleRequest struct {
	ImageIDs    []string             `ec2:"ImageId"`
	Name        string               `ec2:"Name,required"`
	MaxCount    int64                `ec2:"MaxCount"`
	MaxResults  *int64               `ec2:"MaxResults"`
	Public      *bool                `ec2:"Public"`
	DryRun      bool                 `ec2:"DryRun"`
	Filters     []filterRequest      `ec2:"Filter"`
	Permission  *sampleModifications `ec2:"LaunchPermission"`
	Description *sampleValue         `ec2:"Description"`
	Mappings    []sampleMapping      `ec2:"BlockDeviceMapping"`
	Specs       []sampleTagSpec      `ec2:"TagSpecification"`
	Interfaces  struct{}             `ec2:"NetworkInterface,ignore"`
}

type sampleModifications struct {
	Add    []samplePermission `ec2:"Add"`
	Remove []samplePermission `ec2:"Remove"`
}

type samplePermission struct {
	UserID string `ec2:"UserId"`
	Group  string `ec2:"Group"`
}

type sampleValue struct {
	Value string `ec2:"Value"`
}

type sampleMapping struct {
	DeviceName string     `ec2:"DeviceName"`
	Ebs        *sampleEbs `ec2:"Ebs"`
}

type sampleEbs struct {
	SnapshotID string `ec2:"SnapshotId"`
	VolumeSize *int64 `ec2:"VolumeSize"`
}

type sampleTagSpec struct {
	ResourceType string      `ec2:"ResourceType"`
	Tags         []sampleTag `ec2:"Tag"`
}

type sampleTag struct {
	Key   string `ec2:"Key"`
	Value string `ec2:"Value"`
}

func params(kv ...string) awsapi.Params {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return awsapi.NewParams(v)
}

func ptr[T any](v T) *T { return &v }

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params awsapi.Params
		want   sampleRequest
	}{
		{"Scalars", params("Action", "X", "Version", "2016-11-15", "Name", "n", "MaxCount", " 7 ", "MaxResults", "-1", "Public", "TRUE", "DryRun", "false"),
			sampleRequest{Name: "n", MaxCount: 7, MaxResults: ptr[int64](-1), Public: ptr(true)}},
		{"ListInIndexOrder", params("Name", "n", "ImageId.10", "c", "ImageId.2", "b", "ImageId.1", "a"),
			sampleRequest{Name: "n", ImageIDs: []string{"a", "b", "c"}}},
		{"ListWithGaps", params("Name", "n", "ImageId.3", "b", "ImageId.1", "a"),
			sampleRequest{Name: "n", ImageIDs: []string{"a", "b"}}},
		{"Filters", params("Name", "n", "Filter.1.Name", "product-code", "Filter.1.Value.1", "x", "Filter.1.Value.2", "y", "Filter.2.Name", "state"),
			sampleRequest{Name: "n", Filters: []filterRequest{{Name: "product-code", Values: []string{"x", "y"}}, {Name: "state"}}}},
		{"Nested", params("Name", "n", "LaunchPermission.Add.1.UserId", "111122223333", "LaunchPermission.Remove.1.Group", "all",
			"Description.Value", "d", "BlockDeviceMapping.1.DeviceName", "/dev/xvda", "BlockDeviceMapping.1.Ebs.SnapshotId", "snap-1",
			"BlockDeviceMapping.1.Ebs.VolumeSize", "8", "TagSpecification.1.ResourceType", "instance",
			"TagSpecification.1.Tag.1.Key", "k", "TagSpecification.1.Tag.1.Value", ""),
			sampleRequest{Name: "n",
				Permission:  &sampleModifications{Add: []samplePermission{{UserID: "111122223333"}}, Remove: []samplePermission{{Group: "all"}}},
				Description: &sampleValue{Value: "d"},
				Mappings:    []sampleMapping{{DeviceName: "/dev/xvda", Ebs: &sampleEbs{SnapshotID: "snap-1", VolumeSize: ptr[int64](8)}}},
				Specs:       []sampleTagSpec{{ResourceType: "instance", Tags: []sampleTag{{Key: "k"}}}}}},
		{"EmptyStructure", params("Name", "n", "Description.Value", ""), sampleRequest{Name: "n", Description: &sampleValue{}}},
		{"Ignored", params("Name", "n", "NetworkInterface.1.Groups.SecurityGroupId.1", "sg-1", "NetworkInterface", "x"), sampleRequest{Name: "n"}},
		{"QueryAuthentication", params("Name", "n", "X-Amz-Algorithm", "AWS4-HMAC-SHA256", "X-Amz-Signature", "00"), sampleRequest{Name: "n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got sampleRequest
			if err := decode(tc.params, &got); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeRefusals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		params  awsapi.Params
		code    string
		message string
	}{
		{"Missing", params("MaxCount", "1"), "MissingParameter", "The request must contain the parameter Name"},
		{"Unknown", params("Name", "n", "Colour", "blue"), "UnknownParameter", "The parameter Colour is not recognized"},
		{"UnknownNamesTheFirstInOrder", params("Name", "n", "Zeta", "1", "Alpha.Beta", "2"), "UnknownParameter", "The parameter Alpha.Beta is not recognized"},
		{"UnknownNested", params("Name", "n", "LaunchPermission.Add.1.Account", "1"), "UnknownParameter", "The parameter LaunchPermission.Add.1.Account is not recognized"},
		{"ScalarWithMembers", params("Name", "n", "MaxCount.1", "1"), "UnknownParameter", "The parameter MaxCount.1 is not recognized"},
		{"ScalarWithValueAndMembers", params("Name", "n", "MaxCount", "1", "MaxCount.1", "1"), "UnknownParameter", "The parameter MaxCount.1 is not recognized"},
		{"ListAsScalar", params("Name", "n", "ImageId", "ami-1"), "UnknownParameter", "The parameter ImageId is not recognized"},
		{"StructureAsScalar", params("Name", "n", "LaunchPermission", "x"), "UnknownParameter", "The parameter LaunchPermission is not recognized"},
		{"IndexZero", params("Name", "n", "ImageId.0", "a"), "UnknownParameter", "The parameter ImageId.0 is not recognized"},
		{"IndexLeadingZero", params("Name", "n", "ImageId.01", "a"), "UnknownParameter", "The parameter ImageId.01 is not recognized"},
		{"IndexTooLarge", params("Name", "n", "ImageId.1001", "a"), "UnknownParameter", "The parameter ImageId.1001 is not recognized"},
		{"IndexNotANumber", params("Name", "n", "Filter.x.Name", "a"), "UnknownParameter", "The parameter Filter.x.Name is not recognized"},
		{"EmptySegment", params("Name", "n", "ImageId..1", "a"), "UnknownParameter", "The parameter ImageId..1 is not recognized"},
		{"BadInteger", params("Name", "n", "MaxCount", "1e3"), "InvalidParameterValue", "Value (1e3) for parameter MaxCount is invalid. Expected an integer."},
		{"IntegerOverflow", params("Name", "n", "MaxResults", "9223372036854775808"), "InvalidParameterValue",
			"Value (9223372036854775808) for parameter MaxResults is invalid. Expected an integer."},
		{"BadBoolean", params("Name", "n", "Public", "1"), "InvalidParameterValue", "Value (1) for parameter Public is invalid. Expected a boolean (true or false)."},
		{"NestedBadInteger", params("Name", "n", "BlockDeviceMapping.1.Ebs.VolumeSize", "big"), "InvalidParameterValue",
			"Value (big) for parameter BlockDeviceMapping.1.Ebs.VolumeSize is invalid. Expected an integer."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got sampleRequest
			err := decode(tc.params, &got)
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Kind != fault.Invalid || fe.Code != tc.code || fe.Message != tc.message {
				t.Fatalf("got %v, want %s: %s", err, tc.code, tc.message)
			}
		})
	}
}

// FuzzDecode feeds the decoder arbitrary parameters. It must never panic
// and never fail with anything but a client error of a code the decoder
// names; what it decodes must encode back to parameters that decode to
// the same request.
func FuzzDecode(f *testing.F) {
	f.Add("Name=n&ImageId.1=ami-1&ImageId.2=ami-2&MaxCount=3")
	f.Add("Name=n&Filter.1.Name=product-code&Filter.1.Value.1=abc&Filter.1.Value.2=def&Filter.2.Name=state&Filter.2.Value.1=available")
	f.Add("Name=n&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=v")
	f.Add("Name=n&LaunchPermission.Add.1.UserId=111122223333&LaunchPermission.Remove.1.Group=all&Description.Value=x")
	f.Add("Name=n&BlockDeviceMapping.1.DeviceName=/dev/xvda&BlockDeviceMapping.1.Ebs.SnapshotId=snap-1&BlockDeviceMapping.1.Ebs.VolumeSize=8")
	f.Add("ImageId.0=a&ImageId.1001=b&ImageId.x=c&ImageId.-1=d&ImageId.1.2=e&ImageId.=f")
	f.Add("Name=n&Filter.1=a&Filter.1.=b&Filter..Value=c&Filter.99999999999999999999.Name=d")
	f.Add("Name=n&MaxResults=9223372036854775808&Public=maybe&DryRun=TRUE")
	f.Add("Name=%E2%9C%93&Description.Value=%00%FF&.=x&Name.=y")
	f.Fuzz(func(t *testing.T, raw string) {
		values, err := url.ParseQuery(raw)
		if err != nil {
			return // the router refuses it before any decoder
		}
		var req sampleRequest
		err = decode(awsapi.NewParams(values), &req)
		if err != nil {
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Kind != fault.Invalid || fe.Message == "" {
				t.Fatalf("decode failed with %T %v, want a client error", err, err)
			}
			switch fe.Code {
			case "UnknownParameter", "MissingParameter", "InvalidParameterValue":
			default:
				t.Fatalf("decode failed with code %q: %v", fe.Code, err)
			}
			return
		}
		again := url.Values{}
		encode(again, "", reflect.ValueOf(req))
		var req2 sampleRequest
		if err := decode(awsapi.NewParams(again), &req2); err != nil {
			t.Fatalf("decoding our own encoding %v of %+v: %v", again, req, err)
		}
		if diff := cmp.Diff(req, req2); diff != "" {
			t.Fatalf("round trip changed the request (-first +second):\n%s", diff)
		}
	})
}

// encode writes v as the SDKs would: the test's inverse of decode.
func encode(out url.Values, name string, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			encode(out, name, v.Elem())
		}
	case reflect.Struct:
		for _, f := range fieldsOf(v.Type()) {
			encode(out, joinPath(name, f.name), v.Field(f.index))
		}
		if v.NumField() > 0 && name != "" && allEmpty(out, name) {
			// An empty structure (a present pointer with nothing set)
			// cannot be written; the round trip compares it as absent.
			return
		}
	case reflect.Slice:
		for i := range v.Len() {
			encode(out, name+"."+strconv.Itoa(i+1), v.Index(i))
		}
	case reflect.String:
		out.Set(name, v.String())
	case reflect.Bool:
		if v.Bool() || name != "DryRun" {
			out.Set(name, strconv.FormatBool(v.Bool()))
		}
	case reflect.Int64:
		out.Set(name, strconv.FormatInt(v.Int(), 10))
	default:
		panic(fmt.Sprintf("encode: %s", v.Type()))
	}
}

func allEmpty(out url.Values, prefix string) bool {
	for k := range out {
		if len(k) > len(prefix) && k[:len(prefix)+1] == prefix+"." {
			return false
		}
	}
	return true
}

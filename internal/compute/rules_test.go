package compute

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/tag"
)

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	switch {
	case code == "" && err != nil:
		t.Fatalf("got %v, want no error", err)
	case code != "" && (err == nil || fault.As(err).Code != code):
		t.Fatalf("got %v, want %s", err, code)
	case err != nil && fault.KindOf(err) == fault.Internal:
		t.Fatalf("got an internal error %v", err)
	}
}

func TestRunInput(t *testing.T) {
	ok := RunInput{ImageID: "ami-12345678", InstanceType: "m5.large", MinCount: 1, MaxCount: 1}
	with := func(f func(*RunInput)) RunInput { in := ok; f(&in); return in }
	for _, tc := range []struct {
		name string
		in   RunInput
		code string
	}{
		{"Fine", ok, ""},
		{"Range", with(func(in *RunInput) { in.MinCount, in.MaxCount = 2, 100 }), ""},
		{"MoreThanALaunchButMinFits", with(func(in *RunInput) { in.MaxCount = 1000 }), ""},
		{"NoImage", with(func(in *RunInput) { in.ImageID = "" }), "MissingParameter"},
		{"MalformedImage", with(func(in *RunInput) { in.ImageID = "ami-1" }), "InvalidAMIID.Malformed"},
		{"ZeroMin", with(func(in *RunInput) { in.MinCount = 0 }), "InvalidParameterValue"},
		{"NegativeMax", with(func(in *RunInput) { in.MaxCount = -1 }), "InvalidParameterValue"},
		{"MaxBelowMin", with(func(in *RunInput) { in.MinCount, in.MaxCount = 3, 2 }), "InvalidParameterValue"},
		{"MinTooMany", with(func(in *RunInput) { in.MinCount, in.MaxCount = MaxLaunch+1, MaxLaunch+1 }), "InstanceLimitExceeded"},
		{"LongToken", with(func(in *RunInput) { in.ClientToken = strings.Repeat("t", MaxClientToken+1) }), "InvalidParameterValue"},
		{"LongKey", with(func(in *RunInput) { in.KeyName = strings.Repeat("k", MaxKeyNameLength+1) }), "InvalidParameterValue"},
		{"Tags", with(func(in *RunInput) { in.InstanceTags = []tag.Tag{{Key: "aws:x"}} }), "InvalidParameterValue"},
		{"VolumeTags", with(func(in *RunInput) { in.VolumeTags = []tag.Tag{{Key: ""}} }), "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.in.Validate(), tc.code) })
	}
	if n := with(func(in *RunInput) { in.MaxCount = 1000 }).count(); n != MaxLaunch {
		t.Errorf("count of MaxCount 1000 = %d, want %d", n, MaxLaunch)
	}
}

func TestDescribeInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   DescribeInput
		code string
	}{
		{"Empty", DescribeInput{}, ""},
		{"IDs", DescribeInput{IDs: []string{"i-12345678", "i-0123456789abcdef0"}}, ""},
		{"Malformed", DescribeInput{IDs: []string{"i-123"}}, "InvalidInstanceID.Malformed"},
		{"TooMany", DescribeInput{IDs: make([]string, MaxIDs+1)}, "InvalidParameterValue"},
		{"IDsAndMax", DescribeInput{IDs: []string{"i-12345678"}, MaxResults: 5}, "InvalidParameterCombination"},
		{"Max", DescribeInput{MaxResults: 1001}, "InvalidParameterValue"},
		{"Token", DescribeInput{NextToken: "bad"}, "InvalidPaginationToken"},
		{"GoodToken", DescribeInput{NextToken: encodeToken("r-1", "i-12345678")}, ""},
		{"Filters", DescribeInput{Filters: []filter.Filter{{Name: "tag:Name", Values: []string{"x"}}, {Name: "instance-state-name", Values: []string{"running"}}}}, ""},
		{"UnknownFilter", DescribeInput{Filters: []filter.Filter{{Name: "vpc-id", Values: []string{"x"}}}}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.in.Validate(), tc.code) })
	}
	r, id, err := decodeToken(encodeToken("r-0123456789abcdef0", "i-0123456789abcdef0"))
	if err != nil || r != "r-0123456789abcdef0" || id != "i-0123456789abcdef0" {
		t.Errorf("token round trip: %q %q %v", r, id, err)
	}
}

func TestStateCodes(t *testing.T) {
	got := map[State]int{}
	for _, s := range States {
		got[s] = s.Code()
	}
	want := map[State]int{Pending: 0, Running: 16, ShuttingDown: 32, Terminated: 48, Stopping: 64, Stopped: 80}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPlacement(t *testing.T) {
	p := Placement{Regions: DefaultRegions}
	var names []string
	for _, z := range p.Zones("ap-southeast-2") {
		names = append(names, z.Name+" "+z.ID)
	}
	if diff := cmp.Diff([]string{"ap-southeast-2a apse2-az1", "ap-southeast-2b apse2-az2", "ap-southeast-2c apse2-az3"}, names); diff != "" {
		t.Errorf("zones (-want +got):\n%s", diff)
	}
	for region, short := range map[string]string{"us-east-1": "use1", "eu-central-1": "euc1", "ap-northeast-3": "apne3", "ap-south-1": "aps1", "eu-north-1": "eun1"} {
		if got := shortRegion(region); got != short {
			t.Errorf("shortRegion(%s) = %s, want %s", region, got, short)
		}
	}
	if p.Zones("mars-1") != nil {
		t.Errorf("zones of a region not offered")
	}
	if z, ok := p.ZoneOf("eu-west-1b"); !ok || z.Region != "eu-west-1" {
		t.Errorf("ZoneOf(eu-west-1b) = %+v, %v", z, ok)
	}
	if _, ok := p.ZoneOf("eu-west-1z"); ok {
		t.Errorf("ZoneOf(eu-west-1z) found a zone")
	}
}

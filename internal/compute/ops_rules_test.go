package compute

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/filter"
)

func TestModifyInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   ModifyInput
		code string
	}{
		{"InstanceType", ModifyInput{AttrInstanceType, "m5.large"}, ""},
		{"InstanceTypeWithoutValue", ModifyInput{AttrInstanceType, ""}, "MissingParameter"},
		{"NoAttribute", ModifyInput{"", "x"}, "MissingParameter"},
		{"Unknown", ModifyInput{"colour", "blue"}, "InvalidParameterValue"},
		{"ProductCodes", ModifyInput{AttrProductCodes, "abc"}, "UnsupportedOperation"},
		{"RootDevice", ModifyInput{AttrRootDeviceName, "/dev/sda1"}, "UnsupportedOperation"},
		{"ProtectionOn", ModifyInput{AttrDisableAPITermination, "true"}, "UnsupportedOperation"},
		{"ProtectionOffAsItIs", ModifyInput{AttrDisableAPITermination, "false"}, ""},
		{"ShutdownStopsAsItDoes", ModifyInput{AttrShutdownBehavior, "stop"}, ""},
		{"ShutdownTerminates", ModifyInput{AttrShutdownBehavior, "terminate"}, "UnsupportedOperation"},
		{"UserData", ModifyInput{AttrUserData, "aGVsbG8="}, "UnsupportedOperation"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.in.Validate(), tc.code) })
	}
}

func TestStatusFilters(t *testing.T) {
	running := filter.Filter{Name: "instance-state-name", Values: []string{"running"}}
	for _, tc := range []struct {
		name  string
		in    StatusInput
		want  []filter.Filter
		match bool
	}{
		{"RunningByDefault", StatusInput{}, []filter.Filter{running}, true},
		{"All", StatusInput{IncludeAll: true}, []filter.Filter{}, true},
		{"OK", StatusInput{IncludeAll: true, Filters: []filter.Filter{{Name: "system-status.status", Values: []string{"ok"}}}},
			[]filter.Filter{running}, true},
		{"NotApplicable", StatusInput{IncludeAll: true, Filters: []filter.Filter{{Name: "instance-status.status", Values: []string{"not-applicable"}}}},
			[]filter.Filter{{Name: "instance-state-name", Values: []string{"pending", "shutting-down", "terminated", "stopping", "stopped"}}}, true},
		{"Impaired", StatusInput{Filters: []filter.Filter{{Name: "instance-status.status", Values: []string{"impaired"}}}}, nil, false},
		{"Unreachable", StatusInput{Filters: []filter.Filter{{Name: "system-status.reachability", Values: []string{"failed"}}}}, nil, false},
		{"ZoneKept", StatusInput{IncludeAll: true, Filters: []filter.Filter{{Name: "availability-zone", Values: []string{"us-east-1a"}}}},
			[]filter.Filter{{Name: "availability-zone", Values: []string{"us-east-1a"}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.in.stateFilters()
			if ok != tc.match {
				t.Fatalf("matches some state: %v, want %v", ok, tc.match)
			}
			if diff := cmp.Diff(tc.want, got); ok && diff != "" {
				t.Errorf("filters (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribeTypesInput(t *testing.T) {
	many := make([]string, MaxTypesNamed+1)
	for _, tc := range []struct {
		name string
		in   DescribeTypesInput
		code string
	}{
		{"Nothing", DescribeTypesInput{}, ""},
		{"Page", DescribeTypesInput{MaxResults: 5, NextToken: encodeTypeToken("m5.large")}, ""},
		{"SmallPage", DescribeTypesInput{MaxResults: 4}, "InvalidParameterValue"},
		{"LargePage", DescribeTypesInput{MaxResults: 101}, "InvalidParameterValue"},
		{"NegativePage", DescribeTypesInput{MaxResults: -5}, "InvalidParameterValue"},
		{"TooManyNamed", DescribeTypesInput{Names: many}, "InvalidParameterValue"},
		{"BadToken", DescribeTypesInput{NextToken: "!!"}, "InvalidPaginationToken"},
		{"UnknownFilter", DescribeTypesInput{Filters: []filter.Filter{{Name: "gpu-info.gpus.count", Values: []string{"1"}}}}, "InvalidParameterValue"},
		{"Filter", DescribeTypesInput{Filters: []filter.Filter{{Name: "vcpu-info.default-vcpus", Values: []string{"2"}}}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.in.Validate(), tc.code) })
	}
}

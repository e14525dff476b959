package compute

import (
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/filter"
)

func TestAssociationInputs(t *testing.T) {
	const inst, assoc = "i-0123456789abcdef0", "iip-assoc-0123456789abcdef0"
	name := ProfileRequest{Name: "app"}
	for _, tc := range []struct {
		name string
		err  error
		code string
	}{
		{"Associate", AssociateInput{InstanceID: inst, Profile: name}.Validate(), ""},
		{"AssociateByARN", AssociateInput{InstanceID: inst, Profile: ProfileRequest{ARN: "arn:aws:iam::111111111111:instance-profile/app"}}.Validate(), ""},
		{"AssociateNoInstance", AssociateInput{Profile: name}.Validate(), "MissingParameter"},
		{"AssociateMalformedInstance", AssociateInput{InstanceID: "i-1", Profile: name}.Validate(), "InvalidInstanceID.Malformed"},
		{"AssociateNoProfile", AssociateInput{InstanceID: inst}.Validate(), "MissingParameter"},
		{"Replace", ReplaceInput{AssociationID: assoc, Profile: name}.Validate(), ""},
		{"ReplaceNoAssociation", ReplaceInput{Profile: name}.Validate(), "MissingParameter"},
		{"ReplaceShortAssociation", ReplaceInput{AssociationID: "iip-assoc-01234567", Profile: name}.Validate(), "InvalidParameterValue"},
		{"ReplaceUppercaseAssociation", ReplaceInput{AssociationID: strings.ToUpper(assoc), Profile: name}.Validate(), "InvalidParameterValue"},
		{"ReplaceNoProfile", ReplaceInput{AssociationID: assoc}.Validate(), "MissingParameter"},
		{"Describe", DescribeAssociationsInput{IDs: []string{assoc}, MaxResults: 5,
			Filters: []filter.Filter{{Name: "instance-id", Values: []string{inst}}, {Name: "state", Values: []string{"associated"}}}}.Validate(), ""},
		{"DescribeMalformedID", DescribeAssociationsInput{IDs: []string{"iip-assoc-x"}}.Validate(), "InvalidParameterValue"},
		{"DescribeTooManyIDs", DescribeAssociationsInput{IDs: make([]string, MaxIDs+1)}.Validate(), "InvalidParameterValue"},
		{"DescribeSmallPage", DescribeAssociationsInput{MaxResults: 4}.Validate(), "InvalidParameterValue"},
		{"DescribeLargePage", DescribeAssociationsInput{MaxResults: 1001}.Validate(), "InvalidParameterValue"},
		{"DescribeUnknownFilter", DescribeAssociationsInput{Filters: []filter.Filter{{Name: "instance-state-name", Values: []string{"running"}}}}.Validate(), "InvalidParameterValue"},
		{"DescribeBadToken", DescribeAssociationsInput{NextToken: "nonsense"}.Validate(), "InvalidPaginationToken"},
		{"DescribeInstanceToken", DescribeAssociationsInput{NextToken: encodeToken("r-0123456789abcdef0", inst)}.Validate(), "InvalidPaginationToken"},
		{"DescribeToken", DescribeAssociationsInput{NextToken: encodeAssociationToken(assoc)}.Validate(), ""},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.err, tc.code) })
	}
}

func TestAssociationStateFilter(t *testing.T) {
	state := func(values ...string) DescribeAssociationsInput {
		return DescribeAssociationsInput{Filters: []filter.Filter{{Name: "state", Values: values}}}
	}
	for _, tc := range []struct {
		name  string
		in    DescribeAssociationsInput
		shown bool
	}{
		{"None", DescribeAssociationsInput{}, true},
		{"Associated", state("associated"), true},
		{"Wildcard", state("*ssociated"), true},
		{"Associating", state("associating"), false},
		{"Disassociated", state("disassociated", "disassociating"), false},
		{"Either", state("disassociated", "associated"), true},
		{"BothFilters", DescribeAssociationsInput{Filters: []filter.Filter{{Name: "state", Values: []string{"associated"}},
			{Name: "state", Values: []string{"associating"}}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.in.shown(); got != tc.shown {
				t.Errorf("shown = %v, want %v", got, tc.shown)
			}
		})
	}
}

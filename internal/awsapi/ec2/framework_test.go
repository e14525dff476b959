package ec2_test

import (
	"encoding/xml"
	"net/http"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
)

var (
	_ = sdk("Placement", testPlacement)
	_ = sdk("Envelope", testEnvelope)
)

func testPlacement(t *testing.T, be backend) {
	e := newEnv(t, be)
	p := e.party("buyer")

	t.Run("AllRegions", func(t *testing.T) {
		out, err := p.EC2.DescribeRegions(e.ctx, &ec2.DescribeRegionsInput{})
		noErr(t, err)
		if len(out.Regions) < 10 {
			t.Fatalf("got %d regions, want the default list", len(out.Regions))
		}
		r := out.Regions[0]
		if aws.ToString(r.RegionName) != "us-east-1" || aws.ToString(r.OptInStatus) != "opt-in-not-required" || aws.ToString(r.Endpoint) == "" {
			t.Errorf("first region %+v", r)
		}
	})
	t.Run("Narrowed", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			in   *ec2.DescribeRegionsInput
			want []string
		}{
			{"ByName", &ec2.DescribeRegionsInput{RegionNames: []string{"eu-west-1", "us-west-2"}}, []string{"us-west-2", "eu-west-1"}},
			{"Wildcard", &ec2.DescribeRegionsInput{Filters: []types.Filter{{Name: aws.String("region-name"), Values: []string{"us-west-?", "ca-*"}}}},
				[]string{"us-west-1", "us-west-2", "ca-central-1"}},
			{"NameAndFilter", &ec2.DescribeRegionsInput{RegionNames: []string{"eu-west-1", "us-west-2"},
				Filters: []types.Filter{{Name: aws.String("region-name"), Values: []string{"eu-*"}}}}, []string{"eu-west-1"}},
			{"NoMatch", &ec2.DescribeRegionsInput{Filters: []types.Filter{{Name: aws.String("opt-in-status"), Values: []string{"opted-in"}}}}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out, err := p.EC2.DescribeRegions(e.ctx, tc.in)
				noErr(t, err)
				var got []string
				for _, r := range out.Regions {
					got = append(got, aws.ToString(r.RegionName))
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("regions (-want +got):\n%s", diff)
				}
			})
		}
	})
	t.Run("Refused", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			in   *ec2.DescribeRegionsInput
		}{
			{"UnknownRegion", &ec2.DescribeRegionsInput{RegionNames: []string{"mars-north-1"}}},
			{"UnknownFilter", &ec2.DescribeRegionsInput{Filters: []types.Filter{{Name: aws.String("colour"), Values: []string{"blue"}}}}},
			{"FilterWithoutValues", &ec2.DescribeRegionsInput{Filters: []types.Filter{{Name: aws.String("region-name")}}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := p.EC2.DescribeRegions(e.ctx, tc.in)
				wantCode(t, err, "InvalidParameterValue")
			})
		}
	})
	t.Run("Zones", func(t *testing.T) {
		out, err := p.EC2.DescribeAvailabilityZones(e.ctx, &ec2.DescribeAvailabilityZonesInput{})
		noErr(t, err)
		var got []string
		for _, z := range out.AvailabilityZones {
			got = append(got, aws.ToString(z.ZoneName)+" "+aws.ToString(z.ZoneId)+" "+string(z.State)+" "+aws.ToString(z.RegionName))
		}
		want := []string{"us-east-1a use1-az1 available us-east-1", "us-east-1b use1-az2 available us-east-1", "us-east-1c use1-az3 available us-east-1"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("zones (-want +got):\n%s", diff)
		}
		out, err = p.EC2.DescribeAvailabilityZones(e.ctx, &ec2.DescribeAvailabilityZonesInput{ZoneIds: []string{"use1-az2"}})
		noErr(t, err)
		if len(out.AvailabilityZones) != 1 || aws.ToString(out.AvailabilityZones[0].ZoneName) != "us-east-1b" {
			t.Errorf("by ID: %+v", out.AvailabilityZones)
		}
		_, err = p.EC2.DescribeAvailabilityZones(e.ctx, &ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"us-east-1z"}})
		wantCode(t, err, "InvalidParameterValue")
	})
}

// requestIDPattern is the form of request IDs: a UUID.
var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func testEnvelope(t *testing.T, be backend) {
	e := newEnv(t, be)
	p := e.party("buyer")

	t.Run("Success", func(t *testing.T) {
		r := e.raw(p, form("DescribeRegions", "RegionName.1", "us-east-1"))
		if r.Status != http.StatusOK {
			t.Fatalf("HTTP %d: %s", r.Status, r.Body)
		}
		var doc struct {
			XMLName   xml.Name
			RequestID string `xml:"requestId"`
		}
		if err := xml.Unmarshal(r.Body, &doc); err != nil {
			t.Fatalf("%v: %s", err, r.Body)
		}
		want := xml.Name{Space: "http://ec2.amazonaws.com/doc/2016-11-15/", Local: "DescribeRegionsResponse"}
		if doc.XMLName != want || !requestIDPattern.MatchString(doc.RequestID) {
			t.Errorf("root %v, requestId %q; want %v and a UUID", doc.XMLName, doc.RequestID, want)
		}
	})
	for _, tc := range []struct {
		name   string
		params []string
		action string
		code   string
	}{
		{"UnknownAction", nil, "LaunchRocket", "InvalidAction"},
		{"UnknownParameter", []string{"RegionNames.1", "us-east-1"}, "DescribeRegions", "UnknownParameter"},
		{"UnknownMember", []string{"Filter.1.Nam", "region-name"}, "DescribeRegions", "UnknownParameter"},
		{"ListIndexZero", []string{"RegionName.0", "us-east-1"}, "DescribeRegions", "UnknownParameter"},
		{"ListAsScalar", []string{"RegionName", "us-east-1"}, "DescribeRegions", "UnknownParameter"},
		{"BadBoolean", []string{"AllRegions", "yes"}, "DescribeRegions", "InvalidParameterValue"},
		{"FilterWithoutName", []string{"Filter.1.Value.1", "x"}, "DescribeRegions", "InvalidParameterValue"},
		{"DryRun", []string{"DryRun", "true"}, "DescribeRegions", "DryRunOperation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.raw(p, form(tc.action, tc.params...))
			if r.Status != http.StatusBadRequest || r.Code != tc.code || !requestIDPattern.MatchString(r.RequestID) {
				t.Errorf("HTTP %d, code %s (%s), RequestID %q; want 400, %s and a RequestID", r.Status, r.Code, r.Message, r.RequestID, tc.code)
			}
		})
	}
	t.Run("UnknownKey", func(t *testing.T) {
		_, err := e.client("AKIAUNKNOWNKEY000000", "secretsecretsecretsecretsecretsecret0000").DescribeRegions(e.ctx, &ec2.DescribeRegionsInput{})
		wantCode(t, err, "AuthFailure")
	})
	t.Run("BadSignature", func(t *testing.T) {
		_, err := e.client(p.Key.ID, "not-the-secret").DescribeRegions(e.ctx, &ec2.DescribeRegionsInput{})
		wantCode(t, err, "SignatureDoesNotMatch")
	})
	t.Run("DryRunThroughTheSDK", func(t *testing.T) {
		_, err := p.EC2.DescribeRegions(e.ctx, &ec2.DescribeRegionsInput{DryRun: aws.Bool(true)})
		wantCode(t, err, "DryRunOperation")
	})
}

package ec2

import (
	"context"
	"net/url"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/filter"
)

type describeRegionsRequest struct {
	RegionNames []string        `ec2:"RegionName"`
	Filters     []filterRequest `ec2:"Filter"`
	AllRegions  bool            `ec2:"AllRegions"`
	DryRun      bool            `ec2:"DryRun"`
}

type regionXML struct {
	RegionName  string `xml:"regionName"`
	Endpoint    string `xml:"regionEndpoint"`
	OptInStatus string `xml:"optInStatus"`
}

type describeRegionsResponse struct {
	Regions items[regionXML] `xml:"regionInfo"`
}

func describeRegions(p compute.Placement) func(context.Context, *awsapi.Call, *describeRegionsRequest) (any, error) {
	return func(_ context.Context, call *awsapi.Call, req *describeRegionsRequest) (any, error) {
		regions, err := p.DescribeRegions(compute.DescribeRegionsInput{Names: req.RegionNames, Filters: filters(req.Filters)})
		if err != nil {
			return nil, err
		}
		host := endpointHost(call.BaseURL)
		out := make([]regionXML, len(regions))
		for i, r := range regions {
			out[i] = regionXML{RegionName: r, Endpoint: host, OptInStatus: compute.OptInNotRequired}
		}
		return describeRegionsResponse{Regions: itemsOf(out)}, nil
	}
}

// endpointHost is the host of the server's base URL: every region is
// served at the address the client reached.
func endpointHost(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Host
}

type describeAvailabilityZonesRequest struct {
	ZoneNames            []string        `ec2:"ZoneName"`
	ZoneIDs              []string        `ec2:"ZoneId"`
	Filters              []filterRequest `ec2:"Filter"`
	AllAvailabilityZones bool            `ec2:"AllAvailabilityZones"`
	DryRun               bool            `ec2:"DryRun"`
}

type zoneXML struct {
	ZoneName           string `xml:"zoneName"`
	ZoneID             string `xml:"zoneId"`
	State              string `xml:"zoneState"`
	OptInStatus        string `xml:"optInStatus"`
	RegionName         string `xml:"regionName"`
	GroupName          string `xml:"groupName"`
	NetworkBorderGroup string `xml:"networkBorderGroup"`
	ZoneType           string `xml:"zoneType"`
	Messages           items[struct {
		Message string `xml:"message"`
	}] `xml:"messageSet"`
}

type describeAvailabilityZonesResponse struct {
	Zones items[zoneXML] `xml:"availabilityZoneInfo"`
}

func describeAvailabilityZones(p compute.Placement) func(context.Context, *awsapi.Call, *describeAvailabilityZonesRequest) (any, error) {
	return func(_ context.Context, call *awsapi.Call, req *describeAvailabilityZonesRequest) (any, error) {
		zones, err := p.DescribeZones(compute.DescribeZonesInput{Region: call.Region, Names: req.ZoneNames, IDs: req.ZoneIDs, Filters: filters(req.Filters)})
		if err != nil {
			return nil, err
		}
		out := make([]zoneXML, len(zones))
		for i, z := range zones {
			out[i] = zoneXML{ZoneName: z.Name, ZoneID: z.ID, State: "available", OptInStatus: compute.OptInNotRequired,
				RegionName: z.Region, GroupName: z.Region, NetworkBorderGroup: z.Region, ZoneType: "availability-zone"}
		}
		return describeAvailabilityZonesResponse{Zones: itemsOf(out)}, nil
	}
}

// filters maps the wire's filters to the domain's.
func filters(in []filterRequest) []filter.Filter {
	out := make([]filter.Filter, len(in))
	for i, f := range in {
		out[i] = filter.Filter{Name: f.Name, Values: f.Values}
	}
	return out
}

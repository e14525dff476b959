package compute

import (
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"slices"
	"strings"
)

// Placement is where instances may run: the regions the platform offers and
// the availability zones of each. Tollgate runs no machines, so a region is
// a name clients sign their requests with and instances are labelled with;
// every region has the same three zones.
type Placement struct {
	// Regions are the offered regions' names, in the order DescribeRegions
	// lists them.
	Regions []string
}

// DefaultRegions are the regions offered unless the operator says
// otherwise: the names of AWS's commercial regions that need no opt-in, so
// that tools with a region configured for AWS work unchanged.
var DefaultRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	"ca-central-1", "sa-east-1",
	"eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
}

// zoneLetters are the suffixes of every region's zones.
var zoneLetters = []string{"a", "b", "c"}

// Zone is an availability zone.
type Zone struct {
	Name   string // "us-east-1a"
	ID     string // "use1-az1": AWS's short form of the region and the zone's number
	Region string
}

// HasRegion reports whether region is offered.
func (p Placement) HasRegion(region string) bool { return slices.Contains(p.Regions, region) }

// Zones returns the zones of region, or none if it is not offered.
func (p Placement) Zones(region string) []Zone {
	if !p.HasRegion(region) {
		return nil
	}
	out := make([]Zone, len(zoneLetters))
	for i, l := range zoneLetters {
		out[i] = Zone{Name: region + l, ID: shortRegion(region) + "-az" + string(rune('1'+i)), Region: region}
	}
	return out
}

// DefaultZone is the zone instances are placed in when the request names
// none: the region's first.
func (p Placement) DefaultZone(region string) string { return region + zoneLetters[0] }

// ZoneOf returns the zone named name in any offered region.
func (p Placement) ZoneOf(name string) (Zone, bool) {
	for _, r := range p.Regions {
		if !strings.HasPrefix(name, r) {
			continue
		}
		for _, z := range p.Zones(r) {
			if z.Name == name {
				return z, true
			}
		}
	}
	return Zone{}, false
}

// shortRegion abbreviates a region as AWS's zone IDs do: the first letters
// of its area and direction and its number ("us-east-1" is "use1",
// "ap-southeast-2" is "apse2").
func shortRegion(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) != 3 {
		return region
	}
	dir := parts[1]
	abbrev := dir[:1]
	for _, d := range []string{"north", "south"} {
		if rest, ok := strings.CutPrefix(dir, d); ok && rest != "" {
			abbrev = d[:1] + rest[:1]
		}
	}
	return parts[0] + abbrev + parts[2]
}

// DescribeRegionsInput narrows DescribeRegions.
type DescribeRegionsInput struct {
	Names   []string
	Filters []filter.Filter
}

// regionFilters are the filters DescribeRegions knows, each with what it
// reads of a region.
var regionFilters = map[string]func(region string) string{
	"region-name":   func(r string) string { return r },
	"opt-in-status": func(string) string { return OptInNotRequired },
}

// OptInNotRequired is every offered region's and zone's opt-in status.
const OptInNotRequired = "opt-in-not-required"

// Validate checks the names and filters.
func (in DescribeRegionsInput) Validate() error {
	return filter.Check(in.Filters, func(n string) bool { _, ok := regionFilters[n]; return ok })
}

// DescribeRegions returns the offered regions that in's names and filters
// select. Naming a region that is not offered is an error, as on AWS.
func (p Placement) DescribeRegions(in DescribeRegionsInput) ([]string, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	for _, n := range in.Names {
		if !p.HasRegion(n) {
			return nil, fault.Coded(fault.Invalid, "InvalidParameterValue", "Invalid region: %s", clip(n))
		}
	}
	var out []string
	for _, r := range p.Regions {
		if len(in.Names) > 0 && !slices.Contains(in.Names, r) {
			continue
		}
		if matches(in.Filters, regionFilters, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// DescribeZonesInput narrows DescribeAvailabilityZones.
type DescribeZonesInput struct {
	Region  string // the region the request was signed for
	Names   []string
	IDs     []string
	Filters []filter.Filter
}

var zoneFilters = map[string]func(z Zone) string{
	"zone-name":            func(z Zone) string { return z.Name },
	"zone-id":              func(z Zone) string { return z.ID },
	"region-name":          func(z Zone) string { return z.Region },
	"state":                func(Zone) string { return "available" },
	"opt-in-status":        func(Zone) string { return OptInNotRequired },
	"zone-type":            func(Zone) string { return "availability-zone" },
	"group-name":           func(z Zone) string { return z.Region },
	"network-border-group": func(z Zone) string { return z.Region },
}

// Validate checks the filters.
func (in DescribeZonesInput) Validate() error {
	return filter.Check(in.Filters, func(n string) bool { _, ok := zoneFilters[n]; return ok })
}

// DescribeZones returns the zones of the request's region that the names,
// IDs and filters select; a name or ID that is not one of them is an error.
func (p Placement) DescribeZones(in DescribeZonesInput) ([]Zone, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	zones := p.Zones(in.Region)
	for _, n := range in.Names {
		if !slices.ContainsFunc(zones, func(z Zone) bool { return z.Name == n }) {
			return nil, fault.Coded(fault.Invalid, "InvalidParameterValue", "The zone '%s' does not exist.", clip(n))
		}
	}
	for _, id := range in.IDs {
		if !slices.ContainsFunc(zones, func(z Zone) bool { return z.ID == id }) {
			return nil, fault.Coded(fault.Invalid, "InvalidParameterValue", "The zone ID '%s' does not exist.", clip(id))
		}
	}
	var out []Zone
	for _, z := range zones {
		if (len(in.Names) > 0 || len(in.IDs) > 0) && !slices.Contains(in.Names, z.Name) && !slices.Contains(in.IDs, z.ID) {
			continue
		}
		if matches(in.Filters, zoneFilters, z) {
			out = append(out, z)
		}
	}
	return out, nil
}

// matches reports whether v passes every filter, reading its fields with
// fields; a filter fields lacks matches nothing.
func matches[T any](filters []filter.Filter, fields map[string]func(T) string, v T) bool {
	for _, f := range filters {
		get, ok := fields[f.Name]
		if !ok || !filter.MatchAny(f.Values, get(v)) {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

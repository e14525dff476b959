package ec2

import (
	"context"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/compute"
)

type describeInstanceStatusRequest struct {
	InstanceIDs             []string        `ec2:"InstanceId"`
	IncludeAllInstances     bool            `ec2:"IncludeAllInstances"`
	Filters                 []filterRequest `ec2:"Filter"`
	MaxResults              int64           `ec2:"MaxResults"`
	NextToken               string          `ec2:"NextToken"`
	IncludeManagedResources bool            `ec2:"IncludeManagedResources"`
	DryRun                  bool            `ec2:"DryRun"`
}

type statusDetailXML struct {
	Name   string `xml:"name"`
	Status string `xml:"status"`
}

type statusSummaryXML struct {
	Status  string                  `xml:"status"`
	Details *items[statusDetailXML] `xml:"details"`
}

type instanceStatusXML struct {
	InstanceID         string           `xml:"instanceId"`
	AvailabilityZone   string           `xml:"availabilityZone"`
	AvailabilityZoneID string           `xml:"availabilityZoneId,omitempty"`
	Events             items[struct{}]  `xml:"eventsSet"`
	InstanceState      instanceStateXML `xml:"instanceState"`
	SystemStatus       statusSummaryXML `xml:"systemStatus"`
	InstanceStatus     statusSummaryXML `xml:"instanceStatus"`
}

type describeInstanceStatusResponse struct {
	InstanceStatuses items[instanceStatusXML] `xml:"instanceStatusSet"`
	NextToken        string                   `xml:"nextToken,omitempty"`
}

func describeInstanceStatus(d Deps) func(context.Context, *awsapi.Call, *describeInstanceStatusRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *describeInstanceStatusRequest) (any, error) {
		page, err := d.Instances.DescribeStatus(ctx, call.Principal.AccountID, compute.StatusInput{IDs: req.InstanceIDs,
			IncludeAll: req.IncludeAllInstances, Filters: filters(req.Filters), MaxResults: req.MaxResults, NextToken: req.NextToken})
		if err != nil {
			return nil, err
		}
		out := describeInstanceStatusResponse{NextToken: page.NextToken, InstanceStatuses: items[instanceStatusXML]{Items: []instanceStatusXML{}}}
		for _, in := range page.Instances {
			out.InstanceStatuses.Items = append(out.InstanceStatuses.Items, instanceStatusXMLOf(d.Placement, in))
		}
		return out, nil
	}
}

// instanceStatusXMLOf writes the status checks of an instance: both with
// the same outcome, and a reachability detail while it runs.
func instanceStatusXMLOf(p compute.Placement, in compute.Instance) instanceStatusXML {
	summary := statusSummaryXML{Status: string(compute.StatusOf(in.State))}
	if in.State == compute.Running {
		summary.Details = &items[statusDetailXML]{Items: []statusDetailXML{{Name: "reachability", Status: compute.Reachability}}}
	}
	out := instanceStatusXML{InstanceID: in.ID, AvailabilityZone: in.Zone, InstanceState: stateXML(in.State),
		SystemStatus: summary, InstanceStatus: summary}
	if z, ok := p.ZoneOf(in.Zone); ok {
		out.AvailabilityZoneID = z.ID
	}
	return out
}

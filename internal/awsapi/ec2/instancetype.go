package ec2

import (
	"context"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/compute"
)

type describeInstanceTypesRequest struct {
	InstanceTypes []string        `ec2:"InstanceType"`
	Filters       []filterRequest `ec2:"Filter"`
	MaxResults    int64           `ec2:"MaxResults"`
	NextToken     string          `ec2:"NextToken"`
	// IncludeUnsupportedInRegion changes nothing: every catalogued type
	// runs in every region.
	IncludeUnsupportedInRegion bool `ec2:"IncludeUnsupportedInRegion"`
	DryRun                     bool `ec2:"DryRun"`
}

// instanceTypeXML is a catalogued instance type: what the operator's
// catalogue holds of it, and nothing it does not.
type instanceTypeXML struct {
	InstanceType      string `xml:"instanceType"`
	CurrentGeneration *bool  `xml:"currentGeneration,omitempty"`
	ProcessorInfo     *struct {
		SupportedArchitectures items[string] `xml:"supportedArchitectures"`
	} `xml:"processorInfo,omitempty"`
	VCPUInfo struct {
		DefaultVCPUs int `xml:"defaultVCpus"`
	} `xml:"vCpuInfo"`
	MemoryInfo struct {
		SizeInMiB int `xml:"sizeInMiB"`
	} `xml:"memoryInfo"`
}

type describeInstanceTypesResponse struct {
	InstanceTypes items[instanceTypeXML] `xml:"instanceTypeSet"`
	NextToken     string                 `xml:"nextToken,omitempty"`
}

func describeInstanceTypes(d Deps) func(context.Context, *awsapi.Call, *describeInstanceTypesRequest) (any, error) {
	return func(ctx context.Context, _ *awsapi.Call, req *describeInstanceTypesRequest) (any, error) {
		page, err := d.Instances.DescribeTypes(ctx, compute.DescribeTypesInput{Names: req.InstanceTypes, Filters: filters(req.Filters),
			MaxResults: req.MaxResults, NextToken: req.NextToken})
		if err != nil {
			return nil, err
		}
		out := describeInstanceTypesResponse{NextToken: page.NextToken, InstanceTypes: items[instanceTypeXML]{Items: []instanceTypeXML{}}}
		for _, t := range page.Types {
			x := instanceTypeXML{InstanceType: t.Name}
			x.VCPUInfo.DefaultVCPUs, x.MemoryInfo.SizeInMiB, x.CurrentGeneration = t.VCPUs, t.MemoryMiB, t.CurrentGeneration
			if len(t.Architectures) > 0 {
				x.ProcessorInfo = &struct {
					SupportedArchitectures items[string] `xml:"supportedArchitectures"`
				}{SupportedArchitectures: itemsOf(t.Architectures)}
			}
			out.InstanceTypes.Items = append(out.InstanceTypes.Items, x)
		}
		return out, nil
	}
}

package nativeapi

import (
	"context"
	"net/http"
)

// InstanceType is one entry of the operator's catalogue of instance types.
type InstanceType struct {
	Name       string `json:"Name" example:"m5.large"`
	VCpus      int    `json:"VCpus"`
	MemoryMiB  int    `json:"MemoryMiB"`
	BaseHourly string `json:"BaseHourly" doc:"The platform's own price per hour for the type, a decimal amount."`
	// Architectures and CurrentGeneration are what EC2's DescribeInstanceTypes
	// says of the type, so that a seller can tell which types run its image.
	Architectures     []string `json:"Architectures" doc:"The processor architectures the type offers (x86_64, arm64, ...), as EC2 names them; empty when the operator does not say."`
	CurrentGeneration *bool    `json:"CurrentGeneration,omitempty" doc:"Whether the type is of the current generation, as EC2 marks types; absent when the operator does not say."`
}

// InstanceTypeList is a page of the catalogue.
type InstanceTypeList struct {
	InstanceTypes []InstanceType `json:"InstanceTypes"`
	NextToken     string         `json:"NextToken,omitempty"`
}

type (
	listInstanceTypesInput struct{ PageParams }
	instanceTypeListOutput struct{ Body InstanceTypeList }
)

func (a *API) registerInstanceTypes() {
	registerOp(a, operation("ListInstanceTypes", http.MethodGet, "/v1/instance-types", "Catalog", http.StatusOK,
		"List the instance types",
		"The operator's catalogue of instance types, which products' instance types and prices must come from."),
		a.listInstanceTypes)
}

func (a *API) listInstanceTypes(ctx context.Context, in *listInstanceTypesInput) (*instanceTypeListOutput, error) {
	if _, err := callerID(ctx); err != nil {
		return nil, err
	}
	types, err := a.cfg.Catalog.InstanceTypes(ctx)
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(types, in.PageParams)
	if err != nil {
		return nil, err
	}
	out := InstanceTypeList{InstanceTypes: []InstanceType{}, NextToken: next}
	for _, t := range page {
		out.InstanceTypes = append(out.InstanceTypes, InstanceType{Name: t.Name, VCpus: t.VCPUs, MemoryMiB: t.MemoryMiB,
			BaseHourly: t.BaseHourly.String(), Architectures: append([]string{}, t.Architectures...), CurrentGeneration: t.CurrentGeneration})
	}
	return &instanceTypeListOutput{Body: out}, nil
}

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
			BaseHourly: t.BaseHourly.String()})
	}
	return &instanceTypeListOutput{Body: out}, nil
}

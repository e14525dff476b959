package ec2

import (
	"context"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/tag"
)

type createTagsRequest struct {
	Resources []string     `ec2:"ResourceId,required"`
	Tags      []tagRequest `ec2:"Tag,required"`
	DryRun    bool         `ec2:"DryRun"`
}

func createTags(d Deps) func(context.Context, *awsapi.Call, *createTagsRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *createTagsRequest) (any, error) {
		err := d.Tags.Create(ctx, call.Principal.AccountID, tag.CreateInput{Resources: req.Resources, Tags: tagsOf(req.Tags)})
		if err != nil {
			return nil, err
		}
		return returnResponse{Return: true}, nil
	}
}

type deleteTagsRequest struct {
	Resources []string     `ec2:"ResourceId,required"`
	Tags      []tagRequest `ec2:"Tag"`
	DryRun    bool         `ec2:"DryRun"`
}

func deleteTags(d Deps) func(context.Context, *awsapi.Call, *deleteTagsRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *deleteTagsRequest) (any, error) {
		in := tag.DeleteInput{Resources: req.Resources}
		for _, t := range req.Tags {
			in.Tags = append(in.Tags, tag.DeleteTag{Key: t.Key, Value: t.Value})
		}
		if err := d.Tags.Delete(ctx, call.Principal.AccountID, in); err != nil {
			return nil, err
		}
		return returnResponse{Return: true}, nil
	}
}

type describeTagsRequest struct {
	Filters    []filterRequest `ec2:"Filter"`
	MaxResults int64           `ec2:"MaxResults"`
	NextToken  string          `ec2:"NextToken"`
	DryRun     bool            `ec2:"DryRun"`
}

type tagDescriptionXML struct {
	ResourceID   string `xml:"resourceId"`
	ResourceType string `xml:"resourceType"`
	Key          string `xml:"key"`
	Value        string `xml:"value"`
}

type describeTagsResponse struct {
	Tags      items[tagDescriptionXML] `xml:"tagSet"`
	NextToken string                   `xml:"nextToken,omitempty"`
}

func describeTags(d Deps) func(context.Context, *awsapi.Call, *describeTagsRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *describeTagsRequest) (any, error) {
		page, err := d.Tags.Describe(ctx, call.Principal.AccountID, tag.DescribeInput{Filters: filters(req.Filters),
			MaxResults: req.MaxResults, NextToken: req.NextToken})
		if err != nil {
			return nil, err
		}
		out := make([]tagDescriptionXML, len(page.Tags))
		for i, t := range page.Tags {
			out[i] = tagDescriptionXML{ResourceID: t.ResourceID, ResourceType: string(t.ResourceType), Key: t.Key, Value: t.Value}
		}
		return describeTagsResponse{Tags: itemsOf(out), NextToken: page.NextToken}, nil
	}
}

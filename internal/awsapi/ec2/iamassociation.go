package ec2

import (
	"context"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/compute"
)

// The IAM instance profile association operations: they change the
// profile of a running or stopped instance, and with it the role whose
// credentials its metadata service serves.

type associateIamInstanceProfileRequest struct {
	IamInstanceProfile *iamInstanceProfileRequest `ec2:"IamInstanceProfile,required"`
	InstanceID         string                     `ec2:"InstanceId,required"`
}

type disassociateIamInstanceProfileRequest struct {
	AssociationID string `ec2:"AssociationId,required"`
}

type replaceIamInstanceProfileAssociationRequest struct {
	AssociationID      string                     `ec2:"AssociationId,required"`
	IamInstanceProfile *iamInstanceProfileRequest `ec2:"IamInstanceProfile,required"`
}

type describeIamInstanceProfileAssociationsRequest struct {
	AssociationIDs []string        `ec2:"AssociationId"`
	Filters        []filterRequest `ec2:"Filter"`
	MaxResults     int64           `ec2:"MaxResults"`
	NextToken      string          `ec2:"NextToken"`
}

type iamInstanceProfileAssociationXML struct {
	AssociationID      string                `xml:"associationId"`
	InstanceID         string                `xml:"instanceId"`
	IamInstanceProfile iamInstanceProfileXML `xml:"iamInstanceProfile"`
	State              string                `xml:"state"`
	Timestamp          string                `xml:"timestamp"`
}

type iamInstanceProfileAssociationResponse struct {
	Association iamInstanceProfileAssociationXML `xml:"iamInstanceProfileAssociation"`
}

type describeIamInstanceProfileAssociationsResponse struct {
	Associations items[iamInstanceProfileAssociationXML] `xml:"iamInstanceProfileAssociationSet"`
	NextToken    string                                  `xml:"nextToken,omitempty"`
}

func associationXMLOf(a compute.Association) iamInstanceProfileAssociationXML {
	return iamInstanceProfileAssociationXML{AssociationID: a.ID, InstanceID: a.InstanceID,
		IamInstanceProfile: iamInstanceProfileXML{Arn: a.Profile.ARN, ID: a.Profile.ID()}, State: string(a.State),
		Timestamp: formatTime(a.At)}
}

// profileRequest maps IamInstanceProfile; absent is no profile, which the
// domain refuses.
func (p *iamInstanceProfileRequest) profileRequest() compute.ProfileRequest {
	if p == nil {
		return compute.ProfileRequest{}
	}
	return compute.ProfileRequest{ARN: p.Arn, Name: p.Name}
}

// association writes one association, or the error that came instead.
func association(a compute.Association, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return iamInstanceProfileAssociationResponse{Association: associationXMLOf(a)}, nil
}

func associateIamInstanceProfile(d Deps) func(context.Context, *awsapi.Call, *associateIamInstanceProfileRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *associateIamInstanceProfileRequest) (any, error) {
		return association(d.Instances.Associate(ctx, call.Principal.AccountID,
			compute.AssociateInput{InstanceID: req.InstanceID, Profile: req.IamInstanceProfile.profileRequest()}))
	}
}

func disassociateIamInstanceProfile(d Deps) func(context.Context, *awsapi.Call, *disassociateIamInstanceProfileRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *disassociateIamInstanceProfileRequest) (any, error) {
		return association(d.Instances.Disassociate(ctx, call.Principal.AccountID, req.AssociationID))
	}
}

func replaceIamInstanceProfileAssociation(d Deps) func(context.Context, *awsapi.Call, *replaceIamInstanceProfileAssociationRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *replaceIamInstanceProfileAssociationRequest) (any, error) {
		return association(d.Instances.Replace(ctx, call.Principal.AccountID,
			compute.ReplaceInput{AssociationID: req.AssociationID, Profile: req.IamInstanceProfile.profileRequest()}))
	}
}

func describeIamInstanceProfileAssociations(d Deps) func(context.Context, *awsapi.Call, *describeIamInstanceProfileAssociationsRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *describeIamInstanceProfileAssociationsRequest) (any, error) {
		page, err := d.Instances.DescribeAssociations(ctx, call.Principal.AccountID, compute.DescribeAssociationsInput{
			IDs: req.AssociationIDs, Filters: filters(req.Filters), MaxResults: req.MaxResults, NextToken: req.NextToken})
		if err != nil {
			return nil, err
		}
		out := describeIamInstanceProfileAssociationsResponse{NextToken: page.NextToken,
			Associations: items[iamInstanceProfileAssociationXML]{Items: []iamInstanceProfileAssociationXML{}}}
		for _, a := range page.Associations {
			out.Associations.Items = append(out.Associations.Items, associationXMLOf(a))
		}
		return out, nil
	}
}

package ec2

import (
	"context"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
)

type describeSnapshotAttributeRequest struct {
	Attribute  string `ec2:"Attribute,required"`
	SnapshotID string `ec2:"SnapshotId,required"`
	DryRun     bool   `ec2:"DryRun"`
}

// snapshotAttributeResponse is DescribeSnapshotAttribute's answer: the
// snapshot ID and the one attribute asked for.
type snapshotAttributeResponse struct {
	SnapshotID             string                 `xml:"snapshotId"`
	CreateVolumePermission *items[permissionXML]  `xml:"createVolumePermission"`
	ProductCodes           *items[productCodeXML] `xml:"productCodes"`
}

func describeSnapshotAttribute(d Deps) func(context.Context, *awsapi.Call, *describeSnapshotAttributeRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *describeSnapshotAttributeRequest) (any, error) {
		v, err := d.Images.DescribeSnapshotAttribute(ctx, call.Principal.AccountID, req.SnapshotID, image.SnapshotAttribute(req.Attribute))
		if err != nil {
			return nil, err
		}
		out := snapshotAttributeResponse{SnapshotID: v.SnapshotID}
		if v.Attribute == image.SnapAttrProductCodes {
			pcs := productCodesXML(v.ProductCode)
			out.ProductCodes = &pcs
			return out, nil
		}
		out.CreateVolumePermission = permissionsXML(v.Permissions)
		return out, nil
	}
}

type volumePermissionRequest struct {
	UserID string `ec2:"UserId"`
	Group  string `ec2:"Group"`
}

func (p volumePermissionRequest) permission() image.Permission {
	return image.Permission{UserID: p.UserID, Group: p.Group}
}

type modifySnapshotAttributeRequest struct {
	SnapshotID             string                                     `ec2:"SnapshotId,required"`
	Attribute              string                                     `ec2:"Attribute"`
	OperationType          string                                     `ec2:"OperationType"`
	CreateVolumePermission *permissionChange[volumePermissionRequest] `ec2:"CreateVolumePermission"`
	UserIDs                []string                                   `ec2:"UserId"`
	UserGroups             []string                                   `ec2:"UserGroup"`
	DryRun                 bool                                       `ec2:"DryRun"`
}

func modifySnapshotAttribute(d Deps) func(context.Context, *awsapi.Call, *modifySnapshotAttributeRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *modifySnapshotAttributeRequest) (any, error) {
		in, err := modifySnapshotInput(req)
		if err != nil {
			return nil, err
		}
		if err := d.Images.ModifySnapshotAttribute(ctx, call.Principal.AccountID, req.SnapshotID, in); err != nil {
			return nil, err
		}
		return returnResponse{Return: true}, nil
	}
}

// modifySnapshotInput maps ModifySnapshotAttribute's two spellings of a
// change to the domain's one: the structure (CreateVolumePermission.Add,
// .Remove), and Attribute with OperationType, UserId and UserGroup.
func modifySnapshotInput(req *modifySnapshotAttributeRequest) (image.ModifySnapshotAttributeInput, error) {
	in := image.ModifySnapshotAttributeInput{Attribute: image.SnapshotAttribute(req.Attribute)}
	if op := req.OperationType; op != "" && op != "add" && op != "remove" {
		return in, fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter OperationType is invalid. Expected add or remove.", clip(op))
	}
	var err error
	listed := listedPermissions(req.UserIDs, req.UserGroups)
	in.Add, in.Remove, err = permissionLists(req.CreateVolumePermission, listed, req.OperationType, "CreateVolumePermission", "create-volume permissions")
	return in, err
}

type resetSnapshotAttributeRequest struct {
	Attribute  string `ec2:"Attribute,required"`
	SnapshotID string `ec2:"SnapshotId,required"`
	DryRun     bool   `ec2:"DryRun"`
}

func resetSnapshotAttribute(d Deps) func(context.Context, *awsapi.Call, *resetSnapshotAttributeRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *resetSnapshotAttributeRequest) (any, error) {
		if err := d.Images.ResetSnapshotAttribute(ctx, call.Principal.AccountID, req.SnapshotID, image.SnapshotAttribute(req.Attribute)); err != nil {
			return nil, err
		}
		return returnResponse{Return: true}, nil
	}
}

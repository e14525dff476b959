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

type volumePermissionXML struct {
	UserID string `xml:"userId,omitempty"`
	Group  string `xml:"group,omitempty"`
}

// snapshotAttributeResponse is DescribeSnapshotAttribute's answer: the
// snapshot ID and the one attribute asked for.
type snapshotAttributeResponse struct {
	SnapshotID             string                      `xml:"snapshotId"`
	CreateVolumePermission *items[volumePermissionXML] `xml:"createVolumePermission"`
	ProductCodes           *items[productCodeXML]      `xml:"productCodes"`
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
		perms := make([]volumePermissionXML, len(v.Permissions))
		for i, p := range v.Permissions {
			perms[i] = volumePermissionXML{UserID: p.UserID, Group: p.Group}
		}
		l := itemsOf(perms)
		out.CreateVolumePermission = &l
		return out, nil
	}
}

type volumePermissionRequest struct {
	UserID string `ec2:"UserId"`
	Group  string `ec2:"Group"`
}

type modifySnapshotAttributeRequest struct {
	SnapshotID             string `ec2:"SnapshotId,required"`
	Attribute              string `ec2:"Attribute"`
	OperationType          string `ec2:"OperationType"`
	CreateVolumePermission *struct {
		Add    []volumePermissionRequest `ec2:"Add"`
		Remove []volumePermissionRequest `ec2:"Remove"`
	} `ec2:"CreateVolumePermission"`
	UserIDs    []string `ec2:"UserId"`
	UserGroups []string `ec2:"UserGroup"`
	DryRun     bool     `ec2:"DryRun"`
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
	if cv := req.CreateVolumePermission; cv != nil {
		in.Add, in.Remove = volumePermissions(cv.Add), volumePermissions(cv.Remove)
	}
	var listed []image.Permission
	for _, u := range req.UserIDs {
		listed = append(listed, image.Permission{UserID: u})
	}
	for _, g := range req.UserGroups {
		listed = append(listed, image.Permission{Group: g})
	}
	if op := req.OperationType; op != "" && op != "add" && op != "remove" {
		return in, fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter OperationType is invalid. Expected add or remove.", clip(op))
	}
	switch {
	case len(listed) > 0 && (len(in.Add) > 0 || len(in.Remove) > 0):
		return in, fault.Coded(fault.Invalid, "InvalidParameterCombination", "Give create-volume permissions either as CreateVolumePermission or as UserId and UserGroup with OperationType, not both")
	case len(listed) > 0 && req.OperationType == "add":
		in.Add = listed
	case len(listed) > 0 && req.OperationType == "remove":
		in.Remove = listed
	case len(listed) > 0:
		return in, fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter OperationType (add or remove)")
	}
	return in, nil
}

func volumePermissions(in []volumePermissionRequest) []image.Permission {
	out := make([]image.Permission, len(in))
	for i, p := range in {
		out[i] = image.Permission{UserID: p.UserID, Group: p.Group}
	}
	return out
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

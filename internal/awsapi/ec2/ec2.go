// Package ec2 serves the Amazon EC2 Query API (Action=<Op>&Version=
// 2016-11-15, signing name ec2) over the image and compute domains. It
// defines the request shapes with the parameter names the SDKs send
// (decode.go) and the response shapes with the XML names of botocore's
// ec2/2016-11-15 model and aws-sdk-go-v2's deserializers, one file per
// entity, and maps them to and from the domains' wire-neutral types.
// Errors carry EC2's codes (InvalidAMIID.NotFound, OptInRequired, ...),
// named by the domains; the router writes them in EC2's error format.
package ec2

import (
	"context"
	"reflect"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/tag"
)

// Namespace is the XML namespace of EC2 responses.
const Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// Version is the API version EC2 requests carry.
const Version = "2016-11-15"

// Deps are the domain services the API maps to.
type Deps struct {
	Placement compute.Placement
	Images    *image.Service
	Tags      *tag.Service
	Instances *compute.Service
}

// Service returns the EC2 service definition.
func Service(d Deps) *awsapi.Service {
	ops := operations(d)
	handlers := make(map[string]awsapi.Handler, len(ops))
	for name, o := range ops {
		handlers[name] = o.handler
	}
	return &awsapi.Service{
		Protocol:    awsapi.EC2Query,
		SigningName: "ec2",
		Version:     Version,
		Namespace:   Namespace,
		Operations:  handlers,
		Errors:      Errors,
	}
}

// operations maps each operation to its handler.
func operations(d Deps) map[string]operation {
	return map[string]operation{
		"DescribeRegions":           op(describeRegions(d.Placement)),
		"DescribeAvailabilityZones": op(describeAvailabilityZones(d.Placement)),
		"RegisterImage":             op(registerImage(d)),
		"DeregisterImage":           op(deregisterImage(d)),
		"DescribeImages":            op(describeImages(d)),
		"DescribeImageAttribute":    op(describeImageAttribute(d)),
		"ModifyImageAttribute":      op(modifyImageAttribute(d)),
		"ResetImageAttribute":       op(resetImageAttribute(d)),
		"CreateTags":                op(createTags(d)),
		"DeleteTags":                op(deleteTags(d)),
		"DescribeTags":              op(describeTags(d)),
		"RunInstances":              op(runInstances(d)),
		"DescribeInstances":         op(describeInstances(d)),
		"StopInstances":             op(stateChanges(d.Instances.Stop)),
		"StartInstances":            op(stateChanges(d.Instances.Start)),
		"TerminateInstances":        op(stateChanges(d.Instances.Terminate)),
		"RebootInstances":           op(rebootInstances(d)),
		"DescribeInstanceAttribute": op(describeInstanceAttribute(d)),
		"ModifyInstanceAttribute":   op(modifyInstanceAttribute(d)),
		"DescribeInstanceStatus":    op(describeInstanceStatus(d)),
		"DescribeInstanceTypes":     op(describeInstanceTypes(d)),
		"ConfirmProductInstance":    op(confirmProductInstance(d)),
		"DescribeVolumes":           op(describeVolumes(d)),
		"CreateSnapshot":            op(createSnapshot(d)),
		"DescribeSnapshots":         op(describeSnapshots(d)),
		"DeleteSnapshot":            op(deleteSnapshot(d)),
		"DescribeSnapshotAttribute": op(describeSnapshotAttribute(d)),
		"ModifySnapshotAttribute":   op(modifySnapshotAttribute(d)),
		"ResetSnapshotAttribute":    op(resetSnapshotAttribute(d)),
		"CreateImage":               op(createImage(d)),
		"CopyImage":                 op(copyImage(d)),
		"ImportImage":               op(importImage(d)),
		"DescribeImportImageTasks":  op(describeImportImageTasks(d)),
		"CancelImportTask":          op(cancelImportTask(d)),

		"AssociateIamInstanceProfile":            op(associateIamInstanceProfile(d)),
		"DisassociateIamInstanceProfile":         op(disassociateIamInstanceProfile(d)),
		"ReplaceIamInstanceProfileAssociation":   op(replaceIamInstanceProfileAssociation(d)),
		"DescribeIamInstanceProfileAssociations": op(describeIamInstanceProfileAssociations(d)),
	}
}

// Errors are the EC2 error codes the operations and the domains name
// themselves, beyond the EC2 wire format's table; metrics label any other
// code unknown.
var Errors = []string{
	"AuthFailure", "DryRunOperation", "IncorrectInstanceState", "InvalidAMIAttributeItemValue",
	"InvalidAMIID.Malformed", "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable", "InvalidAMIName.Duplicate",
	"InvalidAMIName.Malformed", "InvalidInstanceID.Malformed", "InvalidInstanceID.NotFound", "InvalidID",
	"InvalidParameter", "InvalidParameterCombination", "InvalidParameterValue", "InvalidPaginationToken",
	"InvalidSnapshotID.Malformed", "InvalidTagKey.Malformed", "MissingParameter", "OptInRequired",
	"TagLimitExceeded", "UnknownParameter", "UnsupportedOperation", "InvalidInstanceType",
	"IdempotentParameterMismatch", "InvalidUserID.Malformed", "InstanceLimitExceeded",
	"InvalidSnapshot.NotFound", "InvalidSnapshot.InUse", "InvalidVolumeID.Malformed", "InvalidVolume.NotFound",
	"InvalidBlockDeviceMapping", "InvalidConversionTaskId", "InvalidConversionTaskId.Malformed",
	"IncorrectState", "InvalidAssociationID.NotFound", "OperationNotPermitted",
}

// operation is an operation's handler, and the shape of its request (for
// the tests that go through every operation).
type operation struct {
	handler awsapi.Handler
	request reflect.Type
}

// op adapts an operation: decode the parameters into its request shape,
// answer a dry run, and call fn with the request.
func op[Req any](fn func(ctx context.Context, call *awsapi.Call, req *Req) (any, error)) operation {
	handler := func(ctx context.Context, call *awsapi.Call) (any, error) {
		var req Req
		if err := decode(call.Params, &req); err != nil {
			return nil, err
		}
		if dryRun(&req) {
			// Tollgate has no IAM policies: every account may call every
			// operation, so a dry run that decodes would have succeeded.
			return nil, fault.Coded(fault.Invalid, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
		}
		return fn(image.WithServerURL(ctx, call.BaseURL), call, &req)
	}
	return operation{handler: handler, request: reflect.TypeFor[Req]()}
}

// dryRun reports whether a request has DryRun set.
func dryRun(req any) bool {
	f := reflect.ValueOf(req).Elem().FieldByName("DryRun")
	return f.IsValid() && f.Kind() == reflect.Bool && f.Bool()
}

// items is an EC2 list on the wire: <name><item>...</item></name>. It is
// written even when empty, as EC2 does, because clients that index the
// response (botocore's parsed dictionaries) expect the key.
type items[T any] struct {
	Items []T `xml:"item"`
}

// itemsOf wraps a slice as an EC2 list.
func itemsOf[T any](s []T) items[T] { return items[T]{Items: s} }

// filterRequest is the wire shape of one filter.
type filterRequest struct {
	Name   string   `ec2:"Name"`
	Values []string `ec2:"Value"`
}

package ec2

import (
	"context"
	"strconv"

	"github.com/tollgate/tollgate/internal/awsapi"
	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
)

type valueRequest struct {
	Value string `ec2:"Value"`
}

type boolValueRequest struct {
	Value bool `ec2:"Value"`
}

type instanceBlockDeviceRequest struct {
	DeviceName string `ec2:"DeviceName"`
	Ebs        *struct {
		VolumeID            string `ec2:"VolumeId"`
		DeleteOnTermination bool   `ec2:"DeleteOnTermination"`
	} `ec2:"Ebs"`
	VirtualName string `ec2:"VirtualName"`
	NoDevice    string `ec2:"NoDevice"`
}

// modifyInstanceAttributeRequest names the attribute to change either with
// Attribute and Value or with the attribute's own parameter.
type modifyInstanceAttributeRequest struct {
	InstanceID            string                       `ec2:"InstanceId,required"`
	Attribute             string                       `ec2:"Attribute"`
	Value                 *string                      `ec2:"Value"`
	InstanceType          *valueRequest                `ec2:"InstanceType"`
	Kernel                *valueRequest                `ec2:"Kernel"`
	Ramdisk               *valueRequest                `ec2:"Ramdisk"`
	UserData              *valueRequest                `ec2:"UserData"`
	ShutdownBehavior      *valueRequest                `ec2:"InstanceInitiatedShutdownBehavior"`
	SriovNetSupport       *valueRequest                `ec2:"SriovNetSupport"`
	DisableAPITermination *boolValueRequest            `ec2:"DisableApiTermination"`
	DisableAPIStop        *boolValueRequest            `ec2:"DisableApiStop"`
	SourceDestCheck       *boolValueRequest            `ec2:"SourceDestCheck"`
	EbsOptimized          *boolValueRequest            `ec2:"EbsOptimized"`
	EnaSupport            *boolValueRequest            `ec2:"EnaSupport"`
	Groups                []string                     `ec2:"GroupId"`
	BlockDeviceMappings   []instanceBlockDeviceRequest `ec2:"BlockDeviceMapping"`
	DryRun                bool                         `ec2:"DryRun"`
}

// change works out the one attribute the request changes and its value.
func (req *modifyInstanceAttributeRequest) change() (compute.ModifyInput, error) {
	var set []compute.ModifyInput
	str := func(a compute.Attribute, v *valueRequest) {
		if v != nil {
			set = append(set, compute.ModifyInput{Attribute: a, Value: v.Value})
		}
	}
	boolean := func(a compute.Attribute, v *boolValueRequest) {
		if v != nil {
			set = append(set, compute.ModifyInput{Attribute: a, Value: strconv.FormatBool(v.Value)})
		}
	}
	str(compute.AttrInstanceType, req.InstanceType)
	str(compute.AttrKernel, req.Kernel)
	str(compute.AttrRamdisk, req.Ramdisk)
	str(compute.AttrUserData, req.UserData)
	str(compute.AttrShutdownBehavior, req.ShutdownBehavior)
	str(compute.AttrSriovNetSupport, req.SriovNetSupport)
	boolean(compute.AttrDisableAPITermination, req.DisableAPITermination)
	boolean(compute.AttrDisableAPIStop, req.DisableAPIStop)
	boolean(compute.AttrSourceDestCheck, req.SourceDestCheck)
	boolean(compute.AttrEbsOptimized, req.EbsOptimized)
	boolean(compute.AttrEnaSupport, req.EnaSupport)
	if len(req.Groups) > 0 {
		set = append(set, compute.ModifyInput{Attribute: compute.AttrGroupSet})
	}
	if len(req.BlockDeviceMappings) > 0 {
		set = append(set, compute.ModifyInput{Attribute: compute.AttrBlockDeviceMapping})
	}
	if req.Attribute != "" || req.Value != nil {
		in := compute.ModifyInput{Attribute: compute.Attribute(req.Attribute)}
		if req.Value != nil {
			in.Value = *req.Value
		}
		set = append(set, in)
	}
	switch {
	case len(set) == 0:
		return compute.ModifyInput{}, fault.Coded(fault.Invalid, "MissingParameter", "The request must name the attribute to change, with Attribute or an attribute's own parameter")
	case len(set) > 1:
		return compute.ModifyInput{}, fault.Coded(fault.Invalid, "InvalidParameterCombination", "A request changes one attribute of an instance at a time")
	}
	return set[0], nil
}

func modifyInstanceAttribute(d Deps) func(context.Context, *awsapi.Call, *modifyInstanceAttributeRequest) (any, error) {
	return func(ctx context.Context, call *awsapi.Call, req *modifyInstanceAttributeRequest) (any, error) {
		in, err := req.change()
		if err != nil {
			return nil, err
		}
		if err := d.Instances.ModifyAttribute(ctx, call.Principal.AccountID, req.InstanceID, in); err != nil {
			return nil, err
		}
		return returnResponse{Return: true}, nil
	}
}

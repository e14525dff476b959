package compute

import (
	"context"
	"slices"
	"strings"

	"github.com/tollgate/tollgate/internal/fault"
)

// ModifyInput changes one attribute of an instance. The wire's several
// ways of naming it (Attribute and Value, or InstanceType.Value, ...)
// arrive here as one attribute and its value as text.
type ModifyInput struct {
	Attribute Attribute
	Value     string
}

// fixedValues are the attributes a simulated instance has no use for,
// with the one value DescribeInstanceAttribute reports for each. Setting
// one to that value changes nothing and is accepted, so that scripts that
// state it (--no-disable-api-termination) run; any other value is refused
// rather than accepted and ignored, since a user who turns on termination
// protection expects it to protect.
var fixedValues = map[Attribute]string{
	AttrDisableAPITermination: "false",
	AttrDisableAPIStop:        "false",
	AttrSourceDestCheck:       "true",
	AttrEbsOptimized:          "false",
	AttrEnaSupport:            "false",
	AttrShutdownBehavior:      "stop",
}

// Validate checks everything that needs no store.
func (in ModifyInput) Validate() error {
	switch {
	case in.Attribute == "":
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must name the attribute to change, with Attribute or an attribute's own parameter")
	case !slices.Contains(Attributes, in.Attribute):
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter attribute is invalid. Unknown attribute.", clip(string(in.Attribute)))
	case in.Attribute == AttrProductCodes || in.Attribute == AttrRootDeviceName:
		return fault.Coded(fault.Invalid, "UnsupportedOperation", "The attribute %s of an instance cannot be changed: it comes from the image", in.Attribute)
	case in.Attribute == AttrInstanceType:
		if in.Value == "" {
			return fault.Coded(fault.Invalid, "MissingParameter", "The request must give the new value of instanceType")
		}
		return nil
	}
	if v, ok := fixedValues[in.Attribute]; ok && strings.EqualFold(in.Value, v) {
		return nil
	}
	return fault.Coded(fault.Invalid, "UnsupportedOperation",
		"Instances here are simulated, and %s cannot be changed; only instanceType can (while the instance is stopped)", in.Attribute)
}

// ModifyAttribute changes an attribute of one of caller's instances: its
// instance type, while it is stopped. The new type must be in the
// operator's catalogue and pass the launch check of the instance's product
// code (the product's instance types, and the owner's entitlement for that
// type). The check runs here, so that a type the owner may not run is
// refused when it is asked for rather than at the next start; StartInstances
// checks again, since an entitlement may end in between. The next running
// interval records the new type.
func (s *Service) ModifyAttribute(ctx context.Context, caller, id string, in ModifyInput) (err error) {
	defer fault.Annotate(&err, "compute: modify %s of %s", in.Attribute, id)
	if err := CheckID(id); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	inst, err := s.Get(ctx, caller, id)
	if err != nil || in.Attribute != AttrInstanceType {
		return err
	}
	if inst.State != Stopped {
		return notStopped(id)
	}
	if err := s.checkType(ctx, in.Value); err != nil {
		return err
	}
	if err := s.checkLaunch(ctx, caller, inst.ProductCode, in.Value); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		inst, err := tx.Instance(id)
		if err != nil {
			return err
		}
		if inst.State != Stopped {
			return notStopped(id)
		}
		if inst.InstanceType == in.Value {
			return nil
		}
		inst.InstanceType = in.Value
		return tx.PutInstance(inst)
	})
}

func notStopped(id string) error {
	return fault.Coded(fault.Conflict, "IncorrectInstanceState", "The instance '%s' is not in the 'stopped' state.", id)
}

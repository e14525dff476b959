package image

import (
	"context"
	"slices"

	"github.com/tollgate/tollgate/internal/fault"
)

// Sharing snapshots. A snapshot's create-volume permissions name who
// besides its owner may restore it, that is, make volumes and register or
// import images from it: accounts, and the group "all" (the snapshot's
// Public flag). Only the owner reads or changes them.
//
// A snapshot carries the product code of its lineage (the instance or
// image its volume was a copy of), and shows it as its productCodes
// attribute. Sharing does not shed it: an account that registers an image
// from a snapshot shared with it gets the code exactly as the owner would
// by the rebundling rule (Inherit), since the rule reads the snapshot's
// lineage whoever registers. As on EC2, a snapshot that carries a product
// code, or is encrypted, cannot be made public.

// SnapshotAttribute names a snapshot attribute, as DescribeSnapshotAttribute,
// ModifySnapshotAttribute and ResetSnapshotAttribute name them.
type SnapshotAttribute string

// The snapshot attributes.
const (
	SnapAttrCreateVolumePermission SnapshotAttribute = "createVolumePermission"
	SnapAttrProductCodes           SnapshotAttribute = "productCodes"
)

// MaxSnapshotPermissionChanges bounds the permissions one
// ModifySnapshotAttribute adds or removes, as EC2's 500.
const MaxSnapshotPermissionChanges = 500

func unknownSnapshotAttribute(a SnapshotAttribute) error {
	return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter attribute is invalid. Expected createVolumePermission or productCodes.", clip(string(a)))
}

// SnapshotAttributeValue is one attribute of a snapshot, as
// DescribeSnapshotAttribute answers it.
type SnapshotAttributeValue struct {
	SnapshotID string
	Attribute  SnapshotAttribute
	// Permissions are the create-volume permissions: the group all first,
	// if the snapshot is public, then the accounts.
	Permissions []Permission
	// ProductCode is the code the snapshot carries, if any.
	ProductCode ProductCode
}

// DescribeSnapshotAttribute returns an attribute of a snapshot caller may
// see. Its create-volume permissions only its owner may read.
func (s *Service) DescribeSnapshotAttribute(ctx context.Context, caller, id string, attr SnapshotAttribute) (v SnapshotAttributeValue, err error) {
	defer fault.Annotate(&err, "image: describe %s of %s", attr, id)
	if err := CheckSnapshotID(id); err != nil {
		return v, err
	}
	if attr != SnapAttrCreateVolumePermission && attr != SnapAttrProductCodes {
		return v, unknownSnapshotAttribute(attr)
	}
	snap, err := s.Snapshot(ctx, caller, id)
	if err != nil {
		return v, err
	}
	v = SnapshotAttributeValue{SnapshotID: id, Attribute: attr}
	if attr == SnapAttrProductCodes {
		v.ProductCode = snap.Lineage.ProductCode
		return v, nil
	}
	if snap.Owner != caller {
		return SnapshotAttributeValue{}, notSnapshotOwner(id)
	}
	accounts, err := s.store.SnapshotPermissions(ctx, id)
	if err != nil {
		return SnapshotAttributeValue{}, err
	}
	v.Permissions = permissionList(snap.Public, accounts)
	return v, nil
}

func notSnapshotOwner(id string) error {
	return fault.Coded(fault.Forbidden, "AuthFailure", "Not authorized for snapshot %s: only its owner may read or change its permissions", id)
}

// ModifySnapshotAttributeInput adds or removes create-volume permissions
// of a snapshot: one or the other in a request, as on EC2.
type ModifySnapshotAttributeInput struct {
	// Attribute names what changes: createVolumePermission, or empty when
	// the request says so by its structure.
	Attribute   SnapshotAttribute
	Add, Remove []Permission
}

// Validate checks everything that needs no store.
func (in ModifySnapshotAttributeInput) Validate() error {
	switch in.Attribute {
	case "", SnapAttrCreateVolumePermission:
	case SnapAttrProductCodes:
		return fault.Coded(fault.Invalid, "UnsupportedOperation", "The attribute productCodes cannot be changed; only createVolumePermission can")
	default:
		return unknownSnapshotAttribute(in.Attribute)
	}
	switch {
	case len(in.Add) == 0 && len(in.Remove) == 0:
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must name the create-volume permissions to add or remove")
	case len(in.Add) > 0 && len(in.Remove) > 0:
		return fault.Coded(fault.Invalid, "InvalidParameterCombination", "A request either adds or removes create-volume permissions, not both")
	case len(in.Add)+len(in.Remove) > MaxSnapshotPermissionChanges:
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "A request changes at most %d create-volume permissions; this one changes %d",
			MaxSnapshotPermissionChanges, len(in.Add)+len(in.Remove))
	}
	for _, p := range slices.Concat(in.Add, in.Remove) {
		if err := checkVolumePermission(p); err != nil {
			return err
		}
	}
	return nil
}

func checkVolumePermission(p Permission) error {
	switch {
	case (p.UserID == "") == (p.Group == "") || p.OrganizationArn != "" || p.OrganizationalUnitArn != "":
		return fault.Coded(fault.Invalid, "InvalidParameterCombination", "A create-volume permission names exactly one of UserId or Group")
	case p.Group != "" && p.Group != GroupAll:
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Invalid group %q; the only group is all", clip(p.Group))
	case p.UserID != "" && !ValidAccount(p.UserID):
		return fault.Coded(fault.Invalid, "InvalidUserID.Malformed", "Invalid user id: %q; expected a 12-digit account ID", clip(p.UserID))
	}
	return nil
}

// ModifySnapshotAttribute shares one of caller's snapshots with accounts
// or everyone, or stops sharing it. A snapshot that carries a product code
// or is encrypted cannot be made public (OperationNotPermitted): a paid
// disk is shared only with the accounts its owner names.
func (s *Service) ModifySnapshotAttribute(ctx context.Context, caller, id string, in ModifySnapshotAttributeInput) (err error) {
	defer fault.Annotate(&err, "image: modify the create-volume permissions of %s", id)
	if err := CheckSnapshotID(id); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		snap, err := ownedSnapshot(tx, caller, id)
		if err != nil {
			return err
		}
		public, adds, removes := splitPermissions(snap.Public, snap.Owner, in.Add, in.Remove)
		if public && !snap.Public {
			if err := checkPublishable(snap); err != nil {
				return err
			}
		}
		if err := tx.AddSnapshotPermissions(id, adds); err != nil {
			return err
		}
		if err := tx.RemoveSnapshotPermissions(id, removes); err != nil {
			return err
		}
		if public == snap.Public {
			return nil
		}
		return tx.SetSnapshotPublic(id, public)
	})
}

// checkPublishable refuses to make public a snapshot that carries a
// product code or is encrypted, as EC2 does.
func checkPublishable(snap Snapshot) error {
	if code := snap.Lineage.ProductCode; !code.IsZero() {
		return fault.Coded(fault.Forbidden, "OperationNotPermitted",
			"Snapshot %s carries product code %s: snapshots with product codes cannot be made public; share it with accounts instead", snap.ID, code.Code)
	}
	if snap.Encrypted {
		return fault.Coded(fault.Forbidden, "OperationNotPermitted", "Snapshot %s is encrypted: encrypted snapshots cannot be made public", snap.ID)
	}
	return nil
}

// ResetSnapshotAttribute resets an attribute of one of caller's snapshots:
// only its create-volume permissions may be, which stops sharing it with
// anyone.
func (s *Service) ResetSnapshotAttribute(ctx context.Context, caller, id string, attr SnapshotAttribute) (err error) {
	defer fault.Annotate(&err, "image: reset %s of %s", attr, id)
	if err := CheckSnapshotID(id); err != nil {
		return err
	}
	switch attr {
	case SnapAttrCreateVolumePermission:
	case SnapAttrProductCodes:
		return fault.Coded(fault.Invalid, "UnsupportedOperation", "A snapshot's product code comes from its lineage and cannot be removed")
	default:
		return unknownSnapshotAttribute(attr)
	}
	return s.store.Update(ctx, func(tx Tx) error {
		snap, err := ownedSnapshot(tx, caller, id)
		if err != nil {
			return err
		}
		if err := tx.ResetSnapshotPermissions(id); err != nil {
			return err
		}
		if !snap.Public {
			return nil
		}
		return tx.SetSnapshotPublic(id, false)
	})
}

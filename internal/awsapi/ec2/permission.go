package ec2

import (
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
)

// permissionXML is one entry of an image's launchPermission or a
// snapshot's createVolumePermission list: an account, or the group all.
type permissionXML struct {
	UserID string `xml:"userId,omitempty"`
	Group  string `xml:"group,omitempty"`
}

func permissionsXML(ps []image.Permission) *items[permissionXML] {
	out := make([]permissionXML, len(ps))
	for i, p := range ps {
		out[i] = permissionXML{UserID: p.UserID, Group: p.Group}
	}
	l := itemsOf(out)
	return &l
}

// permissionRequest is one entry of a LaunchPermission or
// CreateVolumePermission Add or Remove list. The two keep their own
// request types because they accept different fields (only launch
// permissions name organizations), and the decoder refuses unknown ones.
type permissionRequest interface {
	permission() image.Permission
}

// permissionChange is the structure spelling of a permission change,
// as ModifyImageAttribute's LaunchPermission and
// ModifySnapshotAttribute's CreateVolumePermission give it.
type permissionChange[T permissionRequest] struct {
	Add    []T `ec2:"Add"`
	Remove []T `ec2:"Remove"`
}

// listedPermissions is the older spelling's list: UserId and UserGroup
// parameters, each one permission.
func listedPermissions(userIDs, groups []string) []image.Permission {
	var listed []image.Permission
	for _, u := range userIDs {
		listed = append(listed, image.Permission{UserID: u})
	}
	for _, g := range groups {
		listed = append(listed, image.Permission{Group: g})
	}
	return listed
}

// permissionLists reads a permission change given either as the structure
// (named structure, of the permissions called what) or as the listed
// permissions with OperationType op: both Modify*Attribute calls accept
// either spelling, but not both in one request.
func permissionLists[T permissionRequest](change *permissionChange[T], listed []image.Permission, op, structure, what string) (add, remove []image.Permission, err error) {
	if change != nil {
		add, remove = domainPermissions(change.Add), domainPermissions(change.Remove)
	}
	switch {
	case len(listed) > 0 && (len(add) > 0 || len(remove) > 0):
		return nil, nil, fault.Coded(fault.Invalid, "InvalidParameterCombination", "Give %s either as %s or as UserId and UserGroup with OperationType, not both", what, structure)
	case len(listed) > 0 && op == "add":
		add = listed
	case len(listed) > 0 && op == "remove":
		remove = listed
	case len(listed) > 0:
		return nil, nil, fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter OperationType (add or remove)")
	}
	return add, remove, nil
}

func domainPermissions[T permissionRequest](in []T) []image.Permission {
	out := make([]image.Permission, len(in))
	for i, p := range in {
		out[i] = p.permission()
	}
	return out
}

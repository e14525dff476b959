package image

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/fault"
)

// Limits. Applied at registration, so that nothing registered is unusable
// later.
const (
	MinNameLength        = 3
	MaxNameLength        = 128
	MaxDescriptionLength = 255
	MaxLocationLength    = 1024
	MaxBlockDevices      = 64
	MaxVolumeSizeGiB     = 64 * 1024
	// MaxListResults and MinListResults bound DescribeImages' MaxResults.
	MinListResults = 5
	MaxListResults = 1000
	// MaxIDs bounds the images one call names.
	MaxIDs = 1000
)

// Architectures are the architectures an image may have.
var Architectures = []string{"i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac"}

// VolumeTypes are the EBS volume types a block device may ask for.
var VolumeTypes = []string{"standard", "io1", "io2", "gp2", "gp3", "sc1", "st1"}

var (
	// idPattern is an image ID: ami- and 8 or 17 lowercase hex digits
	// (EC2's old and new lengths; Tollgate makes the new).
	idPattern = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
	// snapshotPattern is a snapshot ID, likewise.
	snapshotPattern = regexp.MustCompile(`^snap-([0-9a-f]{8}|[0-9a-f]{17})$`)
	// namePattern is what an image name may hold: EC2's set of letters,
	// digits, spaces and ( ) [ ] . / - ' @ _.
	namePattern = regexp.MustCompile(`^[A-Za-z0-9()\[\] ./\-'@_]+$`)
	// deviceNamePattern is a device name: /dev/ and a name, or xvd*.
	deviceNamePattern = regexp.MustCompile(`^(/dev/[a-z0-9/]{1,32}|xvd[a-z][a-z0-9]{0,3})$`)
	// accountPattern is an account ID.
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
)

// CheckID refuses a malformed image ID with EC2's InvalidAMIID.Malformed.
func CheckID(id string) error {
	if !idPattern.MatchString(id) {
		return fault.Coded(fault.Invalid, "InvalidAMIID.Malformed", "Invalid id: %q (expecting \"ami-...\")", clip(id))
	}
	return nil
}

// CheckIDs checks every image ID and their number.
func CheckIDs(ids []string) error { return checkIDs(ids, "images", CheckID) }

// checkIDs checks the IDs a listing names (what, plural): at most MaxIDs,
// each well formed by check.
func checkIDs(ids []string, what string, check func(string) error) error {
	if len(ids) > MaxIDs {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The request names %d %s; at most %d are allowed", len(ids), what, MaxIDs)
	}
	for _, id := range ids {
		if err := check(id); err != nil {
			return err
		}
	}
	return nil
}

// checkMaxResults refuses a page size outside MinListResults to
// MaxListResults; 0 means none was asked for.
func checkMaxResults(n int64) error {
	if n != 0 && (n < MinListResults || n > MaxListResults) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%d) for parameter maxResults is invalid. Expect a number between %d and %d.", n, MinListResults, MaxListResults)
	}
	return nil
}

// CheckSnapshotID refuses a malformed snapshot ID.
func CheckSnapshotID(id string) error {
	if !snapshotPattern.MatchString(id) {
		return fault.Coded(fault.Invalid, "InvalidSnapshotID.Malformed", "Invalid id: %q (expecting \"snap-...\")", clip(id))
	}
	return nil
}

// ValidAccount reports whether s is an account ID.
func ValidAccount(s string) bool { return accountPattern.MatchString(s) }

// checkName checks an image name: EC2's length and characters.
func checkName(name string) error {
	n := utf8.RuneCountInString(name)
	switch {
	case n < MinNameLength || n > MaxNameLength:
		return fault.Coded(fault.Invalid, "InvalidAMIName.Malformed",
			"AMI names must be between %d and %d characters long, not %d", MinNameLength, MaxNameLength, n)
	case !namePattern.MatchString(name):
		return fault.Coded(fault.Invalid, "InvalidAMIName.Malformed",
			"AMI names may only contain letters, numbers, spaces and the characters ( ) [ ] . / - ' @ _; %q has others", clip(name))
	}
	return nil
}

// checkDescription checks an image description's length and encoding.
func checkDescription(d string) error {
	if !utf8.ValidString(d) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The description is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(d); n > MaxDescriptionLength {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The description is %d characters long; at most %d are allowed", n, MaxDescriptionLength)
	}
	return nil
}

// checkBlockDevices checks block device mappings: their number, names,
// sizes and types, and that no device is mapped twice.
func checkBlockDevices(devs []BlockDevice) error {
	if len(devs) > MaxBlockDevices {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The request maps %d block devices; at most %d are allowed", len(devs), MaxBlockDevices)
	}
	seen := map[string]bool{}
	for i, d := range devs {
		where := fmt.Sprintf("BlockDeviceMapping.%d", i+1)
		if d.DeviceName == "" {
			return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter %s.DeviceName", where)
		}
		if !deviceNamePattern.MatchString(d.DeviceName) {
			return fault.Coded(fault.Invalid, "InvalidParameterValue", "Invalid device name %q in %s", clip(d.DeviceName), where)
		}
		if seen[d.DeviceName] {
			return fault.Coded(fault.Invalid, "InvalidParameterValue", "The device %s is mapped more than once", d.DeviceName)
		}
		seen[d.DeviceName] = true
		if err := checkEbs(d, where); err != nil {
			return err
		}
	}
	return nil
}

func checkEbs(d BlockDevice, where string) error {
	e := d.Ebs
	if e == nil {
		return nil
	}
	if d.VirtualName != "" || d.NoDevice {
		return fault.Coded(fault.Invalid, "InvalidParameterCombination", "%s: an EBS volume cannot also be a virtual device or no device", where)
	}
	if e.SnapshotID != "" {
		if err := CheckSnapshotID(e.SnapshotID); err != nil {
			return err
		}
	}
	if e.VolumeSize < 0 || e.VolumeSize > MaxVolumeSizeGiB {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "%s.Ebs.VolumeSize must be between 1 and %d GiB, not %d", where, MaxVolumeSizeGiB, e.VolumeSize)
	}
	if e.SnapshotID == "" && e.VolumeSize == 0 {
		return fault.Coded(fault.Invalid, "InvalidParameterCombination", "%s.Ebs needs a SnapshotId or a VolumeSize", where)
	}
	if e.VolumeType != "" && !slices.Contains(VolumeTypes, e.VolumeType) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "%s.Ebs.VolumeType must be one of %s, not %q", where, strings.Join(VolumeTypes, ", "), clip(e.VolumeType))
	}
	if e.Iops < 0 || e.Throughput < 0 {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "%s.Ebs: Iops and Throughput must not be negative", where)
	}
	return nil
}

func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

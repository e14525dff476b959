package compute

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/tag"
)

// Limits, applied at launch.
const (
	// MaxLaunch is the most instances one launch starts.
	MaxLaunch = 100
	// MaxClientToken is the longest client token, EC2's.
	MaxClientToken = 64
	// MaxIDs bounds the instances one call names.
	MaxIDs = 1000
	// MinListResults and MaxListResults bound DescribeInstances'
	// MaxResults.
	MinListResults = 5
	MaxListResults = 1000
	// MaxKeyNameLength bounds a key pair's name.
	MaxKeyNameLength = 255
)

// idPattern is an instance ID: i- and 8 or 17 lowercase hex digits.
var idPattern = regexp.MustCompile(`^i-([0-9a-f]{8}|[0-9a-f]{17})$`)

// CheckID refuses a malformed instance ID with InvalidInstanceID.Malformed.
func CheckID(id string) error {
	if !idPattern.MatchString(id) {
		return fault.Coded(fault.Invalid, "InvalidInstanceID.Malformed", "Invalid id: %q", clip(id))
	}
	return nil
}

// CheckIDs checks instance IDs and their number; none is MissingParameter
// when required.
func CheckIDs(ids []string, required bool) error {
	switch {
	case required && len(ids) == 0:
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter InstanceId")
	case len(ids) > MaxIDs:
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The request names %d instances; at most %d are allowed", len(ids), MaxIDs)
	}
	for _, id := range ids {
		if err := CheckID(id); err != nil {
			return err
		}
	}
	return nil
}

// RunInput launches instances.
type RunInput struct {
	ImageID      string
	InstanceType string
	// MinCount instances are launched or none; Tollgate has room for
	// MaxCount, and launches that many.
	MinCount, MaxCount int64
	ClientToken        string
	// Zone is the availability zone; the region's first when empty.
	Zone    string
	Region  string // the region the request was signed for
	KeyName string
	// InstanceTags and VolumeTags are the launcher's tags on the new
	// instances and their volumes.
	InstanceTags []tag.Tag
	VolumeTags   []tag.Tag
	// Profile is the IAM instance profile the instances run with; none
	// when empty (see ResolveProfile).
	Profile ProfileRequest

	profile InstanceProfile // Profile, resolved for the launcher
	// Metadata is how the metadata service answers the new instances;
	// EC2's defaults for what it leaves out.
	Metadata MetadataOptions
}

// Validate checks everything that needs no store.
func (in RunInput) Validate() error {
	if in.ImageID == "" {
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter ImageId")
	}
	if err := image.CheckID(in.ImageID); err != nil {
		return err
	}
	switch {
	case in.MinCount < 1:
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%d) for parameter minCount is invalid. Expected a positive integer.", in.MinCount)
	case in.MaxCount < 1:
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%d) for parameter maxCount is invalid. Expected a positive integer.", in.MaxCount)
	case in.MaxCount < in.MinCount:
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "MinCount (%d) must be less than or equal to MaxCount (%d)", in.MinCount, in.MaxCount)
	case in.MinCount > MaxLaunch:
		return fault.Coded(fault.LimitExceeded, "InstanceLimitExceeded", "A launch starts at most %d instances; the request asks for at least %d", MaxLaunch, in.MinCount)
	case len(in.ClientToken) > MaxClientToken || !utf8.ValidString(in.ClientToken):
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The client token must be at most %d characters", MaxClientToken)
	case utf8.RuneCountInString(in.KeyName) > MaxKeyNameLength:
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The key name is longer than %d characters", MaxKeyNameLength)
	}
	if err := in.Metadata.Validate(); err != nil {
		return err
	}
	if err := tag.CheckTags(in.InstanceTags); err != nil {
		return err
	}
	return tag.CheckTags(in.VolumeTags)
}

// count is how many instances the launch starts: MaxCount, within the
// limit of one launch.
func (in RunInput) count() int { return int(min(in.MaxCount, MaxLaunch)) }

// request describes what a launch asked for, so that a retry with the same
// client token is told from a different launch.
func (in RunInput) request() string {
	r := fmt.Sprintf("%s|%s|%d|%d|%s", in.ImageID, in.InstanceType, in.MinCount, in.MaxCount, in.Zone)
	if !in.profile.IsZero() {
		r += "|" + in.profile.ARN
	}
	return r
}

// FilterNames are the DescribeInstances filters Tollgate knows, besides
// tag:<key>.
var FilterNames = []string{
	"architecture", "availability-zone", "client-token", "iam-instance-profile.arn", "image-id", "instance-id", "instance-state-code",
	"instance-state-name", "instance-type", "key-name", "launch-index", "owner-id", "platform", "private-ip-address",
	"product-code", "product-code.type", "reservation-id", "root-device-name", "root-device-type", "tag-key",
	"tag-value", "virtualization-type",
}

// KnownFilter reports whether name is a DescribeInstances filter.
func KnownFilter(name string) bool {
	return filter.NamedOrTag(FilterNames)(name)
}

// DescribeInput selects instances.
type DescribeInput struct {
	IDs        []string
	Filters    []filter.Filter
	MaxResults int64 // 0: everything at once
	NextToken  string
}

// Validate checks everything that needs no store.
func (in DescribeInput) Validate() error { return in.validate(in.Filters, KnownFilter) }

// validate checks the input with filters whose names known accepts.
func (in DescribeInput) validate(filters []filter.Filter, known func(string) bool) error {
	if err := CheckIDs(in.IDs, false); err != nil {
		return err
	}
	if len(in.IDs) > 0 && in.MaxResults != 0 {
		return fault.Coded(fault.Invalid, "InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
	}
	if in.MaxResults != 0 && (in.MaxResults < MinListResults || in.MaxResults > MaxListResults) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%d) for parameter maxResults is invalid. Expect a number between %d and %d.", in.MaxResults, MinListResults, MaxListResults)
	}
	if _, _, err := decodeToken(in.NextToken); err != nil {
		return err
	}
	return filter.Check(filters, known)
}

// Page is one page of instances.
type Page struct {
	Instances []Instance
	NextToken string
}

// The pagination token is the last instance of a page, base64-encoded so
// that clients treat it as opaque.
func encodeToken(reservation, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("instance:" + reservation + "/" + id))
}

func decodeToken(token string) (reservation, id string, err error) {
	if token == "" {
		return "", "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	rest, ok := strings.CutPrefix(string(b), "instance:")
	reservation, id, found := strings.Cut(rest, "/")
	if err != nil || !ok || !found || CheckID(id) != nil || !strings.HasPrefix(reservation, "r-") {
		return "", "", fault.Coded(fault.Invalid, "InvalidPaginationToken", "The pagination token %q is invalid", clip(token))
	}
	return reservation, id, nil
}

// Attribute names an instance attribute, as DescribeInstanceAttribute
// names it.
type Attribute string

// The attributes.
const (
	AttrInstanceType          Attribute = "instanceType"
	AttrKernel                Attribute = "kernel"
	AttrRamdisk               Attribute = "ramdisk"
	AttrUserData              Attribute = "userData"
	AttrDisableAPITermination Attribute = "disableApiTermination"
	AttrShutdownBehavior      Attribute = "instanceInitiatedShutdownBehavior"
	AttrRootDeviceName        Attribute = "rootDeviceName"
	AttrBlockDeviceMapping    Attribute = "blockDeviceMapping"
	AttrProductCodes          Attribute = "productCodes"
	AttrSourceDestCheck       Attribute = "sourceDestCheck"
	AttrGroupSet              Attribute = "groupSet"
	AttrEbsOptimized          Attribute = "ebsOptimized"
	AttrSriovNetSupport       Attribute = "sriovNetSupport"
	AttrEnaSupport            Attribute = "enaSupport"
	AttrEnclaveOptions        Attribute = "enclaveOptions"
	AttrDisableAPIStop        Attribute = "disableApiStop"
)

// Attributes are the attributes DescribeInstanceAttribute reads.
var Attributes = []Attribute{AttrInstanceType, AttrKernel, AttrRamdisk, AttrUserData, AttrDisableAPITermination,
	AttrShutdownBehavior, AttrRootDeviceName, AttrBlockDeviceMapping, AttrProductCodes, AttrSourceDestCheck,
	AttrGroupSet, AttrEbsOptimized, AttrSriovNetSupport, AttrEnaSupport, AttrEnclaveOptions, AttrDisableAPIStop}

// StateChange is what StopInstances, StartInstances and
// TerminateInstances answer for each instance.
type StateChange struct {
	InstanceID string
	Previous   State
	Current    State
}

package compute

import (
	"crypto/sha256"
	"encoding/base32"
	"regexp"
	"strings"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/fault"
)

// InstanceProfile is the IAM instance profile an instance was launched
// with. Tollgate has no IAM, so a profile is not created beforehand: it is
// an ARN in the launcher's account, and the role it carries, whose
// credentials the instance's metadata service serves, is named after it
// (account.ValidRoleName). Its zero value is none.
type InstanceProfile struct {
	ARN string // arn:aws:iam::<account>:instance-profile[/path]/<name>
}

// IsZero reports whether there is no profile.
func (p InstanceProfile) IsZero() bool { return p.ARN == "" }

// Name is the profile's name: the last element of its ARN.
func (p InstanceProfile) Name() string {
	if p.IsZero() {
		return ""
	}
	return p.ARN[strings.LastIndex(p.ARN, "/")+1:]
}

// Role is the name of the role the profile carries: the profile's own.
func (p InstanceProfile) Role() string { return p.Name() }

// ID is the profile's unique ID as DescribeInstances shows it: AIPA and 17
// characters, the same for the same ARN every time, since there is no IAM
// to have assigned one.
func (p InstanceProfile) ID() string {
	if p.IsZero() {
		return ""
	}
	sum := sha256.Sum256([]byte("tollgate instance profile\x00" + p.ARN))
	return "AIPA" + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// ProfileRequest is RunInstances' IamInstanceProfile: the profile's ARN,
// its name, or both.
type ProfileRequest struct {
	ARN, Name string
}

// Limits of a profile: an IAM path's, and a role name's, since the role is
// named after the profile (IAM allows profile names of 128 characters).
const (
	MaxProfilePath = 512
	MaxProfileName = 64
)

// profileARN is an instance profile's ARN: the account, the path and the
// name.
var profileARN = regexp.MustCompile(`^arn:aws:iam::(\d{12}):instance-profile(/(?:[\x21-\x7e]*/)?)([^/]*)$`)

// ResolveProfile checks the profile a launch by caller names and returns
// it: an ARN must be well formed and in caller's account, a name a valid
// IAM name of at most MaxProfileName characters, and when both are given
// the ARN must name that profile. No profile is the zero profile.
func ResolveProfile(caller string, req ProfileRequest) (InstanceProfile, error) {
	if req.ARN == "" && req.Name == "" {
		return InstanceProfile{}, nil
	}
	if req.ARN == "" {
		if !account.ValidRoleName(req.Name) {
			return InstanceProfile{}, badProfile("name", req.Name,
				"Invalid IAM Instance Profile name: give 1 to 64 letters, digits and +=,.@_-")
		}
		return InstanceProfile{ARN: "arn:aws:iam::" + caller + ":instance-profile/" + req.Name}, nil
	}
	m := profileARN.FindStringSubmatch(req.ARN)
	switch {
	case m == nil:
		return InstanceProfile{}, badProfile("arn", req.ARN,
			"Invalid IAM Instance Profile ARN: give one such as arn:aws:iam::123456789012:instance-profile/name")
	case m[1] != caller:
		return InstanceProfile{}, badProfile("arn", req.ARN,
			"The instance profile is in account "+m[1]+"; an instance runs with a profile of its launcher's account, "+caller)
	case len(m[2]) > MaxProfilePath:
		return InstanceProfile{}, badProfile("arn", req.ARN, "The instance profile's path is longer than 512 characters")
	case !account.ValidRoleName(m[3]):
		return InstanceProfile{}, badProfile("arn", req.ARN,
			"Invalid IAM Instance Profile name: give 1 to 64 letters, digits and +=,.@_- (Tollgate names the role after the profile)")
	case req.Name != "" && req.Name != m[3]:
		return InstanceProfile{}, fault.Coded(fault.Invalid, "InvalidParameterCombination",
			"The instance profile name %q is not that of the ARN %q", clip(req.Name), clip(req.ARN))
	}
	return InstanceProfile{ARN: req.ARN}, nil
}

func badProfile(param, value, why string) error {
	return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter iamInstanceProfile.%s is invalid. %s",
		clip(value), param, why)
}

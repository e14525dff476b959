package imds

import (
	"context"
	"encoding/json"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/compute"
)

// Credentials is where the metadata service gets an instance's role and its temporary credentials.
type Credentials interface {
	// Role is the name of the role the instance's profile carries; "" when it has none.
	Role(ctx context.Context, instanceID string) (string, error)
	// Issue returns temporary credentials that act as the instance's owner and name the instance
	// (account.AccessKey with Role set: Role.Token is the session token, Role.Expires the expiry).
	Issue(ctx context.Context, instanceID, role string) (account.AccessKey, error)
}

// timeFormat is how IMDS writes times: RFC 3339 in UTC, to the second.
const timeFormat = "2006-01-02T15:04:05Z"

// iamInfo is iam/info's answer.
type iamInfo struct {
	Code               string
	LastUpdated        string
	InstanceProfileArn string
	InstanceProfileId  string
}

// roleCredentials is iam/security-credentials/<role>'s answer, the shape
// every SDK's instance-profile provider reads.
type roleCredentials struct {
	Code            string
	LastUpdated     string
	Type            string
	AccessKeyId     string
	SecretAccessKey string
	Token           string
	Expiration      string
}

// role returns the instance's role, "" for none or with no credentials
// source.
func (s *Server) role(ctx context.Context, inst compute.Instance) (string, error) {
	if s.cfg.Credentials == nil {
		return "", nil
	}
	return s.cfg.Credentials.Role(ctx, inst.ID)
}

// iam answers a path under meta-data/iam/: not found for an instance
// without a role.
func (s *Server) iam(ctx context.Context, inst compute.Instance, p string) ([]byte, string, error) {
	role, err := s.role(ctx, inst)
	if err != nil || role == "" {
		return nil, "", orNotFound(err)
	}
	switch p {
	case "":
		return listing("info", "security-credentials/")
	case "security-credentials":
		return listing(role)
	case "info":
		profile := inst.Profile
		if profile.IsZero() { // a role from elsewhere: its profile is named after it, as Tollgate names profiles
			profile.ARN = "arn:aws:iam::" + inst.Owner + ":instance-profile/" + role
		}
		return jsonText(iamInfo{Code: "Success", LastUpdated: s.cfg.Clock.Now().UTC().Format(timeFormat),
			InstanceProfileArn: profile.ARN, InstanceProfileId: profile.ID()})
	case "security-credentials/" + role:
		return s.credentials(ctx, inst, role)
	}
	return nil, "", errNotFound
}

// credentials issues the role's temporary credentials for the instance.
func (s *Server) credentials(ctx context.Context, inst compute.Instance, role string) ([]byte, string, error) {
	key, err := s.cfg.Credentials.Issue(ctx, inst.ID, role)
	if err != nil {
		return nil, "", err
	}
	out := roleCredentials{Code: "Success", Type: "AWS-HMAC", AccessKeyId: key.ID, SecretAccessKey: key.Secret,
		LastUpdated: s.cfg.Clock.Now().UTC().Format(timeFormat)}
	if !key.CreatedAt.IsZero() {
		out.LastUpdated = key.CreatedAt.UTC().Format(timeFormat)
	}
	if key.Role != nil {
		out.Token, out.Expiration = key.Role.Token, key.Role.Expires.UTC().Format(timeFormat)
	}
	return jsonText(out)
}

// jsonText writes v as EC2's metadata service writes JSON: indented, as
// text.
func jsonText(v any) ([]byte, string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return b, textPlain, err
}

func orNotFound(err error) error {
	if err == nil {
		return errNotFound
	}
	return err
}

package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
)

// Instance credentials: what an instance's metadata service serves at
// iam/security-credentials/<role>. They act as the instance's owner with
// the account's full rights (no license limit), as the role session
// arn:aws:sts::<account>:assumed-role/<role>/<instance-id>, as on AWS.
//
// Lifetime: AWS serves instance credentials for about six hours and makes
// new ones available well before the old expire. Tollgate issues a session
// for InstanceSessionDuration and serves the same one to every request
// until less than InstanceSessionRenewal of it is left; then it issues the
// next. An instance polled any number of times therefore holds at most two
// live sessions, and a client that refreshes at expiry minus its window (the
// SDKs use minutes) always gets credentials with an hour or more to run.
//
// They stop working when they expire or when the instance terminates (the
// store reads the instance's state with the key, InstanceEnded). Stopping
// an instance leaves issued credentials valid until they expire, as on AWS;
// a stopped instance gets no new ones (compute.Credentials).
const (
	InstanceSessionDuration = 6 * time.Hour
	InstanceSessionRenewal  = time.Hour
)

// InstanceSessionInput asks for the temporary credentials of an
// instance's role.
type InstanceSessionInput struct {
	AccountID string // the instance's owner
	Role      string // the role's name
	Instance  string // the instance's ID, the session's name
}

// Validate checks the input.
func (in InstanceSessionInput) Validate() error {
	switch {
	case !ValidID(in.AccountID):
		return fault.New(fault.Invalid, "invalid account ID %q: want 12 digits", clip(in.AccountID))
	case !ValidRoleName(in.Role):
		return fault.New(fault.Invalid, "invalid role name %q: want 1 to 64 letters, digits and +=,.@_-", clip(in.Role))
	case in.Instance == "":
		return fault.New(fault.Invalid, "an instance session needs the instance's ID")
	}
	return nil
}

// roleARN is the ARN of the role the session acts as.
func (in InstanceSessionInput) roleARN() string {
	return "arn:aws:iam::" + in.AccountID + ":role/" + in.Role
}

// ValidRoleName reports whether name is a valid IAM role name.
func ValidRoleName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !iamNameByte(name[i]) {
			return false
		}
	}
	return true
}

// iamNameByte reports whether c may appear in an IAM name: [\w+=,.@-].
func iamNameByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '_', '+', '=', ',', '.', '@', '-':
		return true
	}
	return false
}

// InstanceSession returns the temporary credentials of an instance's role:
// the instance's current session while more than InstanceSessionRenewal of
// it is left, a new one of InstanceSessionDuration otherwise. The caller
// (compute.Credentials) has checked that the instance runs and carries the
// role.
func (s *Service) InstanceSession(ctx context.Context, in InstanceSessionInput) (key AccessKey, err error) {
	defer fault.Annotate(&err, "account: credentials of instance %s", in.Instance)
	if err := in.Validate(); err != nil {
		return AccessKey{}, err
	}
	now := s.clock.Now()
	for range maxIDAttempts {
		fresh := s.newKey(in.AccountID, now)
		fresh.ID = "ASIA" + fresh.ID[len("AKIA"):]
		fresh.Role = &RoleSession{RoleArn: in.roleARN(), Name: in.Instance, Instance: in.Instance,
			Expires: now.Add(InstanceSessionDuration)}
		fresh.Role.Token = InstanceSessionToken(fresh.ID, fresh.Secret)
		key, err = s.store.ReuseInstanceSessionKey(ctx, fresh, now.Add(InstanceSessionRenewal))
		if err == nil {
			// A reused session comes back with the token's hash only; the
			// token is derived again from its secret.
			key.Role.Token = InstanceSessionToken(key.ID, key.Secret)
			return key, nil
		}
		if !fault.Is(err, fault.Conflict) {
			return AccessKey{}, err
		}
	}
	return AccessKey{}, err
}

// InstanceSessionToken is the session token of an instance session: an
// HMAC of the key's ID under its secret, spelt in the secrets' alphabet to
// the length of other session tokens. Deriving it lets the store keep only
// the token's hash and still serve the same session again: whoever can
// open the sealed secret could sign with it anyway, and the token, which
// travels in every request, tells nothing of the secret.
func InstanceSessionToken(keyID, secret string) string {
	out := make([]byte, 0, roleTokenLength)
	for block := uint32(0); len(out) < roleTokenLength; block++ {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte("tollgate instance session token\x00" + keyID + "\x00"))
		mac.Write(binary.BigEndian.AppendUint32(nil, block))
		for _, b := range mac.Sum(nil) {
			out = append(out, secretAlphabet[int(b)%len(secretAlphabet)]) // 64 divides 256
		}
	}
	return string(out[:roleTokenLength])
}

package license

import (
	"context"
	"regexp"
	"slices"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license/rules"
	"github.com/tollgate/tollgate/pkg/licensetoken"
)

// Sessions issues temporary credentials (account.Service does).
type Sessions interface {
	CreateRoleSession(ctx context.Context, in account.RoleSessionInput) (account.AccessKey, error)
}

// AssumeRoleWithWebIdentityInput is the STS AssumeRoleWithWebIdentity
// request, as far as a license token's access token is concerned.
type AssumeRoleWithWebIdentityInput struct {
	RoleArn          string
	RoleSessionName  string
	WebIdentityToken string
	DurationSeconds  *int
	ProviderId       string
	Policy           string
	PolicyArns       []string
}

// sessionName is the RoleSessionName pattern of the STS model.
var sessionName = regexp.MustCompile(`^[\w+=,.@-]*$`)

// Validate checks the request against the STS model's constraints. Its
// errors carry no code: STS's wire format names them (ValidationError).
func (in *AssumeRoleWithWebIdentityInput) Validate() error {
	n := len(in.RoleSessionName)
	switch {
	case len(in.RoleArn) < 20 || len(in.RoleArn) > MaxARNLength:
		return fault.New(fault.Invalid, "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and %d", MaxARNLength)
	case n < minSessionNameLength || n > maxSessionNameLength || !sessionName.MatchString(in.RoleSessionName):
		return fault.New(fault.Invalid, "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: "+
			"Member must have length between %d and %d and satisfy regular expression pattern: [\\w+=,.@-]*", minSessionNameLength, maxSessionNameLength)
	case len(in.WebIdentityToken) < 4 || len(in.WebIdentityToken) > maxWebIdentityTokenLength:
		return fault.New(fault.Invalid, "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and %d", maxWebIdentityTokenLength)
	case in.DurationSeconds != nil && (*in.DurationSeconds < 900 || *in.DurationSeconds > 43200):
		return fault.New(fault.Invalid, "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200", *in.DurationSeconds)
	case in.Policy != "" || len(in.PolicyArns) > 0:
		return fault.New(fault.Invalid, "session policies (Policy, PolicyArns) are not supported: Tollgate has no IAM, and a license token's credentials allow a fixed set of operations on one license")
	}
	return nil
}

// AssumeRoleWithWebIdentityOutput is its response.
type AssumeRoleWithWebIdentityOutput struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time
	SubjectFromWebIdentityToken                string
	AssumedRoleID, AssumedRoleArn              string
	Provider, Audience                         string
}

// Errors of AssumeRoleWithWebIdentity, in the STS model's vocabulary.
func errInvalidIdentityToken(format string, args ...any) error {
	return fault.Coded(fault.Invalid, "InvalidIdentityToken", format, args...)
}

func errExpiredToken(format string, args ...any) error {
	return fault.Coded(fault.Expired, "ExpiredTokenException", format, args...)
}

// AssumeRoleWithWebIdentity exchanges an access token (GetAccessToken) for
// temporary credentials of a role in the account that created the refresh
// token, valid for the token's license only. Tollgate has no IAM, so in
// place of the role's trust policy it checks that the role is an IAM role
// ARN in the token's account and, when the token names roles (CreateToken's
// RoleArns), one of them; the role need not exist. The access token must be
// unexpired and its refresh token not deleted. The request is unsigned, as
// the SDKs send it.
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, in AssumeRoleWithWebIdentityInput) (AssumeRoleWithWebIdentityOutput, error) {
	if err := in.Validate(); err != nil {
		return AssumeRoleWithWebIdentityOutput{}, err
	}
	claims, err := s.accessClaims(ctx, in.WebIdentityToken)
	if err != nil {
		return AssumeRoleWithWebIdentityOutput{}, err
	}
	if err := s.mayAssume(ctx, claims, in.RoleArn); err != nil {
		return AssumeRoleWithWebIdentityOutput{}, err
	}
	duration := account.DefaultRoleSessionDuration
	if in.DurationSeconds != nil {
		duration = time.Duration(*in.DurationSeconds) * time.Second
	}
	if duration > account.MaxRoleSessionDuration {
		return AssumeRoleWithWebIdentityOutput{}, fault.New(fault.Invalid,
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role: at most %d seconds", int(account.MaxRoleSessionDuration/time.Second))
	}
	if s.cfg.Sessions == nil {
		return AssumeRoleWithWebIdentityOutput{}, fault.New(fault.Internal, "license: no session issuer configured")
	}
	key, err := s.cfg.Sessions.CreateRoleSession(ctx, account.RoleSessionInput{AccountID: claims.Subject, RoleArn: in.RoleArn,
		Name: in.RoleSessionName, License: claims.Audience, Duration: duration})
	if err != nil {
		return AssumeRoleWithWebIdentityOutput{}, err
	}
	p := account.PrincipalOf(key)
	return AssumeRoleWithWebIdentityOutput{AccessKeyID: key.ID, SecretAccessKey: key.Secret, SessionToken: key.Role.Token,
		Expiration: key.Role.Expires, SubjectFromWebIdentityToken: claims.Subject,
		AssumedRoleID: "AROA" + key.ID[4:] + ":" + in.RoleSessionName, AssumedRoleArn: p.ARN(),
		Provider: claims.Issuer, Audience: claims.Audience}, nil
}

// accessClaims verifies an access token: signed by the marketplace's key,
// an access token (not a refresh token), unexpired.
func (s *Service) accessClaims(ctx context.Context, token string) (licensetoken.TokenClaims, error) {
	var claims licensetoken.TokenClaims
	invalid := errInvalidIdentityToken("the web identity token is not an access token from License Manager's GetAccessToken")
	if err := s.keys.Verify(ctx, s.cfg.MarketplaceFingerprint, token, &claims, invalid); err != nil {
		return claims, err
	}
	if claims.Use != licensetoken.AccessTokenUse || claims.Issuer != TokenProvider || claims.Subject == "" || claims.Audience == "" {
		return claims, invalid
	}
	now := s.clock.Now()
	if expires := time.Unix(claims.Expires, 0); !now.Before(expires) {
		return claims, errExpiredToken("Token expired: current date/time %s must be before the expiration date/time %s",
			rules.FormatTime(now), rules.FormatTime(expires))
	}
	return claims, nil
}

// mayAssume stands in for the trust policy of the role: its refresh token
// still usable, the role in the token's account and, when the token names
// roles, one of them.
func (s *Service) mayAssume(ctx context.Context, claims licensetoken.TokenClaims, roleArn string) error {
	t, err := s.store.Token(ctx, claims.TokenID)
	if fault.Is(err, fault.NotFound) || (err == nil && t.Account != claims.Subject) {
		return errInvalidIdentityToken("the access token's refresh token does not exist")
	}
	if err != nil {
		return err
	}
	if err := usable(t, s.clock.Now()); err != nil {
		return errInvalidIdentityToken("%s", fault.As(err).Message)
	}
	denied := func(why string) error {
		return fault.New(fault.Forbidden, "Not authorized to perform sts:AssumeRoleWithWebIdentity on %s: %s", clip(roleArn), why)
	}
	acct, ok := account.RoleAccount(roleArn)
	switch {
	case !ok:
		return denied("not an IAM role ARN such as arn:aws:iam::123456789012:role/AWSLicenseManagerConsumptionRole")
	case acct != claims.Subject:
		return denied("the role is not in account " + claims.Subject + ", which created the token")
	case len(t.RoleArns) > 0 && !slices.Contains(t.RoleArns, roleArn):
		return denied("the token names other roles")
	}
	return nil
}

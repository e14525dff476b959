package license

import (
	"context"
	"slices"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license/rules"
	"github.com/tollgate/tollgate/pkg/licensetoken"
)

// The token flow for customers without an AWS account: the license's
// issuer (or a grantee allowed CreateToken) creates a refresh token for a
// license (CreateToken) and hands it to the customer; the customer's
// software exchanges it, unsigned, for an access token (GetAccessToken),
// and the access token for temporary credentials of a role in the token's
// account (sts:AssumeRoleWithWebIdentity, AssumeRoleWithWebIdentity here),
// with which it checks out that license and no other. Both tokens are JWTs
// signed by the marketplace's key (licensetoken.TokenClaims).

// Token defaults, types and statuses.
const (
	defaultTokenDays = 365
	accessTokenTTL   = time.Hour
	// RefreshTokenType is the type of the tokens CreateToken creates.
	RefreshTokenType = "REFRESH_TOKEN"
	// TokenAvailable is the status of a refresh token that can be used.
	TokenAvailable = "AVAILABLE"
	// TokenDeleted is the status of a refresh token its owner deleted.
	TokenDeleted = "DELETED"
	// createTokenWindow is how long CreateToken's ClientToken is valid:
	// the model says 10 minutes, where other client tokens are kept for
	// ClientTokenRetention.
	createTokenWindow = 10 * time.Minute
	// TokenProvider is the iss claim of refresh and access tokens, and the
	// Provider AssumeRoleWithWebIdentity names: the federated principal
	// AWS documents for the role license tokens assume.
	TokenProvider = "openid-license-manager.amazonaws.com"
	// IssuerAccountClaim prefixes the amr entry of an access token that
	// names the account that created the refresh token.
	IssuerAccountClaim = "aws:license-manager:token-issuer-account-id:"
)

// CreateTokenInput is the CreateToken request.
type CreateTokenInput struct {
	LicenseArn       string
	RoleArns         []string
	ExpirationInDays *int
	TokenProperties  []string
	ClientToken      string
}

// Validate checks the request against the model's constraints.
func (in *CreateTokenInput) Validate() error {
	p := problems(in)
	arn(p, "licenseArn", in.LicenseArn, true)
	p.ClientToken(in.ClientToken)
	for _, r := range in.RoleArns {
		arn(p, "roleArns.member", r, true)
	}
	p.Count("tokenProperties", len(in.TokenProperties), maxTokenProperties)
	p.Between("expirationInDays", in.ExpirationInDays, 1, maxTokenDays, "be")
	return p.Err()
}

// CreateTokenOutput is the CreateToken response.
type CreateTokenOutput struct {
	TokenId   string
	TokenType string
	Token     string
}

// CreateToken creates a refresh token, a JWT whose aud claim is the license
// and whose amr claim is the token properties, that lets software outside
// any AWS account get access tokens for a license the caller issued or holds
// a grant for that allows CreateToken. A retry with the same ClientToken
// within 10 minutes gets the same token.
func (s *Service) CreateToken(ctx context.Context, caller string, in CreateTokenInput) (CreateTokenOutput, error) {
	if err := in.Validate(); err != nil {
		return CreateTokenOutput{}, err
	}
	hash := requestHash(in)
	if out, found, err := replayWithin[CreateTokenOutput](ctx, s.store, createTokenWindow, s.clock.Now(), caller, "CreateToken", in.ClientToken, hash); found || err != nil {
		return out, err
	}
	if err := s.mayUse(ctx, caller, in.LicenseArn, OpCreateToken); err != nil {
		return CreateTokenOutput{}, err
	}
	if l, err := s.store.GetLicense(ctx, in.LicenseArn, ""); err != nil {
		return CreateTokenOutput{}, err
	} else if err := inHomeRegion(ctx, l.LicenseArn, l.HomeRegion); err != nil {
		return CreateTokenOutput{}, err
	}
	t, err := s.newRefreshToken(ctx, caller, in)
	if err != nil {
		return CreateTokenOutput{}, err
	}
	var out CreateTokenOutput
	err = s.store.Update(ctx, func(tx Tx) error {
		var err error
		out, err = idempotentWithin(tx, createTokenWindow, caller, "CreateToken", in.ClientToken, hash, func() (CreateTokenOutput, error) {
			return CreateTokenOutput{TokenId: t.TokenId, TokenType: t.TokenType, Token: t.Secret}, tx.PutToken(t)
		})
		return err
	})
	return out, err
}

// newRefreshToken makes and signs a refresh token (signing takes
// milliseconds, so it happens before the transaction). A token longer than
// GetAccessToken accepts, which only long token properties make, is
// refused here, so that no token is created that cannot be used.
func (s *Service) newRefreshToken(ctx context.Context, caller string, in CreateTokenInput) (Token, error) {
	days := defaultTokenDays
	if in.ExpirationInDays != nil {
		days = *in.ExpirationInDays
	}
	now := s.clock.Now()
	t := Token{TokenId: newID(16), TokenType: RefreshTokenType, LicenseArn: in.LicenseArn, TokenProperties: in.TokenProperties,
		RoleArns: in.RoleArns, Status: TokenAvailable, Account: caller, Expires: now.Add(time.Duration(days) * 24 * time.Hour)}
	if err := s.keys.Ensure(ctx, s.cfg.MarketplaceFingerprint); err != nil {
		return Token{}, err
	}
	signed, err := s.keys.Sign(ctx, s.cfg.MarketplaceFingerprint, licensetoken.TokenClaims{Issuer: TokenProvider, Subject: caller,
		Audience: t.LicenseArn, AMR: t.TokenProperties, ID: t.TokenId, TokenID: t.TokenId, Use: licensetoken.RefreshTokenUse,
		IssuedAt: now.Unix(), Expires: t.Expires.Unix()})
	if err != nil {
		return Token{}, err
	}
	if len(signed) > MaxTokenLength {
		return Token{}, errValidation("the token properties make the refresh token %d characters long, more than the %d GetAccessToken accepts; shorten them",
			len(signed), MaxTokenLength)
	}
	t.Secret = signed
	return t, nil
}

// mayUse checks that the caller issued the license or holds an active grant
// for it that allows op.
func (s *Service) mayUse(ctx context.Context, caller, arn string, op Operation) error {
	l, err := s.store.GetLicense(ctx, arn, "")
	if err == nil && l.Owner == caller {
		return nil
	}
	if err != nil && !fault.Is(err, fault.NotFound) {
		return err
	}
	grants, err := s.store.ListGrantsByGrantee(ctx, caller)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if g.LicenseArn == arn && g.GrantStatus == GrantActive && g.allows(op) && s.chainActive(ctx, g) == nil {
			return nil
		}
	}
	return errNotFound("license %s does not exist or no active grant allows %s for your account", clip(arn), op)
}

// ListTokensInput is the ListTokens request.
type ListTokensInput struct {
	TokenIds []string
	ListInput
}

// Validate checks the request against the model's constraints.
func (in *ListTokensInput) Validate() error {
	return validateList(in, in.ListInput, nil, tokenFilters, "LicenseArns")
}

// ListTokensOutput is the ListTokens response.
type ListTokensOutput struct {
	Tokens    []Token
	NextToken string
}

var tokenFilters = map[string]func(Token) string{
	"LicenseArns": func(t Token) string { return t.LicenseArn },
}

// ListTokens lists the caller's refresh tokens, deleted ones included (as
// DELETED).
func (s *Service) ListTokens(ctx context.Context, caller string, in ListTokensInput) (ListTokensOutput, error) {
	if err := in.Validate(); err != nil {
		return ListTokensOutput{}, err
	}
	all, err := s.store.ListTokens(ctx, caller)
	if err != nil {
		return ListTokensOutput{}, err
	}
	matched := filterItems(all, in.Filters, in.TokenIds, tokenFilters, func(t Token) string { return t.TokenId })
	page, next, err := paginate(matched, func(t Token) string { return t.TokenId }, in.NextToken, in.MaxResults)
	return ListTokensOutput{Tokens: page, NextToken: next}, err
}

// DeleteTokenInput is the DeleteToken request.
type DeleteTokenInput struct {
	TokenId string
}

// Validate checks the request against the model's constraints.
func (in *DeleteTokenInput) Validate() error {
	p := problems(in)
	p.Required("tokenId", in.TokenId)
	return p.Err()
}

// DeleteToken revokes a refresh token of the caller's: it buys no access
// token from then on, nor do the access tokens it bought buy credentials,
// and ListTokens shows it DELETED.
func (s *Service) DeleteToken(ctx context.Context, caller string, in DeleteTokenInput) (struct{}, error) {
	if err := in.Validate(); err != nil {
		return struct{}{}, err
	}
	err := s.store.Update(ctx, func(tx Tx) error {
		t, err := tx.Token(in.TokenId)
		if err != nil || t.Account != caller || t.Status == TokenDeleted {
			if err == nil || fault.Is(err, fault.NotFound) {
				return errNotFound("token %s does not exist", clip(in.TokenId))
			}
			return err
		}
		return tx.SetTokenStatus(t.TokenId, TokenDeleted)
	})
	return struct{}{}, err
}

// GetAccessTokenInput is the GetAccessToken request.
type GetAccessTokenInput struct {
	Token           string
	TokenProperties []string
}

// Validate checks the request against the model's constraints.
func (in *GetAccessTokenInput) Validate() error {
	p := problems(in)
	p.Required("token", in.Token)
	p.Count("tokenProperties", len(in.TokenProperties), maxTokenProperties)
	return p.Err()
}

// GetAccessTokenOutput is the GetAccessToken response.
type GetAccessTokenOutput struct {
	AccessToken string
}

// GetAccessToken exchanges a refresh token for an access token valid for an
// hour. The refresh token is the credential: the request may be unsigned,
// and caller is not read. TokenProperties, when given, must each be among
// the refresh token's.
func (s *Service) GetAccessToken(ctx context.Context, _ string, in GetAccessTokenInput) (GetAccessTokenOutput, error) {
	if err := in.Validate(); err != nil {
		return GetAccessTokenOutput{}, err
	}
	now := s.clock.Now()
	t, err := s.store.GetTokenBySecret(ctx, in.Token)
	if err == nil {
		err = usable(t, now)
	}
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return GetAccessTokenOutput{}, errAccessDenied("the refresh token is not valid")
		}
		return GetAccessTokenOutput{}, err
	}
	for _, p := range in.TokenProperties {
		if !slices.Contains(t.TokenProperties, p) {
			return GetAccessTokenOutput{}, errAccessDenied("token property %q is not one of the refresh token's", clip(p))
		}
	}
	signed, err := s.keys.Sign(ctx, s.cfg.MarketplaceFingerprint, licensetoken.TokenClaims{Issuer: TokenProvider, Subject: t.Account,
		Audience: t.LicenseArn, AMR: append(slices.Clone(t.TokenProperties), IssuerAccountClaim+t.Account), ID: newID(16),
		TokenID: t.TokenId, Use: licensetoken.AccessTokenUse, IssuedAt: now.Unix(), Expires: now.Add(accessTokenTTL).Unix()})
	return GetAccessTokenOutput{AccessToken: signed}, err
}

// usable refuses a refresh token that was deleted or has expired.
func usable(t Token, now time.Time) error {
	switch {
	case t.Status == TokenDeleted:
		return errAccessDenied("the refresh token %s was deleted", t.TokenId)
	case !now.Before(t.Expires):
		return errAccessDenied("the refresh token %s expired at %s", t.TokenId, rules.FormatTime(t.Expires))
	}
	return nil
}

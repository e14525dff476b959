package license

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/pkg/licensetoken"
)

// Token defaults, types and statuses.
const (
	defaultTokenDays = 365
	accessTokenTTL   = time.Hour
	// RefreshTokenType is the type of the tokens CreateToken creates.
	RefreshTokenType = "REFRESH_TOKEN"
	// TokenAvailable is the status of a refresh token that can be used.
	TokenAvailable = "AVAILABLE"
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

// CreateToken creates a refresh token that lets software outside the
// buyer's account (on premises, say) get access tokens for a license the
// buyer holds.
func (s *Service) CreateToken(ctx context.Context, caller string, in CreateTokenInput) (CreateTokenOutput, error) {
	if err := in.Validate(); err != nil {
		return CreateTokenOutput{}, err
	}
	if err := s.mayUse(ctx, caller, in.LicenseArn, OpCreateToken); err != nil {
		return CreateTokenOutput{}, err
	}
	days := defaultTokenDays
	if in.ExpirationInDays != nil {
		days = *in.ExpirationInDays
	}
	hash := requestHash(in)
	var out CreateTokenOutput
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		out, err = idempotent(tx, caller, "CreateToken", in.ClientToken, hash, func() (CreateTokenOutput, error) {
			expires := tx.Now().Add(time.Duration(days) * 24 * time.Hour)
			t := Token{TokenId: newID(16), TokenType: RefreshTokenType, LicenseArn: in.LicenseArn,
				TokenProperties: in.TokenProperties, RoleArns: in.RoleArns, Status: TokenAvailable,
				Account: caller, Secret: "tgr-" + newID(32), Expires: expires}
			return CreateTokenOutput{TokenId: t.TokenId, TokenType: t.TokenType, Token: t.Secret}, tx.PutToken(t)
		})
		return err
	})
	return out, err
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
		if g.LicenseArn == arn && g.GrantStatus == GrantActive && g.allows(op) {
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

// ListTokens lists the caller's refresh tokens.
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

// DeleteToken revokes a refresh token of the caller's.
func (s *Service) DeleteToken(ctx context.Context, caller string, in DeleteTokenInput) (struct{}, error) {
	if err := in.Validate(); err != nil {
		return struct{}{}, err
	}
	err := s.store.Update(ctx, func(tx Tx) error {
		t, err := tx.Token(in.TokenId)
		if err != nil || t.Account != caller {
			if err == nil || fault.Is(err, fault.NotFound) {
				return errNotFound("token %s does not exist", clip(in.TokenId))
			}
			return err
		}
		return tx.DeleteToken(t.TokenId)
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

// GetAccessToken exchanges a refresh token for a short-lived access token,
// signed by the marketplace.
func (s *Service) GetAccessToken(ctx context.Context, caller string, in GetAccessTokenInput) (GetAccessTokenOutput, error) {
	if err := in.Validate(); err != nil {
		return GetAccessTokenOutput{}, err
	}
	t, err := s.store.GetTokenBySecret(ctx, in.Token)
	now := s.clock.Now()
	if err != nil || !now.Before(t.Expires) {
		if err == nil || fault.Is(err, fault.NotFound) {
			return GetAccessTokenOutput{}, errAccessDenied("the refresh token is not valid or has expired")
		}
		return GetAccessTokenOutput{}, err
	}
	props := t.TokenProperties
	if len(in.TokenProperties) > 0 {
		props = in.TokenProperties
	}
	signed, err := s.keys.Sign(ctx, s.cfg.MarketplaceFingerprint, licensetoken.AccessClaims{Subject: t.Account, TokenID: t.TokenId, LicenseArn: t.LicenseArn,
		TokenProperties: props, IssuedAt: now.Unix(), Expires: now.Add(accessTokenTTL).Unix()})
	return GetAccessTokenOutput{AccessToken: signed}, err
}

package license

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
)

// Token defaults and limits.
const (
	defaultTokenDays = 365
	accessTokenTTL   = time.Hour
	refreshTokenType = "REFRESH_TOKEN"
)

// CreateTokenInput is the CreateToken request.
type CreateTokenInput struct {
	LicenseArn       string   `json:"LicenseArn"`
	RoleArns         []string `json:"RoleArns"`
	ExpirationInDays *int     `json:"ExpirationInDays"`
	TokenProperties  []string `json:"TokenProperties"`
	ClientToken      string   `json:"ClientToken"`
}

// Validate checks the request against the model's constraints.
func (in *CreateTokenInput) Validate() error {
	var v validator
	v.text(in)
	v.arn("licenseArn", in.LicenseArn, true)
	v.clientToken(in.ClientToken)
	for _, r := range in.RoleArns {
		v.arn("roleArns.member", r, true)
	}
	v.count("tokenProperties", len(in.TokenProperties), maxTokenProperties)
	if d := in.ExpirationInDays; d != nil && (*d < 1 || *d > maxTokenDays) {
		v.add("Value '%d' at 'expirationInDays' failed to satisfy constraint: Member must be between 1 and %d", *d, maxTokenDays)
	}
	return v.err()
}

// CreateTokenOutput is the CreateToken response.
type CreateTokenOutput struct {
	TokenId   string `json:"TokenId"`
	TokenType string `json:"TokenType"`
	Token     string `json:"Token"`
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
			t := Token{TokenId: newID(16), TokenType: refreshTokenType, LicenseArn: in.LicenseArn, ExpirationTime: formatTime(expires),
				TokenProperties: in.TokenProperties, RoleArns: in.RoleArns, Status: "AVAILABLE",
				Account: caller, Secret: "tgr-" + newID(32), Expires: expires}
			return CreateTokenOutput{TokenId: t.TokenId, TokenType: t.TokenType, Token: t.Secret}, tx.PutToken(t)
		})
		return err
	})
	return out, err
}

// mayUse checks that the caller issued the license or holds an active grant
// for it that allows op.
func (s *Service) mayUse(ctx context.Context, caller, arn, op string) error {
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
	TokenIds []string `json:"TokenIds"`
	ListInput
}

// ListTokensOutput is the ListTokens response.
type ListTokensOutput struct {
	Tokens    []Token `json:"Tokens"`
	NextToken string  `json:"NextToken,omitempty"`
}

var tokenFilters = map[string]func(Token) string{
	"LicenseArns": func(t Token) string { return t.LicenseArn },
}

// ListTokens lists the caller's refresh tokens.
func (s *Service) ListTokens(ctx context.Context, caller string, in ListTokensInput) (ListTokensOutput, error) {
	if err := validateList(in, in.ListInput, nil, tokenFilters, "LicenseArns"); err != nil {
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
	TokenId string `json:"TokenId"`
}

// DeleteToken revokes a refresh token of the caller's.
func (s *Service) DeleteToken(ctx context.Context, caller string, in DeleteTokenInput) (struct{}, error) {
	var v validator
	v.text(in)
	v.required("tokenId", in.TokenId)
	if err := v.err(); err != nil {
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
	Token           string   `json:"Token"`
	TokenProperties []string `json:"TokenProperties"`
}

// GetAccessTokenOutput is the GetAccessToken response.
type GetAccessTokenOutput struct {
	AccessToken string `json:"AccessToken"`
}

// accessClaims is the payload of an access token.
type accessClaims struct {
	Subject         string   `json:"sub"`
	TokenID         string   `json:"tokenId"`
	LicenseArn      string   `json:"licenseArn"`
	TokenProperties []string `json:"tokenProperties,omitempty"`
	IssuedAt        int64    `json:"iat"`
	Expires         int64    `json:"exp"`
}

// GetAccessToken exchanges a refresh token for a short-lived access token,
// signed by the marketplace.
func (s *Service) GetAccessToken(ctx context.Context, caller string, in GetAccessTokenInput) (GetAccessTokenOutput, error) {
	var v validator
	v.text(in)
	v.required("token", in.Token)
	v.count("tokenProperties", len(in.TokenProperties), maxTokenProperties)
	if err := v.err(); err != nil {
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
	signed, err := s.keys.Sign(ctx, s.cfg.MarketplaceFingerprint, accessClaims{Subject: t.Account, TokenID: t.TokenId, LicenseArn: t.LicenseArn,
		TokenProperties: props, IssuedAt: now.Unix(), Expires: now.Add(accessTokenTTL).Unix()})
	return GetAccessTokenOutput{AccessToken: signed}, err
}

package licensemanager

import (
	"github.com/tollgate/tollgate/internal/license"
)

// The wire shapes of refresh and access tokens (CreateToken, ListTokens,
// DeleteToken, GetAccessToken), and their mapping to and from the domain's.

// tokenShape is the TokenData shape.
type tokenShape struct {
	TokenId         string   `json:"TokenId"`
	TokenType       string   `json:"TokenType"`
	LicenseArn      string   `json:"LicenseArn"`
	ExpirationTime  string   `json:"ExpirationTime"`
	TokenProperties []string `json:"TokenProperties,omitempty"`
	RoleArns        []string `json:"RoleArns,omitempty"`
	Status          string   `json:"Status"`
}

func tokenOut(t license.Token) tokenShape {
	return tokenShape{TokenId: t.TokenId, TokenType: t.TokenType, LicenseArn: t.LicenseArn, ExpirationTime: formatTime(t.Expires),
		TokenProperties: t.TokenProperties, RoleArns: t.RoleArns, Status: t.Status}
}

// CreateToken.

type createTokenRequest struct {
	LicenseArn       string   `json:"LicenseArn"`
	RoleArns         []string `json:"RoleArns"`
	ExpirationInDays *int     `json:"ExpirationInDays"`
	TokenProperties  []string `json:"TokenProperties"`
	ClientToken      string   `json:"ClientToken"`
}

func createTokenIn(r createTokenRequest) (license.CreateTokenInput, error) {
	return license.CreateTokenInput{LicenseArn: r.LicenseArn, RoleArns: r.RoleArns, ExpirationInDays: r.ExpirationInDays,
		TokenProperties: r.TokenProperties, ClientToken: r.ClientToken}, nil
}

type createTokenResponse struct {
	TokenId   string `json:"TokenId"`
	TokenType string `json:"TokenType"`
	Token     string `json:"Token"`
}

func createTokenOut(o license.CreateTokenOutput) createTokenResponse {
	return createTokenResponse{TokenId: o.TokenId, TokenType: o.TokenType, Token: o.Token}
}

// ListTokens.

type listTokensRequest struct {
	TokenIds []string `json:"TokenIds"`
	listRequest
}

func listTokensIn(r listTokensRequest) (license.ListTokensInput, error) {
	return license.ListTokensInput{TokenIds: r.TokenIds, ListInput: listIn(r.listRequest)}, nil
}

type listTokensResponse struct {
	Tokens    []tokenShape `json:"Tokens"`
	NextToken string       `json:"NextToken,omitempty"`
}

func listTokensOut(o license.ListTokensOutput) listTokensResponse {
	return listTokensResponse{Tokens: mapSlice(o.Tokens, tokenOut), NextToken: o.NextToken}
}

// DeleteToken.

type deleteTokenRequest struct {
	TokenId string `json:"TokenId"`
}

func deleteTokenIn(r deleteTokenRequest) (license.DeleteTokenInput, error) {
	return license.DeleteTokenInput{TokenId: r.TokenId}, nil
}

// GetAccessToken.

type getAccessTokenRequest struct {
	Token           string   `json:"Token"`
	TokenProperties []string `json:"TokenProperties"`
}

func getAccessTokenIn(r getAccessTokenRequest) (license.GetAccessTokenInput, error) {
	return license.GetAccessTokenInput{Token: r.Token, TokenProperties: r.TokenProperties}, nil
}

type getAccessTokenResponse struct {
	AccessToken string `json:"AccessToken"`
}

func getAccessTokenOut(o license.GetAccessTokenOutput) getAccessTokenResponse {
	return getAccessTokenResponse{AccessToken: o.AccessToken}
}

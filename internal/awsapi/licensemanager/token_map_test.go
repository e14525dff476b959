package licensemanager

import (
	"testing"

	"github.com/tollgate/tollgate/internal/license"
)

// TestTokensOut: refresh tokens as the wire writes them, byte for byte:
// the expiry in UTC to the millisecond, the secret never.
func TestTokensOut(t *testing.T) {
	tok := license.Token{TokenId: "t", TokenType: license.RefreshTokenType, LicenseArn: "l", TokenProperties: []string{"p"},
		RoleArns: []string{"r"}, Status: license.TokenAvailable, Account: "a", Secret: "never on the wire", Expires: epoch}
	bare := license.Token{TokenId: "t", TokenType: license.RefreshTokenType, LicenseArn: "l", Status: license.TokenAvailable, Expires: epoch}
	for _, tc := range []struct {
		name string
		out  any
		want string
	}{
		{"ListTokens", listTokensOut(license.ListTokensOutput{Tokens: []license.Token{tok, bare}, NextToken: "n"}),
			`{"Tokens":[{"TokenId":"t","TokenType":"REFRESH_TOKEN","LicenseArn":"l","ExpirationTime":"2026-03-14T15:09:26.535Z",` +
				`"TokenProperties":["p"],"RoleArns":["r"],"Status":"AVAILABLE"},` +
				`{"TokenId":"t","TokenType":"REFRESH_TOKEN","LicenseArn":"l","ExpirationTime":"2026-03-14T15:09:26.535Z","Status":"AVAILABLE"}],"NextToken":"n"}`},
		{"CreateToken", createTokenOut(license.CreateTokenOutput{TokenId: "t", TokenType: license.RefreshTokenType, Token: "s"}),
			`{"TokenId":"t","TokenType":"REFRESH_TOKEN","Token":"s"}`},
		{"GetAccessToken", getAccessTokenOut(license.GetAccessTokenOutput{AccessToken: "a"}), `{"AccessToken":"a"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantJSON(t, tc.out, tc.want)
		})
	}
}

// TestTokenRequestsIn: the token requests reach the domain as sent.
func TestTokenRequestsIn(t *testing.T) {
	create, err := createTokenIn(createTokenRequest{LicenseArn: "l", RoleArns: []string{"r"}, ExpirationInDays: ptr(7), TokenProperties: []string{"p"}, ClientToken: "c"})
	wantValidation(t, err)
	diff(t, "CreateToken", license.CreateTokenInput{LicenseArn: "l", RoleArns: []string{"r"}, ExpirationInDays: ptr(7), TokenProperties: []string{"p"}, ClientToken: "c"}, create)
	list, err := listTokensIn(listTokensRequest{TokenIds: []string{"t"}, listRequest: listRequest{NextToken: "n"}})
	wantValidation(t, err)
	diff(t, "ListTokens", license.ListTokensInput{TokenIds: []string{"t"}, ListInput: license.ListInput{NextToken: "n"}}, list)
	access, err := getAccessTokenIn(getAccessTokenRequest{Token: "s", TokenProperties: []string{"p"}})
	wantValidation(t, err)
	diff(t, "GetAccessToken", license.GetAccessTokenInput{Token: "s", TokenProperties: []string{"p"}}, access)
}

package licensemanager_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/sdktest"
	"github.com/tollgate/tollgate/pkg/licensetoken"
)

// The token flow for customers without an AWS account, as the License
// Manager user guide presents it: CreateToken, then GetAccessToken with
// anonymous credentials, then sts:AssumeRoleWithWebIdentity (unsigned, as
// the SDK sends it), then License Manager with the temporary credentials,
// for the token's license only.

// anonymousLM is a License Manager client with no credentials: the SDK
// sends its requests unsigned.
func (e *env) anonymousLM() *licensemanager.Client {
	return licensemanager.New(licensemanager.Options{HTTPClient: sdktest.HTTPClient(), BaseEndpoint: aws.String(e.url), Region: region,
		Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1})
}

// stsClient is an STS client with the given credentials (nil: none).
func (e *env) stsClient(creds aws.CredentialsProvider) *sts.Client {
	return sts.New(sts.Options{HTTPClient: sdktest.HTTPClient(), BaseEndpoint: aws.String(e.url), Region: region, Credentials: creds, RetryMaxAttempts: 1})
}

// sessionLM is a License Manager client signing with temporary credentials.
func (e *env) sessionLM(c *ststypes.Credentials) *licensemanager.Client {
	return licensemanager.New(licensemanager.Options{HTTPClient: sdktest.HTTPClient(), BaseEndpoint: aws.String(e.url), Region: region, RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))})
}

// consumptionRole is the role the user guide has the ISV create.
func consumptionRole(p party) string {
	return "arn:aws:iam::" + p.ID + ":role/AWSLicenseManagerConsumptionRole"
}

func (e *env) assume(roleArn, accessToken string) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	return e.stsClient(nil).AssumeRoleWithWebIdentity(e.ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(roleArn), RoleSessionName: aws.String("customer-1"), WebIdentityToken: aws.String(accessToken)})
}

var _ = sdk("TokenFlow", testTokenFlow)

// testTokenFlow: an ISV issues a SaaS license to user@domain.com and a
// refresh token for it; the customer's software, with no AWS account,
// turns the token into temporary credentials and checks out that license.
func testTokenFlow(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	isv := e.party("isv", false)
	sku := newSKU()
	lic := e.createLicense(isv, e.licenseInput(sku, "user@domain.com", counted("Seats", 2, false)))
	otherLic := e.createLicense(isv, e.licenseInput(sku, "other@domain.com", counted("Seats", 2, false)))
	role := consumptionRole(isv)

	// CreateToken: a JWT, the license its aud claim, the properties its amr.
	createIn := &licensemanager.CreateTokenInput{LicenseArn: aws.String(lic), RoleArns: []string{role},
		TokenProperties: []string{"customer-1", "site-a"}, ClientToken: newToken()}
	created, err := isv.LM.CreateToken(e.ctx, createIn)
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	keys, err := licensetoken.FetchJWKS(e.ctx, http.DefaultClient, e.url)
	if err != nil {
		t.Fatalf("FetchJWKS: %v", err)
	}
	var refresh licensetoken.TokenClaims
	if _, err := licensetoken.VerifyInto(aws.ToString(created.Token), keys, &refresh); err != nil {
		t.Fatalf("the refresh token is not a JWT signed by a published key: %v", err)
	}
	if refresh.Audience != lic || !slices.Equal(refresh.AMR, []string{"customer-1", "site-a"}) || refresh.Subject != isv.ID ||
		refresh.ID != aws.ToString(created.TokenId) || refresh.Use != licensetoken.RefreshTokenUse {
		t.Errorf("refresh token claims %+v", refresh)
	}

	// GetAccessToken, unsigned, as software without an account calls it.
	anon := e.anonymousLM()
	access, err := anon.GetAccessToken(e.ctx, &licensemanager.GetAccessTokenInput{Token: created.Token, TokenProperties: []string{"site-a"}})
	if err != nil {
		t.Fatalf("GetAccessToken, unsigned: %v", err)
	}
	var accessClaims licensetoken.TokenClaims
	if _, err := licensetoken.VerifyInto(aws.ToString(access.AccessToken), keys, &accessClaims); err != nil {
		t.Fatalf("the access token does not verify: %v", err)
	}
	if accessClaims.Audience != lic || !slices.Contains(accessClaims.AMR, "aws:license-manager:token-issuer-account-id:"+isv.ID) ||
		accessClaims.Expires-accessClaims.IssuedAt != 3600 || accessClaims.Use != licensetoken.AccessTokenUse {
		t.Errorf("access token claims %+v", accessClaims)
	}
	// Token properties are validated against the token's.
	_, err = anon.GetAccessToken(e.ctx, &licensemanager.GetAccessTokenInput{Token: created.Token, TokenProperties: []string{"site-b"}})
	expectErr[*types.AccessDeniedException](t, err)
	// A refresh token is no web identity token, and an access token no
	// refresh token.
	_, err = e.assume(role, aws.ToString(created.Token))
	expectErr[*ststypes.InvalidIdentityTokenException](t, err)
	_, err = anon.GetAccessToken(e.ctx, &licensemanager.GetAccessTokenInput{Token: access.AccessToken})
	expectErr[*types.AccessDeniedException](t, err)

	// sts:AssumeRoleWithWebIdentity, unsigned.
	assumed, err := e.assume(role, aws.ToString(access.AccessToken))
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	if got, want := aws.ToString(assumed.AssumedRoleUser.Arn), "arn:aws:sts::"+isv.ID+":assumed-role/AWSLicenseManagerConsumptionRole/customer-1"; got != want {
		t.Errorf("AssumedRoleUser.Arn %s, want %s", got, want)
	}
	if aws.ToString(assumed.Audience) != lic || aws.ToString(assumed.SubjectFromWebIdentityToken) != isv.ID ||
		!aws.ToTime(assumed.Credentials.Expiration).Equal(e.now().Truncate(time.Second).Add(time.Hour)) {
		t.Errorf("AssumeRoleWithWebIdentity = audience %s, subject %s, expiration %s", aws.ToString(assumed.Audience),
			aws.ToString(assumed.SubjectFromWebIdentityToken), aws.ToTime(assumed.Credentials.Expiration))
	}

	// The credentials: the ISV's account, that license only.
	customer := e.sessionLM(assumed.Credentials)
	ident, err := e.stsClient(customer.Options().Credentials).GetCallerIdentity(e.ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(ident.Arn) != aws.ToString(assumed.AssumedRoleUser.Arn) || aws.ToString(ident.Account) != isv.ID {
		t.Errorf("GetCallerIdentity with the temporary credentials = %v, %+v", err, ident)
	}
	checkout := func(c *licensemanager.Client, beneficiary string) (*licensemanager.CheckoutLicenseOutput, error) {
		return c.CheckoutLicense(e.ctx, &licensemanager.CheckoutLicenseInput{ProductSKU: aws.String(sku), KeyFingerprint: aws.String(isv.selfFingerprint()),
			CheckoutType: types.CheckoutTypeProvisional, Entitlements: []types.EntitlementData{want("Seats", 1)},
			Beneficiary: aws.String(beneficiary), ClientToken: newToken()})
	}
	out, err := checkout(customer, "user@domain.com")
	if err != nil {
		t.Fatalf("CheckoutLicense with the temporary credentials: %v", err)
	}
	if aws.ToString(out.LicenseArn) != lic {
		t.Errorf("checked out %s, want %s", aws.ToString(out.LicenseArn), lic)
	}
	if _, err := customer.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: out.LicenseConsumptionToken}); err != nil {
		t.Errorf("ExtendLicenseConsumption with the temporary credentials: %v", err)
	}
	if _, err := customer.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(lic)}); err != nil {
		t.Errorf("GetLicense of the token's license: %v", err)
	}
	_, err = customer.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(otherLic)})
	expectErr[*types.AccessDeniedException](t, err)
	_, err = checkout(customer, "other@domain.com")
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	// The ISV itself checks out the other license: the credentials are
	// limited, not the account.
	other, err := checkout(isv.LM, "other@domain.com")
	if err != nil {
		t.Fatalf("the ISV's own checkout of the other license: %v", err)
	}
	_, err = customer.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: other.LicenseConsumptionToken})
	expectErr[*types.ResourceNotFoundException](t, err)
	for name, call := range map[string]func() error{
		"ListLicenses": func() error { _, err := customer.ListLicenses(e.ctx, &licensemanager.ListLicensesInput{}); return err },
		"GetLicenseUsage": func() error {
			_, err := customer.GetLicenseUsage(e.ctx, &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(lic)})
			return err
		},
		"CreateToken": func() error {
			_, err := customer.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(lic), ClientToken: newToken()})
			return err
		},
	} {
		if got := errorCode(t, call()); got != "AccessDeniedException" {
			t.Errorf("%s with the temporary credentials: %q, want AccessDeniedException", name, got)
		}
	}
	if _, err := customer.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: out.LicenseConsumptionToken}); err != nil {
		t.Errorf("CheckInLicense with the temporary credentials: %v", err)
	}

	// The session token is part of the credentials.
	forged := *assumed.Credentials
	forged.SessionToken = aws.String("not-the-session-token")
	_, err = checkout(e.sessionLM(&forged), "user@domain.com")
	if got := errorCode(t, err); got != "UnrecognizedClientException" {
		t.Errorf("checkout with a wrong session token: %q, want UnrecognizedClientException", got)
	}

	// What the role stands in for a trust policy refuses.
	for name, roleArn := range map[string]string{
		"role of another account": "arn:aws:iam::123456789012:role/AWSLicenseManagerConsumptionRole",
		"role the token omits":    "arn:aws:iam::" + isv.ID + ":role/Other",
		"not a role":              "arn:aws:iam::" + isv.ID + ":user/AWSLicenseManagerConsumptionRole",
	} {
		_, err := e.assume(roleArn, aws.ToString(access.AccessToken))
		if got := errorCode(t, err); got != "AccessDenied" {
			t.Errorf("AssumeRoleWithWebIdentity with a %s: %q, want AccessDenied", name, got)
		}
	}
	_, err = e.stsClient(nil).AssumeRoleWithWebIdentity(e.ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(role),
		RoleSessionName: aws.String("customer-1"), WebIdentityToken: access.AccessToken, DurationSeconds: aws.Int32(7200)})
	if got := errorCode(t, err); got != "ValidationError" {
		t.Errorf("AssumeRoleWithWebIdentity for two hours: %q, want ValidationError", got)
	}

	// The temporary credentials expire with the session; the access token
	// after its hour.
	e.advance(time.Hour)
	_, err = checkout(customer, "user@domain.com")
	if got := errorCode(t, err); got != "ExpiredTokenException" {
		t.Errorf("checkout with expired credentials: %q, want ExpiredTokenException", got)
	}
	_, err = e.assume(role, aws.ToString(access.AccessToken))
	expectErr[*ststypes.ExpiredTokenException](t, err)

	// A deleted refresh token buys nothing, nor do its access tokens.
	fresh, err := anon.GetAccessToken(e.ctx, &licensemanager.GetAccessTokenInput{Token: created.Token})
	if err != nil {
		t.Fatalf("GetAccessToken: %v", err)
	}
	if _, err := isv.LM.DeleteToken(e.ctx, &licensemanager.DeleteTokenInput{TokenId: created.TokenId}); err != nil {
		t.Fatalf("DeleteToken: %v", err)
	}
	_, err = anon.GetAccessToken(e.ctx, &licensemanager.GetAccessTokenInput{Token: created.Token})
	expectErr[*types.AccessDeniedException](t, err)
	_, err = e.assume(role, aws.ToString(fresh.AccessToken))
	expectErr[*ststypes.InvalidIdentityTokenException](t, err)
	list, err := isv.LM.ListTokens(e.ctx, &licensemanager.ListTokensInput{TokenIds: []string{aws.ToString(created.TokenId)}})
	if err != nil || len(list.Tokens) != 1 || aws.ToString(list.Tokens[0].Status) != "DELETED" {
		t.Errorf("ListTokens of the deleted token = %v, %+v", err, list)
	}
}

var _ = sdk("TokenFlowGrantee", testTokenFlowGrantee)

// testTokenFlowGrantee: a buyer whose grant allows CreateToken hands a
// token to software outside its account, which checks out through the
// buyer's grant, with a role of the buyer's account.
func testTokenFlowGrantee(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Seats", 2, false))
	created, err := x.buyer.LM.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(x.licenseArn), ClientToken: newToken()})
	if err != nil {
		t.Fatalf("CreateToken by the grantee: %v", err)
	}
	access, err := e.anonymousLM().GetAccessToken(e.ctx, &licensemanager.GetAccessTokenInput{Token: created.Token})
	if err != nil {
		t.Fatalf("GetAccessToken: %v", err)
	}
	// A token that names no roles admits any role of its account.
	_, err = e.assume(consumptionRole(x.seller), aws.ToString(access.AccessToken))
	if got := errorCode(t, err); got != "AccessDenied" {
		t.Errorf("assuming a role of the issuer's account with the buyer's token: %q, want AccessDenied", got)
	}
	assumed, err := e.assume("arn:aws:iam::"+x.buyer.ID+":role/software/OnPremises", aws.ToString(access.AccessToken))
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	out, err := e.checkout(party{LM: e.sessionLM(assumed.Credentials)}, x.sku, x.fp, types.CheckoutTypeProvisional, want("Seats", 1))
	if err != nil {
		t.Fatalf("CheckoutLicense through the buyer's grant with the temporary credentials: %v", err)
	}
	if aws.ToString(out.LicenseArn) != x.licenseArn {
		t.Errorf("checked out %s, want %s", aws.ToString(out.LicenseArn), x.licenseArn)
	}
	if diff := cmp.Diff(map[string]string{"Seats": "1/2"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
}

var _ = sdk("CreateTokenClientTokenWindow", testCreateTokenClientTokenWindow)

// testCreateTokenClientTokenWindow: CreateToken's ClientToken is valid for
// 10 minutes, as the model says: a retry within them gets the same token,
// one after them a new one.
func testCreateTokenClientTokenWindow(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Seats", 2, false))
	in := &licensemanager.CreateTokenInput{LicenseArn: aws.String(x.licenseArn), ClientToken: newToken()}
	first, err := x.seller.LM.CreateToken(e.ctx, in)
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	e.advance(9 * time.Minute)
	again, err := x.seller.LM.CreateToken(e.ctx, in)
	if err != nil || aws.ToString(again.TokenId) != aws.ToString(first.TokenId) || aws.ToString(again.Token) != aws.ToString(first.Token) {
		t.Errorf("CreateToken retried within 10 minutes = %v, token %s, want %s", err, aws.ToString(again.TokenId), aws.ToString(first.TokenId))
	}
	e.advance(time.Minute)
	later, err := x.seller.LM.CreateToken(e.ctx, in)
	if err != nil || aws.ToString(later.TokenId) == aws.ToString(first.TokenId) {
		t.Errorf("CreateToken retried after 10 minutes = %v, token %s, want a new one", err, aws.ToString(later.TokenId))
	}
	list, err := x.seller.LM.ListTokens(e.ctx, &licensemanager.ListTokensInput{})
	if err != nil || len(list.Tokens) != 2 {
		t.Errorf("ListTokens = %v, %d tokens, want 2", err, len(list.Tokens))
	}
	// Token properties that would make the token longer than GetAccessToken
	// takes are refused.
	long := strings.Repeat("<>", 750) // each escaped as \u003c in the JWT's JSON
	_, err = x.seller.LM.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(x.licenseArn), ClientToken: newToken(),
		TokenProperties: []string{long}})
	expectErr[*types.ValidationException](t, err)
}

var _ = sdk("TokenPropertiesAndDeletion", testTokenPropertiesAndDeletion)

// testTokenPropertiesAndDeletion: GetAccessToken takes only token
// properties the refresh token holds, and DeleteToken leaves the token
// listed, as DELETED, buying no access token from then on. The calls are
// signed by the token's creator, so that what is checked is the token's
// life, not the unsigned access the token flow adds.
func testTokenPropertiesAndDeletion(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Seats", 2, false))
	created, err := x.seller.LM.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(x.licenseArn),
		TokenProperties: []string{"site-a", "site-b"}, ClientToken: newToken()})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	access := func(props ...string) error {
		_, err := x.seller.LM.GetAccessToken(e.ctx, &licensemanager.GetAccessTokenInput{Token: created.Token, TokenProperties: props})
		return err
	}
	if err := access("site-b"); err != nil {
		t.Errorf("GetAccessToken with a property of the token's: %v", err)
	}
	if got := errorCode(t, access("site-c")); got != "AccessDeniedException" {
		t.Errorf("GetAccessToken with a property the token lacks: %q, want AccessDeniedException", got)
	}
	if got := errorCode(t, access("site-a", "site-c")); got != "AccessDeniedException" {
		t.Errorf("GetAccessToken with one property the token lacks: %q, want AccessDeniedException", got)
	}

	if _, err := x.seller.LM.DeleteToken(e.ctx, &licensemanager.DeleteTokenInput{TokenId: created.TokenId}); err != nil {
		t.Fatalf("DeleteToken: %v", err)
	}
	list, err := x.seller.LM.ListTokens(e.ctx, &licensemanager.ListTokensInput{})
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	statuses := map[string]string{}
	for _, tok := range list.Tokens {
		statuses[aws.ToString(tok.TokenId)] = aws.ToString(tok.Status)
	}
	if diff := cmp.Diff(map[string]string{aws.ToString(created.TokenId): "DELETED"}, statuses); diff != "" {
		t.Errorf("ListTokens after DeleteToken (-want +got):\n%s", diff)
	}
	if got := errorCode(t, access()); got != "AccessDeniedException" {
		t.Errorf("GetAccessToken with a deleted token: %q, want AccessDeniedException", got)
	}
}

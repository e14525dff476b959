package licensemanager_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/sdktest"
	"github.com/tollgate/tollgate/internal/store"
)

var _ = sdk("ServerInternalException", testServerInternalException)

// testServerInternalException: a failure of the server's own is the
// model's ServerInternalException, HTTP 500, which the SDK deserialises
// into its type, with no cause shown, not the generic InternalFailure.
func testServerInternalException(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Seats", 5, false))
	// A document the store cannot read: nothing a client does makes one.
	if err := e.app.DB.Update(e.ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE licenses SET doc = ? WHERE arn = ?`, "{not json", x.licenseArn)
		return err
	}); err != nil {
		t.Fatalf("corrupting the license's document: %v", err)
	}
	e.expectServerError()
	_, err := x.seller.LM.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(x.licenseArn)})
	internal := expectErr[*types.ServerInternalException](t, err)
	var resp *smithyhttp.ResponseError
	if !errors.As(err, &resp) || resp.HTTPStatusCode() != http.StatusInternalServerError {
		t.Errorf("ServerInternalException with HTTP %v, want 500", resp)
	}
	if msg := aws.ToString(internal.Message); strings.Contains(msg, "json") || strings.Contains(msg, "store") {
		t.Errorf("ServerInternalException shows its cause: %q", msg)
	}
}

// TestThrottlingIsRetried: contention is answered ThrottlingException,
// which the SDKs' standard retryers retry, and not the model's
// RateLimitExceededException, which they do not (aws-sdk-go-v2's list is
// checked here; botocore's standard mode lists the same codes).
func TestThrottlingIsRetried(t *testing.T) {
	codes := retry.DefaultThrottleErrorCodes
	if _, ok := codes["ThrottlingException"]; !ok {
		t.Errorf("the SDK's standard retryer does not retry ThrottlingException: %v", codes)
	}
	if _, ok := codes["RateLimitExceededException"]; ok {
		t.Errorf("the SDK's standard retryer retries RateLimitExceededException now: the contention code may follow the model")
	}
	if !(retry.ThrottleErrorCode{Codes: codes}).IsErrorThrottle(&smithy.GenericAPIError{Code: "ThrottlingException"}).Bool() {
		t.Errorf("ThrottlingException is not a throttle error to the SDK")
	}
}

var _ = sdk("HomeRegionRedirects", testHomeRegionRedirects)

// testHomeRegionRedirects: the operations the model says may redirect
// (CreateLicense, CheckoutLicense, CheckoutBorrowLicense, DeleteLicense,
// CreateToken) answer RedirectException when called in a region other than
// the license's home region; the others answer anywhere.
func testHomeRegionRedirects(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(borrowable(true), counted("Seats", 5, false))
	inRegion := func(p party, r string) *licensemanager.Client {
		return licensemanager.New(licensemanager.Options{HTTPClient: sdktest.HTTPClient(), BaseEndpoint: aws.String(e.url), Region: r, RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(p.Key.ID, p.Key.Secret, "")})
	}
	seller, buyer := inRegion(x.seller, "eu-west-1"), inRegion(x.buyer, "eu-west-1")
	redirect := func(name string, err error) {
		t.Helper()
		r := expectErr[*types.RedirectException](t, err)
		if !strings.Contains(aws.ToString(r.Message), "us-east-1") {
			t.Errorf("%s: RedirectException %q does not name the home region", name, aws.ToString(r.Message))
		}
	}
	_, err := buyer.CheckoutLicense(e.ctx, &licensemanager.CheckoutLicenseInput{ProductSKU: aws.String(x.sku), KeyFingerprint: aws.String(x.fp),
		CheckoutType: types.CheckoutTypeProvisional, Entitlements: []types.EntitlementData{want("Seats", 1)}, ClientToken: newToken()})
	redirect("CheckoutLicense", err)
	_, err = buyer.CheckoutBorrowLicense(e.ctx, borrowInput(x.licenseArn, types.DigitalSignatureMethodJwtPs384, want("Seats", 1)))
	redirect("CheckoutBorrowLicense", err)
	_, err = buyer.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(x.licenseArn), ClientToken: newToken()})
	redirect("CreateToken", err)
	_, err = seller.DeleteLicense(e.ctx, &licensemanager.DeleteLicenseInput{LicenseArn: aws.String(x.licenseArn), SourceVersion: aws.String("1")})
	redirect("DeleteLicense", err)
	_, err = seller.CreateLicense(e.ctx, e.licenseInput(newSKU(), x.buyer.ID, counted("Seats", 1, false))) // HomeRegion us-east-1
	redirect("CreateLicense", err)
	in := e.licenseInput(newSKU(), x.buyer.ID, counted("Seats", 1, false))
	in.HomeRegion = aws.String("eu-west-1")
	if _, err := seller.CreateLicense(e.ctx, in); err != nil {
		t.Errorf("CreateLicense in its home region eu-west-1: %v", err)
	}
	// Reading is not redirected, and nothing was taken.
	if _, err := buyer.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(x.licenseArn)}); err != nil {
		t.Errorf("GetLicense from another region: %v", err)
	}
	if got := e.usage(x.seller, x.licenseArn)["Seats"]; got != "0/5" {
		t.Errorf("usage after the redirects %s, want 0/5", got)
	}
}

var _ = sdk("GrantsPerLicenseLimit", testGrantsPerLicenseLimit)

// testGrantsPerLicenseLimit: a license has at most 2,000 grants that are
// neither deleted nor rejected; the next is ResourceLimitExceededException,
// and deleting one makes room.
func testGrantsPerLicenseLimit(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Seats", 5, false)) // one grant, to the buyer
	// 1,998 more stored directly (through the API they would take minutes),
	// and a rejected one, which does not count.
	if err := e.app.DB.Licenses().Update(e.ctx, func(tx license.Tx) error {
		for i := range license.MaxGrantsPerLicense - 1 {
			g := license.Grant{GrantArn: fmt.Sprintf("arn:aws:license-manager::%s:grant:g-bulk%05d", x.seller.ID, i), LicenseArn: x.licenseArn,
				ParentArn: x.licenseArn, Grantor: x.seller.ID, Grantee: fmt.Sprintf("4%011d", i), ProductSKU: x.sku, KeyFingerprint: x.fp,
				IssuerName: "Self", GrantStatus: license.GrantPendingAccept, Version: "1", GrantedOperations: []license.Operation{license.OpCheckoutLicense}}
			if i == 0 {
				g.GrantStatus = license.GrantRejected
			}
			if err := tx.PutGrant(g); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("storing grants: %v", err)
	}
	last := e.createGrant(x.seller, e.party("two-thousandth", false), x.licenseArn) // the 2,000th that counts
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs { // several at once: none passes the limit
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = x.seller.LM.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String("one too many"),
				LicenseArn: aws.String(x.licenseArn), Principals: []string{"arn:aws:iam::555555555555:root"}, HomeRegion: aws.String(region),
				AllowedOperations: []types.AllowedOperation{types.AllowedOperationCheckoutLicense}, ClientToken: newToken()})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		expectErr[*types.ResourceLimitExceededException](t, err)
	}
	if _, err := x.seller.LM.DeleteGrant(e.ctx, &licensemanager.DeleteGrantInput{GrantArn: aws.String(last), Version: aws.String("1")}); err != nil {
		t.Fatalf("DeleteGrant: %v", err)
	}
	e.createGrant(x.seller, e.party("in its place", false), x.licenseArn)
}

var _ = sdk("VersionsAreImmutable", testVersionsAreImmutable)

// testVersionsAreImmutable: deleting a license changes the license, not
// the versions it was published as: each still reads as it was.
func testVersionsAreImmutable(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Seats", 5, false))
	if _, err := x.seller.LM.DeleteLicense(e.ctx, &licensemanager.DeleteLicenseInput{LicenseArn: aws.String(x.licenseArn),
		SourceVersion: aws.String("1")}); err != nil {
		t.Fatalf("DeleteLicense: %v", err)
	}
	for version, want := range map[string]types.LicenseStatus{"": types.LicenseStatusDeleted, "1": types.LicenseStatusAvailable} {
		got, err := x.seller.LM.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(x.licenseArn), Version: aws.String(version)})
		if err != nil || got.License.Status != want {
			t.Errorf("GetLicense version %q after DeleteLicense = %v, %v; want %s", version, err, got, want)
		}
	}
	versions, err := x.seller.LM.ListLicenseVersions(e.ctx, &licensemanager.ListLicenseVersionsInput{LicenseArn: aws.String(x.licenseArn)})
	if err != nil || len(versions.Licenses) != 1 || versions.Licenses[0].Status != types.LicenseStatusAvailable {
		t.Errorf("ListLicenseVersions after DeleteLicense = %v, %+v; want version 1 as published", err, versions)
	}
}

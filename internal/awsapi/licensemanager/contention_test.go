package licensemanager_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/sdktest"
	"github.com/tollgate/tollgate/internal/store"
)

// maxStoreAttempts is how many times the store tries a PostgreSQL
// transaction that loses serialization races before it gives up
// (maxSerializationRetries in internal/store).
const maxStoreAttempts = 20

var _ = sdk("ContentionIsThrottlingException", testContentionIsThrottlingException)

// testContentionIsThrottlingException: a checkout whose transaction keeps
// losing serialization races, past the store's own retries, is answered
// ThrottlingException (HTTP 400), which the SDK's standard retryer retries:
// the retry, with the same client token, checks out once. Only PostgreSQL
// has such races (SQLite runs one writer at a time), so a trigger makes
// every write of a checkout fail as a lost race would (SQLSTATE 40001),
// as many times as the test says.
func testContentionIsThrottlingException(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	if e.app.DB.Dialect() != store.Postgres {
		t.Skip("SQLite runs one writer at a time: no serialization failures to answer")
	}
	x := e.entitle(nil, counted("Seats", 5, false))
	lose := func(races int) {
		t.Helper()
		if err := e.app.DB.Update(e.ctx, func(tx *store.Tx) error {
			for _, stmt := range []string{
				`DROP TRIGGER IF EXISTS lose_races ON license_checkouts`,
				`DROP SEQUENCE IF EXISTS lost_races`,
				`CREATE SEQUENCE lost_races`,
				`CREATE OR REPLACE FUNCTION lose_race() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF nextval('lost_races') <= ` + strconv.Itoa(races) + ` THEN
						RAISE EXCEPTION 'could not serialize access due to read/write dependencies among transactions' USING ERRCODE = '40001';
					END IF;
					RETURN NEW;
				END $$`,
				`CREATE TRIGGER lose_races BEFORE INSERT ON license_checkouts FOR EACH ROW EXECUTE FUNCTION lose_race()`,
			} {
				if _, err := tx.Exec(stmt); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("installing the trigger that loses races: %v", err)
		}
	}
	input := func() *licensemanager.CheckoutLicenseInput {
		return &licensemanager.CheckoutLicenseInput{ProductSKU: aws.String(x.sku), KeyFingerprint: aws.String(x.fp),
			CheckoutType: types.CheckoutTypeProvisional, Entitlements: []types.EntitlementData{want("Seats", 1)}, ClientToken: newToken()}
	}

	// Every attempt the store makes for one request loses its race.
	lose(1 << 30)
	_, err := x.buyer.LM.CheckoutLicense(e.ctx, input()) // one attempt, no retry
	if got := errorCode(t, err); got != "ThrottlingException" {
		t.Fatalf("a checkout that lost every race: %q (%v), want ThrottlingException", got, err)
	}
	var resp *smithyhttp.ResponseError
	if !errors.As(err, &resp) || resp.HTTPStatusCode() != http.StatusBadRequest {
		t.Errorf("ThrottlingException with HTTP %v, want 400", resp)
	}

	// The races of one request lost, the SDK's standard retryer sends it
	// again, and the retry checks out.
	lose(maxStoreAttempts)
	retrying := licensemanager.New(licensemanager.Options{HTTPClient: sdktest.HTTPClient(), BaseEndpoint: aws.String(e.url), Region: region,
		Credentials: credentials.NewStaticCredentialsProvider(x.buyer.Key.ID, x.buyer.Key.Secret, "")})
	out, err := retrying.CheckoutLicense(e.ctx, input())
	if err != nil {
		t.Fatalf("a checkout retried by the SDK after ThrottlingException: %v", err)
	}
	if attempts, ok := retry.GetAttemptResults(out.ResultMetadata); !ok || len(attempts.Results) != 2 {
		t.Errorf("the SDK made %d attempts, want 2: one throttled, one that checked out", len(attempts.Results))
	}
	if diff := cmp.Diff(map[string]string{"Seats": "1/5"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage after the throttled and the retried checkout (-want +got):\n%s", diff)
	}
}

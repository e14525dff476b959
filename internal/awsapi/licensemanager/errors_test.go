package licensemanager_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/aws/smithy-go"
)

// typed reports whether err deserialised into the SDK's type for code.
func typed(err error, code string) bool {
	switch code {
	case "ValidationException":
		var e *types.ValidationException
		return errors.As(err, &e)
	case "InvalidParameterValueException":
		var e *types.InvalidParameterValueException
		return errors.As(err, &e)
	case "NoEntitlementsAllowedException":
		var e *types.NoEntitlementsAllowedException
		return errors.As(err, &e)
	case "AccessDeniedException":
		var e *types.AccessDeniedException
		return errors.As(err, &e)
	case "ResourceNotFoundException":
		var e *types.ResourceNotFoundException
		return errors.As(err, &e)
	case "UnsupportedDigitalSignatureMethodException":
		var e *types.UnsupportedDigitalSignatureMethodException
		return errors.As(err, &e)
	case "ConflictException":
		var e *types.ConflictException
		return errors.As(err, &e)
	}
	return false
}

var _ = sdk("CheckoutLicenseErrors", testCheckoutLicenseErrors)

// testCheckoutLicenseErrors sends CheckoutLicense requests that fail, each
// for one reason, through the SDK, and checks the SDK's typed error.
func testCheckoutLicenseErrors(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Users", 5, false), tier("Gold"))
	other := e.party("other", false)
	base := func() *licensemanager.CheckoutLicenseInput {
		return &licensemanager.CheckoutLicenseInput{ProductSKU: aws.String(x.sku), KeyFingerprint: aws.String(x.fp),
			CheckoutType: types.CheckoutTypeProvisional, Entitlements: []types.EntitlementData{want("Users", 1)}, ClientToken: newToken()}
	}
	tests := []struct {
		name string
		edit func(*licensemanager.CheckoutLicenseInput)
		want string
	}{
		{"valid", func(*licensemanager.CheckoutLicenseInput) {}, ""},
		{"own account as Beneficiary", func(in *licensemanager.CheckoutLicenseInput) { in.Beneficiary = aws.String(x.buyer.ID) }, ""},
		{"ClientToken of 2,048 characters", func(in *licensemanager.CheckoutLicenseInput) { in.ClientToken = aws.String(strings.Repeat("t", 2048)) }, ""},
		{"unknown CheckoutType", func(in *licensemanager.CheckoutLicenseInput) { in.CheckoutType = "TEMPORARY" }, "ValidationException"},
		{"lower-case CheckoutType", func(in *licensemanager.CheckoutLicenseInput) { in.CheckoutType = "provisional" }, "ValidationException"},
		{"ClientToken over 2,048 characters", func(in *licensemanager.CheckoutLicenseInput) { in.ClientToken = aws.String(strings.Repeat("t", 2049)) }, "ValidationException"},
		{"empty ClientToken", func(in *licensemanager.CheckoutLicenseInput) { in.ClientToken = aws.String("") }, "ValidationException"},
		{"empty ProductSKU", func(in *licensemanager.CheckoutLicenseInput) { in.ProductSKU = aws.String("") }, "ValidationException"},
		{"no entitlements", func(in *licensemanager.CheckoutLicenseInput) { in.Entitlements = []types.EntitlementData{} }, "ValidationException"},
		{"unknown unit", func(in *licensemanager.CheckoutLicenseInput) { in.Entitlements[0].Unit = "Furlongs" }, "ValidationException"},
		{"ProductSKU over 4,096 characters", func(in *licensemanager.CheckoutLicenseInput) { in.ProductSKU = aws.String(strings.Repeat("s", 4097)) }, "ValidationException"},
		{"quantity not a number", func(in *licensemanager.CheckoutLicenseInput) { in.Entitlements[0].Value = aws.String("ten") }, "ValidationException"},
		{"quantity zero", func(in *licensemanager.CheckoutLicenseInput) { in.Entitlements[0].Value = aws.String("0") }, "ValidationException"},
		{"quantity negative", func(in *licensemanager.CheckoutLicenseInput) { in.Entitlements[0].Value = aws.String("-3") }, "ValidationException"},
		{"wrong fingerprint", func(in *licensemanager.CheckoutLicenseInput) { in.KeyFingerprint = aws.String(marketplaceFingerprint) }, "NoEntitlementsAllowedException"},
		{"another seller's fingerprint", func(in *licensemanager.CheckoutLicenseInput) {
			in.KeyFingerprint = aws.String(other.selfFingerprint())
		}, "NoEntitlementsAllowedException"},
		{"unknown product", func(in *licensemanager.CheckoutLicenseInput) { in.ProductSKU = aws.String(newSKU()) }, "NoEntitlementsAllowedException"},
		{"entitlement the license lacks", func(in *licensemanager.CheckoutLicenseInput) {
			in.Entitlements = []types.EntitlementData{want("Admins", 1)}
		}, "NoEntitlementsAllowedException"},
		{"counted entitlement asked as a tier", func(in *licensemanager.CheckoutLicenseInput) {
			in.Entitlements = []types.EntitlementData{wantTier("Users")}
		}, "NoEntitlementsAllowedException"},
		{"entitlement named twice (floating)", func(in *licensemanager.CheckoutLicenseInput) {
			in.Entitlements = []types.EntitlementData{want("Users", 3), want("Users", 3)}
		}, "ValidationException"},
		{"entitlement named twice (drawdown)", func(in *licensemanager.CheckoutLicenseInput) {
			in.CheckoutType = types.CheckoutTypePerpetual
			in.Entitlements = []types.EntitlementData{want("Users", 3), want("Users", 3)}
		}, "ValidationException"},
		{"tier named twice", func(in *licensemanager.CheckoutLicenseInput) {
			in.Entitlements = []types.EntitlementData{wantTier("Gold"), wantTier("Gold")}
		}, "ValidationException"},
		{"more than the pool", func(in *licensemanager.CheckoutLicenseInput) { in.Entitlements[0].Value = aws.String("6") }, "NoEntitlementsAllowedException"},
		// A caller checks out on another's behalf only licenses it issued
		// to it; the buyer issued none.
		{"another account as Beneficiary", func(in *licensemanager.CheckoutLicenseInput) { in.Beneficiary = aws.String(other.ID) }, "NoEntitlementsAllowedException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base()
			tt.edit(in)
			out, err := x.buyer.LM.CheckoutLicense(e.ctx, in)
			if got := errorCode(t, err); got != tt.want {
				t.Fatalf("CheckoutLicense error %q (%v), want %q", got, err, tt.want)
			}
			if err == nil {
				if _, err := x.buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: out.LicenseConsumptionToken}); err != nil {
					t.Fatalf("CheckInLicense: %v", err)
				}
				return
			}
			if !typed(err, tt.want) {
				t.Errorf("CheckoutLicense error %v (%T) did not deserialise into types.%s", err, err, tt.want)
			}
			var apiErr smithy.APIError
			if errors.As(err, &apiErr) && apiErr.ErrorMessage() == "" {
				t.Errorf("%s has no message", tt.want)
			}
		})
	}
	// Nothing refused took anything.
	if got := e.usage(x.seller, x.licenseArn)["Users"]; got != "0/5" {
		t.Errorf("usage %s after the refused checkouts, want 0/5", got)
	}
}

var _ = sdk("CheckoutLicenseRawValidation", testCheckoutLicenseRawValidation)

// testCheckoutLicenseRawValidation sends requests the SDK would refuse to
// send (missing required members, wrong JSON types), signed with the SDK's
// signer, and checks the server's ValidationException.
func testCheckoutLicenseRawValidation(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Users", 5, false))
	full := map[string]string{
		"ProductSKU":     `"` + x.sku + `"`,
		"CheckoutType":   `"PROVISIONAL"`,
		"KeyFingerprint": `"` + x.fp + `"`,
		"Entitlements":   `[{"Name":"Users","Value":"1","Unit":"Count"}]`,
		"ClientToken":    `"raw-token"`,
	}
	body := func(without string, override map[string]string) string {
		var parts []string
		for _, k := range []string{"ProductSKU", "CheckoutType", "KeyFingerprint", "Entitlements", "ClientToken"} {
			if k == without {
				continue
			}
			v := full[k]
			if o, ok := override[k]; ok {
				v = o
			}
			parts = append(parts, `"`+k+`":`+v)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	tests := []struct {
		name        string
		body        string
		wantType    string
		wantMessage string // a substring
	}{
		{"valid", body("", nil), "", ""},
		{"empty object", `{}`, "ValidationException", "5 validation errors detected"},
		{"empty body", ``, "ValidationException", "Value null at 'productSKU'"},
		{"missing ProductSKU", body("ProductSKU", nil), "ValidationException", "Value null at 'productSKU'"},
		{"missing CheckoutType", body("CheckoutType", nil), "ValidationException", "Value null at 'checkoutType'"},
		{"missing KeyFingerprint", body("KeyFingerprint", nil), "ValidationException", "Value null at 'keyFingerprint'"},
		{"missing Entitlements", body("Entitlements", nil), "ValidationException", "Value null at 'entitlements'"},
		{"missing ClientToken", body("ClientToken", nil), "ValidationException", "Value null at 'clientToken'"},
		{"entitlement without Name", body("", map[string]string{"Entitlements": `[{"Unit":"Count"}]`}), "ValidationException", "entitlements.1.member.name"},
		{"entitlement without Unit", body("", map[string]string{"Entitlements": `[{"Name":"Users"}]`}), "ValidationException", "entitlements.1.member.unit"},
		{"null CheckoutType", body("", map[string]string{"CheckoutType": `null`}), "ValidationException", "checkoutType"},
		{"CheckoutType not in the enum", body("", map[string]string{"CheckoutType": `"BORROW"`}), "ValidationException", "enum value set"},
		{"ClientToken too long", body("", map[string]string{"ClientToken": `"` + strings.Repeat("x", 2049) + `"`}), "ValidationException", "clientToken"},
		{"CheckoutType a number", body("", map[string]string{"CheckoutType": `5`}), "SerializationException", "CheckoutType"},
		{"Entitlements an object", body("", map[string]string{"Entitlements": `{"Name":"Users"}`}), "SerializationException", "Entitlements"},
		{"not JSON", `{"ProductSKU": `, "SerializationException", ""},
		{"not an object", `["ProductSKU"]`, "SerializationException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.raw(x.buyer, "CheckoutLicense", tt.body)
			if tt.wantType == "" {
				if resp.Status != http.StatusOK {
					t.Fatalf("HTTP %d %s: %s", resp.Status, resp.Type, resp.Message)
				}
				return
			}
			if resp.Status != http.StatusBadRequest || resp.Type != tt.wantType || !strings.Contains(resp.Message, tt.wantMessage) {
				t.Errorf("HTTP %d %s %q, want 400 %s containing %q", resp.Status, resp.Type, resp.Message, tt.wantType, tt.wantMessage)
			}
		})
	}
}

var _ = sdk("SDKValidatesRequiredMembers", testSDKValidatesRequiredMembers)

// testSDKValidatesRequiredMembers: the SDK refuses, before sending, a
// request without a required member; this is why the raw tests above
// bypass it.
func testSDKValidatesRequiredMembers(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	p := e.party("buyer", false)
	_, err := p.LM.CheckoutLicense(e.ctx, &licensemanager.CheckoutLicenseInput{CheckoutType: types.CheckoutTypeProvisional})
	var invalid smithy.InvalidParamsError
	if !errors.As(err, &invalid) {
		t.Fatalf("error %v (%T), want smithy.InvalidParamsError", err, err)
	}
}

var _ = sdk("MalformedARNs", testMalformedARNs)

// testMalformedARNs: every operation that takes an ARN refuses a malformed
// one with a ValidationException.
func testMalformedARNs(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	p := e.party("caller", false)
	lm := p.LM
	bad := []string{"not-an-arn", "arn:aws:license-manager", "arn:aws:license-manager::123456789012:license:l-<script>", "arn:aws:" + strings.Repeat("x", 2100)}
	ops := []struct {
		name string
		// modelled is false where the SDK's model does not list
		// ValidationException for the operation, so the SDK can only give a
		// generic API error with the code.
		modelled bool
		call     func(arn string) error
	}{
		{"GetLicense", true, func(arn string) error {
			_, err := lm.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn)})
			return err
		}},
		{"GetLicenseUsage", true, func(arn string) error {
			_, err := lm.GetLicenseUsage(e.ctx, &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(arn)})
			return err
		}},
		{"ListLicenseVersions", false, func(arn string) error {
			_, err := lm.ListLicenseVersions(e.ctx, &licensemanager.ListLicenseVersionsInput{LicenseArn: aws.String(arn)})
			return err
		}},
		{"ListLicenses", true, func(arn string) error {
			_, err := lm.ListLicenses(e.ctx, &licensemanager.ListLicensesInput{LicenseArns: []string{arn}})
			return err
		}},
		{"ListReceivedLicenses", true, func(arn string) error {
			_, err := lm.ListReceivedLicenses(e.ctx, &licensemanager.ListReceivedLicensesInput{LicenseArns: []string{arn}})
			return err
		}},
		{"ListDistributedGrants", true, func(arn string) error {
			_, err := lm.ListDistributedGrants(e.ctx, &licensemanager.ListDistributedGrantsInput{GrantArns: []string{arn}})
			return err
		}},
		{"CreateLicenseVersion", true, func(arn string) error {
			_, err := lm.CreateLicenseVersion(e.ctx, versionInput(arn, e.licenseInput(newSKU(), p.ID), counted("Users", 1, false)))
			return err
		}},
		{"DeleteLicense", true, func(arn string) error {
			_, err := lm.DeleteLicense(e.ctx, &licensemanager.DeleteLicenseInput{LicenseArn: aws.String(arn), SourceVersion: aws.String("1")})
			return err
		}},
		{"CreateGrant LicenseArn", true, func(arn string) error {
			_, err := lm.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String("g"), LicenseArn: aws.String(arn),
				Principals: []string{"arn:aws:iam::123456789012:root"}, HomeRegion: aws.String(region), AllowedOperations: allOps, ClientToken: newToken()})
			return err
		}},
		{"CreateGrant Principals", true, func(arn string) error {
			_, err := lm.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String("g"),
				LicenseArn: aws.String("arn:aws:license-manager::" + p.ID + ":license:l-" + strings.Repeat("a", 32)),
				Principals: []string{arn}, HomeRegion: aws.String(region), AllowedOperations: allOps, ClientToken: newToken()})
			return err
		}},
		{"CreateGrantVersion", true, func(arn string) error {
			_, err := e.setGrantStatus(p, arn, types.GrantStatusActive, nil)
			return err
		}},
		{"GetGrant", true, func(arn string) error {
			_, err := lm.GetGrant(e.ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(arn)})
			return err
		}},
		{"AcceptGrant", true, func(arn string) error {
			_, err := lm.AcceptGrant(e.ctx, &licensemanager.AcceptGrantInput{GrantArn: aws.String(arn)})
			return err
		}},
		{"RejectGrant", true, func(arn string) error {
			_, err := lm.RejectGrant(e.ctx, &licensemanager.RejectGrantInput{GrantArn: aws.String(arn)})
			return err
		}},
		{"DeleteGrant", true, func(arn string) error {
			_, err := lm.DeleteGrant(e.ctx, &licensemanager.DeleteGrantInput{GrantArn: aws.String(arn), Version: aws.String("1")})
			return err
		}},
		{"ListReceivedGrants", true, func(arn string) error {
			_, err := lm.ListReceivedGrants(e.ctx, &licensemanager.ListReceivedGrantsInput{GrantArns: []string{arn}})
			return err
		}},
		{"CheckoutBorrowLicense", true, func(arn string) error {
			_, err := lm.CheckoutBorrowLicense(e.ctx, borrowInput(arn, types.DigitalSignatureMethodJwtPs384, want("Users", 1)))
			return err
		}},
		{"CreateToken LicenseArn", true, func(arn string) error {
			_, err := lm.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(arn), ClientToken: newToken()})
			return err
		}},
		{"CreateToken RoleArns", true, func(arn string) error {
			_, err := lm.CreateToken(e.ctx, &licensemanager.CreateTokenInput{
				LicenseArn: aws.String("arn:aws:license-manager::" + p.ID + ":license:l-" + strings.Repeat("a", 32)),
				RoleArns:   []string{arn}, ClientToken: newToken()})
			return err
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			for _, arn := range bad {
				err := op.call(arn)
				if got := errorCode(t, err); got != "ValidationException" {
					t.Errorf("ARN %.40q: error %q (%v), want ValidationException", arn, got, err)
					continue
				}
				if op.modelled && !typed(err, "ValidationException") {
					t.Errorf("ARN %.40q: %T did not deserialise into types.ValidationException", arn, err)
				}
			}
		})
	}
}

var _ = sdk("NotFoundAndInvalidValues", testNotFoundAndInvalidValues)

// testNotFoundAndInvalidValues: well-formed identifiers of nothing, and
// values the model allows but the service does not.
func testNotFoundAndInvalidValues(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Users", 5, false))
	unknownLicense := "arn:aws:license-manager::" + x.seller.ID + ":license:l-" + strings.Repeat("0", 32)
	unknownGrant := "arn:aws:license-manager::" + x.seller.ID + ":grant:g-" + strings.Repeat("0", 32)
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"CheckInLicense unknown token", func() error {
			_, err := x.buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: aws.String("no-such-token")})
			return err
		}, "ResourceNotFoundException"},
		{"ExtendLicenseConsumption unknown token", func() error {
			_, err := x.buyer.LM.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: aws.String("no-such-token")})
			return err
		}, "ResourceNotFoundException"},
		{"GetLicense unknown", func() error {
			_, err := x.seller.LM.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(unknownLicense)})
			return err
		}, "InvalidParameterValueException"},
		{"GetGrant unknown", func() error {
			_, err := x.seller.LM.GetGrant(e.ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(unknownGrant)})
			return err
		}, "InvalidParameterValueException"},
		{"GetGrant given a license ARN", func() error {
			_, err := x.seller.LM.GetGrant(e.ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(x.licenseArn)})
			return err
		}, "InvalidParameterValueException"},
		{"CreateGrant to a group", func() error {
			_, err := x.seller.LM.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String("g"), LicenseArn: aws.String(x.licenseArn),
				Principals: []string{"arn:aws:iam::123456789012:group/admins"}, HomeRegion: aws.String(region), AllowedOperations: allOps, ClientToken: newToken()})
			return err
		}, "InvalidParameterValueException"},
		{"CreateGrant of an unknown license", func() error {
			_, err := x.seller.LM.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String("g"), LicenseArn: aws.String(unknownLicense),
				Principals: []string{x.buyer.principal()}, HomeRegion: aws.String(region), AllowedOperations: allOps, ClientToken: newToken()})
			return err
		}, "InvalidParameterValueException"},
		{"CreateGrant with an unknown operation", func() error {
			_, err := x.seller.LM.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String("g"), LicenseArn: aws.String(x.licenseArn),
				Principals: []string{x.buyer.principal()}, HomeRegion: aws.String(region), AllowedOperations: []types.AllowedOperation{"StealLicense"}, ClientToken: newToken()})
			return err
		}, "ValidationException"},
		{"CreateGrant to two principals", func() error {
			_, err := x.seller.LM.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String("g"), LicenseArn: aws.String(x.licenseArn),
				Principals: []string{x.buyer.principal(), x.seller.principal()}, HomeRegion: aws.String(region), AllowedOperations: allOps, ClientToken: newToken()})
			return err
		}, "ValidationException"},
		{"CreateLicense with an entitlement name over 1,024 bytes", func() error {
			_, err := x.seller.LM.CreateLicense(e.ctx, e.licenseInput("sku-long-name", x.buyer.ID, counted(strings.Repeat("n", 1025), 5, false)))
			return err
		}, "ValidationException"},
		{"CreateLicense with an entitlement name of 1,024 bytes", func() error {
			_, err := x.seller.LM.CreateLicense(e.ctx, e.licenseInput("sku-long-name", x.buyer.ID, counted(strings.Repeat("n", 1024), 5, false)))
			return err
		}, ""},
		{"CreateGrantVersion unknown status", func() error {
			_, err := e.setGrantStatus(x.buyer, x.grantArn, "ENABLED", nil)
			return err
		}, "ValidationException"},
		{"DeleteToken unknown", func() error {
			_, err := x.buyer.LM.DeleteToken(e.ctx, &licensemanager.DeleteTokenInput{TokenId: aws.String("no-such-token")})
			return err
		}, "ResourceNotFoundException"},
		{"CreateToken unknown license", func() error {
			_, err := x.buyer.LM.CreateToken(e.ctx, &licensemanager.CreateTokenInput{LicenseArn: aws.String(unknownLicense), ClientToken: newToken()})
			return err
		}, "ResourceNotFoundException"},
		{"ListLicenses MaxResults over 100", func() error {
			_, err := x.seller.LM.ListLicenses(e.ctx, &licensemanager.ListLicensesInput{MaxResults: aws.Int32(101)})
			return err
		}, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if got := errorCode(t, err); got != tt.want {
				t.Fatalf("error %q (%v), want %q", got, err, tt.want)
			}
			if tt.want != "" && !typed(err, tt.want) {
				t.Errorf("%T did not deserialise into types.%s", err, tt.want)
			}
		})
	}
}

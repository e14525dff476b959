package licensemanager

import (
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/license/rules"
)

// The wire shapes of checkouts (CheckoutLicense, CheckoutBorrowLicense,
// CheckInLicense, ExtendLicenseConsumption), and their mapping to and from
// the domain's.

// CheckoutLicense.

type checkoutLicenseRequest struct {
	ProductSKU     string            `json:"ProductSKU"`
	CheckoutType   string            `json:"CheckoutType"`
	KeyFingerprint string            `json:"KeyFingerprint"`
	Entitlements   []entitlementData `json:"Entitlements"`
	ClientToken    string            `json:"ClientToken"`
	Beneficiary    string            `json:"Beneficiary"`
	NodeId         string            `json:"NodeId"`
}

func checkoutLicenseIn(r checkoutLicenseRequest) (license.CheckoutLicenseInput, error) {
	var p rules.Problems
	in := license.CheckoutLicenseInput{ProductSKU: r.ProductSKU, CheckoutType: license.CheckoutType(r.CheckoutType),
		KeyFingerprint: r.KeyFingerprint, Entitlements: entitlementRequests(&p, r.Entitlements), ClientToken: r.ClientToken,
		Beneficiary: r.Beneficiary, NodeId: r.NodeId}
	return in, p.Err()
}

type checkoutLicenseResponse struct {
	CheckoutType            string            `json:"CheckoutType"`
	LicenseConsumptionToken string            `json:"LicenseConsumptionToken"`
	EntitlementsAllowed     []entitlementData `json:"EntitlementsAllowed"`
	SignedToken             string            `json:"SignedToken"`
	NodeId                  string            `json:"NodeId,omitempty"`
	IssuedAt                string            `json:"IssuedAt"`
	Expiration              string            `json:"Expiration"`
	LicenseArn              string            `json:"LicenseArn"`
}

func checkoutLicenseOut(o license.CheckoutOutput) checkoutLicenseResponse {
	return checkoutLicenseResponse{CheckoutType: string(o.CheckoutType), LicenseConsumptionToken: o.LicenseConsumptionToken,
		EntitlementsAllowed: mapSlice(o.EntitlementsAllowed, allowedOut), SignedToken: o.SignedToken, NodeId: o.NodeId,
		IssuedAt: formatTime(o.IssuedAt), Expiration: formatTime(o.Expiration), LicenseArn: o.LicenseArn}
}

// CheckoutBorrowLicense.

type checkoutBorrowLicenseRequest struct {
	LicenseArn             string            `json:"LicenseArn"`
	Entitlements           []entitlementData `json:"Entitlements"`
	DigitalSignatureMethod string            `json:"DigitalSignatureMethod"`
	NodeId                 string            `json:"NodeId"`
	CheckoutMetadata       []metadataShape   `json:"CheckoutMetadata"`
	ClientToken            string            `json:"ClientToken"`
}

func checkoutBorrowLicenseIn(r checkoutBorrowLicenseRequest) (license.CheckoutBorrowLicenseInput, error) {
	var p rules.Problems
	in := license.CheckoutBorrowLicenseInput{LicenseArn: r.LicenseArn, Entitlements: entitlementRequests(&p, r.Entitlements),
		DigitalSignatureMethod: r.DigitalSignatureMethod, NodeId: r.NodeId, CheckoutMetadata: mapSlice(r.CheckoutMetadata, metadataIn),
		ClientToken: r.ClientToken}
	return in, p.Err()
}

type checkoutBorrowLicenseResponse struct {
	LicenseArn              string            `json:"LicenseArn"`
	LicenseConsumptionToken string            `json:"LicenseConsumptionToken"`
	EntitlementsAllowed     []entitlementData `json:"EntitlementsAllowed"`
	NodeId                  string            `json:"NodeId,omitempty"`
	SignedToken             string            `json:"SignedToken"`
	IssuedAt                string            `json:"IssuedAt"`
	Expiration              string            `json:"Expiration"`
	CheckoutMetadata        []metadataShape   `json:"CheckoutMetadata,omitempty"`
}

func checkoutBorrowLicenseOut(o license.CheckoutOutput) checkoutBorrowLicenseResponse {
	return checkoutBorrowLicenseResponse{LicenseArn: o.LicenseArn, LicenseConsumptionToken: o.LicenseConsumptionToken,
		EntitlementsAllowed: mapSlice(o.EntitlementsAllowed, allowedOut), NodeId: o.NodeId, SignedToken: o.SignedToken,
		IssuedAt: formatTime(o.IssuedAt), Expiration: formatTime(o.Expiration), CheckoutMetadata: mapSlice(o.CheckoutMetadata, metadataOut)}
}

// CheckInLicense.

type checkInLicenseRequest struct {
	LicenseConsumptionToken string `json:"LicenseConsumptionToken"`
	Beneficiary             string `json:"Beneficiary"`
}

func checkInLicenseIn(r checkInLicenseRequest) (license.CheckInLicenseInput, error) {
	return license.CheckInLicenseInput{LicenseConsumptionToken: r.LicenseConsumptionToken, Beneficiary: r.Beneficiary}, nil
}

// ExtendLicenseConsumption.

type extendLicenseConsumptionRequest struct {
	LicenseConsumptionToken string `json:"LicenseConsumptionToken"`
	DryRun                  bool   `json:"DryRun"`
}

func extendLicenseConsumptionIn(r extendLicenseConsumptionRequest) (license.ExtendLicenseConsumptionInput, error) {
	return license.ExtendLicenseConsumptionInput{LicenseConsumptionToken: r.LicenseConsumptionToken, DryRun: r.DryRun}, nil
}

type extendLicenseConsumptionResponse struct {
	LicenseConsumptionToken string `json:"LicenseConsumptionToken"`
	Expiration              string `json:"Expiration"`
}

func extendLicenseConsumptionOut(o license.ExtendLicenseConsumptionOutput) extendLicenseConsumptionResponse {
	return extendLicenseConsumptionResponse{LicenseConsumptionToken: o.LicenseConsumptionToken, Expiration: formatTime(o.Expiration)}
}

package licensemanager

import (
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/license/rules"
)

// The wire shapes of licenses and of the operations on them, and their
// mapping to and from the domain's.

type issuerShape struct {
	Name           string `json:"Name"`
	SignKey        string `json:"SignKey,omitempty"`
	KeyFingerprint string `json:"KeyFingerprint,omitempty"`
}

type validityShape struct {
	Begin string `json:"Begin"`
	End   string `json:"End,omitempty"`
}

type entitlementShape struct {
	Name         string `json:"Name"`
	Value        string `json:"Value,omitempty"`
	MaxCount     *int64 `json:"MaxCount,omitempty"`
	Overage      *bool  `json:"Overage,omitempty"`
	Unit         string `json:"Unit"`
	AllowCheckIn *bool  `json:"AllowCheckIn,omitempty"`
}

type provisionalShape struct {
	MaxTimeToLiveInMinutes *int `json:"MaxTimeToLiveInMinutes"`
}

type borrowShape struct {
	AllowEarlyCheckIn      *bool `json:"AllowEarlyCheckIn"`
	MaxTimeToLiveInMinutes *int  `json:"MaxTimeToLiveInMinutes"`
}

type consumptionShape struct {
	RenewType                string            `json:"RenewType,omitempty"`
	ProvisionalConfiguration *provisionalShape `json:"ProvisionalConfiguration,omitempty"`
	BorrowConfiguration      *borrowShape      `json:"BorrowConfiguration,omitempty"`
}

// licenseShape is the License shape.
type licenseShape struct {
	LicenseArn               string             `json:"LicenseArn"`
	LicenseName              string             `json:"LicenseName"`
	ProductName              string             `json:"ProductName"`
	ProductSKU               string             `json:"ProductSKU"`
	Issuer                   issuerShape        `json:"Issuer"`
	HomeRegion               string             `json:"HomeRegion"`
	Status                   string             `json:"Status"`
	Validity                 validityShape      `json:"Validity"`
	Beneficiary              string             `json:"Beneficiary"`
	Entitlements             []entitlementShape `json:"Entitlements"`
	ConsumptionConfiguration consumptionShape   `json:"ConsumptionConfiguration"`
	LicenseMetadata          []metadataShape    `json:"LicenseMetadata,omitempty"`
	CreateTime               string             `json:"CreateTime"`
	Version                  string             `json:"Version"`
}

func issuerIn(i *issuerShape) *license.Issuer {
	if i == nil {
		return nil
	}
	return &license.Issuer{Name: i.Name, SignKey: i.SignKey, KeyFingerprint: i.KeyFingerprint}
}

func validityIn(p *rules.Problems, v *validityShape) *license.Validity {
	if v == nil {
		return nil
	}
	return &license.Validity{Begin: parseTime(p, "validity.begin", v.Begin), End: parseTime(p, "validity.end", v.End)}
}

func entitlementIn(e entitlementShape) license.Entitlement {
	return license.Entitlement{Name: e.Name, Value: e.Value, MaxCount: e.MaxCount, Overage: e.Overage, Unit: license.Unit(e.Unit),
		AllowCheckIn: e.AllowCheckIn}
}

func entitlementOut(e license.Entitlement) entitlementShape {
	return entitlementShape{Name: e.Name, Value: e.Value, MaxCount: e.MaxCount, Overage: e.Overage, Unit: string(e.Unit),
		AllowCheckIn: e.AllowCheckIn}
}

func consumptionIn(c *consumptionShape) *license.ConsumptionConfiguration {
	if c == nil {
		return nil
	}
	out := &license.ConsumptionConfiguration{RenewType: license.RenewType(c.RenewType)}
	if pc := c.ProvisionalConfiguration; pc != nil {
		out.ProvisionalConfiguration = &license.ProvisionalConfiguration{MaxTimeToLiveInMinutes: pc.MaxTimeToLiveInMinutes}
	}
	if b := c.BorrowConfiguration; b != nil {
		out.BorrowConfiguration = &license.BorrowConfiguration{AllowEarlyCheckIn: b.AllowEarlyCheckIn, MaxTimeToLiveInMinutes: b.MaxTimeToLiveInMinutes}
	}
	return out
}

func consumptionOut(c license.ConsumptionConfiguration) consumptionShape {
	out := consumptionShape{RenewType: string(c.RenewType)}
	if pc := c.ProvisionalConfiguration; pc != nil {
		out.ProvisionalConfiguration = &provisionalShape{MaxTimeToLiveInMinutes: pc.MaxTimeToLiveInMinutes}
	}
	if b := c.BorrowConfiguration; b != nil {
		out.BorrowConfiguration = &borrowShape{AllowEarlyCheckIn: b.AllowEarlyCheckIn, MaxTimeToLiveInMinutes: b.MaxTimeToLiveInMinutes}
	}
	return out
}

func licenseOut(l license.License) licenseShape {
	return licenseShape{
		LicenseArn: l.LicenseArn, LicenseName: l.LicenseName, ProductName: l.ProductName, ProductSKU: l.ProductSKU,
		Issuer:     issuerShape{Name: l.Issuer.Name, SignKey: l.Issuer.SignKey, KeyFingerprint: l.Issuer.KeyFingerprint},
		HomeRegion: l.HomeRegion, Status: string(l.Status),
		Validity:    validityShape{Begin: formatTime(l.Validity.Begin), End: formatTime(l.Validity.End)},
		Beneficiary: l.Beneficiary, Entitlements: mapSlice(l.Entitlements, entitlementOut),
		ConsumptionConfiguration: consumptionOut(l.ConsumptionConfiguration), LicenseMetadata: mapSlice(l.LicenseMetadata, metadataOut),
		CreateTime: formatTime(l.CreateTime), Version: l.Version,
	}
}

// CreateLicense.

type createLicenseRequest struct {
	LicenseName              string             `json:"LicenseName"`
	ProductName              string             `json:"ProductName"`
	ProductSKU               string             `json:"ProductSKU"`
	Issuer                   *issuerShape       `json:"Issuer"`
	HomeRegion               string             `json:"HomeRegion"`
	Validity                 *validityShape     `json:"Validity"`
	Entitlements             []entitlementShape `json:"Entitlements"`
	Beneficiary              string             `json:"Beneficiary"`
	ConsumptionConfiguration *consumptionShape  `json:"ConsumptionConfiguration"`
	LicenseMetadata          []metadataShape    `json:"LicenseMetadata"`
	ClientToken              string             `json:"ClientToken"`
}

func createLicenseIn(r createLicenseRequest) (license.CreateLicenseInput, error) {
	var p rules.Problems
	in := license.CreateLicenseInput{
		LicenseName: r.LicenseName, ProductName: r.ProductName, ProductSKU: r.ProductSKU, Issuer: issuerIn(r.Issuer),
		HomeRegion: r.HomeRegion, Validity: validityIn(&p, r.Validity), Entitlements: mapSlice(r.Entitlements, entitlementIn),
		Beneficiary: r.Beneficiary, ConsumptionConfiguration: consumptionIn(r.ConsumptionConfiguration),
		LicenseMetadata: mapSlice(r.LicenseMetadata, metadataIn), ClientToken: r.ClientToken,
	}
	return in, p.Err()
}

type createLicenseResponse struct {
	LicenseArn string `json:"LicenseArn"`
	Status     string `json:"Status"`
	Version    string `json:"Version"`
}

func createLicenseOut(o license.CreateLicenseOutput) createLicenseResponse {
	return createLicenseResponse{LicenseArn: o.LicenseArn, Status: string(o.Status), Version: o.Version}
}

// CreateLicenseVersion.

type createLicenseVersionRequest struct {
	LicenseArn               string             `json:"LicenseArn"`
	LicenseName              string             `json:"LicenseName"`
	ProductName              string             `json:"ProductName"`
	Issuer                   *issuerShape       `json:"Issuer"`
	HomeRegion               string             `json:"HomeRegion"`
	Validity                 *validityShape     `json:"Validity"`
	LicenseMetadata          []metadataShape    `json:"LicenseMetadata"`
	Entitlements             []entitlementShape `json:"Entitlements"`
	ConsumptionConfiguration *consumptionShape  `json:"ConsumptionConfiguration"`
	Status                   string             `json:"Status"`
	ClientToken              string             `json:"ClientToken"`
	SourceVersion            string             `json:"SourceVersion"`
}

func createLicenseVersionIn(r createLicenseVersionRequest) (license.CreateLicenseVersionInput, error) {
	var p rules.Problems
	in := license.CreateLicenseVersionInput{
		LicenseArn: r.LicenseArn, LicenseName: r.LicenseName, ProductName: r.ProductName, Issuer: issuerIn(r.Issuer),
		HomeRegion: r.HomeRegion, Validity: validityIn(&p, r.Validity), LicenseMetadata: mapSlice(r.LicenseMetadata, metadataIn),
		Entitlements: mapSlice(r.Entitlements, entitlementIn), ConsumptionConfiguration: consumptionIn(r.ConsumptionConfiguration),
		Status: license.LicenseStatus(r.Status), ClientToken: r.ClientToken, SourceVersion: r.SourceVersion,
	}
	return in, p.Err()
}

type createLicenseVersionResponse struct {
	LicenseArn string `json:"LicenseArn"`
	Version    string `json:"Version"`
	Status     string `json:"Status"`
}

func createLicenseVersionOut(o license.CreateLicenseVersionOutput) createLicenseVersionResponse {
	return createLicenseVersionResponse{LicenseArn: o.LicenseArn, Version: o.Version, Status: string(o.Status)}
}

// GetLicense.

type getLicenseRequest struct {
	LicenseArn string `json:"LicenseArn"`
	Version    string `json:"Version"`
}

func getLicenseIn(r getLicenseRequest) (license.GetLicenseInput, error) {
	return license.GetLicenseInput{LicenseArn: r.LicenseArn, Version: r.Version}, nil
}

type getLicenseResponse struct {
	License licenseShape `json:"License"`
}

func getLicenseOut(o license.GetLicenseOutput) getLicenseResponse {
	return getLicenseResponse{License: licenseOut(o.License)}
}

// ListLicenses and ListLicenseVersions.

type listLicensesRequest struct {
	LicenseArns []string `json:"LicenseArns"`
	listRequest
}

func listLicensesIn(r listLicensesRequest) (license.ListLicensesInput, error) {
	return license.ListLicensesInput{LicenseArns: r.LicenseArns, ListInput: listIn(r.listRequest)}, nil
}

type listLicensesResponse struct {
	Licenses  []licenseShape `json:"Licenses"`
	NextToken string         `json:"NextToken,omitempty"`
}

func listLicensesOut(o license.ListLicensesOutput) listLicensesResponse {
	return listLicensesResponse{Licenses: mapSlice(o.Licenses, licenseOut), NextToken: o.NextToken}
}

type listLicenseVersionsRequest struct {
	LicenseArn string `json:"LicenseArn"`
	NextToken  string `json:"NextToken"`
	MaxResults *int   `json:"MaxResults"`
}

func listLicenseVersionsIn(r listLicenseVersionsRequest) (license.ListLicenseVersionsInput, error) {
	return license.ListLicenseVersionsInput{LicenseArn: r.LicenseArn, NextToken: r.NextToken, MaxResults: r.MaxResults}, nil
}

// DeleteLicense.

type deleteLicenseRequest struct {
	LicenseArn    string `json:"LicenseArn"`
	SourceVersion string `json:"SourceVersion"`
}

func deleteLicenseIn(r deleteLicenseRequest) (license.DeleteLicenseInput, error) {
	return license.DeleteLicenseInput{LicenseArn: r.LicenseArn, SourceVersion: r.SourceVersion}, nil
}

type deleteLicenseResponse struct {
	Status       string `json:"Status"`
	DeletionDate string `json:"DeletionDate"`
}

func deleteLicenseOut(o license.DeleteLicenseOutput) deleteLicenseResponse {
	return deleteLicenseResponse{Status: string(o.Status), DeletionDate: formatTime(o.DeletionDate)}
}

// GetLicenseUsage.

type getLicenseUsageRequest struct {
	LicenseArn string `json:"LicenseArn"`
}

func getLicenseUsageIn(r getLicenseUsageRequest) (license.GetLicenseUsageInput, error) {
	return license.GetLicenseUsageInput{LicenseArn: r.LicenseArn}, nil
}

type entitlementUsageShape struct {
	Name          string `json:"Name"`
	ConsumedValue string `json:"ConsumedValue"`
	MaxCount      string `json:"MaxCount,omitempty"`
	Unit          string `json:"Unit"`
}

type getLicenseUsageResponse struct {
	LicenseUsage struct {
		EntitlementUsages []entitlementUsageShape `json:"EntitlementUsages"`
	} `json:"LicenseUsage"`
}

func getLicenseUsageOut(o license.GetLicenseUsageOutput) getLicenseUsageResponse {
	var out getLicenseUsageResponse
	out.LicenseUsage.EntitlementUsages = mapSlice(o.EntitlementUsages, func(u license.EntitlementUsage) entitlementUsageShape {
		s := entitlementUsageShape{Name: u.Name, ConsumedValue: formatQuantity(u.Consumed), Unit: string(u.Unit)}
		if u.MaxCount != nil {
			s.MaxCount = formatQuantity(*u.MaxCount)
		}
		return s
	})
	return out
}

// ListReceivedLicenses.

type receivedMetadataShape struct {
	ReceivedStatus       string   `json:"ReceivedStatus"`
	ReceivedStatusReason string   `json:"ReceivedStatusReason,omitempty"`
	AllowedOperations    []string `json:"AllowedOperations"`
}

// grantedLicenseShape is the GrantedLicense shape: a license as its
// grantee sees it.
type grantedLicenseShape struct {
	licenseShape
	ReceivedMetadata receivedMetadataShape `json:"ReceivedMetadata"`
}

func listReceivedLicensesIn(r listLicensesRequest) (license.ListReceivedLicensesInput, error) {
	return license.ListReceivedLicensesInput{LicenseArns: r.LicenseArns, ListInput: listIn(r.listRequest)}, nil
}

type listReceivedLicensesResponse struct {
	Licenses  []grantedLicenseShape `json:"Licenses"`
	NextToken string                `json:"NextToken,omitempty"`
}

func listReceivedLicensesOut(o license.ListReceivedLicensesOutput) listReceivedLicensesResponse {
	return listReceivedLicensesResponse{NextToken: o.NextToken,
		Licenses: mapSlice(o.Licenses, func(g license.GrantedLicense) grantedLicenseShape {
			return grantedLicenseShape{licenseShape: licenseOut(g.License), ReceivedMetadata: receivedMetadataShape{
				ReceivedStatus: string(g.ReceivedMetadata.ReceivedStatus), ReceivedStatusReason: g.ReceivedMetadata.ReceivedStatusReason,
				AllowedOperations: enumStrings(g.ReceivedMetadata.AllowedOperations)}}
		})}
}

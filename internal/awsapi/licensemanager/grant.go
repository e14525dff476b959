package licensemanager

import (
	"github.com/tollgate/tollgate/internal/license"
)

// The wire shapes of grants and of the operations on them, and their
// mapping to and from the domain's.

type optionsShape struct {
	ActivationOverrideBehavior string `json:"ActivationOverrideBehavior,omitempty"`
}

// grantShape is the Grant shape.
type grantShape struct {
	GrantArn            string        `json:"GrantArn"`
	GrantName           string        `json:"GrantName"`
	ParentArn           string        `json:"ParentArn"`
	LicenseArn          string        `json:"LicenseArn"`
	GranteePrincipalArn string        `json:"GranteePrincipalArn"`
	HomeRegion          string        `json:"HomeRegion"`
	GrantStatus         string        `json:"GrantStatus"`
	StatusReason        string        `json:"StatusReason,omitempty"`
	Version             string        `json:"Version"`
	GrantedOperations   []string      `json:"GrantedOperations"`
	Options             *optionsShape `json:"Options,omitempty"`
}

func grantOut(g license.Grant) grantShape {
	out := grantShape{GrantArn: g.GrantArn, GrantName: g.GrantName, ParentArn: g.ParentArn, LicenseArn: g.LicenseArn,
		GranteePrincipalArn: g.GranteePrincipalArn, HomeRegion: g.HomeRegion, GrantStatus: string(g.GrantStatus),
		StatusReason: g.StatusReason, Version: g.Version, GrantedOperations: enumStrings(g.GrantedOperations)}
	if g.Options != nil {
		out.Options = &optionsShape{ActivationOverrideBehavior: string(g.Options.ActivationOverrideBehavior)}
	}
	return out
}

// grantResponse is the response of the operations that change a grant.
type grantResponse struct {
	GrantArn string `json:"GrantArn"`
	Status   string `json:"Status"`
	Version  string `json:"Version"`
}

func grantOutputOut(o license.GrantOutput) grantResponse {
	return grantResponse{GrantArn: o.GrantArn, Status: string(o.Status), Version: o.Version}
}

// CreateGrant.

type createGrantRequest struct {
	ClientToken       string   `json:"ClientToken"`
	GrantName         string   `json:"GrantName"`
	LicenseArn        string   `json:"LicenseArn"`
	Principals        []string `json:"Principals"`
	HomeRegion        string   `json:"HomeRegion"`
	AllowedOperations []string `json:"AllowedOperations"`
}

func createGrantIn(r createGrantRequest) (license.CreateGrantInput, error) {
	return license.CreateGrantInput{ClientToken: r.ClientToken, GrantName: r.GrantName, LicenseArn: r.LicenseArn, Principals: r.Principals,
		HomeRegion: r.HomeRegion, AllowedOperations: mapEnum[license.Operation](r.AllowedOperations)}, nil
}

// CreateGrantVersion.

type createGrantVersionRequest struct {
	ClientToken       string        `json:"ClientToken"`
	GrantArn          string        `json:"GrantArn"`
	GrantName         string        `json:"GrantName"`
	AllowedOperations []string      `json:"AllowedOperations"`
	Status            string        `json:"Status"`
	StatusReason      string        `json:"StatusReason"`
	SourceVersion     string        `json:"SourceVersion"`
	Options           *optionsShape `json:"Options"`
}

func createGrantVersionIn(r createGrantVersionRequest) (license.CreateGrantVersionInput, error) {
	in := license.CreateGrantVersionInput{ClientToken: r.ClientToken, GrantArn: r.GrantArn, GrantName: r.GrantName,
		AllowedOperations: mapEnum[license.Operation](r.AllowedOperations), Status: license.GrantStatus(r.Status),
		StatusReason: r.StatusReason, SourceVersion: r.SourceVersion}
	if r.Options != nil {
		in.Options = &license.Options{ActivationOverrideBehavior: license.ActivationOverride(r.Options.ActivationOverrideBehavior)}
	}
	return in, nil
}

// AcceptGrant and RejectGrant.

type grantArnRequest struct {
	GrantArn string `json:"GrantArn"`
}

func grantArnIn(r grantArnRequest) (license.GrantArnInput, error) {
	return license.GrantArnInput{GrantArn: r.GrantArn}, nil
}

// DeleteGrant.

type deleteGrantRequest struct {
	GrantArn     string `json:"GrantArn"`
	StatusReason string `json:"StatusReason"`
	Version      string `json:"Version"`
}

func deleteGrantIn(r deleteGrantRequest) (license.DeleteGrantInput, error) {
	return license.DeleteGrantInput{GrantArn: r.GrantArn, StatusReason: r.StatusReason, Version: r.Version}, nil
}

// GetGrant.

type getGrantRequest struct {
	GrantArn string `json:"GrantArn"`
	Version  string `json:"Version"`
}

func getGrantIn(r getGrantRequest) (license.GetGrantInput, error) {
	return license.GetGrantInput{GrantArn: r.GrantArn, Version: r.Version}, nil
}

type getGrantResponse struct {
	Grant grantShape `json:"Grant"`
}

func getGrantOut(o license.GetGrantOutput) getGrantResponse {
	return getGrantResponse{Grant: grantOut(o.Grant)}
}

// ListDistributedGrants and ListReceivedGrants.

type listGrantsRequest struct {
	GrantArns []string `json:"GrantArns"`
	listRequest
}

func listDistributedGrantsIn(r listGrantsRequest) (license.ListDistributedGrantsInput, error) {
	return license.ListDistributedGrantsInput{GrantArns: r.GrantArns, ListInput: listIn(r.listRequest)}, nil
}

func listReceivedGrantsIn(r listGrantsRequest) (license.ListReceivedGrantsInput, error) {
	return license.ListReceivedGrantsInput{GrantArns: r.GrantArns, ListInput: listIn(r.listRequest)}, nil
}

type listGrantsResponse struct {
	Grants    []grantShape `json:"Grants"`
	NextToken string       `json:"NextToken,omitempty"`
}

func listGrantsOut(o license.ListGrantsOutput) listGrantsResponse {
	return listGrantsResponse{Grants: mapSlice(o.Grants, grantOut), NextToken: o.NextToken}
}

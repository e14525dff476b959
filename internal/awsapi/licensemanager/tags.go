package licensemanager

import "github.com/tollgate/tollgate/internal/license"

// The wire shapes of tagging (TagResource, UntagResource,
// ListTagsForResource), of the service settings and of the operations over
// organizations, and their mapping to and from the domain's.

type tagShape struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func tagIn(t tagShape) license.Tag { return license.Tag{Key: t.Key, Value: t.Value} }

func tagOut(t license.Tag) tagShape { return tagShape{Key: t.Key, Value: t.Value} }

type tagResourceRequest struct {
	ResourceArn string     `json:"ResourceArn"`
	Tags        []tagShape `json:"Tags"`
}

func tagResourceIn(r tagResourceRequest) (license.TagResourceInput, error) {
	return license.TagResourceInput{ResourceArn: r.ResourceArn, Tags: mapSlice(r.Tags, tagIn)}, nil
}

type untagResourceRequest struct {
	ResourceArn string   `json:"ResourceArn"`
	TagKeys     []string `json:"TagKeys"`
}

func untagResourceIn(r untagResourceRequest) (license.UntagResourceInput, error) {
	return license.UntagResourceInput{ResourceArn: r.ResourceArn, TagKeys: r.TagKeys}, nil
}

type listTagsForResourceRequest struct {
	ResourceArn string `json:"ResourceArn"`
}

func listTagsForResourceIn(r listTagsForResourceRequest) (license.ListTagsForResourceInput, error) {
	return license.ListTagsForResourceInput{ResourceArn: r.ResourceArn}, nil
}

type listTagsForResourceResponse struct {
	Tags []tagShape `json:"Tags"`
}

func listTagsForResourceOut(o license.ListTagsForResourceOutput) listTagsForResourceResponse {
	return listTagsForResourceResponse{Tags: mapSlice(o.Tags, tagOut)}
}

// Service settings.

type organizationConfigurationShape struct {
	EnableIntegration bool `json:"EnableIntegration"`
}

type getServiceSettingsRequest struct{}

func getServiceSettingsIn(getServiceSettingsRequest) (license.GetServiceSettingsInput, error) {
	return license.GetServiceSettingsInput{}, nil
}

type getServiceSettingsResponse struct {
	S3BucketArn                    string                         `json:"S3BucketArn,omitempty"`
	SnsTopicArn                    string                         `json:"SnsTopicArn,omitempty"`
	OrganizationConfiguration      organizationConfigurationShape `json:"OrganizationConfiguration"`
	EnableCrossAccountsDiscovery   bool                           `json:"EnableCrossAccountsDiscovery"`
	LicenseManagerResourceShareArn string                         `json:"LicenseManagerResourceShareArn,omitempty"`
}

func getServiceSettingsOut(o license.ServiceSettings) getServiceSettingsResponse {
	return getServiceSettingsResponse{S3BucketArn: o.S3BucketArn, SnsTopicArn: o.SnsTopicArn,
		OrganizationConfiguration:    organizationConfigurationShape{EnableIntegration: o.OrganizationIntegration},
		EnableCrossAccountsDiscovery: o.CrossAccountsDiscovery, LicenseManagerResourceShareArn: o.ResourceShareArn}
}

type updateServiceSettingsRequest struct {
	S3BucketArn                  string                          `json:"S3BucketArn"`
	SnsTopicArn                  string                          `json:"SnsTopicArn"`
	OrganizationConfiguration    *organizationConfigurationShape `json:"OrganizationConfiguration"`
	EnableCrossAccountsDiscovery *bool                           `json:"EnableCrossAccountsDiscovery"`
}

func updateServiceSettingsIn(r updateServiceSettingsRequest) (license.UpdateServiceSettingsInput, error) {
	in := license.UpdateServiceSettingsInput{S3BucketArn: r.S3BucketArn, SnsTopicArn: r.SnsTopicArn, CrossAccountsDiscovery: r.EnableCrossAccountsDiscovery}
	if r.OrganizationConfiguration != nil {
		in.OrganizationIntegration = &r.OrganizationConfiguration.EnableIntegration
	}
	return in, nil
}

// Organizations.

type listReceivedLicensesForOrganizationRequest struct {
	listRequest
}

func listReceivedLicensesForOrganizationIn(r listReceivedLicensesForOrganizationRequest) (license.ListReceivedLicensesForOrganizationInput, error) {
	return license.ListReceivedLicensesForOrganizationInput{ListInput: listIn(r.listRequest)}, nil
}

type listReceivedGrantsForOrganizationRequest struct {
	LicenseArn string `json:"LicenseArn"`
	listRequest
}

func listReceivedGrantsForOrganizationIn(r listReceivedGrantsForOrganizationRequest) (license.ListReceivedGrantsForOrganizationInput, error) {
	return license.ListReceivedGrantsForOrganizationInput{LicenseArn: r.LicenseArn, ListInput: listIn(r.listRequest)}, nil
}

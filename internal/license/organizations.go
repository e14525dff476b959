package license

import "context"

// What AWS License Manager offers through AWS Organizations and the
// service's own integrations (S3 reports, SNS alerts, cross-account
// discovery), none of which Tollgate has: GetServiceSettings says so, and
// the rest is refused with UnsupportedOperationException, saying what to do
// instead, rather than answered as an unknown operation.

// ServiceSettings is what GetServiceSettings answers: nothing is
// integrated.
type ServiceSettings struct {
	S3BucketArn             string
	SnsTopicArn             string
	OrganizationIntegration bool
	CrossAccountsDiscovery  bool
	ResourceShareArn        string
}

// GetServiceSettingsInput is the GetServiceSettings request, which has no
// members.
type GetServiceSettingsInput struct{}

// GetServiceSettings answers Tollgate's settings, the same for every
// account: no S3 bucket, no SNS topic, no Organizations integration, no
// cross-account discovery.
func (s *Service) GetServiceSettings(context.Context, string, GetServiceSettingsInput) (ServiceSettings, error) {
	return ServiceSettings{}, nil
}

// UpdateServiceSettingsInput is the UpdateServiceSettings request.
type UpdateServiceSettingsInput struct {
	S3BucketArn             string
	SnsTopicArn             string
	OrganizationIntegration *bool
	CrossAccountsDiscovery  *bool
}

// Validate checks the request's strings.
func (in *UpdateServiceSettingsInput) Validate() error {
	p := problems(in)
	arn(p, "s3BucketArn", in.S3BucketArn, false)
	arn(p, "snsTopicArn", in.SnsTopicArn, false)
	return p.Err()
}

// UpdateServiceSettings accepts the settings Tollgate has (none
// integrated) and refuses any other.
func (s *Service) UpdateServiceSettings(_ context.Context, _ string, in UpdateServiceSettingsInput) (struct{}, error) {
	if err := in.Validate(); err != nil {
		return struct{}{}, err
	}
	switch {
	case in.S3BucketArn != "" || in.SnsTopicArn != "":
		return struct{}{}, errUnsupported("Tollgate's License Manager keeps no reports in S3 and sends no alerts through SNS")
	case in.OrganizationIntegration != nil && *in.OrganizationIntegration:
		return struct{}{}, errUnsupported("Tollgate has no AWS Organizations to integrate with: grant licenses to each account")
	case in.CrossAccountsDiscovery != nil && *in.CrossAccountsDiscovery:
		return struct{}{}, errUnsupported("Tollgate has no cross-account discovery: it needs AWS Organizations")
	}
	return struct{}{}, nil
}

// ListReceivedLicensesForOrganizationInput is its request.
type ListReceivedLicensesForOrganizationInput struct {
	ListInput
}

// Validate checks the request against the model's constraints.
func (in *ListReceivedLicensesForOrganizationInput) Validate() error {
	p := problems(in)
	maxResults(p, in.MaxResults)
	return p.Err()
}

// ListReceivedLicensesForOrganization is refused: Tollgate has no
// organizations. Each account lists what it received (ListReceivedLicenses).
func (s *Service) ListReceivedLicensesForOrganization(_ context.Context, _ string, in ListReceivedLicensesForOrganizationInput) (ListReceivedLicensesOutput, error) {
	if err := in.Validate(); err != nil {
		return ListReceivedLicensesOutput{}, err
	}
	return ListReceivedLicensesOutput{}, errUnsupported("Tollgate has no AWS Organizations: each account lists the licenses it received with ListReceivedLicenses")
}

// ListReceivedGrantsForOrganizationInput is its request.
type ListReceivedGrantsForOrganizationInput struct {
	LicenseArn string
	ListInput
}

// Validate checks the request against the model's constraints.
func (in *ListReceivedGrantsForOrganizationInput) Validate() error {
	p := problems(in)
	arn(p, "licenseArn", in.LicenseArn, true)
	maxResults(p, in.MaxResults)
	return p.Err()
}

// ListReceivedGrantsForOrganization is refused: Tollgate has no
// organizations. Each account lists what it received (ListReceivedGrants).
func (s *Service) ListReceivedGrantsForOrganization(_ context.Context, _ string, in ListReceivedGrantsForOrganizationInput) (ListGrantsOutput, error) {
	if err := in.Validate(); err != nil {
		return ListGrantsOutput{}, err
	}
	return ListGrantsOutput{}, errUnsupported("Tollgate has no AWS Organizations: each account lists the grants it received with ListReceivedGrants")
}

package license

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/tollgate/tollgate/internal/checked"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license/rules"
)

// CreateLicenseInput is the CreateLicense request.
type CreateLicenseInput struct {
	LicenseName              string
	ProductName              string
	ProductSKU               string
	Issuer                   *Issuer
	HomeRegion               string
	Validity                 *Validity
	Entitlements             []Entitlement
	Beneficiary              string
	ConsumptionConfiguration *ConsumptionConfiguration
	LicenseMetadata          []Metadata
	ClientToken              string
}

// Validate checks the request against the model's constraints.
func (in *CreateLicenseInput) Validate() error {
	p := problems(in)
	p.Required("licenseName", in.LicenseName)
	p.Required("productName", in.ProductName)
	p.Required("productSKU", in.ProductSKU)
	p.Required("homeRegion", in.HomeRegion)
	p.Required("beneficiary", in.Beneficiary)
	p.ClientToken(in.ClientToken)
	p.Count("licenseMetadata", len(in.LicenseMetadata), maxMetadataPerRecord)
	validateLicenseBody(p, in.Issuer, in.Validity, in.Entitlements, in.ConsumptionConfiguration)
	return p.Err()
}

// CreateLicenseOutput is the CreateLicense response.
type CreateLicenseOutput struct {
	LicenseArn string
	Status     LicenseStatus
	Version    string
}

// issuerFingerprint decides the fingerprint of a license the caller issues
// under issuerName: the marketplace's for operators issuing as the
// marketplace, the caller's own otherwise.
func (s *Service) issuerFingerprint(ctx context.Context, caller, issuerName string) (string, error) {
	if issuerName != MarketplaceIssuerName {
		return FingerprintFor(caller, issuerName), nil
	}
	op, err := s.operators.IsOperator(ctx, caller)
	if err != nil {
		return "", err
	}
	if !op {
		return "", errAccessDenied("issuer name %s is reserved for licenses the marketplace issues", MarketplaceIssuerName)
	}
	return s.cfg.MarketplaceFingerprint, nil
}

// CreateLicense issues a license from the caller's account.
func (s *Service) CreateLicense(ctx context.Context, caller string, in CreateLicenseInput) (CreateLicenseOutput, error) {
	if err := in.Validate(); err != nil {
		return CreateLicenseOutput{}, err
	}
	if err := createdInHomeRegion(ctx, in.HomeRegion); err != nil {
		return CreateLicenseOutput{}, err
	}
	fp, err := s.issuerFingerprint(ctx, caller, in.Issuer.Name)
	if err != nil {
		return CreateLicenseOutput{}, err
	}
	if err := s.keys.Ensure(ctx, fp); err != nil {
		return CreateLicenseOutput{}, err
	}
	hash := requestHash(in)
	var out CreateLicenseOutput
	err = s.store.Update(ctx, func(tx Tx) error {
		out, err = idempotent(tx, caller, "CreateLicense", in.ClientToken, hash, func() (CreateLicenseOutput, error) {
			l := License{
				LicenseArn: licenseARN(caller), LicenseName: in.LicenseName, ProductName: in.ProductName, ProductSKU: in.ProductSKU,
				Issuer:     Issuer{Name: in.Issuer.Name, SignKey: in.Issuer.SignKey, KeyFingerprint: fp},
				HomeRegion: in.HomeRegion, Status: StatusAvailable, Validity: *in.Validity, Beneficiary: in.Beneficiary,
				Entitlements: in.Entitlements, ConsumptionConfiguration: *in.ConsumptionConfiguration,
				LicenseMetadata: in.LicenseMetadata, CreateTime: tx.Now(), Version: "1", Owner: caller,
			}
			if err := tx.PutLicense(l); err != nil {
				return CreateLicenseOutput{}, err
			}
			return CreateLicenseOutput{LicenseArn: l.LicenseArn, Status: rules.Status(l.Status, l.Validity, tx.Now()), Version: l.Version}, nil
		})
		return err
	})
	return out, err
}

// CreateLicenseVersionInput is the CreateLicenseVersion request.
type CreateLicenseVersionInput struct {
	LicenseArn               string
	LicenseName              string
	ProductName              string
	Issuer                   *Issuer
	HomeRegion               string
	Validity                 *Validity
	LicenseMetadata          []Metadata
	Entitlements             []Entitlement
	ConsumptionConfiguration *ConsumptionConfiguration
	Status                   LicenseStatus
	ClientToken              string
	SourceVersion            string
}

// Validate checks the request against the model's constraints.
func (in *CreateLicenseVersionInput) Validate() error {
	p := problems(in)
	arn(p, "licenseArn", in.LicenseArn, true)
	p.Required("licenseName", in.LicenseName)
	p.Required("productName", in.ProductName)
	p.Required("homeRegion", in.HomeRegion)
	rules.Enum(p, "status", in.Status, rules.LicenseStatuses, true)
	p.ClientToken(in.ClientToken)
	p.Count("licenseMetadata", len(in.LicenseMetadata), maxMetadataPerRecord)
	validateLicenseBody(p, in.Issuer, in.Validity, in.Entitlements, in.ConsumptionConfiguration)
	return p.Err()
}

// CreateLicenseVersionOutput is the CreateLicenseVersion response.
type CreateLicenseVersionOutput struct {
	LicenseArn string
	Version    string
	Status     LicenseStatus
}

// CreateLicenseVersion renews or upgrades a license: the new version takes
// effect for the next checkout; live checkouts stay valid.
func (s *Service) CreateLicenseVersion(ctx context.Context, caller string, in CreateLicenseVersionInput) (CreateLicenseVersionOutput, error) {
	if err := in.Validate(); err != nil {
		return CreateLicenseVersionOutput{}, err
	}
	hash := requestHash(in)
	var out CreateLicenseVersionOutput
	err := s.store.UpdateLicense(ctx, in.LicenseArn, func(tx Tx) error {
		var err error
		out, err = idempotent(tx, caller, "CreateLicenseVersion", in.ClientToken, hash, func() (CreateLicenseVersionOutput, error) {
			cur, err := ownedLicense(tx, caller, in.LicenseArn)
			if err != nil {
				return CreateLicenseVersionOutput{}, err
			}
			if cur.Status == StatusDeleted {
				return CreateLicenseVersionOutput{}, errConflict("license %s is deleted", in.LicenseArn)
			}
			if in.SourceVersion != "" && in.SourceVersion != cur.Version {
				return CreateLicenseVersionOutput{}, errConflict("SourceVersion %s is not the license's current version %s", clip(in.SourceVersion), cur.Version)
			}
			if in.Issuer.Name != cur.Issuer.Name {
				return CreateLicenseVersionOutput{}, errValidation("a new version cannot change the issuer name from %q", cur.Issuer.Name)
			}
			next := cur
			next.LicenseName, next.ProductName, next.HomeRegion = in.LicenseName, in.ProductName, in.HomeRegion
			next.Issuer.SignKey = in.Issuer.SignKey
			next.Validity, next.LicenseMetadata, next.Entitlements = *in.Validity, in.LicenseMetadata, in.Entitlements
			next.ConsumptionConfiguration, next.Status = *in.ConsumptionConfiguration, in.Status
			next.Version, next.CreateTime = nextVersion(cur.Version), tx.Now()
			if err := tx.PutLicense(next); err != nil {
				return CreateLicenseVersionOutput{}, err
			}
			return CreateLicenseVersionOutput{LicenseArn: next.LicenseArn, Version: next.Version,
				Status: rules.Status(next.Status, next.Validity, tx.Now())}, nil
		})
		return err
	})
	return out, err
}

// atTime is the license as it is at now: with the status its validity gives
// it then (rules.Status).
func atTime(l License, now time.Time) License {
	l.Status = rules.Status(l.Status, l.Validity, now)
	return l
}

// allAtTime is atTime of each license.
func allAtTime(ls []License, now time.Time) []License {
	for i := range ls {
		ls[i] = atTime(ls[i], now)
	}
	return ls
}

// ownedLicense reads a license the caller issued.
func ownedLicense(tx Tx, caller, arn string) (License, error) {
	l, err := tx.License(arn)
	if err != nil || l.Owner != caller {
		if err == nil || fault.Is(err, fault.NotFound) {
			return License{}, errNotFound("license %s does not exist or was not issued by your account", clip(arn))
		}
		return License{}, err
	}
	return l, nil
}

// GetLicenseInput is the GetLicense request.
type GetLicenseInput struct {
	LicenseArn string
	Version    string
}

// GetLicenseOutput is the GetLicense response.
type GetLicenseOutput struct {
	License License
}

// Validate checks the request against the model's constraints.
func (in *GetLicenseInput) Validate() error {
	p := problems(in)
	arn(p, "licenseArn", in.LicenseArn, true)
	return p.Err()
}

// GetLicense returns a license to its issuer, or to an account holding a
// grant for it.
func (s *Service) GetLicense(ctx context.Context, caller string, in GetLicenseInput) (GetLicenseOutput, error) {
	if err := in.Validate(); err != nil {
		return GetLicenseOutput{}, err
	}
	l, err := s.visibleLicense(ctx, caller, in.LicenseArn, in.Version)
	return GetLicenseOutput{License: atTime(l, s.clock.Now())}, err
}

func (s *Service) visibleLicense(ctx context.Context, caller, arn, version string) (License, error) {
	if err := inScope(ctx, arn); err != nil {
		return License{}, err
	}
	l, err := s.store.GetLicense(ctx, arn, version)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return License{}, errInvalidParameter("license %s (version %q) does not exist or is not visible to your account", clip(arn), clip(version))
		}
		return License{}, err
	}
	if l.Owner == caller {
		return l, nil
	}
	grants, err := s.store.ListGrantsByGrantee(ctx, caller)
	if err != nil {
		return License{}, err
	}
	for _, g := range grants {
		if g.LicenseArn == arn && g.GrantStatus != GrantDeleted && g.GrantStatus != GrantRejected {
			return l, nil
		}
	}
	return License{}, errInvalidParameter("license %s (version %q) does not exist or is not visible to your account", clip(arn), clip(version))
}

// Filter narrows a list.
type Filter struct {
	Name   string
	Values []string
}

// ListInput is the common part of the List* requests.
type ListInput struct {
	Filters    []Filter
	NextToken  string
	MaxResults *int
}

// ListLicensesInput is the ListLicenses request.
type ListLicensesInput struct {
	LicenseArns []string
	ListInput
}

// ListLicensesOutput is the ListLicenses response.
type ListLicensesOutput struct {
	Licenses  []License
	NextToken string
}

// Validate checks the request against the model's constraints and the
// filters the operation supports.
func (in *ListLicensesInput) Validate() error {
	return validateList(in, in.ListInput, in.LicenseArns, licenseFilters, "Beneficiary", "ProductSKU", "Fingerprint", "Status")
}

var licenseFilters = map[string]func(License) string{
	"Beneficiary": func(l License) string { return l.Beneficiary },
	"ProductSKU":  func(l License) string { return l.ProductSKU },
	"Fingerprint": func(l License) string { return l.Issuer.KeyFingerprint },
	"Status":      func(l License) string { return string(l.Status) },
	"IssuerName":  func(l License) string { return l.Issuer.Name },
	"LicenseArn":  func(l License) string { return l.LicenseArn },
}

// ListLicenses lists the licenses the caller issued.
func (s *Service) ListLicenses(ctx context.Context, caller string, in ListLicensesInput) (ListLicensesOutput, error) {
	if err := in.Validate(); err != nil {
		return ListLicensesOutput{}, err
	}
	arnOf := func(l License) string { return l.LicenseArn }
	now := s.clock.Now()
	// The status a Status filter compares is the one at now, which the
	// store does not hold: it narrows by the other filters only.
	narrow := narrowing(slices.DeleteFunc(slices.Clone(in.Filters), func(f Filter) bool { return f.Name == "Status" }), in.LicenseArns)
	page, next, err := scanPage(func(after string, limit int) ([]License, error) {
		ls, err := s.store.ListLicensesByOwner(ctx, caller, after, limit, narrow)
		return allAtTime(ls, now), err
	}, matcher(in.Filters, in.LicenseArns, licenseFilters, arnOf), arnOf, in.NextToken, in.MaxResults)
	return ListLicensesOutput{Licenses: page, NextToken: next}, err
}

// ListLicenseVersionsInput is the ListLicenseVersions request.
type ListLicenseVersionsInput struct {
	LicenseArn string
	NextToken  string
	MaxResults *int
}

// Validate checks the request against the model's constraints.
func (in *ListLicenseVersionsInput) Validate() error {
	p := problems(in)
	arn(p, "licenseArn", in.LicenseArn, true)
	maxResults(p, in.MaxResults)
	return p.Err()
}

// ListLicenseVersions lists every version of a license the caller issued.
func (s *Service) ListLicenseVersions(ctx context.Context, caller string, in ListLicenseVersionsInput) (ListLicensesOutput, error) {
	if err := in.Validate(); err != nil {
		return ListLicensesOutput{}, err
	}
	versions, err := s.store.ListLicenseVersions(ctx, in.LicenseArn)
	if err != nil {
		return ListLicensesOutput{}, err
	}
	if len(versions) == 0 || versions[0].Owner != caller {
		return ListLicensesOutput{}, errInvalidParameter("license %s does not exist or was not issued by your account", clip(in.LicenseArn))
	}
	key := func(l License) string { n, _ := strconv.Atoi(l.Version); return strconv.Itoa(1_000_000_000 + n) }
	sort.Slice(versions, func(i, j int) bool { return key(versions[i]) < key(versions[j]) })
	page, next, err := paginate(allAtTime(versions, s.clock.Now()), key, in.NextToken, in.MaxResults)
	return ListLicensesOutput{Licenses: page, NextToken: next}, err
}

// DeleteLicenseInput is the DeleteLicense request.
type DeleteLicenseInput struct {
	LicenseArn    string
	SourceVersion string
}

// DeleteLicenseOutput is the DeleteLicense response.
type DeleteLicenseOutput struct {
	Status       LicenseStatus
	DeletionDate time.Time
}

// Validate checks the request against the model's constraints.
func (in *DeleteLicenseInput) Validate() error {
	p := problems(in)
	arn(p, "licenseArn", in.LicenseArn, true)
	p.Required("sourceVersion", in.SourceVersion)
	return p.Err()
}

// DeleteLicense deletes a license the caller issued; no checkout works
// against it afterwards.
func (s *Service) DeleteLicense(ctx context.Context, caller string, in DeleteLicenseInput) (DeleteLicenseOutput, error) {
	if err := in.Validate(); err != nil {
		return DeleteLicenseOutput{}, err
	}
	var out DeleteLicenseOutput
	err := s.store.UpdateLicense(ctx, in.LicenseArn, func(tx Tx) error {
		l, err := ownedLicense(tx, caller, in.LicenseArn)
		if err != nil {
			return errInvalidParameter("%s", fault.As(err).Message)
		}
		if err := inHomeRegion(ctx, l.LicenseArn, l.HomeRegion); err != nil {
			return err
		}
		if l.Status == StatusDeleted {
			return errConflict("license %s is already deleted", in.LicenseArn)
		}
		if in.SourceVersion != l.Version {
			return errConflict("SourceVersion %s is not the license's current version %s", clip(in.SourceVersion), l.Version)
		}
		out = DeleteLicenseOutput{Status: StatusDeleted, DeletionDate: tx.Now()}
		return tx.SetLicenseStatus(l.LicenseArn, StatusDeleted)
	})
	return out, err
}

// GetLicenseUsageInput is the GetLicenseUsage request.
type GetLicenseUsageInput struct {
	LicenseArn string
}

// Validate checks the request against the model's constraints.
func (in *GetLicenseUsageInput) Validate() error {
	p := problems(in)
	arn(p, "licenseArn", in.LicenseArn, true)
	return p.Err()
}

// EntitlementUsage is how much of one entitlement is consumed.
type EntitlementUsage struct {
	Name     string
	Consumed int64
	MaxCount *int64
	Unit     Unit
}

// GetLicenseUsageOutput is the GetLicenseUsage response.
type GetLicenseUsageOutput struct {
	EntitlementUsages []EntitlementUsage
}

// GetLicenseUsage reports consumption: units drawn down plus units held by
// live floating checkouts, per entitlement. Overage shows as consumption
// beyond MaxCount.
func (s *Service) GetLicenseUsage(ctx context.Context, caller string, in GetLicenseUsageInput) (GetLicenseUsageOutput, error) {
	var out GetLicenseUsageOutput
	if err := in.Validate(); err != nil {
		return out, err
	}
	l, err := s.visibleLicense(ctx, caller, in.LicenseArn, "")
	if err != nil {
		return out, err
	}
	now := s.clock.Now()
	usage, err := s.store.Usage(ctx, l.LicenseArn, periodOf(l, now), now)
	if err != nil {
		return out, err
	}
	out.EntitlementUsages = []EntitlementUsage{}
	for _, e := range l.Entitlements {
		u := usage[e.Name]
		consumed, ok := checked.Add(u.Drawn, u.InUse)
		if !ok { // checkouts keep every counter within MaxQuantity
			return out, fault.New(fault.Internal, "usage of entitlement %s of license %s overflows: %d drawn, %d in use", e.Name, l.LicenseArn, u.Drawn, u.InUse)
		}
		out.EntitlementUsages = append(out.EntitlementUsages, EntitlementUsage{Name: e.Name, Consumed: consumed, MaxCount: e.MaxCount, Unit: e.Unit})
	}
	return out, nil
}

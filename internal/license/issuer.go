package license

import (
	"context"
	"sort"
	"strconv"

	"github.com/tollgate/tollgate/internal/checked"
	"github.com/tollgate/tollgate/internal/fault"
)

// CreateLicenseInput is the CreateLicense request.
type CreateLicenseInput struct {
	LicenseName              string                    `json:"LicenseName"`
	ProductName              string                    `json:"ProductName"`
	ProductSKU               string                    `json:"ProductSKU"`
	Issuer                   *Issuer                   `json:"Issuer"`
	HomeRegion               string                    `json:"HomeRegion"`
	Validity                 *Validity                 `json:"Validity"`
	Entitlements             []Entitlement             `json:"Entitlements"`
	Beneficiary              string                    `json:"Beneficiary"`
	ConsumptionConfiguration *ConsumptionConfiguration `json:"ConsumptionConfiguration"`
	LicenseMetadata          []Metadata                `json:"LicenseMetadata"`
	ClientToken              string                    `json:"ClientToken"`
}

// Validate checks the request against the model's constraints.
func (in *CreateLicenseInput) Validate() error {
	var v validator
	v.text(in)
	v.required("licenseName", in.LicenseName)
	v.required("productName", in.ProductName)
	v.required("productSKU", in.ProductSKU)
	v.required("homeRegion", in.HomeRegion)
	v.required("beneficiary", in.Beneficiary)
	v.clientToken(in.ClientToken)
	v.count("licenseMetadata", len(in.LicenseMetadata), maxMetadataPerRecord)
	validateLicenseBody(&v, in.Issuer, in.Validity, in.Entitlements, in.ConsumptionConfiguration)
	return v.err()
}

func validateLicenseBody(v *validator, issuer *Issuer, validity *Validity, ents []Entitlement, cc *ConsumptionConfiguration) {
	if issuer == nil {
		v.add("Value null at 'issuer' failed to satisfy constraint: Member must not be null")
	} else {
		v.required("issuer.name", issuer.Name)
	}
	if validity == nil {
		v.add("Value null at 'validity' failed to satisfy constraint: Member must not be null")
	} else {
		v.timestamp("validity.begin", validity.Begin, true)
		v.timestamp("validity.end", validity.End, false)
		if b, err1 := parseTime(validity.Begin); err1 == nil && validity.End != "" {
			if e, err2 := parseTime(validity.End); err2 == nil && !e.After(b) {
				v.add("Validity end %s must be after its begin %s", validity.End, validity.Begin)
			}
		}
	}
	v.entitlements(ents)
	if cc == nil {
		v.add("Value null at 'consumptionConfiguration' failed to satisfy constraint: Member must not be null")
	} else {
		v.consumption(*cc)
	}
}

// CreateLicenseOutput is the CreateLicense response.
type CreateLicenseOutput struct {
	LicenseArn string `json:"LicenseArn"`
	Status     string `json:"Status"`
	Version    string `json:"Version"`
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
				LicenseMetadata: in.LicenseMetadata, CreateTime: formatTime(tx.Now()), Version: "1", Owner: caller,
			}
			if err := tx.PutLicense(l); err != nil {
				return CreateLicenseOutput{}, err
			}
			return CreateLicenseOutput{LicenseArn: l.LicenseArn, Status: l.Status, Version: l.Version}, nil
		})
		return err
	})
	return out, err
}

// CreateLicenseVersionInput is the CreateLicenseVersion request.
type CreateLicenseVersionInput struct {
	LicenseArn               string                    `json:"LicenseArn"`
	LicenseName              string                    `json:"LicenseName"`
	ProductName              string                    `json:"ProductName"`
	Issuer                   *Issuer                   `json:"Issuer"`
	HomeRegion               string                    `json:"HomeRegion"`
	Validity                 *Validity                 `json:"Validity"`
	LicenseMetadata          []Metadata                `json:"LicenseMetadata"`
	Entitlements             []Entitlement             `json:"Entitlements"`
	ConsumptionConfiguration *ConsumptionConfiguration `json:"ConsumptionConfiguration"`
	Status                   string                    `json:"Status"`
	ClientToken              string                    `json:"ClientToken"`
	SourceVersion            string                    `json:"SourceVersion"`
}

// Validate checks the request against the model's constraints.
func (in *CreateLicenseVersionInput) Validate() error {
	var v validator
	v.text(in)
	v.arn("licenseArn", in.LicenseArn, true)
	v.required("licenseName", in.LicenseName)
	v.required("productName", in.ProductName)
	v.required("homeRegion", in.HomeRegion)
	v.enum("status", in.Status, licenseStatuses, true)
	v.clientToken(in.ClientToken)
	v.count("licenseMetadata", len(in.LicenseMetadata), maxMetadataPerRecord)
	validateLicenseBody(&v, in.Issuer, in.Validity, in.Entitlements, in.ConsumptionConfiguration)
	return v.err()
}

// CreateLicenseVersionOutput is the CreateLicenseVersion response.
type CreateLicenseVersionOutput struct {
	LicenseArn string `json:"LicenseArn"`
	Version    string `json:"Version"`
	Status     string `json:"Status"`
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
			next.Version, next.CreateTime = nextVersion(cur.Version), formatTime(tx.Now())
			if err := tx.PutLicense(next); err != nil {
				return CreateLicenseVersionOutput{}, err
			}
			return CreateLicenseVersionOutput{LicenseArn: next.LicenseArn, Version: next.Version, Status: next.Status}, nil
		})
		return err
	})
	return out, err
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
	LicenseArn string `json:"LicenseArn"`
	Version    string `json:"Version"`
}

// GetLicenseOutput is the GetLicense response.
type GetLicenseOutput struct {
	License License `json:"License"`
}

// GetLicense returns a license to its issuer, or to an account holding a
// grant for it.
func (s *Service) GetLicense(ctx context.Context, caller string, in GetLicenseInput) (GetLicenseOutput, error) {
	var v validator
	v.text(in)
	v.arn("licenseArn", in.LicenseArn, true)
	if err := v.err(); err != nil {
		return GetLicenseOutput{}, err
	}
	l, err := s.visibleLicense(ctx, caller, in.LicenseArn, in.Version)
	return GetLicenseOutput{License: l}, err
}

func (s *Service) visibleLicense(ctx context.Context, caller, arn, version string) (License, error) {
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
	Name   string   `json:"Name"`
	Values []string `json:"Values"`
}

// ListInput is the common part of the List* requests.
type ListInput struct {
	Filters    []Filter `json:"Filters"`
	NextToken  string   `json:"NextToken"`
	MaxResults *int     `json:"MaxResults"`
}

// ListLicensesInput is the ListLicenses request.
type ListLicensesInput struct {
	LicenseArns []string `json:"LicenseArns"`
	ListInput
}

// ListLicensesOutput is the ListLicenses response.
type ListLicensesOutput struct {
	Licenses  []License `json:"Licenses"`
	NextToken string    `json:"NextToken,omitempty"`
}

var licenseFilters = map[string]func(License) string{
	"Beneficiary": func(l License) string { return l.Beneficiary },
	"ProductSKU":  func(l License) string { return l.ProductSKU },
	"Fingerprint": func(l License) string { return l.Issuer.KeyFingerprint },
	"Status":      func(l License) string { return l.Status },
	"IssuerName":  func(l License) string { return l.Issuer.Name },
	"LicenseArn":  func(l License) string { return l.LicenseArn },
}

// ListLicenses lists the licenses the caller issued.
func (s *Service) ListLicenses(ctx context.Context, caller string, in ListLicensesInput) (ListLicensesOutput, error) {
	if err := validateList(in, in.ListInput, in.LicenseArns, licenseFilters, "Beneficiary", "ProductSKU", "Fingerprint", "Status"); err != nil {
		return ListLicensesOutput{}, err
	}
	arnOf := func(l License) string { return l.LicenseArn }
	page, next, err := scanPage(func(after string, limit int) ([]License, error) {
		return s.store.ListLicensesByOwner(ctx, caller, after, limit, narrowing(in.Filters, in.LicenseArns))
	}, matcher(in.Filters, in.LicenseArns, licenseFilters, arnOf), arnOf, in.NextToken, in.MaxResults)
	return ListLicensesOutput{Licenses: page, NextToken: next}, err
}

// ListLicenseVersionsInput is the ListLicenseVersions request.
type ListLicenseVersionsInput struct {
	LicenseArn string `json:"LicenseArn"`
	NextToken  string `json:"NextToken"`
	MaxResults *int   `json:"MaxResults"`
}

// ListLicenseVersions lists every version of a license the caller issued.
func (s *Service) ListLicenseVersions(ctx context.Context, caller string, in ListLicenseVersionsInput) (ListLicensesOutput, error) {
	var v validator
	v.text(in)
	v.arn("licenseArn", in.LicenseArn, true)
	v.maxResults(in.MaxResults)
	if err := v.err(); err != nil {
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
	page, next, err := paginate(versions, key, in.NextToken, in.MaxResults)
	return ListLicensesOutput{Licenses: page, NextToken: next}, err
}

// DeleteLicenseInput is the DeleteLicense request.
type DeleteLicenseInput struct {
	LicenseArn    string `json:"LicenseArn"`
	SourceVersion string `json:"SourceVersion"`
}

// DeleteLicenseOutput is the DeleteLicense response.
type DeleteLicenseOutput struct {
	Status       string `json:"Status"`
	DeletionDate string `json:"DeletionDate"`
}

// DeleteLicense deletes a license the caller issued; no checkout works
// against it afterwards.
func (s *Service) DeleteLicense(ctx context.Context, caller string, in DeleteLicenseInput) (DeleteLicenseOutput, error) {
	var v validator
	v.text(in)
	v.arn("licenseArn", in.LicenseArn, true)
	v.required("sourceVersion", in.SourceVersion)
	if err := v.err(); err != nil {
		return DeleteLicenseOutput{}, err
	}
	var out DeleteLicenseOutput
	err := s.store.UpdateLicense(ctx, in.LicenseArn, func(tx Tx) error {
		l, err := ownedLicense(tx, caller, in.LicenseArn)
		if err != nil {
			return errInvalidParameter("%s", fault.As(err).Message)
		}
		if l.Status == StatusDeleted {
			return errConflict("license %s is already deleted", in.LicenseArn)
		}
		if in.SourceVersion != l.Version {
			return errConflict("SourceVersion %s is not the license's current version %s", clip(in.SourceVersion), l.Version)
		}
		out = DeleteLicenseOutput{Status: StatusDeleted, DeletionDate: formatTime(tx.Now())}
		return tx.SetLicenseStatus(l.LicenseArn, StatusDeleted)
	})
	return out, err
}

// GetLicenseUsageInput is the GetLicenseUsage request.
type GetLicenseUsageInput struct {
	LicenseArn string `json:"LicenseArn"`
}

// EntitlementUsage is how much of one entitlement is consumed.
type EntitlementUsage struct {
	Name          string `json:"Name"`
	ConsumedValue string `json:"ConsumedValue"`
	MaxCount      string `json:"MaxCount,omitempty"`
	Unit          string `json:"Unit"`
}

// GetLicenseUsageOutput is the GetLicenseUsage response.
type GetLicenseUsageOutput struct {
	LicenseUsage struct {
		EntitlementUsages []EntitlementUsage `json:"EntitlementUsages"`
	} `json:"LicenseUsage"`
}

// GetLicenseUsage reports consumption: units drawn down plus units held by
// live floating checkouts, per entitlement. Overage shows as consumption
// beyond MaxCount.
func (s *Service) GetLicenseUsage(ctx context.Context, caller string, in GetLicenseUsageInput) (GetLicenseUsageOutput, error) {
	var out GetLicenseUsageOutput
	var v validator
	v.text(in)
	v.arn("licenseArn", in.LicenseArn, true)
	if err := v.err(); err != nil {
		return out, err
	}
	l, err := s.visibleLicense(ctx, caller, in.LicenseArn, "")
	if err != nil {
		return out, err
	}
	usage, err := s.store.Usage(ctx, l.LicenseArn, s.clock.Now())
	if err != nil {
		return out, err
	}
	out.LicenseUsage.EntitlementUsages = []EntitlementUsage{}
	for _, e := range l.Entitlements {
		u := usage[e.Name]
		consumed, ok := checked.Add(u.Drawn, u.InUse)
		if !ok { // checkouts keep every counter within MaxQuantity
			return out, fault.New(fault.Internal, "usage of entitlement %s of license %s overflows: %d drawn, %d in use", e.Name, l.LicenseArn, u.Drawn, u.InUse)
		}
		eu := EntitlementUsage{Name: e.Name, ConsumedValue: strconv.FormatInt(consumed, 10), Unit: e.Unit}
		if e.MaxCount != nil {
			eu.MaxCount = strconv.FormatInt(*e.MaxCount, 10)
		}
		out.LicenseUsage.EntitlementUsages = append(out.LicenseUsage.EntitlementUsages, eu)
	}
	return out, nil
}

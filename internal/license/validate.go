package license

import (
	"fmt"
	"strconv"

	"github.com/tollgate/tollgate/internal/license/rules"
)

// The checks the <Op>Input types' Validate methods share. Each Validate is
// called first by its operation, and returns one ValidationException
// (fault.Invalid) that names every bad field (rules.Problems); it checks
// every string of the input (rules.Problems.Text) against the limits table
// (limits.go), then what the model and the limits say of each field.

// problems starts the validation of in: every string of it, at its limit.
func problems(in any) *rules.Problems {
	var p rules.Problems
	p.Text(in, stringLimit)
	return &p
}

func arn(p *rules.Problems, field, value string, required bool) {
	p.ARN(field, value, required, MaxARNLength)
}

func maxResults(p *rules.Problems, value *int) {
	p.Between("maxResults", value, 1, maxPageSize, "have value")
}

func clip(s string) string { return rules.Clip(s) }

// validateLicenseBody checks what CreateLicense and CreateLicenseVersion
// share.
func validateLicenseBody(p *rules.Problems, issuer *Issuer, validity *Validity, ents []Entitlement, cc *ConsumptionConfiguration) {
	if issuer == nil {
		p.Null("issuer")
	} else {
		p.Required("issuer.name", issuer.Name)
	}
	if validity == nil {
		p.Null("validity")
	} else {
		if validity.Begin.IsZero() {
			p.Null("validity.begin")
		}
		p.ValidityWindow(*validity)
	}
	entitlements(p, ents)
	if cc == nil {
		p.Null("consumptionConfiguration")
	} else {
		consumption(p, *cc)
	}
}

// entitlements checks a license's entitlements: names unique, units known,
// MaxCount between 0 and MaxQuantity.
func entitlements(p *rules.Problems, list []Entitlement) {
	p.EntitlementNames(len(list), maxEntitlementsPerRecord, func(i int) (string, Unit) { return list[i].Name, list[i].Unit })
	for i, e := range list {
		if e.MaxCount != nil && (*e.MaxCount < 0 || *e.MaxCount > MaxQuantity) {
			p.Add("Value '%d' at 'entitlements.%d.member.maxCount' failed to satisfy constraint: Member must have value between 0 and %d",
				*e.MaxCount, i+1, MaxQuantity)
		}
	}
}

func consumption(p *rules.Problems, c ConsumptionConfiguration) {
	rules.Enum(p, "consumptionConfiguration.renewType", c.RenewType, renewTypes, false)
	if pc := c.ProvisionalConfiguration; pc != nil {
		if pc.MaxTimeToLiveInMinutes == nil {
			p.Null("consumptionConfiguration.provisionalConfiguration.maxTimeToLiveInMinutes")
		} else {
			ttl(p, "provisionalConfiguration", *pc.MaxTimeToLiveInMinutes)
		}
	}
	if b := c.BorrowConfiguration; b != nil {
		if b.MaxTimeToLiveInMinutes == nil || b.AllowEarlyCheckIn == nil {
			p.Add("Value null at 'consumptionConfiguration.borrowConfiguration' members failed to satisfy constraint: AllowEarlyCheckIn and MaxTimeToLiveInMinutes must not be null")
		} else {
			ttl(p, "borrowConfiguration", *b.MaxTimeToLiveInMinutes)
		}
	}
}

func ttl(p *rules.Problems, config string, minutes int) {
	p.Between("consumptionConfiguration."+config+".maxTimeToLiveInMinutes", &minutes, 1, maxTTLMinutes, "be")
}

// checkoutEntitlements checks the entitlements a checkout asks for. A name
// may not appear twice: each draw is checked against the pool on its own, so
// a name asked for twice could take more than the pool holds. A quantity,
// when given, is between 1 and MaxQuantity; it counts only for counted
// entitlements (a tier's is not read), but a request that cannot be meant
// is refused whatever the license holds.
func checkoutEntitlements(p *rules.Problems, list []EntitlementRequest) {
	p.EntitlementNames(len(list), maxEntitlementsPerRecord, func(i int) (string, Unit) { return list[i].Name, list[i].Unit })
	for i, e := range list {
		if e.Unit == UnitNone || e.Quantity == nil {
			continue
		}
		p.Quantity(fmt.Sprintf("entitlements.%d.member.value", i+1), *e.Quantity, strconv.FormatInt(*e.Quantity, 10))
	}
}

func validateOperations(p *rules.Problems, ops []Operation, required bool) {
	if len(ops) == 0 {
		if required {
			p.Null("allowedOperations")
		}
		return
	}
	p.Count("allowedOperations", len(ops), maxAllowedOperations)
	for _, op := range ops {
		rules.Enum(p, "allowedOperations.member", op, allowedOps, true)
	}
}

package catalog

import "github.com/tollgate/tollgate/internal/money"

// Raises reports whether plan next charges more than plan prev for
// anything: a sign-up or monthly fee, an hourly or annual price of an
// instance type, a usage dimension's price, or a contract dimension's (or
// tier's) price for a duration. Something prev does not charge for counts
// as charged at 0 there, so a new charge is a rise; dropping one is not.
// The free trial is not a price. ChangePricing's notice rule rests on it.
func Raises(prev, next Pricing) bool {
	if next.SignUpFee > prev.SignUpFee || next.MonthlyFee > prev.MonthlyFee ||
		mapRaises(prev.Hourly, next.Hourly) || mapRaises(prev.Annual, next.Annual) {
		return true
	}
	for _, u := range next.Usage {
		if u.Price > usagePrice(prev.Usage, u.Dimension) {
			return true
		}
	}
	return contractRaises(prev.Contract, next.Contract)
}

func mapRaises[K comparable](prev, next map[K]money.Amount) bool {
	for k, v := range next {
		if v > prev[k] { // a missing price reads as 0
			return true
		}
	}
	return false
}

func usagePrice(us []UsageDimension, dimension string) money.Amount {
	for _, u := range us {
		if u.Dimension == dimension {
			return u.Price
		}
	}
	return 0
}

func contractRaises(prev, next *ContractPricing) bool {
	if next == nil {
		return false
	}
	for _, d := range next.Dimensions {
		var old ContractDimension
		if prev != nil {
			for _, o := range prev.Dimensions {
				if o.Name == d.Name {
					old = o
				}
			}
		}
		if mapRaises(old.Price, d.Price) {
			return true
		}
		for tier, prices := range d.Tiers {
			if mapRaises(old.Tiers[tier], prices) {
				return true
			}
		}
	}
	return false
}

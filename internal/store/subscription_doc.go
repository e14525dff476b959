package store

import (
	"maps"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/subscription"
)

// subscriptionDoc is the part of a subscription no query looks into: the
// maps of what was bought, in the store's own shape (see license_doc.go for
// the rules these documents follow). Everything else is a column.
type subscriptionDoc struct {
	Annual   map[string]int64  `json:"annual,omitempty"`
	Contract *contractTermsDoc `json:"contract,omitempty"`
}

type contractTermsDoc struct {
	Duration   string           `json:"duration"`
	Quantities map[string]int64 `json:"quantities,omitempty"`
	Tier       string           `json:"tier,omitempty"`
}

func subscriptionDocOf(s subscription.Subscription) subscriptionDoc {
	d := subscriptionDoc{Annual: maps.Clone(s.Annual)}
	if c := s.Contract; c != nil {
		d.Contract = &contractTermsDoc{Duration: string(c.Duration), Quantities: maps.Clone(c.Quantities), Tier: c.Tier}
	}
	return d
}

func (d subscriptionDoc) fill(s *subscription.Subscription) {
	s.Annual = d.Annual
	if c := d.Contract; c != nil {
		s.Contract = &subscription.ContractTerms{Duration: catalog.Duration(c.Duration), Quantities: c.Quantities, Tier: c.Tier}
	}
}

// nanosOrZero stores a time as Unix nanoseconds, and no time as 0.
func nanosOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// timeOrZero reads what nanosOrZero stored.
func timeOrZero(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return fromNanos(n)
}

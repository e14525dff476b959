package license

import (
	"context"
	"strings"

	"github.com/tollgate/tollgate/internal/fault"
)

// Redistribution: a grantee whose active grant allows CreateGrant may grant
// the license on, to another account, within what its own grant allows. The
// grant it creates names its grant as ParentArn (a grant the issuer creates
// names the license), and works only while every grant it descends from is
// active: withdrawing or disabling a grant withdraws what was distributed
// from it.

// maxGrantDepth bounds the chain of grants a grant descends from, which a
// checkout walks: the issuer's grant, and grants distributed from it, three
// times over.
const maxGrantDepth = 4

// distributedFrom says whether a grant was distributed from another grant
// (its parent is a grant, not the license).
func (g *Grant) distributedFrom() (string, bool) {
	return g.ParentArn, g.ParentArn != g.LicenseArn && strings.Contains(g.ParentArn, ":grant:")
}

// activeChain refuses a grant distributed from a grant that is no longer
// active, at any depth; get reads a grant.
func activeChain(get func(arn string) (Grant, error), g Grant) error {
	for range maxGrantDepth {
		parentArn, ok := g.distributedFrom()
		if !ok {
			return nil
		}
		parent, err := get(parentArn)
		if err != nil {
			return err
		}
		if parent.GrantStatus != GrantActive {
			return errNoEntitlements("grant %s was distributed from grant %s, which is %s", g.GrantArn, parent.GrantArn, parent.GrantStatus)
		}
		g = parent
	}
	return errNoEntitlements("grant %s descends from more than %d grants", g.GrantArn, maxGrantDepth)
}

// chainActive is activeChain over the store, outside a transaction.
func (s *Service) chainActive(ctx context.Context, g Grant) error {
	return activeChain(func(arn string) (Grant, error) { return s.store.GetGrant(ctx, arn, "") }, g)
}

// grantable returns the license the caller may grant: one it issued, or one
// it holds an active grant of that allows CreateGrant (and every operation
// asked for), which it returns as the parent of the new grant.
func grantable(tx Tx, caller string, in CreateGrantInput) (License, *Grant, error) {
	l, err := tx.License(in.LicenseArn)
	if err != nil {
		return License{}, nil, notGrantable(err, in.LicenseArn)
	}
	if l.Owner == caller {
		return l, nil, nil
	}
	grants, err := tx.GranteeGrants(caller, l.ProductSKU, l.Issuer.KeyFingerprint)
	if err != nil {
		return License{}, nil, err
	}
	for _, g := range grants {
		if g.LicenseArn != l.LicenseArn || g.GrantStatus != GrantActive || !g.allows(OpCreateGrant) {
			continue
		}
		if err := activeChain(tx.Grant, g); err != nil {
			return License{}, nil, errInvalidParameter("%s", err.Error())
		}
		if depth(tx, g) >= maxGrantDepth {
			return License{}, nil, errInvalidParameter("grant %s is already %d grants from the license; it cannot be distributed further", g.GrantArn, maxGrantDepth)
		}
		for _, op := range in.AllowedOperations {
			if !g.allows(op) {
				return License{}, nil, errInvalidParameter("grant %s does not allow %s, so a grant distributed from it cannot", g.GrantArn, op)
			}
		}
		return l, &g, nil
	}
	return License{}, nil, notGrantable(nil, in.LicenseArn)
}

// depth is how many grants g is from the license (1: the issuer's grant).
func depth(tx Tx, g Grant) int {
	n := 1
	for parentArn, ok := g.distributedFrom(); ok && n < maxGrantDepth; parentArn, ok = g.distributedFrom() {
		parent, err := tx.Grant(parentArn)
		if err != nil {
			return maxGrantDepth
		}
		g, n = parent, n+1
	}
	return n
}

func notGrantable(err error, arn string) error {
	if err != nil && !fault.Is(err, fault.NotFound) {
		return err
	}
	return errInvalidParameter("license %s does not exist, or was not issued by your account and no active grant of it allows CreateGrant for your account", clip(arn))
}

// organizationPrincipal says whether a principal names an AWS Organizations
// organization or organizational unit
// (arn:aws:organizations::111122223333:organization/o-...).
func organizationPrincipal(arn string) bool {
	return strings.HasPrefix(arn, "arn:aws:organizations::")
}

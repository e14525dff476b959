package storetest

import (
	"fmt"
	"testing"

	"github.com/tollgate/tollgate/internal/license"
)

var _ = register("LicenseGrantCount", LicenseGrantCount)

// LicenseGrantCount tests the count of a license's grants that CreateGrant
// limits: those neither deleted nor rejected, of that license only.
func LicenseGrantCount(t *testing.T, open Opener) {
	db := open(t)
	const lic, other = "arn:aws:license-manager::222222222222:license:l-1", "arn:aws:license-manager::222222222222:license:l-2"
	statuses := []license.GrantStatus{license.GrantActive, license.GrantPendingAccept, license.GrantDisabled, license.GrantDeleted, license.GrantRejected}
	NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
		for i, st := range append(statuses, license.GrantActive) {
			arn := lic
			if i == len(statuses) {
				arn = other
			}
			g := license.Grant{GrantArn: fmt.Sprintf("arn:aws:license-manager::222222222222:grant:g-%d", i), LicenseArn: arn, ParentArn: arn,
				Grantor: "222222222222", Grantee: "333333333333", ProductSKU: "sku", KeyFingerprint: "fp", IssuerName: "Self", GrantStatus: st, Version: "1"}
			if err := tx.PutGrant(g); err != nil {
				return err
			}
		}
		n, err := tx.CountGrants(lic)
		Diff(t, "grants of the license neither deleted nor rejected", 3, n)
		return err
	}), "store grants and count them")
}

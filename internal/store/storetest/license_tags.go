package storetest

import (
	"testing"

	"github.com/tollgate/tollgate/internal/license"
)

var _ = register("LicenseTags", LicenseTags)

// LicenseTags tests the tags of licenses and grants: set, replaced by key,
// read back by key in and out of a transaction, deleted one key at a time,
// each resource's apart.
func LicenseTags(t *testing.T, open Opener) {
	db := open(t)
	ctx := t.Context()
	const lic, grant = "arn:aws:license-manager::222222222222:license:l-1", "arn:aws:license-manager::222222222222:grant:g-1"
	NoError(t, db.Licenses().Update(ctx, func(tx license.Tx) error {
		for _, step := range []struct {
			arn string
			tag license.Tag
		}{{lic, license.Tag{Key: "team", Value: "a"}}, {lic, license.Tag{Key: "env", Value: ""}}, {grant, license.Tag{Key: "team", Value: "b"}},
			{lic, license.Tag{Key: "team", Value: "c"}}} {
			if err := tx.PutTag(step.arn, step.tag); err != nil {
				return err
			}
		}
		return nil
	}), "tag")
	tags, err := db.Licenses().Tags(ctx, lic)
	NoError(t, err, "license tags")
	Diff(t, "license tags", []license.Tag{{Key: "env", Value: ""}, {Key: "team", Value: "c"}}, tags)
	NoError(t, db.Licenses().Update(ctx, func(tx license.Tx) error {
		if err := tx.DeleteTag(lic, "team"); err != nil {
			return err
		}
		if err := tx.DeleteTag(lic, "absent"); err != nil {
			return err
		}
		got, err := tx.Tags(lic)
		Diff(t, "license tags in the transaction", []license.Tag{{Key: "env", Value: ""}}, got)
		return err
	}), "untag")
	tags, err = db.Licenses().Tags(ctx, grant)
	NoError(t, err, "grant tags")
	Diff(t, "grant tags", []license.Tag{{Key: "team", Value: "b"}}, tags)
	tags, err = db.Licenses().Tags(ctx, "arn:aws:license-manager::222222222222:license:l-untagged")
	NoError(t, err, "tags of an untagged resource")
	Diff(t, "tags of an untagged resource", []license.Tag(nil), tags)
}

package store

import (
	"context"

	"github.com/tollgate/tollgate/internal/fault"
)

// Setting returns a named platform setting, and false if it is unset.
func (db *DB) Setting(ctx context.Context, name string) (string, bool, error) {
	var v string
	err := db.queryRow(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if err != nil {
		if fault.Is(db.classify(err), fault.NotFound) {
			return "", false, nil
		}
		return "", false, db.classify(err)
	}
	return v, true, nil
}

// PutSetting stores a named platform setting.
func (db *DB) PutSetting(ctx context.Context, name, value string) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
		return err
	})
}

// dataTables lists the tables Reset empties, children before parents. The
// simulated clock is kept: time does not go back.
var dataTables = []string{
	"subscription_changes", "subscription_charges", "subscriptions",
	"license_tags", "license_tokens", "client_tokens", "license_checkouts", "license_seats", "license_drawn",
	"grant_versions", "grants", "license_versions", "licenses",
	"ec2_tags", "instance_intervals", "instance_volumes", "instances", "image_launch_permissions", "images",
	"import_image_tasks", "ec2_client_tokens", "image_snapshots", "snapshot_volume_permissions", "snapshots",
	"offer_buyers", "offers", "price_versions", "products", "instance_types",
	"console_sessions", "account_passwords", "session_keys", "access_keys", "accounts", "settings",
}

// Reset deletes all data; emulator users' test harnesses call it between
// tests.
func (db *DB) Reset(ctx context.Context) error {
	return db.Update(ctx, func(tx *Tx) error {
		for _, t := range dataTables {
			if _, err := tx.Exec(`DELETE FROM ` + t); err != nil {
				return err
			}
		}
		// The epoch goes on, past a change the emptied log no longer
		// holds, so that every replica's entitlement cache finds a gap and
		// drops everything it held.
		_, err := tx.Exec(`UPDATE subscription_epoch SET epoch = epoch + 1 WHERE id = 1`)
		return err
	})
}

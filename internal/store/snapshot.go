package store

import (
	"context"
	"strings"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/tag"
)

// snapshotColumns are the columns of snapshots, in the order scanSnapshot
// reads them and snapshotValues writes them.
const snapshotColumns = `id, owner, volume_id, state, volume_size, description, encrypted, started_at, lineage_known,
	source_instance_id, source_image_id, product_code, product_code_type, platform, is_public`

const selectSnapshot = `SELECT ` + snapshotColumns + ` FROM snapshots s`

func scanSnapshot(row scanner) (image.Snapshot, error) {
	var sn image.Snapshot
	var encrypted, known, public int
	var started int64
	lin := &sn.Lineage
	if err := row.Scan(&sn.ID, &sn.Owner, &sn.VolumeID, &sn.State, &sn.VolumeSizeGiB, &sn.Description, &encrypted, &started,
		&known, &lin.SourceInstanceID, &lin.SourceImageID, &lin.ProductCode.Code, &lin.ProductCode.Type, &lin.Platform, &public); err != nil {
		return image.Snapshot{}, err
	}
	sn.Encrypted, lin.Known, sn.StartedAt, sn.Public = encrypted != 0, known != 0, fromNanos(started), public != 0
	return sn, nil
}

func snapshotValues(sn image.Snapshot) []any {
	lin := sn.Lineage
	return []any{sn.ID, sn.Owner, sn.VolumeID, string(sn.State), sn.VolumeSizeGiB, sn.Description, boolInt(sn.Encrypted),
		sn.StartedAt.UnixNano(), boolInt(lin.Known), lin.SourceInstanceID, lin.SourceImageID, lin.ProductCode.Code,
		string(lin.ProductCode.Type), string(lin.Platform), boolInt(sn.Public)}
}

// snapshotColumnsByFilter are the columns the snapshot filters compare.
var snapshotColumnsByFilter = map[string]string{
	"description": "s.description", "owner-id": "s.owner", "snapshot-id": "s.id", "status": "s.state",
	"volume-id": "s.volume_id",
}

// Snapshots returns the snapshots q selects, in ID order. The query is
// built from the request, so its statement is not cached.
func (s *Images) Snapshots(ctx context.Context, q image.SnapshotQuery) (out []image.Snapshot, err error) {
	defer fault.Annotate(&err, "store: list the snapshots of %s", q.Caller)
	if q.None || (q.Restorable && len(q.RestorableBy) == 0 && !q.AnyPublic) {
		return nil, nil
	}
	c := &conds{dialect: s.db.dialect}
	c.add(restorableBy, q.Caller, q.Caller)
	if len(q.IDs) > 0 {
		c.anyOf("s.id", q.IDs)
	}
	if len(q.Owners) > 0 {
		c.anyOf("s.owner", q.Owners)
	}
	if q.Restorable {
		restorableConds(c, q)
	}
	if q.After != "" {
		c.add(`s.id > ?`, q.After)
	}
	for _, f := range q.Filters {
		if err := snapshotFilter(c, q.Caller, f.Name, f.Values); err != nil {
			return nil, err
		}
	}
	query := c.limited(selectSnapshot+c.sql()+` ORDER BY s.id`, q.Limit)
	rows, err := s.db.queryUncached(ctx, query, c.args...)
	return collectRows(s.db, rows, err, scanSnapshot)
}

// restorableBy is the condition that the snapshot s may be restored by the
// account given as its two arguments: its own, public, or shared with it.
const restorableBy = `(s.owner = ? OR s.is_public = 1 OR s.id IN (SELECT v.snapshot_id FROM snapshot_volume_permissions v WHERE v.account = ?))`

// restorableConds adds RestorableBy's condition: public snapshots if "all"
// was named; for the caller, its own and those shared with it; for other
// accounts, the caller's own shared with them (who else may restore
// another owner's snapshot is the owner's business).
func restorableConds(c *conds, q image.SnapshotQuery) {
	var parts []string
	var args []any
	if q.AnyPublic {
		parts = append(parts, `s.is_public = 1`)
	}
	shared := `s.id IN (SELECT r.snapshot_id FROM snapshot_volume_permissions r WHERE r.account = ?)`
	for _, a := range q.RestorableBy {
		if a == q.Caller {
			parts = append(parts, `(s.owner = ? OR `+shared+`)`)
		} else {
			parts = append(parts, `(s.owner = ? AND `+shared+`)`)
		}
		args = append(args, q.Caller, a)
	}
	c.add("("+strings.Join(parts, " OR ")+")", args...)
}

// SnapshotPermissions returns the accounts a snapshot is shared with, in
// order.
func (s *Images) SnapshotPermissions(ctx context.Context, id string) (accounts []string, err error) {
	defer fault.Annotate(&err, "store: read the create-volume permissions of %s", id)
	rows, err := s.db.query(ctx, `SELECT account FROM snapshot_volume_permissions WHERE snapshot_id = ? ORDER BY account`, id)
	return collectRows(s.db, rows, err, func(row scanner) (a string, err error) { return a, row.Scan(&a) })
}

// snapshotFilter adds the condition of one snapshot filter.
func snapshotFilter(c *conds, owner, name string, values []string) error {
	if col, ok := snapshotColumnsByFilter[name]; ok {
		c.matches(col, values)
		return nil
	}
	switch name {
	case "encrypted":
		c.boolean("s.encrypted", values)
	case "progress":
		c.constant("100%", values)
	case "owner-alias":
		c.constant("", values)
	case "volume-size":
		c.matches("CAST(s.volume_size AS TEXT)", values)
	default:
		if !c.tagged(owner, "s.id", name, values) {
			return fault.New(fault.Internal, "store: no SQL for the snapshot filter %q", name)
		}
	}
	return nil
}

func (t *imageTx) Snapshot(id string) (image.Snapshot, error) {
	sn, err := scanSnapshot(t.tx.QueryRow(selectSnapshot+` WHERE s.id = ?`, id))
	return sn, t.tx.db.classify(err)
}

func (t *imageTx) CreateSnapshot(sn image.Snapshot) error {
	values := snapshotValues(sn)
	_, err := t.tx.Exec(`INSERT INTO snapshots (`+snapshotColumns+`) VALUES (`+placeholders(len(values))+`)`, values...)
	return t.tx.db.classify(err)
}

func (t *imageTx) DeleteSnapshot(id string) error {
	for _, q := range []string{`DELETE FROM ec2_tags WHERE resource_id = ?`, `DELETE FROM snapshot_volume_permissions WHERE snapshot_id = ?`} {
		if _, err := t.tx.Exec(q, id); err != nil {
			return t.tx.db.classify(err)
		}
	}
	res, err := t.tx.Exec(`DELETE FROM snapshots WHERE id = ?`, id)
	return rowChanged(t.tx.db, res, err, "snapshot "+id)
}

func (t *imageTx) SetSnapshotPublic(id string, public bool) error {
	res, err := t.tx.Exec(`UPDATE snapshots SET is_public = ? WHERE id = ?`, boolInt(public), id)
	return rowChanged(t.tx.db, res, err, "snapshot "+id)
}

func (t *imageTx) SnapshotPermitted(id, account string) (bool, error) {
	var n int
	err := t.tx.QueryRow(`SELECT COUNT(*) FROM snapshot_volume_permissions WHERE snapshot_id = ? AND account = ?`, id, account).Scan(&n)
	return n > 0, t.tx.db.classify(err)
}

func (t *imageTx) AddSnapshotPermissions(id string, accounts []string) error {
	insert := `INSERT INTO snapshot_volume_permissions (snapshot_id, account) VALUES (?, ?) ON CONFLICT DO NOTHING`
	for _, a := range accounts {
		if _, err := t.tx.Exec(insert, id, a); err != nil {
			return t.tx.db.classify(err)
		}
	}
	return nil
}

func (t *imageTx) RemoveSnapshotPermissions(id string, accounts []string) error {
	for _, a := range accounts {
		if _, err := t.tx.Exec(`DELETE FROM snapshot_volume_permissions WHERE snapshot_id = ? AND account = ?`, id, a); err != nil {
			return t.tx.db.classify(err)
		}
	}
	return nil
}

func (t *imageTx) ResetSnapshotPermissions(id string) error {
	_, err := t.tx.Exec(`DELETE FROM snapshot_volume_permissions WHERE snapshot_id = ?`, id)
	return t.tx.db.classify(err)
}

func (t *imageTx) SnapshotUsers(id string) ([]string, error) {
	rows, err := t.tx.Query(`SELECT image_id FROM image_snapshots WHERE snapshot_id = ? ORDER BY image_id`, id)
	if err != nil {
		return nil, t.tx.db.classify(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, t.tx.db.classify(err)
		}
		out = append(out, s)
	}
	return out, t.tx.db.classify(rows.Err())
}

// putImageSnapshots records the snapshots an image's block devices are
// made from.
func (t *imageTx) putImageSnapshots(img image.Image) error {
	insert := `INSERT INTO image_snapshots (image_id, snapshot_id) VALUES (?, ?) ON CONFLICT DO NOTHING`
	for _, d := range img.BlockDevices {
		if d.Ebs == nil || d.Ebs.SnapshotID == "" {
			continue
		}
		if _, err := t.tx.Exec(insert, img.ID, d.Ebs.SnapshotID); err != nil {
			return t.tx.db.classify(err)
		}
	}
	return nil
}

func (t *imageTx) Tag(account, id string, typ tag.ResourceType, tags []tag.Tag) error {
	return putTags(t.tx, account, id, typ, tags)
}

func (t *imageTx) TagsOf(account, id string) ([]tag.Tag, error) {
	rows, err := t.tx.Query(`SELECT tag_key, tag_value FROM ec2_tags WHERE account = ? AND resource_id = ? ORDER BY tag_key`, account, id)
	if err != nil {
		return nil, t.tx.db.classify(err)
	}
	defer rows.Close()
	var out []tag.Tag
	for rows.Next() {
		var tg tag.Tag
		if err := rows.Scan(&tg.Key, &tg.Value); err != nil {
			return nil, t.tx.db.classify(err)
		}
		out = append(out, tg)
	}
	return out, t.tx.db.classify(rows.Err())
}

func (t *imageTx) ClientToken(account, operation, token string) (resourceID, request string, err error) {
	err = t.tx.QueryRow(`SELECT resource_id, request FROM ec2_client_tokens WHERE account = ? AND operation = ? AND token = ?`,
		account, operation, token).Scan(&resourceID, &request)
	return resourceID, request, t.tx.db.classify(err)
}

func (t *imageTx) PutClientToken(account, operation, token, resourceID, request string) error {
	_, err := t.tx.Exec(`INSERT INTO ec2_client_tokens (account, operation, token, resource_id, request, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		account, operation, token, resourceID, request, t.tx.Now().UnixNano())
	return t.tx.db.classify(err)
}

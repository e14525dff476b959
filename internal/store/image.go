package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/tag"
)

// Images implements image.Store.
type Images struct{ db *DB }

// Images returns the image store.
func (db *DB) Images() *Images { return &Images{db: db} }

var _ image.Store = (*Images)(nil)

// Update runs fn in one durable transaction.
func (s *Images) Update(ctx context.Context, fn func(image.Tx) error) error {
	return s.db.Update(ctx, func(tx *Tx) error { return fn(&imageTx{tx: tx}) })
}

// imageColumns are the columns of images, in the order scanImage reads
// them and writeImage writes them.
const imageColumns = `id, owner, owner_alias, name, description, state, is_public, platform, architecture,
	product_code, product_code_type, root_device_name, root_device_type, virtualization_type, source_instance_id,
	created_at, doc`

const selectImage = `SELECT ` + imageColumns + ` FROM images i`

func scanImage(row scanner) (image.Image, error) {
	var img image.Image
	var public int
	var created int64
	var doc string
	if err := row.Scan(&img.ID, &img.Owner, &img.OwnerAlias, &img.Name, &img.Description, &img.State, &public, &img.Platform,
		&img.Architecture, &img.ProductCode.Code, &img.ProductCode.Type, &img.RootDeviceName, &img.RootDeviceType,
		&img.VirtualizationType, &img.SourceInstanceID, &created, &doc); err != nil {
		return image.Image{}, err
	}
	var d imageDoc
	if err := decodeDoc(doc, &d, "image "+img.ID); err != nil {
		return image.Image{}, err
	}
	d.fill(&img)
	img.Public, img.CreatedAt = public != 0, fromNanos(created)
	return img, nil
}

// imageValues are an image's column values, in imageColumns' order.
func imageValues(img image.Image) ([]any, error) {
	doc, err := encodeDoc(imageDocOf(img), "image")
	if err != nil {
		return nil, err
	}
	return []any{img.ID, img.Owner, img.OwnerAlias, img.Name, img.Description, string(img.State), boolInt(img.Public),
		string(img.Platform), img.Architecture, img.ProductCode.Code, string(img.ProductCode.Type), img.RootDeviceName,
		string(img.RootDeviceType), img.VirtualizationType, img.SourceInstanceID, img.CreatedAt.UnixNano(), doc}, nil
}

// visibleTo is the condition that the image i may be seen by the account
// given as its two arguments: its own, public, or shared with it.
const visibleTo = `(i.owner = ? OR i.is_public = 1 OR EXISTS (SELECT 1 FROM image_launch_permissions p WHERE p.image_id = i.id AND p.account = ?))`

// Visible returns an image caller may see.
func (s *Images) Visible(ctx context.Context, caller, id string) (img image.Image, err error) {
	defer fault.Annotate(&err, "store: read image %s for %s", id, caller)
	img, err = scanImage(s.db.queryRow(ctx, selectImage+` WHERE i.id = ? AND `+visibleTo, id, caller, caller))
	return img, s.db.classify(err)
}

// LaunchPermissions returns the accounts an image is shared with, in
// order.
func (s *Images) LaunchPermissions(ctx context.Context, id string) (accounts []string, err error) {
	defer fault.Annotate(&err, "store: read the launch permissions of %s", id)
	rows, err := s.db.query(ctx, `SELECT account FROM image_launch_permissions WHERE image_id = ? ORDER BY account`, id)
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, s.db.classify(err)
		}
		accounts = append(accounts, a)
	}
	return accounts, s.db.classify(rows.Err())
}

// List returns the images q selects, in ID order. The query is built from
// the request, so its statement is not cached.
func (s *Images) List(ctx context.Context, q image.Query) (out []image.Image, err error) {
	defer fault.Annotate(&err, "store: list images for %s", q.Caller)
	query, args, err := imageListSQL(s.db.dialect, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.queryUncached(ctx, query, args...)
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		img, err := scanImage(rows)
		if err != nil {
			return nil, s.db.classify(err)
		}
		out = append(out, img)
	}
	return out, s.db.classify(rows.Err())
}

// imageListSQL is List's query for q, and its arguments.
func imageListSQL(dialect Dialect, q image.Query) (string, []any, error) {
	c := &conds{dialect: dialect}
	if err := imageConds(c, q); err != nil {
		return "", nil, err
	}
	query := c.limited(selectImage+c.sql()+` ORDER BY i.id`, q.Limit)
	return query, c.args, nil
}

// imageConds adds the conditions of q.
func imageConds(c *conds, q image.Query) error {
	c.add(visibleTo, q.Caller, q.Caller)
	if q.After != "" {
		c.add(`i.id > ?`, q.After)
	}
	if len(q.IDs) > 0 {
		c.anyOf("i.id", q.IDs)
	}
	if len(q.Owners) > 0 {
		ownersCond(c, q.Owners)
	}
	if q.ExecutableBy {
		executableConds(c, q)
	}
	for _, f := range q.Filters {
		if err := imageFilter(c, q.Caller, f.Name, f.Values); err != nil {
			return err
		}
	}
	return nil
}

// ownersCond adds the condition that an image's owner is one of owners:
// account IDs compared with the owner, aliases ("amazon") with the owner
// alias, each from its own index in ID order (images_by_owner,
// images_by_owner_alias), not both columns with every value, which neither
// index could serve.
func ownersCond(c *conds, owners []string) {
	var accounts, aliases []string
	for _, o := range owners {
		if image.ValidAccount(o) {
			accounts = append(accounts, o)
		} else {
			aliases = append(aliases, o)
		}
	}
	var parts []string
	var args []any
	if len(accounts) > 0 {
		parts = append(parts, `i.owner IN (`+placeholders(len(accounts))+`)`)
		for _, a := range accounts {
			args = append(args, a)
		}
	}
	if len(aliases) > 0 {
		// The partial index holds only images with an alias; saying so
		// lets the planners use it.
		parts = append(parts, `(i.owner_alias IN (`+placeholders(len(aliases))+`) AND i.owner_alias <> '')`)
		for _, a := range aliases {
			args = append(args, a)
		}
	}
	c.add("("+strings.Join(parts, " OR ")+")", args...)
}

// executableConds adds ExecutableBy's condition: public images if "all"
// was named; images shared with the caller; and, for other accounts, the
// caller's own images shared with them (who else may launch another
// owner's image is the owner's business).
func executableConds(c *conds, q image.Query) {
	var parts []string
	var args []any
	if q.AnyPublic {
		parts = append(parts, `i.is_public = 1`)
	}
	for _, a := range q.SharedWith {
		// As a set of IDs rather than a test per image, so that the
		// planners may start from the permissions of the account.
		shared := `i.id IN (SELECT e.image_id FROM image_launch_permissions e WHERE e.account = ?)`
		if a == q.Caller {
			parts = append(parts, shared)
			args = append(args, a)
		} else {
			parts = append(parts, `(i.owner = ? AND `+shared+`)`)
			args = append(args, q.Caller, a)
		}
	}
	c.add("("+strings.Join(parts, " OR ")+")", args...)
}

// imageColumnsByFilter are the columns the image filters compare.
var imageColumnsByFilter = map[string]string{
	"architecture": "i.architecture", "description": "i.description", "image-id": "i.id", "name": "i.name",
	"owner-alias": "i.owner_alias", "owner-id": "i.owner", "platform": "i.platform", "product-code": "i.product_code",
	"product-code.type": "i.product_code_type", "root-device-name": "i.root_device_name",
	"root-device-type": "i.root_device_type", "source-instance-id": "i.source_instance_id", "state": "i.state",
	"virtualization-type": "i.virtualization_type",
}

// imageFilter adds the condition of one filter.
func imageFilter(c *conds, caller, name string, values []string) error {
	if col, ok := imageColumnsByFilter[name]; ok {
		c.matches(col, values)
		if name == "product-code" && !filter.MatchAny(values, "") {
			// Implied, but said so that the planners may use the partial
			// index images_by_product_code: neither SQLite nor a generic
			// PostgreSQL plan can prove it from "product_code IN (?)".
			c.add(`i.product_code <> ''`)
		}
		return nil
	}
	switch name {
	case "is-public":
		c.boolean("i.is_public", values)
	case "image-type":
		c.constant("machine", values)
	case "hypervisor":
		c.constant("xen", values)
	default:
		if !c.tagged(caller, "i.id", name, values) {
			return fault.New(fault.Internal, "store: no SQL for the image filter %q", name)
		}
	}
	return nil
}

// imageTx implements image.Tx.
type imageTx struct{ tx *Tx }

func (t *imageTx) Now() time.Time { return t.tx.Now() }

func (t *imageTx) Image(id string) (image.Image, error) {
	img, err := scanImage(t.tx.QueryRow(selectImage+` WHERE i.id = ?`, id))
	return img, t.tx.db.classify(err)
}

func (t *imageTx) Permitted(id, account string) (bool, error) {
	var n int
	err := t.tx.QueryRow(`SELECT COUNT(*) FROM image_launch_permissions WHERE image_id = ? AND account = ?`, id, account).Scan(&n)
	return n > 0, t.tx.db.classify(err)
}

func (t *imageTx) CreateImage(img image.Image) error {
	values, err := imageValues(img)
	if err != nil {
		return err
	}
	if _, err = t.tx.Exec(`INSERT INTO images (`+imageColumns+`) VALUES (`+placeholders(len(values))+`)`, values...); err != nil {
		return t.tx.db.classify(err)
	}
	return t.putImageSnapshots(img)
}

func (t *imageTx) PutImage(img image.Image) error {
	values, err := imageValues(img)
	if err != nil {
		return err
	}
	cols := strings.Split(strings.Join(strings.Fields(imageColumns), ""), ",")
	set := strings.Join(cols[1:], " = ?, ") + " = ?"
	res, err := t.tx.Exec(`UPDATE images SET `+set+` WHERE id = ?`, append(values[1:], img.ID)...)
	return rowChanged(t.tx.db, res, err, "image "+img.ID)
}

// rowChanged turns an UPDATE or DELETE that changed no row into NotFound.
func rowChanged(db *DB, res sql.Result, err error, what string) error {
	if err != nil {
		return db.classify(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return db.classify(err)
	}
	if n == 0 {
		return fault.New(fault.NotFound, "%s does not exist", what)
	}
	return nil
}

func (t *imageTx) DeleteImage(id string) error {
	for _, q := range []string{`DELETE FROM image_launch_permissions WHERE image_id = ?`, `DELETE FROM ec2_tags WHERE resource_id = ?`,
		`DELETE FROM image_snapshots WHERE image_id = ?`} {
		if _, err := t.tx.Exec(q, id); err != nil {
			return t.tx.db.classify(err)
		}
	}
	res, err := t.tx.Exec(`DELETE FROM images WHERE id = ?`, id)
	return rowChanged(t.tx.db, res, err, "image "+id)
}

func (t *imageTx) AddLaunchPermissions(id string, accounts []string) error {
	insert := `INSERT INTO image_launch_permissions (image_id, account) VALUES (?, ?) ON CONFLICT DO NOTHING`
	for _, a := range accounts {
		if _, err := t.tx.Exec(insert, id, a); err != nil {
			return t.tx.db.classify(err)
		}
	}
	return nil
}

func (t *imageTx) RemoveLaunchPermissions(id string, accounts []string) error {
	for _, a := range accounts {
		if _, err := t.tx.Exec(`DELETE FROM image_launch_permissions WHERE image_id = ? AND account = ?`, id, a); err != nil {
			return t.tx.db.classify(err)
		}
	}
	return nil
}

func (t *imageTx) ResetLaunchPermissions(id string) error {
	_, err := t.tx.Exec(`DELETE FROM image_launch_permissions WHERE image_id = ?`, id)
	return t.tx.db.classify(err)
}

func (t *imageTx) PutTags(account, id string, tags []tag.Tag) error {
	return putTags(t.tx, account, id, tag.Image, tags)
}

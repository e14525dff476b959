package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/tag"
)

// Instances implements compute.Store.
type Instances struct{ db *DB }

// Instances returns the instance store.
func (db *DB) Instances() *Instances { return &Instances{db: db} }

var _ compute.Store = (*Instances)(nil)

// Update runs fn in one durable transaction.
func (s *Instances) Update(ctx context.Context, fn func(compute.Tx) error) error {
	return s.db.Update(ctx, func(tx *Tx) error { return fn(&instanceTx{tx: tx}) })
}

// instanceColumns are the columns of instances, in the order scanInstance
// reads them and instanceValues writes them.
const instanceColumns = `id, owner, reservation_id, launch_index, image_id, instance_type, state, product_code,
	product_code_type, platform, architecture, zone, private_ip, key_name, client_token, root_device_name,
	root_device_type, virtualization_type, launched_at, created_at, terminated_at, iam_instance_profile, iam_association_id, doc`

const selectInstance = `SELECT ` + instanceColumns + ` FROM instances i`

func scanInstance(row scanner) (compute.Instance, error) {
	var in compute.Instance
	var launched, created, terminated int64
	var doc string
	if err := row.Scan(&in.ID, &in.Owner, &in.ReservationID, &in.LaunchIndex, &in.ImageID, &in.InstanceType, &in.State,
		&in.ProductCode.Code, &in.ProductCode.Type, &in.Platform, &in.Architecture, &in.Zone, &in.PrivateIP, &in.KeyName,
		&in.ClientToken, &in.RootDeviceName, &in.RootDeviceType, &in.VirtualizationType, &launched, &created, &terminated, &in.Profile.ARN, &in.Association.ID, &doc); err != nil {
		return compute.Instance{}, err
	}
	in.LaunchedAt, in.CreatedAt, in.TerminatedAt = fromNanos(launched), fromNanos(created), timeOrZero(terminated)
	var d instanceDoc
	if err := decodeDoc(doc, &d, "instance "+in.ID); err != nil {
		return compute.Instance{}, err
	}
	if err := d.fill(&in); err != nil {
		return compute.Instance{}, err
	}
	return in, nil
}

func instanceValues(in compute.Instance) ([]any, error) {
	doc, err := encodeDoc(instanceDocOf(in), "instance")
	if err != nil {
		return nil, err
	}
	return []any{in.ID, in.Owner, in.ReservationID, in.LaunchIndex, in.ImageID, in.InstanceType, string(in.State),
		in.ProductCode.Code, string(in.ProductCode.Type), string(in.Platform), in.Architecture, in.Zone, in.PrivateIP,
		in.KeyName, in.ClientToken, in.RootDeviceName, string(in.RootDeviceType), in.VirtualizationType,
		in.LaunchedAt.UnixNano(), in.CreatedAt.UnixNano(), nanosOrZero(in.TerminatedAt), in.Profile.ARN, in.Association.ID, doc}, nil
}

// Get returns an instance, whoever owns it.
func (s *Instances) Get(ctx context.Context, id string) (in compute.Instance, err error) {
	defer fault.Annotate(&err, "store: read instance %s", id)
	in, err = scanInstance(s.db.queryRow(ctx, selectInstance+` WHERE i.id = ?`, id))
	return in, s.db.classify(err)
}

// List returns the instances q selects, ordered by reservation and ID. The
// query is built from the request, so its statement is not cached.
func (s *Instances) List(ctx context.Context, q compute.Query) (out []compute.Instance, err error) {
	defer fault.Annotate(&err, "store: list the instances of %s", q.Owner)
	c := &conds{dialect: s.db.dialect}
	c.add(`i.owner = ?`, q.Owner)
	if !q.TerminatedSince.IsZero() {
		c.add(`(i.state <> 'terminated' OR i.terminated_at >= ?)`, q.TerminatedSince.UnixNano())
	}
	if len(q.IDs) > 0 {
		c.anyOf("i.id", q.IDs)
	}
	if q.AfterReservation != "" {
		c.add(`(i.reservation_id > ? OR (i.reservation_id = ? AND i.id > ?))`, q.AfterReservation, q.AfterReservation, q.AfterID)
	}
	for _, f := range q.Filters {
		if err := instanceFilter(c, q.Owner, f); err != nil {
			return nil, err
		}
	}
	query := c.limited(selectInstance+c.sql()+` ORDER BY i.reservation_id, i.id`, q.Limit)
	rows, err := s.db.queryUncached(ctx, query, c.args...)
	return collectRows(s.db, rows, err, scanInstance)
}

// Associations returns the instances q selects that have a profile
// association and are not terminated, ordered by association ID.
func (s *Instances) Associations(ctx context.Context, q compute.AssociationQuery) (out []compute.Instance, err error) {
	defer fault.Annotate(&err, "store: list the profile associations of %s", q.Owner)
	c := &conds{dialect: s.db.dialect}
	c.add(`i.owner = ?`, q.Owner)
	c.add(`i.iam_association_id <> ''`)
	c.add(`i.state <> 'terminated'`)
	if len(q.IDs) > 0 {
		c.anyOf("i.iam_association_id", q.IDs)
	}
	for _, values := range q.InstanceIDs {
		c.matches("i.id", values)
	}
	if q.AfterID != "" {
		c.add(`i.iam_association_id > ?`, q.AfterID)
	}
	query := c.limited(selectInstance+c.sql()+` ORDER BY i.iam_association_id`, q.Limit)
	rows, err := s.db.queryUncached(ctx, query, c.args...)
	return collectRows(s.db, rows, err, scanInstance)
}

// instanceColumnsByFilter are the columns the instance filters compare.
var instanceColumnsByFilter = map[string]string{
	"architecture": "i.architecture", "availability-zone": "i.zone", "client-token": "i.client_token",
	"iam-instance-profile.arn": "i.iam_instance_profile", "image-id": "i.image_id", "instance-id": "i.id", "instance-state-name": "i.state", "instance-type": "i.instance_type",
	"key-name": "i.key_name", "owner-id": "i.owner", "platform": "i.platform", "private-ip-address": "i.private_ip",
	"product-code": "i.product_code", "product-code.type": "i.product_code_type", "reservation-id": "i.reservation_id",
	"root-device-name": "i.root_device_name", "root-device-type": "i.root_device_type",
	"virtualization-type": "i.virtualization_type",
}

// instanceFilter adds the condition of one filter.
func instanceFilter(c *conds, owner string, f filter.Filter) error {
	if col, ok := instanceColumnsByFilter[f.Name]; ok {
		c.matches(col, f.Values)
		return nil
	}
	switch f.Name {
	case "instance-state-code":
		var names []string
		for _, st := range compute.States {
			if filter.MatchAny(f.Values, strconv.Itoa(st.Code())) {
				names = append(names, string(st))
			}
		}
		c.anyOf("i.state", names)
	case "launch-index":
		var idx []string
		for _, v := range f.Values {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				idx = append(idx, strconv.Itoa(n))
			}
		}
		if len(idx) == 0 {
			c.add("1 = 0")
		} else {
			c.add("i.launch_index IN (" + strings.Join(idx, ", ") + ")")
		}
	default:
		if !c.tagged(owner, "i.id", f.Name, f.Values) {
			return fault.New(fault.Internal, "store: no SQL for the instance filter %q", f.Name)
		}
	}
	return nil
}

// Intervals returns an account's running intervals that overlap
// [from, to), open ones included, ordered by start and instance.
func (s *Instances) Intervals(ctx context.Context, account string, from, to time.Time) (out []compute.Interval, err error) {
	defer fault.Annotate(&err, "store: read the running intervals of %s", account)
	rows, err := s.db.query(ctx, `SELECT instance_id, account, instance_type, product_code, product_code_type, started_at, ended_at
		FROM instance_intervals WHERE account = ? AND started_at < ? AND (ended_at IS NULL OR ended_at > ? OR ended_at = started_at AND started_at >= ?)
		ORDER BY started_at, instance_id, seq`, account, to.UnixNano(), from.UnixNano(), from.UnixNano())
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var iv compute.Interval
		var start int64
		var end sql.NullInt64
		if err := rows.Scan(&iv.InstanceID, &iv.Account, &iv.InstanceType, &iv.ProductCode.Code, &iv.ProductCode.Type, &start, &end); err != nil {
			return nil, s.db.classify(err)
		}
		iv.Start = fromNanos(start)
		if end.Valid {
			iv.End = fromNanos(end.Int64)
		}
		out = append(out, iv)
	}
	return out, s.db.classify(rows.Err())
}

// instanceTx implements compute.Tx.
type instanceTx struct{ tx *Tx }

func (t *instanceTx) Now() time.Time { return t.tx.Now() }

func (t *instanceTx) Instance(id string) (compute.Instance, error) {
	in, err := scanInstance(t.tx.QueryRow(selectInstance+` WHERE i.id = ?`, id))
	return in, t.tx.db.classify(err)
}

func (t *instanceTx) InstanceByAssociation(id string) (compute.Instance, error) {
	in, err := scanInstance(t.tx.QueryRow(selectInstance+` WHERE i.iam_association_id = ? AND i.iam_association_id <> ''`, id))
	return in, t.tx.db.classify(err)
}

func (t *instanceTx) Launched(owner, clientToken string) (out []compute.Instance, err error) {
	rows, err := t.tx.Query(selectInstance+` WHERE i.owner = ? AND i.client_token = ? ORDER BY i.created_at, i.launch_index`, owner, clientToken)
	if err != nil {
		return nil, t.tx.db.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		in, err := scanInstance(rows)
		if err != nil {
			return nil, t.tx.db.classify(err)
		}
		out = append(out, in)
	}
	return out, t.tx.db.classify(rows.Err())
}

func (t *instanceTx) CreateInstance(in compute.Instance) error {
	values, err := instanceValues(in)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(`INSERT INTO instances (`+instanceColumns+`) VALUES (`+placeholders(len(values))+`)`, values...)
	if err != nil {
		return t.tx.db.classify(err)
	}
	return insertVolumes(t.tx, in)
}

func (t *instanceTx) PutInstance(in compute.Instance) error {
	values, err := instanceValues(in)
	if err != nil {
		return err
	}
	cols := strings.Split(strings.Join(strings.Fields(instanceColumns), ""), ",")
	set := strings.Join(cols[1:], " = ?, ") + " = ?"
	res, err := t.tx.Exec(`UPDATE instances SET `+set+` WHERE id = ?`, append(values[1:], in.ID)...)
	if err := rowChanged(t.tx.db, res, err, "instance "+in.ID); err != nil {
		return err
	}
	return putVolumes(t.tx, in)
}

func (t *instanceTx) OpenInterval(iv compute.Interval) error {
	var seq int
	if err := t.tx.QueryRow(`SELECT COALESCE(MAX(seq), 0) FROM instance_intervals WHERE instance_id = ?`, iv.InstanceID).Scan(&seq); err != nil {
		return t.tx.db.classify(err)
	}
	_, err := t.tx.Exec(`INSERT INTO instance_intervals (instance_id, seq, account, instance_type, product_code, product_code_type, started_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, iv.InstanceID, seq+1, iv.Account, iv.InstanceType, iv.ProductCode.Code, string(iv.ProductCode.Type), iv.Start.UnixNano())
	return t.tx.db.classify(err)
}

func (t *instanceTx) CloseInterval(instanceID string, end time.Time) error {
	res, err := t.tx.Exec(`UPDATE instance_intervals SET ended_at = ? WHERE instance_id = ? AND ended_at IS NULL`, end.UnixNano(), instanceID)
	return rowChanged(t.tx.db, res, err, "an open running interval of instance "+instanceID)
}

func (t *instanceTx) PutTags(account, resourceID string, typ tag.ResourceType, tags []tag.Tag) error {
	return putTags(t.tx, account, resourceID, typ, tags)
}

// Tags returns account's tags on resources, by resource.
func (s *Instances) Tags(ctx context.Context, account string, ids []string) (map[string][]tag.Tag, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	tagged, err := s.db.Tags().OfResources(ctx, account, ids)
	if err != nil {
		return nil, err
	}
	out := map[string][]tag.Tag{}
	for _, t := range tagged {
		out[t.ResourceID] = append(out[t.ResourceID], t.Tag)
	}
	return out, nil
}

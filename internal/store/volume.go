package store

import (
	"context"
	"strings"

	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
)

// selectVolume reads a volume's ID and its instance, whose document holds
// the volume itself. The instance's columns are qualified, because
// instance_volumes has an owner too.
var selectVolume = `SELECT v.volume_id, i.` + strings.Join(strings.Split(strings.Join(strings.Fields(instanceColumns), ""), ","), ", i.") +
	` FROM instance_volumes v JOIN instances i ON i.id = v.instance_id`

// volumeScanner reads the volume ID ahead of the instance's columns, so
// that scanInstance reads the rest.
type volumeScanner struct {
	row scanner
	id  *string
}

func (s volumeScanner) Scan(dest ...any) error { return s.row.Scan(append([]any{s.id}, dest...)...) }

func scanVolume(row scanner) (compute.InstanceVolume, error) {
	var id string
	in, err := scanInstance(volumeScanner{row: row, id: &id})
	if err != nil {
		return compute.InstanceVolume{}, err
	}
	for _, v := range in.Volumes {
		if v.VolumeID == id {
			return compute.InstanceVolume{Volume: v, Instance: in}, nil
		}
	}
	return compute.InstanceVolume{}, fault.New(fault.Internal, "store: volume %s is not in the document of instance %s", id, in.ID)
}

// Volumes returns the volumes q selects, ordered by volume ID: those of
// instances not terminated and those of terminated instances kept after
// them. The query is built from the request, so its statement is not
// cached.
func (s *Instances) Volumes(ctx context.Context, q compute.VolumeQuery) (out []compute.InstanceVolume, err error) {
	defer fault.Annotate(&err, "store: list the volumes of %s", q.Owner)
	c := &conds{dialect: s.db.dialect}
	c.add(`v.owner = ?`, q.Owner)
	c.add(`(i.state <> 'terminated' OR v.delete_on_termination = 0)`)
	if len(q.IDs) > 0 {
		c.anyOf("v.volume_id", q.IDs)
	}
	if q.After != "" {
		c.add(`v.volume_id > ?`, q.After)
	}
	for _, f := range q.Filters {
		if err := volumeFilter(c, q.Owner, f); err != nil {
			return nil, err
		}
	}
	query := c.limited(selectVolume+c.sql()+` ORDER BY v.volume_id`, q.Limit)
	rows, err := s.db.queryUncached(ctx, query, c.args...)
	return collectRows(s.db, rows, err, scanVolume)
}

// volumeFilter adds the condition of one volume filter the store applies
// (compute.StoredVolumeFilter).
func volumeFilter(c *conds, owner string, f filter.Filter) error {
	switch f.Name {
	case "volume-id":
		c.matches("v.volume_id", f.Values)
	case "availability-zone":
		c.matches("i.zone", f.Values)
	case "attachment.instance-id":
		// A volume is attached to its instance until it is terminated.
		c.add(`i.state <> 'terminated'`)
		c.matches("i.id", f.Values)
	case "status":
		volumeStatus(c, f.Values)
	default:
		if !c.tagged(owner, "v.volume_id", f.Name, f.Values) {
			return fault.New(fault.Internal, "store: no SQL for the volume filter %q", f.Name)
		}
	}
	return nil
}

// volumeStatus adds the condition of the status filter: a volume is in use
// while its instance is not terminated, available after.
func volumeStatus(c *conds, values []string) {
	inUse, available := filter.MatchAny(values, string(compute.VolumeInUse)), filter.MatchAny(values, string(compute.VolumeAvailable))
	switch {
	case inUse && available:
	case inUse:
		c.add(`i.state <> 'terminated'`)
	case available:
		c.add(`i.state = 'terminated'`)
	default:
		c.add("1 = 0")
	}
}

// putVolumes replaces the volume rows of an instance, in the transaction
// that replaces the instance: its volumes may have changed.
func putVolumes(tx *Tx, in compute.Instance) error {
	if _, err := tx.Exec(`DELETE FROM instance_volumes WHERE instance_id = ?`, in.ID); err != nil {
		return tx.db.classify(err)
	}
	return insertVolumes(tx, in)
}

// insertVolumes writes the volume rows of an instance, in the transaction
// that writes the instance.
func insertVolumes(tx *Tx, in compute.Instance) error {
	for _, v := range in.Volumes {
		_, err := tx.Exec(`INSERT INTO instance_volumes (owner, volume_id, instance_id, delete_on_termination) VALUES (?, ?, ?, ?)`,
			in.Owner, v.VolumeID, in.ID, boolInt(v.DeleteOnTermination))
		if err != nil {
			return tx.db.classify(err)
		}
	}
	return nil
}

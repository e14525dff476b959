package image

import (
	"context"
	"slices"
	"strings"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/paging"
	"github.com/tollgate/tollgate/internal/tag"
)

// UseCompute gives the service the instances it makes images and
// snapshots of. The compute service is built on the image service, so the
// two are tied together after both exist.
func (s *Service) UseCompute(c Compute) { s.compute = c }

// CreateSnapshot takes a snapshot of one of caller's volumes. The snapshot
// keeps the lineage of the volume's instance: its product code and
// platform, which decide whether an image registered from the snapshot
// keeps the code (see Inherit).
func (s *Service) CreateSnapshot(ctx context.Context, caller string, in CreateSnapshotInput) (snap Snapshot, err error) {
	defer fault.Annotate(&err, "image: snapshot %s", in.VolumeID)
	if err := in.Validate(); err != nil {
		return Snapshot{}, err
	}
	src, err := s.compute.VolumeSource(ctx, caller, in.VolumeID)
	if err != nil {
		return Snapshot{}, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		snap = s.newSnapshot(tx, caller, src.Volumes[0], src.lineage())
		snap.Description = in.Description
		if err := tx.CreateSnapshot(snap); err != nil {
			return err
		}
		return tx.Tag(caller, snap.ID, tag.Snapshot, in.Tags)
	})
	return snap, err
}

// newSnapshot is a new, complete snapshot of a volume, taken at the
// transaction's time.
func (s *Service) newSnapshot(tx Tx, owner string, v SourceVolume, lin Lineage) Snapshot {
	size := v.SizeGiB
	if size == 0 {
		size = DefaultRootSizeGiB
	}
	return Snapshot{ID: NewID(s.random, "snap"), Owner: owner, VolumeID: v.ID, VolumeSizeGiB: size,
		State: SnapshotCompleted, StartedAt: tx.Now(), Lineage: lin}
}

// DescribeSnapshots lists the snapshots caller may see that in selects:
// those it may restore (its own, those shared with it, public ones).
// Naming another is InvalidSnapshot.NotFound.
func (s *Service) DescribeSnapshots(ctx context.Context, caller string, in DescribeSnapshotsInput) (p SnapshotPage, err error) {
	defer fault.Annotate(&err, "image: describe snapshots")
	if err := in.Validate(); err != nil {
		return p, err
	}
	if len(in.IDs) > 0 {
		found, err := s.store.Snapshots(ctx, SnapshotQuery{Caller: caller, IDs: in.IDs})
		if err != nil {
			return p, err
		}
		var missing []string
		for _, id := range in.IDs {
			if !slices.ContainsFunc(found, func(sn Snapshot) bool { return sn.ID == id }) && !slices.Contains(missing, id) {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return p, snapshotNotFound(missing...)
		}
	}
	q := snapshotQuery(caller, in)
	q.Limit = paging.Limit(q.Limit)
	snaps, err := s.store.Snapshots(ctx, q)
	if err != nil {
		return p, err
	}
	snaps, more := paging.Cut(snaps, int(in.MaxResults))
	if more {
		p.NextToken = encodeListToken("snapshot", snaps[len(snaps)-1].ID)
	}
	p.Snapshots = snaps
	return p, nil
}

// snapshotQuery is the store's query for a DescribeSnapshots request:
// "self" among the owners or the accounts that may restore is caller, and
// "all" among the latter is every public snapshot.
func snapshotQuery(caller string, in DescribeSnapshotsInput) SnapshotQuery {
	q := SnapshotQuery{Caller: caller, IDs: in.IDs, Filters: in.Filters, Limit: int(in.MaxResults)}
	q.After, _ = decodeListToken("snapshot", in.NextToken, CheckSnapshotID)
	q.Owners = resolveOwners(caller, in.Owners)
	q.Restorable = len(in.RestorableBy) > 0
	q.RestorableBy, q.AnyPublic = resolveUsers(caller, in.RestorableBy)
	return q
}

// Snapshot returns a snapshot caller may see: its own, or one shared with
// it or public.
func (s *Service) Snapshot(ctx context.Context, caller, id string) (Snapshot, error) {
	if err := CheckSnapshotID(id); err != nil {
		return Snapshot{}, err
	}
	found, err := s.store.Snapshots(ctx, SnapshotQuery{Caller: caller, IDs: []string{id}})
	if err != nil {
		return Snapshot{}, err
	}
	if len(found) == 0 {
		return Snapshot{}, snapshotNotFound(id)
	}
	return found[0], nil
}

// ownedSnapshot returns one of caller's snapshots in tx:
// InvalidSnapshot.NotFound if caller cannot see it, AuthFailure if caller
// may restore it (shared with it, or public) but does not own it, so that
// a snapshot's existence is not told to accounts it is hidden from.
func ownedSnapshot(tx Tx, caller, id string) (Snapshot, error) {
	snap, err := restorableSnapshot(tx, caller, id)
	if err != nil || snap.Owner == caller {
		return snap, err
	}
	return Snapshot{}, fault.Coded(fault.Forbidden, "AuthFailure", "Not authorized for snapshot %s: only its owner may change or delete it", id)
}

// restorableSnapshot returns a snapshot caller may make volumes and images
// from, in tx: its own, one shared with it, or a public one.
func restorableSnapshot(tx Tx, caller, id string) (Snapshot, error) {
	snap, err := tx.Snapshot(id)
	if fault.Is(err, fault.NotFound) {
		return Snapshot{}, snapshotNotFound(id)
	}
	if err != nil || snap.Owner == caller || snap.Public {
		return snap, err
	}
	shared, err := tx.SnapshotPermitted(id, caller)
	if err != nil {
		return Snapshot{}, err
	}
	if !shared {
		return Snapshot{}, snapshotNotFound(id)
	}
	return snap, nil
}

// DeleteSnapshot deletes one of caller's snapshots, unless an image is
// made from it: EC2 refuses that with InvalidSnapshot.InUse, and so the
// image must be deregistered first.
func (s *Service) DeleteSnapshot(ctx context.Context, caller, id string) (err error) {
	defer fault.Annotate(&err, "image: delete snapshot %s", id)
	if id == "" {
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter SnapshotId")
	}
	if err := CheckSnapshotID(id); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if _, err := ownedSnapshot(tx, caller, id); err != nil {
			return err
		}
		users, err := tx.SnapshotUsers(id)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return fault.Coded(fault.Conflict, "InvalidSnapshot.InUse", "The snapshot %s is currently in use by %s", id, strings.Join(users, ", "))
		}
		return tx.DeleteSnapshot(id)
	})
}

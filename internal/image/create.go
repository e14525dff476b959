package image

import (
	"context"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/tag"
)

// fromSnapshots checks the snapshots img's block devices are made from
// (caller's own, or shared with it, or public), sizes the volumes that name
// none, and gives img the platform and product code its root snapshot's
// lineage leaves it: registering from a raw snapshot is rebundling without
// the platform's tools. A snapshot another account shared is no
// different: the rule reads the snapshot's lineage, whoever registers.
func fromSnapshots(tx Tx, caller string, img *Image) error {
	for i, d := range img.BlockDevices {
		if d.Ebs == nil || d.Ebs.SnapshotID == "" {
			continue
		}
		snap, err := restorableSnapshot(tx, caller, d.Ebs.SnapshotID)
		if err != nil {
			return err
		}
		if d.Ebs.VolumeSize == 0 {
			ebs := *d.Ebs
			ebs.VolumeSize = snap.VolumeSizeGiB
			img.BlockDevices[i].Ebs = &ebs
		} else if d.Ebs.VolumeSize < snap.VolumeSizeGiB {
			return fault.Coded(fault.Invalid, "InvalidBlockDeviceMapping",
				"Volume of %d GiB is smaller than snapshot %s, expect size >= %d GiB", d.Ebs.VolumeSize, snap.ID, snap.VolumeSizeGiB)
		}
		if d.DeviceName == img.RootDeviceName {
			img.ProductCode, img.Platform = Inherit(BySnapshot, snap.Lineage, snap.Lineage.Platform)
		}
	}
	return nil
}

// CreateInput makes an image of an instance.
type CreateInput struct {
	InstanceID  string
	Name        string
	Description string
	// NoReboot is accepted: Tollgate's instances have no file systems to
	// bring to rest, so an image is consistent either way.
	NoReboot bool
	// ImageTags and SnapshotTags are caller's tags on the new image and
	// its snapshots.
	ImageTags, SnapshotTags []tag.Tag
}

// Validate checks everything that needs no store.
func (in CreateInput) Validate() error {
	if in.InstanceID == "" {
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter InstanceId")
	}
	if err := checkName(in.Name); err != nil {
		return err
	}
	if err := checkDescription(in.Description); err != nil {
		return err
	}
	if err := tag.CheckTags(in.ImageTags); err != nil {
		return err
	}
	return tag.CheckTags(in.SnapshotTags)
}

// Create makes an image of one of caller's instances, running or stopped:
// a snapshot of each of its volumes, and an image of them that keeps the
// instance's product code and platform (rebundling with the platform's
// tools; see Inherit) and names the instance as its source.
func (s *Service) Create(ctx context.Context, caller string, in CreateInput) (img Image, err error) {
	defer fault.Annotate(&err, "image: create from %s", in.InstanceID)
	if err := in.Validate(); err != nil {
		return Image{}, err
	}
	src, err := s.compute.ImageSource(ctx, caller, in.InstanceID)
	if err != nil {
		return Image{}, err
	}
	img = Image{ID: NewID(s.random, "ami"), Owner: caller, Name: in.Name, Description: in.Description,
		Architecture: src.Architecture, State: Available, RootDeviceName: src.RootDeviceName, RootDeviceType: EBS,
		VirtualizationType: src.VirtualizationType, SourceInstanceID: src.InstanceID}
	img.ProductCode, img.Platform = Inherit(ByInstance, src.lineage(), src.Platform)
	err = s.store.Update(ctx, func(tx Tx) error {
		img.CreatedAt = tx.Now()
		img.BlockDevices = nil
		for _, v := range src.Volumes {
			snap, err := s.snapshotFor(tx, caller, v, src.lineage(), in.SnapshotTags)
			if err != nil {
				return err
			}
			img.BlockDevices = append(img.BlockDevices, BlockDevice{DeviceName: v.DeviceName, Ebs: &EbsDevice{SnapshotID: snap.ID,
				VolumeSize: snap.VolumeSizeGiB, VolumeType: v.VolumeType, DeleteOnTermination: v.DeleteOnTermination}})
		}
		if err := s.create(tx, img); err != nil {
			return err
		}
		return tx.PutTags(caller, img.ID, in.ImageTags)
	})
	return img, err
}

// snapshotFor stores a snapshot of a volume, made for a new image, with
// caller's tags.
func (s *Service) snapshotFor(tx Tx, caller string, v SourceVolume, lin Lineage, tags []tag.Tag) (Snapshot, error) {
	snap := s.newSnapshot(tx, caller, v, lin)
	if err := tx.CreateSnapshot(snap); err != nil {
		return Snapshot{}, err
	}
	return snap, tx.Tag(caller, snap.ID, tag.Snapshot, tags)
}

// MaxClientToken is the longest client token CopyImage and ImportImage
// take, EC2's.
const MaxClientToken = 64

func checkClientToken(token string) error {
	if len(token) > MaxClientToken || !utf8.ValidString(token) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The client token must be at most %d characters", MaxClientToken)
	}
	return nil
}

// CopyInput copies an image.
type CopyInput struct {
	SourceImageID string
	SourceRegion  string
	Name          string
	Description   string
	ClientToken   string
	Encrypted     bool
	// CopyTags copies caller's tags on the source image to the copy.
	CopyTags                bool
	ImageTags, SnapshotTags []tag.Tag
}

// Validate checks everything that needs no store.
func (in CopyInput) Validate() error {
	switch {
	case in.SourceImageID == "":
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter SourceImageId")
	case in.SourceRegion == "":
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter SourceRegion")
	}
	if err := CheckID(in.SourceImageID); err != nil {
		return err
	}
	if err := checkName(in.Name); err != nil {
		return err
	}
	if err := checkDescription(in.Description); err != nil {
		return err
	}
	if err := checkClientToken(in.ClientToken); err != nil {
		return err
	}
	if err := tag.CheckTags(in.ImageTags); err != nil {
		return err
	}
	return tag.CheckTags(in.SnapshotTags)
}

// request describes what a copy asked for, so that a retry with the same
// client token is told from a different copy.
func (in CopyInput) request() string {
	return fmt.Sprintf("%s|%s|%s|%s|%t", in.SourceImageID, in.SourceRegion, in.Name, in.Description, in.Encrypted)
}

// Copy copies an image caller may see into a new image of caller's: its
// product code and platform come with it on every platform (rebundling with
// the platform's tools; see Inherit), each of its EBS volumes gets a
// snapshot of caller's, and the copy names the source. A retry with the
// same client token returns the first copy.
func (s *Service) Copy(ctx context.Context, caller string, in CopyInput) (img Image, err error) {
	defer fault.Annotate(&err, "image: copy %s", in.SourceImageID)
	if err := in.Validate(); err != nil {
		return Image{}, err
	}
	if !s.compute.HasRegion(in.SourceRegion) {
		return Image{}, fault.Coded(fault.Invalid, "InvalidParameterValue", "Invalid value '%s' for SourceRegion: not a region of this platform", clip(in.SourceRegion))
	}
	src, err := s.Get(ctx, caller, in.SourceImageID)
	if err != nil {
		return Image{}, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		if id, done, err := replay(tx, caller, "CopyImage", in.ClientToken, in.request()); err != nil || done {
			if done {
				img, err = tx.Image(id)
			}
			return err
		}
		img = s.copyOf(tx, caller, src, in)
		for i, d := range img.BlockDevices {
			if d.Ebs == nil {
				continue
			}
			v := SourceVolume{DeviceName: d.DeviceName, SizeGiB: d.Ebs.VolumeSize, VolumeType: d.Ebs.VolumeType}
			snap, err := s.snapshotFor(tx, caller, v, Lineage{Known: true, SourceImageID: src.ID, ProductCode: src.ProductCode, Platform: src.Platform}, in.SnapshotTags)
			if err != nil {
				return err
			}
			ebs := *d.Ebs
			ebs.SnapshotID, ebs.VolumeSize = snap.ID, snap.VolumeSizeGiB
			img.BlockDevices[i].Ebs = &ebs
		}
		if err := s.create(tx, img); err != nil {
			return err
		}
		if err := s.copyTags(tx, caller, src.ID, img.ID, in); err != nil {
			return err
		}
		return remember(tx, caller, "CopyImage", in.ClientToken, img.ID, in.request())
	})
	return img, err
}

// copyOf is the copy of src that caller makes, its snapshots aside.
func (s *Service) copyOf(tx Tx, caller string, src Image, in CopyInput) Image {
	img := src
	img.ID, img.Owner, img.OwnerAlias, img.Name, img.Description = NewID(s.random, "ami"), caller, "", in.Name, in.Description
	img.Public, img.CreatedAt, img.State = false, tx.Now(), Available
	img.SourceImageID, img.SourceInstanceID = src.ID, ""
	img.ProductCode, img.Platform = Inherit(ByCopy, Lineage{Known: true, ProductCode: src.ProductCode, Platform: src.Platform}, src.Platform)
	img.BlockDevices = slices.Clone(src.BlockDevices)
	if in.Encrypted {
		for i, d := range img.BlockDevices {
			if d.Ebs != nil {
				ebs := *d.Ebs
				ebs.Encrypted = true
				img.BlockDevices[i].Ebs = &ebs
			}
		}
	}
	return img
}

// replay looks up an earlier call of operation by caller with the same
// client token: done with what it made if there was one that asked for the
// same, IdempotentParameterMismatch if it asked for something else.
func replay(tx Tx, caller, operation, token, request string) (id string, done bool, err error) {
	if token == "" {
		return "", false, nil
	}
	id, earlier, err := tx.ClientToken(caller, operation, token)
	switch {
	case fault.Is(err, fault.NotFound):
		return "", false, nil
	case err != nil:
		return "", false, err
	case earlier != request:
		return "", false, fault.Coded(fault.Conflict, "IdempotentParameterMismatch",
			"The client token %s was used by a %s call with other parameters", clip(token), operation)
	}
	return id, true, nil
}

// remember records what a call with a client token made.
func remember(tx Tx, caller, operation, token, id, request string) error {
	if token == "" {
		return nil
	}
	return tx.PutClientToken(caller, operation, token, id, request)
}

// copyTags tags a copy: with caller's tags on the source, if asked to,
// then with the tags the request gives.
func (s *Service) copyTags(tx Tx, caller, srcID, id string, in CopyInput) error {
	if in.CopyTags {
		tags, err := tx.TagsOf(caller, srcID)
		if err != nil {
			return err
		}
		if err := tx.PutTags(caller, id, tags); err != nil {
			return err
		}
	}
	return tx.PutTags(caller, id, in.ImageTags)
}

package store

import (
	"github.com/tollgate/tollgate/internal/image"
)

// imageDoc is the part of an image no query looks into: the store's own
// shape, mapped to and from image.Image here and nowhere else. A field may
// be added with omitempty; renaming or retyping one needs a migration.
type imageDoc struct {
	ImageLocation   string           `json:"image_location,omitempty"`
	BlockDevices    []blockDeviceDoc `json:"block_devices,omitempty"`
	KernelID        string           `json:"kernel_id,omitempty"`
	RamdiskID       string           `json:"ramdisk_id,omitempty"`
	EnaSupport      bool             `json:"ena_support,omitempty"`
	SriovNetSupport string           `json:"sriov_net_support,omitempty"`
	BootMode        string           `json:"boot_mode,omitempty"`
	TpmSupport      string           `json:"tpm_support,omitempty"`
	ImdsSupport     string           `json:"imds_support,omitempty"`
	SourceImageID   string           `json:"source_image_id,omitempty"`
}

type blockDeviceDoc struct {
	DeviceName  string  `json:"device_name"`
	VirtualName string  `json:"virtual_name,omitempty"`
	NoDevice    bool    `json:"no_device,omitempty"`
	Ebs         *ebsDoc `json:"ebs,omitempty"`
}

type ebsDoc struct {
	SnapshotID          string `json:"snapshot_id,omitempty"`
	VolumeSize          int64  `json:"volume_size_gib,omitempty"`
	VolumeType          string `json:"volume_type,omitempty"`
	Iops                int64  `json:"iops,omitempty"`
	Throughput          int64  `json:"throughput,omitempty"`
	DeleteOnTermination bool   `json:"delete_on_termination,omitempty"`
	Encrypted           bool   `json:"encrypted,omitempty"`
	KmsKeyID            string `json:"kms_key_id,omitempty"`
}

func imageDocOf(img image.Image) imageDoc {
	return imageDoc{ImageLocation: img.ImageLocation, BlockDevices: mapSlice(img.BlockDevices, blockDeviceDocOf),
		KernelID: img.KernelID, RamdiskID: img.RamdiskID, EnaSupport: img.EnaSupport, SriovNetSupport: img.SriovNetSupport,
		BootMode: img.BootMode, TpmSupport: img.TpmSupport, ImdsSupport: img.ImdsSupport, SourceImageID: img.SourceImageID}
}

// fill sets the parts of img that d holds.
func (d imageDoc) fill(img *image.Image) {
	img.ImageLocation, img.BlockDevices = d.ImageLocation, mapSlice(d.BlockDevices, blockDeviceDoc.device)
	img.KernelID, img.RamdiskID, img.EnaSupport, img.SriovNetSupport = d.KernelID, d.RamdiskID, d.EnaSupport, d.SriovNetSupport
	img.BootMode, img.TpmSupport, img.ImdsSupport, img.SourceImageID = d.BootMode, d.TpmSupport, d.ImdsSupport, d.SourceImageID
}

func blockDeviceDocOf(b image.BlockDevice) blockDeviceDoc {
	d := blockDeviceDoc{DeviceName: b.DeviceName, VirtualName: b.VirtualName, NoDevice: b.NoDevice}
	if e := b.Ebs; e != nil {
		d.Ebs = &ebsDoc{SnapshotID: e.SnapshotID, VolumeSize: e.VolumeSize, VolumeType: e.VolumeType, Iops: e.Iops,
			Throughput: e.Throughput, DeleteOnTermination: e.DeleteOnTermination, Encrypted: e.Encrypted, KmsKeyID: e.KmsKeyID}
	}
	return d
}

func (d blockDeviceDoc) device() image.BlockDevice {
	b := image.BlockDevice{DeviceName: d.DeviceName, VirtualName: d.VirtualName, NoDevice: d.NoDevice}
	if e := d.Ebs; e != nil {
		b.Ebs = &image.EbsDevice{SnapshotID: e.SnapshotID, VolumeSize: e.VolumeSize, VolumeType: e.VolumeType, Iops: e.Iops,
			Throughput: e.Throughput, DeleteOnTermination: e.DeleteOnTermination, Encrypted: e.Encrypted, KmsKeyID: e.KmsKeyID}
	}
	return b
}

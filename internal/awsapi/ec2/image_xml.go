package ec2

import (
	"bytes"
	"encoding/xml"
	"strconv"
)

// appendXML appends x as encoding/xml writes it as <item>: byte for byte
// the same (TestImageXMLAsEncoder holds it to that, and fails on a field
// added to imageXML and not here), without reflection: for DescribeImages,
// which may list thousands of images, encoding/xml's reflection was a
// third of the server's time per image.
func (x *imageXML) appendXML(b *bytes.Buffer) {
	b.WriteString("<item>")
	text(b, "imageId", x.ImageID)
	optional(b, "imageLocation", x.ImageLocation)
	text(b, "imageState", x.State)
	text(b, "imageOwnerId", x.OwnerID)
	optional(b, "imageOwnerAlias", x.OwnerAlias)
	text(b, "creationDate", x.CreationDate)
	boolean(b, "isPublic", x.Public)
	if x.ProductCodes != nil {
		b.WriteString("<productCodes>")
		for _, pc := range x.ProductCodes.Items {
			b.WriteString("<item>")
			text(b, "productCode", pc.Code)
			text(b, "type", pc.Type)
			b.WriteString("</item>")
		}
		b.WriteString("</productCodes>")
	}
	text(b, "architecture", x.Architecture)
	text(b, "imageType", x.ImageType)
	optional(b, "kernelId", x.KernelID)
	optional(b, "ramdiskId", x.RamdiskID)
	optional(b, "platform", x.Platform)
	text(b, "platformDetails", x.PlatformDetails)
	text(b, "usageOperation", x.UsageOperation)
	text(b, "name", x.Name)
	optional(b, "description", x.Description)
	text(b, "rootDeviceType", x.RootDeviceType)
	optional(b, "rootDeviceName", x.RootDeviceName)
	b.WriteString("<blockDeviceMapping>")
	for i := range x.BlockDeviceMapping.Items {
		x.BlockDeviceMapping.Items[i].appendXML(b)
	}
	b.WriteString("</blockDeviceMapping>")
	text(b, "virtualizationType", x.VirtualizationType)
	b.WriteString("<tagSet>")
	for _, t := range x.Tags.Items {
		b.WriteString("<item>")
		text(b, "key", t.Key)
		text(b, "value", t.Value)
		b.WriteString("</item>")
	}
	b.WriteString("</tagSet>")
	text(b, "hypervisor", x.Hypervisor)
	boolean(b, "enaSupport", x.EnaSupport)
	optional(b, "sriovNetSupport", x.SriovNetSupport)
	optional(b, "bootMode", x.BootMode)
	optional(b, "tpmSupport", x.TpmSupport)
	optional(b, "imdsSupport", x.ImdsSupport)
	optional(b, "sourceInstanceId", x.SourceInstanceID)
	optional(b, "sourceImageId", x.SourceImageID)
	b.WriteString("</item>")
}

func (d *blockDeviceXML) appendXML(b *bytes.Buffer) {
	b.WriteString("<item>")
	text(b, "deviceName", d.DeviceName)
	optional(b, "virtualName", d.VirtualName)
	if d.NoDevice != nil {
		text(b, "noDevice", *d.NoDevice)
	}
	if e := d.Ebs; e != nil {
		b.WriteString("<ebs>")
		optional(b, "snapshotId", e.SnapshotID)
		optionalInt(b, "volumeSize", e.VolumeSize)
		optional(b, "volumeType", e.VolumeType)
		optionalInt(b, "iops", e.Iops)
		optionalInt(b, "throughput", e.Throughput)
		boolean(b, "deleteOnTermination", e.DeleteOnTermination)
		boolean(b, "encrypted", e.Encrypted)
		optional(b, "kmsKeyId", e.KmsKeyID)
		b.WriteString("</ebs>")
	}
	b.WriteString("</item>")
}

// text writes <name>s</name>, s escaped as encoding/xml escapes text.
func text(b *bytes.Buffer, name, s string) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	if needsEscape(s) {
		_ = xml.EscapeText(b, []byte(s)) // a bytes.Buffer does not fail
	} else {
		b.WriteString(s)
	}
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

// optional writes a field tagged omitempty: nothing when s is empty.
func optional(b *bytes.Buffer, name, s string) {
	if s != "" {
		text(b, name, s)
	}
}

func optionalInt(b *bytes.Buffer, name string, n int64) {
	if n != 0 {
		text(b, name, strconv.FormatInt(n, 10))
	}
}

func boolean(b *bytes.Buffer, name string, v bool) {
	text(b, name, strconv.FormatBool(v))
}

// needsEscape reports whether s holds a byte that encoding/xml would not
// write as it is: markup, quotes, the whitespace it writes as character
// references, any other control character, or non-ASCII (which it checks
// for invalid UTF-8).
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x80, c == '"', c == '\'', c == '&', c == '<', c == '>':
			return true
		}
	}
	return false
}

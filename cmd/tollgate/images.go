package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
)

// publicImagesFile is the file "images load-public" reads: the output of
// "aws ec2 describe-images", as it is.
type publicImagesFile struct {
	Images []publicImageJSON
}

// publicImageJSON is one image in describe-images' shape. Every member of
// EC2's Image is read, so that real output loads unchanged; those that
// describe something Tollgate does not keep (its hypervisor, when it was
// last launched elsewhere) are left, and any other field is refused as a
// likely typo.
type publicImageJSON struct {
	ImageId, OwnerId, ImageOwnerAlias, Name, Description, Architecture, Platform string
	RootDeviceName, RootDeviceType, VirtualizationType, ImageLocation, KernelId  string
	RamdiskId, SriovNetSupport, BootMode, TpmSupport, ImdsSupport, CreationDate  string
	State                                                                        string
	EnaSupport, Public                                                           *bool
	BlockDeviceMappings                                                          []blockDeviceJSON
	ProductCodes                                                                 []productCodeJSON

	PlatformDetails, UsageOperation, Hypervisor, ImageType, DeprecationTime, SourceInstanceId json.RawMessage
	DeregistrationProtection, LastLaunchedTime, SourceImageId, SourceImageRegion              json.RawMessage
	StateReason, Tags, ImageAllowed, FreeTierEligible                                         json.RawMessage
}

type blockDeviceJSON struct {
	DeviceName, VirtualName, NoDevice string
	Ebs                               *ebsJSON
}

type ebsJSON struct {
	SnapshotId, VolumeType, KmsKeyId string
	VolumeSize, Iops, Throughput     int64
	DeleteOnTermination, Encrypted   bool
	OutpostArn, AvailabilityZone     json.RawMessage
	AvailabilityZoneId, EbsCardIndex json.RawMessage
	VolumeInitializationRate         json.RawMessage
}

type productCodeJSON struct {
	ProductCodeId, ProductCodeType string
}

// maxPublicImagesFile bounds the file read: room for the most images one
// load takes, each with a dozen block devices.
const maxPublicImagesFile = 64 << 20

func imagesCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "images", Annotations: tree, Short: "load the operator's public images"}
	load := adminCommand(&cobra.Command{
		Use:   "load-public FILE [flags]",
		Short: "load public images from FILE, in describe-images' output shape",
		Long: `Load public images from FILE ("-" reads standard input), and print
{"Loaded": N}. FILE is what "aws ec2 describe-images" prints:

  {"Images": [
    {"ImageId": "ami-0abcdef1234567890", "OwnerId": "137112412989",
     "ImageOwnerAlias": "amazon", "Name": "al2023-ami-2023.6-x86_64",
     "Architecture": "x86_64", "RootDeviceName": "/dev/xvda",
     "RootDeviceType": "ebs", "VirtualizationType": "hvm",
     "BlockDeviceMappings": [{"DeviceName": "/dev/xvda",
       "Ebs": {"SnapshotId": "snap-0abcdef1234567890", "VolumeSize": 8,
               "VolumeType": "gp3", "DeleteOnTermination": true}}],
     "ProductCodes": [{"ProductCodeId": "abcdefghijklmnopqrstuvwxy",
                       "ProductCodeType": "marketplace"}]}]}

Each image keeps its ID, owner and owner alias (amazon, aws-marketplace: what
"describe-images --owners amazon" selects), name, description, platform
("windows" or none), architecture, devices, block device mappings, product
code (at most one) and creation date. Every account sees and may launch them;
one with a product code launches only for accounts the entitlement check says
yes to, as any paid image. Loading a file again replaces the images it loaded
before, so loading twice is harmless; an ID that names another owner's image
is refused. Members describe-images prints that Tollgate does not keep (tags,
hypervisor, usage operation, ...) are read and left; any other field is
refused. The whole file is checked first and every problem reported, naming
the image and the field; nothing is loaded unless all of it is valid. A
running server sees the images at once.` + storeNote,
		Example: `  aws ec2 describe-images --owners amazon --image-ids ami-0abcdef1234567890 > images.json
  tollgate images load-public images.json`,
	}, argSpec{names: []string{"FILE"}, wrong: `images load-public takes one FILE, or "-" for standard input`}, mustExist,
		func(cmd *cobra.Command, a *app.App, args []string) error {
			imgs, err := readPublicImages(cmd.InOrStdin(), args[0])
			if err != nil {
				return err
			}
			if err := a.Images.LoadPublic(cmd.Context(), imgs); err != nil {
				return fileProblems(fileName(args[0]), err)
			}
			return printJSON(cmd.OutOrStdout(), struct{ Loaded int }{len(imgs)})
		})
	cmd.AddCommand(load)
	return cmd
}

// readInput reads the file at path ("-" is stdin), at most limit bytes.
func readInput(stdin io.Reader, path string, limit int) ([]byte, error) {
	r, name := stdin, fileName(path)
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fault.New(fault.Invalid, "cannot read %s: %v", path, errors.Unwrap(err))
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fault.New(fault.Invalid, "cannot read %s: %v", name, err)
	}
	if len(raw) > limit {
		return nil, fault.New(fault.Invalid, "%s is larger than %d bytes", name, limit)
	}
	return raw, nil
}

// readPublicImages reads and checks a public-images file.
func readPublicImages(stdin io.Reader, path string) ([]image.Image, error) {
	name := fileName(path)
	raw, err := readInput(stdin, path, maxPublicImagesFile)
	if err != nil {
		return nil, err
	}
	var file publicImagesFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fault.New(fault.Invalid, "%s is not a describe-images file: %s", name, imagesJSONProblem(err))
	}
	if dec.More() {
		return nil, fault.New(fault.Invalid, "%s is not a describe-images file: it has more after its one JSON object", name)
	}
	imgs, problems := parsePublicImages(file)
	if err := image.ValidatePublic(imgs); err != nil {
		problems = append(problems, fault.As(err).Fields...)
	}
	if len(problems) > 0 {
		return nil, fileProblems(name, fault.InvalidFields(byImage(problems)))
	}
	return imgs, nil
}

// parsePublicImages maps the file's images to the image domain's, with
// describe-images' defaults, reporting what does not map.
func parsePublicImages(file publicImagesFile) ([]image.Image, []fault.FieldError) {
	var problems []fault.FieldError
	imgs := make([]image.Image, len(file.Images))
	for i, j := range file.Images {
		bad := func(field, format string, args ...any) {
			problems = append(problems, fault.FieldError{Field: fmt.Sprintf("Images[%d].%s", i, field), Code: "invalid",
				Message: fmt.Sprintf("(image %s) ", j.ImageId) + fmt.Sprintf(format, args...)})
		}
		img := image.Image{ID: j.ImageId, Owner: j.OwnerId, OwnerAlias: j.ImageOwnerAlias, Name: j.Name, Description: j.Description,
			Architecture: orDefault(j.Architecture, image.DefaultArchitecture), Platform: image.Platform(strings.ToLower(j.Platform)),
			RootDeviceName: orDefault(j.RootDeviceName, image.DefaultRootDevice), RootDeviceType: image.DeviceType(orDefault(j.RootDeviceType, string(image.EBS))),
			VirtualizationType: orDefault(j.VirtualizationType, image.DefaultVirtualization), ImageLocation: j.ImageLocation,
			KernelID: j.KernelId, RamdiskID: j.RamdiskId, EnaSupport: j.EnaSupport != nil && *j.EnaSupport,
			SriovNetSupport: j.SriovNetSupport, BootMode: j.BootMode, TpmSupport: j.TpmSupport, ImdsSupport: j.ImdsSupport}
		if j.State != "" && j.State != string(image.Available) {
			bad("State", "must be available or left out, not %q; only available images are loaded", j.State)
		}
		if j.Public != nil && !*j.Public {
			bad("Public", "must be true or left out: the images loaded are public")
		}
		if j.CreationDate != "" {
			t, err := time.Parse(time.RFC3339, j.CreationDate)
			if err != nil {
				bad("CreationDate", "must be a time such as 2024-01-31T12:00:00.000Z, not %q", j.CreationDate)
			}
			img.CreatedAt = t
		}
		switch len(j.ProductCodes) {
		case 0:
		case 1:
			pc := j.ProductCodes[0]
			img.ProductCode = image.ProductCode{Code: pc.ProductCodeId, Type: image.CodeType(orDefault(pc.ProductCodeType, string(image.Marketplace)))}
		default:
			bad("ProductCodes", "has %d product codes; an image carries at most one", len(j.ProductCodes))
		}
		for _, d := range j.BlockDeviceMappings {
			img.BlockDevices = append(img.BlockDevices, d.device())
		}
		imgs[i] = img
	}
	return imgs, problems
}

func (d blockDeviceJSON) device() image.BlockDevice {
	b := image.BlockDevice{DeviceName: d.DeviceName, VirtualName: d.VirtualName, NoDevice: d.NoDevice != ""}
	if e := d.Ebs; e != nil {
		b.Ebs = &image.EbsDevice{SnapshotID: e.SnapshotId, VolumeSize: e.VolumeSize, VolumeType: e.VolumeType, Iops: e.Iops,
			Throughput: e.Throughput, DeleteOnTermination: e.DeleteOnTermination, Encrypted: e.Encrypted, KmsKeyID: e.KmsKeyId}
	}
	return b
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// byImage orders problems by the image they are about, keeping the order
// of each image's own.
func byImage(problems []fault.FieldError) []fault.FieldError {
	return byIndex(problems, imageIndex)
}

// imagesJSONProblem says what is wrong with a file's JSON in the file's
// terms.
func imagesJSONProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return "it must be an object with Images, as describe-images prints"
		}
		return fmt.Sprintf("%s must not be a JSON %s", te.Field, te.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

package image

import (
	"context"
	"fmt"
	"regexp"
	"slices"

	"github.com/tollgate/tollgate/internal/fault"
)

// The operator publishes images every account may see and launch: those a
// cloud's vendor provides (owner alias "amazon") or a marketplace lists
// ("aws-marketplace"), loaded from a file ("tollgate images load-public")
// with the IDs, owners and product codes they carry elsewhere, so that
// tools and scripts that name them work unchanged.

// MaxPublicImages bounds one load.
const MaxPublicImages = 10000

// productCodePattern is what a product code loaded with an image may be:
// the catalog's codes and AWS's are lowercase letters and digits.
var productCodePattern = regexp.MustCompile(`^[a-z0-9]{1,64}$`)

// ValidatePublic checks images before they are loaded, reporting every
// problem at once, each at its field's path in the file ("Images[3].Name")
// and naming the image, so that an operator finds it in a long file.
func ValidatePublic(imgs []Image) error {
	var p []fault.FieldError
	add := func(i int, field string, err error) {
		if err == nil {
			return
		}
		msg := fault.As(err).Message
		if id := imgs[i].ID; id != "" && field != "ImageId" {
			msg = fmt.Sprintf("(image %s) %s", clip(id), msg)
		}
		p = append(p, fault.FieldError{Field: fmt.Sprintf("Images[%d].%s", i, field), Code: "invalid", Message: msg})
	}
	switch {
	case len(imgs) == 0:
		p = append(p, fault.FieldError{Field: "Images", Code: "required", Message: "needs at least one image"})
	case len(imgs) > MaxPublicImages:
		p = append(p, fault.FieldError{Field: "Images", Code: "too_many", Message: fmt.Sprintf("has %d images; at most %d are loaded at once", len(imgs), MaxPublicImages)})
		imgs = nil
	}
	seen := map[string]int{}
	for i, img := range imgs {
		add(i, "ImageId", CheckID(img.ID))
		if j, dup := seen[img.ID]; dup && img.ID != "" {
			add(i, "ImageId", fault.New(fault.Invalid, "repeats the image of Images[%d]", j))
		}
		seen[img.ID] = i
		checkPublic(img, func(field string, err error) { add(i, field, err) })
	}
	return fault.InvalidFields(p)
}

// checkPublic checks one image's fields, reporting each problem to add.
func checkPublic(img Image, add func(field string, err error)) {
	if !ValidAccount(img.Owner) {
		add("OwnerId", fault.New(fault.Invalid, "must be a 12-digit account ID, not %q", clip(img.Owner)))
	}
	if img.OwnerAlias != "" && !slices.Contains(OwnerAliases, img.OwnerAlias) {
		add("ImageOwnerAlias", fault.New(fault.Invalid, "must be one of %v, not %q", OwnerAliases, clip(img.OwnerAlias)))
	}
	add("Name", checkName(img.Name))
	add("Description", checkDescription(img.Description))
	if !slices.Contains(Architectures, img.Architecture) {
		add("Architecture", fault.New(fault.Invalid, "must be one of %v, not %q", Architectures, clip(img.Architecture)))
	}
	if img.Platform != Linux && img.Platform != Windows {
		add("Platform", fault.New(fault.Invalid, "must be windows or left out, not %q", clip(string(img.Platform))))
	}
	if img.RootDeviceType != EBS && img.RootDeviceType != InstanceStore {
		add("RootDeviceType", fault.New(fault.Invalid, "must be ebs or instance-store, not %q", clip(string(img.RootDeviceType))))
	}
	if img.VirtualizationType != "hvm" && img.VirtualizationType != "paravirtual" {
		add("VirtualizationType", fault.New(fault.Invalid, "must be hvm or paravirtual, not %q", clip(img.VirtualizationType)))
	}
	if !deviceNamePattern.MatchString(img.RootDeviceName) {
		add("RootDeviceName", fault.New(fault.Invalid, "must be a device name such as /dev/xvda, not %q", clip(img.RootDeviceName)))
	}
	if len(img.ImageLocation) > MaxLocationLength {
		add("ImageLocation", fault.New(fault.Invalid, "is longer than %d characters", MaxLocationLength))
	}
	add("BlockDeviceMappings", checkBlockDevices(img.BlockDevices))
	if img.RootDeviceType == EBS && !img.mapsRoot() {
		add("BlockDeviceMappings", fault.New(fault.Invalid, "must map the root device %s to an EBS volume, as the image is EBS-backed", clip(img.RootDeviceName)))
	}
	if pc := img.ProductCode; !pc.IsZero() {
		if !productCodePattern.MatchString(pc.Code) {
			add("ProductCodes[0].ProductCodeId", fault.New(fault.Invalid, "must be 1 to 64 lowercase letters and digits, not %q", clip(pc.Code)))
		}
		if pc.Type != DevPay && pc.Type != Marketplace {
			add("ProductCodes[0].ProductCodeType", fault.New(fault.Invalid, "must be marketplace or devpay, not %q", clip(string(pc.Type))))
		}
	}
}

// LoadPublic stores the operator's public images, all or none: new IDs
// are created, and an image loaded before (the same ID and owner) is
// replaced by its new description, so that loading a file twice changes
// nothing. An ID that names an image of another owner is refused. The
// images are public, and available from their CreatedAt (the load's time
// when zero).
func (s *Service) LoadPublic(ctx context.Context, imgs []Image) (err error) {
	defer fault.Annotate(&err, "image: load %d public images", len(imgs))
	if err := ValidatePublic(imgs); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		for i, img := range imgs {
			img.Public, img.State = true, Available
			if img.CreatedAt.IsZero() {
				img.CreatedAt = tx.Now()
			}
			if err := loadOne(tx, img); fault.Is(err, fault.Conflict) {
				return fault.InvalidFields([]fault.FieldError{{Field: fmt.Sprintf("Images[%d].ImageId", i), Code: "conflict",
					Message: fmt.Sprintf("(image %s) %s", img.ID, fault.As(err).Message)}})
			} else if err != nil {
				return err
			}
		}
		return nil
	})
}

// loadOne creates or replaces one public image in tx.
func loadOne(tx Tx, img Image) error {
	old, err := tx.Image(img.ID)
	switch {
	case fault.Is(err, fault.NotFound):
		err = tx.CreateImage(img)
		if fault.Is(err, fault.Conflict) {
			return fault.New(fault.Conflict, "cannot be loaded: its owner %s has another image named %q", img.Owner, img.Name)
		}
		return err
	case err != nil:
		return err
	case old.Owner != img.Owner:
		return fault.New(fault.Conflict, "cannot be loaded: that ID is an image of account %s", old.Owner)
	}
	err = tx.PutImage(img)
	if fault.Is(err, fault.Conflict) {
		return fault.New(fault.Conflict, "cannot be loaded: its owner %s has another image named %q", img.Owner, img.Name)
	}
	return err
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/toolmain"
)

// The images the ec2-images target filters. seed-images creates them; the
// target derives every product code from the same scheme, so nothing is
// passed between the two but --codes and --per-code.
//
// Image i (0 <= i < count) has the ID imageID(i), belongs to the demo
// seller, and, for i < codes*perCode, is public and carries the product
// code loadCode(i % codes): each code is on perCode images scattered over
// the whole ID range. The other images have no code and are private.
func imageID(i int) string {
	// Multiplying by an odd constant permutes the 64-bit integers, so the
	// IDs are distinct and in no particular order of i.
	return fmt.Sprintf("ami-%017x", uint64(i)*0x9e3779b97f4a7c15)
}

// loadCode is product code k: 25 lowercase letters and digits, as
// Tollgate's own are.
func loadCode(k int) string { return fmt.Sprintf("loadcode%017d", k) }

// imageLayout is how seed-images spreads product codes.
type imageLayout struct {
	count, codes, perCode int
}

func (l imageLayout) check() error {
	if l.count < 1 || l.codes < 0 || l.perCode < 0 || l.codes*l.perCode > l.count {
		return usagef("seed-images needs a positive --count, and --codes times --per-code at most --count")
	}
	return nil
}

// image returns image i of the layout, owned by owner, created at now.
func (l imageLayout) image(i int, owner string, now time.Time) image.Image {
	img := image.Image{ID: imageID(i), Owner: owner, Name: fmt.Sprintf("tollgate-load-%07d", i),
		Description: "tollgate-load seeded image", Architecture: image.DefaultArchitecture, State: image.Available,
		RootDeviceName: image.DefaultRootDevice, RootDeviceType: image.EBS, VirtualizationType: image.DefaultVirtualization,
		BlockDevices: []image.BlockDevice{{DeviceName: image.DefaultRootDevice, Ebs: &image.EbsDevice{
			SnapshotID: fmt.Sprintf("snap-%017x", uint64(i)*0x9e3779b97f4a7c15), VolumeSize: image.DefaultRootSizeGiB,
			VolumeType: "gp3", DeleteOnTermination: true}}},
		EnaSupport: true, CreatedAt: now}
	if i < l.codes*l.perCode {
		img.Public = true
		img.ProductCode = image.ProductCode{Code: loadCode(i % l.codes), Type: image.Marketplace}
	}
	return img
}

const seedImagesUsage = `tollgate-load seed-images: create the ec2-images target's images in a
Tollgate store (a data directory, or a PostgreSQL database) before the server
starts on it, and/or write the same images as a moto AMI file.

Usage:
  tollgate-load seed-images --data DIR [--count 10000] [--codes 100] [--per-code 50] [--batch 10000]
  tollgate-load seed-images --database-url URL [...]
  tollgate-load seed-images --moto-amis FILE [...]   (for MOTO_AMIS_PATH=FILE moto_server)

Creates the demo world (as tollgate serve --demo would) and --count images of
the demo seller. Images 0 .. codes*per-code-1 are public and carry one of
--codes product codes (image i the code i mod codes), so each code is on
--per-code images scattered over the ID range; the rest have no code and are
private. The images are written --batch at a time, one transaction each,
through the store's image transaction (CreateImage: the statement
RegisterImage runs), without the product-code checks of ModifyImageAttribute
(the codes belong to no product). --moto-amis writes the same images in the
JSON moto reads from MOTO_AMIS_PATH (moto's API cannot attach product codes).

Flags:
`

// runSeedImages is the seed-images subcommand.
func runSeedImages(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tollgate-load seed-images", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, seedImagesUsage); fs.PrintDefaults() }
	dir := fs.String("data", "", "Tollgate data directory (created if missing; the server must not be running on it)")
	dbURL := fs.String("database-url", "", "PostgreSQL store (postgres://...), as tollgate serve --database-url; wins over --data")
	motoPath := fs.String("moto-amis", "", "also write the images as a moto AMI file (MOTO_AMIS_PATH)")
	var l imageLayout
	fs.IntVar(&l.count, "count", 10000, "images to create")
	fs.IntVar(&l.codes, "codes", 100, "product codes to spread over the first codes*per-code images")
	fs.IntVar(&l.perCode, "per-code", 50, "images that carry each code")
	batch := fs.Int("batch", 10000, "images written per transaction")
	if err := toolmain.Parse(fs, args); err != nil {
		return err
	}
	if (*dir == "" && *dbURL == "" && *motoPath == "") || *batch < 1 || fs.NArg() > 0 {
		return usagef("seed-images needs --data DIR, --database-url URL or --moto-amis FILE, a positive --batch, and no other arguments")
	}
	if err := l.check(); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	seller := demo.Parties().Seller.Account.ID
	if *motoPath != "" {
		if err := writeMotoAMIs(*motoPath, l, seller, now); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %d images for moto to %s\n", l.count, *motoPath)
	}
	if *dir == "" && *dbURL == "" {
		return nil
	}
	return seedImages(ctx, store.Config{DataDir: *dir, DatabaseURL: *dbURL}, l, *batch, now, stdout)
}

// seedImages writes the layout's images into a store.
func seedImages(ctx context.Context, cfg store.Config, l imageLayout, batch int, now time.Time, stdout io.Writer) error {
	start := time.Now()
	db, err := store.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	world, err := demo.Seed(ctx, db.Accounts(), now)
	if err != nil {
		return err
	}
	seller := world.Seller.Account.ID
	images := db.Images()
	for from := 0; from < l.count; from += batch {
		to := min(from+batch, l.count)
		err := images.Update(ctx, func(tx image.Tx) error {
			for i := from; i < to; i++ {
				if err := tx.CreateImage(l.image(i, seller, now)); err != nil {
					return fmt.Errorf("image %d: %w", i, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if (to/batch)%20 == 0 || to == l.count {
			fmt.Fprintf(stdout, "seeded %d images (%.1f s)\n", to, time.Since(start).Seconds())
		}
	}
	return nil
}

// motoAMI is one image as moto's AMI file has it (the keyword arguments of
// moto.ec2.models.amis.Ami).
type motoAMI struct {
	ID                 string   `json:"ami_id"`
	State              string   `json:"state"`
	Public             bool     `json:"public"`
	OwnerID            string   `json:"owner_id"`
	Name               string   `json:"name"`
	Description        string   `json:"description"`
	ImageType          string   `json:"image_type"`
	Architecture       string   `json:"architecture"`
	RootDeviceType     string   `json:"root_device_type"`
	RootDeviceName     string   `json:"root_device_name"`
	VirtualizationType string   `json:"virtualization_type"`
	Hypervisor         string   `json:"hypervisor"`
	CreationDate       string   `json:"creation_date"`
	ProductCodes       []string `json:"product_codes,omitempty"`
}

// writeMotoAMIs writes the layout's images as a moto AMI file.
func writeMotoAMIs(path string, l imageLayout, owner string, now time.Time) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriter(f)
	amis := make([]motoAMI, l.count)
	for i := range amis {
		img := l.image(i, owner, now)
		amis[i] = motoAMI{ID: img.ID, State: string(img.State), Public: img.Public, OwnerID: img.Owner, Name: img.Name,
			Description: img.Description, ImageType: "machine", Architecture: img.Architecture,
			RootDeviceType: string(img.RootDeviceType), RootDeviceName: img.RootDeviceName,
			VirtualizationType: img.VirtualizationType, Hypervisor: "xen", CreationDate: img.CreatedAt.Format(time.RFC3339)}
		if !img.ProductCode.IsZero() {
			amis[i].ProductCodes = []string{img.ProductCode.Code}
		}
	}
	if err := json.NewEncoder(w).Encode(amis); err != nil {
		return err
	}
	return w.Flush()
}

package image

// The rebundling rule (seeds 001 and 002): whether an image made from
// another image's disk keeps that image's product code.
//
// Rebundling with the platform's own tools, CreateImage of an instance and
// CopyImage of an image, carries the code to the new image on every
// platform: the buyer goes on paying the seller's price.
//
// Rebundling without them, registering an image from a raw snapshot of a
// paid instance's volume (RegisterImage with the snapshot in its block
// device mappings, or ImportImage of the snapshot), loses the code on
// Linux/UNIX, where the buyer then pays normal rates, and keeps it on
// Windows, where a code once attached is permanent. A code kept this way is
// the code itself, of its own type (devpay or marketplace), and like every
// code it cannot be removed or reset from the new image.
//
// A disk imported from elsewhere (ImportImage of a URL or a bucket) has no
// code to keep.

// How says how an image is made from an earlier disk.
type How int

// The ways of making an image.
const (
	// ByInstance is CreateImage of an instance; ByCopy is CopyImage.
	ByInstance How = iota
	ByCopy
	// BySnapshot registers or imports an image from a raw snapshot.
	BySnapshot
	// ByImport imports a disk from elsewhere.
	ByImport
)

// Inherit returns the product code and platform of an image made, in the
// way how, from a disk of lineage src; declared is the platform the
// request names (ImportImage's Platform), or src's own when it names none.
//
// When an import declares one platform for a snapshot whose lineage is
// another (Platform=Linux for a snapshot of a Windows instance), the
// lineage wins: the disk is what it was copied from, whatever the request
// says, so declaring Linux cannot shed a Windows image's permanent code.
// The declaration counts only for disks of no known lineage.
func Inherit(how How, src Lineage, declared Platform) (ProductCode, Platform) {
	switch how {
	case ByInstance, ByCopy:
		return src.ProductCode, src.Platform
	case BySnapshot:
		platform := declared
		if src.Known {
			platform = src.Platform
		}
		if platform == Windows && src.Known {
			return src.ProductCode, platform
		}
		return ProductCode{}, platform
	}
	return ProductCode{}, declared
}

package image

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"slices"
	"strings"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/paging"
	"github.com/tollgate/tollgate/internal/subscription"
)

// Products finds a product by its code; catalog.Service implements it.
type Products interface {
	ProductByCode(ctx context.Context, code string) (catalog.Product, error)
}

// Entitlements is the one entitlement check; subscription.Checker
// implements it.
type Entitlements interface {
	Check(ctx context.Context, q subscription.Query) (subscription.Decision, error)
}

// Service is images.
type Service struct {
	store        Store
	products     Products
	entitlements Entitlements
	clock        clock.Clock
	random       io.Reader
	compute      Compute
}

// NewService returns the image service, drawing IDs from crypto/rand.
func NewService(store Store, products Products, entitlements Entitlements, clk clock.Clock) *Service {
	return &Service{store: store, products: products, entitlements: entitlements, clock: clk, random: rand.Reader}
}

// WithRandom returns a copy of the service that draws IDs from r: the demo
// registers its image with a fixed stream, so its ID is the same in every
// demo store.
func (s *Service) WithRandom(r io.Reader) *Service {
	c := *s
	c.random = r
	return &c
}

// NewID returns a new resource ID: prefix, a dash and 17 random lowercase
// hex digits, as EC2's IDs are.
func NewID(random io.Reader, prefix string) string {
	var b [9]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		panic("image: reading random bytes: " + err.Error()) // crypto/rand does not fail
	}
	return prefix + "-" + hex.EncodeToString(b[:])[:17]
}

// Register registers an image owned by caller. Its EBS volumes may be
// made from caller's snapshots; the root volume's snapshot decides the
// image's platform and product code by the rebundling rule (Inherit).
func (s *Service) Register(ctx context.Context, caller string, in RegisterInput) (img Image, err error) {
	defer fault.Annotate(&err, "image: register %q", clip(in.Name))
	if err := in.Validate(); err != nil {
		return Image{}, err
	}
	img = in.image()
	img.ID, img.Owner = NewID(s.random, "ami"), caller
	err = s.store.Update(ctx, func(tx Tx) error {
		img.CreatedAt = tx.Now()
		if err := fromSnapshots(tx, caller, &img); err != nil {
			return err
		}
		if err := s.create(tx, img); err != nil {
			return err
		}
		return tx.PutTags(caller, img.ID, in.Tags)
	})
	return img, err
}

// create stores a new image, naming a taken name as EC2 does.
func (s *Service) create(tx Tx, img Image) error {
	err := tx.CreateImage(img)
	if fault.Is(err, fault.Conflict) {
		return fault.Coded(fault.Conflict, "InvalidAMIName.Duplicate", "AMI name %s is already in use by AMI of account %s", img.Name, img.Owner)
	}
	return err
}

// Deregister deletes one of caller's images. Instances launched from it
// keep running, with its product code.
func (s *Service) Deregister(ctx context.Context, caller, id string) (err error) {
	defer fault.Annotate(&err, "image: deregister %s", id)
	if err := CheckID(id); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if _, err := owned(tx, caller, id); err != nil {
			return err
		}
		return tx.DeleteImage(id)
	})
}

// owned returns an image of caller's in tx: InvalidAMIID.NotFound if
// caller cannot see it, AuthFailure if caller sees it (public or shared
// with it) but does not own it, so that an image's existence is not told
// to accounts it is hidden from.
func owned(tx Tx, caller, id string) (Image, error) {
	img, err := tx.Image(id)
	if fault.Is(err, fault.NotFound) {
		return Image{}, notFound(id)
	}
	if err != nil || img.Owner == caller {
		return img, err
	}
	shared := img.Public
	if !shared {
		if shared, err = tx.Permitted(id, caller); err != nil {
			return Image{}, err
		}
	}
	if shared {
		return Image{}, notAuthorized(id)
	}
	return Image{}, notFound(id)
}

// ownedImage runs fn on caller's image id in one transaction (see owned).
func (s *Service) ownedImage(ctx context.Context, caller, id string, fn func(tx Tx, img Image) error) error {
	return s.store.Update(ctx, func(tx Tx) error {
		img, err := owned(tx, caller, id)
		if err != nil {
			return err
		}
		return fn(tx, img)
	})
}

func notFound(ids ...string) error {
	return fault.Coded(fault.NotFound, "InvalidAMIID.NotFound", "The image id '[%s]' does not exist", strings.Join(ids, ", "))
}

func notAuthorized(id string) error {
	return fault.Coded(fault.Forbidden, "AuthFailure", "Not authorized for image:%s", id)
}

// Get returns an image caller may see.
func (s *Service) Get(ctx context.Context, caller, id string) (Image, error) {
	if err := CheckID(id); err != nil {
		return Image{}, err
	}
	img, err := s.store.Visible(ctx, caller, id)
	if fault.Is(err, fault.NotFound) {
		return Image{}, notFound(id)
	}
	return img, err
}

// Describe lists the images caller may see that in selects, in ID order.
// Naming an image caller cannot see is InvalidAMIID.NotFound.
func (s *Service) Describe(ctx context.Context, caller string, in DescribeInput) (p Page, err error) {
	p.NextToken, err = s.DescribeEach(ctx, caller, in, func(imgs []Image) error {
		p.Images = append(p.Images, imgs...)
		return nil
	})
	return p, err
}

// DescribeBatch is how many images DescribeEach reads at a time when asked
// for all of them.
const DescribeBatch = 500

// DescribeEach is Describe for answers too large to hold: it calls fn with
// the images in batches, in ID order, and returns the next page's token.
// With MaxResults it reads the one page asked for. Without, it reads every
// image selected, DescribeBatch at a time, each batch a read of its own
// that starts after the last image of the one before, so that memory and
// database connections are held for one batch at a time, however many
// images the filters select (an image registered or deregistered while the
// batches are read may or may not be listed, as on EC2). fn must not keep
// the slice.
func (s *Service) DescribeEach(ctx context.Context, caller string, in DescribeInput, fn func([]Image) error) (next string, err error) {
	defer fault.Annotate(&err, "image: describe")
	if err := in.Validate(); err != nil {
		return "", err
	}
	if err := s.checkVisible(ctx, caller, in.IDs); err != nil {
		return "", err
	}
	q := describeQuery(caller, in)
	if q.Limit == 0 {
		return "", s.eachBatch(ctx, q, fn)
	}
	q.Limit = paging.Limit(q.Limit)
	imgs, err := s.store.List(ctx, q)
	if err != nil {
		return "", err
	}
	imgs, more := paging.Cut(imgs, int(in.MaxResults))
	if more {
		next = encodeListToken("image", imgs[len(imgs)-1].ID)
	}
	return next, fn(imgs)
}

// eachBatch reads every image q selects, DescribeBatch at a time.
func (s *Service) eachBatch(ctx context.Context, q Query, fn func([]Image) error) error {
	q.Limit = DescribeBatch
	for {
		imgs, err := s.store.List(ctx, q)
		if err != nil {
			return err
		}
		if len(imgs) > 0 {
			if err := fn(imgs); err != nil {
				return err
			}
		}
		if len(imgs) < DescribeBatch {
			return nil
		}
		q.After = imgs[len(imgs)-1].ID
	}
}

// describeQuery is the store's query for a DescribeImages request.
func describeQuery(caller string, in DescribeInput) Query {
	after, _ := decodeListToken("image", in.NextToken, CheckID)
	q := Query{Caller: caller, IDs: in.IDs, Filters: in.Filters, After: after, Limit: int(in.MaxResults)}
	q.Owners = resolveOwners(caller, in.Owners)
	q.ExecutableBy = len(in.ExecutableBy) > 0
	q.SharedWith, q.AnyPublic = resolveUsers(caller, in.ExecutableBy)
	return q
}

// resolveOwners is the Owners of an image or snapshot listing with
// "self" read as caller.
func resolveOwners(caller string, in []string) []string {
	var out []string
	for _, o := range in {
		out = append(out, strings.Replace(o, Self, caller, 1))
	}
	return out
}

// resolveUsers is the ExecutableBy or RestorableBy of an image or
// snapshot listing as the store asks it: the accounts, "self" read as
// caller, and whether the group all (every public one) is among them.
func resolveUsers(caller string, in []string) (accounts []string, anyPublic bool) {
	for _, u := range in {
		switch u {
		case GroupAll:
			anyPublic = true
		case Self:
			accounts = append(accounts, caller)
		default:
			accounts = append(accounts, u)
		}
	}
	return accounts, anyPublic
}

// checkVisible refuses IDs caller cannot see, naming them all.
func (s *Service) checkVisible(ctx context.Context, caller string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	seen, err := s.store.List(ctx, Query{Caller: caller, IDs: ids})
	if err != nil {
		return err
	}
	var missing []string
	for _, id := range ids {
		if !slices.ContainsFunc(seen, func(img Image) bool { return img.ID == id }) && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return notFound(missing...)
	}
	return nil
}

// AttributeValue is one attribute of an image, as DescribeImageAttribute
// answers it: the field the attribute names is set.
type AttributeValue struct {
	ImageID           string
	Attribute         Attribute
	Image             Image // the image; the attribute's value is in it
	LaunchPermissions []Permission
}

// DescribeAttribute returns an attribute of an image caller may see. Its
// launch permissions only its owner may read.
func (s *Service) DescribeAttribute(ctx context.Context, caller, id string, attr Attribute) (v AttributeValue, err error) {
	defer fault.Annotate(&err, "image: describe %s of %s", attr, id)
	if err := CheckID(id); err != nil {
		return v, err
	}
	if !slices.Contains(Attributes, attr) {
		return v, unknownAttribute(attr)
	}
	img, err := s.Get(ctx, caller, id)
	if err != nil {
		return v, err
	}
	v = AttributeValue{ImageID: id, Attribute: attr, Image: img}
	if attr != AttrLaunchPermission {
		return v, nil
	}
	if img.Owner != caller {
		return AttributeValue{}, notAuthorized(id)
	}
	v.LaunchPermissions, err = s.permissions(ctx, img)
	return v, err
}

// permissions lists an image's launch permissions: the group all first,
// if it is public, then the accounts.
func (s *Service) permissions(ctx context.Context, img Image) ([]Permission, error) {
	accounts, err := s.store.LaunchPermissions(ctx, img.ID)
	if err != nil {
		return nil, err
	}
	return permissionList(img.Public, accounts), nil
}

// permissionList is the launch or create-volume permissions of a public or
// private image or snapshot shared with accounts: the group all first, if
// it is public, then the accounts.
func permissionList(public bool, accounts []string) []Permission {
	var out []Permission
	if public {
		out = append(out, Permission{Group: GroupAll})
	}
	for _, a := range accounts {
		out = append(out, Permission{UserID: a})
	}
	return out
}

// ModifyAttribute changes an attribute of one of caller's images: shares
// it or stops sharing it, attaches its product code, or sets its
// description.
func (s *Service) ModifyAttribute(ctx context.Context, caller, id string, in ModifyInput) (err error) {
	defer fault.Annotate(&err, "image: modify %s of %s", in.Attribute, id)
	if err := CheckID(id); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	var code ProductCode
	if in.Attribute == AttrProductCodes {
		if code, err = s.attachable(ctx, caller, in.ProductCodes[0]); err != nil {
			return err
		}
	}
	return s.ownedImage(ctx, caller, id, func(tx Tx, img Image) error {
		switch in.Attribute {
		case AttrLaunchPermission:
			return modifyPermissions(tx, img, in.Add, in.Remove)
		case AttrProductCodes:
			return attach(tx, img, code)
		default:
			img.Description = *in.Description
			return tx.PutImage(img)
		}
	})
}

// splitPermissions reads a change of launch or create-volume permissions
// as the store keeps them: whether the image or snapshot is public after
// it (the group all added or removed), and the accounts to add and to
// remove. The owner always may, so it is never added.
func splitPermissions(public bool, owner string, add, remove []Permission) (publicAfter bool, adds, removes []string) {
	publicAfter = public
	for _, p := range add {
		if p.Group == GroupAll {
			publicAfter = true
		} else if p.UserID != owner {
			adds = append(adds, p.UserID)
		}
	}
	for _, p := range remove {
		if p.Group == GroupAll {
			publicAfter = false
		} else {
			removes = append(removes, p.UserID)
		}
	}
	return publicAfter, adds, removes
}

func modifyPermissions(tx Tx, img Image, add, remove []Permission) error {
	public, adds, removes := splitPermissions(img.Public, img.Owner, add, remove)
	if err := tx.AddLaunchPermissions(img.ID, adds); err != nil {
		return err
	}
	if err := tx.RemoveLaunchPermissions(img.ID, removes); err != nil {
		return err
	}
	if public == img.Public {
		return nil
	}
	img.Public = public
	return tx.PutImage(img)
}

// attach gives img its product code, once: the same code again changes
// nothing, another is refused.
func attach(tx Tx, img Image, code ProductCode) error {
	switch {
	case img.ProductCode.Code == code.Code:
		return nil
	case !img.ProductCode.IsZero():
		return fault.Coded(fault.Conflict, "UnsupportedOperation",
			"Image %s already carries product code %s; an image carries one product code, and it cannot be changed or removed", img.ID, img.ProductCode.Code)
	}
	img.ProductCode = code
	return tx.PutImage(img)
}

// attachable returns the product code caller may attach to its own
// images: the code of one of caller's paid-image products, or of a
// supported-image product caller sells or is entitled to now.
func (s *Service) attachable(ctx context.Context, caller, code string) (ProductCode, error) {
	p, err := s.products.ProductByCode(ctx, code)
	if fault.Is(err, fault.NotFound) {
		return ProductCode{}, fault.Coded(fault.Invalid, "InvalidParameterValue", "Product code %s does not exist", clip(code))
	}
	if err != nil {
		return ProductCode{}, err
	}
	pc := ProductCode{Code: p.Code, Type: CodeTypeOf(p.Kind)}
	switch {
	case p.Kind != catalog.PaidImage && p.Kind != catalog.SupportedImage:
		return ProductCode{}, fault.Coded(fault.Invalid, "InvalidParameterValue",
			"Product code %s belongs to a %s product; only paid-image and supported-image products' codes attach to images", p.Code, p.Kind)
	case p.Seller == caller:
		return pc, nil
	case p.Kind == catalog.PaidImage:
		return ProductCode{}, fault.Coded(fault.Forbidden, "AuthFailure", "Not authorized for product code %s: it is another account's paid image product", p.Code)
	}
	d, err := s.entitlements.Check(ctx, subscription.Query{Account: caller, ProductCode: p.Code, At: s.clock.Now()})
	if err != nil {
		return ProductCode{}, err
	}
	if !d.Entitled {
		return ProductCode{}, OptInRequired(ctx, p.Code, d.Reason)
	}
	return pc, nil
}

// CodeTypeOf is the type of a product kind's code (see CodeType).
func CodeTypeOf(k catalog.Kind) CodeType {
	if k == catalog.SupportedImage {
		return DevPay
	}
	return Marketplace
}

// ResetAttribute resets an attribute of one of caller's images: only its
// launch permissions may be, which stops sharing it with anyone.
func (s *Service) ResetAttribute(ctx context.Context, caller, id string, attr Attribute) (err error) {
	defer fault.Annotate(&err, "image: reset %s of %s", attr, id)
	if err := CheckID(id); err != nil {
		return err
	}
	switch attr {
	case AttrLaunchPermission:
	case AttrProductCodes:
		return fault.Coded(fault.Invalid, "UnsupportedOperation", "A product code cannot be removed from an image once attached")
	default:
		if slices.Contains(Attributes, attr) {
			return fault.Coded(fault.Invalid, "UnsupportedOperation", "The attribute %s cannot be reset; only launchPermission can", attr)
		}
		return unknownAttribute(attr)
	}
	return s.ownedImage(ctx, caller, id, func(tx Tx, img Image) error {
		if err := tx.ResetLaunchPermissions(id); err != nil {
			return err
		}
		if !img.Public {
			return nil
		}
		img.Public = false
		return tx.PutImage(img)
	})
}

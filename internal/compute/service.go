package compute

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/paging"
	"github.com/tollgate/tollgate/internal/subscription"
	"github.com/tollgate/tollgate/internal/tag"
)

// Images finds the image a launch names, as the launcher may see it;
// image.Service implements it.
type Images interface {
	Get(ctx context.Context, caller, id string) (image.Image, error)
}

// Catalog is what launches read of the catalog: a product by its code, and
// the operator's instance types; catalog.Service implements it.
type Catalog interface {
	ProductByCode(ctx context.Context, code string) (catalog.Product, error)
	InstanceTypes(ctx context.Context) ([]catalog.InstanceType, error)
}

// Entitlements is the one entitlement check; subscription.Checker
// implements it.
type Entitlements interface {
	Check(ctx context.Context, q subscription.Query) (subscription.Decision, error)
}

// Service is instances.
type Service struct {
	store        Store
	images       Images
	catalog      Catalog
	entitlements Entitlements
	placement    Placement
	clock        clock.Clock
	random       io.Reader
}

// NewService returns the instance service, drawing IDs and addresses from
// crypto/rand.
func NewService(store Store, images Images, cat Catalog, entitlements Entitlements, placement Placement, clk clock.Clock) *Service {
	return &Service{store: store, images: images, catalog: cat, entitlements: entitlements, placement: placement, clock: clk, random: rand.Reader}
}

// Placement returns where instances may run.
func (s *Service) Placement() Placement { return s.placement }

// Run launches instances of an image caller may see, after the launch
// check: an image with a product code launches only on the product's
// instance types, and only for an account the entitlement check says yes
// to. A retry with the same client token returns the first launch's
// instances.
func (s *Service) Run(ctx context.Context, caller string, in RunInput) (out []Instance, err error) {
	defer fault.Annotate(&err, "compute: run %s", in.ImageID)
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.profile, err = ResolveProfile(caller, in.Profile); err != nil {
		return nil, err
	}
	img, err := s.images.Get(ctx, caller, in.ImageID)
	if err != nil {
		return nil, err
	}
	if err := s.checkPlacement(ctx, &in); err != nil {
		return nil, err
	}
	if err := s.checkLaunch(ctx, caller, img.ProductCode, in.InstanceType); err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		out, err = s.launch(tx, caller, in, img)
		return err
	})
	return out, err
}

// checkPlacement checks the instance type against the operator's
// catalogue and the zone against the request's region, filling in the
// region's first zone when none is named.
func (s *Service) checkPlacement(ctx context.Context, in *RunInput) error {
	if in.InstanceType == "" {
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter InstanceType")
	}
	if err := s.checkType(ctx, in.InstanceType); err != nil {
		return err
	}
	if in.Zone == "" {
		in.Zone = s.placement.DefaultZone(in.Region)
	}
	if z, ok := s.placement.ZoneOf(in.Zone); !ok || z.Region != in.Region {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Invalid availability zone: [%s]", clip(in.Zone))
	}
	return nil
}

// checkType refuses an instance type the operator's catalogue does not
// hold.
func (s *Service) checkType(ctx context.Context, name string) error {
	types, err := s.catalog.InstanceTypes(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(types, func(t catalog.InstanceType) bool { return t.Name == name }) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Invalid value '%s' for InstanceType.", clip(name))
	}
	return nil
}

// checkLaunch is the launch check of a paid image: the instance type must
// be one the product runs on, and the one entitlement check must say yes;
// otherwise OptInRequired names the purchase URL.
func (s *Service) checkLaunch(ctx context.Context, caller string, code image.ProductCode, instanceType string) error {
	if code.IsZero() {
		return nil
	}
	p, err := s.catalog.ProductByCode(ctx, code.Code)
	if err != nil && !fault.Is(err, fault.NotFound) {
		return err
	}
	if err == nil && len(p.InstanceTypes) > 0 && !slices.Contains(p.InstanceTypes, instanceType) {
		return fault.Coded(fault.Invalid, "InvalidParameterCombination",
			"The instance type %s is not supported by product code %s; it runs on %s", clip(instanceType), code.Code, strings.Join(p.InstanceTypes, ", "))
	}
	d, err := s.entitlements.Check(ctx, subscription.Query{Account: caller, ProductCode: code.Code, InstanceType: instanceType, At: s.clock.Now()})
	if err != nil {
		return err
	}
	if !d.Entitled {
		return image.OptInRequired(ctx, code.Code, d.Reason)
	}
	return nil
}

// launch creates the instances of one launch in tx, each running from the
// transaction's time with an open running interval, or returns those of an
// earlier launch with the same client token.
func (s *Service) launch(tx Tx, caller string, in RunInput, img image.Image) ([]Instance, error) {
	if in.ClientToken != "" {
		earlier, err := tx.Launched(caller, in.ClientToken)
		if err != nil {
			return nil, err
		}
		if len(earlier) > 0 {
			if earlier[0].LaunchRequest != in.request() {
				return nil, fault.Coded(fault.Conflict, "IdempotentParameterMismatch",
					"The client token %s was used by a launch with other parameters", clip(in.ClientToken))
			}
			return earlier, nil
		}
	}
	now := tx.Now()
	reservation := image.NewID(s.random, "r")
	out := make([]Instance, in.count())
	for i := range out {
		inst := s.newInstance(caller, in, img, reservation, i, now)
		if err := tx.CreateInstance(inst); err != nil {
			return nil, err
		}
		if err := tx.OpenInterval(intervalOf(inst, now)); err != nil {
			return nil, err
		}
		if err := s.tagLaunched(tx, caller, inst, in); err != nil {
			return nil, err
		}
		out[i] = inst
	}
	return out, nil
}

func (s *Service) newInstance(caller string, in RunInput, img image.Image, reservation string, index int, now time.Time) Instance {
	inst := Instance{
		ID: image.NewID(s.random, "i"), Owner: caller, ReservationID: reservation, LaunchIndex: index,
		ImageID: img.ID, InstanceType: in.InstanceType, State: Running, ProductCode: img.ProductCode,
		Platform: img.Platform, Architecture: img.Architecture, LaunchedAt: now, CreatedAt: now,
		ClientToken: in.ClientToken, LaunchRequest: in.request(), Zone: in.Zone, PrivateIP: s.privateIP(),
		KeyName: in.KeyName, RootDeviceName: img.RootDeviceName, RootDeviceType: img.RootDeviceType,
		VirtualizationType: img.VirtualizationType, Profile: in.profile, Metadata: in.Metadata.WithDefaults(),
	}
	if !in.profile.IsZero() {
		inst.Association = s.newAssociation(now)
	}
	for _, d := range img.BlockDevices {
		if d.Ebs == nil {
			continue
		}
		inst.Volumes = append(inst.Volumes, Volume{DeviceName: d.DeviceName, VolumeID: image.NewID(s.random, "vol"),
			SnapshotID: d.Ebs.SnapshotID, SizeGiB: d.Ebs.VolumeSize, VolumeType: d.Ebs.VolumeType, AttachedAt: now,
			DeleteOnTermination: d.Ebs.DeleteOnTermination})
	}
	return inst
}

// privateIP draws an address in 10.0.0.0/8 for a new instance.
func (s *Service) privateIP() string {
	var b [3]byte
	if _, err := io.ReadFull(s.random, b[:]); err != nil {
		panic("compute: reading random bytes: " + err.Error()) // crypto/rand does not fail
	}
	return fmt.Sprintf("10.%d.%d.%d", b[0], b[1], max(b[2], 4))
}

// tagLaunched puts the launch's tags on a new instance and its volumes.
func (s *Service) tagLaunched(tx Tx, caller string, inst Instance, in RunInput) error {
	if err := tx.PutTags(caller, inst.ID, tag.Instance, in.InstanceTags); err != nil {
		return err
	}
	for _, v := range inst.Volumes {
		if err := tx.PutTags(caller, v.VolumeID, tag.Volume, in.VolumeTags); err != nil {
			return err
		}
	}
	return nil
}

func intervalOf(inst Instance, start time.Time) Interval {
	return Interval{InstanceID: inst.ID, Account: inst.Owner, InstanceType: inst.InstanceType, ProductCode: inst.ProductCode, Start: start}
}

// Describe lists caller's instances that in selects, ordered by
// reservation and ID. Naming an instance caller does not own is
// InvalidInstanceID.NotFound.
func (s *Service) Describe(ctx context.Context, caller string, in DescribeInput) (p Page, err error) {
	defer fault.Annotate(&err, "compute: describe")
	if err := in.Validate(); err != nil {
		return Page{}, err
	}
	return s.page(ctx, caller, in)
}

// checkExist refuses the IDs that name none of caller's listed instances.
func (s *Service) checkExist(ctx context.Context, caller string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	since := s.clock.Now().Add(-TerminatedVisibleFor)
	found, err := s.store.List(ctx, Query{Owner: caller, IDs: ids, TerminatedSince: since})
	if err != nil {
		return err
	}
	return missing(ids, found)
}

// page lists one page of caller's instances that a checked input selects.
func (s *Service) page(ctx context.Context, caller string, in DescribeInput) (p Page, err error) {
	if err := s.checkExist(ctx, caller, in.IDs); err != nil {
		return Page{}, err
	}
	since := s.clock.Now().Add(-TerminatedVisibleFor)
	q := Query{Owner: caller, IDs: in.IDs, Filters: in.Filters, TerminatedSince: since, Limit: int(in.MaxResults)}
	q.AfterReservation, q.AfterID, _ = decodeToken(in.NextToken)
	q.Limit = paging.Limit(q.Limit)
	insts, err := s.store.List(ctx, q)
	if err != nil {
		return Page{}, err
	}
	insts, more := paging.Cut(insts, int(in.MaxResults))
	if more {
		last := insts[len(insts)-1]
		p.NextToken = encodeToken(last.ReservationID, last.ID)
	}
	p.Instances = insts
	return p, nil
}

// missing refuses the IDs not among found, naming them all.
func missing(ids []string, found []Instance) error {
	var out []string
	for _, id := range ids {
		if !slices.ContainsFunc(found, func(in Instance) bool { return in.ID == id }) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return fault.Coded(fault.NotFound, "InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", out[0])
	}
	return fault.Coded(fault.NotFound, "InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(out, ", "))
}

// Get returns one of caller's instances.
func (s *Service) Get(ctx context.Context, caller, id string) (Instance, error) {
	if err := CheckID(id); err != nil {
		return Instance{}, err
	}
	inst, err := s.store.Get(ctx, id)
	if fault.Is(err, fault.NotFound) || (err == nil && (inst.Owner != caller || s.gone(inst))) {
		return Instance{}, missing([]string{id}, nil)
	}
	return inst, err
}

// Instance returns an instance whoever owns it, as the instance metadata
// service asks: that service is reached with a key that names the
// instance (imds), not with an account's credentials.
func (s *Service) Instance(ctx context.Context, id string) (Instance, error) {
	if err := CheckID(id); err != nil {
		return Instance{}, err
	}
	inst, err := s.store.Get(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return Instance{}, missing([]string{id}, nil)
	}
	return inst, err
}

// gone reports whether a terminated instance is no longer listed.
func (s *Service) gone(inst Instance) bool {
	return inst.State == Terminated && inst.TerminatedAt.Before(s.clock.Now().Add(-TerminatedVisibleFor))
}

// Stop stops caller's running instances: their running intervals end.
// Stopping a stopped instance changes nothing; a terminated one cannot be
// stopped.
func (s *Service) Stop(ctx context.Context, caller string, ids []string) ([]StateChange, error) {
	return s.transition(ctx, caller, ids, "stopped", func(tx Tx, inst *Instance) (State, error) {
		switch inst.State {
		case Stopped:
			return Stopped, nil
		case Running:
			inst.State, inst.StateReason = Stopped, "Client.UserInitiatedShutdown: User initiated shutdown"
			return Stopping, tx.CloseInterval(inst.ID, tx.Now())
		}
		return "", incorrectState(inst, "stopped")
	})
}

// Start starts caller's stopped instances, after the launch check of their
// product code (a cancelled subscription starts nothing): their running
// intervals begin. Starting a running instance changes nothing.
func (s *Service) Start(ctx context.Context, caller string, ids []string) ([]StateChange, error) {
	if err := s.checkStarts(ctx, caller, ids); err != nil {
		return nil, err
	}
	return s.transition(ctx, caller, ids, "started", func(tx Tx, inst *Instance) (State, error) {
		switch inst.State {
		case Running:
			return Running, nil
		case Stopped:
			now := tx.Now()
			inst.State, inst.StateReason, inst.LaunchedAt = Running, "", now
			return Pending, tx.OpenInterval(intervalOf(*inst, now))
		}
		return "", incorrectState(inst, "started")
	})
}

// checkStarts runs the launch check for each stopped instance to start.
func (s *Service) checkStarts(ctx context.Context, caller string, ids []string) error {
	if err := CheckIDs(ids, true); err != nil {
		return err
	}
	for _, id := range ids {
		inst, err := s.Get(ctx, caller, id)
		if err != nil {
			return err
		}
		if inst.State == Stopped {
			if err := s.checkLaunch(ctx, caller, inst.ProductCode, inst.InstanceType); err != nil {
				return err
			}
		}
	}
	return nil
}

// Terminate terminates caller's instances: running intervals end.
// Terminating a terminated instance changes nothing.
func (s *Service) Terminate(ctx context.Context, caller string, ids []string) ([]StateChange, error) {
	return s.transition(ctx, caller, ids, "terminated", func(tx Tx, inst *Instance) (State, error) {
		switch inst.State {
		case Terminated:
			return Terminated, nil
		case Running:
			if err := tx.CloseInterval(inst.ID, tx.Now()); err != nil {
				return "", err
			}
		}
		inst.State, inst.TerminatedAt = Terminated, tx.Now()
		inst.StateReason = "Client.UserInitiatedShutdown: User initiated shutdown"
		return ShuttingDown, nil
	})
}

// Reboot reboots caller's running instances, which changes nothing that
// can be seen; only running instances can be.
func (s *Service) Reboot(ctx context.Context, caller string, ids []string) error {
	_, err := s.transition(ctx, caller, ids, "rebooted", func(_ Tx, inst *Instance) (State, error) {
		if inst.State != Running {
			return "", incorrectState(inst, "rebooted")
		}
		return Running, nil
	})
	return err
}

// transition applies change to each of caller's instances ids in one
// transaction, all or none. change sets the instance's new state and
// returns the state the answer shows.
func (s *Service) transition(ctx context.Context, caller string, ids []string, what string,
	change func(tx Tx, inst *Instance) (State, error)) (out []StateChange, err error) {
	defer fault.Annotate(&err, "compute: %s %d instances", what, len(ids))
	if err := CheckIDs(ids, true); err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		out = out[:0]
		var absent []string
		for _, id := range ids {
			inst, err := tx.Instance(id)
			if fault.Is(err, fault.NotFound) || (err == nil && (inst.Owner != caller || s.gone(inst))) {
				absent = append(absent, id)
				continue
			}
			if err != nil {
				return err
			}
			prev := inst.State
			shown, err := change(tx, &inst)
			if err != nil {
				return err
			}
			if inst.State != prev {
				if err := tx.PutInstance(inst); err != nil {
					return err
				}
			}
			out = append(out, StateChange{InstanceID: id, Previous: prev, Current: shown})
		}
		return missing(absent, nil)
	})
	return out, err
}

func incorrectState(inst *Instance, what string) error {
	return fault.Coded(fault.Conflict, "IncorrectInstanceState",
		"The instance '%s' is not in a state from which it can be %s.", inst.ID, what)
}

// DescribeAttribute returns one of caller's instances, for the attribute
// DescribeInstanceAttribute asks for.
func (s *Service) DescribeAttribute(ctx context.Context, caller, id string, attr Attribute) (Instance, error) {
	if err := CheckID(id); err != nil {
		return Instance{}, err
	}
	if !slices.Contains(Attributes, attr) {
		return Instance{}, fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter attribute is invalid. Unknown attribute.", clip(string(attr)))
	}
	return s.Get(ctx, caller, id)
}

// Confirmation is ConfirmProductInstance's answer.
type Confirmation struct {
	// Running says whether the instance runs with the code; Owner is then
	// the instance's owner.
	Running bool
	Owner   string
}

// ConfirmProductInstance tells the owner of a product code whether an
// instance is running with that code, and if so whose it is. Only the
// code's owner may ask, and it learns nothing of instances that do not
// carry the code: those, and instances that do not exist, are all "no".
func (s *Service) ConfirmProductInstance(ctx context.Context, caller, id, code string) (c Confirmation, err error) {
	defer fault.Annotate(&err, "compute: confirm %s on %s", code, id)
	if err := CheckID(id); err != nil {
		return c, err
	}
	if code == "" {
		return c, fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter ProductCode")
	}
	p, err := s.catalog.ProductByCode(ctx, code)
	if fault.Is(err, fault.NotFound) || (err == nil && p.Seller != caller) {
		return c, fault.Coded(fault.Forbidden, "AuthFailure", "Not authorized for product code %s", clip(code))
	}
	if err != nil {
		return c, err
	}
	inst, err := s.store.Get(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if inst.State == Running && inst.ProductCode.Code == code {
		return Confirmation{Running: true, Owner: inst.Owner}, nil
	}
	return c, nil
}

// Intervals returns an account's running intervals overlapping [from, to).
func (s *Service) Intervals(ctx context.Context, account string, from, to time.Time) ([]Interval, error) {
	return s.store.Intervals(ctx, account, from, to)
}

package compute

import (
	"context"
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/paging"
)

// ProfileAssociation is an instance's association with its IAM instance
// profile, as EC2's IamInstanceProfileAssociation names it: made by a
// launch with a profile or by AssociateIamInstanceProfile, replaced by
// ReplaceIamInstanceProfileAssociation (which makes a new one), ended by
// DisassociateIamInstanceProfile. An instance holds at most one; its zero
// value is none, and an instance has one exactly when it has a profile.
// It ends with the instance: a terminated instance's association is no
// longer listed or found.
type ProfileAssociation struct {
	ID string    // "iip-assoc-" and 17 lowercase hex digits
	At time.Time // when it was made
}

// IsZero reports whether there is no association.
func (a ProfileAssociation) IsZero() bool { return a.ID == "" }

// AssociationState is an association's state, as EC2 names it.
type AssociationState string

// The states. A change takes effect at the time of the request that makes
// it, as an instance's do: a stored association is associated, and the
// answers of the requests that change one show the transitional state
// (associating, disassociating) as EC2's do.
const (
	Associating    AssociationState = "associating"
	Associated     AssociationState = "associated"
	Disassociating AssociationState = "disassociating"
	Disassociated  AssociationState = "disassociated"
)

// Association is what the association operations answer: an instance's
// association, its profile, and the state shown.
type Association struct {
	ID         string
	InstanceID string
	Profile    InstanceProfile
	State      AssociationState
	At         time.Time
}

func associationOf(inst Instance, state AssociationState) Association {
	return Association{ID: inst.Association.ID, InstanceID: inst.ID, Profile: inst.Profile, State: state, At: inst.Association.At}
}

// associationIDPattern is an association ID: iip-assoc- and 17 lowercase
// hex digits.
var associationIDPattern = regexp.MustCompile(`^iip-assoc-[0-9a-f]{17}$`)

// CheckAssociationID refuses a malformed association ID.
func CheckAssociationID(id string) error {
	if id == "" {
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter AssociationId")
	}
	if !associationIDPattern.MatchString(id) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue",
			"Value (%s) for parameter associationId is invalid. Expected an ID such as iip-assoc-0123456789abcdef0.", clip(id))
	}
	return nil
}

func noAssociation(id string) error {
	return fault.Coded(fault.NotFound, "InvalidAssociationID.NotFound", "The association ID '%s' does not exist", id)
}

// AssociateInput associates a profile with an instance.
type AssociateInput struct {
	InstanceID string
	Profile    ProfileRequest
}

// Validate checks everything that needs no store.
func (in AssociateInput) Validate() error {
	if in.InstanceID == "" {
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter InstanceId")
	}
	if err := CheckID(in.InstanceID); err != nil {
		return err
	}
	return requireProfile(in.Profile)
}

// ReplaceInput replaces an association's profile.
type ReplaceInput struct {
	AssociationID string
	Profile       ProfileRequest
}

// Validate checks everything that needs no store.
func (in ReplaceInput) Validate() error {
	if err := CheckAssociationID(in.AssociationID); err != nil {
		return err
	}
	return requireProfile(in.Profile)
}

func requireProfile(p ProfileRequest) error {
	if p.ARN == "" && p.Name == "" {
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter IamInstanceProfile (its Arn or its Name)")
	}
	return nil
}

// AssociationFilterNames are the DescribeIamInstanceProfileAssociations
// filters.
var AssociationFilterNames = []string{"instance-id", "state"}

// DescribeAssociationsInput selects associations.
type DescribeAssociationsInput struct {
	IDs        []string
	Filters    []filter.Filter
	MaxResults int64 // 0: everything at once
	NextToken  string
}

// Validate checks everything that needs no store.
func (in DescribeAssociationsInput) Validate() error {
	if len(in.IDs) > MaxIDs {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The request names %d associations; at most %d are allowed", len(in.IDs), MaxIDs)
	}
	for _, id := range in.IDs {
		if err := CheckAssociationID(id); err != nil {
			return err
		}
	}
	if in.MaxResults != 0 && (in.MaxResults < MinListResults || in.MaxResults > MaxListResults) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%d) for parameter maxResults is invalid. Expect a number between %d and %d.", in.MaxResults, MinListResults, MaxListResults)
	}
	if _, err := decodeAssociationToken(in.NextToken); err != nil {
		return err
	}
	return filter.Check(in.Filters, filter.Named(AssociationFilterNames))
}

// shown reports whether the state filters match the state stored
// associations show (Associated).
func (in DescribeAssociationsInput) shown() bool {
	for _, f := range in.Filters {
		if f.Name == "state" && !filter.MatchAny(f.Values, string(Associated)) {
			return false
		}
	}
	return true
}

// AssociationPage is one page of associations.
type AssociationPage struct {
	Associations []Association
	NextToken    string
}

// AssociationQuery selects the associations of the instances of an owner
// that are not terminated, for Store.Associations.
type AssociationQuery struct {
	Owner string
	IDs   []string
	// InstanceIDs are the values of instance-id filters, each a list that
	// must match (wildcards allowed).
	InstanceIDs [][]string
	// AfterID is the last association of the previous page; Limit bounds
	// the page (0: no bound).
	AfterID string
	Limit   int
}

// The pagination token is the last association of a page,
// base64-encoded so that clients treat it as opaque.
func encodeAssociationToken(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("association:" + id))
}

func decodeAssociationToken(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	id, ok := strings.CutPrefix(string(b), "association:")
	if err != nil || !ok || !associationIDPattern.MatchString(id) {
		return "", fault.Coded(fault.Invalid, "InvalidPaginationToken", "The pagination token %q is invalid", clip(token))
	}
	return id, nil
}

// Associate associates a profile of caller's account with one of caller's
// running or stopped instances. An instance holds one association at a
// time: one that has one is IncorrectState, as on EC2, whose answer to
// that is to replace it. From then on the instance's metadata service
// serves the new role's credentials.
func (s *Service) Associate(ctx context.Context, caller string, in AssociateInput) (out Association, err error) {
	defer fault.Annotate(&err, "compute: associate a profile with %s", in.InstanceID)
	if err := in.Validate(); err != nil {
		return out, err
	}
	return s.associateWith(ctx, caller, in.Profile, func(tx Tx) (Instance, error) {
		inst, err := tx.Instance(in.InstanceID)
		if fault.Is(err, fault.NotFound) || (err == nil && (inst.Owner != caller || s.gone(inst))) {
			return inst, missing([]string{in.InstanceID}, nil)
		}
		if err != nil {
			return inst, err
		}
		if inst.State != Running && inst.State != Stopped {
			return inst, fault.Coded(fault.Conflict, "IncorrectInstanceState",
				"The instance '%s' is %s: a profile is associated with a running or stopped instance only", inst.ID, inst.State)
		}
		if !inst.Association.IsZero() {
			return inst, fault.Coded(fault.Conflict, "IncorrectState", "There is an existing association for instance %s", inst.ID)
		}
		return inst, nil
	})
}

// associateWith resolves the profile p names and, in one write, gives the
// instance find returns a new association with it: what associating and
// replacing share once each has found its instance.
func (s *Service) associateWith(ctx context.Context, caller string, p ProfileRequest, find func(Tx) (Instance, error)) (out Association, err error) {
	profile, err := ResolveProfile(caller, p)
	if err != nil {
		return out, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		inst, err := find(tx)
		if err != nil {
			return err
		}
		inst.Profile, inst.Association = profile, s.newAssociation(tx.Now())
		out = associationOf(inst, Associating)
		return tx.PutInstance(inst)
	})
	return out, err
}

func (s *Service) newAssociation(now time.Time) ProfileAssociation {
	return ProfileAssociation{ID: image.NewID(s.random, "iip-assoc"), At: now}
}

// Replace replaces the profile of one of caller's associations with
// another of caller's account: the instance gets a new association, and
// its metadata service serves the new role's credentials.
func (s *Service) Replace(ctx context.Context, caller string, in ReplaceInput) (out Association, err error) {
	defer fault.Annotate(&err, "compute: replace the association %s", in.AssociationID)
	if err := in.Validate(); err != nil {
		return out, err
	}
	return s.associateWith(ctx, caller, in.Profile, func(tx Tx) (Instance, error) {
		return s.associated(tx, caller, in.AssociationID)
	})
}

// Disassociate ends one of caller's associations: the instance has no
// profile, its metadata service no role, and it is issued no more
// credentials (those issued work until they expire, as on AWS).
func (s *Service) Disassociate(ctx context.Context, caller, id string) (out Association, err error) {
	defer fault.Annotate(&err, "compute: disassociate %s", id)
	if err := CheckAssociationID(id); err != nil {
		return out, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		inst, err := s.associated(tx, caller, id)
		if err != nil {
			return err
		}
		out = associationOf(inst, Disassociating)
		inst.Profile, inst.Association = InstanceProfile{}, ProfileAssociation{}
		return tx.PutInstance(inst)
	})
	return out, err
}

// associated returns the instance of one of caller's associations; an
// association of another account's instance, or of a terminated one, is
// not found.
func (s *Service) associated(tx Tx, caller, id string) (Instance, error) {
	inst, err := tx.InstanceByAssociation(id)
	if fault.Is(err, fault.NotFound) || (err == nil && (inst.Owner != caller || inst.State == Terminated)) {
		return Instance{}, noAssociation(id)
	}
	return inst, err
}

// DescribeAssociations lists caller's associations that in selects,
// ordered by ID: those of caller's instances that are not terminated.
// Naming an association caller does not have is
// InvalidAssociationID.NotFound.
func (s *Service) DescribeAssociations(ctx context.Context, caller string, in DescribeAssociationsInput) (p AssociationPage, err error) {
	defer fault.Annotate(&err, "compute: describe associations")
	if err := in.Validate(); err != nil {
		return p, err
	}
	if len(in.IDs) > 0 {
		found, err := s.store.Associations(ctx, AssociationQuery{Owner: caller, IDs: in.IDs})
		if err != nil {
			return p, err
		}
		for _, id := range in.IDs {
			if !slices.ContainsFunc(found, func(inst Instance) bool { return inst.Association.ID == id }) {
				return p, noAssociation(id)
			}
		}
	}
	if !in.shown() {
		return p, nil
	}
	q := AssociationQuery{Owner: caller, IDs: in.IDs, Limit: int(in.MaxResults)}
	q.AfterID, _ = decodeAssociationToken(in.NextToken)
	for _, f := range in.Filters {
		if f.Name == "instance-id" {
			q.InstanceIDs = append(q.InstanceIDs, f.Values)
		}
	}
	q.Limit = paging.Limit(q.Limit)
	insts, err := s.store.Associations(ctx, q)
	if err != nil {
		return p, err
	}
	insts, more := paging.Cut(insts, int(in.MaxResults))
	if more {
		p.NextToken = encodeAssociationToken(insts[len(insts)-1].Association.ID)
	}
	for _, inst := range insts {
		p.Associations = append(p.Associations, associationOf(inst, Associated))
	}
	return p, nil
}

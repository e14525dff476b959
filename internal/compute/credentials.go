package compute

import (
	"context"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/fault"
)

// Sessions issues the temporary credentials of instances' roles;
// account.Service implements it.
type Sessions interface {
	InstanceSession(ctx context.Context, in account.InstanceSessionInput) (account.AccessKey, error)
}

// Credentials is where an instance's metadata service gets the instance's
// role and its temporary credentials (iam/security-credentials/<role>).
// The credentials act as the instance's owner, with the account's full
// rights, as the role session named after the instance; they work until
// they expire or the instance terminates (account.InstanceSessionDuration
// says how long, and how often new ones are issued).
type Credentials struct {
	instances Store
	sessions  Sessions
}

// NewCredentials returns the instance credentials of the instances in
// store, issued by sessions.
func NewCredentials(store Store, sessions Sessions) *Credentials {
	return &Credentials{instances: store, sessions: sessions}
}

// Role is the name of the role the instance's profile carries; "" when it
// has none.
func (c *Credentials) Role(ctx context.Context, instanceID string) (string, error) {
	inst, err := c.instance(ctx, instanceID)
	if err != nil {
		return "", err
	}
	return inst.Profile.Role(), nil
}

// Issue returns temporary credentials of the instance's role that act as
// the instance's owner and name the instance: the instance's current
// session while it has long enough to run, a new one otherwise. Only a
// running instance gets credentials: a stopped one's issued credentials
// work until they expire, as on AWS, but it gets no new ones; a role the
// instance does not carry is NotFound.
func (c *Credentials) Issue(ctx context.Context, instanceID, role string) (key account.AccessKey, err error) {
	defer fault.Annotate(&err, "compute: credentials of %s for role %s", instanceID, clip(role))
	inst, err := c.instance(ctx, instanceID)
	if err != nil {
		return account.AccessKey{}, err
	}
	if r := inst.Profile.Role(); r == "" || r != role {
		return account.AccessKey{}, fault.New(fault.NotFound, "instance %s has no role %q", inst.ID, clip(role))
	}
	if inst.State != Running {
		return account.AccessKey{}, fault.Coded(fault.Conflict, "IncorrectInstanceState",
			"The instance '%s' is %s: credentials are issued to running instances only", inst.ID, inst.State)
	}
	return c.sessions.InstanceSession(ctx, account.InstanceSessionInput{AccountID: inst.Owner, Role: role, Instance: inst.ID})
}

func (c *Credentials) instance(ctx context.Context, id string) (Instance, error) {
	if err := CheckID(id); err != nil {
		return Instance{}, err
	}
	inst, err := c.instances.Get(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return Instance{}, missing([]string{id}, nil)
	}
	return inst, err
}

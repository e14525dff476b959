package imds

import (
	"context"
	"net/url"

	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
)

// Endpoint returns the URL that, set as AWS_EC2_METADATA_SERVICE_ENDPOINT,
// makes the stock clients read instanceID's metadata from the listener at
// base ("http://127.0.0.1:7071"): the instance and its key both as user
// information and as the path (see the package comment). Whoever holds it
// reads the instance's metadata and its role's credentials, so only the
// instance's owner is given it.
func (s *Server) Endpoint(ctx context.Context, base, instanceID string) (string, error) {
	if err := compute.CheckID(instanceID); err != nil {
		return "", err
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fault.New(fault.Internal, "the metadata listener's address %q is not an http URL", base)
	}
	keys, err := s.cfg.Keys.material(ctx)
	if err != nil {
		return "", err
	}
	key := keys.endpointKey(instanceID)
	u.User = url.UserPassword(instanceID, key)
	u.Path, u.RawQuery, u.Fragment = "/"+instanceID+"/"+key+"/", "", ""
	return u.String(), nil
}

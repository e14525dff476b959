package imds

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
)

// The content types of answers: text for values and listings, as EC2's.
const textPlain = "text/plain"

func secondsOf(n int) time.Duration { return time.Duration(n) * time.Second }

var errNotFound = fault.New(fault.NotFound, "no such metadata")

// answer returns what a GET of q.path answers. A listing ends in no
// newline and names directories with a trailing slash; a path may be
// asked for with or without its trailing slash.
func (s *Server) answer(ctx context.Context, q request) ([]byte, string, error) {
	p := strings.TrimSuffix(q.path, "/")
	switch {
	case p == "":
		return listing("latest")
	case p == "/latest":
		return listing("dynamic", "meta-data")
	case p == "/latest/meta-data" || strings.HasPrefix(p, "/latest/meta-data/"):
		return s.metadata(ctx, q.inst, strings.TrimPrefix(strings.TrimPrefix(p, "/latest/meta-data"), "/"))
	case p == "/latest/dynamic":
		return listing("instance-identity/")
	case p == "/latest/dynamic/instance-identity":
		return listing("document", "pkcs7", "rsa2048", "signature")
	case strings.HasPrefix(p, "/latest/dynamic/instance-identity/"):
		return s.identity(ctx, q, strings.TrimPrefix(p, "/latest/dynamic/instance-identity/"))
	}
	return nil, "", errNotFound
}

func listing(entries ...string) ([]byte, string, error) {
	return []byte(strings.Join(entries, "\n")), textPlain, nil
}

func text(s string) ([]byte, string, error) { return []byte(s), textPlain, nil }

// metadata answers a path under /latest/meta-data/.
func (s *Server) metadata(ctx context.Context, inst compute.Instance, p string) ([]byte, string, error) {
	if v, ok := s.values(inst)[p]; ok {
		return text(v)
	}
	switch {
	case p == "":
		return s.metadataListing(ctx, inst)
	case p == "placement":
		return listing("availability-zone", "availability-zone-id", "region")
	case p == "iam" || strings.HasPrefix(p, "iam/"):
		return s.iam(ctx, inst, strings.TrimPrefix(strings.TrimPrefix(p, "iam"), "/"))
	}
	return nil, "", errNotFound
}

// values are the plain values under /latest/meta-data/.
func (s *Server) values(inst compute.Instance) map[string]string {
	zone, region := s.zone(inst)
	v := map[string]string{
		"ami-id":                         inst.ImageID,
		"ami-launch-index":               strconv.Itoa(inst.LaunchIndex),
		"hostname":                       inst.PrivateDNSName(),
		"instance-id":                    inst.ID,
		"instance-life-cycle":            "on-demand",
		"instance-type":                  inst.InstanceType,
		"local-hostname":                 inst.PrivateDNSName(),
		"local-ipv4":                     inst.PrivateIP,
		"reservation-id":                 inst.ReservationID,
		"placement/availability-zone":    inst.Zone,
		"placement/availability-zone-id": zone.ID,
		"placement/region":               region,
	}
	if !inst.ProductCode.IsZero() {
		v["product-codes"] = inst.ProductCode.Code
	}
	return v
}

// metadataListing lists /latest/meta-data/: the values the instance has,
// and the iam directory only for an instance with a role.
func (s *Server) metadataListing(ctx context.Context, inst compute.Instance) ([]byte, string, error) {
	var entries []string
	for k := range s.values(inst) {
		if !strings.Contains(k, "/") {
			entries = append(entries, k)
		}
	}
	entries = append(entries, "placement/")
	role, err := s.role(ctx, inst)
	if err != nil {
		return nil, "", err
	}
	if role != "" {
		entries = append(entries, "iam/")
	}
	slices.Sort(entries)
	return listing(entries...)
}

// zone returns the instance's zone and its region.
func (s *Server) zone(inst compute.Instance) (compute.Zone, string) {
	z, ok := s.cfg.Instances.Placement().ZoneOf(inst.Zone)
	if !ok {
		// A zone the operator no longer offers: its region is its name
		// less the zone's letter.
		return compute.Zone{Name: inst.Zone}, strings.TrimRight(inst.Zone, "abcdefghijklmnopqrstuvwxyz")
	}
	return z, z.Region
}

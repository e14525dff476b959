// Package imds is the instance metadata service: what software inside an
// instance asks of http://169.254.169.254 on EC2 (its instance ID, image,
// type, product codes, placement, the signed instance identity document
// and its role's temporary credentials), served on a listener of its own
// for every instance at once.
//
// One listener serves every instance, so a request names its instance in
// the endpoint it was sent to, with a key that proves the endpoint came
// from the instance's owner (`tollgate instance metadata-endpoint`):
//
//	http://<instance-id>:<key>@HOST:PORT/<instance-id>/<key>/
//
// That one URL, set as AWS_EC2_METADATA_SERVICE_ENDPOINT, works with both
// families of stock clients, which treat it differently: botocore (and so
// the AWS CLI and boto3) appends "latest/..." to the whole URL, keeping
// its path, while aws-sdk-go-v2's feature/ec2/imds replaces the path and
// keeps the user information, which Go's HTTP client sends as Basic
// authentication. The service reads the instance from whichever it gets;
// when both come they must agree.
//
// IMDSv2 session tokens (PUT /latest/api/token) are stateless MACs bound
// to the instance and expiring on the injected clock; IMDSv1 requests
// (no token) are answered unless the instance was launched with
// MetadataOptions HttpTokens=required. An unknown, stopped or terminated
// instance, a wrong key and an unknown path are all 404, with the HTML
// body EC2's service sends.
package imds

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/fault"
)

// The headers of IMDSv2.
const (
	TokenHeader    = "X-Aws-Ec2-Metadata-Token"
	TokenTTLHeader = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
)

// maxPathLength bounds the paths worth looking at; every path the service
// answers is far shorter.
const maxPathLength = 1024

// Instances is what the service reads of instances; compute.Service
// implements it.
type Instances interface {
	// Instance returns an instance whoever owns it.
	Instance(ctx context.Context, id string) (compute.Instance, error)
	Placement() compute.Placement
}

// Config is what the service is built from.
type Config struct {
	Instances Instances
	Keys      *Keys
	// Credentials gives instances' roles and temporary credentials; nil:
	// no instance has a role, and the iam paths are not found.
	Credentials Credentials
	Clock       clock.Clock
	Log         *slog.Logger
}

// Server is the metadata service's HTTP handler.
type Server struct{ cfg Config }

// New returns the service.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	return &Server{cfg: cfg}
}

// request is one request, once its instance is known.
type request struct {
	w    http.ResponseWriter
	r    *http.Request
	inst compute.Instance
	keys *keyMaterial
	path string // the path after the instance prefix: "/latest/meta-data/..."
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "EC2ws")
	if len(r.URL.Path) > maxPathLength {
		s.status(w, http.StatusNotFound, "")
		return
	}
	id, key, path, ok := identify(r)
	if !ok {
		s.status(w, http.StatusNotFound, "This metadata service serves many instances: send requests to the endpoint "+
			"`tollgate instance metadata-endpoint --instance-id ID` prints (set it as AWS_EC2_METADATA_SERVICE_ENDPOINT).")
		return
	}
	ctx := r.Context()
	keys, err := s.cfg.Keys.material(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !keys.checkEndpointKey(id, key) {
		s.status(w, http.StatusNotFound, "")
		return
	}
	inst, err := s.cfg.Instances.Instance(ctx, id)
	switch {
	case fault.Is(err, fault.NotFound) || fault.Is(err, fault.Invalid):
		s.status(w, http.StatusNotFound, "")
		return
	case err != nil:
		s.internal(w, r, err)
		return
	case !answered(inst):
		s.status(w, http.StatusNotFound, "")
		return
	}
	s.route(request{w: w, r: r, inst: inst, keys: keys, path: path})
}

// answered reports whether the service answers an instance: only one that
// runs (software in a stopped or terminated instance asks nothing), and
// whose metadata endpoint was not disabled at launch.
func answered(inst compute.Instance) bool {
	return (inst.State == compute.Running || inst.State == compute.Pending) && !inst.Metadata.Disabled()
}

// identify finds the instance a request names, and the path it asks for:
// from the path's first two segments (botocore's clients) or from Basic
// authentication (aws-sdk-go-v2's, from the endpoint's user
// information); both, if both are there, must name the same.
func identify(r *http.Request) (id, key, path string, ok bool) {
	path = r.URL.Path
	fromPath := strings.HasPrefix(path, "/i-")
	if fromPath {
		var rest string
		id, rest, _ = strings.Cut(path[1:], "/")
		key, rest, ok = strings.Cut(rest, "/")
		if !ok {
			return "", "", "", false
		}
		path = "/" + rest
	}
	user, pass, basic := r.BasicAuth()
	switch {
	case fromPath && basic && (user != id || pass != key):
		return "", "", "", false
	case basic && !fromPath:
		id, key = user, pass
	case !fromPath:
		return "", "", "", false
	}
	return id, key, path, id != "" && key != ""
}

// route answers the path of a request whose instance is known.
func (s *Server) route(q request) {
	if q.path == "/latest/api/token" {
		if q.r.Method != http.MethodPut {
			s.notAllowed(q.w, http.MethodPut)
			return
		}
		s.issueToken(q)
		return
	}
	if q.r.Method != http.MethodGet && q.r.Method != http.MethodHead {
		s.notAllowed(q.w, "GET, HEAD")
		return
	}
	if !s.authorized(q) {
		s.status(q.w, http.StatusUnauthorized, "")
		return
	}
	body, ctype, err := s.answer(q.r.Context(), q)
	switch {
	case fault.Is(err, fault.NotFound):
		s.status(q.w, http.StatusNotFound, "")
	case err != nil:
		s.internal(q.w, q.r, err)
	default:
		q.w.Header().Set("Content-Type", ctype)
		q.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = q.w.Write(body)
	}
}

// issueToken answers PUT /latest/api/token: a session token for the
// instance, valid for the seconds the TTL header asks (1 to 21600), which
// the answer echoes (aws-sdk-go-v2 reads the TTL from it). A request that
// went through a proxy (X-Forwarded-For) is refused, as EC2 refuses it.
func (s *Server) issueToken(q request) {
	if q.r.Header.Get("X-Forwarded-For") != "" {
		s.status(q.w, http.StatusForbidden, "")
		return
	}
	raw := q.r.Header.Get(TokenTTLHeader)
	ttl, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || ttl < MinTokenTTL || ttl > MaxTokenTTL {
		s.status(q.w, http.StatusBadRequest, "")
		return
	}
	expires := s.cfg.Clock.Now().Add(secondsOf(ttl))
	token := q.keys.issueToken(q.inst.ID, expires)
	q.w.Header().Set(TokenTTLHeader, strconv.Itoa(ttl))
	q.w.Header().Set("Content-Type", "text/plain")
	q.w.Header().Set("Content-Length", strconv.Itoa(len(token)))
	_, _ = q.w.Write([]byte(token))
}

// authorized checks a GET's session token: one it carries must be valid
// for the instance now (else 401); none is IMDSv1, answered unless the
// instance requires tokens.
func (s *Server) authorized(q request) bool {
	tokens := q.r.Header.Values(TokenHeader)
	if len(tokens) == 0 {
		return !q.inst.Metadata.TokensRequired()
	}
	return len(tokens) == 1 && q.keys.checkToken(tokens[0], q.inst.ID, s.cfg.Clock.Now())
}

// status answers with an error status and the HTML page EC2's metadata
// service sends with it, and a sentence of explanation when there is one
// worth giving.
func (s *Server) status(w http.ResponseWriter, code int, explain string) {
	title := fmt.Sprintf("%d - %s", code, http.StatusText(code))
	var more string
	if explain != "" {
		more = "\n  <p>" + htmlEscape(explain) + "</p>"
	}
	body := `<?xml version="1.0" encoding="iso-8859-1"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
	"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title>` + title + `</title>
 </head>
 <body>
  <h1>` + title + `</h1>` + more + `
 </body>
</html>
`
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}

func (s *Server) notAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	s.status(w, http.StatusMethodNotAllowed, "")
}

// internal answers a failure of the server's own (the store, the key) with
// 500, logged with its cause.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Log.Error("metadata request failed", "path", clip(r.URL.Path), "err", err)
	s.status(w, http.StatusInternalServerError, "")
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "`", "&#96;").Replace(s)
}

// clip shortens what a client sent for a log line.
func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

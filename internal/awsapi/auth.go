package awsapi

import (
	"cmp"
	"context"
	"crypto/subtle"
	"net/http"
	"sync"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/awsapi/sigv4"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/sealed"
)

// Authenticator decides who a request comes from. It looks only at the
// request line and headers, so that a request they condemn (no signature, an
// unknown key, a stale date, an expired presigned URL) is refused before its
// body is read; what needs the body, the signature over it, is left in the
// Identity for the router to check once the body is in.
type Authenticator interface {
	Identify(ctx context.Context, r *http.Request) (Identity, error)
}

// Identity is who a request says it comes from, as far as its headers tell.
type Identity struct {
	Principal account.Principal
	Region    string
	// Scope is the service named in the signature's credential scope; ""
	// when the request is unsigned or its signature unreadable. It is set
	// alongside an error too, so that the refusal is answered in the
	// format of the service the client meant.
	Scope string

	pending *sigv4.Pending // the signature still to check over the body; nil: none
}

// Verify checks the signature over the body, when the authenticator left
// that to do; it is the last step of authentication.
func (id *Identity) Verify(r *http.Request, body []byte) error {
	if id.pending == nil {
		return nil
	}
	return id.pending.Verify(r, body)
}

// Authenticate runs both steps at once, for callers that have the body.
func Authenticate(ctx context.Context, a Authenticator, r *http.Request, body []byte) (Identity, error) {
	id, err := a.Identify(ctx, r)
	if err == nil {
		err = id.Verify(r, body)
	}
	return id, err
}

// KeyLookup finds an access key by ID; NotFound when unknown.
type KeyLookup func(ctx context.Context, id string) (account.AccessKey, error)

// Strict verifies SigV4 against registered access keys.
type Strict struct {
	keys       KeyLookup
	verifier   sigv4.Verifier
	sessionNow func() time.Time
}

// NewStrict returns an authenticator that accepts only requests signed with
// a registered key, at a time within 15 minutes of now().
func NewStrict(keys KeyLookup, now func() time.Time) *Strict {
	s := &Strict{keys: keys, sessionNow: now}
	s.verifier = sigv4.Verifier{Now: now, Secrets: func(ctx context.Context, id string) (string, error) {
		k, err := keys(ctx, id)
		return k.Secret, err
	}}
	return s
}

// SessionClock sets the clock that temporary credentials expire by: the
// clock that stamped their expiry (a simulated one, say), where signatures
// are checked against the wall clock. It returns s.
func (s *Strict) SessionClock(now func() time.Time) *Strict {
	s.sessionNow = now
	return s
}

// SecurityTokenHeader carries the session token of temporary credentials
// (or, in a presigned URL, the query parameter of the same name).
const SecurityTokenHeader = "X-Amz-Security-Token"

// checkSession accepts temporary credentials only with their session token,
// only until they expire, and, for an instance's, only while the instance
// has not terminated.
func (s *Strict) checkSession(r *http.Request, sess *account.RoleSession) error {
	token := cmp.Or(r.Header.Get(SecurityTokenHeader), r.URL.Query().Get(SecurityTokenHeader))
	if token == "" || subtle.ConstantTimeCompare([]byte(sealed.HashToken(token)), []byte(sess.TokenHash)) != 1 {
		return fault.New(fault.UnknownCredentials, "The security token included in the request is invalid.")
	}
	if !s.sessionNow().Before(sess.Expires) {
		return fault.Coded(fault.Expired, "ExpiredTokenException", "The security token included in the request is expired")
	}
	if why, revoked := sess.Revoked(); revoked {
		return fault.New(fault.UnknownCredentials, "The security token included in the request is invalid: %s.", why)
	}
	return nil
}

// Identify checks the signature's form, time and key, and leaves its check
// over the body to Identity.Verify.
func (s *Strict) Identify(ctx context.Context, r *http.Request) (Identity, error) {
	p, err := s.verifier.Check(ctx, r)
	id := Identity{Scope: p.Credential.Service, Region: p.Credential.Region}
	if err != nil {
		return id, err
	}
	key, err := s.keys(ctx, p.Credential.AccessKeyID)
	if err != nil { // deleted between the two reads
		return id, fault.New(fault.UnknownCredentials, "The security token included in the request is invalid.")
	}
	if key.Role != nil {
		if err := s.checkSession(r, key.Role); err != nil {
			return id, err
		}
	}
	id.Principal = account.PrincipalOf(key)
	id.pending = &p
	return id, nil
}

// Emulator accepts any credentials, as LocalStack does: a registered key
// acts as its account, a 12-digit key ID as that account, and anything else
// (including no signature) as the default account.
type Emulator struct {
	keys           KeyLookup
	defaultAccount string
}

// NewEmulator returns the permissive authenticator.
func NewEmulator(keys KeyLookup, defaultAccount string) *Emulator {
	return &Emulator{keys: keys, defaultAccount: defaultAccount}
}

// Identify maps the presented key to an account without checking the
// signature; it refuses only when the store cannot tell whose key it is.
func (e *Emulator) Identify(ctx context.Context, r *http.Request) (Identity, error) {
	sig, err := sigv4.Parse(r)
	if err != nil {
		return Identity{Principal: account.Principal{AccountID: e.defaultAccount}, Region: "us-east-1"}, nil
	}
	id := Identity{Region: sig.Credential.Region, Scope: sig.Credential.Service}
	kid := sig.Credential.AccessKeyID
	switch key, err := e.keys(ctx, kid); {
	case err == nil:
		// Temporary credentials keep their limits, though nothing else
		// of them is checked.
		id.Principal = account.PrincipalOf(key)
	case !fault.Is(err, fault.NotFound):
		// The store could not say whose key it is (unavailable, or sealed
		// under a key this server lacks): acting as some other account
		// would be wrong, so the request is refused with that error.
		return id, err
	case account.ValidID(kid):
		id.Principal = account.Principal{AccountID: kid, AccessKeyID: kid}
	default:
		id.Principal = account.Principal{AccountID: e.defaultAccount, AccessKeyID: kid}
	}
	return id, nil
}

// KeyCache remembers access keys for a short while, so that a busy client
// does not cost a database read per request. A deleted key stops working
// within one TTL.
type KeyCache struct {
	lookup KeyLookup
	ttl    time.Duration
	now    func() time.Time

	mu      sync.RWMutex
	entries map[string]cachedKey
	sweepAt int // size at which the next insert first drops expired entries
}

type cachedKey struct {
	key     account.AccessKey
	expires time.Time
}

// maxCachedKeys bounds the cache; it is emptied when full.
const maxCachedKeys = 100_000

// sweepFloor is the smallest size at which expired entries are dropped. A
// sweep happens when the cache has doubled since the last one, so its cost
// is spread over the inserts in between, and a server whose clients sign
// with many different keys (a million buyers) holds about as many entries as
// keys were used within one TTL, not every key it ever saw.
const sweepFloor = 1024

// NewKeyCache wraps lookup with a cache of the given TTL.
func NewKeyCache(lookup KeyLookup, ttl time.Duration, now func() time.Time) *KeyCache {
	return &KeyCache{lookup: lookup, ttl: ttl, now: now, entries: map[string]cachedKey{}, sweepAt: sweepFloor}
}

// Lookup returns the key, from the cache when fresh. Unknown keys are not
// cached, so a key created a moment ago works at once; nor are an
// instance's temporary credentials, whose lookup reads the instance's
// state, so that they stop working the moment it terminates.
func (c *KeyCache) Lookup(ctx context.Context, id string) (account.AccessKey, error) {
	now := c.now()
	c.mu.RLock()
	e, ok := c.entries[id]
	c.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.key, nil
	}
	key, err := c.lookup(ctx, id)
	if err != nil {
		return account.AccessKey{}, err
	}
	if key.Role != nil && key.Role.Instance != "" {
		return key, nil
	}
	c.mu.Lock()
	if len(c.entries) >= c.sweepAt {
		c.dropExpired(now)
	}
	c.entries[id] = cachedKey{key: key, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return key, nil
}

// dropExpired removes the entries past their TTL, and everything if the
// cache is still full; the caller holds mu.
func (c *KeyCache) dropExpired(now time.Time) {
	for id, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, id)
		}
	}
	if len(c.entries) >= maxCachedKeys {
		c.entries = map[string]cachedKey{}
	}
	c.sweepAt = min(maxCachedKeys, max(sweepFloor, 2*len(c.entries)))
}

// Len says how many keys the cache holds, expired ones included.
func (c *KeyCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// Forget drops every cached key, for a reset.
func (c *KeyCache) Forget() {
	c.mu.Lock()
	c.entries = map[string]cachedKey{}
	c.sweepAt = sweepFloor
	c.mu.Unlock()
}

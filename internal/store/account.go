package store

import (
	"context"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/sealed"
)

// Accounts implements account.Store.
type Accounts struct{ db *DB }

// Accounts returns the account store.
func (db *DB) Accounts() *Accounts { return &Accounts{db: db} }

var _ account.Store = (*Accounts)(nil)

// CreateAccount stores an account with its first key in one transaction.
func (s *Accounts) CreateAccount(ctx context.Context, a account.Account, key account.AccessKey) error {
	return s.db.Update(ctx, func(tx *Tx) error { return tx.CreateAccount(a, key) })
}

// CreateAccount stores an account with its first key inside the
// transaction: for bulk loads, which write many in one.
func (t *Tx) CreateAccount(a account.Account, key account.AccessKey) error {
	if _, err := t.Exec(`INSERT INTO accounts (id, name, email, operator, created_at) VALUES (?, ?, ?, ?, ?)`,
		a.ID, a.Name, a.Email, boolInt(a.Operator), a.CreatedAt.UnixNano()); err != nil {
		return err
	}
	return insertKey(t, key)
}

// insertKey stores a key with its secret sealed, bound to the key's ID.
func insertKey(tx *Tx, key account.AccessKey) error {
	secret, err := tx.seal([]byte(key.Secret), "access_keys", key.ID)
	if err != nil {
		return err
	}
	_, err = tx.Exec(`INSERT INTO access_keys (id, secret, account_id, created_at) VALUES (?, ?, ?, ?)`,
		key.ID, secret, key.AccountID, key.CreatedAt.UnixNano())
	return err
}

// GetAccount returns one account.
func (s *Accounts) GetAccount(ctx context.Context, id string) (account.Account, error) {
	a, err := scanAccount(s.db.queryRow(ctx, `SELECT id, name, email, operator, created_at FROM accounts WHERE id = ?`, id))
	if fault.Is(s.db.classify(err), fault.NotFound) {
		return account.Account{}, fault.New(fault.NotFound, "account %s does not exist", id)
	}
	return a, s.db.classify(err)
}

// ListAccounts returns every account, oldest first.
func (s *Accounts) ListAccounts(ctx context.Context) ([]account.Account, error) {
	rows, err := s.db.query(ctx, `SELECT id, name, email, operator, created_at FROM accounts ORDER BY created_at, id`)
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	var out []account.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, s.db.classify(err)
		}
		out = append(out, a)
	}
	return out, s.db.classify(rows.Err())
}

// CreateAccessKey adds a key to an existing account.
func (s *Accounts) CreateAccessKey(ctx context.Context, key account.AccessKey) error {
	err := s.db.Update(ctx, func(tx *Tx) error { return insertKey(tx, key) })
	if fault.Is(err, fault.NotFound) {
		return fault.New(fault.NotFound, "account %s does not exist", key.AccountID)
	}
	return err
}

// GetAccessKey returns a key by its ID.
func (s *Accounts) GetAccessKey(ctx context.Context, id string) (account.AccessKey, error) {
	// Temporary credentials' IDs start with ASIA: they are looked for
	// first, so that a request signed with an instance's, which are never
	// cached, costs one read.
	if strings.HasPrefix(id, "ASIA") {
		if k, err := s.getSessionKey(ctx, id); !fault.Is(err, fault.NotFound) {
			return k, err
		}
	}
	var k account.AccessKey
	var sealedSecret string
	var created int64
	err := s.db.queryRow(ctx, `SELECT id, secret, account_id, created_at FROM access_keys WHERE id = ?`, id).
		Scan(&k.ID, &sealedSecret, &k.AccountID, &created)
	if err != nil {
		if fault.Is(s.db.classify(err), fault.NotFound) {
			return s.getSessionKey(ctx, id)
		}
		return account.AccessKey{}, s.db.classify(err)
	}
	secret, err := s.db.open(sealedSecret, "access_keys", k.ID)
	if err != nil {
		return account.AccessKey{}, err
	}
	k.Secret, k.CreatedAt = string(secret), fromNanos(created)
	return k, nil
}

// sessionKeyColumns are the columns of session_keys that scanSessionKey
// reads, then whether the instance the key was issued to has ended: it has
// terminated or is no longer stored.
const sessionKeyColumns = `s.id, s.secret, s.token, s.account_id, s.role_arn, s.session_name, s.license_arn, s.created_at,
	s.expires_at, s.instance_id, s.instance_id <> '' AND COALESCE(i.state, 'terminated') = 'terminated'`

const selectSessionKey = `SELECT ` + sessionKeyColumns + ` FROM session_keys s LEFT JOIN instances i ON i.id = s.instance_id`

// scanSessionKey reads temporary credentials, their secret opened.
func (db *DB) scanSessionKey(row scanner) (account.AccessKey, error) {
	var k account.AccessKey
	sess := &account.RoleSession{}
	var sealedSecret string
	var created, expires int64
	err := row.Scan(&k.ID, &sealedSecret, &sess.TokenHash, &k.AccountID, &sess.RoleArn, &sess.Name, &sess.License, &created,
		&expires, &sess.Instance, &sess.InstanceEnded)
	if err != nil {
		return account.AccessKey{}, err
	}
	secret, err := db.open(sealedSecret, "session_keys", k.ID)
	if err != nil {
		return account.AccessKey{}, err
	}
	k.Secret, k.CreatedAt, sess.Expires, k.Role = string(secret), fromNanos(created), fromNanos(expires), sess
	return k, nil
}

// getSessionKey returns temporary credentials by their key ID.
func (s *Accounts) getSessionKey(ctx context.Context, id string) (account.AccessKey, error) {
	k, err := s.db.scanSessionKey(s.db.queryRow(ctx, selectSessionKey+` WHERE s.id = ?`, id))
	if err != nil {
		if fault.Is(s.db.classify(err), fault.NotFound) {
			return account.AccessKey{}, fault.New(fault.NotFound, "access key %s does not exist", id)
		}
		return account.AccessKey{}, s.db.classify(err)
	}
	return k, nil
}

// CreateSessionKey stores temporary credentials: the secret sealed, bound
// to the key's ID, and only the hash of the session token.
func (s *Accounts) CreateSessionKey(ctx context.Context, key account.AccessKey) error {
	if key.Role == nil {
		return fault.New(fault.Internal, "store: session key %s has no role session", key.ID)
	}
	return s.db.Update(ctx, func(tx *Tx) error { return insertSessionKey(tx, key) })
}

func insertSessionKey(tx *Tx, key account.AccessKey) error {
	secret, err := tx.seal([]byte(key.Secret), "session_keys", key.ID)
	if err != nil {
		return err
	}
	sess := key.Role
	_, err = tx.Exec(`INSERT INTO session_keys (id, secret, token, account_id, role_arn, session_name, license_arn, created_at,
		expires_at, instance_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, key.ID, secret, sealed.HashToken(sess.Token), key.AccountID,
		sess.RoleArn, sess.Name, sess.License, key.CreatedAt.UnixNano(), sess.Expires.UnixNano(), sess.Instance)
	return err
}

// ReuseInstanceSessionKey returns the instance's newest session of fresh's
// account and role that expires after reuseUntil, or stores fresh. The
// session is read first without a write, so that a metadata service
// polled for credentials reads; only storing one writes. The writes for
// one instance run one after another (UpdateLocked), and look again, so
// that concurrent first requests store one session, not one each.
func (s *Accounts) ReuseInstanceSessionKey(ctx context.Context, fresh account.AccessKey, reuseUntil time.Time) (key account.AccessKey, err error) {
	sess := fresh.Role
	if sess == nil || sess.Instance == "" {
		return account.AccessKey{}, fault.New(fault.Internal, "store: session key %s names no instance", fresh.ID)
	}
	defer fault.Annotate(&err, "store: credentials of instance %s", sess.Instance)
	args := []any{sess.Instance, fresh.AccountID, sess.RoleArn, reuseUntil.UnixNano()}
	key, err = s.db.scanSessionKey(s.db.queryRow(ctx, currentInstanceSession, args...))
	if !fault.Is(s.db.classify(err), fault.NotFound) {
		return key, s.db.classify(err)
	}
	err = s.db.UpdateLocked(ctx, "instance-session:"+sess.Instance, func(tx *Tx) error {
		k, err := s.db.scanSessionKey(tx.QueryRow(currentInstanceSession, args...))
		if err == nil {
			key = k
			return nil
		}
		if !fault.Is(s.db.classify(err), fault.NotFound) {
			return err
		}
		key = fresh
		return insertSessionKey(tx, fresh)
	})
	return key, err
}

// currentInstanceSession selects an instance's newest session of an
// account and role that expires after a time.
const currentInstanceSession = selectSessionKey + ` WHERE s.instance_id = ? AND s.account_id = ? AND s.role_arn = ?
	AND s.expires_at > ? ORDER BY s.expires_at DESC, s.id LIMIT 1`

// DeleteExpiredSessionKeys deletes at most limit temporary credentials
// that expired at or before cutoff, oldest first.
func (s *Accounts) DeleteExpiredSessionKeys(ctx context.Context, cutoff time.Time, limit int) (n int, err error) {
	err = s.db.Update(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`DELETE FROM session_keys WHERE id IN
			(SELECT id FROM session_keys WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`, cutoff.UnixNano(), limit)
		if err != nil {
			return err
		}
		affected, err := res.RowsAffected()
		n = int(affected)
		return err
	})
	return n, err
}

// DeleteAccessKey removes a key.
func (s *Accounts) DeleteAccessKey(ctx context.Context, id string) error {
	return s.db.Update(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`DELETE FROM access_keys WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fault.New(fault.NotFound, "access key %s does not exist", id)
		}
		return nil
	})
}

type scanner interface{ Scan(dest ...any) error }

func scanAccount(row scanner) (account.Account, error) {
	var a account.Account
	var operator int
	var created int64
	if err := row.Scan(&a.ID, &a.Name, &a.Email, &operator, &created); err != nil {
		return account.Account{}, err
	}
	a.Operator = operator != 0
	a.CreatedAt = fromNanos(created)
	return a, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/sealed"
)

// Secrets at rest. Access-key secrets and issuers' private keys are sealed
// (package sealed) with keys kept outside the store; refresh-token secrets
// are kept as hashes. The table secret_keys lists every key that may have
// sealed a value in the store, each with a canary value sealed under it: Open
// refuses keys that do not include every listed one, so a wrong key fails at
// start-up rather than at the first request that needs a secret. One listed
// key is marked as the one every process seals under: the first key of the
// first process to open the store, then each rotation's new key
// (ResealSecrets). A key is listed before anything is sealed under it, and
// delisted only by ResealSecrets, in the transaction that finds nothing left
// under it. A process that meets a key it lacks, to open a value or to seal
// one, reads its key source again (keysource.go).

// The environment variables Open reads when its Config names no key. They
// are read here rather than by the command line so that everything that
// opens a store (the server, the admin commands, the load tool) finds the
// same key the same way.
const (
	SecretKeyEnv     = "TOLLGATE_SECRET_KEY"      // the keys themselves, as text
	SecretKeyFileEnv = "TOLLGATE_SECRET_KEY_FILE" // a file holding them
)

// SecretKeyFileName is the key file an SQLite store uses, in its data
// directory, when no key is given.
const SecretKeyFileName = "secret.key"

// SecretsInfo says how a store's secrets were opened.
type SecretsInfo struct {
	Source  string   // where the keys came from
	File    string   // the key file they came from; empty when given as text
	Created bool     // whether Open generated the key file
	KeyIDs  []string // the keys' IDs, in the order they came
	Sealing string   // the key the store seals under
	// Upgraded counts the values an older version left in plain text that
	// Open sealed (or hashed).
	Upgraded int
}

// Secrets says how the store's secrets were opened, with the keys it holds
// now.
func (db *DB) Secrets() SecretsInfo {
	info := db.secretsInfo
	info.KeyIDs = db.keys.current().IDs()
	return info
}

// secretColumn is a column holding secrets, with its row key.
type secretColumn struct {
	table, key, column string
	hashed             bool // kept as a hash (HashToken), not sealed
}

var secretColumns = []secretColumn{
	{table: "access_keys", key: "id", column: "secret"},
	{table: "issuer_keys", key: "fingerprint", column: "private_key_pem"},
	{table: "platform_keys", key: "name", column: "private_key_pem"},
	{table: "license_tokens", key: "id", column: "secret", hashed: true},
	{table: "session_keys", key: "id", column: "secret"},
	{table: "session_keys", key: "id", column: "token", hashed: true},
}

// canaryText is what every key's canary holds.
const canaryText = "tollgate secret key check"

// secretBatch is how many rows one transaction converts: small enough that a
// batch never holds the writer long, on a store of millions of keys.
const secretBatch = 256

// noKeyForPostgres explains why a PostgreSQL store needs a key given.
const noKeyForPostgres = "no secret key given: a PostgreSQL store's access-key secrets and issuer keys are sealed with a key kept " +
	"outside the database, and every replica needs the same one. Give it with --secret-key-file FILE, or " + SecretKeyFileEnv +
	" or " + SecretKeyEnv + " (the base64 of 32 random bytes: `openssl rand -base64 32`)"

// keyOrigin is where a store's keys came from, and how to read them again.
type keyOrigin struct {
	where string                          // for messages: "file /path", "TOLLGATE_SECRET_KEY"
	file  string                          // the key file, when the keys came from one
	read  func() (*sealed.Keyring, error) // reads them again; nil when there is nothing to read
}

// fileOrigin is the origin of keys read from the key file path.
func fileOrigin(where, path string) keyOrigin {
	return keyOrigin{where: where, file: path, read: func() (*sealed.Keyring, error) { return sealed.ReadKeyFile(path) }}
}

// secretKeys returns the keys the configuration or the environment gives,
// and where they came from: the key file (made absolute, so that it is read
// again from the same place), the configuration's text or the environment
// variable; no keys and no error when an SQLite store should use the key
// file in its data directory.
func (cfg Config) secretKeys() (keys *sealed.Keyring, origin keyOrigin, err error) {
	file, text, from := cfg.SecretKeyFile, cfg.SecretKey, ""
	if file == "" && text == "" {
		file, text, from = os.Getenv(SecretKeyFileEnv), os.Getenv(SecretKeyEnv), " (environment)"
	}
	switch {
	case file != "" && text != "":
		return nil, keyOrigin{}, fault.New(fault.Invalid, "the secret key is given twice, as a file and as text%s: give one", from)
	case file != "":
		file = absolute(file)
		origin = fileOrigin("file "+file+from, file)
		keys, err = sealed.ReadKeyFile(file)
	case text != "" && from != "":
		origin = keyOrigin{where: SecretKeyEnv, read: func() (*sealed.Keyring, error) { return sealed.ParseKeys(os.Getenv(SecretKeyEnv)) }}
		keys, err = sealed.ParseKeys(text)
	case text != "":
		origin = keyOrigin{where: "text", read: func() (*sealed.Keyring, error) { return sealed.ParseKeys(text) }}
		keys, err = sealed.ParseKeys(text)
	case cfg.DatabaseURL != "" && cfg.NewSecretKeys == nil:
		return nil, keyOrigin{}, fault.New(fault.Invalid, "%s", noKeyForPostgres)
	default:
		return nil, keyOrigin{}, nil
	}
	if err != nil {
		return nil, keyOrigin{}, fault.New(fault.Invalid, "secret key (%s): %v", origin.where, err)
	}
	return keys, origin, nil
}

// absolute returns path made absolute, or as it is if that fails.
func absolute(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// openSecrets settles the store's keys: the default key file of an SQLite
// store if none was given, the check that they open every secret the store
// holds, and the sealing of values an older version left in plain text.
func (db *DB) openSecrets(ctx context.Context, cfg Config, keys *sealed.Keyring, origin keyOrigin) error {
	var info SecretsInfo
	if keys == nil && cfg.DatabaseURL == "" {
		var err error
		if keys, info.Created, err = db.defaultKeyFile(ctx, cfg); err != nil {
			return err
		}
		path := absolute(filepath.Join(cfg.DataDir, SecretKeyFileName))
		origin = keyOrigin{where: "file " + path}
		if keys != nil {
			origin = fileOrigin(origin.where, path)
		}
	}
	switch {
	case keys == nil:
		keys = cfg.NewSecretKeys
	case cfg.NewSecretKeys != nil:
		keys = cfg.NewSecretKeys.With(keys)
	}
	if keys == nil {
		return fault.New(fault.Invalid, "%s", noKeyForPostgres)
	}
	db.keys = newKeySource(cfg, keys, origin)
	var err error
	if info.Sealing, err = db.checkAndListKeys(ctx, cfg.NewSecretKeys != nil); err != nil {
		return err
	}
	if info.Upgraded, err = db.sealPlainSecrets(ctx); err != nil {
		return err
	}
	info.Source, info.File = origin.where, origin.file
	db.secretsInfo = info
	return nil
}

// defaultKeyFile returns the keys in an SQLite store's key file, creating it
// unless the store already holds values sealed under some key: then the key
// was lost or is kept elsewhere, and a new one would only hide that.
func (db *DB) defaultKeyFile(ctx context.Context, cfg Config) (*sealed.Keyring, bool, error) {
	path := filepath.Join(cfg.DataDir, SecretKeyFileName)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		listed, _, err := db.listedKeys(ctx)
		if err != nil {
			return nil, false, err
		}
		if len(listed) > 0 || cfg.NewSecretKeys != nil {
			if len(listed) == 0 {
				return nil, false, nil // rotating an empty store: only the new key
			}
			return nil, false, fault.New(fault.Invalid, "the secret key does not open this store's secrets: they are sealed under key %s, "+
				"and no key was given (--secret-key-file, %s or %s) and %s does not exist", strings.Join(slices.Sorted(maps.Keys(listed)), ", "),
				SecretKeyFileEnv, SecretKeyEnv, path)
		}
	}
	keys, created, err := sealed.CreateKeyFile(path)
	if err != nil {
		return nil, false, fault.New(fault.Invalid, "secret key file %s: %v", path, err)
	}
	return keys, created, nil
}

// listedQuery reads the listed keys.
const listedQuery = `SELECT key_id, canary, sealing FROM secret_keys`

// listedKeys returns the canary of every key listed in secret_keys, by ID,
// and the ID of the key marked as the one that seals ("" if none is).
func (db *DB) listedKeys(ctx context.Context) (map[string]string, string, error) {
	rows, err := db.query(ctx, listedQuery)
	if err != nil {
		return nil, "", db.classify(err)
	}
	return collectListedKeys(db, rows)
}

func (t *Tx) listedKeys() (map[string]string, string, error) {
	rows, err := t.Query(listedQuery)
	if err != nil {
		return nil, "", err
	}
	return collectListedKeys(t.db, rows)
}

func collectListedKeys(db *DB, rows *sql.Rows) (map[string]string, string, error) {
	defer rows.Close()
	out, sealing := map[string]string{}, ""
	for rows.Next() {
		var id, canary string
		var marked int
		if err := rows.Scan(&id, &canary, &marked); err != nil {
			return nil, "", db.classify(err)
		}
		out[id] = canary
		if marked == 1 {
			sealing = id
		}
	}
	return out, sealing, db.classify(rows.Err())
}

// checkAndListKeys fails unless the store's keys open every listed key's
// canary, and returns the key the store seals under. If none is marked yet
// (a new store, or one an older version left), or if this process rotates
// the store to a new key, it lists the first of its keys and marks it. A
// restart only reads; otherwise the check and the marking are one
// transaction, so that processes starting together with different keys
// cannot both pass.
func (db *DB) checkAndListKeys(ctx context.Context, rotating bool) (string, error) {
	keys := db.keys.current()
	listed, sealing, err := db.listedKeys(ctx)
	if err != nil {
		return "", err
	}
	if sealing != "" && (!rotating || sealing == keys.Primary()) {
		return sealing, db.checkKeys(keys, listed)
	}
	err = db.Update(ctx, func(tx *Tx) error {
		listed, sealing, err = tx.listedKeys()
		if err != nil {
			return err
		}
		if err := db.checkKeys(keys, listed); err != nil {
			return err
		}
		if sealing != "" && !rotating {
			return nil // another process marked one meanwhile
		}
		sealing = keys.Primary()
		return tx.markSealing(keys, sealing)
	})
	return sealing, err
}

// checkKeys fails unless keys open the canary of every listed key.
func (db *DB) checkKeys(keys *sealed.Keyring, listed map[string]string) error {
	for _, id := range slices.Sorted(maps.Keys(listed)) {
		if !keys.Has(id) {
			return fault.New(fault.Invalid, "the secret key does not open this store's secrets: they are sealed under key %s, "+
				"which is not among the keys given (%s, from %s)", id, strings.Join(keys.IDs(), ", "), db.keys.where)
		}
		plain, err := keys.Open(listed[id], "secret_keys", id)
		if err == nil && string(plain) != canaryText {
			err = errors.New("the canary holds something else")
		}
		if err != nil {
			return fault.New(fault.Invalid, "the secret key does not open this store's secrets: %v", err)
		}
	}
	return nil
}

// markSealing lists the key id (one of keys) with its canary unless it is
// listed, and marks it as the key the store seals under, in place of any
// other.
func (t *Tx) markSealing(keys *sealed.Keyring, id string) error {
	t.sealKeys = nil // the key read before may no longer be the one
	canary, err := keys.SealWith(id, []byte(canaryText), "secret_keys", id)
	if err != nil {
		return fault.Wrap(err, "seal the secret key's canary")
	}
	if _, err := t.Exec(`UPDATE secret_keys SET sealing = 0 WHERE sealing = 1 AND key_id <> ?`, id); err != nil {
		return err
	}
	_, err = t.Exec(`INSERT INTO secret_keys (key_id, canary, sealing) VALUES (?, ?, 1) ON CONFLICT (key_id) DO UPDATE SET sealing = 1`, id, canary)
	return err
}

// sealingKey returns the key the store seals under, and keys that hold it:
// read in the transaction that seals, so that nothing is sealed under a key
// after a rotation has moved to another one. A process that lacks the key
// reads its key source again; if that does not give it either, the write
// fails rather than seal under a key other processes are retiring. It is
// read once per transaction: what the transaction reads of the listing
// cannot change under it, and only markSealing, which forgets it, changes it.
func (t *Tx) sealingKey() (string, *sealed.Keyring, error) {
	if t.sealKeys != nil {
		return t.sealID, t.sealKeys, nil
	}
	var id string
	err := t.QueryRow(`SELECT key_id FROM secret_keys WHERE sealing = 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		// The listing was emptied by hand: this process's first key seals.
		keys := t.db.keys.current()
		return keys.Primary(), keys, t.markSealing(keys, keys.Primary())
	}
	if err != nil {
		return "", nil, err
	}
	keys, err := t.db.keys.holding(id)
	if err != nil {
		return "", nil, err
	}
	t.sealID, t.sealKeys = id, keys
	return id, keys, nil
}

// seal seals plain for a row of table under the store's sealing key.
func (t *Tx) seal(plain []byte, table, row string) (string, error) {
	id, keys, err := t.sealingKey()
	if err != nil {
		return "", err
	}
	v, err := keys.SealWith(id, plain, table, row)
	if err != nil {
		return "", fault.Wrap(err, "seal %s %s", table, row)
	}
	return v, nil
}

// open opens a value read from a row of table, reading the key source again
// if the value is sealed under a key the store lacks (a rotation started
// while it runs). A value in plain text is refused, not used: Open sealed
// every one, so a plain value now was written by someone without the key,
// who must not choose a secret that works.
func (db *DB) open(value, table, row string) ([]byte, error) {
	plain, err := db.keys.current().Open(value, table, row)
	var unknown *sealed.UnknownKeyError
	if errors.As(err, &unknown) {
		var keys *sealed.Keyring
		if keys, err = db.keys.holding(unknown.ID); err != nil {
			return nil, err
		}
		plain, err = keys.Open(value, table, row)
	}
	if err != nil {
		return nil, fault.Wrap(err, "open a sealed secret")
	}
	return plain, nil
}

// convertSecrets runs convert over every value of column c, in batches of
// rows in key order, one transaction each, and writes back the values it
// changes, provided the row still holds what was read: replicas converting
// the same rows at once neither lose a write nor convert a value twice. It
// returns how many values changed.
func (db *DB) convertSecrets(ctx context.Context, c secretColumn, convert func(tx *Tx, value, row string) (string, bool, error)) (int, error) {
	total, after := 0, ""
	page := `SELECT ` + c.key + `, ` + c.column + ` FROM ` + c.table + ` WHERE ` + c.key + ` > ? ORDER BY ` + c.key + ` LIMIT ?`
	update := `UPDATE ` + c.table + ` SET ` + c.column + ` = ? WHERE ` + c.key + ` = ? AND ` + c.column + ` = ?`
	for {
		var read, changed int
		var last string
		err := db.Update(ctx, func(tx *Tx) error {
			read, changed, last = 0, 0, after
			rows, err := tx.Query(page, after, secretBatch)
			if err != nil {
				return err
			}
			var batch [][2]string
			for rows.Next() {
				var key, value string
				if err := rows.Scan(&key, &value); err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, [2]string{key, value})
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
			for _, kv := range batch {
				read, last = read+1, kv[0]
				v, change, err := convert(tx, kv[1], kv[0])
				if err != nil || !change {
					if err != nil {
						return err
					}
					continue
				}
				res, err := tx.Exec(update, v, kv[0], kv[1])
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n > 0 {
					changed++
				}
			}
			return nil
		})
		if err != nil {
			return total, fault.Wrap(err, "convert %s.%s", c.table, c.column)
		}
		total, after = total+changed, last
		if read < secretBatch {
			return total, nil
		}
	}
}

// sealPlainSecrets seals (or hashes) the values an older version left in
// plain text. Migration 5 leaves a row in secrets_unsealed when there may be
// some; it is deleted once they are sealed, so that later starts skip the
// scan.
func (db *DB) sealPlainSecrets(ctx context.Context) (int, error) {
	var pending int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM secrets_unsealed`).Scan(&pending)
	if err != nil || pending == 0 {
		return 0, db.classify(err)
	}
	total := 0
	for _, c := range secretColumns {
		n, err := db.convertSecrets(ctx, c, func(tx *Tx, value, row string) (string, bool, error) {
			if c.hashed {
				return sealed.HashToken(value), !sealed.IsHashed(value), nil
			}
			if sealed.IsSealed(value) {
				return "", false, nil
			}
			v, err := tx.seal([]byte(value), c.table, row)
			return v, true, err
		})
		total += n
		if err != nil {
			return total, err
		}
	}
	err = db.Update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`DELETE FROM secrets_unsealed`)
		return err
	})
	if err == nil && total > 0 && db.dialect == SQLite {
		// The log still holds the pages as they were, plain values and
		// all: write them back (secure_delete zeroes the space the plain
		// values took) and empty it.
		_, err = db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	return total, db.classify(err)
}

// ResealResult says what ResealSecrets did.
type ResealResult struct {
	KeyID    string   `json:"key_id"`   // the key everything is sealed under now
	Resealed int      `json:"resealed"` // values sealed again under it
	Retired  []string `json:"retired"`  // keys under which nothing is sealed any more
	Kept     []string `json:"kept"`     // other keys still listed: a server sealed under them meanwhile
}

// ResealSecrets makes the first of the store's keys the one every process
// seals under, then seals every sealed value again under it, in batches,
// while servers go on reading values under either key (reading their key
// source again when they lack the new one); then it delists the keys
// nothing is sealed under any more, so that a store can be opened without
// them.
func (db *DB) ResealSecrets(ctx context.Context) (ResealResult, error) {
	keys := db.keys.current()
	primary := keys.Primary()
	res := ResealResult{KeyID: primary, Retired: []string{}, Kept: []string{}}
	if err := db.Update(ctx, func(tx *Tx) error { return tx.markSealing(keys, primary) }); err != nil {
		return res, err
	}
	for _, c := range secretColumns {
		if c.hashed {
			continue // a hash is not sealed under any key
		}
		n, err := db.convertSecrets(ctx, c, func(tx *Tx, value, row string) (string, bool, error) {
			if id, _ := sealed.KeyID(value); id == primary {
				return "", false, nil
			}
			plain := []byte(value)
			if sealed.IsSealed(value) {
				var err error
				if plain, err = db.open(value, c.table, row); err != nil {
					return "", false, err
				}
			}
			v, err := tx.seal(plain, c.table, row)
			return v, true, err
		})
		res.Resealed += n
		if err != nil {
			return res, err
		}
	}
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		res.Retired, res.Kept, err = tx.retireKeys(primary)
		return err
	})
	return res, err
}

// ListedSecretKeys returns the IDs of the keys something in the store may
// be sealed under, sorted: the keys a process needs to open the store.
func (db *DB) ListedSecretKeys(ctx context.Context) ([]string, error) {
	listed, _, err := db.listedKeys(ctx)
	return slices.Sorted(maps.Keys(listed)), err
}

// retireKeys delists every key but primary and the sealing key under which
// nothing is sealed, and says which it delisted and which it kept.
func (t *Tx) retireKeys(primary string) (retired, kept []string, err error) {
	listed, sealing, err := t.listedKeys()
	if err != nil {
		return nil, nil, err
	}
	retired, kept = []string{}, []string{}
	for _, id := range slices.Sorted(maps.Keys(listed)) {
		if id == primary || id == sealing {
			continue
		}
		used, err := t.sealedUnder(id)
		if err != nil {
			return nil, nil, err
		}
		if used {
			kept = append(kept, id)
			continue
		}
		if _, err := t.Exec(`DELETE FROM secret_keys WHERE key_id = ?`, id); err != nil {
			return nil, nil, err
		}
		retired = append(retired, id)
	}
	return retired, kept, nil
}

// sealedUnder says whether any value is sealed under the key id, stopping
// at the first one found.
func (t *Tx) sealedUnder(id string) (bool, error) {
	for _, c := range secretColumns {
		if c.hashed {
			continue
		}
		var used bool
		err := t.QueryRow(`SELECT EXISTS (SELECT 1 FROM `+c.table+` WHERE substr(`+c.column+`, 1, ?) = ?)`,
			sealed.HeaderLen, sealed.Prefix+id+":").Scan(&used)
		if err != nil || used {
			return used, err
		}
	}
	return false, nil
}

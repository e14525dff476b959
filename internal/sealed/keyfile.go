package sealed

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ReadKeyFile reads the keys in a file written as ParseKeys reads them.
func ReadKeyFile(path string) (*Keyring, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read secret key file: %w", err)
	}
	r, err := ParseKeys(string(text))
	if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	return r, nil
}

// keyFileHeader explains a generated key file to whoever opens it.
const keyFileHeader = `# Tollgate's secret key: it seals the access-key secrets and issuer keys in
# the store next to it. Back it up with the database, apart from it: without
# this key those secrets are lost. One key per line, each opening what was
# sealed under it; "tollgate secrets rotate" writes a new key first, and
# removes the old one once nothing is sealed under it.
`

// CreateKeyFile writes a new random key to path, readable by its owner only,
// unless a file is there already; either way it returns the keys the file
// holds, and whether this call created it. The file appears whole or not at
// all, and is on disk (file and directory fsync'd) before CreateKeyFile
// returns, so that no value is ever sealed under a key a crash could lose.
// Two processes creating the same file at once end up with the same key.
func CreateKeyFile(path string) (r *Keyring, created bool, err error) {
	if _, err := os.Stat(path); err == nil {
		r, err := ReadKeyFile(path)
		return r, false, err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".secret-key-*") // mode 0600
	if err != nil {
		return nil, false, fmt.Errorf("create secret key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(keyFileHeader + GenerateKey() + "\n")
	err = errors.Join(err, tmp.Sync(), tmp.Close())
	if err != nil {
		return nil, false, fmt.Errorf("write secret key file: %w", err)
	}
	// A hard link fails if path exists, where a rename would replace it: the
	// process that loses a race reads the winner's key.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			r, err := ReadKeyFile(path)
			return r, false, err
		}
		return nil, false, fmt.Errorf("create secret key file: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return nil, false, fmt.Errorf("create secret key file: %w", err)
	}
	r, err = ReadKeyFile(path)
	return r, err == nil, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// AddKey writes a new random key into the key file at path, first, before
// the keys the file holds, and returns the new key's ID. A process that
// reads the file from then on holds the new key and the old ones.
func AddKey(path string) (string, error) {
	fields, err := readKeyFields(path)
	if err != nil {
		return "", err
	}
	key := GenerateKey()
	r, err := ParseKeys(key)
	if err != nil {
		return "", err
	}
	if err := replaceKeyFile(path, append([]string{key}, fields...)); err != nil {
		return "", err
	}
	return r.Primary(), nil
}

// RetainKeys rewrites the key file at path without the keys that keep
// refuses, and returns their IDs; the file is left as it is when keep
// refuses none. It never leaves the file without a key.
func RetainKeys(path string, keep func(id string) bool) (removed []string, err error) {
	fields, err := readKeyFields(path)
	if err != nil {
		return nil, err
	}
	var kept []string
	for _, f := range fields {
		r, err := ParseKeys(f)
		if err != nil {
			return nil, err
		}
		if id := r.Primary(); !keep(id) {
			if !slices.Contains(removed, id) {
				removed = append(removed, id)
			}
			continue
		}
		kept = append(kept, f)
	}
	if len(removed) == 0 {
		return nil, nil
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("secret key file %s: every key in it would be removed", path)
	}
	return removed, replaceKeyFile(path, kept)
}

// readKeyFields returns the keys in the key file at path as written.
func readKeyFields(path string) ([]string, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read secret key file: %w", err)
	}
	fields, _, err := keyFields(string(text))
	if err == nil && len(fields) == 0 {
		err = errors.New("no secret key given")
	}
	if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	return fields, nil
}

// replaceKeyFile replaces the key file at path by one holding keys, one a
// line, so that a reader sees the old file or the new one, never a part:
// the new file is written beside it (mode 0600, the old file's owner),
// fsync'd, renamed over it, and the directory fsync'd, so that the new
// keys are on disk before anything is sealed under them.
func replaceKeyFile(path string, keys []string) error {
	old, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("secret key file: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".secret-key-*") // mode 0600
	if err != nil {
		return fmt.Errorf("write secret key file: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	err = sameOwner(tmp, old)
	if err == nil {
		_, err = tmp.WriteString(keyFileHeader + strings.Join(keys, "\n") + "\n")
	}
	err = errors.Join(err, tmp.Sync(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("write secret key file %s: %w", path, err)
	}
	return nil
}

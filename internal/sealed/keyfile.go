package sealed

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
# this key those secrets are lost. One key per line; the first seals.
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

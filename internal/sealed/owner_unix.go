//go:build unix

package sealed

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// sameOwner gives f the owner and group of the file like describes, so that
// a key file rewritten by an administrator (root, say) stays readable by
// the server that reads it.
func sameOwner(f *os.File, like fs.FileInfo) error {
	want, ok := like.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if have, ok := info.Sys().(*syscall.Stat_t); ok && have.Uid == want.Uid && have.Gid == want.Gid {
		return nil
	}
	if err := f.Chown(int(want.Uid), int(want.Gid)); err != nil {
		return fmt.Errorf("give the new file the owner of the old one (%d:%d); run as that user or as root: %w", want.Uid, want.Gid, err)
	}
	return nil
}

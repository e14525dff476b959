package procmem_test

import (
	"os"
	"runtime"
	"testing"

	"github.com/tollgate/tollgate/internal/procmem"
)

func TestReadSelf(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	m, err := procmem.Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.Peak < m.RSS {
		t.Errorf("memory %+v: want a positive RSS at most its peak", m)
	}
	if _, err := procmem.Read(-1); err == nil {
		t.Error("no error for a process that does not exist")
	}
}

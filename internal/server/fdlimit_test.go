package server

import "testing"

func TestConnectionsFor(t *testing.T) {
	tests := []struct {
		files uint64
		want  int
	}{
		{20000, 16384},        // capped
		{16000, 16000 - 1024}, // the reserve is at most 1,024
		{4096, 4096 - 409},
		{1024, 1024 - 102},
		{256, 256 - 64}, // the reserve is at least 64
		{80, 16},        // never fewer than 16
		{0, 16},
		{1 << 20, 16384},
	}
	for _, tt := range tests {
		if got := connectionsFor(tt.files); got != tt.want {
			t.Errorf("connectionsFor(%d) = %d, want %d", tt.files, got, tt.want)
		}
	}
	if n := DefaultMaxConnections(); n < minConnections || n > maxDefaultConnections || uint64(n) >= fileLimit() {
		t.Errorf("DefaultMaxConnections() = %d with a file limit of %d", n, fileLimit())
	}
}

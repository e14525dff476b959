package server

// Bounds of the default connection limit.
const (
	// minFDReserve and maxFDReserve bound the file descriptors left for
	// everything but client connections: the database (SQLite's files, or
	// PostgreSQL's sockets), logs, the listeners, the runtime's poller.
	minFDReserve = 64
	maxFDReserve = 1024
	// minConnections is the least the default allows, however small the
	// file limit.
	minConnections = 16
	// maxDefaultConnections caps the default on machines with a very high
	// file limit: every open connection costs the server about 20 KiB
	// (a goroutine and its buffers), so 16,384 of them cost about 330 MiB.
	maxDefaultConnections = 16384
)

// DefaultMaxConnections derives the connection limit from the process's
// file-descriptor limit (RLIMIT_NOFILE, which Go raises to the hard limit at
// start-up): the soft limit less a tenth of it (at least 64, at most 1,024)
// kept for the database and logs, at most 16,384.
func DefaultMaxConnections() int {
	return connectionsFor(fileLimit())
}

func connectionsFor(files uint64) int {
	reserve := min(max(files/10, minFDReserve), maxFDReserve)
	if files <= reserve+minConnections {
		return minConnections
	}
	return int(min(files-reserve, maxDefaultConnections))
}

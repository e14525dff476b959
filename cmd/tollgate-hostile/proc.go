package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"

	"github.com/tollgate/tollgate/internal/procmem"
)

// raiseFileLimit lifts this process's soft limit on open files to at least
// n, within the hard limit: the connections phase holds thousands.
func raiseFileLimit(n int) error {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return fmt.Errorf("reading the file limit: %w", err)
	}
	if rl.Cur >= uint64(n) {
		return nil
	}
	if rl.Max < uint64(n) {
		return fmt.Errorf("the connections phase needs %d open files; the hard limit is %d (lower --idle or --slow, or raise ulimit -Hn)", n, rl.Max)
	}
	rl.Cur = uint64(n)
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
}

// describe writes a process's memory for the report.
func describe(m procmem.Memory) string {
	return fmt.Sprintf("RSS %s, peak %s", mib(m.RSS), mib(m.Peak))
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// rss reads the server's memory, or the zero memory without --server-pid.
func (s *suite) rss() procmem.Memory {
	if s.cfg.serverPID == 0 {
		return procmem.Memory{}
	}
	m, err := procmem.Read(s.cfg.serverPID)
	if err != nil {
		s.failf("reading the server's memory: %v", err)
	}
	return m
}

// logProblems are the marks of a server that lost control of a request.
var logProblems = []string{
	`"msg":"panic serving a request"`, `"msg":"handler panicked"`, "http: panic serving", "goroutine ",
	"too many open files", "Accept error", `"level":"ERROR"`,
}

// checkServer checks the server after the phases: it still answers, its
// peak memory stayed under the bound, and its log shows no panic.
func (s *suite) checkServer(before procmem.Memory) {
	s.logf("== the server afterwards")
	a, err := s.exchange(newRaw("GET", "/healthz", nil).bytes(s.addr), false, http.MethodGet)
	s.check("GET /healthz at the end", a, err, expectation{format: ownJSON, status: http.StatusOK})
	if s.cfg.serverPID != 0 {
		after := s.rss()
		s.logf("   server memory: before %s; after %s", describe(before), describe(after))
		if after.Peak > s.cfg.maxRSS {
			s.failf("the server's peak RSS reached %s, over the bound of %s", mib(after.Peak), mib(s.cfg.maxRSS))
		}
	}
	if s.cfg.serverLog == "" {
		return
	}
	f, err := os.Open(s.cfg.serverLog)
	if err != nil {
		s.failf("reading the server's log: %v", err)
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	lines, bad := 0, 0
	for sc.Scan() {
		lines++
		for _, p := range logProblems {
			if strings.Contains(sc.Text(), p) {
				bad++
				if bad <= 5 {
					s.failf("the server's log: %.500s", sc.Text())
				}
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		s.failf("reading the server's log: %v", err)
	}
	s.logf("   server log: %d lines, %d showing a panic, an error or a lack of file descriptors", lines, bad)
}

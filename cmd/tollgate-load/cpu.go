package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/procmem"
)

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat's CPU times; it
// is 100 on every architecture Go supports.
const clockTicks = 100

// processCPU returns the CPU time (user + system) process pid has used, from
// /proc (Linux). It is how --server-pid reports the server's CPU per request.
func processCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces; fields after it are
	// counted from the closing parenthesis: state is field 3, utime 14, stime 15.
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// processMemory returns process pid's resident memory (VmRSS) and its peak
// (VmHWM) in MiB (Linux); zeros when unknown.
func processMemory(pid int) (rss, hwm float64) {
	m, err := procmem.Read(pid)
	if err != nil {
		return 0, 0
	}
	return float64(m.RSS) / (1 << 20), float64(m.Peak) / (1 << 20)
}

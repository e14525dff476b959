package account

import (
	"sync"
	"time"
)

// Failed sign-ins slow down guessing. After SignInFreeFailures wrong
// passwords in a row for an account ID, its next sign-in waits: one second
// after the last failure, doubling with each further failure, up to
// SignInMaxDelay. A sign-in refused for waiting is not checked, so it costs
// no password hash and tells nothing. A success ends the run; so does
// SignInForgetAfter without a failure.
//
// The count is kept per account ID whether or not the account exists, so
// that being slowed down does not tell which accounts exist; and per
// replica, in memory: with R replicas a guesser gets at most R times the
// attempts, which the doubling makes small.
const (
	SignInFreeFailures = 5
	SignInMaxDelay     = 15 * time.Minute
	SignInForgetAfter  = time.Hour
	// signInTracked bounds the memory the counts take: beyond it, the
	// counts that have been forgotten are dropped, and if none have, a new
	// account ID is not counted until some are.
	signInTracked = 10_000
)

// signInLimiter counts failed sign-ins per account ID.
type signInLimiter struct {
	mu       sync.Mutex
	failures map[string]failureRun
}

// failureRun is an account ID's wrong passwords in a row.
type failureRun struct {
	count int
	last  time.Time
}

// wait returns how long a sign-in to accountID must still wait at now;
// zero when it may be checked.
func (l *signInLimiter) wait(accountID string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	run, ok := l.failures[accountID]
	if !ok || run.count < SignInFreeFailures || now.Sub(run.last) >= SignInForgetAfter {
		return 0
	}
	return max(0, run.last.Add(delayAfter(run.count)).Sub(now))
}

// delayAfter is the wait after count failures in a row (count at least
// SignInFreeFailures): one second, doubling, at most SignInMaxDelay.
func delayAfter(count int) time.Duration {
	shift := min(count-SignInFreeFailures, 20) // 2^20 s is past the cap
	return min(time.Second<<shift, SignInMaxDelay)
}

// failed records a wrong password for accountID at now.
func (l *signInLimiter) failed(accountID string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failures == nil {
		l.failures = make(map[string]failureRun)
	}
	run, ok := l.failures[accountID]
	if ok && now.Sub(run.last) >= SignInForgetAfter {
		run = failureRun{}
	}
	if !ok && len(l.failures) >= signInTracked {
		l.forget(now)
		if len(l.failures) >= signInTracked {
			return
		}
	}
	l.failures[accountID] = failureRun{count: run.count + 1, last: now}
}

// succeeded ends accountID's run of failures.
func (l *signInLimiter) succeeded(accountID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, accountID)
}

// forget drops the runs that ended SignInForgetAfter ago or more.
func (l *signInLimiter) forget(now time.Time) {
	for id, run := range l.failures {
		if now.Sub(run.last) >= SignInForgetAfter {
			delete(l.failures, id)
		}
	}
}

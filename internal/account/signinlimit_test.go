package account

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
)

// TestSignInSlowsDownGuessing: five wrong passwords are answered as wrong;
// after them the account ID waits one second, then two, four, ..., up to
// SignInMaxDelay; while it waits even the right password is refused
// without being checked; the right password after the wait signs in and
// ends the run.
func TestSignInSlowsDownGuessing(t *testing.T) {
	svc, _, clk, id := newPasswordService(t)
	ctx := t.Context()
	wrong := SignInInput{AccountID: id, Password: "wrong password here"}
	right := SignInInput{AccountID: id, Password: testPassword}
	for i := range SignInFreeFailures {
		if _, _, err := svc.SignIn(ctx, wrong); !fault.Is(err, fault.Unauthenticated) {
			t.Fatalf("wrong password %d: %v, want Unauthenticated", i+1, err)
		}
	}
	for _, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		_, _, err := svc.SignIn(ctx, right)
		if !fault.Is(err, fault.Throttled) {
			t.Fatalf("right password during a %v wait: %v, want Throttled", wait, err)
		}
		want := fmt.Sprintf("try again in %d second", int(wait/time.Second))
		if msg := fault.As(err).Message; !strings.Contains(msg, want) {
			t.Errorf("message %q, want it to say %q", msg, want)
		}
		clk.Advance(wait - time.Millisecond)
		if _, _, err := svc.SignIn(ctx, wrong); !fault.Is(err, fault.Throttled) {
			t.Fatalf("a millisecond before the wait ends: %v, want Throttled", err)
		}
		clk.Advance(time.Millisecond)
		if _, _, err := svc.SignIn(ctx, wrong); !fault.Is(err, fault.Unauthenticated) {
			t.Fatalf("wrong password after the wait: %v, want Unauthenticated", err)
		}
	}
	clk.Advance(8 * time.Second)
	if _, _, err := svc.SignIn(ctx, right); err != nil {
		t.Fatalf("right password after the wait: %v", err)
	}
	for i := range SignInFreeFailures {
		if _, _, err := svc.SignIn(ctx, wrong); !fault.Is(err, fault.Unauthenticated) {
			t.Fatalf("after a success, wrong password %d: %v, want Unauthenticated (the run ended)", i+1, err)
		}
	}
}

// TestSignInLimitIsTheSameForUnknownAccounts: an account ID that does not
// exist is slowed down exactly as one that does, so waiting tells nothing.
func TestSignInLimitIsTheSameForUnknownAccounts(t *testing.T) {
	svc, _, _, _ := newPasswordService(t)
	in := SignInInput{AccountID: "999999999999", Password: "any password at all"}
	for i := range SignInFreeFailures {
		if _, _, err := svc.SignIn(t.Context(), in); !fault.Is(err, fault.Unauthenticated) {
			t.Fatalf("attempt %d: %v, want Unauthenticated", i+1, err)
		}
	}
	if _, _, err := svc.SignIn(t.Context(), in); !fault.Is(err, fault.Throttled) {
		t.Fatalf("sixth attempt: %v, want Throttled", err)
	}
}

func TestSignInDelays(t *testing.T) {
	var l signInLimiter
	start := epoch
	for n := 1; n <= 40; n++ {
		l.failed("111111111111", start)
		got := l.wait("111111111111", start)
		var want time.Duration
		if n >= SignInFreeFailures {
			want = min(time.Second<<min(n-SignInFreeFailures, 30), SignInMaxDelay)
		}
		if got != want {
			t.Fatalf("after %d failures: wait %v, want %v", n, got, want)
		}
	}
	if got := l.wait("111111111111", start.Add(SignInForgetAfter)); got != 0 {
		t.Errorf("after SignInForgetAfter: wait %v, want none", got)
	}
	l.failed("111111111111", start.Add(SignInForgetAfter))
	if l.failures["111111111111"].count != 1 {
		t.Errorf("a failure after the run was forgotten starts a new run: count %d", l.failures["111111111111"].count)
	}
}

// TestSignInLimiterMemoryIsBounded: no more than signInTracked account IDs
// are counted; forgotten runs make room.
func TestSignInLimiterMemoryIsBounded(t *testing.T) {
	var l signInLimiter
	for i := range signInTracked + 500 {
		l.failed(fmt.Sprintf("%012d", i), epoch)
	}
	if n := len(l.failures); n != signInTracked {
		t.Fatalf("tracked %d account IDs, want the bound %d", n, signInTracked)
	}
	l.failed("999999999999", epoch.Add(SignInForgetAfter))
	if n := len(l.failures); n != 1 {
		t.Errorf("after the runs were forgotten: %d tracked, want 1", n)
	}
}

package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/store"
)

// TestRunningIntervalsSurviveKill9 proves that running intervals, which
// billing charges for, are durable: 16 clients launch and terminate
// instances through a real `tollgate serve` process, which is killed with
// SIGKILL in the middle of the load and restarted on the same data
// directory. Afterwards:
//   - every acknowledged launch's instances are there, and each has the
//     running interval that began at its launch;
//   - every acknowledged termination ended its instance's interval;
//   - a launch sent but not acknowledged, repeated with its client token,
//     is one launch (the one stored before the kill, or a fresh one), the
//     same when repeated again;
//   - in the store, every instance has exactly one interval, open exactly
//     when the instance runs.
func TestRunningIntervalsSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	srv := startServer(t, bin, dir)
	key := ckAccount(t, bin, dir, "launcher")
	ctx := context.Background()
	client := ec2Client(srv.endpoint, key)
	img, err := client.RegisterImage(ctx, &ec2.RegisterImageInput{Name: aws.String("kill9 image")})
	if err != nil {
		t.Fatalf("RegisterImage: %v", err)
	}
	run := func(c *ec2.Client, token string) (*ec2.RunInstancesOutput, error) {
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		return c.RunInstances(rctx, &ec2.RunInstancesInput{ImageId: img.ImageId, InstanceType: types.InstanceTypeT3Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), ClientToken: aws.String(token)})
	}

	// The load: each client launches, and terminates every other instance
	// it launched; every answer is recorded.
	const clients = 16
	var (
		mu         sync.Mutex
		launched   = map[string]string{} // client token -> instance ID, acknowledged
		terminated = map[string]bool{}   // instance IDs whose termination was acknowledged
		unacked    []string              // client tokens of launches sent and not acknowledged
		killed     atomic.Bool
		wg         sync.WaitGroup
	)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !killed.Load(); i++ {
				token := fmt.Sprintf("kill9-%d-%d", c, i)
				out, err := run(client, token)
				if err != nil {
					mu.Lock()
					unacked = append(unacked, token)
					mu.Unlock()
					if !killed.Load() {
						t.Errorf("launch %s before the kill: %v", token, err)
					}
					return
				}
				id := aws.ToString(out.Instances[0].InstanceId)
				mu.Lock()
				launched[token] = id
				mu.Unlock()
				if i%2 == 1 {
					continue
				}
				tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				_, err = client.TerminateInstances(tctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
				cancel()
				if err == nil {
					mu.Lock()
					terminated[id] = true
					mu.Unlock()
				}
			}
		}()
	}
	loadUntil(&mu, func() bool { return len(launched) >= 50 })
	killed.Store(true)
	srv.kill(t)
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("killed the server with SIGKILL after %d acknowledged launches and %d acknowledged terminations; %d launches not acknowledged",
		len(launched), len(terminated), len(unacked))
	if len(launched) < 50 {
		t.Errorf("only %d launches before the kill; the load is too light to mean much", len(launched))
	}

	srv = startServer(t, bin, dir)
	client = ec2Client(srv.endpoint, key)
	states := map[string]types.InstanceStateName{}
	pager := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1000)})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatalf("DescribeInstances after the restart: %v", err)
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				states[aws.ToString(in.InstanceId)] = in.State.Name
			}
		}
	}
	for token, id := range launched {
		switch {
		case states[id] == "":
			t.Errorf("acknowledged launch %s (%s) is gone", token, id)
		case terminated[id] && states[id] != types.InstanceStateNameTerminated:
			t.Errorf("acknowledged termination of %s: it is %s", id, states[id])
		}
	}
	for _, token := range unacked {
		first, err := run(client, token)
		if err != nil {
			t.Errorf("repeating unacknowledged launch %s: %v", token, err)
			continue
		}
		again, err := run(client, token)
		if err != nil || aws.ToString(again.Instances[0].InstanceId) != aws.ToString(first.Instances[0].InstanceId) {
			t.Errorf("repeating %s twice: %s, then %v (%v)", token, aws.ToString(first.Instances[0].InstanceId), again, err)
		}
	}
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("stopping the server: %v", err)
	}
	<-srv.exited

	checkIntervals(t, dir, key.AccountId, launched, terminated)
}

// checkIntervals reads the stored instances and running intervals of
// account, with the server stopped, and checks that every instance has one
// interval, open exactly when it runs, and that acknowledged launches and
// terminations have theirs.
func checkIntervals(t *testing.T, dir, account string, launched map[string]string, terminated map[string]bool) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	defer db.Close()
	insts, err := db.Instances().List(ctx, compute.Query{Owner: account})
	if err != nil {
		t.Fatalf("listing instances: %v", err)
	}
	ivs, err := db.Instances().Intervals(ctx, account, time.Unix(0, 0), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatalf("reading intervals: %v", err)
	}
	byInstance := map[string][]compute.Interval{}
	for _, iv := range ivs {
		byInstance[iv.InstanceID] = append(byInstance[iv.InstanceID], iv)
	}
	for _, in := range insts {
		got := byInstance[in.ID]
		if len(got) != 1 {
			t.Errorf("instance %s (%s) has %d running intervals, want 1", in.ID, in.State, len(got))
			continue
		}
		iv := got[0]
		switch {
		case !iv.Start.Equal(in.LaunchedAt):
			t.Errorf("instance %s launched at %v; its interval starts at %v", in.ID, in.LaunchedAt, iv.Start)
		case in.State == compute.Running && !iv.End.IsZero():
			t.Errorf("running instance %s has an ended interval", in.ID)
		case in.State == compute.Terminated && !iv.End.Equal(in.TerminatedAt):
			t.Errorf("instance %s terminated at %v; its interval ends at %v", in.ID, in.TerminatedAt, iv.End)
		}
		delete(byInstance, in.ID)
	}
	for id := range byInstance {
		t.Errorf("running intervals of %s, which is not an instance", id)
	}
	ids := map[string]bool{}
	for _, in := range insts {
		ids[in.ID] = true
	}
	for _, id := range launched {
		if !ids[id] {
			t.Errorf("acknowledged instance %s is not stored", id)
		}
	}
	closed := 0
	for _, in := range insts {
		if terminated[in.ID] && in.State != compute.Terminated {
			t.Errorf("acknowledged termination of %s is not stored", in.ID)
		}
		if in.State == compute.Terminated {
			closed++
		}
	}
	t.Logf("%d instances stored, %d of them terminated; %d running intervals, each matching its instance", len(insts), closed, len(ivs))
}

func ec2Client(endpoint string, key ckKey) *ec2.Client {
	return ec2.New(ec2.Options{BaseEndpoint: aws.String(endpoint), Region: "us-east-1", RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(key.AccessKeyId, key.SecretAccessKey, "")})
}

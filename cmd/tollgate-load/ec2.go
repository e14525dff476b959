package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

func init() {
	register(targetInfo{
		name: "ec2-cycle",
		about: "EC2 RunInstances of 1, DescribeInstances of that instance, TerminateInstances of it, SigV4-signed; " +
			"one op is the cycle. The image is one the target registers (RegisterImage) before the phase: free, the caller's own",
		needsKeys: true,
		unit:      "cycles",
		new:       func() Target { return &ec2CycleTarget{} },
	})
	register(targetInfo{
		name: "ec2-images",
		about: "EC2 DescribeImages with a product-code filter, each request another of the --codes codes " +
			"seed-images spread; the answer must list --per-code images (0: any number)",
		needsKeys: true,
		new:       func() Target { return &ec2ImagesTarget{} },
	})
}

// ec2Version is the EC2 Query API version the SDKs send.
const ec2Version = "2016-11-15"

// ec2InstanceType is the type the cycle launches: in Tollgate's default
// catalogue, and one moto knows.
const ec2InstanceType = "t3.micro"

var (
	imageIDField    = []byte("<imageId>")
	instanceIDField = []byte("<instanceId>")
	currentState    = []byte("<currentState>")
)

// ec2Body is an EC2 Query request body: Action, Version, then params in
// order (form-encoded).
func ec2Body(action string, params ...string) []byte {
	var b bytes.Buffer
	b.WriteString("Action=" + action + "&Version=" + ec2Version)
	for i := 0; i+1 < len(params); i += 2 {
		b.WriteString("&" + url.QueryEscape(params[i]) + "=" + url.QueryEscape(params[i+1]))
	}
	return b.Bytes()
}

// ec2CycleTarget launches one instance, describes it by ID and terminates
// it, as one operation. The RunInstances requests (without client token,
// so each launches anew) are signed before the phase, Pool of them,
// replayed in turn; DescribeInstances and TerminateInstances carry the new
// instance's ID and are signed as they are sent, as the checkout target's
// check-ins are.
type ec2CycleTarget struct {
	env     *Env
	signer  *signer
	imageID string
	pool    []*prepared
}

func (t *ec2CycleTarget) Prepare(ctx context.Context, env *Env) error {
	t.env = env
	t.signer = newSigner(env, "ec2")
	u := env.URL("/")
	reg, err := t.signer.sign(ctx, http.MethodPost, u, stsHeader(),
		ec2Body("RegisterImage", "Name", "tollgate-load-"+randomHex(8), "Architecture", "x86_64",
			"RootDeviceName", "/dev/xvda", "VirtualizationType", "hvm"), time.Now())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := send(env.Client, reg.request(), &buf, imageIDField); err != nil {
		return fmt.Errorf("RegisterImage as %s: %w", env.AccessKey, err)
	}
	if t.imageID, err = field(buf.Bytes(), imageIDField); err != nil {
		return fmt.Errorf("RegisterImage: %w", err)
	}
	n := max(env.Pool, env.Concurrency)
	if env.SignPerRequest {
		n = 1
	}
	now := time.Now()
	t.pool = make([]*prepared, n)
	for i := range t.pool {
		if t.pool[i], err = t.signer.sign(ctx, http.MethodPost, u, stsHeader(), t.runBody(), now.Add(-time.Duration(i%signSpread)*time.Second)); err != nil {
			return err
		}
	}
	// One cycle now, as a check.
	w := t.NewWorker(0)
	if err := w.Do(ctx, env.Client); err != nil {
		return fmt.Errorf("a cycle on %s as %s: %w", t.imageID, env.AccessKey, err)
	}
	return nil
}

func (t *ec2CycleTarget) runBody() []byte {
	return ec2Body("RunInstances", "ImageId", t.imageID, "InstanceType", ec2InstanceType, "MinCount", "1", "MaxCount", "1")
}

func (t *ec2CycleTarget) NewWorker(id int) Worker {
	var mine []*prepared
	if !t.env.SignPerRequest {
		for i := id % len(t.pool); i < len(t.pool); i += t.env.Concurrency {
			mine = append(mine, t.pool[i])
		}
	}
	return &ec2CycleWorker{t: t, pool: mine, url: t.env.URL("/")}
}

type ec2CycleWorker struct {
	t    *ec2CycleTarget
	pool []*prepared
	next int
	url  *url.URL
	buf  bytes.Buffer
}

func (w *ec2CycleWorker) Do(ctx context.Context, client *http.Client) error {
	run, err := w.run(ctx)
	if err != nil {
		return err
	}
	if err := send(client, run.request(), &w.buf, instanceIDField); err != nil {
		return fmt.Errorf("RunInstances: %w", err)
	}
	id, err := field(w.buf.Bytes(), instanceIDField)
	if err != nil {
		return fmt.Errorf("RunInstances: %w", err)
	}
	want := []byte("<instanceId>" + id + "</instanceId>")
	if err := w.call(ctx, client, ec2Body("DescribeInstances", "InstanceId.1", id), want); err != nil {
		return fmt.Errorf("DescribeInstances %s: %w", id, err)
	}
	if err := w.call(ctx, client, ec2Body("TerminateInstances", "InstanceId.1", id), currentState); err != nil {
		return fmt.Errorf("TerminateInstances %s: %w", id, err)
	}
	return nil
}

// run returns the next pre-signed RunInstances, or a fresh one.
func (w *ec2CycleWorker) run(ctx context.Context) (*prepared, error) {
	if len(w.pool) == 0 {
		return w.t.signer.sign(ctx, http.MethodPost, w.url, stsHeader(), w.t.runBody(), time.Now())
	}
	p := w.pool[w.next]
	w.next = (w.next + 1) % len(w.pool)
	return p, nil
}

func (w *ec2CycleWorker) call(ctx context.Context, client *http.Client, body, want []byte) error {
	p, err := w.t.signer.sign(ctx, http.MethodPost, w.url, stsHeader(), body, time.Now())
	if err != nil {
		return err
	}
	return send(client, p.request(), &w.buf, want)
}

// field returns the text of the first element that open starts, which
// must hold no markup or escapes (an ID).
func field(body, open []byte) (string, error) {
	i := bytes.Index(body, open)
	if i < 0 {
		return "", fmt.Errorf("no %s in %s", open, truncate(string(body), 300))
	}
	rest := body[i+len(open):]
	j := bytes.IndexByte(rest, '<')
	if j <= 0 {
		return "", fmt.Errorf("empty %s in %s", open, truncate(string(body), 300))
	}
	return string(rest[:j]), nil
}

// ec2ImagesTarget replays pre-signed DescribeImages requests, each
// filtering on one product code: Pool requests (at least one per code up
// to Pool) whose codes step through all --codes, dealt out to the workers.
type ec2ImagesTarget struct {
	env  *Env
	pool []*prepared
}

func (t *ec2ImagesTarget) Prepare(ctx context.Context, env *Env) error {
	t.env = env
	if env.Codes < 1 {
		return usagef("ec2-images needs --codes N (as seeded with seed-images --codes N)")
	}
	s := newSigner(env, "ec2")
	u := env.URL("/")
	n := max(env.Pool, env.Concurrency)
	now := time.Now()
	t.pool = make([]*prepared, n)
	// Step through the codes with a stride prime to most counts, so that
	// consecutive requests name codes far apart.
	for i := range t.pool {
		code := loadCode((i * 7919) % env.Codes)
		p, err := s.sign(ctx, http.MethodPost, u, stsHeader(),
			ec2Body("DescribeImages", "Filter.1.Name", "product-code", "Filter.1.Value.1", code), now.Add(-time.Duration(i%signSpread)*time.Second))
		if err != nil {
			return err
		}
		t.pool[i] = p
	}
	w := t.NewWorker(0)
	if err := w.Do(ctx, env.Client); err != nil {
		return fmt.Errorf("DescribeImages as %s: %w (did seed-images run on the server's store?)", env.AccessKey, err)
	}
	return nil
}

func (t *ec2ImagesTarget) NewWorker(id int) Worker {
	var mine []*prepared
	for i := id % len(t.pool); i < len(t.pool); i += t.env.Concurrency {
		mine = append(mine, t.pool[i])
	}
	return &ec2ImagesWorker{pool: mine, perCode: t.env.PerCode}
}

func (t *ec2ImagesTarget) Sample() *prepared { return t.pool[0] }

type ec2ImagesWorker struct {
	pool    []*prepared
	next    int
	perCode int
	buf     bytes.Buffer
}

func (w *ec2ImagesWorker) Do(_ context.Context, client *http.Client) error {
	p := w.pool[w.next]
	w.next = (w.next + 1) % len(w.pool)
	if err := send(client, p.request(), &w.buf, []byte("<imagesSet>")); err != nil {
		return err
	}
	if n := bytes.Count(w.buf.Bytes(), imageIDField); w.perCode > 0 && n != w.perCode {
		return fmt.Errorf("DescribeImages listed %d images, want %d: %s", n, w.perCode, truncate(w.buf.String(), 300))
	}
	return nil
}

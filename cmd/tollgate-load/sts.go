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
		name:      "sts",
		about:     "POST Action=GetCallerIdentity&Version=2011-06-15, SigV4-signed (aws-sdk-go-v2 signer)",
		needsKeys: true,
		new:       func() Target { return &stsTarget{} },
	})
}

var (
	stsBody = []byte("Action=GetCallerIdentity&Version=2011-06-15")
	stsOK   = []byte("<GetCallerIdentityResult>")
)

// stsHeader is what the AWS SDKs send with a Query request, less the
// User-Agent and invocation-ID headers, which the server ignores.
func stsHeader() http.Header {
	return http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
}

// signSpread is how far back the pool's signing times are spread, so that the
// pool holds that many distinct signatures (X-Amz-Date has whole seconds).
const signSpread = 60

// stsTarget replays a pool of requests signed before the phase starts,
// Pool of them, spread over the last signSpread seconds; worker i replays
// entries i, i+C, i+2C, ... in turn. With SignPerRequest it signs every
// request as it sends it, like an SDK client does.
type stsTarget struct {
	env    *Env
	signer *signer
	pool   []*prepared
}

func (t *stsTarget) Prepare(ctx context.Context, env *Env) error {
	t.env = env
	t.signer = newSigner(env, "sts")
	u := env.URL("/")
	now := time.Now()
	n := max(env.Pool, env.Concurrency)
	if env.SignPerRequest {
		n = 1 // for the check below and for --wrk-lua
	}
	t.pool = make([]*prepared, n)
	for i := range t.pool {
		p, err := t.signer.sign(ctx, http.MethodPost, u, stsHeader(), stsBody, now.Add(-time.Duration(i%signSpread)*time.Second))
		if err != nil {
			return err
		}
		t.pool[i] = p
	}
	var buf bytes.Buffer
	if err := send(env.Client, t.pool[0].request(), &buf, stsOK); err != nil {
		return fmt.Errorf("GetCallerIdentity as %s: %w", env.AccessKey, err)
	}
	return nil
}

func (t *stsTarget) NewWorker(id int) Worker {
	if t.env.SignPerRequest {
		return &stsSigningWorker{signer: t.signer, url: t.pool[0].url}
	}
	var mine []*prepared
	for i := id; i < len(t.pool); i += t.env.Concurrency {
		mine = append(mine, t.pool[i])
	}
	return &stsWorker{pool: mine}
}

func (t *stsTarget) Sample() *prepared { return t.pool[0] }

type stsWorker struct {
	pool []*prepared
	next int
	buf  bytes.Buffer
}

func (w *stsWorker) Do(_ context.Context, client *http.Client) error {
	p := w.pool[w.next]
	w.next++
	if w.next == len(w.pool) {
		w.next = 0
	}
	return send(client, p.request(), &w.buf, stsOK)
}

type stsSigningWorker struct {
	signer *signer
	url    *url.URL
	buf    bytes.Buffer
}

func (w *stsSigningWorker) Do(ctx context.Context, client *http.Client) error {
	p, err := w.signer.sign(ctx, http.MethodPost, w.url, stsHeader(), stsBody, time.Now())
	if err != nil {
		return err
	}
	return send(client, p.request(), &w.buf, stsOK)
}

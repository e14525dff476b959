package main

import (
	"bytes"
	"context"
	"net/http"
)

func init() {
	register(targetInfo{
		name:  "healthz",
		about: "GET /healthz: the server's cheapest route (a database ping), the baseline",
		new:   func() Target { return &healthzTarget{} },
	})
}

type healthzTarget struct {
	req *prepared
}

var healthzOK = []byte(`"ok"`)

func (t *healthzTarget) Prepare(ctx context.Context, env *Env) error {
	t.req = &prepared{method: http.MethodGet, url: env.URL("/healthz"), header: http.Header{}}
	var buf bytes.Buffer
	return send(env.Client, t.req.request(), &buf, healthzOK)
}

func (t *healthzTarget) NewWorker(int) Worker {
	// A GET has no body and the header map is only read: workers may share it.
	return &healthzWorker{req: t.req}
}

func (t *healthzTarget) Sample() *prepared { return t.req }

type healthzWorker struct {
	req *prepared
	buf bytes.Buffer
}

func (w *healthzWorker) Do(_ context.Context, client *http.Client) error {
	return send(client, w.req.request(), &w.buf, healthzOK)
}

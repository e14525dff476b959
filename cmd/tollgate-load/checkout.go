package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

func init() {
	register(targetInfo{
		name: "checkout-hot",
		about: "License Manager CheckoutLicense (PROVISIONAL, 1 unit) then CheckInLicense, every worker on one pool " +
			"(the demo buyer's license of product " + hotSKU + "; see seed-licenses); one op is the pair",
		needsKeys: true,
		unit:      "pairs",
		new:       func() Target { return &checkoutTarget{spread: false} },
	})
	register(targetInfo{
		name: "checkout-spread",
		about: "as checkout-hot, over --licenses licenses of product " + spreadSKU + ", each held by its own buyer " +
			"(seed-licenses --count); worker i takes buyers i, i+C, i+2C, ... in turn",
		unit: "pairs",
		new:  func() Target { return &checkoutTarget{spread: true} },
	})
}

// checkoutPresign is how many checkout requests the checkout targets sign
// before a phase (at least --presign): enough for about 3,000 pairs/s over
// an 11 s phase. A worker that runs out signs the rest as it sends them.
const checkoutPresign = 32768

var (
	lmHeaderCheckout = lmHeader("CheckoutLicense")
	lmHeaderCheckIn  = lmHeader("CheckInLicense")
	tokenField       = []byte(`"LicenseConsumptionToken":"`)
	signedTokenField = []byte(`"SignedToken":"`)
)

// lmHeader is what aws-sdk-go-v2's License Manager client sends (JSON 1.1),
// less its User-Agent and invocation-ID headers, which the server ignores.
func lmHeader(op string) http.Header {
	return http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AWSLicenseManager." + op}}
}

// checkoutBody is a CheckoutLicense request of one unit of Seats with a
// fresh client token.
func checkoutBody(sku string) []byte {
	return []byte(`{"CheckoutType":"PROVISIONAL","ClientToken":"` + randomHex(16) + `","Entitlements":[{"Name":"` + seatName +
		`","Unit":"Count","Value":"1"}],"KeyFingerprint":"` + loadFingerprint() + `","ProductSKU":"` + sku + `"}`)
}

// checkoutTarget performs CheckoutLicense then CheckInLicense with the
// returned consumption token, as one operation.
//
// Signing: every check-in is signed as it is sent (it carries the token the
// checkout just returned). Checkouts carry a unique client token each (a
// repeated one would be answered from the stored first answer, without a
// checkout), so they cannot be replayed, but they can be signed ahead: the
// target signs max(--presign, 32768) of them before the phase, dealt out to
// the workers, each used once; a worker that runs out signs the rest as it
// sends them. With --sign-per-request every request is signed as it is sent.
type checkoutTarget struct {
	spread  bool
	env     *Env
	sku     string
	buyers  []*lmBuyer
	mine    [][]*lmBuyer  // per worker: the buyers it uses, in order
	presign [][]*prepared // per worker
	inline  atomic.Int64  // checkouts signed inside the window
}

// lmBuyer is one buyer's signer.
type lmBuyer struct {
	signer *signer
}

func (t *checkoutTarget) Prepare(ctx context.Context, env *Env) error {
	t.env = env
	if t.spread {
		t.sku = spreadSKU
		if env.Licenses < 1 {
			return usagef("checkout-spread needs --licenses N (as seeded with seed-licenses --count N)")
		}
		t.buyers = make([]*lmBuyer, env.Licenses)
		for i := range t.buyers {
			id, secret := spreadKey(i)
			e := *env
			e.AccessKey, e.SecretKey = id, secret
			t.buyers[i] = &lmBuyer{signer: newSigner(&e, "license-manager")}
		}
	} else {
		t.sku = hotSKU
		t.buyers = []*lmBuyer{{signer: newSigner(env, "license-manager")}}
	}
	u := env.URL("/")
	t.mine = make([][]*lmBuyer, env.Concurrency)
	for id := range t.mine {
		t.mine[id] = t.workerBuyers(id)
	}
	// One pair now, as a check: a wrong key or a missing seed fails here
	// with the server's message.
	w := t.newWorker(0, nil)
	if err := w.Do(ctx, env.Client); err != nil {
		return fmt.Errorf("checkout and check-in as %s: %w (did seed-licenses run on the server's data directory?)", w.buyers[0].signer.creds.AccessKeyID, err)
	}
	t.presign = make([][]*prepared, env.Concurrency)
	if env.SignPerRequest {
		return nil
	}
	per := (max(env.Pool, checkoutPresign) + env.Concurrency - 1) / env.Concurrency
	now := time.Now()
	for id := range t.presign {
		mine := t.mine[id]
		list := make([]*prepared, per)
		for j := range list {
			b := mine[j%len(mine)]
			p, err := b.signer.sign(ctx, http.MethodPost, u, lmHeaderCheckout, checkoutBody(t.sku), now)
			if err != nil {
				return err
			}
			list[j] = p
		}
		t.presign[id] = list
	}
	return nil
}

// workerBuyers returns the buyers worker id uses, in its order: for spread,
// buyers id, id+C, ... starting at a random one of them, so that the
// licenses a phase touches are scattered over the whole set.
func (t *checkoutTarget) workerBuyers(id int) []*lmBuyer {
	if !t.spread {
		return t.buyers
	}
	var mine []*lmBuyer
	for i := id % len(t.buyers); i < len(t.buyers); i += t.env.Concurrency {
		mine = append(mine, t.buyers[i])
	}
	off := rand.IntN(len(mine))
	return append(mine[off:], mine[:off]...)
}

func (t *checkoutTarget) NewWorker(id int) Worker { return t.newWorker(id, t.presign[id]) }

func (t *checkoutTarget) newWorker(id int, presigned []*prepared) *checkoutWorker {
	return &checkoutWorker{t: t, buyers: t.mine[id], presigned: presigned, url: t.env.URL("/")}
}

// Inline reports how many checkouts were signed inside the measured window
// for want of pre-signed ones.
func (t *checkoutTarget) Inline() int64 { return t.inline.Load() }

type checkoutWorker struct {
	t         *checkoutTarget
	buyers    []*lmBuyer
	next      int // index into buyers, and into presigned
	presigned []*prepared
	url       *url.URL
	buf       bytes.Buffer
}

func (w *checkoutWorker) Do(ctx context.Context, client *http.Client) error {
	i := w.next
	w.next++
	b := w.buyers[i%len(w.buyers)]
	var req *prepared
	if i < len(w.presigned) {
		req = w.presigned[i]
		w.presigned[i] = nil // each is used once
	} else {
		var err error
		if req, err = b.signer.sign(ctx, http.MethodPost, w.url, lmHeaderCheckout, checkoutBody(w.t.sku), time.Now()); err != nil {
			return err
		}
		if w.presigned != nil {
			w.t.inline.Add(1)
		}
	}
	if err := send(client, req.request(), &w.buf, signedTokenField); err != nil {
		return fmt.Errorf("CheckoutLicense: %w", err)
	}
	token, err := consumptionToken(w.buf.Bytes())
	if err != nil {
		return err
	}
	in, err := b.signer.sign(ctx, http.MethodPost, w.url, lmHeaderCheckIn, []byte(`{"LicenseConsumptionToken":`+strconv.Quote(token)+`}`), time.Now())
	if err != nil {
		return err
	}
	if err := send(client, in.request(), &w.buf, nil); err != nil {
		return fmt.Errorf("CheckInLicense: %w", err)
	}
	return nil
}

// consumptionToken finds the LicenseConsumptionToken in a CheckoutLicense
// response without decoding the whole body (whose signed token is about a
// kilobyte): the token is hex, so it needs no unescaping.
func consumptionToken(body []byte) (string, error) {
	i := bytes.Index(body, tokenField)
	if i < 0 {
		return "", fmt.Errorf("CheckoutLicense: no LicenseConsumptionToken in %s", truncate(string(body), 300))
	}
	rest := body[i+len(tokenField):]
	j := bytes.IndexByte(rest, '"')
	if j <= 0 {
		return "", fmt.Errorf("CheckoutLicense: malformed LicenseConsumptionToken in %s", truncate(string(body), 300))
	}
	return string(rest[:j]), nil
}

package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/store"
)

// world is a demo server for a test: the app wired as `tollgate serve
// --demo` wires it, behind an httptest server.
type world struct {
	app  *app.App
	url  string
	demo demo.World
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldWith(t, app.Config{})
}

// newWorldWith is newWorld with cfg's settings (its store, demo and log
// are the test's).
func newWorldWith(t *testing.T, cfg app.Config) *world {
	t.Helper()
	cfg.Store, cfg.Demo, cfg.Log = store.Config{DataDir: t.TempDir()}, true, slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open the demo app: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		if err := a.Close(); err != nil {
			t.Errorf("close the app: %v", err)
		}
	})
	return &world{app: a, url: srv.URL, demo: *a.Demo}
}

// account creates an account with a console password.
func (w *world) account(t *testing.T, name string) (account.Account, string) {
	t.Helper()
	a, _, err := w.app.Accounts.Create(t.Context(), account.CreateAccountInput{Name: name})
	if err != nil {
		t.Fatalf("create account %q: %v", name, err)
	}
	const pw = "a password for tests"
	if err := w.app.Accounts.SetPassword(t.Context(), account.SetPasswordInput{AccountID: a.ID, Password: pw}); err != nil {
		t.Fatal(err)
	}
	return a, pw
}

// client is a browser-like HTTP client: it keeps cookies, does not follow
// redirects (tests look at them), and sends Sec-Fetch-Site as browsers do.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func (w *world) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: w.url, http: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is what a request got back, its body read.
type response struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(method, path string, form url.Values, header map[string]string) response {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string) response { c.t.Helper(); return c.do("GET", path, nil, nil) }

func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	return c.do("POST", path, form, nil)
}

// signIn signs the client in, failing the test if it cannot.
func (c *client) signIn(accountID, password string) {
	c.t.Helper()
	r := c.post("/console/signin", url.Values{"account": {accountID}, "password": {password}, "next": {"/console/"}})
	if r.status != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: status %d\n%s", accountID, r.status, r.body)
	}
}

// chromium starts headless Chromium for a test, or skips the test unless
// TOLLGATE_TEST_CHROMIUM names the browser's binary (CI sets it to
// /usr/bin/chromium). The browser gets a fresh profile and stops when the
// test ends.
func chromium(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("TOLLGATE_TEST_CHROMIUM")
	if path == "" {
		t.Skip("set TOLLGATE_TEST_CHROMIUM to a Chromium binary, such as /usr/bin/chromium, to run the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // as root in CI's containers
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// stepTimeout bounds one step of a browser test: generous, because CI runs
// the browser beside every other package's tests on two cores.
const stepTimeout = time.Minute

// step runs browser actions with a time limit, failing the test with what
// was being done.
func step(t *testing.T, ctx context.Context, doing string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", doing, err)
	}
}

// text returns an element's visible text.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// location returns the page's URL.
func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// screenshot saves the whole page as name.png in the directory
// TOLLGATE_SCREENSHOTS names, if it names one (a relative path is taken
// from the package's directory, where go test runs).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("TOLLGATE_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", file)
}

// browserSignIn signs in through the sign-in page the browser is on.
func browserSignIn(t *testing.T, ctx context.Context, accountID, password string) {
	t.Helper()
	step(t, ctx, "sign in as "+accountID,
		chromedp.WaitVisible(chromedp.CSS("#account")),
		chromedp.SendKeys(chromedp.CSS("#account"), accountID),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("form.form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".who-name")),
	)
}

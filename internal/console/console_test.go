package console_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/console"
	"github.com/tollgate/tollgate/internal/subscription"
)

// wantHeaders are the security headers on every console response.
var wantHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; " +
		"frame-ancestors 'none'; form-action 'self'",
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy":        "same-origin",
	"X-Frame-Options":        "DENY",
}

func TestSecurityHeaders(t *testing.T) {
	w := newWorld(t)
	c := w.client(t)
	buyer := w.demo.Buyer
	for _, tc := range []struct {
		name, method, path string
		form               url.Values
		header             map[string]string
		status             int
	}{
		{"SignInPage", "GET", "/console/signin", nil, nil, 200},
		{"Stylesheet", "GET", "/console/static/style.css", nil, nil, 200},
		{"PurchasePage", "GET", catalog.PurchasePath(w.demo.ImageProduct.Code), nil, nil, 200},
		{"HomeSignedOut", "GET", "/console/", nil, nil, http.StatusSeeOther},
		{"NotFound", "GET", "/console/no-such-page", nil, nil, 404},
		{"WrongPassword", "POST", "/console/signin", url.Values{"account": {buyer.Account.ID}, "password": {"wrong password!"}}, nil, 401},
		{"CrossSitePost", "POST", "/console/signin", url.Values{"account": {buyer.Account.ID}, "password": {buyer.Password}},
			map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(tc.method, tc.path, tc.form, tc.header)
			if r.status != tc.status {
				t.Errorf("status %d, want %d", r.status, tc.status)
			}
			for h, want := range wantHeaders {
				if got := r.header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			if tc.name != "Stylesheet" && r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q on a page, want no-store", r.header.Get("Cache-Control"))
			}
			if r.status == 200 && tc.name != "Stylesheet" && !strings.HasPrefix(r.header.Get("Content-Type"), "text/html; charset=utf-8") {
				t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
			}
		})
	}
}

// TestCrossOriginPostsRefused: a form posted from another site changes
// nothing, whichever header tells the console so.
func TestCrossOriginPostsRefused(t *testing.T) {
	w := newWorld(t)
	buyer := w.demo.Buyer
	c := w.client(t)
	c.signIn(buyer.Account.ID, buyer.Password)
	sub, err := w.app.Subscriptions.Subscribe(t.Context(), buyer.Account.ID, subscription.SubscribeInput{ProductCode: w.demo.ImageProduct.Code})
	if err != nil {
		t.Fatal(err)
	}
	for name, header := range map[string]map[string]string{
		"SecFetchSite": {"Sec-Fetch-Site": "cross-site"},
		"Origin":       {"Sec-Fetch-Site": "", "Origin": "https://attacker.example"},
	} {
		t.Run(name, func(t *testing.T) {
			r := c.do("POST", "/console/subscriptions/"+sub.ID+"/cancel", url.Values{}, header)
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "This request came from another site") {
				t.Errorf("status %d, want 403 and the refusal page:\n%s", r.status, r.body)
			}
			got, err := w.app.Subscriptions.Get(t.Context(), buyer.Account.ID, sub.ID)
			if err != nil || got.Status != subscription.Active {
				t.Errorf("after a cross-site cancel the subscription is %s (%v), want active", got.Status, err)
			}
			r = c.do("POST", "/console/signin", url.Values{"account": {buyer.Account.ID}, "password": {buyer.Password}}, header)
			if r.status != http.StatusForbidden || r.header.Get("Set-Cookie") != "" {
				t.Errorf("cross-site sign-in: status %d, Set-Cookie %q; want 403 and no cookie", r.status, r.header.Get("Set-Cookie"))
			}
		})
	}
	r := c.do("POST", "/console/subscriptions/"+sub.ID+"/cancel", url.Values{}, nil)
	if r.status != http.StatusSeeOther {
		t.Errorf("same-site cancel: status %d, want 303", r.status)
	}
}

func TestSignInAndOut(t *testing.T) {
	w := newWorld(t)
	buyer := w.demo.Buyer
	c := w.client(t)

	r := c.post("/console/signin", url.Values{"account": {buyer.Account.ID}, "password": {"not the password"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "The account ID or the password is wrong.") ||
		!strings.Contains(r.body, `value="`+buyer.Account.ID+`"`) || strings.Contains(r.body, "not the password") {
		t.Errorf("wrong password: status %d; want 401, the message, the account ID kept and the password not:\n%s", r.status, r.body)
	}
	r = c.post("/console/signin", url.Values{"account": {"12ab"}, "password": {""}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "give your account&#39;s 12-digit ID") || !strings.Contains(r.body, "give your password") {
		t.Errorf("malformed sign-in: status %d; want 400 and both fields' errors:\n%s", r.status, r.body)
	}

	r = c.post("/console/signin", url.Values{"account": {buyer.Account.ID}, "password": {buyer.Password}, "next": {"/console/subscriptions"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/console/subscriptions" {
		t.Fatalf("sign in: status %d, Location %q; want 303 to /console/subscriptions", r.status, r.header.Get("Location"))
	}
	cookie := sessionCookie(t, r)
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.Secure || cookie.Expires.IsZero() {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, an expiry, and not Secure over plain HTTP", cookie)
	}
	if p, err := w.app.Accounts.Session(t.Context(), cookie.Value); err != nil || p.AccountID != buyer.Account.ID {
		t.Errorf("the cookie's session: %+v, %v", p, err)
	}
	home := c.get("/console/")
	if home.status != 200 || !strings.Contains(home.body, "Welcome, "+buyer.Account.Name) {
		t.Errorf("home after signing in: %d\n%s", home.status, home.body)
	}
	if r := c.get("/console/signin"); r.status != http.StatusSeeOther {
		t.Errorf("the sign-in page when signed in: %d, want a redirect", r.status)
	}

	r = c.post("/console/signout", url.Values{})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/console/signin?signedout=1" {
		t.Errorf("sign out: %d to %q", r.status, r.header.Get("Location"))
	}
	if cleared := sessionCookie(t, r); cleared.MaxAge >= 0 || cleared.Value != "" {
		t.Errorf("sign-out cookie %+v: want it deleted", cleared)
	}
	if _, err := w.app.Accounts.Session(t.Context(), cookie.Value); err == nil {
		t.Error("the session still works after signing out")
	}
	// The old cookie, replayed, is signed out too.
	replay := c.do("GET", "/console/", nil, map[string]string{"Cookie": console.SessionCookie + "=" + cookie.Value})
	if replay.status != http.StatusSeeOther {
		t.Errorf("replayed cookie: status %d, want a redirect to sign in", replay.status)
	}
}

// TestSignInSlowsDownGuessing: after account.SignInFreeFailures wrong
// passwords, the sign-in form answers 429 and says how long to wait, with
// the account ID kept, even for the right password.
func TestSignInSlowsDownGuessing(t *testing.T) {
	w := newWorld(t)
	buyer := w.demo.Buyer
	c := w.client(t)
	for range account.SignInFreeFailures {
		if r := c.post("/console/signin", url.Values{"account": {buyer.Account.ID}, "password": {"not the password"}}); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d, want 401", r.status)
		}
	}
	r := c.post("/console/signin", url.Values{"account": {buyer.Account.ID}, "password": {buyer.Password}})
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many wrong passwords for this account ID: try again in 1 second.") ||
		!strings.Contains(r.body, `value="`+buyer.Account.ID+`"`) {
		t.Errorf("sign-in while waiting: status %d; want 429, the wait and the account ID kept:\n%s", r.status, r.body)
	}
}

func sessionCookie(t *testing.T, r response) *http.Cookie {
	t.Helper()
	for _, line := range r.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == console.SessionCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie set; headers %v", console.SessionCookie, r.header)
	return nil
}

// TestSecureCookieOverTLS: a sign-in that arrives over TLS gets a Secure
// cookie.
func TestSecureCookieOverTLS(t *testing.T) {
	w := newWorld(t)
	buyer := w.demo.Buyer
	form := url.Values{"account": {buyer.Account.ID}, "password": {buyer.Password}}
	req := httptest.NewRequest("POST", "https://tollgate.example/console/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.TLS = &tls.ConnectionState{}
	rec := httptest.NewRecorder()
	w.app.Handler.ServeHTTP(rec, req)
	cookie := sessionCookie(t, response{status: rec.Code, header: rec.Header()})
	if !cookie.Secure {
		t.Errorf("cookie over TLS %+v: want Secure", cookie)
	}
}

// TestPublicURL: behind a proxy that terminates TLS (serve --public-url
// https://...), a sign-in over plain HTTP gets a Secure cookie, and purchase
// URLs are written with the public URL whatever the Host header says.
func TestPublicURL(t *testing.T) {
	w := newWorldWith(t, app.Config{PublicURL: "https://market.example/"})
	seller := w.demo.Seller
	form := url.Values{"account": {seller.Account.ID}, "password": {seller.Password}}
	req := httptest.NewRequest("POST", "http://attacker.example/console/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	w.app.Handler.ServeHTTP(rec, req)
	cookie := sessionCookie(t, response{status: rec.Code, header: rec.Header()})
	if !cookie.Secure {
		t.Errorf("cookie behind a TLS proxy %+v: want Secure", cookie)
	}
	page := httptest.NewRequest("GET", "http://attacker.example/console/products/"+w.demo.ImageProduct.ID, nil)
	page.AddCookie(cookie)
	rec = httptest.NewRecorder()
	w.app.Handler.ServeHTTP(rec, page)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "https://market.example/purchase/"+w.demo.ImageProduct.Code) || strings.Contains(body, "attacker.example") {
		t.Errorf("product page: %d; want the purchase URL on https://market.example and no trace of the Host header:\n%s", rec.Code, body)
	}
}

// TestSignInReturnsOnlyHome: the sign-in page returns to the console's own
// pages and nowhere else.
func TestSignInReturnsOnlyHome(t *testing.T) {
	w := newWorld(t)
	buyer := w.demo.Buyer
	for _, tc := range []struct{ next, want string }{
		{"/purchase/abcdefgh12345678", "/purchase/abcdefgh12345678"},
		{"/console/products?page=2", "/console/products?page=2"},
		{"/console/subscriptions", "/console/subscriptions"},
		{"", "/console/"},
		{"https://attacker.example/", "/console/"},
		{"//attacker.example/console/", "/console/"},
		{"/\\attacker.example", "/console/"},
		{"javascript:alert(1)", "/console/"},
		{"/v1/products", "/console/"},
		{"/console/../v1/products", "/console/"},
		{"/console/\r\nSet-Cookie: x=y", "/console/"},
	} {
		c := w.client(t)
		r := c.post("/console/signin", url.Values{"account": {buyer.Account.ID}, "password": {buyer.Password}, "next": {tc.next}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != tc.want {
			t.Errorf("next %q: status %d to %q, want 303 to %q", tc.next, r.status, r.header.Get("Location"), tc.want)
		}
	}
}

// TestSignedOutPagesAskToSignIn: the pages that need an account send a
// browser without one to sign in, to come back.
func TestSignedOutPagesAskToSignIn(t *testing.T) {
	w := newWorld(t)
	c := w.client(t)
	for _, path := range []string{"/console/", "/console/products", "/console/products/new", "/console/products/prod-0123456789abcdef0",
		"/console/subscriptions", "/purchase/offer/offer-0123456789abcdef0"} {
		r := c.get(path)
		want := "/console/signin?next=" + url.QueryEscape(path)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != want {
			t.Errorf("GET %s: status %d to %q, want 303 to %q", path, r.status, r.header.Get("Location"), want)
		}
	}
	r := c.post(catalog.PurchasePath(w.demo.ImageProduct.Code), url.Values{})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/console/signin?next=") {
		t.Errorf("subscribing signed out: %d to %q", r.status, r.header.Get("Location"))
	}
}

// TestErrorPages: unknown pages, products and codes get the not-found page
// in the console's layout; a form too large to read gets its own page.
func TestErrorPages(t *testing.T) {
	w := newWorld(t)
	seller := w.demo.Seller
	c := w.client(t)
	c.signIn(seller.Account.ID, seller.Password)
	for _, tc := range []struct {
		path, title string
	}{
		{"/console/nothing-here", "Page not found"},
		{"/console/static/", "404"},
		{"/console/static/nothing.css", "404"},
		{"/purchase/nosuchcode12345", "Product not found"},
		{"/console/products/prod-0123456789abcdef0", "Product not found"},
		{"/purchase/offer/offer-0123456789abcdef0", "Offer not found"},
	} {
		r := c.get(tc.path)
		if r.status != http.StatusNotFound || !strings.Contains(r.body, tc.title) {
			t.Errorf("GET %s: status %d; want 404 with %q:\n%.400s", tc.path, r.status, tc.title, r.body)
		}
		if strings.Contains(tc.title, "found") && !strings.Contains(r.body, `class="who-name"`) {
			t.Errorf("GET %s: the not-found page lacks the layout's header", tc.path)
		}
	}
	big := url.Values{"Name": {"x"}, "Description": {strings.Repeat("d", console.MaxFormBytes)}}
	if r := c.post("/console/products/new", big); r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "The form is too large") {
		t.Errorf("a form over the limit: status %d, want 413 and its page", r.status)
	}
}

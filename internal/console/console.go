// Package console is Tollgate's web console: server-rendered pages for what
// AWS keeps in its portals. Buyers sign in, open a product's purchase page
// and subscribe, and see and cancel their subscriptions; sellers register
// products with their prices and see each product's code, purchase URL and
// subscribers.
//
// Pages are html/template, embedded in the binary with their stylesheet,
// and need no JavaScript. The package is a thin adapter: it decodes forms,
// calls the account, catalog and subscription services, and renders what
// they return; the rules live in those services.
//
// Security: every state-changing request passes net/http's
// CrossOriginProtection; every response carries a strict
// Content-Security-Policy and its companion headers (securityHeaders); the
// session cookie is HttpOnly and SameSite=Lax, and Secure on TLS requests;
// html/template escapes every value for its context.
package console

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/subscription"
)

// Config is what the console is built from.
type Config struct {
	Accounts      *account.Service
	Catalog       *catalog.Service
	Subscriptions *subscription.Service
	// Clock is the marketplace's clock: pages that say "now" read it.
	Clock clock.Clock
	Log   *slog.Logger
}

// Console is the console's HTTP handler, for /console/ and /purchase/.
type Console struct {
	cfg     Config
	pages   *pages
	handler http.Handler
}

// MaxFormBytes bounds a form's body: the longest description the catalog
// accepts (16 KiB) and every price field fit well within it.
const MaxFormBytes = 256 << 10

// New returns the console.
func New(cfg Config) (*Console, error) {
	if cfg.Accounts == nil || cfg.Catalog == nil || cfg.Subscriptions == nil || cfg.Clock == nil {
		return nil, errors.New("console: Accounts, Catalog, Subscriptions and Clock are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, pages: p}
	c.handler = c.routes()
	return c, nil
}

// ServeHTTP serves a console request.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

func (c *Console) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /console/static/", staticHandler())
	mux.HandleFunc("GET /console/{$}", c.home)
	mux.HandleFunc("GET /console/signin", c.signInPage)
	mux.HandleFunc("POST /console/signin", c.signIn)
	mux.HandleFunc("POST /console/signout", c.signOut)
	mux.HandleFunc("GET /console/products", c.products)
	mux.HandleFunc("GET /console/products/new", c.newProductPage)
	mux.HandleFunc("POST /console/products/new", c.createProduct)
	mux.HandleFunc("GET /console/products/{id}", c.product)
	mux.HandleFunc("GET /console/subscriptions", c.subscriptions)
	mux.HandleFunc("POST /console/subscriptions/{id}/cancel", c.cancel)
	mux.HandleFunc("GET /purchase/offer/{id}", c.offerPage)
	mux.HandleFunc("POST /purchase/offer/{id}", c.subscribeOffer)
	mux.HandleFunc("GET /purchase/{code}", c.purchasePage)
	mux.HandleFunc("POST /purchase/{code}", c.subscribe)
	mux.HandleFunc("/", c.notFound)

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.errorPage(w, r, http.StatusForbidden, "This request came from another site",
			"The console accepts forms only from its own pages. Go back, reload the page and try again.")
	}))
	return securityHeaders(csrf.Handler(limitBody(mux)))
}

// contentSecurityPolicy allows the console's own stylesheet, images and
// forms and nothing else: no scripts at all (the pages have none), no
// framing (against clickjacking), and no forms posting elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

// securityHeaders sets the headers every console response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, staticPrefix) {
			// Pages show the signed-in account's data: no shared caches,
			// and no back-button copy after signing out.
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody bounds every request body to MaxFormBytes.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
		next.ServeHTTP(w, r)
	})
}

// parseForm reads a POST form, answering a too-large or unreadable body
// itself; it reports whether the handler may go on.
func (c *Console) parseForm(w http.ResponseWriter, r *http.Request) bool {
	err := r.ParseForm()
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		c.errorPage(w, r, http.StatusRequestEntityTooLarge, "The form is too large",
			"A form may hold at most 256 KiB. Shorten the description and try again.")
		return false
	}
	c.errorPage(w, r, http.StatusBadRequest, "The form could not be read", "Go back, reload the page and try again.")
	return false
}

// statusOf maps each fault kind to the status of the page that reports it:
// the console's one table of error kinds.
var statusOf = map[fault.Kind]int{
	fault.Internal:           http.StatusInternalServerError,
	fault.Invalid:            http.StatusBadRequest,
	fault.NotFound:           http.StatusNotFound,
	fault.Conflict:           http.StatusConflict,
	fault.LimitExceeded:      http.StatusTooManyRequests,
	fault.Unauthenticated:    http.StatusUnauthorized,
	fault.UnknownCredentials: http.StatusUnauthorized,
	fault.BadSignature:       http.StatusUnauthorized,
	fault.MalformedSignature: http.StatusBadRequest,
	fault.ClockSkew:          http.StatusBadRequest,
	fault.Expired:            http.StatusUnauthorized,
	fault.Forbidden:          http.StatusForbidden,
	fault.UnknownOperation:   http.StatusNotFound,
	fault.Throttled:          http.StatusTooManyRequests,
	fault.Unavailable:        http.StatusServiceUnavailable,
}

// titleOf is the heading of the page for each status.
var titleOf = map[int]string{
	http.StatusBadRequest:          "That request is not valid",
	http.StatusUnauthorized:        "Sign in again",
	http.StatusForbidden:           "You may not do that",
	http.StatusNotFound:            "Page not found",
	http.StatusConflict:            "That clashes with what is there",
	http.StatusTooManyRequests:     "Too many requests",
	http.StatusInternalServerError: "Something went wrong on our side",
	http.StatusServiceUnavailable:  "Tollgate is busy",
}

// fail renders the page for a service's error: its own message, unless it
// is internal, whose cause goes to the log only.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	fe := fault.As(err)
	status, ok := statusOf[fe.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	msg := fe.Message
	if status == http.StatusInternalServerError {
		c.cfg.Log.ErrorContext(r.Context(), "console request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "The request failed. Try again in a moment; if it keeps failing, tell the operator of this marketplace."
	}
	c.errorPage(w, r, status, titleOf[status], msg)
}

// notFound answers paths the console does not have.
func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	c.errorPage(w, r, http.StatusNotFound, titleOf[http.StatusNotFound],
		"There is no page at this address. Check the link, or start again from the console's home page.")
}

// errorPage renders an error page in the console's layout.
func (c *Console) errorPage(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	me, _ := c.viewer(r.Context(), r)
	c.render(w, r, status, "error", view{Title: title, Me: me, Data: errorData{Status: status, Title: title, Message: message}})
}

type errorData struct {
	Status         int
	Title, Message string
}

// viewer returns the signed-in account, or nil if nobody is signed in.
func (c *Console) viewer(ctx context.Context, r *http.Request) (*account.Account, error) {
	cookie, err := r.Cookie(SessionCookie)
	if err != nil || cookie.Value == "" {
		return nil, nil
	}
	p, err := c.cfg.Accounts.Session(ctx, cookie.Value)
	if fault.Is(err, fault.Unauthenticated) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a, err := c.cfg.Accounts.Get(ctx, p.AccountID)
	if fault.Is(err, fault.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

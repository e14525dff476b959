package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/baseurl"
	"github.com/tollgate/tollgate/internal/fault"
)

// SessionCookie is the name of the session cookie. Its path is /, so that
// the native API under /v1/ accepts it too (account.Service.Session).
const SessionCookie = "tollgate_session"

// signInData is the sign-in page's data.
type signInData struct {
	AccountID string
	Next      string
	Error     string
	Fields    map[string]string // input name -> message
	SignedOut bool
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	me, err := c.viewer(r.Context(), r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if me != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "signin", view{Title: "Sign in", Data: signInData{
		Next: next, SignedOut: r.URL.Query().Get("signedout") == "1"}})
}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	if !c.parseForm(w, r) {
		return
	}
	in := account.SignInInput{AccountID: strings.TrimSpace(r.PostForm.Get("account")), Password: r.PostForm.Get("password")}
	data := signInData{AccountID: in.AccountID, Next: safeNext(r.PostForm.Get("next"))}
	token, sess, err := c.cfg.Accounts.SignIn(r.Context(), in)
	switch {
	case err == nil:
		setSessionCookie(w, r, token, sess.ExpiresAt)
		http.Redirect(w, r, data.Next, http.StatusSeeOther)
		return
	case fault.Is(err, fault.Invalid):
		data.Fields = map[string]string{}
		for _, f := range fault.As(err).Fields {
			data.Fields[map[string]string{"AccountId": "account", "Password": "password"}[f.Field]] = f.Message
		}
		c.render(w, r, http.StatusBadRequest, "signin", view{Title: "Sign in", Data: data})
	case fault.Is(err, fault.Unauthenticated):
		data.Error = "The account ID or the password is wrong."
		c.render(w, r, http.StatusUnauthorized, "signin", view{Title: "Sign in", Data: data})
	case fault.Is(err, fault.Throttled):
		msg := fault.As(err).Message
		data.Error = strings.ToUpper(msg[:1]) + msg[1:] + "."
		c.render(w, r, http.StatusTooManyRequests, "signin", view{Title: "Sign in", Data: data})
	default:
		c.fail(w, r, err)
	}
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	if cookie, err := r.Cookie(SessionCookie); err == nil {
		if err := c.cfg.Accounts.SignOut(r.Context(), cookie.Value); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: baseurl.Secure(r)})
	http.Redirect(w, r, "/console/signin?signedout=1", http.StatusSeeOther)
}

// setSessionCookie gives the browser its session token. HttpOnly keeps it
// from scripts; SameSite=Lax keeps it off cross-site form posts (and
// CrossOriginProtection refuses those anyway) while links from other sites,
// such as a seller's "buy now" link to a purchase page, still arrive signed
// in; Secure when the request came over TLS. The cookie lasts as long as
// the session can.
func setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Expires: expires, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: baseurl.Secure(r)})
}

// requireViewer returns the signed-in account; without one it sends the
// browser to the sign-in page, to come back to next, and returns nil.
func (c *Console) requireViewer(w http.ResponseWriter, r *http.Request, next string) *account.Account {
	me, err := c.viewer(r.Context(), r)
	if err != nil {
		c.fail(w, r, err)
		return nil
	}
	if me == nil {
		http.Redirect(w, r, signInURL(next), http.StatusSeeOther)
		return nil
	}
	return me
}

// signInURL is the sign-in page that returns to next.
func signInURL(next string) string {
	return "/console/signin?next=" + url.QueryEscape(safeNext(next))
}

// safeNext returns next if it is a path of the console's own (so that a
// link cannot make the sign-in page send a browser to another site), and
// the home page otherwise.
func safeNext(next string) string {
	const home = "/console/"
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n\t") {
		return home
	}
	if !strings.HasPrefix(u.Path, "/console/") && !strings.HasPrefix(u.Path, "/purchase/") {
		return home
	}
	if strings.Contains(u.Path, "/../") || strings.HasSuffix(u.Path, "/..") {
		return home
	}
	return u.RequestURI()
}

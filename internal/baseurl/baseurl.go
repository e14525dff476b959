// Package baseurl is the scheme and host that absolute URLs in responses
// (purchase URLs, the sign-in page's links in messages) are written with,
// and whether the browser reached the server over TLS.
//
// By default both come from the request: its Host header and whether its
// connection used TLS. Behind a proxy that terminates TLS, neither is what
// the browser used, and a Host header is the client's to choose; an
// operator then names the public URL (`tollgate serve --public-url`), and
// every response uses it, whatever the request says.
package baseurl

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

type publicKey struct{}

// With makes requests through next see public as their base URL; an empty
// public leaves them deriving it from themselves.
func With(next http.Handler, public string) http.Handler {
	if public == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), publicKey{}, public)))
	})
}

// Of is the scheme and host (and port) r's absolute URLs are written with.
func Of(r *http.Request) string {
	if public, ok := r.Context().Value(publicKey{}).(string); ok {
		return public
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// Secure reports whether the browser reached the server over TLS, and so
// whether cookies set for r should be Secure.
func Secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(Of(r), "https://")
}

// Parse checks a public URL as an operator gives it, and returns it in the
// form Of answers: scheme and host, no trailing slash.
func Parse(s string) (string, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", fmt.Errorf("%q is not a URL: %v", s, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("%q: the public URL starts with https:// (or http://)", s)
	case u.Host == "" || u.User != nil:
		return "", fmt.Errorf("%q: the public URL names a host, such as https://marketplace.example.com", s)
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("%q: the public URL is a scheme and host only; Tollgate serves from the root", s)
	}
	return u.Scheme + "://" + u.Host, nil
}

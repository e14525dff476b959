package baseurl

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		name, public string
		tls          bool
		want         string
		secure       bool
	}{
		{"plain request", "", false, "http://client.example:7070", false},
		{"TLS request", "", true, "https://client.example:7070", true},
		{"behind a TLS proxy", "https://market.example", false, "https://market.example", true},
		{"a public URL wins over the Host header", "http://market.example", false, "http://market.example", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			var secure bool
			h := With(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got, secure = Of(r), Secure(r) }), tc.public)
			r := httptest.NewRequest("GET", "/", nil)
			r.Host = "client.example:7070"
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want || secure != tc.secure {
				t.Errorf("Of %q Secure %v, want %q %v", got, secure, tc.want, tc.secure)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]string{
		"https://market.example":       "https://market.example",
		"https://market.example/":      "https://market.example",
		"http://127.0.0.1:8080":        "http://127.0.0.1:8080",
		"ftp://market.example":         "",
		"market.example":               "",
		"https://":                     "",
		"https://u:p@market.example":   "",
		"https://market.example/shop":  "",
		"https://market.example/?a=b":  "",
		"https://market.example/#frag": "",
		"https://market.example\x00":   "",
	} {
		got, err := Parse(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

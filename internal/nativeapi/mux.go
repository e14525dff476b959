package nativeapi

import (
	"net/http"
	"net/url"
	"slices"
	"sync"
)

// recordingMux is the router huma registers operations on: a ServeMux that
// remembers the patterns it was given, so that a test can check every one is
// in the OpenAPI document, and the 404 handler can tell a wrong method from
// a wrong path.
type recordingMux struct {
	*http.ServeMux
	mu       sync.Mutex
	patterns []string
}

func (m *recordingMux) HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request)) {
	m.mu.Lock()
	m.patterns = append(m.patterns, pattern)
	m.mu.Unlock()
	m.ServeMux.HandleFunc(pattern, handler)
}

func (m *recordingMux) routes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, p := range m.patterns {
		if p != Prefix {
			out = append(out, p)
		}
	}
	return out
}

// methodsFor lists the methods some operation answers at path, asking the
// mux itself which pattern each would reach.
func (m *recordingMux) methodsFor(path string) []string {
	var allow []string
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		r := &http.Request{Method: method, URL: &url.URL{Path: path}, Header: http.Header{}}
		if _, pattern := m.Handler(r); pattern != "" && pattern != Prefix {
			allow = append(allow, method)
		}
	}
	return slices.Clip(allow)
}

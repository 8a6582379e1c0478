package api

import (
	"net/http"
	"strings"
)

// publicRoutes are the handlers served without authentication (GET
// /healthz, /readyz and Config.Public), looked up before every request.
// Most requests are for no public route, and a ServeMux that finds none
// works out which methods the path would allow (a map, a sort, a dozen
// allocations): publicRoutes asks its mux only for a path that starts
// with the literal beginning of one of its patterns, or that the mux
// might clean or redirect. Safe for concurrent use once built.
type publicRoutes struct {
	mux      *http.ServeMux
	prefixes []string // the literal start of each pattern's path
}

func newPublicRoutes() *publicRoutes { return &publicRoutes{mux: http.NewServeMux()} }

// handle registers h for pattern (ServeMux's syntax; it panics as
// ServeMux.Handle does).
func (p *publicRoutes) handle(pattern string, h http.Handler) {
	p.mux.Handle(pattern, h)
	p.prefixes = append(p.prefixes, literalStart(pattern))
}

// literalStart returns the beginning of pattern's path that every path
// it matches, or redirects to with a trailing slash, starts with: up to
// its first wildcard, without a final slash. A pattern with an escape
// ('%') gives "", which every path starts with.
func literalStart(pattern string) string {
	path := pattern[strings.IndexByte(pattern, '/')+1:] // after the method and host, if any
	if strings.Contains(path, "%") {
		return ""
	}
	if i := strings.IndexByte(path, '{'); i >= 0 {
		path = path[:i]
	}
	return "/" + strings.TrimSuffix(path, "/")
}

// handler returns the public handler for r and its pattern, or pattern ""
// when r is for none (as ServeMux.Handler).
func (p *publicRoutes) handler(r *http.Request) (h http.Handler, pattern string) {
	if p.mayServe(r) {
		return p.mux.Handler(r)
	}
	return nil, ""
}

// mayServe reports whether the mux may have a handler or a redirect for
// r: false only when r's path is clean (from '/', without "//" or "/."),
// plainly escaped (no RawPath), and starts with no pattern's literal
// beginning.
func (p *publicRoutes) mayServe(r *http.Request) bool {
	path := r.URL.Path
	if r.Method == http.MethodConnect || r.URL.RawPath != "" || !strings.HasPrefix(path, "/") ||
		strings.Contains(path, "//") || strings.Contains(path, "/.") {
		return true
	}
	for _, pre := range p.prefixes {
		if strings.HasPrefix(path, pre) {
			return true
		}
	}
	return false
}

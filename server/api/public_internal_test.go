package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// The public routes skip their mux only for a request it has nothing
// for: for every request the mux would serve or redirect (an exact route,
// a trailing-slash or a cleaned path, an escaped one), mayServe says yes;
// for the API's own paths it says no, so they cost no lookup.
func TestPublicRoutesSkipOnlyMisses(t *testing.T) {
	p := newPublicRoutes()
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, pattern := range []string{"GET /healthz", "GET /readyz", "POST /login", "GET /inbox/login",
		"GET /inbox/static/", "GET /inbox", "GET /inbox/api/teammates/{id}", "PUT /inbox/api/teammates/{id}/tabs/{tab}",
		"GET example.com/hosted/{$}"} {
		p.handle(pattern, nop)
	}
	var served int
	for _, method := range []string{"GET", "HEAD", "POST", "PUT", "DELETE"} {
		for _, target := range []string{"/healthz", "/healthz/", "/readyz", "/login", "/inbox", "/inbox/", "/inbox/static",
			"/inbox/static/app.js", "/inbox/api/teammates/ana", "/inbox/api/teammates/ana/tabs/t1", "/x/../healthz",
			"//healthz", "/./readyz", "/%69nbox/login", "/inbox%2Flogin", "/a%2Fb", "/a/b", "/hosted/", "/hosted",
			"http://example.com/hosted", "/v1/workspaces/default/calls/c1", "/v1/cluster", "/metrics", "/",
			"/inboxes", "/health", "/v1/workspaces/default/teammates/ana/status"} {
			r := httptest.NewRequest(method, target, nil)
			_, pattern := p.mux.Handler(r)
			if pattern != "" {
				served++
				if !p.mayServe(r) {
					t.Errorf("%s %s: the mux has %q, mayServe says no", method, target, pattern)
				}
			}
			if h, got := p.handler(r); got != pattern || (got != "" && h == nil) {
				t.Errorf("%s %s: handler gives pattern %q, the mux %q", method, target, got, pattern)
			}
		}
	}
	if served < 20 {
		t.Fatalf("only %d requests matched: the table no longer tests what it should", served)
	}
	for _, target := range []string{"/v1/workspaces/default/calls/c1", "/v1/cluster", "/metrics", "/health"} {
		if r := httptest.NewRequest("GET", target, nil); p.mayServe(r) {
			t.Errorf("GET %s: mayServe says yes for no public route", target)
		}
	}
}

func TestLiteralStart(t *testing.T) {
	for pattern, want := range map[string]string{
		"GET /healthz": "/healthz", "/healthz": "/healthz", "GET /inbox/static/": "/inbox/static",
		"PUT /inbox/api/teammates/{id}/tabs/{tab}": "/inbox/api/teammates", "GET example.com/x/{$}": "/x",
		"/": "/", "GET /{$}": "/", "POST  /login": "/login", "GET /a%2Fb": "",
	} {
		if got := literalStart(pattern); got != want {
			t.Errorf("literalStart(%q) = %q, want %q", pattern, got, want)
		}
	}
}

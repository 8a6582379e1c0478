package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/phonebalance/phonebalance/server/api"
)

// Every route of the API, with a body that would be valid.
var everyRoute = []struct{ method, path, body string }{
	{"POST", "/v1/workspaces/default/teammates", `{"id":"eve","name":"Eve"}`},
	{"GET", "/v1/workspaces/default/teammates/ana", ``},
	{"DELETE", "/v1/workspaces/default/teammates/ana", ``},
	{"PUT", "/v1/workspaces/default/teammates/ana/status", `{"status":"Away","reason":"Lunch"}`},
	{"PUT", "/v1/workspaces/default/teammates/ana/channel", `{"channel":"Phone"}`},
	{"PUT", "/v1/workspaces/default/teammates/ana/client", `{"open":false}`},
	{"POST", "/v1/workspaces/default/teams", `{"id":"sales","name":"Sales"}`},
	{"GET", "/v1/workspaces/default/teams/support", ``},
	{"POST", "/v1/workspaces/default/teams/support/members", `{"teammate":"ana"}`},
	{"DELETE", "/v1/workspaces/default/teams/support/members/ana", ``},
	{"POST", "/v1/workspaces/default/calls", `{"id":"call-9","team":"support"}`},
	{"GET", "/v1/workspaces/default/calls/call-1", ``},
	{"POST", "/v1/workspaces/default/calls/call-1/answer", `{"teammate":"ana"}`},
	{"POST", "/v1/workspaces/default/calls/call-1/decline", `{"teammate":"ana","cause":"button"}`},
	{"POST", "/v1/workspaces/default/calls/call-1/hold", ``},
	{"POST", "/v1/workspaces/default/calls/call-1/resume", ``},
	{"POST", "/v1/workspaces/default/calls/call-1/transfer", `{"team":"support"}`},
	{"POST", "/v1/workspaces/default/calls/call-1/hangup", ``},
	{"POST", "/v1/workspaces/default/calls/call-1/end", ``},
	{"GET", "/v1/workspaces/default/calls/call-1/explain", ``},
	{"GET", "/v1/workspaces/default/calls/call-1/timeline", ``},
	{"GET", "/v1/workspaces/default/dashboard", ``},
	{"GET", "/metrics", ``},
	{"GET", "/v1/cluster", ``},
	{"POST", "/v1/cluster/join", `{"id":"127.0.0.1:1","raft_addr":"127.0.0.1:2"}`},
	{"POST", "/v1/cluster/remove", `{"id":"127.0.0.1:1"}`},
}

// Without the token, with a wrong one, or with another scheme, every
// route answers 401 and nothing changes; /healthz is open.
func TestEveryRouteNeedsTheToken(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	e.seed()
	e.c.do("POST", "/v1/workspaces/default/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, nil)
	before := e.rt.Default().Events().Len()
	for _, h := range []map[string]string{
		nil,
		{"Authorization": "Bearer " + token + "x"},
		{"Authorization": "Bearer " + token[:len(token)-1]},
		{"Authorization": "Basic " + token},
		{"Authorization": token},
		{"Cookie": api.CookieName + "=wrong-token-value-123"},
	} {
		for _, r := range everyRoute {
			code, body := e.c.raw(r.method, r.path, r.body, h)
			if code != http.StatusUnauthorized || !strings.Contains(body, `"unauthorized"`) {
				t.Fatalf("%s %s with %v: %d %s", r.method, r.path, h, code, body)
			}
		}
	}
	if got := e.rt.Default().Events().Len(); got != before {
		t.Fatalf("unauthenticated requests changed the log: %d events, had %d", got, before)
	}
	code, body := e.c.raw("GET", "/healthz", "", nil)
	if code != http.StatusOK || !strings.Contains(body, `"leader": true`) {
		t.Fatalf("healthz: %d %s", code, body)
	}
}

// The browser's cookie authenticates reads; a write with the cookie must
// come from the same origin.
func TestCookieAndSameOrigin(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	e.seed()
	cookie := api.CookieName + "=" + token
	host := strings.TrimPrefix(e.ts.URL, "http://")
	if code, _ := e.c.raw("GET", "/v1/workspaces/default/teams/support", "", map[string]string{"Cookie": cookie}); code != http.StatusOK {
		t.Fatalf("GET with the cookie: %d", code)
	}
	for i, c := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		// Without Sec-Fetch-Site or Origin the request is not from a
		// browser (every current browser sends Origin on a POST):
		// net/http.CrossOriginProtection lets it through.
		{"no origin", map[string]string{"Cookie": cookie}, http.StatusCreated},
		{"cross-site fetch", map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"same-site fetch", map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"other origin", map[string]string{"Cookie": cookie, "Origin": "http://evil.example"}, http.StatusForbidden},
		{"null origin", map[string]string{"Cookie": cookie, "Origin": "null"}, http.StatusForbidden},
		{"same-origin fetch", map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "same-origin"}, http.StatusCreated},
		// A cross-site request is refused whatever its credentials.
		{"cross-site bearer", map[string]string{"Authorization": "Bearer " + token, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
	} {
		body := fmt.Sprintf(`{"id":"zed-%d","name":"Zed"}`, i)
		code, resp := e.c.raw("POST", "/v1/workspaces/default/teammates", body, c.header)
		if code != c.want {
			t.Fatalf("%s: %d %s, want %d", c.name, code, resp, c.want)
		}
		if code == http.StatusForbidden && !strings.Contains(resp, `"code": "cross_origin"`) {
			t.Fatalf("%s: body %s", c.name, resp)
		}
	}
	code, _ := e.c.raw("POST", "/v1/workspaces/default/teammates", `{"id":"amy","name":"Amy"}`,
		map[string]string{"Cookie": cookie, "Origin": "http://" + host})
	equal(t, "same Origin", code, http.StatusCreated)
	// Bearer requests need no origin: they are not sent by browsers on
	// their own.
	e.c.do("POST", "/v1/workspaces/default/teammates", `{"id":"bob","name":"Bob"}`, http.StatusCreated, nil)
}

// Tokens compare as digests: equal tokens match, any difference
// (including length) does not; short tokens are refused at start.
func TestAuthenticator(t *testing.T) {
	a, err := api.NewAuthenticator(token)
	if err != nil {
		t.Fatal(err)
	}
	for tok, want := range map[string]bool{token: true, token + "0": false, token[1:]: false, "": false,
		strings.ToUpper(token): false} {
		if a.Valid(tok) != want {
			t.Errorf("Valid(%q) = %v", tok, !want)
		}
	}
	for _, bad := range []string{"short", "with space in the token", "tab\tin-the-token-here"} {
		if _, err := api.NewAuthenticator(bad); err == nil {
			t.Errorf("NewAuthenticator(%q) accepted", bad)
		}
	}
}

// Extra handlers sit behind the authentication, public ones do not, and
// a browser without credentials is sent to the login page.
func TestExtraAndPublicHandlers(t *testing.T) {
	page := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("the page")) })
	login := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("the login")) })
	e := newEnv(t, nil, api.Config{Extra: map[string]http.Handler{"GET /{$}": page},
		Public: map[string]http.Handler{"GET /login": login}, LoginPath: "/login"})
	if code, body := e.c.raw("GET", "/login", "", nil); code != http.StatusOK || body != "the login" {
		t.Fatalf("login: %d %s", code, body)
	}
	if code, _ := e.c.raw("GET", "/", "", nil); code != http.StatusUnauthorized {
		t.Fatalf("page without token: %d", code)
	}
	req, _ := http.NewRequest("GET", e.ts.URL+"/", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("browser without token: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if body := e.c.do("GET", "/", "", http.StatusOK, nil); body != "the page" {
		t.Fatalf("page: %s", body)
	}
	// A pattern that collides with the API's is refused.
	if _, err := api.New(api.Config{Runtime: e.rt, Token: token, Extra: map[string]http.Handler{"GET /v1/cluster": page}}); err == nil {
		t.Fatal("a conflicting pattern was accepted")
	}
}

// The Authorization scheme is case-insensitive (RFC 9110, 11.1):
// "bearer" and "BEARER" are "Bearer". Before, the API refused them (and
// the dashboard accepted them).
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		code, body := e.c.raw("GET", "/v1/cluster", "", map[string]string{"Authorization": scheme + " " + token})
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", scheme, code, body)
		}
	}
	for _, h := range []string{"bearer " + token + "x", "Basic " + token, "bearer"} {
		if code, _ := e.c.raw("GET", "/v1/cluster", "", map[string]string{"Authorization": h}); code != http.StatusUnauthorized {
			t.Fatalf("%q: %d, want 401", h, code)
		}
	}
}

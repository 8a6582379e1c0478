package dashboard

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/phonebalance/phonebalance/server/httpedge"
)

// The dashboard sits behind the server's one edge: the same error body
// for every refusal (404 and 405 included), the same ID limits as the
// API, the same same-origin guard and the same authentication. (Before,
// it had its own: IDs up to 256 bytes with bidi and zero-width characters
// accepted, "cross_site" where the API said "cross_origin", plain-text
// 404 and 405.)
func TestDashboardSharesTheEdge(t *testing.T) {
	_, ts, _, sub := newTestServer(t, Config{})
	c := noRedirect(ts)
	bearer := map[string]string{"Authorization": "bearer " + testToken} // the scheme in any case
	for _, r := range []struct {
		method, path, body string
		hdr                map[string]string
		status             int
		code               string
	}{
		{"GET", "/dashboard/nowhere", "", bearer, http.StatusNotFound, "not_found"},
		{"DELETE", "/dashboard/events", "", bearer, http.StatusMethodNotAllowed, "method_not_allowed"},
		{"GET", "/dashboard/static/missing.js", "", nil, http.StatusNotFound, "not_found"},
		{"POST", "/dashboard/teammates/an%E2%80%8Ba/channel", `{"channel":"Phone"}`, bearer, http.StatusBadRequest, "invalid_id"},
		{"POST", "/dashboard/teammates/ana%E2%80%AE/channel", `{"channel":"Phone"}`, bearer, http.StatusBadRequest, "invalid_id"},
		{"POST", "/dashboard/teammates/" + strings.Repeat("a", httpedge.MaxIDBytes+1) + "/channel", `{"channel":"Phone"}`, bearer, http.StatusBadRequest, "invalid_id"},
		{"POST", "/dashboard/teammates/ana/channel", "{\"channel\":\"Ph\xffone\"}", bearer, http.StatusBadRequest, "invalid_utf8"},
		{"POST", "/dashboard/teammates/ana/channel", `{"channel":"Phone"}`,
			map[string]string{"Cookie": CookieName + "=" + testToken, "Origin": "http://evil.example"}, http.StatusForbidden, "cross_origin"},
		{"POST", "/logout", "", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden, "cross_origin"},
		{"GET", "/dashboard/calls/c1/timeline", "", nil, http.StatusUnauthorized, "unauthorized"},
	} {
		resp, body := send(t, c, r.method, ts.URL+r.path, r.body, r.hdr)
		var eb httpedge.ErrorBody
		if err := json.Unmarshal([]byte(body), &eb); err != nil || resp.StatusCode != r.status || eb.Code != r.code ||
			resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %.60s: %d %q %s, want %d %q", r.method, r.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, r.status, r.code)
		}
	}
	if n := len(sub.list()); n != 0 {
		t.Fatalf("%d commands submitted for refused requests", n)
	}
	// The lower-case scheme authenticates.
	if resp, body := send(t, c, "POST", ts.URL+"/dashboard/teammates/ana/channel", `{"channel":"Phone"}`, bearer); resp.StatusCode != http.StatusOK {
		t.Fatalf("bearer in lower case: %d %s", resp.StatusCode, body)
	}
}

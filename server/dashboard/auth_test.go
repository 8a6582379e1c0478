package dashboard

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

func noRedirect(ts interface{ Client() *http.Client }) *http.Client {
	c := *ts.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func send(t *testing.T, c *http.Client, method, url, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Without the token the page sends the browser to the login form; the
// form sets the HttpOnly, SameSite=Strict cookie only for the right token.
func TestLogin(t *testing.T) {
	_, ts, _, _ := newTestServer(t, Config{})
	c := noRedirect(ts)

	resp, _ := send(t, c, "GET", ts.URL+"/", "", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("GET / without a token: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := send(t, c, "GET", ts.URL+"/login", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="token"`) {
		t.Fatalf("GET /login: %d %s", resp.StatusCode, body)
	}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}

	resp, _ = send(t, c, "POST", ts.URL+"/login", url.Values{"token": {"wrong"}}.Encode(), form)
	if resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Fatalf("wrong token: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	cross := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"}
	resp, _ = send(t, c, "POST", ts.URL+"/login", url.Values{"token": {testToken}}.Encode(), cross)
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
		t.Fatalf("cross-site login: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	resp, _ = send(t, c, "POST", ts.URL+"/login", "token="+strings.Repeat("x", 2*httpedge.MaxFormBody), form)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("oversized login body: %d", resp.StatusCode)
	}

	resp, _ = send(t, c, "POST", ts.URL+"/login", url.Values{"token": {testToken}}.Encode(), form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	ck := cookies[0]
	if ck.Name != CookieName || ck.Value != testToken || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode ||
		ck.Path != "/" || ck.MaxAge <= 0 {
		t.Fatalf("cookie %+v", ck)
	}

	withCookie := map[string]string{"Cookie": CookieName + "=" + testToken}
	resp, body = send(t, c, "GET", ts.URL+"/", "", withCookie)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="cards"`) ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("GET / with the cookie: %d", resp.StatusCode)
	}
	resp, body = send(t, c, "GET", ts.URL+"/dashboard/static/app.js", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "EventSource") {
		t.Fatalf("app.js: %d", resp.StatusCode)
	}
	if resp, _ = send(t, c, "GET", ts.URL+"/dashboard/static/", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("static directory listing: %d", resp.StatusCode)
	}
	if resp, _ = send(t, c, "GET", ts.URL+"/dashboard/static/index.html", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the page's template as a static file: %d", resp.StatusCode)
	}
}

// The data routes refuse requests without the token.
func TestDataRoutesNeedTheToken(t *testing.T) {
	_, ts, _, sub := newTestServer(t, Config{})
	c := noRedirect(ts)
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/dashboard/events", ""},
		{"GET", "/dashboard/calls/c1/timeline", ""},
		{"GET", "/dashboard/calls/c1/explain", ""},
		{"POST", "/dashboard/teammates/ana/channel", `{"channel":"Phone"}`},
	} {
		for _, hdr := range []map[string]string{
			nil,
			{"Authorization": "Bearer wrong"},
			{"Cookie": CookieName + "=wrong"},
		} {
			resp, _ := send(t, c, r.method, ts.URL+r.path, r.body, hdr)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s with %v: %d, want 401", r.method, r.path, hdr, resp.StatusCode)
			}
		}
	}
	if n := len(sub.list()); n != 0 {
		t.Fatalf("%d commands submitted without a token", n)
	}
}

// The channel control submits OpSetChannel for the teammate (Rule: PR7);
// cookie-authenticated changes must be same-origin; bad input changes
// nothing.
func TestSetChannel(t *testing.T) {
	_, ts, _, sub := newTestServer(t, Config{})
	c := ts.Client()
	cookie := "Cookie"
	path := ts.URL + "/dashboard/teammates/ana/channel"

	resp, _ := send(t, c, "POST", path, `{"channel":"Phone"}`,
		map[string]string{cookie: CookieName + "=" + testToken, "Sec-Fetch-Site": "cross-site"})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site change: %d", resp.StatusCode)
	}
	resp, _ = send(t, c, "POST", path, `{"channel":"Phone"}`,
		map[string]string{cookie: CookieName + "=" + testToken, "Origin": "http://evil.example"})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign Origin: %d", resp.StatusCode)
	}
	for _, b := range []struct {
		body string
		want int
	}{
		{`{"channel":"Fax"}`, http.StatusBadRequest},
		{`{"channel":"Phone","x":1}`, http.StatusBadRequest},
		{`not json`, http.StatusBadRequest},
		{`{"channel":"` + strings.Repeat("a", 2*httpedge.MaxJSONBody) + `"}`, http.StatusRequestEntityTooLarge},
	} {
		resp, _ = send(t, c, "POST", path, b.body, map[string]string{"Authorization": "Bearer " + testToken})
		if resp.StatusCode != b.want {
			t.Fatalf("body %.40q: %d, want %d", b.body, resp.StatusCode, b.want)
		}
	}
	if n := len(sub.list()); n != 0 {
		t.Fatalf("%d commands submitted for refused requests", n)
	}

	resp, body := send(t, c, "POST", path, `{"channel":"Conversations"}`,
		map[string]string{cookie: CookieName + "=" + testToken, "Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("same-origin change: %d %s", resp.StatusCode, body)
	}
	cmds := sub.list()
	want := assign.Command{Op: assign.OpSetChannel, Teammate: "ana", Channel: presence.ChannelConversations}
	if len(cmds) != 1 || cmds[0].Op != want.Op || cmds[0].Teammate != want.Teammate || cmds[0].Channel != want.Channel {
		t.Fatalf("submitted %+v, want %+v", cmds, want)
	}

	sub.mu.Lock()
	sub.err = fmt.Errorf("%w: zed", assign.ErrUnknownTeammate)
	sub.mu.Unlock()
	resp, body = send(t, c, "POST", ts.URL+"/dashboard/teammates/zed/channel", `{"channel":"Phone"}`,
		map[string]string{"Authorization": "Bearer " + testToken})
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "unknown_teammate") {
		t.Fatalf("unknown teammate: %d %s", resp.StatusCode, body)
	}
}

// Timeline and Explain answer what the host's funcs return, map their
// errors, and 404 when the host gave none.
func TestCallViews(t *testing.T) {
	_, ts, _, _ := newTestServer(t, Config{
		Timeline: func(_ context.Context, id pb.CallID) (any, error) {
			if id != "c1" {
				return nil, fmt.Errorf("%w: %s", assign.ErrUnknownCall, id)
			}
			return TimelineOf("c1", nil), nil
		},
	})
	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	resp, body := send(t, ts.Client(), "GET", ts.URL+"/dashboard/calls/c1/timeline", "", bearer)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"call": "c1"`) {
		t.Fatalf("timeline: %d %s", resp.StatusCode, body)
	}
	if resp, _ = send(t, ts.Client(), "GET", ts.URL+"/dashboard/calls/c2/timeline", "", bearer); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown call: %d", resp.StatusCode)
	}
	if resp, _ = send(t, ts.Client(), "GET", ts.URL+"/dashboard/calls/c1/explain", "", bearer); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("explain without a func: %d", resp.StatusCode)
	}
}

// New refuses a Config without its required funcs.
func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("New(Config{}) succeeded")
	}
	if _, err := New(Config{Source: &fakeSource{}, Submit: (&submitted{}).submit,
		Verifier: testTokens, History: -1}); err == nil {
		t.Fatal("negative History accepted")
	}
}

package main

import (
	"bufio"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// firstSnapshot opens the wallboard's stream with hdr (a Bearer token, or
// the login cookie) and returns its first snapshot's data.
func firstSnapshot(t *testing.T, c *http.Client, addr string, hdr map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/dashboard/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the stream with %v: %d", hdr, resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	snapshot := false
	for sc.Scan() {
		line := sc.Text()
		if line == "event: snapshot" {
			snapshot = true
		} else if data, ok := strings.CutPrefix(line, "data: "); ok && snapshot {
			return data
		}
	}
	t.Fatalf("no snapshot on the stream: %v", sc.Err())
	return ""
}

// login posts form to /login from a new browser (its own cookie jar,
// following no redirect) and returns the browser and the answer (its body
// closed).
func login(t *testing.T, addr string, form url.Values) (*http.Client, *http.Response) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", "http://"+addr+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return browser, resp
}

// The shipped wiring serves the wallboard of every workspace: a created
// workspace's host token logs in through the form, and its cookie then
// opens that workspace's board, through the API's authentication; each
// board shows its own workspace's teams and teammates only, and acts on
// its own workspace only; the admin token is refused. The inbox signs a
// teammate in to the created workspace.
func TestShippedWallboardPerWorkspace(t *testing.T) {
	out := &lines{ch: make(chan string, 64)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	env := map[string]string{"PHONEBALANCE_TOKEN": testToken, "PHONEBALANCE_ADMIN_TOKEN": testAdminToken}
	go func() {
		done <- run(ctx, []string{"-data", t.TempDir(), "-http", "127.0.0.1:0"}, out,
			func(k string) string { return env[k] }, wiring)
	}()
	var addr string
	for addr == "" {
		select {
		case l := <-out.ch:
			addr, _ = strings.CutPrefix(l, "phonebalanced listening on http://")
		case err := <-done:
			t.Fatalf("run returned %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("run did not listen")
		}
	}
	var ws api.WorkspaceBody
	mustAs(t, testAdminToken, addr, "POST", "/v1/workspaces", `{"id":"acme"}`, http.StatusCreated, &ws)
	acme := ws.HostToken
	for _, r := range []struct{ token, path, body string }{
		{testToken, "/v1/workspaces/default/teams", `{"id":"support","name":"Support"}`},
		{testToken, "/v1/workspaces/default/teammates", `{"id":"ana","name":"Ana"}`},
		{acme, "/v1/workspaces/acme/teams", `{"id":"sales","name":"Sales"}`},
		{acme, "/v1/workspaces/acme/teammates", `{"id":"zed","name":"Zed"}`},
	} {
		mustAs(t, r.token, addr, "POST", r.path, r.body, http.StatusCreated, nil)
	}

	// acme's host logs in through the form; the cookie opens acme's board.
	browser, resp := login(t, addr, url.Values{"token": {acme}})
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("login with acme's token: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	snapAcme := firstSnapshot(t, browser, addr, nil)
	snapDefault := firstSnapshot(t, browser, addr, map[string]string{"Authorization": "Bearer " + testToken})
	if !strings.Contains(snapAcme, "sales") || !strings.Contains(snapAcme, "zed") ||
		strings.Contains(snapAcme, "support") || strings.Contains(snapAcme, "ana") {
		t.Errorf("acme's board: %.400s; want acme's team and teammate only", snapAcme)
	}
	if !strings.Contains(snapDefault, "support") || !strings.Contains(snapDefault, "ana") ||
		strings.Contains(snapDefault, "sales") || strings.Contains(snapDefault, "zed") {
		t.Errorf("default's board: %.400s; want default's team and teammate only", snapDefault)
	}

	// acme's cookie acts on acme only: default's ana is unknown there.
	change := func(teammate string) (int, string) {
		req, _ := http.NewRequest("POST", "http://"+addr+"/dashboard/teammates/"+teammate+"/channel",
			strings.NewReader(`{"channel":"Phone"}`))
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
		return resp.StatusCode, b.String()
	}
	if code, body := change("zed"); code != http.StatusOK {
		t.Fatalf("acme's board sets zed's channel: %d %s", code, body)
	}
	if code, body := change("ana"); code != http.StatusNotFound || !strings.Contains(body, "unknown_teammate") {
		t.Errorf("acme's board on default's ana: %d %s, want 404 unknown_teammate", code, body)
	}
	var ana struct{ Channel string }
	mustAs(t, testToken, addr, "GET", "/v1/workspaces/default/teammates/ana", "", http.StatusOK, &ana)
	var zed struct{ Channel string }
	mustAs(t, acme, addr, "GET", "/v1/workspaces/acme/teammates/zed", "", http.StatusOK, &zed)
	if ana.Channel != "All" || zed.Channel != "Phone" {
		t.Errorf("channels: default's ana %q, acme's zed %q; want All and Phone", ana.Channel, zed.Channel)
	}

	// The admin token is no workspace's: 403 on every wallboard route.
	for _, p := range []string{"/", "/dashboard/events", "/dashboard/calls/c1/timeline"} {
		code, body := requestAs(testAdminToken, addr, "GET", p, "")
		var eb httpedge.ErrorBody
		if code != http.StatusForbidden || !decodeInto(body, &eb) || eb.Code != "forbidden" {
			t.Errorf("admin on %s: %d %s, want 403 forbidden", p, code, body)
		}
	}

	// The inbox: acme's host gives zed a password; zed signs in to acme.
	mustAs(t, acme, addr, "PUT", "/v1/workspaces/acme/teammates/zed/credential", `{"password":"zed's password"}`, http.StatusOK, nil)
	zedBrowser, resp := login(t, addr, url.Values{"workspace": {"acme"}, "teammate": {"zed"}, "password": {"zed's password"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/inbox" {
		t.Fatalf("zed signs in to acme: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err := zedBrowser.Get("http://" + addr + "/inbox/api/me")
	if err != nil {
		t.Fatal(err)
	}
	var me map[string]string
	var b strings.Builder
	_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
	resp.Body.Close()
	if !decodeInto(b.String(), &me) || me["workspace"] != "acme" || me["teammate"] != "zed" {
		t.Errorf("zed's session: %s", b.String())
	}

	// zed's session is verified by the API too, and refused on every route
	// that is not a teammate's: the API, the metrics, the wallboard.
	for _, p := range []string{"/v1/workspaces/acme/teams", "/v1/workspaces/acme/dashboard", "/metrics", "/v1/cluster", "/dashboard/events"} {
		resp, err := zedBrowser.Get("http://" + addr + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("zed's session on %s: %d, want 403", p, resp.StatusCode)
		}
	}
	// A supervisor of acme signs in and the same session opens acme's
	// wallboard.
	mustAs(t, acme, addr, "POST", "/v1/workspaces/acme/teammates", `{"id":"sue","name":"Sue"}`, http.StatusCreated, nil)
	mustAs(t, acme, addr, "PUT", "/v1/workspaces/acme/teammates/sue/credential", `{"password":"sue's password","role":"supervisor"}`, http.StatusOK, nil)
	sueBrowser, _ := login(t, addr, url.Values{"workspace": {"acme"}, "teammate": {"sue"}, "password": {"sue's password"}})
	if snap := firstSnapshot(t, sueBrowser, addr, nil); !strings.Contains(snap, "sales") || strings.Contains(snap, "support") {
		t.Errorf("sue's wallboard: %.400s; want acme's", snap)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

package inbox_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/inbox"
	"github.com/phonebalance/phonebalance/server/internal/browsertest"
)

// screenshotEnv names the variable that makes the browser test rewrite
// the committed screenshots.
const screenshotEnv = "UPDATE_SCREENSHOT"

// newBrowser starts Chromium with fake media devices and returns one
// context per teammate, each in its own browser context (own cookies).
func newBrowser(t *testing.T, ctx context.Context, n int) []context.Context {
	t.Helper()
	root := browsertest.Start(t, ctx, 1000, 900,
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		// WebRTC on loopback: host candidates on 127.0.0.1, not hidden
		// behind mDNS names.
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
	)
	var out []context.Context
	for range n {
		c, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		out = append(out, c)
	}
	return out
}

// poll waits until a JavaScript predicate holds in the page.
func poll(what, expr string) chromedp.Action[chromedp.Void] {
	return browsertest.Poll(what, expr, 15*time.Second)
}

func signInPage(url, id string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(url + "/inbox"), // redirected to the sign-in form
		chromedp.WaitVisible(chromedp.CSS("#teammate")),
		chromedp.SendKeys(chromedp.CSS("#teammate"), id),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login button")),
		chromedp.WaitVisible(chromedp.CSS("#availability")),
		poll("the stream", `document.getElementById('conn').textContent === 'online'`),
	}
}

// setVisibility makes the page see itself hidden or visible as a
// backgrounded tab does (headless Chromium keeps every tab visible, so
// the Page Visibility API's state is overridden and its event fired).
func setVisibility(state string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`Object.defineProperty(document, 'visibilityState', `+
		`{value: %q, configurable: true}); document.dispatchEvent(new Event('visibilitychange'))`, state))
}

func screenshot(t *testing.T, b context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(b, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if os.Getenv(screenshotEnv) == "1" {
		if err := os.WriteFile(filepath.Join("testdata", name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The inbox in real Chromium, two teammates in two browser contexts: the
// open foreground tab is the phone client (PR3) and a backgrounded one
// leaves the eligible count; a call rings the longest-idle teammate;
// See details explains it; Decline moves it to the other teammate with
// the 5-minute exclusion (AS7); Answer puts them Away "On a call" (PR4);
// hanging up gives wrap-up and "Switch to active" (PR6); closing a tab
// while ringing moves the call at once as a connectivity decline.
// Rule: PR3, AS7, PR4, PR6
func TestBrowserInbox(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	ecfg := assign.DefaultConfig()
	ecfg.WrapUp = time.Minute
	e := newEnv(t, &ecfg, inbox.Config{CloseGrace: 500 * time.Millisecond})
	tabs := newBrowser(t, ctx, 2)
	ana, ben := tabs[0], tabs[1]
	for i, id := range []string{"ana", "ben"} {
		if err := chromedp.Do(tabs[i], signInPage(e.url, id)...); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	available := func() int {
		var n int
		_, _ = e.rt.Default().View(func(en *assign.Engine) { c, _, _ := en.TeamCounts("support"); n = c.Available })
		return n
	}
	e.waitUntil("both clients open", func() bool { return available() == 2 })

	// A backgrounded tab is "available but with no active phone client".
	if err := chromedp.Do(ben, setVisibility("hidden"),
		poll("the background pill", `document.getElementById('conn').textContent === 'background'`)); err != nil {
		t.Fatal(err)
	}
	e.waitUntil("ben leaves the eligible count", func() bool {
		v := e.teammate("ben")
		return available() == 1 && !v.Eligible && v.Presence.ClientOpen
	})
	if err := chromedp.Do(ben, setVisibility("visible")); err != nil {
		t.Fatal(err)
	}
	e.waitUntil("ben is back", func() bool { return available() == 2 })

	// Ben had a conversation assigned just now: ana is the longest idle.
	e.do(assign.Command{Op: assign.OpReportAssignment, Teammate: "ben"})
	if st, body := e.host("POST", "/v1/workspaces/default/calls", `{"id":"c1","team":"support"}`); st >= 300 {
		t.Fatalf("%d %s", st, body)
	}
	if err := chromedp.Do(ana,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		poll("c1 ringing in ana's inbox", `!document.getElementById('ringing').hidden && `+
			`document.getElementById('ring-call').textContent.includes('c1')`),
		chromedp.Click(chromedp.CSS("#details")),
		poll("the explanation", `document.getElementById('why').textContent.length > 0 && `+
			`document.getElementById('timeline').children.length > 0`),
		chromedp.Click(chromedp.CSS("#close-detail")),
		poll("no horizontal overflow at 390 px", `document.documentElement.scrollWidth <= 390`),
	); err != nil {
		t.Fatal(err)
	}
	if ok, err := chromedp.Run(ben, chromedp.Evaluate[bool](`document.getElementById('ringing').hidden`)); err != nil || !ok {
		t.Fatalf("ben's inbox rings too (%v, %v)", ok, err)
	}
	screenshot(t, ana, "inbox-ringing.png")

	// Decline: the call moves to ben, ana is excluded from it for 5 min.
	if err := chromedp.Do(ana, chromedp.Click(chromedp.CSS("#decline")),
		poll("ana's ring gone", `document.getElementById('ringing').hidden`)); err != nil {
		t.Fatal(err)
	}
	e.waitUntil("c1 rings ben", func() bool { return e.teammate("ben").Ringing == "c1" })
	var c1 assign.CallView
	_, _ = e.rt.Default().View(func(en *assign.Engine) { c1, _ = en.Call("c1") })
	if len(c1.Excluded) != 1 || c1.Excluded[0].Teammate != "ana" ||
		c1.Excluded[0].Until.Sub(e.rt.Now()) < 4*time.Minute || c1.Excluded[0].Until.Sub(e.rt.Now()) > 5*time.Minute {
		t.Errorf("c1's exclusions after ana declined: %+v (now %v)", c1.Excluded, e.rt.Now())
	}

	// Answer in ben's page: on a call, Away "On a call".
	if err := chromedp.Do(ben,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		poll("c1 ringing in ben's inbox", `!document.getElementById('ringing').hidden`),
		chromedp.Click(chromedp.CSS("#answer")),
		poll("ben on the call", `!document.getElementById('oncall').hidden && `+
			`document.getElementById('presence').textContent.startsWith('Away (On a call)')`),
	); err != nil {
		t.Fatal(err)
	}
	if v := e.teammate("ben"); v.Calls != 1 {
		t.Errorf("ben after Answer: %+v", v)
	}
	screenshot(t, ben, "inbox-on-call.png")

	// Hang up: wrap-up, then "Switch to active".
	if err := chromedp.Do(ben,
		chromedp.Click(chromedp.CSS("#hangup")),
		poll("wrap-up", `!document.getElementById('wrapup').hidden`),
		chromedp.Click(chromedp.CSS("#switch-active")),
		poll("active again", `document.getElementById('wrapup').hidden && document.body.dataset.status === 'Active'`),
	); err != nil {
		t.Fatal(err)
	}

	// Closing the tab while ringing: the call moves on within seconds,
	// long before the 30 s ring timeout.
	if st, body := e.host("POST", "/v1/workspaces/default/calls", `{"id":"c2","team":"support"}`); st >= 300 {
		t.Fatalf("%d %s", st, body)
	}
	e.waitUntil("c2 rings ana", func() bool { return e.teammate("ana").Ringing == "c2" })
	if err := chromedp.Do(ana, poll("c2 in ana's inbox", `document.getElementById('ring-call').textContent.includes('c2')`)); err != nil {
		t.Fatal(err)
	}
	closed := time.Now()
	if err := chromedp.Cancel(ana); err != nil { // closes the tab
		t.Fatal(err)
	}
	e.waitUntil("c2 rings ben", func() bool { return e.teammate("ben").Ringing == "c2" })
	if d := time.Since(closed); d > 10*time.Second {
		t.Errorf("the call moved %v after the tab closed", d)
	}
	// (Closing first hides the page, which already stops it ringing;
	// the closed stream then closes the client after the grace.)
	e.waitUntil("ana's client closed", func() bool { return !e.teammate("ana").Presence.ClientOpen })
	if err := chromedp.Do(ben, poll("c2 in ben's inbox", `document.getElementById('ring-call').textContent.includes('c2')`)); err != nil {
		t.Fatal(err)
	}
}

// With auto-answer the page answers an assigned call with no click (it
// also hides Decline, which the engine refuses then). Rule: AS8
func TestBrowserAutoAnswer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ecfg := assign.DefaultConfig()
	ecfg.AutoAnswer = true
	e := newEnv(t, &ecfg, inbox.Config{})
	ana := newBrowser(t, ctx, 1)[0]
	if err := chromedp.Do(ana, signInPage(e.url, "ana")...); err != nil {
		t.Fatal(err)
	}
	e.waitUntil("ana's client is open", func() bool { return e.teammate("ana").Eligible })
	if st, body := e.host("POST", "/v1/workspaces/default/calls", `{"id":"c1","team":"support"}`); st >= 300 {
		t.Fatalf("%d %s", st, body)
	}
	if err := chromedp.Do(ana, poll("ana on c1 with no click", `!document.getElementById('oncall').hidden && `+
		`document.getElementById('call-info').textContent.includes('c1')`)); err != nil {
		t.Fatal(err)
	}
	var c1 assign.CallView
	_, _ = e.rt.Default().View(func(en *assign.Engine) { c1, _ = en.Call("c1") })
	if c1.Agent != "ana" {
		t.Errorf("c1 after auto-answer: %+v", c1)
	}
}

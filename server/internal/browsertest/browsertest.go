// Package browsertest starts the headless Chromium that the page tests
// drive (the wallboard's and the inbox's) and waits on what a page shows.
//
// Chromium is found by [testtool.Require]: a test skips without it on a
// developer's machine and fails without it in CI. The browser runs with
// the flags a closed network needs (no background networking, component
// updates or sync), in a user data directory of the test's own, and stops
// when the test ends. Safe for concurrent use by parallel tests.
package browsertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/phonebalance/phonebalance/server/internal/testtool"
)

// Start starts Chromium with a window of width by height and the extra
// options (for example fake media devices), and returns its first tab's
// context, with the browser running. The browser stops when t ends.
func Start(t testing.TB, ctx context.Context, width, height int, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	chromium := testtool.Require(t, testtool.Chromium)
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser() // closes the tab and stops the browser process
		cancelAlloc()
	})
	if err := chromedp.Do(bctx); err != nil { // start the browser
		t.Fatal(err)
	}
	return bctx
}

// Poll waits up to timeout until the JavaScript predicate expr holds in
// the page; its error names what was awaited.
func Poll(what, expr string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout))(ctx, t)
		if err != nil {
			return fmt.Errorf("waiting for %s (%s): %w", what, expr, err)
		}
		return nil
	})
}

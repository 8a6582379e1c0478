// Package dashboard serves the live inbox dashboard (SPEC MT15) in a
// browser: summary cards, the team table, the teammate table with a
// channel-availability control (SPEC PR7), the staffing advice, and a
// call's timeline and explanation on click. The page is plain HTML, CSS
// and JavaScript embedded in the binary; it never polls: it follows a
// Server-Sent Events stream.
//
// # The stream
//
// GET /dashboard/events sends a full snapshot on connect, then deltas
// carrying only the sections (summary, teams, teammates, calls, advice)
// whose JSON changed, each with an id. A browser that reconnects sends
// Last-Event-ID and gets what changed since, merged into one delta, or a
// fresh snapshot if the id is older than the kept history or from another
// process. Idle streams get comment-line heartbeats. Every write has its
// own deadline (http.ResponseController.SetWriteDeadline), so a client
// that stops reading is dropped without slowing the others, and the
// server's WriteTimeout does not cut long streams. The number of streams
// is bounded.
//
// The host calls [Server.Notify] for each applied log entry; one renderer
// goroutine reads the [Source] at most once per Config.Coalesce, however
// many entries a burst applied, and every Config.Refresh while someone
// watches, so that ongoing talk times move.
//
// # Authentication
//
// GET /login serves a form; POST /login checks the token with
// Config.CheckToken and sets the cookie [CookieName] (HttpOnly,
// SameSite=Strict, Path=/). Every other data route also checks the token
// itself, from the cookie or an Authorization: Bearer header, and
// state-changing requests authenticated by cookie must be same-origin.
//
// # Wiring
//
// With a replica node, a metrics fold fed from OnApply (under the host's
// lock) and the staffing advice tracker:
//
//	dash, err := dashboard.New(dashboard.Config{
//		Source: dashboard.SourceFunc(func(ctx context.Context) (dashboard.State, error) {
//			now := time.Now()
//			mu.Lock()
//			live, day := collector.Dashboard(now), collector.Report(midnight(now), now)
//			mu.Unlock()
//			adv := tracker.Advice(now, dashboard.AvailableByTeam(live))
//			var st dashboard.State
//			err := node.View(ws, func(e *assign.Engine) {
//				st = dashboard.Build(dashboard.Inputs{At: now, Engine: e, Live: live, Window: day, Advice: adv})
//			})
//			return st, err
//		}),
//		Submit: func(ctx context.Context, cmd assign.Command) error {
//			_, err := node.Do(ctx, ws, cmd)
//			return err
//		},
//		CheckToken: func(t string) bool { return subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 },
//	})
//	// OnApply: observe the events, then dash.Notify(applied.Index).
//	for _, p := range dashboard.Routes { mux.Handle(p, dash) }
package dashboard

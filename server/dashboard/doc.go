// Package dashboard serves the live inbox dashboard (rule MT15) in a
// browser: summary cards, the team table, the teammate table with a
// channel-availability control (rule PR7), the staffing advice, and a
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
// The dashboard uses the server's one HTTP edge (package httpedge). GET
// /login serves a form; POST /login checks the token with
// Config.CheckToken and sets the cookie [CookieName] (HttpOnly,
// SameSite=Strict, Path=/). Every other data route also checks the token
// itself (httpedge.Require: the cookie or an Authorization header with the
// Bearer scheme in any case); every state-changing request a browser marks
// as cross-origin is refused (httpedge.SameOrigin, on
// net/http.CrossOriginProtection); every refusal, 404 and 405 included, is
// the edge's {"code", "error"} body; IDs obey the edge's limits.
//
// # Wiring
//
// A server plugs in what it already has: the runtime's clock, engine view
// and metrics fold, the staffing advice tracker, the event store, and its
// token check. Method values fit [Parts] as they are:
//
//	src, err := dashboard.NewSource(dashboard.Parts{
//		Now: rt.Now, View: rt.View, WithCollector: rt.WithCollector,
//		Advice: tracker.Advice,
//	})
//	dash, err := dashboard.New(dashboard.Config{
//		Source: src,
//		Submit: func(ctx context.Context, cmd assign.Command) error {
//			_, err := rt.Do(ctx, cmd)
//			return err
//		},
//		Timeline:   dashboard.TimelineFunc(rt.Events().Timeline),
//		Explain:    dashboard.ExplainFunc(rt.View),
//		CheckToken: auth.Valid, // constant time
//	})
//	public, protected := dash.Handlers() // mount without / behind authentication
//	// For every applied log entry (OnApply, OnRestore, or a loop over the
//	// runtime's event subscription): dash.Notify(index).
//	// On shutdown: dash.Close().
package dashboard
